#!/usr/bin/env bash
# Writes the seed corpora of the harnesses into OUTDIR/{load,config,run}:
#   load:   every model of the repository (zoo, op fixtures, bad fixtures, firmware-sim models) and
#           ../shared/models when present
#   config: firmware-sim/configs/<model>/*.yml, each prefixed with the byte that selects its
#           model in FUZZ_MODELS (the order models_for_config prints)
#   run:    for each FUZZ_RUN_MODELS entry, a few batches of zeros, ones and special values
# Usage: Tests/Fuzz/seeds.sh OUTDIR
set -euo pipefail
out=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
mkdir -p "$out/load" "$out/config" "$out/run"
for f in "$root"/Models/*.onnx "$root"/Tests/Fixtures/ops/*.onnx "$root"/Tests/Fixtures/bad/*.onnx "$root"/firmware-sim/models/*.onnx; do
  cp "$f" "$out/load/$(basename "$(dirname "$f")")-$(basename "$f")"
done
if [ -d "$root/../shared/models" ]; then
  for f in "$root"/../shared/models/*.onnx; do cp "$f" "$out/load/shared-$(basename "$f")"; done
fi
i=0
for m in deepcsv jet_tagger jet_tagger_qonnx tracknn; do
  for c in "$root"/firmware-sim/configs/$m/*.yml; do
    { printf "\\x$(printf %02x $i)"; cat "$c"; } > "$out/config/$m-$(basename "$c")"
  done
  i=$((i + 1))
done
n=$("$here/models.sh" run | tr ':' '\n' | wc -l)
for ((k = 0; k < n; k++)); do
  for b in 1 2 4; do
    { printf "\\x$(printf %02x $k)\\x$(printf %02x $b)\\x00"; head -c 256 /dev/zero; } > "$out/run/m$k-b$b-zeros"
    { printf "\\x$(printf %02x $k)\\x$(printf %02x $b)\\x00"; for _ in $(seq 64); do printf '\x00\x00\x80\x3f'; done; } > "$out/run/m$k-b$b-ones"
  done
  { printf "\\x$(printf %02x $k)\\x01\\x00"; printf '\x00\x00\xc0\x7f\x00\x00\x80\x7f\x00\x00\x80\xff\x01\x00\x00\x00\xff\xff\x7f\x7f'; } > "$out/run/m$k-specials"
  { printf "\\x$(printf %02x $k)\\x03\\x01"; printf '\x00\x00\x00\x00\x00\x00\xf8\x7f\x00\x00\x00\x00\x00\x00\xf0\x7f\x01\x00\x00\x00\x00\x00\x00\x00'; } > "$out/run/m$k-specials64"
done
