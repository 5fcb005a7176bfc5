#!/usr/bin/env bash
# A plug-in for an unmodified engine library (adapters/duckdb/CMakeLists.txt:
# the DuckDB adapter built as one, engine plugin-duckdb) gets the controlled
# scheduler for free: the engine library's pthread calls bind to the
# program's interposition layer, so PCT orders DuckDB's own threads and
# every run replays its decisions exactly.
# usage: plugin_interposed_test.sh LIFEGUARD PLUGIN.so WORK_DIR
set -uo pipefail
source "$(dirname "$0")/checks.sh"
lifeguard=$1 plugin=$2 work=$3
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 2

"$lifeguard" engines --engine-lib "$plugin" >engines.out 2>&1
check "the plug-in's engine is listed" grep -q "^plugin-duckdb .*\[plug-in $plugin\]" engines.out
"$lifeguard" run --engine-lib "$plugin" --engine plugin-duckdb --scheduler pct --check-determinism --iterations 6 \
  --seed 1 --max-failures 1 --confirm 0 --out failures >pct.out 2>&1
check "PCT with the determinism check runs clean (exit 0)" test $? -eq 0
check "every run was deterministic" grep -q '^summary: engine plugin-duckdb@[^,]*, policy binding, scheduler pct, 6 runs .* 0 failures' pct.out
# An engine whose threads ran free would take only the actors' own steps
# (tens per run); DuckDB's threads under control take thousands.
steps=$(sed -n 's/.*steps per run: mean \([0-9]*\),.*/\1/p' pct.out)
check "the engine's own threads were scheduled (mean steps per run $steps > 1000)" test "${steps:-0}" -gt 1000
check "no engine thread ran outside the run" grep -q 'runs with engine threads outside the run: 0' pct.out
check "nor was control lost" grep -q 'uncontrolled slices: 0, in 0 runs' pct.out

finish
