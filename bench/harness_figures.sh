#!/usr/bin/env bash
# The harness's figures for docs/figures.md:
#   - schedules/s of `lifeguard run` against `complete` (SECONDS, default 30);
#   - against `legacy`, over 20 seeds: was the bug found, and the median time
#     and number of schedules until the first failure.
# usage: bench/harness_figures.sh PATH/TO/lifeguard [SECONDS]
set -euo pipefail
lifeguard=${1:?usage: $0 PATH/TO/lifeguard [SECONDS]}
seconds=${2:-30}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

"$lifeguard" run --policy complete --seconds "$seconds" --seed 1 --quiet --out "$out" | grep '^summary'

times=() counts=() found=0
for seed in $(seq 1 20); do
  line=$("$lifeguard" run --policy legacy --seconds 60 --max-failures 1 --seed $((seed * 7919)) --quiet \
           --out "$out" 2>/dev/null | grep '^summary' || true)
  if [[ $line =~ first\ failure\ after\ ([0-9.]+)\ s,\ run\ ([0-9]+) ]]; then
    found=$((found + 1))
    times+=("${BASH_REMATCH[1]}")
    counts+=("${BASH_REMATCH[2]}")
  fi
  printf 'legacy seed %2d: %s\n' "$seed" "${line#summary: }"
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "legacy: found in $found of 20 seeds; median time to first failure $(median "${times[@]}") s," \
     "median schedules to first failure $(median "${counts[@]}")"
