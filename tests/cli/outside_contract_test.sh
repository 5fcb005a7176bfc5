#!/usr/bin/env bash
# --outside-contract draws what the contract makes the caller's fault, and
# reports what fails there apart. Here a second instance of a path: within
# the contract every adapter of an on-disk engine avoids one (its open waits
# or answers Busy; RunnerTest checks it); outside it, the schedule says
# "allow second-instances", the adapter lets it happen, and a failure in a
# run that made one is outside the contract, never an engine bug.
# usage: outside_contract_test.sh LIFEGUARD WORK_DIR
set -uo pipefail
source "$(dirname "$0")/checks.sh"
lifeguard=$1 work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 2

"$lifeguard" generate --engine lifeguard-disk --outside-contract --seed 1 >outside.sched 2>&1
check "an outside-contract schedule allows second instances" grep -q '^allow second-instances$' outside.sched
"$lifeguard" generate --engine lifeguard-disk --seed 1 >within.sched 2>&1
check "a schedule within the contract does not" test "$(grep -c '^allow' within.sched)" -eq 0

"$lifeguard" run --engine lifeguard-disk --policy complete --iterations 40 --seed 1 --max-failures 0 --confirm 0 \
  --outside-contract --out outside >outside.out 2>&1
check "outside the contract, second instances happen" grep -Eq '^exercised: .*second instance of a path [1-9]' outside.out
failures=$(sed -n 's/^summary: .* \([0-9]*\) failures.*/\1/p' outside.out)
outside=$(sed -n 's/^summary: .*, \([0-9]*\) outside the contract.*/\1/p' outside.out)
check "and every failure there is outside the contract ($failures failures, ${outside:-0} outside)" \
  test "${failures:-x}" -eq "${outside:-0}"

"$lifeguard" run --engine lifeguard-disk --policy complete --iterations 40 --seed 1 --max-failures 0 --confirm 0 \
  --out within >within.out 2>&1
# (The tally counts from the history, so it may count, within the contract
# too, an open that returned before a drained call's return was recorded:
# tests/harness/runner_test.cc checks the adapter's refusal itself.)
check "within the contract nothing fails" grep -q '^summary: .* 0 failures' within.out

finish
