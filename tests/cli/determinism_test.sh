#!/usr/bin/env bash
# A prebuilt engine under PCT with the determinism check (each schedule run
# twice, traces compared): the goal is 95 of 100 deterministic. Here 10
# schedules: at most one may diverge. Each divergence is printed with what
# its message says of the cause (an uncontrolled slice, a wait on a
# primitive held outside control, an engine thread outside the run, a lock
# try that met a lock held outside control, or that the traces show none:
# docs/adapters.md). With `clean`,
# nothing else may fail either; without, the engine's own failures (Kuzu's)
# do not fail this test, but its summary must be there.
# usage: determinism_test.sh LIFEGUARD ENGINE OUT_DIR [clean]
set -uo pipefail
source "$(dirname "$0")/checks.sh"
lifeguard=$1 engine=$2 out=$3 clean=${4:-}
rm -rf "$out" && mkdir -p "$out" && cd "$out" || exit 2

"$lifeguard" run --engine "$engine" --scheduler pct --check-determinism --iterations 10 --seed 1 \
  --max-failures 100 --confirm 0 --out failures >run.out 2>&1
check "the campaign ran its 10 schedules" grep -q "^summary: engine $engine.* 10 runs" run.out
diverged=$(grep -c '^FAIL divergence' run.out)
check "at most 1 of 10 diverged ($diverged)" test "$diverged" -le 1
if [ "$clean" = clean ]; then
  check "and nothing else failed" test "$(grep '^FAIL ' run.out | grep -vc '^FAIL divergence')" -eq 0
fi
grep '^FAIL ' run.out
finish
