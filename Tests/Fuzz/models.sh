#!/usr/bin/env bash
# The model lists the harnesses read: `models.sh config` (FUZZ_MODELS of fuzz_config) and
# `models.sh run` (FUZZ_RUN_MODELS of fuzz_run: MODEL, MODEL@CONFIG or MODEL@fixed).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
fw=$root/firmware-sim
case "$1" in
  config) echo "$fw/models/deepcsv.cleaned.onnx:$fw/models/jet_tagger.cleaned.onnx:$fw/models/jet_tagger_qonnx.cleaned.onnx:$fw/models/tracknn.cleaned.onnx" ;;
  run)
    l="$root/Models/deepcsv.onnx:$root/Models/jet_tagger.onnx:$root/Models/tracknn.onnx:$root/Models/jet_tagger_qonnx.onnx"
    l="$l:$root/Models/jet_tagger_qonnx.onnx@fixed:$fw/models/jet_tagger.cleaned.onnx@fixed"
    for c in jet_tagger/mixed jet_tagger/narrow jet_tagger/argmax deepcsv/mixed tracknn/narrow jet_tagger_qonnx/tuned; do
      m=${c%%/*}
      l="$l:$fw/models/$m.cleaned.onnx@$fw/configs/$c.yml"
    done
    for f in "$root"/Tests/Fixtures/ops/{softmax13_last,sigmoid,tanh,leaky_relu_default,clip_min_only,batchnorm_ncl,concat,matmul_bn}.onnx; do
      [ -f "$f" ] && l="$l:$f"
    done
    echo "$l" ;;
  *) echo "usage: models.sh config|run" >&2; exit 2 ;;
esac
