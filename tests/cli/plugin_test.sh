#!/usr/bin/env bash
# An adapter built as a plug-in (adapters/CMakeLists.txt: the embedded
# engine's adapter, engines plugin-lifeguard*) runs campaigns through
# --engine-lib; a library that is not a plug-in, or is missing, is a clear error.
# usage: plugin_test.sh LIFEGUARD PLUGIN.so NOT_A_PLUGIN.so OTHER_VERSION.so OTHER_SYMBOL.so WORK_DIR
set -uo pipefail
source "$(dirname "$0")/checks.sh"
lifeguard=$1 plugin=$2 other=$3 other_version=$4 other_symbol=$5 work=$6
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 2

"$lifeguard" engines --engine-lib "$plugin" >engines.out 2>&1
check "the plug-in's engines are listed, with where they came from" grep -q "^plugin-lifeguard .*\[plug-in $plugin\]" engines.out

"$lifeguard" run --engine-lib "$plugin" --engine plugin-lifeguard --policy legacy --iterations 20 --seed 1 \
  --max-failures 1 --confirm 0 --out legacy >legacy.out 2>&1
# Legacy's bug shows as a use-after-free or as the hang it also causes,
# whichever a free-running run meets first.
check "a legacy campaign through the plug-in finds legacy's bug" grep -Eq '^FAIL (sanitizer|hang) ' legacy.out

"$lifeguard" run --engine-lib "$plugin" --engine plugin-lifeguard --scheduler pct --iterations 10 --seed 1 \
  --check-determinism --quiet --out complete >complete.out 2>&1
check "the plug-in's engine runs under the program's controlled scheduler, deterministically" \
  grep -q 'policy complete, scheduler pct, 10 runs .* 0 failures' complete.out

"$lifeguard" run --engine-lib /nonexistent/plugin.so --engine x >missing.out 2>&1
check "a missing library exits 2" test $? -eq 2
check "and says it cannot load it" grep -q 'cannot load /nonexistent/plugin.so' missing.out
"$lifeguard" run --engine-lib "$other" --engine x >other.out 2>&1
check "a library that is not a plug-in is refused" grep -q 'not a lifeguard plug-in (no lifeguard_plugin_version' other.out

"$lifeguard" engines --engine-lib "$other_version" >version.out 2>&1
check "a plug-in saying another interface version is refused" \
  grep -q 'built for plug-in interface version 999, this lifeguard takes [0-9]*' version.out
"$lifeguard" engines --engine-lib "$other_symbol" >symbol.out 2>&1
check "a plug-in registering through another version's symbol fails to load, saying why" \
  grep -q 'built for another plug-in interface version (this lifeguard takes [0-9]*)' symbol.out
"$lifeguard" run --engine plugin-lifeguard --engine-lib >novalue.out 2>&1
check "--engine-lib without a path is an error" grep -q -- '--engine-lib needs a PATH.so' novalue.out

finish
