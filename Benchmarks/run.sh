#!/usr/bin/env bash
# Latency benchmarks: trigrt through the C ABI next to a plain C -O3 loop of the same net, in one
# process, for every zoo model and issue 6's CNN (and ONNX Runtime's C API on the CNN when
# ORT_INCLUDE and ORT_LIB are set). Usage: Benchmarks/run.sh DIST_BUILD_DIR [cycles]
# (make bench installs the release build into DIST/prefix and runs it there).
set -euo pipefail
dist=$1
cycles=${2:-3125}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
py=${PY:-$root/.venv/bin/python}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gcc -O3 -march=x86-64-v3 -std=c11 -I"$root/include" "$here/bench_abi.c" -L"$dist/prefix/lib" -ltrigrt \
  -Wl,-rpath,"$dist/prefix/lib" -lopenblas -lm -o "$work/bench_abi"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "build: trigrt release (x86-64-v3), C baseline gcc $(gcc -dumpversion) -O3 -march=x86-64-v3; OPENBLAS_NUM_THREADS=1"
for m in deepcsv jet_tagger tracknn; do
  "$py" "$here/export_net.py" "$root/Models/$m.onnx" "$work/$m.bin"
  OPENBLAS_NUM_THREADS=1 "$work/bench_abi" "$root/Models/$m.onnx" "$work/$m.bin" "$root/Models/$m.inputs.npy" "$cycles"
done
# issue 6's bar: the small CNN against a plain C loop of it (bench_cnn.c), same process, interleaved
gcc -O3 -march=x86-64-v3 -std=c11 -I"$root/include" "$here/bench_cnn.c" -L"$dist/prefix/lib" -ltrigrt \
  -Wl,-rpath,"$dist/prefix/lib" -lm -o "$work/bench_cnn"
"$py" "$here/cnn_model.py" "$work"
if [ -n "${ORT_INCLUDE:-}" ] && [ -n "${ORT_LIB:-}" ]; then
  # with ONNX Runtime's C API as a third variant: ORT_INCLUDE holds onnxruntime_c_api.h,
  # ORT_LIB libonnxruntime.so.1 (e.g. the onnxruntime wheel's capi/ folder with that link)
  gcc -O3 -march=x86-64-v3 -std=c11 -DTRIGRT_BENCH_ORT -I"$root/include" -I"$ORT_INCLUDE" "$here/bench_cnn.c" \
    -L"$dist/prefix/lib" -ltrigrt -L"$ORT_LIB" -l:libonnxruntime.so.1 -Wl,-rpath,"$dist/prefix/lib" -Wl,-rpath,"$ORT_LIB" -lm \
    -o "$work/bench_cnn"
fi
"$work/bench_cnn" "$work/cnn_bench.onnx" "$work/cnn_bench.bin" "$work/cnn_bench.inputs.npy" "$work/cnn_bench.outputs.npy" "$cycles"
