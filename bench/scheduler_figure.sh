#!/usr/bin/env bash
# Side by side on `legacy`, same generated schedules, same machine, one run:
# runs and seconds until the first failure under free-running threads (os)
# and under the controlled scheduler with PCT, median over 20 seeds.
# usage: bench/scheduler_figure.sh PATH/TO/lifeguard [MAX_RUNS]
set -euo pipefail
lifeguard=${1:?usage: $0 PATH/TO/lifeguard [MAX_RUNS]}
max_runs=${2:-300}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

declare -A runs times found
for scheduler in os pct; do runs[$scheduler]="" times[$scheduler]="" found[$scheduler]=0; done
printf '%-6s %-10s %12s %12s\n' seed scheduler runs seconds
for seed in $(seq 1 20); do
  for scheduler in os pct; do  # alternating, so both see the same machine load
    line=$("$lifeguard" run --policy legacy --scheduler $scheduler --iterations "$max_runs" --max-failures 1 \
             --seed $((seed * 7919)) --quiet --out "$out" 2>/dev/null | grep '^summary' || true)
    if [[ $line =~ first\ failure\ after\ ([0-9.]+)\ s,\ run\ ([0-9]+) ]]; then
      found[$scheduler]=$((found[$scheduler] + 1))
      runs[$scheduler]+=" ${BASH_REMATCH[2]}"
      times[$scheduler]+=" ${BASH_REMATCH[1]}"
      printf '%-6s %-10s %12s %12s\n' "$seed" "$scheduler" "${BASH_REMATCH[2]}" "${BASH_REMATCH[1]}"
    else
      printf '%-6s %-10s %12s %12s\n' "$seed" "$scheduler" "none in $max_runs" "-"
    fi
  done
done
echo
printf '%-10s %8s %22s %26s\n' scheduler found "median runs to failure" "median seconds to failure"
for scheduler in os pct; do
  # shellcheck disable=SC2086
  printf '%-10s %5s/20 %22s %26s\n' "$scheduler" "${found[$scheduler]}" \
    "$(median ${runs[$scheduler]:-0})" "$(median ${times[$scheduler]:-0})"
done
