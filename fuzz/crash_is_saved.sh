#!/bin/bash
# A crash of a fuzz target is saved by libFuzzer as an artifact, however the
# crash is reported (a sanitizer report, a deadlock or an oracle's abort): the
# target must not take the sanitizer's death callback away from libFuzzer.
#   crash_is_saved.sh FUZZER INPUT   (with the environment that makes INPUT crash)
set -u
fuzzer=$1 input=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# As a corpus, not as a file argument: libFuzzer saves no artifact for an
# input it was given to run once.
mkdir "$dir/corpus" && cp "$input" "$dir/corpus/"
if "$fuzzer" -runs=1 -artifact_prefix="$dir/" "$dir/corpus" >"$dir/log" 2>&1; then
  echo "crash_is_saved.sh: $input did not crash"; exit 1
fi
saved=("$dir"/crash-*)
if [ ! -f "${saved[0]}" ] || ! cmp -s "${saved[0]}" "$input"; then
  tail -20 "$dir/log"
  echo "crash_is_saved.sh: the crash was reported but libFuzzer saved no artifact"; exit 1
fi
echo "crash_is_saved.sh: $(grep -m1 -E 'ERROR: |deadlock|fuzz_lifecycle: ' "$dir/log" | cut -c1-120); saved as ${saved[0]##*/}"
