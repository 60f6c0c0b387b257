#!/usr/bin/env bash
# `trigrt bench` as a user's CI gate (part of `make test`, a few seconds): a generous budget
# passes with status 0, an impossible one fails with status 1, --json is well formed with one
# distribution per thread, fixed mode runs, bad arguments are refused.
# Usage: Benchmarks/test_cli_bench.sh TRIGRT_CLI [PYTHON]
set -uo pipefail
cli=$1
py=${2:-python3}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
fail() { echo "FAIL: $*" >&2; failed=1; }
n=3000

# a generous budget at p99.9 passes
out=$("$cli" bench "$root/Models/jet_tagger.onnx" --iterations $n --budget 1s --percentile 99.9); rc=$?
[ $rc -eq 0 ] || fail "generous budget: exit status $rc"
grep -q '^PASS: p99.9 ' <<<"$out" || fail "generous budget: no PASS line in: $out"
grep -q 'p50 .*p90 .*p99 .*p99.9 .*max' <<<"$out" || fail "no distribution header in: $out"

# an impossible budget fails with exit status 1
out=$("$cli" bench "$root/Models/jet_tagger.onnx" --iterations $n --budget 1ns); rc=$?
[ $rc -eq 1 ] || fail "impossible budget: exit status $rc, expected 1"
grep -q '^FAIL: p99 .* > budget 1 ns' <<<"$out" || fail "impossible budget: no FAIL line in: $out"

# --percentile 100 is the maximum; --batch
out=$("$cli" bench "$root/Models/deepcsv.onnx" --iterations 500 --batch 16 --budget 0.5ns --percentile 100); rc=$?
[ $rc -eq 1 ] && grep -q '^FAIL: max ' <<<"$out" || fail "--percentile 100 / --batch 16: status $rc: $out"

# threads share the model: per-thread distributions and an aggregate throughput, in JSON
"$cli" bench "$root/Models/tracknn.onnx" --iterations $n --threads 2 --budget 1s --json --input "$root/Models/tracknn.inputs.npy" >"$work/t.json"; rc=$?
[ $rc -eq 0 ] || fail "--threads 2 --json: exit status $rc"
"$py" - "$work/t.json" <<'EOF' || failed=1
import json, sys
d = json.load(open(sys.argv[1]))
assert d["threads"] == 2 and len(d["per_thread"]) == 2, d
assert all(t["latency_ns"]["count"] == d["iterations"] for t in d["per_thread"]), d
assert d["latency_ns"]["count"] == 2 * d["iterations"], d
lat = d["latency_ns"]
assert 0 < lat["min"] <= lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["p999"] <= lat["max"], lat
assert d["throughput_samples_per_s"] > 0 and d["pass"] is True and d["percentile"] == 99, d
EOF

# fixed mode with an hls4ml precision config
out=$("$cli" bench "$root/firmware-sim/models/jet_tagger.cleaned.onnx" --fixed --precision "$root/firmware-sim/configs/jet_tagger/default.yml" \
  --iterations 500 --budget 1s); rc=$?
[ $rc -eq 0 ] && grep -q '\[fixed\]' <<<"$out" || fail "fixed mode: status $rc: $out"

# refused arguments: not a budget, a percentile out of range (status 64, ArgumentParser's usage error)
"$cli" bench "$root/Models/jet_tagger.onnx" --iterations 10 --budget fast >/dev/null 2>&1; rc=$?
[ $rc -eq 64 ] || fail "--budget fast: exit status $rc, expected 64"
"$cli" bench "$root/Models/jet_tagger.onnx" --iterations 10 --percentile 0 >/dev/null 2>&1; rc=$?
[ $rc -eq 64 ] || fail "--percentile 0: exit status $rc, expected 64"

if [ $failed -eq 0 ]; then echo "ok  trigrt bench: budgets, exit status, --threads, --json, fixed mode"; else exit 1; fi
