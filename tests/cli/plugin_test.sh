#!/usr/bin/env bash
# An adapter built as a plug-in (adapters/CMakeLists.txt: the embedded
# engine's adapter, engines plugin-lifeguard*) runs campaigns through
# --engine-lib; a library that is not a plug-in, or is missing, is a clear error.
# usage: plugin_test.sh LIFEGUARD PLUGIN.so NOT_A_PLUGIN.so OTHER_VERSION.so OTHER_SYMBOL.so WORK_DIR
set -uo pipefail
source "$(dirname "$0")/checks.sh"
lifeguard=$1 plugin=$2 other=$3 other_version=$4 other_symbol=$5 work=$6
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 2

plugin_campaigns "$lifeguard" "$plugin" plugin-lifeguard

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
