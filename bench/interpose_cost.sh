#!/usr/bin/env bash
# The interposition layer's cost outside a controlled run (sync/interpose.h):
# Kuzu's and DuckDB's query loops, without the layer and with it, alternating
# ROUNDS times in one run; prints each median, the ratio of the medians, and
# the median of each round's ratio (a round's two runs are neighbours in
# time, so a machine's slow minutes cancel out of it).
# usage: bench/interpose_cost.sh [BUILD_DIR] [QUERIES] [ROUNDS] [ENGINES]
set -euo pipefail
build=${1:-build/dev} queries=${2:-2000} rounds=${3:-7} engines=${4:-kuzu duckdb}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for engine in $engines; do
  plain=() with=()
  for ((i = 0; i < rounds; ++i)); do
    plain+=("$("$build/bench/interpose_cost" "$engine" "$queries")")
    with+=("$("$build/bench/interpose_cost_interposed" "$engine" "$queries")")
  done
  p=$(printf '%s\n' "${plain[@]}" | median) w=$(printf '%s\n' "${with[@]}" | median)
  r=$(for ((i = 0; i < rounds; ++i)); do echo "${with[i]} / ${plain[i]}" | bc -l; done | median | cut -c1-5)
  echo "$engine: $queries queries, median of $rounds: without the layer $p s, with it $w s, ratio $(echo "$w / $p" | bc -l | cut -c1-5); median of the rounds' ratios $r"
done
