#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build script for lifeguard's fuzz targets.
#
# Honours the hosted-fuzzing contract: compiles with $CC/$CXX and
# $CFLAGS/$CXXFLAGS (they carry the sanitizer and coverage flags), links the
# fuzz targets with $LIB_FUZZING_ENGINE, and writes into $OUT, per target:
#   fuzz_<thing>                 the fuzzer
#   fuzz_<thing>_seed_corpus.zip its seed corpus (fuzz/corpus/<thing>/)
#   fuzz_<thing>.dict            its dictionary
#   fuzz_<thing>.options         its libFuzzer options
# Run it by hand the same way (see fuzz/README.md):
#   CC=clang-14 CXX=clang++-14 CFLAGS="-fsanitize=address,fuzzer-no-link" \
#   CXXFLAGS="-fsanitize=address,fuzzer-no-link" LIB_FUZZING_ENGINE=-fsanitize=fuzzer \
#   OUT=/tmp/out .clusterfuzzlite/build.sh
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${CC:?} ${CXX:?} ${LIB_FUZZING_ENGINE:?} ${OUT:?}"
build=${WORK:-$(mktemp -d)}/lifeguard-build
mkdir -p "$OUT" "$build"

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_C_FLAGS="${CFLAGS:-}" -DCMAKE_CXX_FLAGS="${CXXFLAGS:-}" \
  -DLIFEGUARD_FUZZ_ONLY=ON -DLIFEGUARD_FUZZING_ENGINE="$LIB_FUZZING_ENGINE" -DLIFEGUARD_SANITIZERS=
cmake --build "$build" -j"$(nproc)" --target $(cd "$root/fuzz" && ls fuzz_*.cc | sed 's/\.cc$//')

for source in "$root"/fuzz/fuzz_*.cc; do
  name=$(basename "$source" .cc)
  thing=${name#fuzz_}
  [ -x "$build/fuzz/$name" ] || continue  # fuzz_lifecycle needs sync points (on by default)
  cp "$build/fuzz/$name" "$OUT/"
  cp "$root/fuzz/$name.dict" "$root/fuzz/$name.options" "$OUT/"
  rm -f "$OUT/${name}_seed_corpus.zip"
  (cd "$root/fuzz/corpus/$thing" && zip -q -j "$OUT/${name}_seed_corpus.zip" ./*)
  echo "build.sh: $OUT/$name (+ seed corpus $(ls "$root/fuzz/corpus/$thing" | wc -l) files, dict, options)"
done
