#!/usr/bin/env bash
# Instructions per trivial query under each teardown policy, counted by
# callgrind (whatever else the machine does). Runs query_loop with N and 3N
# queries and divides the difference by 2N, so setup cost cancels. A count
# still moves by ~1% between runs (valgrind's thread scheduling changes how
# often a wait loops), so each is the median of 3 runs.
# usage: bench/instructions.sh PATH/TO/query_loop [N]
set -euo pipefail
loop=${1:?usage: $0 PATH/TO/query_loop [N]}
n=${2:-1000}

count() {
  local run
  for run in 1 2 3; do
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$loop" "$1" "$2" 2>&1 |
      grep -o 'Collected : [0-9]*' | grep -o '[0-9]*'
  done | sort -n | sed -n 2p
}

declare -A per_query
for policy in legacy execute_drain complete; do
  small=$(count "$policy" "$n")
  large=$(count "$policy" $((3 * n)))
  per_query[$policy]=$(((large - small) / (2 * n)))
  printf 'instructions per trivial query, %-13s %d\n' "$policy:" "${per_query[$policy]}"
done
awk -v c="${per_query[complete]}" -v l="${per_query[legacy]}" \
  'BEGIN { printf "instruction ratio complete/legacy = %.3f (goal <= 1.02)\n", c / l }'
