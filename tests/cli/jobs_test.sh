#!/usr/bin/env bash
# Every core and past one machine (issue 32): --jobs N judges the same
# schedules, and reports the same failures, whatever N is; --shard I/N
# splits a campaign's seeds into disjoint parts, and `lifeguard report
# merge` joins their reports into the unsharded campaign's, counting each
# schedule once. Under --scheduler random a schedule's run is a function of
# its seed, so the verdicts and what the runs exercised must match exactly.
# usage: jobs_test.sh LIFEGUARD SOURCE_DIR WORK_DIR
set -uo pipefail
source "$(dirname "$0")/checks.sh"
lifeguard=$1 source=$2 work=$3
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 2

campaign=(run --policy legacy --scheduler random --seed 7 --deadline-ms 2000 --max-failures 0 --confirm 0 --quiet)
# The seeds, the failures (seed and verdict), the runs and the overlap counts of a report.
facts() {
  python3 -c 'import json, sys
r = json.load(open(sys.argv[1] + "/campaign.json"))
print(r["seeds"], r["runs"], sorted((f["seed"], f["verdict"]) for f in r["failures"]), r["overlaps"])' "$1"
}
# Whether two reports hold the same facts (and exist).
same() { local a b; a=$(facts "$1") && b=$(facts "$2") && [ -n "$a" ] && [ "$a" = "$b" ]; }

# 1. One job and two: the same schedules, verdicts and overlaps.
"$lifeguard" "${campaign[@]}" --iterations 12 --jobs 1 --out one --report one >one.out 2>&1
check "one job: the campaign finds legacy's failures (exit 1)" test $? -eq 1
"$lifeguard" "${campaign[@]}" --iterations 12 --jobs 2 --out two --report two >two.out 2>&1
check "two jobs: so does it (exit 1)" test $? -eq 1
check "two jobs say so" grep -q '^  2 jobs: each judges a schedule at a time' two.out
check "and count 12 schedules" grep -q '; 12 schedules, 2 jobs' two.out
check "the same schedules, verdicts and overlaps" same one two
check "the same artifacts" diff <(ls one) <(ls two)

# 2. --max-failures stops at the same failure whatever N is.
for jobs in 1 2; do
  "$lifeguard" run --policy legacy --scheduler random --seed 7 --deadline-ms 2000 --confirm 0 --quiet \
    --iterations 12 --max-failures 2 --jobs "$jobs" --out "stop$jobs" >"stop$jobs.out" 2>&1
done
check "--max-failures 2 reports two failures with 2 jobs" test "$(grep -c '^FAIL ' stop2.out)" -eq 2
check "the same two as with one job" diff <(grep '^FAIL ' stop1.out | cut -d: -f1) <(grep '^FAIL ' stop2.out | cut -d: -f1)

# 3. Two shards, merged, are the unsharded campaign, schedule for schedule.
for shard in 1 2; do
  "$lifeguard" "${campaign[@]}" --iterations 6 --shard "$shard/2" --out shards --report "shard$shard" \
    >"shard$shard.out" 2>&1
done
check "shard 1/2 takes the odd offsets" python3 -c 'import json; assert json.load(open("shard1/campaign.json"))["seeds"] == [7, 9, 11, 13, 15, 17]'
check "shard 2/2 the even ones" python3 -c 'import json; assert json.load(open("shard2/campaign.json"))["seeds"] == [8, 10, 12, 14, 16, 18]'
"$lifeguard" report merge shard1 shard2 shard1 --out merged >merge.out 2>merge.err
check "the merge exits 1: it holds failures" test $? -eq 1
check "a shard given twice is counted once" grep -q 'shard1: its 6 schedules are counted already; skipped' merge.err
check "the merge counts 12 schedules" grep -q '^merged 2 shards: 12 schedules, 12 runs' merge.out
check "and equals the unsharded campaign" same merged one
for artifact in $(python3 -c 'import json; print(" ".join(f["artifact"] for f in json.load(open("merged/campaign.json"))["failures"]))'); do
  check "the merged report holds $artifact" test -f "merged/$artifact"
done
check "its index says it was merged" grep -q '2 shards merged' merged/index.html

