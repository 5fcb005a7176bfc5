#!/usr/bin/env bash
# An engine's own documented wait is not a hang: Kuzu's commit waits up to
# 5 s for the other transactions before its checkpoint, and a statement was
# seen to wait twice (its contract's longest wait, 10 s), so an operation is
# called hung only after the deadline plus 10 s a statement. Here one query
# that runs longer than a 500 ms deadline but well within 10.5 s passes; the
# contract names the wait and its source.
# usage: engine_wait_test.sh LIFEGUARD WORK_DIR
set -uo pipefail
source "$(dirname "$0")/checks.sh"
lifeguard=$1 work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 2

"$lifeguard" contract --engine kuzu >contract.out 2>&1
check "Kuzu's contract names its longest wait" grep -q 'may wait up to 10000 ms on top of its own work' contract.out
check "with its source" grep -q 'DEFAULT_CHECKPOINT_WAIT_TIMEOUT_IN_MICROS' contract.out

printf 'lifeguard-schedule 1\nengine kuzu\npolicy binding\nactors 1\n\nactor 0\n  open_db\n  connect c1\n  query c1 - long 150000000\n' >long.sched
start=$(date +%s%N)
"$lifeguard" replay --deadline-ms 500 long.sched >long.out 2>&1
took=$((($(date +%s%N) - start) / 1000000))
if [ "$took" -le 1000 ]; then
  echo "skipped: the query took only ${took} ms on this machine, too fast to tell"
  exit 77
fi
check "a query of ${took} ms under a 500 ms deadline is not a hang" grep -q ': pass (expected pass)' long.out
finish
