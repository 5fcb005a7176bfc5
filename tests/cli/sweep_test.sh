#!/usr/bin/env bash
# lifeguard sweep (issue 21): a schedule's close fired at every point of the
# operation it races. Under a controlled scheduler each point is exact: a
# failure found at point K replays; a policy that survives every point passes.
# usage: sweep_test.sh LIFEGUARD SOURCE_DIR WORK_DIR
set -uo pipefail
source "$(dirname "$0")/checks.sh"
lifeguard=$1 source=$2 work=$3
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 2
h3=$source/tests/regressions/h3_close_database_during_query.sched

"$lifeguard" sweep --policy complete --points 6 "$h3" >complete.out 2>&1
check "complete survives every point (exit 0)" test $? -eq 0
check "the sweep names the close and the operation it races" \
  grep -q "^sweep: actor 1's 'close_db' at each of [0-9]* steps of actor 0's 'query c1 r1 long" complete.out
check "6 points, none failed" grep -q '^summary: 6 close points swept, 0 failed; pass 6$' complete.out

"$lifeguard" sweep --policy legacy --points 6 --deadline-ms 10000 --out failures "$h3" >legacy.out 2>&1
check "legacy fails at some point (exit 1)" test $? -eq 1
check "the summary says where" grep -Eq '^summary: 6 close points swept, [1-6] failed \(at steps [0-9]' legacy.out
artifact=$(ls failures/*-sweep-*.sched | head -n 1)
check "the first failure is saved with its point ($artifact)" grep -Eq '^  await [0-9]+\.[0-9]+ at [0-9]+$' "$artifact"
"$lifeguard" replay --runs 2 "$artifact" >replay.out 2>&1
check "and replays exactly" grep -q 'reproduced 2 of 2' replay.out

# replay --record: a hand-written schedule run once under control and saved
# with its decision trace, which then replays exactly; never a recording of
# a verdict the file does not expect, nor one without control.
"$lifeguard" replay --record recorded.sched --policy complete "$h3" >record.out 2>&1
check "record writes the schedule with its trace (exit 0)" test $? -eq 0
check "and says how much of the run was controlled" grep -q 'controlled steps [0-9]*, uncontrolled slices 0' record.out
check "the file holds the trace" grep -q '^trace [0-9]' recorded.sched
"$lifeguard" replay --runs 3 recorded.sched >recorded.out 2>&1
check "which replays exactly, 3 of 3" test "$(grep -c 'pass \[controlled steps' recorded.out)" -eq 3
"$lifeguard" replay --record wrong.sched --policy complete --expect sanitizer "$h3" >wrong.out 2>&1
check "a run without the expected verdict is not recorded (exit 1)" test $? -eq 1 -a ! -e wrong.sched
"$lifeguard" replay --record os.sched --scheduler os "$h3" >record-os.out 2>&1
check "nor a free-running one (exit 2)" test $? -eq 2 -a ! -e os.sched

"$lifeguard" sweep --policy complete --scheduler os --points 3 "$h3" >os.out 2>&1
check "free-running, the points are microseconds" grep -q '^sweep: .* us of actor 0' os.out

# Real SQLite under the controlled scheduler (its mutexes routed).
sq=$source/tests/cli/sqlite_iterate_vs_close.sched
"$lifeguard" sweep --points 4 "$sq" >sqlite.out 2>&1
check "SQLite refuses the close at every point of the read" grep -q '^summary: 4 close points swept, 0 failed' sqlite.out
"$lifeguard" sweep --policy broken --points 4 --out failures "$sq" >broken.out 2>&1
check "the broken adapter fails at them" grep -Eq '^summary: 4 close points swept, [1-4] failed' broken.out

# The campaign's sweep (run --strategy sweep): generated schedules, no
# hand-written one. The published fix's window is found (here by a
# measuring run already: it is wide), and replays; complete survives the
# same schedules, at every point the sweep fires at.
"$lifeguard" run --policy execute_drain --strategy sweep --scheduler pct --iterations 8 --seed 5000 \
  --max-failures 1 --out campaign >drain.out 2>&1
check "a sweep campaign finds execute_drain's window (exit 1)" test $? -eq 1
check "and says how the close points were chosen" grep -q '^  strategy sweep: one close of each schedule' drain.out
artifact=$(ls campaign/*.sched | head -n 1)
"$lifeguard" replay --runs 2 "$artifact" >campaign-replay.out 2>&1
check "and replays exactly" grep -q 'reproduced 2 of 2' campaign-replay.out
"$lifeguard" run --policy complete --strategy sweep --scheduler pct --iterations 8 --seed 5000 --quiet \
  >complete-campaign.out 2>&1
check "complete survives the same schedules (exit 0)" test $? -eq 0

printf 'lifeguard-schedule 1\nactors 1\n\nactor 0\n  open_db\n  close_db\n' >noclose.sched
"$lifeguard" sweep noclose.sched >noclose.out 2>&1
check "a schedule without a raced close is a clear error (exit 2)" test $? -eq 2
check "that says why" grep -q 'has no close right after an await' noclose.out
finish
