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

# The same comparison on schedules that do not force the race (no `running`
# await): tests/controlled/*.sched, each explored until the wanted failure.
root=$(cd "$(dirname "$0")/.." && pwd)
echo
printf '%-34s %-10s %6s %18s %20s\n' schedule scheduler found "median runs" "median seconds"
for spec in "h1_close_connection_during_query|heap-use-after-free|3" \
            "h2_close_connection_during_copy|CopyParseTask::finalize|4"; do
  IFS="|" read -r file want depth <<<"$spec"
  for scheduler in os pct; do
    r="" s="" n=0
    for seed in $(seq 1 20); do
      line=$("$lifeguard" explore "$root/tests/controlled/$file.sched" --policy legacy --scheduler $scheduler \
               --pct-depth "$depth" --runs "$max_runs" --seed $((seed * 1000)) --want "$want" --out "$out/x.sched" \
               2>/dev/null | grep '^found' || true)
      if [[ $line =~ at\ run\ ([0-9]+)\ .*\ in\ ([0-9.]+)\ s ]]; then
        n=$((n + 1)) r+=" ${BASH_REMATCH[1]}" s+=" ${BASH_REMATCH[2]}"
      fi
    done
    # shellcheck disable=SC2086
    printf '%-34s %-10s %3s/20 %18s %20s\n' "$file" "$scheduler" "$n" "$(median ${r:-0})" "$(median ${s:-0})"
  done
done