# 4. Clear errors.
"$lifeguard" run --shard 3/2 --iterations 1 >bad.out 2>&1
check "--shard 3/2 is a usage error (exit 2)" test $? -eq 2
check "that says what --shard takes" grep -q -- '--shard takes I/N with 1 <= I <= N' bad.out
"$lifeguard" run --policy complete --scheduler random --seed 8 --iterations 2 --quiet --report other >/dev/null 2>&1
"$lifeguard" report merge shard1 other --out mixed >mixed.out 2>&1
check "merging another campaign's report is refused (exit 2)" test $? -eq 2
check "and says why" grep -q 'is of another campaign' mixed.out
"$lifeguard" report merge missing --out nothing >missing.out 2>&1
check "a directory without campaign.json is refused (exit 2)" test $? -eq 2

# 5. An interrupted campaign takes its jobs, and their runs, with it.
"$lifeguard" run --policy complete --seconds 300 --jobs 2 --quiet --out long >long.out 2>&1 &
campaign_pid=$!
for _ in $(seq 100); do [ "$(pgrep -c -P "$campaign_pid")" -ge 2 ] && break; sleep 0.1; done
jobs=$(pgrep -P "$campaign_pid" | tr '\n' ' ')
check "the campaign started two jobs ($jobs)" test "$(echo "$jobs" | wc -w)" -eq 2
kill -TERM "$campaign_pid"
wait "$campaign_pid"
gone=yes
for job in $jobs; do
  for _ in $(seq 50); do kill -0 "$job" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$job" 2>/dev/null && gone=no
  # and the runs it started: its process group
  pgrep -g "$job" >/dev/null && gone=no
done
check "SIGTERM ends its jobs and their runs" test "$gone" = yes

# 6. The default is the portfolio: every strategy gets schedules.
"$lifeguard" run --policy complete --iterations 15 --seed 3 --quiet --out portfolio >portfolio.out 2>&1
check "the portfolio campaign passes under complete (exit 0)" test $? -eq 0
check "it says it is the portfolio" grep -q 'scheduler portfolio (os, pct, pct-all, sweep, swarm' portfolio.out
for strategy in os pct pct-all sweep swarm; do
  check "and judged schedules by $strategy" grep -Eq "(: |, )$strategy [1-9][0-9]* schedules" portfolio.out
done
"$lifeguard" run --strategy portfolio --scheduler pct --iterations 1 >both.out 2>&1
check "--strategy portfolio with --scheduler is a usage error (exit 2)" test $? -eq 2
check "that says why" grep -q 'portfolio chooses its own schedulers' both.out

# 7. The workflow's own shard and merge steps (.github/workflows/campaign.yml),
# run here as a runner would run them: 2 shards of 3 s each.
step() {  # the run: script of the step of job $1 named $2..., for shard $3, with this lifeguard
  python3 - "$source/.github/workflows/campaign.yml" "$1" "$2" "$3" <<'PY' | sed "s|build/dev/harness/lifeguard|$lifeguard|"
import sys, yaml
workflow, job, name, shard = yaml.safe_load(open(sys.argv[1])), sys.argv[2], sys.argv[3], sys.argv[4]
run = next(s["run"] for s in workflow["jobs"][job]["steps"] if s.get("name", "").startswith(name))
print(run.replace("${{ matrix.shard }}", shard))
PY
}
mkdir -p workflow && cd workflow || exit 2
export ENGINE=lifeguard POLICY=complete SECONDS_PER_SHARD=3 SEED=40 SHARDS=2
for shard in 1 2; do
  step shard Shard "$shard" >"shard$shard.sh"
  check "the workflow has a shard step" test -s "shard$shard.sh"
  bash -e "shard$shard.sh" >"shard$shard.out" 2>&1
  check "the workflow's shard $shard/2 step passes" test $? -eq 0
  mkdir -p shards && cp -r "report-$shard" shards/
done
step merge "lifeguard report merge" 0 >merge.sh
check "and a merge step" test -s merge.sh
bash -e merge.sh >merge.out 2>&1
check "its merge step passes (no failure under complete)" test $? -eq 0
check "and merges both shards" grep -q '^merged 2 shards: ' merge.out
check "into campaign-report/" test -f campaign-report/index.html
cd ..

finish
