#!/usr/bin/env bash
# Consumer tests of the installed library: PREFIX is a `make install` tree. Checks the .so
# (no Swift runtime needed, trigrt_* exports only, SONAME, no toolchain RUNPATH), then builds a
# C and a C++ program, the allocation check and the thread test against PREFIX/include and
# PREFIX/lib only, and runs them with the Swift toolchain's libraries out of reach.
set -euo pipefail
prefix=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
lib=$prefix/lib/libtrigrt.so
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# --- the shared object itself
ldd "$lib" | grep -qi swift && fail "libtrigrt.so needs a Swift runtime library: $(ldd "$lib" | grep -i swift)"
soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = libtrigrt.so.0 ] || fail "SONAME is '$soname', expected libtrigrt.so.0"
runpath=$(readelf -d "$lib" | sed -n 's/.*R\(UN\)\{0,1\}PATH.*\[\(.*\)\]/\2/p')
case "$runpath" in *swift*|*/opt/*|*/usr/*) fail "RUNPATH/RPATH names a toolchain directory: $runpath";; esac
bad=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sed 's/@.*//' | grep -v '^trigrt_' | grep -v '^TRIGRT_0$' || true)
[ -z "$bad" ] || fail "libtrigrt.so exports non-trigrt symbols: $(echo $bad | head -c 300)"
nexp=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/' | grep -c ' trigrt_')
echo "ok  libtrigrt.so: SONAME $soname, RUNPATH '${runpath}', $nexp trigrt_* exports and nothing else, $(ldd "$lib" | wc -l) NEEDED libs, none Swift"

# --- build the consumers against the installed tree only
cflags=(-O2 -Wall -Wextra -Werror -I"$prefix/include" -I"$here")
link=(-L"$prefix/lib" -ltrigrt -Wl,-rpath,"$prefix/lib")
gcc -std=c11 "${cflags[@]}" "$here/consumer_c.c" "${link[@]}" -lm -o "$work/consumer_c"
g++ -std=c++17 "${cflags[@]}" -Wno-unused-function "$here/consumer_cpp.cpp" "${link[@]}" -o "$work/consumer_cpp"
gcc -std=c11 "${cflags[@]}" "$here/alloc_check.c" "${link[@]}" -o "$work/alloc_check"
gcc -std=c11 "${cflags[@]}" -Wno-unused-function "$here/threads.c" "${link[@]}" -lpthread -o "$work/threads"
gcc -std=c11 "${cflags[@]}" "$here/cpu_check.c" "${link[@]}" -o "$work/cpu_check"
gcc -std=c11 "${cflags[@]}" "$here/hygiene.c" "${link[@]}" -o "$work/hygiene"
# the header also compiles as C++ on its own, with the strictest warnings
echo '#include "trigrt.h"
#include "trigrt.hpp"
int main() { trigrt_options o; trigrt_options_init(&o); return o.mode; }' > "$work/hdr.cpp"
g++ -std=c++17 -Wall -Wextra -Wpedantic -Werror -I"$prefix/include" "$work/hdr.cpp" "${link[@]}" -o "$work/hdr"

# --- run with the toolchain hidden: a private mount namespace with an empty tmpfs over the
# Swift toolchain directory when possible, and no LD_LIBRARY_PATH in any case
toolchain=$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")
run() {
  if unshare -m true 2>/dev/null; then
    env -u LD_LIBRARY_PATH unshare -m sh -c 'mount -t tmpfs none "$0" && exec "$@"' "$toolchain" "$@"
  else
    env -u LD_LIBRARY_PATH "$@"
  fi
}
if unshare -m true 2>/dev/null; then
  run sh -c "[ ! -e '$toolchain/bin/swift' ]" || fail "could not hide the toolchain at $toolchain"
  echo "ok  consumers run with $toolchain hidden (tmpfs in a private mount namespace)"
else
  echo "note: unshare -m is not permitted here; consumers run without LD_LIBRARY_PATH only"
fi

models=()
for m in deepcsv jet_tagger tracknn; do
  [ -f "$root/Models/$m.onnx" ] || fail "Models/$m.onnx is missing (run python3 Models/generate.py)"
  models+=("$root/Models/$m.onnx" "$root/Models/$m.inputs.npy" "$root/Models/$m.outputs.npy")
done
shared=$root/../shared/models
if [ -d "$shared" ]; then
  for m in jettag_mlp_float jettag_mlp_bn_float jettag_cnn2d_float conv1d_small_float; do
    models+=("$shared/$m.onnx" "$shared/$m.inputs.npy" "$shared/$m.outputs.npy")
  done
else
  echo "note: ../shared/models is absent; the published models are skipped"
fi

run "$work/consumer_c" "$root/Tests/Fixtures/bad" "${models[@]}"
run "$work/consumer_cpp" "${models[0]}" "${models[1]}" "${models[2]}"
onnx=()
for ((i = 0; i < ${#models[@]}; i += 3)); do onnx+=("${models[i]}"); done
# the trigger-model ops of issue 6 (Resize, Max/Min, Reduce*, Gather, Cast, Shape, stride 4)
for f in decoder_resize_conv resize_nearest_default max_min_clipped_relu max_three_broadcast reduce_sum_noncontiguous \
         reduce_max_opset18 gather_const_indices gather_embedding cast_uint8_bool shape_flatten_view conv2d_stride4_asym_pads; do
  onnx+=("$root/Tests/Fixtures/ops/$f.onnx")
done
# fixed mode: the folded Dense epilogues, the 16/32-bit paths, every softmax, convolutions, global and padded average pooling, QONNX
fw=$root/firmware-sim
for mc in jet_tagger/default jet_tagger/mixed jet_tagger/narrow jet_tagger/argmax deepcsv/mixed tracknn/narrow \
          jet_tagger_qonnx/model jet_image_cnn/default conv1d_tracks/narrow econ_encoder/narrow calo_pool_cnn/narrow \
          calo_avgpool_cnn/default calo_avgpool_cnn/narrow; do
  onnx+=("$fw/models/${mc%/*}.cleaned.onnx::$fw/configs/$mc.yml")
done
run "$work/alloc_check" "${onnx[@]}"
for ((i = 0; i < ${#models[@]}; i += 3)); do run "$work/threads" "${models[i]}" "${models[i+1]}"; done
run "$work/hdr" || true
# 10,000 load/destroy cycles leak nothing (RSS); RSS per extra session = trigrt_session_memory_size
run "$work/hygiene" "$root/Models/jet_tagger.onnx" 10000
# A CPU without AVX2/FMA, emulated: load must fail with TRIGRT_E_UNSUPPORTED_CPU (7), not SIGILL.
command -v qemu-x86_64 >/dev/null || fail "qemu-x86_64 (Debian package qemu-user) is needed for the CPU check"
echo -n "ok  emulated Nehalem (no AVX2/FMA): "; qemu-x86_64 -cpu Nehalem "$work/cpu_check" "${models[0]}" 7
echo -n "ok  emulated CPU with every feature: "; qemu-x86_64 -cpu max "$work/cpu_check" "${models[0]}" 0
echo "consumer tests: all passed"
