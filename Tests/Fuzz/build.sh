#!/usr/bin/env bash
# Builds the libFuzzer harnesses against a libtrigrt.so.
#   Tests/Fuzz/build.sh LIBDIR OUTDIR [asan]
# LIBDIR holds libtrigrt.so: the instrumented one of `make fuzz` (swift build --sanitize=fuzzer
# --sanitize=address: coverage from the Swift code, ASan in the library) or the shipped one
# (make test's short run: coverage from the harness only). With `asan` the harnesses are built
# with AddressSanitizer too (needed when the library is ASan-instrumented).
set -euo pipefail
libdir=$(cd "$1" && pwd)
out=$2
mode=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
mkdir -p "$out"
cc=${FUZZ_CC:-$(dirname "$(readlink -f "$(command -v swift)")")/clang}
san=-fsanitize=fuzzer
[ "$mode" = asan ] && san=-fsanitize=fuzzer,address
flags=(-g -O1 -std=c11 -Wall -Wextra -Werror -Wno-unused-function -I"$root/include" -I"$root/Sources/CONNX/include" -I"$here" $san)
link=(-L"$libdir" -ltrigrt -Wl,-rpath,"$libdir" -lprotobuf-c -lm)
# The protobuf-c code of the mutator: the library's own copy when it exports it (a non-dist
# build; two instrumented copies would be an ODR violation under ASan), else a private one.
pb=()
exports=$(nm -D --defined-only "$libdir/libtrigrt.so")
grep -q ' onnx__model_proto__unpack$' <<<"$exports" || pb=("$root/Sources/CONNX/onnx.pb-c.c")
"$cc" "${flags[@]}" -DFUZZ_FIXED=0 "$here/fuzz_load.c" "$here/onnx_mutator.c" "${pb[@]}" "${link[@]}" -o "$out/fuzz_load_float"
"$cc" "${flags[@]}" -DFUZZ_FIXED=1 "$here/fuzz_load.c" "$here/onnx_mutator.c" "${pb[@]}" "${link[@]}" -o "$out/fuzz_load_fixed"
"$cc" "${flags[@]}" "$here/fuzz_config.c" "${link[@]}" -o "$out/fuzz_config"
"$cc" "${flags[@]}" "$here/fuzz_run.c" "${link[@]}" -o "$out/fuzz_run"
