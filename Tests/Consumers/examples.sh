#!/usr/bin/env bash
# The installed tree as a C/C++ project picks it up: PREFIX is a `make install` tree.
#  1. layout: libtrigrt.so.X.Y.Z with SONAME libtrigrt.so.X (X.Y.Z from include/trigrt.h) and
#     the .so.X / .so links, lib/cmake/trigrt/ and lib/pkgconfig/trigrt.pc;
#  2. bindings/cpp (the multi-threaded framework example) configured with find_package(trigrt)
#     against PREFIX only, built, and run on the zoo (float, 4 threads) and on the jet tagger's
#     golden set in fixed mode (bit for bit with hls4ml's C simulation);
#  3. bindings/c/classify.c built with `pkg-config --cflags --libs trigrt` and run on the zoo;
#  4. find_package refuses an incompatible version request.
# BUILD (optional second argument) keeps the CMake build between runs.
set -euo pipefail
prefix=$(cd "$1" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
build=${2:-$work/cmake}
fail() { echo "FAIL: $*" >&2; exit 1; }

version=$(sed -n 's/^#define TRIGRT_VERSION "\(.*\)"/\1/p' "$root/include/trigrt.h")
major=${version%%.*}
lib=$prefix/lib
[ -f "$lib/libtrigrt.so.$version" ] && [ ! -L "$lib/libtrigrt.so.$version" ] || fail "$lib/libtrigrt.so.$version is not a file"
[ "$(readlink "$lib/libtrigrt.so.$major")" = "libtrigrt.so.$version" ] || fail "libtrigrt.so.$major does not link to libtrigrt.so.$version"
[ "$(readlink "$lib/libtrigrt.so")" = "libtrigrt.so.$major" ] || fail "libtrigrt.so does not link to libtrigrt.so.$major"
soname=$(readelf -d "$lib/libtrigrt.so.$version" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "libtrigrt.so.$major" ] || fail "SONAME is '$soname', expected libtrigrt.so.$major"
for f in cmake/trigrt/trigrtConfig.cmake cmake/trigrt/trigrtConfigVersion.cmake pkgconfig/trigrt.pc; do
  [ -f "$lib/$f" ] || fail "$lib/$f is missing"
done
echo "ok  layout: libtrigrt.so.$version (SONAME $soname) <- libtrigrt.so.$major <- libtrigrt.so, lib/cmake/trigrt, lib/pkgconfig/trigrt.pc"

# --- CMake: the framework example
cmake -S "$root/bindings/cpp" -B "$build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF >"$work/cmake.log" 2>&1 \
  || { cat "$work/cmake.log"; fail "cmake configure"; }
grep -q "trigrt $version (ABI" "$work/cmake.log" || { cat "$work/cmake.log"; fail "find_package did not report trigrt $version"; }
cmake --build "$build" >"$work/build.log" 2>&1 || { cat "$work/build.log"; fail "cmake --build"; }
needed=$(readelf -d "$build/reco_framework" | sed -n 's/.*(NEEDED).*\[\(libtrigrt.*\)\]/\1/p')
[ "$needed" = "libtrigrt.so.$major" ] || fail "reco_framework records '$needed', expected libtrigrt.so.$major"
echo "ok  find_package(trigrt $version CONFIG) -> trigrt::trigrt; reco_framework links $needed"
for m in deepcsv jet_tagger tracknn; do
  env -u LD_LIBRARY_PATH "$build/reco_framework" "$root/Models/$m.onnx" "$root/Models/$m.inputs.npy" "$root/Models/$m.outputs.npy" --threads 4
done
g=$root/firmware-sim/goldens/jet_tagger
env -u LD_LIBRARY_PATH "$build/reco_framework" "$root/firmware-sim/models/jet_tagger.cleaned.onnx" "$g/mixed.inputs.npy" "$g/mixed.outputs.npy" \
  --threads 3 --fixed --precision "$root/firmware-sim/configs/jet_tagger/mixed.yml"

# --- pkg-config: the C example
export PKG_CONFIG_PATH=$lib/pkgconfig
[ "$(pkg-config --modversion trigrt)" = "$version" ] || fail "pkg-config --modversion trigrt is not $version"
# shellcheck disable=SC2046
gcc -std=c11 -O2 -Wall -Wextra -Werror "$root/bindings/c/classify.c" $(pkg-config --cflags --libs trigrt) -lm \
  -Wl,-rpath,"$lib" -o "$work/classify"
echo "ok  gcc classify.c \$(pkg-config --cflags --libs trigrt) = $(pkg-config --cflags --libs trigrt | sed "s|$prefix|PREFIX|g")"
for m in deepcsv jet_tagger tracknn; do
  env -u LD_LIBRARY_PATH "$work/classify" "$root/Models/$m.onnx" "$root/Models/$m.inputs.npy" "$root/Models/$m.outputs.npy"
done

# --- find_package version checks
mkdir -p "$work/ver"
for want in "$major.99:0" "$((major + 1)).0:0" "$version:1" "$version...$((major + 1)).0:1"; do
  req=${want%:*} expect=${want##*:}
  printf 'cmake_minimum_required(VERSION 3.19)\nproject(v NONE)\nfind_package(trigrt %s CONFIG)\nif(NOT trigrt_FOUND)\n  message(FATAL_ERROR "not found")\nendif()\n' "$req" > "$work/ver/CMakeLists.txt"
  if cmake -S "$work/ver" -B "$work/ver/b-$expect-$RANDOM" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null 2>&1; then got=1; else got=0; fi
  [ "$got" = "$expect" ] || fail "find_package(trigrt $req): found=$got, expected $expect"
done
echo "ok  find_package version checks (same major and >= requested; ranges)"
echo "example tests: all passed"
