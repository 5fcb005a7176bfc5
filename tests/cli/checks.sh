# Sourced by the CLI tests: `check DESCRIPTION COMMAND...` counts a check that
# passes when the command succeeds; `finish` prints the counts and exits 0
# only if every check passed.
passes=0 failures=0
check() {
  local what=$1
  shift
  if "$@"; then echo "ok: $what"; passes=$((passes + 1)); else echo "FAILED: $what"; failures=$((failures + 1)); fi
}
finish() {
  echo "$passes passed, $failures failed"
  [ "$failures" -eq 0 ]
  exit
}

# plugin_campaigns LIFEGUARD PLUGIN.so ENGINE: the plug-in's engine ENGINE is
# listed, a legacy campaign through it finds legacy's bug, and a complete
# campaign under PCT passes, deterministically (the example plug-in wraps
# the reference engine). Writes engines.out, legacy.out and complete.out.
plugin_campaigns() {
  local lifeguard=$1 plugin=$2 engine=$3
  "$lifeguard" engines --engine-lib "$plugin" >engines.out 2>&1
  check "the plug-in's engines are listed, with where they came from" \
    grep -q "^$engine .*\[plug-in $plugin\]" engines.out
  "$lifeguard" run --engine-lib "$plugin" --engine "$engine" --policy legacy --iterations 20 --seed 1 \
    --max-failures 1 --confirm 0 --out legacy >legacy.out 2>&1
  # Legacy's bug shows as a use-after-free or as the hang it also causes,
  # whichever a free-running run meets first.
  check "a legacy campaign through the plug-in finds legacy's bug" grep -Eq '^FAIL (sanitizer|hang) ' legacy.out
  "$lifeguard" run --engine-lib "$plugin" --engine "$engine" --scheduler pct --iterations 10 --seed 1 \
    --check-determinism --quiet --out complete >complete.out 2>&1
  check "the plug-in's engine runs under the program's controlled scheduler, deterministically" \
    grep -q 'policy complete, scheduler pct, 10 runs .* 0 failures' complete.out
}
