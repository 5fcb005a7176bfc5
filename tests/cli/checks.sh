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
