#!/usr/bin/env bash
# What a user is told about a failure (issue 16): a campaign replays each
# failure before reporting it and says how often it reproduced; an artifact
# carries the verdict it failed with, so `replay` counts reproductions and
# says plainly when a failure did not reproduce, never "pass".
# usage: trust_test.sh LIFEGUARD SOURCE_DIR WORK_DIR
set -uo pipefail
source "$(dirname "$0")/checks.sh"
lifeguard=$1 source=$2 work=$3
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 2

# 1. A legacy campaign under PCT: each failure replayed twice before it is reported.
"$lifeguard" run --policy legacy --scheduler pct --iterations 3 --seed 1 --confirm 2 --max-failures 1 \
  --out failures >run.out 2>run.err
check "the campaign exits 1 on a failure" test $? -eq 1
check "the failure line gives the reproduction rate" grep -q '^FAIL .*reproduced 2 of 2 replays' run.err
check "the summary counts the replays" grep -q 'failures reproduced in 2 of 2 replays' run.out
artifact=$(ls failures/*.sched | head -n 1)
verdict=$(sed -n 's/^# lifeguard failure: \([a-z_]*\) under policy legacy$/\1/p' "$artifact")
check "the artifact expects the verdict it failed with ($verdict)" grep -qx "expect legacy $verdict" "$artifact"
check "the artifact says how often it reproduced" grep -qx '# reproduced 2 of 2 replays' "$artifact"

# 2. Replaying it counts reproductions (exact under PCT: every time).
"$lifeguard" replay --runs 3 "$artifact" >replay.out 2>/dev/null
check "replay of a reproducing failure exits 0" test $? -eq 0
check "replay says reproduced 3 of 3" grep -q "reproduced 3 of 3 ($verdict, scheduler pct, recorded trace replayed)" replay.out
check "replay never calls a failure a pass" bash -c '! grep -q "(expected pass)" replay.out'

# 2b. Shrinking it keeps its verdict (the artifact's), and the result replays.
"$lifeguard" shrink "$artifact" >shrink.out 2>&1
check "shrink writes a smaller schedule" grep -q 'wrote .*\.min\.sched ([0-9]* operations)' shrink.out
before=$(sed -n 's/^shrinking .* (\([0-9]*\) operations, verdict.*/\1/p' shrink.out)
after=$(sed -n 's/^wrote .* (\([0-9]*\) operations)$/\1/p' shrink.out)
check "with fewer operations ($before -> $after)" test "${after:-999}" -lt "${before:-0}"
check "that keep the verdict the artifact expects" grep -Eq "verdict $verdict( in [^;]*)?;" shrink.out
"$lifeguard" replay "${artifact%.sched}.min.sched" >min.out 2>&1
check "and replay to it" grep -q "reproduced 1 of 1 ($verdict" min.out

# 3. The false alarm of issue 16, an artifact written before artifacts carried
#    their verdict: under the fixed oracle it passes, which replay must call
#    "did not reproduce", with exit 1.
"$lifeguard" replay --runs 2 "$source/tests/harness/testdata/complete-contract-seed949834666.sched" >old.out 2>&1
check "replay of a failure that does not reproduce exits 1" test $? -eq 1
check "it says so plainly" grep -q 'reproduced 0 of 2 (contract, scheduler os): the failure did not reproduce' old.out
check "each run says it did not reproduce" test "$(grep -c 'did NOT reproduce, got pass' old.out)" -eq 2

# 4. ./run fuzz runs every part and prints every summary even when the first
#    fails, and exits 1 (a stand-in lifeguard that fails every campaign).
cat >fake-lifeguard <<'FAKE'
#!/usr/bin/env bash
policy=? scheduler=os
while [ $# -gt 0 ]; do
  case $1 in --policy) policy=$2; shift ;; --scheduler) scheduler=$2; shift ;; esac
  shift
done
echo "summary: engine fake, policy $policy, scheduler $scheduler, 1 failures"
exit 1
FAKE
chmod +x fake-lifeguard
LIFEGUARD_BIN=$PWD/fake-lifeguard "$source/run" fuzz 2 >fuzz.out 2>&1
check "./run fuzz exits 1 when complete failed" test $? -eq 1
check "./run fuzz printed all three summaries" \
  test "$(sed -n '/^summaries:/,$p' fuzz.out | grep -c '^summary:')" -eq 3
check "the legacy part ran" grep -q 'policy legacy, scheduler pct' fuzz.out

# 5. An engine's contract, as a table with its close style and sources.
"$lifeguard" contract --engine lifeguard >contract.out 2>&1
check "lifeguard contract prints the close style and its source" \
  grep -q '^engine lifeguard, policy complete: close style drain (engine/README.md' contract.out
check "and a row per operation" grep -q '^query copy_bad .*CopyError' contract.out
"$lifeguard" contract --engine lifeguard-disk >disk-contract.out 2>&1
check "an on-disk engine's contract says what it does about a second instance of its path" \
  grep -q "^a second instance of a path (opened while an earlier one lives): the caller's fault; the adapter's open answers Busy" disk-contract.out
check "with its source" grep -q '^  source: engine/README.md, Durability' disk-contract.out
check "an in-memory engine's says nothing of it" bash -c "! grep -q 'second instance' contract.out"
"$lifeguard" contract --engine nosuch >nosuch.out 2>&1
check "an unknown engine is an error that lists the engines" grep -q "unknown engine 'nosuch' (this build has: " nosuch.out

# 6. A vacuous campaign: one actor, so no close can overlap a call in flight.
"$lifeguard" run --iterations 3 --seed 1 --actors 1 --out vacuous >vacuous.out 2>&1
check "a campaign in which no close overlapped work exits 3" test $? -eq 3
check "and says so plainly" grep -q '^VACUOUS: in 3 runs no close overlapped a call in flight' vacuous.out
"$lifeguard" run --iterations 3 --seed 1 --out vacuous >busy.out 2>&1
check "one with such overlaps does not (exit 0)" test $? -eq 0
check "nor says it" bash -c "! grep -q VACUOUS busy.out"

finish
