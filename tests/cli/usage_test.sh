#!/usr/bin/env bash
# The command line (harness/src/cli/, CLI11): per-command help, a suggestion
# for a mistyped command, typed validation of numbers and choices, and exit
# code 2 for every usage error.
# usage: usage_test.sh LIFEGUARD WORK_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/checks.sh"
lifeguard=$1 work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 2

# usage_error NAME PATTERN ARGS...: exits 2 and says PATTERN on stderr.
usage_error() {
  local name=$1 pattern=$2
  shift 2
  "$lifeguard" "$@" >out.txt 2>err.txt
  local status=$?
  check "$name exits 2 (got $status)" test "$status" -eq 2
  check "$name says so" grep -Eq -- "$pattern" err.txt
}

"$lifeguard" --help >help.txt 2>&1
check "lifeguard --help exits 0" test $? -eq 0
for command in run explore import-crash replay shrink show export sweep generate engines contract; do
  check "lifeguard --help lists $command" grep -q "^  $command " help.txt
done

"$lifeguard" run --help >run-help.txt 2>&1
check "lifeguard run --help exits 0" test $? -eq 0
check "it shows run's options" grep -q -- '--seconds' run-help.txt
check "with their help" grep -q -- '--strategy.*swarm' run-help.txt
check "and no other command's" bash -c "! grep -Eq -- '--tries|--points|--want|--html' run-help.txt"
"$lifeguard" help shrink >shrink-help.txt 2>&1
check "lifeguard help shrink shows shrink's options" grep -q -- '--tries' shrink-help.txt

usage_error "a mistyped command" "unknown command 'rnu'; did you mean 'run'\?" rnu --seconds 1
usage_error "a command far from every other" "unknown command 'frobnicate'$" frobnicate
usage_error "no command" "Subcommands:"
usage_error "an unknown option" "^lifeguard run: .*--nonsense" run --nonsense
usage_error "a number that is not one" "--seconds.*non-negative integer, not 'soon'" run --seconds soon
usage_error "a negative number" "--seed.*non-negative integer, not '-3'" run --seed=-3
usage_error "a number out of its range" "--actors.*1 to 8" run --actors 9
usage_error "a choice not offered" "--strategy.*plain" run --strategy best
usage_error "a scheduler not offered" "--scheduler" run --scheduler fifo
usage_error "an option without its value" "--seed" generate --seed
usage_error "a command without its file" "FILE.*required" replay
usage_error "two files where one is taken" "FILE|arguments" shrink a.sched b.sched
usage_error "a regular expression that is not one" "--want is not a regular expression" \
  explore "$here/../regressions/adapter_reopen_under_pct.sched" --want '(' --runs 1

"$lifeguard" generate --seed 7 >a.sched 2>&1
"$lifeguard" generate --seed=7 >b.sched 2>&1
check "--name=value is --name value" cmp -s a.sched b.sched
check "generate prints a schedule" grep -q '^engine lifeguard' a.sched

finish
