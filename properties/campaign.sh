#!/usr/bin/env bash
# Runs the parallel properties for CASES cases each under POLICY, in chunks
# of at most 1000 cases per process (seed = chunk number), so that a long
# campaign's memory stays bounded: every case forks the test process, and
# AddressSanitizer's allocator grows it over thousands of cases.
#
#   properties/campaign.sh BINARY CASES POLICY [PROPERTY...]
#
# PROPERTY is a gtest name such as H1_close_connection_during_query (default:
# all). Prints a progress line per chunk and one summary line per property;
# exits 1 if any property failed (its counterexample is in
# $LIFEGUARD_PROPERTY_OUT, default build/property-failures).
set -uo pipefail
binary=$1 cases=$2 policy=$3
shift 3
properties=("$@")
if [ ${#properties[@]} -eq 0 ]; then
  mapfile -t properties < <("$binary" --gtest_list_tests --gtest_filter='Parallel.H*' | sed -n 's/^  //p')
fi
export LIFEGUARD_POLICY=$policy LIFEGUARD_PROPERTY_PROGRESS=1
export LIFEGUARD_PROPERTY_OUT=${LIFEGUARD_PROPERTY_OUT:-build/property-failures}
export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=32}
mkdir -p "$LIFEGUARD_PROPERTY_OUT"
status=0
for property in "${properties[@]}"; do
  start=$SECONDS done=0 chunk=0 chunks=$(( (cases + 999) / 1000 )) verdict=passed
  log=$LIFEGUARD_PROPERTY_OUT/$property-$policy.log
  while [ $done -lt "$cases" ]; do
    chunk=$((chunk + 1))
    n=$(( cases - done < 1000 ? cases - done : 1000 ))
    export LIFEGUARD_PROPERTY_CASES="$n (chunk $chunk of $chunks)"
    # The progress line is on stderr; rapidcheck's and gtest's report to the log.
    if ! RC_PARAMS="max_success=$n seed=$chunk" "$binary" --gtest_filter="Parallel.$property" > "$log" < /dev/null; then
      verdict="FAILED in chunk $chunk (seed $chunk); see $log"
      status=1
      break
    fi
    echo >&2
    done=$((done + n))
  done
  echo "$property [$policy]: $done cases $verdict, $((SECONDS - start)) s"
done
exit $status
