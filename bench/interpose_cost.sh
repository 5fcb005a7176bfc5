#!/usr/bin/env bash
# The interposition layer's cost outside a controlled run (sync/interpose.h):
# Kuzu's and DuckDB's query loops, without the layer and with it, alternating
# ROUNDS times in one run; prints each median and the ratio.
# usage: bench/interpose_cost.sh [BUILD_DIR] [QUERIES] [ROUNDS]
set -euo pipefail
build=${1:-build/dev} queries=${2:-2000} rounds=${3:-7}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for engine in kuzu duckdb; do
  plain=() with=()
  for ((i = 0; i < rounds; ++i)); do
    plain+=("$("$build/bench/interpose_cost" "$engine" "$queries")")
    with+=("$("$build/bench/interpose_cost_interposed" "$engine" "$queries")")
  done
  p=$(printf '%s\n' "${plain[@]}" | median) w=$(printf '%s\n' "${with[@]}" | median)
  echo "$engine: $queries queries, median of $rounds: without the layer $p s, with it $w s, ratio $(echo "$w / $p" | bc -l | cut -c1-5)"
done
