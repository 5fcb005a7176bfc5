#!/usr/bin/env bash
# An engine a controlled scheduler cannot reach (in another process: the
# Node.js engines) refuses --scheduler pct with
# exit 2 and says why, instead of running a campaign whose actors only take
# turns and which no close ever overlaps (a false all-clear).
# usage: refuses_control_test.sh LIFEGUARD ENGINE
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/checks.sh"
lifeguard=$1 engine=$2
# A directory of its own: the tests of several engines run at once.
work=$(mktemp -d) && cd "$work" || exit 2
trap 'rm -rf "$work"' EXIT
for scheduler in pct random dfs; do
  "$lifeguard" run --engine "$engine" --scheduler "$scheduler" --iterations 1 >out.txt 2>err.txt
  status=$?
  check "$engine refuses --scheduler $scheduler (exit 2, got $status)" test "$status" -eq 2
  check "and says why" grep -q "cannot reach" err.txt
  check "having run nothing" bash -c "! grep -q '^summary' out.txt"
done
finish
