#!/bin/bash
# Measures the libFuzzer targets the way fuzz/README.md reports them: each
# target, one after the other, for SECONDS from a fresh copy of its seed
# corpus, with its dictionary and its options file's max_len and timeout.
# Prints libFuzzer's progress into LOGDIR/<target>.log and ends with a table
# of runs, exec/s, edges covered, features, corpus size and crashes.
#
#   fuzz/measure.sh [--bin DIR] [--logs DIR] SECONDS [TARGET...]
#
# --bin defaults to build/fuzz/fuzz (the fuzz preset); docs/figures.md's figures use
# the OSS-Fuzz build (.clusterfuzzlite/build.sh's $OUT). TARGETs default to
# every fuzz/fuzz_*.cc. The environment passes through (LIFEGUARD_POLICY).
# Exits 1 if any target crashed.
set -u
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=$root/build/fuzz/fuzz
logs=$root/build/fuzz-measure
while [ $# -gt 0 ]; do
  case $1 in
    --bin) bin=$2; shift 2 ;;
    --logs) logs=$2; shift 2 ;;
    *) break ;;
  esac
done
seconds=${1:?usage: fuzz/measure.sh [--bin DIR] [--logs DIR] SECONDS [TARGET...]}
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=($(cd "$root/fuzz" && ls fuzz_*.cc | sed 's/^fuzz_//; s/\.cc$//'))

option() { sed -n "s/^$2 *= *//p" "$root/fuzz/fuzz_$1.options"; }

mkdir -p "$logs"
rows=() status=0
for thing in "${targets[@]}"; do
  binary=$bin/fuzz_$thing
  [ -x "$binary" ] || { echo "measure.sh: no $binary (build it first)" >&2; exit 2; }
  corpus=$logs/$thing.corpus
  rm -rf "$corpus" "$logs/$thing.artifacts"
  mkdir -p "$corpus" "$logs/$thing.artifacts"
  cp "$root/fuzz/corpus/$thing"/* "$corpus/"
  echo "== fuzz_$thing for $seconds s (log: $logs/$thing.log)"
  "$binary" -dict="$root/fuzz/fuzz_$thing.dict" -max_len="$(option "$thing" max_len)" \
    -timeout="$(option "$thing" timeout)" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$logs/$thing.artifacts/" "$corpus" >"$logs/$thing.log" 2>&1
  code=$?
  last=$(grep -E '^#[0-9]+' "$logs/$thing.log" | tail -1)
  crashes=$(ls "$logs/$thing.artifacts" | wc -l)
  [ "$code" -eq 0 ] && [ "$crashes" -eq 0 ] || status=1
  rows+=("$(printf '%-14s %9s %7s %6s %7s %7s %8s' "fuzz_$thing" \
    "$(sed -n 's/^stat::number_of_executed_units: *//p' "$logs/$thing.log")" \
    "$(sed -n 's/^stat::average_exec_per_sec: *//p' "$logs/$thing.log")" \
    "$(sed -n 's/.* cov: \([0-9]*\) .*/\1/p' <<<"$last")" \
    "$(sed -n 's/.* ft: \([0-9]*\) .*/\1/p' <<<"$last")" \
    "$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' <<<"$last")" "$crashes")")
  echo "${rows[-1]}"
done
echo
printf '%-14s %9s %7s %6s %7s %7s %8s\n' target runs exec/s edges ft corpus crashes
printf '%s\n' "${rows[@]}"
exit $status
