#!/usr/bin/env bash
# `cmake --install` gives a plug-in author what they need: a project out of
# our tree (tests/install/plugin/) finds the package, builds a plug-in
# against lifeguard::plugin, and the installed program runs campaigns with it.
# usage: install_test.sh BUILD_DIR SOURCE_DIR CXX WORK_DIR
set -uo pipefail
source "$(dirname "$0")/../cli/checks.sh"
build=$1 source=$2 cxx=$3 work=$4
rm -rf "$work" && mkdir -p "$work/project" || exit 2
cd "$work" || exit 2

cmake --install "$build" --prefix "$work/prefix" >install.out 2>&1
check "cmake --install succeeds" test $? -eq 0
check "it installs the program" test -x prefix/bin/lifeguard
check "the public headers" test -f prefix/include/lifeguard/harness/plugin.h
check "and the package" test -f prefix/lib/cmake/lifeguard/lifeguardConfig.cmake

cp "$source/tests/install/plugin/CMakeLists.txt" "$source/adapters/lifeguard/lifeguard_adapter.cc" \
  "$source/adapters/lifeguard/lifeguard_contract.cc" "$source/adapters/lifeguard/lifeguard_contract.h" \
  "$source/adapters/lifeguard/plugin.cc" project/
cmake -S project -B project/build -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_PREFIX_PATH="$work/prefix" >configure.out 2>&1
check "find_package(lifeguard) configures the out-of-tree project" test $? -eq 0
cmake --build project/build >build.out 2>&1
check "its plug-in builds against lifeguard::plugin" test -f project/build/liboot_plugin.so
check "the package names the installed program" \
  grep -qx "$work/prefix/bin/lifeguard" project/build/lifeguard-program

lifeguard=$work/prefix/bin/lifeguard plugin=$work/project/build/liboot_plugin.so
plugin_campaigns "$lifeguard" "$plugin" oot-lifeguard

for out in install configure build engines legacy complete; do
  [ "$failures" -eq 0 ] || { echo "--- $out.out"; tail -n 20 "$out.out"; }
done
finish
