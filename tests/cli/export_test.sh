#!/usr/bin/env bash
# lifeguard export: the programs it writes build with the command printed at
# their top and reproduce their failure on their own, and only it: the
# SQLite broken adapter's use-after-free, in C++ and in C (5 of 5; 0 of 5
# with the adapter's wrong close taken out of the program), Kuzu's incident through its C++ API
# when ./run has fetched Kuzu (at least 5 of 10), and the Node.js programs
# for node:kuzu and node:duckdb parse (their runs take minutes, so they are
# measured by hand: docs/guide.md, "Standalone reproducers").
# usage: export_test.sh LIFEGUARD SOURCE_DIR WORK_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/checks.sh"
lifeguard=$1 source=$2 work=$3
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 2

# build_and_run FILE.sched OUT ARGS...: exports, then runs the build command
# the program prints at its top (with 5 attempts), into OUT.run.
build_and_run() {
  local schedule=$1 out=$2 attempts=$3
  shift 3
  "$lifeguard" export "$schedule" -o "$out" "$@" >"$out.export" 2>&1
  check "$out: exported" test $? -eq 0
  local command
  command=$(grep -m1 -A1 '^// Build and run' "$out" | tail -n 1 | sed 's|^//   ||; s| ./repro 10$| ./repro '"$attempts"'|')
  check "$out: its top says how to build it" test -n "$command"
  bash -c "$command" >"$out.run" 2>"$out.err"
}

# -- SQLite, the broken adapter: its close finalizes statements a result still steps.
cp "$source/tests/regressions/sqlite/close_refused_while_a_result_runs.sched" sqlite.sched
build_and_run sqlite.sched sqlite.cc 5 --as cpp --policy broken
check "the SQLite program reproduces the broken adapter's crash 5 of 5" grep -q '^reproduced 5 of 5$' sqlite.cc.run
check "with ASan's report of it" grep -q 'ERROR: AddressSanitizer' sqlite.cc.err
# The control: the same program with the adapter's close done right.
sed 's/static const int kFinalizeOnBusy = 1;/static const int kFinalizeOnBusy = 0;/' sqlite.cc >control.cc
check "the control differs from the program only in the close" bash -c "diff sqlite.cc control.cc | grep -c '^>' | grep -qx 1"
command=$(grep -m1 -A1 '^// Build and run' control.cc | tail -n 1 | sed 's|^//   ||; s|sqlite.cc|control.cc|; s| ./repro 10$| ./repro 5|')
bash -c "$command" >control.run 2>&1
check "the control exits 1" test $? -eq 1
check "and never reproduces (0 of 5)" grep -q '^reproduced 0 of 5$' control.run

# The same failure as a C program (--as c), and its control.
build_and_run sqlite.sched sqlite.c 5 --as c --policy broken
check "the SQLite C program reproduces the crash 5 of 5" grep -q '^reproduced 5 of 5$' sqlite.c.run
sed 's/static const int kFinalizeOnBusy = 1;/static const int kFinalizeOnBusy = 0;/' sqlite.c >control.c
check "the C control differs only in the close" bash -c "diff sqlite.c control.c | grep -c '^>' | grep -qx 1"
command=$(grep -m1 -A1 '^// Build and run' control.c | tail -n 1 | sed 's|^//   ||; s|sqlite.c|control.c|; s| ./repro 10$| ./repro 5|')
bash -c "$command" >control-c.run 2>&1
check "and never reproduces (0 of 5)" grep -q '^reproduced 0 of 5$' control-c.run

# -- What export refuses.
"$lifeguard" export sqlite.sched --as cpp >refused.out 2>&1
check "a file whose policy expects no failure is refused (exit 2)" test $? -eq 2
check "and says why" grep -q 'records no failure under policy serialized' refused.out
"$lifeguard" export sqlite.sched --as node --policy broken >refused.out 2>&1
check "a language the engine has no mapping for is refused" grep -q 'sqlite exports --as c or --as cpp' refused.out
cat >data.sched <<'EOF'
lifeguard-schedule 1
engine sqlite
policy broken
actors 1
expect broken data

actor 0
  open_db
EOF
"$lifeguard" export data.sched --as cpp >refused.out 2>&1
check "a failure only the oracles see is refused" grep -q 'export reproduces crashes, sanitizer reports and hangs' refused.out

# -- Kuzu's incident through its C++ API.
if [ -f "$source/build/engines/kuzu-0.11.3/include/main/kuzu.h" ]; then
  cp "$source/tests/regressions/kuzu/close_database_during_query.sched" kuzu.sched
  build_and_run kuzu.sched kuzu.cc 10 --as cpp
  check "the Kuzu program reproduces the incident at least 5 of 10" \
    grep -Eq '^reproduced ([5-9]|10) of 10$' kuzu.cc.run
else
  echo "skipped: Kuzu's C++ program (./run has not fetched build/engines/kuzu-0.11.3)"
fi

# -- The Node.js programs: written, and valid JavaScript.
for pair in kuzu:close_database_during_query duckdb:disconnect_during_its_own_query; do
  engine=${pair%%:*}
  cp "$source/tests/regressions/node-$engine/uncontrolled/${pair#*:}.sched" "node-$engine.sched"
  "$lifeguard" export "node-$engine.sched" --as node >"node-$engine.export" 2>&1
  check "node:$engine: exported" test $? -eq 0
  check "node:$engine: its build command runs node on it" grep -q "^//   node node-$engine.js " "node-$engine.js"
  if command -v node >/dev/null; then
    check "node:$engine: valid JavaScript" node --check "node-$engine.js"
  fi
done

finish
