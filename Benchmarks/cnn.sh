#!/usr/bin/env bash
# Issue 6's float CNN bar: trigrt through the C ABI next to a plain C -O3 loop of the same CNN
# (1x16x16 -> conv3x3x8 -> pool -> conv3x3x16 -> pool -> dense 32 -> 3), one process, interleaved;
# with ONNX Runtime's C API as a third variant when ORT_INCLUDE (onnxruntime_c_api.h) and ORT_LIB
# (libonnxruntime.so.1) are set. Usage: Benchmarks/cnn.sh DIST_BUILD_DIR [cycles] (make bench-cnn).
set -euo pipefail
dist=$1
cycles=${2:-1500}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
py=${PY:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
extra=() ; def=()
if [ -n "${ORT_INCLUDE:-}" ] && [ -n "${ORT_LIB:-}" ]; then
  def=(-DTRIGRT_BENCH_ORT -I"$ORT_INCLUDE")
  extra=(-L"$ORT_LIB" -l:libonnxruntime.so.1 -Wl,-rpath,"$ORT_LIB")
fi
gcc -O3 -march=x86-64-v3 -std=c11 "${def[@]}" -I"$root/include" "$here/bench_cnn.c" -L"$dist/prefix/lib" -ltrigrt \
  -Wl,-rpath,"$dist/prefix/lib" "${extra[@]}" -lm -o "$work/bench_cnn"
"$py" "$here/cnn_model.py" "$work"
"$work/bench_cnn" "$work/cnn_bench.onnx" "$work/cnn_bench.bin" "$work/cnn_bench.inputs.npy" "$work/cnn_bench.outputs.npy" "$cycles"
