#!/usr/bin/env bash
# Time to the first failure of generated campaigns against one engine, per
# seed, and the median: the figure of a real engine's page in docs/engines/.
#   bench/engine_figures.sh PATH/TO/lifeguard ENGINE [POLICY] [SEEDS] [SECONDS]
# Each seed is a campaign of at most SECONDS (default 60) that stops at its
# first failure (no confirmation replays, so the time is the time to find it).
set -euo pipefail
lifeguard=${1:?usage: $0 PATH/TO/lifeguard ENGINE [POLICY] [SEEDS] [SECONDS]}
engine=${2:?usage: $0 PATH/TO/lifeguard ENGINE [POLICY] [SEEDS] [SECONDS]}
policy=${3:-}
seeds=${4:-10}
seconds=${5:-60}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
policy_args=()
[ -n "$policy" ] && policy_args=(--policy "$policy")

times=() counts=() found=0
for seed in $(seq 1 "$seeds"); do
  log=$("$lifeguard" run --engine "$engine" "${policy_args[@]}" --seconds "$seconds" --max-failures 1 --confirm 0 \
          --seed $((seed * 7919)) --quiet --out "$out/$seed" 2>&1 || true)
  line=$(grep '^summary' <<<"$log" || true)
  verdict=$(grep -o '^FAIL [a-z_]*' <<<"$log" | head -n 1 | cut -d' ' -f2)
  if [[ $line =~ first\ failure\ after\ ([0-9.]+)\ s,\ run\ ([0-9]+) ]]; then
    found=$((found + 1))
    times+=("${BASH_REMATCH[1]}")
    counts+=("${BASH_REMATCH[2]}")
  fi
  printf 'seed %2d: %-10s %s\n' "$seed" "${verdict:-none}" "${line#summary: }"
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
if [ "$found" -gt 0 ]; then
  echo "$engine${policy:+ ($policy)}: found in $found of $seeds seeds; median time to the first failure" \
       "$(median "${times[@]}") s, median schedules $(median "${counts[@]}")"
else
  echo "$engine${policy:+ ($policy)}: nothing found in $seeds seeds of $seconds s"
fi
