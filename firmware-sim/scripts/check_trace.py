#!/usr/bin/env python3
"""`trigrt trace` checked against hls4ml 1.3.0, layer by layer, and its overflow report checked
against counts computed here independently.

For each (model, config) pair:

1. **hls4ml's per-layer outputs.** The config with `Trace: True` on every layer (the project
   `csim_goldens.py --trace` builds, same cache directory), compiled with g++ (cached in
   ~/.cache/trigrt/fwsim), run through `ModelGraph.trace` on the selected golden rows (float64).
   The traced build's final outputs must equal the committed goldens. The traced arrays are kept
   in the cache (`trace-check-<sha of the rows>.npz`).
2. **trigrt's per-layer outputs.** `trigrt trace MODEL --fixed --precision CFG --input ROWS.npy
   --out DIR --raw --json` (the CLI): every layer's `DIR/NN_<layer>.npy` and `.raw.npy`, and the
   report as JSON.
3. **Trace comparison.** Every layer both have (hls4ml's trace keys are hls4ml layer names;
   trigrt uses the same names) is compared value by value with float64 `==`; NaN never
   appears. Also checked: each `.raw.npy` times 2^-F of the layer's result format is exactly
   the `.npy`, and every layer of hls4ml's generated project (hls4ml-layers.json, except the
   input conversion) has a trigrt layer of that name.
4. **Independent overflow bookkeeping** (pairs in --count-pairs). From hls4ml's own traced
   layer inputs (for the first layer: the golden float64 inputs, converted here into input_t),
   the layer types of the generated project (hls4ml-layers.json) and the weights the csim
   reads (the project's firmware/weights/*.txt, each token read as a double and converted into
   its type as load_weights_from_txt does, HLS4ML-FRONTEND.md §7.2), this script recomputes,
   with exact integer arithmetic (numpy int64 raw integers; no float rounding anywhere):
   - Dense (`nnet::dense_latency`, product `mult`): per output `acc = accum_t(bias)`; per
     product `accum_t(x[i]*w[i][j])`; per add, input-major, `acc[j] = accum_t(acc[j] + p)`;
     then `res = result_t(acc)`;
   - ApplyAlpha (`nnet::normalize`): `res = result_t(x*scale + bias)`, exact product and sum;
   - ReLU: `res = x > 0 ? result_t(x) : 0` (a conversion only for x > 0);
   - the input conversion `input_t(double)`, against the `inputs` row of `trace --json` (counts,
     seen range, needed integer bits).
   Every conversion applies the target's quantization mode (all seven) to the exact value and
   counts an overflow when the quantized value lies outside the format (for a signed AP_SAT_SYM
   format the range is [-max, max]: the most negative code counts as saturated, as ap_fixed
   makes it -max); AP_WRAP counts as wrapped, AP_SAT / AP_SAT_SYM / AP_SAT_ZERO as saturated.
   The recomputed outputs must equal hls4ml's traced outputs bit for bit (so the bookkeeping
   follows what csim did), and the counts -- values, accumulator and result conversions that
   wrapped / saturated -- plus the range of exact values before the result conversion (seen_min,
   seen_max) and the integer bits needed must equal trigrt's report (`trace --json`) exactly.

Exit status 1 if anything differs, 0 otherwise.

Usage:
    check_trace.py                                   default pairs, 10,000 golden rows each
    check_trace.py --pairs jet_tagger/narrow --rows 200 --count-pairs none
    check_trace.py --json out.json
Options: --cli PATH (trigrt CLI; default $TRIGRT_CLI, .build-dist/release/trigrt-cli,
.build-dist/prefix/bin/trigrt), --cache-dir DIR, --keep DIR (keep trigrt's trace directories),
--fresh (run hls4ml's trace again instead of reusing the cached one of the same rows and build).
Cold (nothing cached) the default run compiles five traced projects (~15 s each) and traces
10,000 rows each (~2.5 min in all); cached, it takes about a minute.
Needs what csim_goldens.py needs (hls4ml 1.3.0, qonnx, g++) and a built trigrt CLI.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

import numpy as np
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import csim_goldens  # noqa: E402
import fwsim  # noqa: E402

DEFAULT_PAIRS = ["jet_tagger/narrow", "jet_tagger/mixed", "tracknn/mixed", "deepcsv/mixed", "deepcsv/default"]
DEFAULT_COUNT_PAIRS = DEFAULT_PAIRS
COUNT_FIELDS = ("values", "accum_wrapped", "accum_saturated", "result_wrapped", "result_saturated")


def rel(p: str) -> str:
    return os.path.relpath(p, fwsim.REPO)


def find_cli(explicit: str | None = None) -> str:
    cands = [explicit, os.environ.get("TRIGRT_CLI"),
             os.path.join(fwsim.REPO, ".build-dist", "release", "trigrt-cli"),
             os.path.join(fwsim.REPO, ".build-dist", "prefix", "bin", "trigrt"), shutil.which("trigrt")]
    for c in cands:
        if c and os.access(c, os.X_OK):
            return c
    raise SystemExit("trigrt CLI not found: build it (make build) or pass --cli / set TRIGRT_CLI")


def golden_paths(model: str, config: str) -> dict:
    g = os.path.join(csim_goldens.GOLDENS, model)
    return {"model": os.path.join(csim_goldens.CLEANED, f"{model}.cleaned.onnx"),
            "config": os.path.join(csim_goldens.CONFIGS, model, f"{config}.yml"),
            "inputs": os.path.join(g, f"{config}.inputs.npy"), "outputs": os.path.join(g, f"{config}.outputs.npy"),
            "layers": os.path.join(g, f"{config}.hls4ml-layers.json")}


def select_rows(n_total: int, rows: int) -> np.ndarray:
    """The first min(rows, 200) rows, then the rest spread evenly over all input blocks."""
    rows = min(rows, n_total)
    head = np.arange(min(rows, 200))
    if rows <= len(head):
        return head
    tail = np.linspace(len(head), n_total - 1, rows - len(head)).round().astype(np.int64)
    return np.unique(np.concatenate([head, tail]))


# ------------------------------------------------------------------------- hls4ml side

def traced_project(model: str, config: str, cache_root: str):
    """The traced hls4ml project (as csim_goldens.run_trace builds it): (ModelGraph, cache dir).
    Built with g++ on first use, reused afterwards."""
    cleaned_path = os.path.join(csim_goldens.CLEANED, f"{model}.cleaned.onnx")
    import onnx

    cleaned = onnx.load(cleaned_path)
    with open(os.path.join(csim_goldens.CONFIGS, model, f"{config}.yml")) as f:
        cfg = yaml.safe_load(f)
    layer_names = cfg.setdefault("LayerName", {})
    for n in list(cleaned.graph.node) + list(cleaned.graph.input):
        layer_names.setdefault(n.name, {})["Trace"] = True
    key = fwsim.cache_key(cleaned, cfg)
    cache_dir = os.path.join(cache_root, key)
    os.makedirs(cache_dir, exist_ok=True)
    log = os.path.join(cache_dir, "hls4ml.log")
    hm, _ = fwsim.convert(cleaned, cfg, cache_dir, log)
    hm.config.trace_output = True
    manifest = fwsim.build(hm, cache_dir, log)
    hm.compile = lambda: None  # ModelGraph.trace() recompiles; the cached build is loaded already
    return hm, cache_dir, manifest


def hls4ml_trace(model: str, config: str, x: np.ndarray, gold: np.ndarray, cache_root: str,
                 fresh: bool = False) -> tuple[dict, str, dict]:
    """hls4ml's per-layer outputs of rows x (float64): ({layer: (rows, n) float64}, project dir, info).
    A trace of the same rows by the same build is reused from the cache unless `fresh`."""
    hm, cache_dir, manifest = traced_project(model, config, cache_root)
    sha = hashlib.sha256(np.ascontiguousarray(x, dtype=np.float64).tobytes()).hexdigest()[:16]
    path = os.path.join(cache_dir, f"trace-check-{sha}.npz")
    info = {"project": cache_dir, "build_reused": manifest.get("reused"),
            "trace_cached": os.path.exists(path) and not fresh}
    if os.path.exists(path) and not fresh:
        with np.load(path) as d:
            trace = {k: d[k] for k in d.files}
        y = trace.pop("__outputs__")
    else:
        t0 = time.perf_counter()
        with fwsim.quiet(os.path.join(cache_dir, "hls4ml.log")):
            y, tr = hm.trace(np.ascontiguousarray(x, dtype=np.float64))
        info["trace_s"] = round(time.perf_counter() - t0, 2)
        trace = {k: np.asarray(v, dtype=np.float64).reshape(len(x), -1) for k, v in tr.items()}
        y = np.asarray(y, dtype=np.float64).reshape(gold.shape)
        np.savez(path + ".tmp.npz", __outputs__=y, **trace)
        os.replace(path + ".tmp.npz", path)
    if not np.array_equal(y.view(np.uint64), gold.view(np.uint64)):
        raise SystemExit(f"{model}/{config}: the traced hls4ml build's outputs differ from the committed goldens")
    return trace, cache_dir, info


# ------------------------------------------------------------------------- trigrt side

def trigrt_trace(cli: str, model: str, config: str, x: np.ndarray, out_dir: str) -> tuple[dict, dict, dict]:
    """`trigrt trace --raw --json`: (report JSON, {layer: values (rows, n)}, {layer: raws (rows, n)})."""
    p = golden_paths(model, config)
    os.makedirs(out_dir, exist_ok=True)
    xin = os.path.join(out_dir, "inputs.npy")
    np.save(xin, np.ascontiguousarray(x, dtype=np.float64))
    cmd = [cli, "trace", p["model"], "--fixed", "--precision", p["config"], "--input", xin, "--out", out_dir,
           "--raw", "--json"]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({res.returncode}):\n{res.stderr}")
    report = json.loads(res.stdout)
    values, raws = {}, {}
    for fn in sorted(os.listdir(out_dir)):
        m = re.match(r"^(\d+)_(.+?)(\.raw)?\.npy$", fn)
        if not m:
            continue
        a = np.load(os.path.join(out_dir, fn))
        (raws if m.group(3) else values)[m.group(2)] = a.reshape(len(x), -1)
    report["_command"] = " ".join(cmd)
    return report, values, raws


# ------------------------------------------------------------------------- exact ap_fixed arithmetic

Q_MODES = ("AP_TRN", "AP_TRN_ZERO", "AP_RND", "AP_RND_ZERO", "AP_RND_MIN_INF", "AP_RND_INF", "AP_RND_CONV")
O_MODES = ("AP_WRAP", "AP_SAT", "AP_SAT_SYM", "AP_SAT_ZERO")


@dataclass(frozen=True)
class Fmt:
    """An ap_fixed / ap_ufixed / ap_int / ap_uint type (fields as in hls4ml-layers.json)."""

    width: int
    integer: int
    signed: bool
    rounding: str = "AP_TRN"
    overflow: str = "AP_WRAP"
    is_int: bool = False
    cpp: str = ""

    @classmethod
    def of(cls, d: dict) -> "Fmt":
        kind = d["kind"]
        if kind in ("ap_int", "ap_uint"):
            return cls(d["width"], d["width"], d["signed"], "AP_TRN_ZERO", "AP_WRAP", True, d["cpp"])
        if d.get("sat_bits", 0):
            raise NotImplementedError(f"{d['cpp']}: saturation bits")
        if d["rounding"] not in Q_MODES or d["overflow"] not in O_MODES:
            raise NotImplementedError(d["cpp"])
        return cls(d["width"], d["integer"], d["signed"], d["rounding"], d["overflow"], False, d["cpp"])

    @property
    def F(self) -> int:
        return self.width - self.integer

    @property
    def raw_range(self) -> tuple[int, int]:
        """[min, max] raw codes a conversion can produce (AP_SAT_SYM signed: [-max, max])."""
        if self.signed:
            hi = (1 << (self.width - 1)) - 1
            lo = -hi if self.overflow == "AP_SAT_SYM" else -(1 << (self.width - 1))
            return lo, hi
        return 0, (1 << self.width) - 1

    @property
    def saturating(self) -> bool:
        return self.overflow != "AP_WRAP"


def round_shift(raw: np.ndarray, shift: int, mode: str) -> np.ndarray:
    """raw / 2^shift (int64, exact) rounded to an integer with an ap_fixed quantization mode."""
    raw = raw.astype(np.int64)
    if shift <= 0:
        return raw << -shift
    if shift >= 62:
        raise NotImplementedError("shift too large for int64")
    fl = raw >> shift                       # floor (arithmetic shift)
    rem = raw - (fl << shift)               # 0 <= rem < 2^shift
    half = np.int64(1) << (shift - 1)
    neg = raw < 0
    if mode == "AP_TRN":
        inc = np.zeros_like(neg)
    elif mode == "AP_TRN_ZERO":
        inc = neg & (rem != 0)
    elif mode == "AP_RND":
        inc = rem >= half
    elif mode == "AP_RND_ZERO":
        inc = (rem > half) | ((rem == half) & neg)
    elif mode == "AP_RND_MIN_INF":
        inc = rem > half
    elif mode == "AP_RND_INF":
        inc = (rem > half) | ((rem == half) & ~neg)
    elif mode == "AP_RND_CONV":
        inc = (rem > half) | ((rem == half) & ((fl & 1) == 1))
    else:
        raise NotImplementedError(mode)
    return fl + inc.astype(np.int64)


def convert(raw: np.ndarray, f_src: int, fmt: Fmt) -> tuple[np.ndarray, np.ndarray]:
    """Converts exact values raw * 2^-f_src into fmt: (raw codes at fmt.F, overflow mask)."""
    if fmt.is_int:  # ap_int / ap_uint: truncate toward zero, then wrap
        q = round_shift(raw, f_src, "AP_TRN_ZERO")
    else:
        q = round_shift(raw, f_src - fmt.F, fmt.rounding)
    lo, hi = fmt.raw_range
    over = (q > hi) | (q < lo)
    if not over.any():
        return q, over
    if fmt.overflow == "AP_WRAP":
        m = np.int64(1) << fmt.width
        w = q & (m - 1)
        if fmt.signed:
            w = np.where(w >= (m >> 1), w - m, w)
        out = w
    elif fmt.overflow == "AP_SAT_ZERO":
        out = np.where(over, 0, q)
    else:  # AP_SAT, AP_SAT_SYM
        out = np.clip(q, lo, hi)
    return out.astype(np.int64), over


def double_to_fixed(x: np.ndarray, fmt: Fmt) -> tuple[np.ndarray, np.ndarray]:
    """input_t(double), exactly: (raw codes, overflow mask). x * 2^F is exact in float64 (a power
    of two), and so are its floor and the remainder, so the quantization is decided exactly."""
    if not np.all(np.isfinite(x)):
        raise NotImplementedError("NaN / infinity inputs")
    s = np.asarray(x, dtype=np.float64) * 2.0 ** fmt.F
    fl = np.floor(s)
    rem = s - fl  # exact, in [0, 1)
    neg = s < 0
    mode = fmt.rounding
    inc = {"AP_TRN": np.zeros_like(neg), "AP_TRN_ZERO": neg & (rem != 0), "AP_RND": rem >= 0.5,
           "AP_RND_ZERO": (rem > 0.5) | ((rem == 0.5) & neg), "AP_RND_MIN_INF": rem > 0.5,
           "AP_RND_INF": (rem > 0.5) | ((rem == 0.5) & ~neg),
           "AP_RND_CONV": (rem > 0.5) | ((rem == 0.5) & (np.mod(fl, 2) == 1))}[mode]
    q = fl + inc
    if np.abs(q).max(initial=0) >= 2.0 ** 62:
        raise NotImplementedError("input too large")
    return convert(q.astype(np.int64), fmt.F, fmt)


def to_raw(values: np.ndarray, fmt: Fmt) -> np.ndarray:
    """Exact values of fmt's grid (e.g. a traced hls4ml layer) -> raw int64 codes; raises if a
    value is not on the grid or outside the format."""
    s = np.asarray(values, dtype=np.float64) * 2.0 ** fmt.F
    q = np.round(s)
    if not np.array_equal(q, s):
        raise AssertionError(f"values not on the grid of {fmt.cpp}")
    q = q.astype(np.int64)
    lo, hi = fmt.raw_range if fmt.overflow != "AP_SAT_SYM" else (-(1 << (fmt.width - 1)), fmt.raw_range[1])
    if q.size and (q.min() < lo or q.max() > hi):
        raise AssertionError(f"values outside {fmt.cpp}")
    return q


def needed_integer_bits(lo: float, hi: float, fmt: Fmt) -> int | None:
    """The smallest I such that <signedness, I + F, I> holds [lo, hi] (F of fmt)."""
    if not fmt.signed and lo < 0:
        return None
    lsb = 2.0 ** -fmt.F
    sym = fmt.overflow == "AP_SAT_SYM"  # a signed symmetric format holds [-max, max]
    for i in range(-64, 201):
        top = 2.0 ** (i - 1) if fmt.signed else 2.0 ** i
        if hi <= top - lsb and lo >= ((lsb - top if sym else -top) if fmt.signed else 0.0):
            return i
    return None


def read_weights(project: str, w: dict) -> np.ndarray:
    """A weight array as csim loads it (load_weights_from_txt): raw codes of its type."""
    text = open(os.path.join(project, "firmware", "weights", w["file"])).read()
    toks = [t.strip() for t in text.replace("\n", " ").split(",") if t.strip()]
    fmt = Fmt.of(w)
    if fmt.is_int:  # parsed as a decimal integer, wrapped to W bits
        v = np.array([int(t) for t in toks], dtype=np.int64)
        return convert(v, 0, fmt)[0]
    raw, _ = double_to_fixed(np.array([float(t) for t in toks]), fmt)
    return raw


# ------------------------------------------------------------------------- layer bookkeeping

def new_counts() -> dict:
    return {"values": 0, "accum_wrapped": 0, "accum_saturated": 0, "result_wrapped": 0, "result_saturated": 0,
            "seen_min": None, "seen_max": None}


def _count(c: dict, over: np.ndarray, fmt: Fmt, where: str) -> None:
    n = int(over.sum())
    c[f"{where}_{'saturated' if fmt.saturating else 'wrapped'}"] += n


def _seen(c: dict, exact_raw: np.ndarray, f: int) -> None:
    if exact_raw.size:
        lo, hi = float(exact_raw.min()) * 2.0 ** -f, float(exact_raw.max()) * 2.0 ** -f
        c["seen_min"] = lo if c["seen_min"] is None else min(c["seen_min"], lo)
        c["seen_max"] = hi if c["seen_max"] is None else max(c["seen_max"], hi)


def dense(x: np.ndarray, fx: int, layer: dict, project: str, c: dict) -> np.ndarray:
    """nnet::dense_latency with product `mult`: x (rows, n_in) raw at fx -> result raw codes."""
    types = layer["types"]
    tpl = layer.get("templates", {})
    if not (tpl.get("product", "").startswith("nnet::product::mult<") and tpl.get("kernel", "").startswith(
            "nnet::DenseLatency<")):
        raise NotImplementedError(f"{layer['name']}: {tpl} (only DenseLatency with product mult is modelled)")
    n_in, n_out = layer["constants"]["n_in"], layer["constants"]["n_out"]
    wv, bv = layer["weights"]
    wfmt, bfmt, afmt, rfmt = Fmt.of(wv), Fmt.of(bv), Fmt.of(types["accum_t"]), Fmt.of(layer["result_t"])
    w = read_weights(project, wv).reshape(n_in, n_out)
    b = read_weights(project, bv)
    rows = x.shape[0]
    fa = afmt.F
    acc, over = convert(np.broadcast_to(b, (rows, n_out)), bfmt.F, afmt)  # acc = accum_t(bias)
    _count(c, over, afmt, "accum")
    fp = fx + wfmt.F
    for i in range(n_in):  # input-major, as the unrolled loops run: products of input i, then adds
        mult, over = convert(x[:, i:i + 1] * w[i][None, :], fp, afmt)  # accum_t(x[i] * w[i][j])
        _count(c, over, afmt, "accum")
        acc, over = convert(acc + mult, fa, afmt)  # acc[j] = accum_t(acc[j] + mult)
        _count(c, over, afmt, "accum")
    res, over = convert(acc, fa, rfmt)
    _count(c, over, rfmt, "result")
    _seen(c, acc, fa)
    c["values"] += acc.size
    return res


def normalize(x: np.ndarray, fx: int, layer: dict, project: str, c: dict) -> np.ndarray:
    """nnet::normalize (ApplyAlpha, n_filt = -1): result_t(x * scale + bias), exact inside."""
    if layer["constants"].get("n_filt", -1) != -1:
        raise NotImplementedError("n_filt != -1")
    sv, bv = layer["weights"]  # the call is nnet::normalize<...>(in, out, scale, bias)
    sfmt, bfmt, rfmt = Fmt.of(sv), Fmt.of(bv), Fmt.of(layer["result_t"])
    s, b = read_weights(project, sv), read_weights(project, bv)
    fe = max(fx + sfmt.F, bfmt.F)
    exact = (x * s[None, :]) << (fe - fx - sfmt.F)
    exact = exact + (np.broadcast_to(b, x.shape) << (fe - bfmt.F))
    res, over = convert(exact, fe, rfmt)
    _count(c, over, rfmt, "result")
    _seen(c, exact, fe)
    c["values"] += exact.size
    return res


def relu(x: np.ndarray, fx: int, layer: dict, project: str, c: dict) -> np.ndarray:
    """nnet::relu: x > 0 ? result_t(x) : 0 (only positive values are converted)."""
    rfmt = Fmt.of(layer["result_t"])
    pos = x > 0
    res = np.zeros_like(x)
    conv, over = convert(x[pos], fx, rfmt)
    res[pos] = conv
    _count(c, over, rfmt, "result")
    _seen(c, x[pos], fx)
    c["values"] += int(pos.sum())
    return res


KERNELS = {"nnet::dense": dense, "nnet::normalize": normalize, "nnet::relu": relu}


def independent_counts(layers_json: dict, x: np.ndarray, trace: dict, project: str) -> dict:
    """Per layer of the generated project: counts and exact range recomputed from hls4ml's traced
    layer inputs; plus whether the recomputed outputs equal hls4ml's traced outputs."""
    layers = layers_json["layers"]
    inp = layers[0]
    in_fmt = Fmt.of(inp["result_t"])
    c_in = new_counts()
    x_raw, over = double_to_fixed(x, in_fmt)
    _count(c_in, over, in_fmt, "result")
    c_in["values"] = int(x_raw.size)
    s = x.astype(np.float64)
    c_in["seen_min"], c_in["seen_max"] = float(s.min()), float(s.max())
    out = {inp["name"]: {"kind": "input conversion", **c_in}}
    prev = {inp["output_var"]: (x_raw, in_fmt, inp["name"], False)}  # var -> (raw, fmt, layer, traced?)
    for layer in layers[1:]:
        fn = layer["function"]
        name = layer["name"]
        src = prev.get(layer["input_var"])
        rfmt = Fmt.of(layer["result_t"])
        traced = trace.get(name)
        if traced is not None:
            prev[layer["output_var"]] = (to_raw(traced, rfmt), rfmt, name, True)
        if fn not in KERNELS or src is None:
            out[name] = {"kind": fn, "skipped": "kernel not modelled here" if fn not in KERNELS else "input not traced"}
            continue
        x_in, in_t, src_name, src_traced = src
        if Fmt.of(layer["input_t"]) != in_t:
            raise AssertionError(f"{name}: input type {layer['input_t']['cpp']} != {in_t.cpp} of {src_name}")
        c = new_counts()
        res = KERNELS[fn](x_in, in_t.F, layer, project, c)
        rec = {"kind": fn, "input_from": src_name + (" (traced by hls4ml)" if src_traced else " (computed here)"), **c}
        if traced is not None:
            rec["outputs_equal_hls4ml_trace"] = bool(np.array_equal(res, prev[layer["output_var"]][0]))
            rec["outputs_differing"] = int((res != prev[layer["output_var"]][0]).sum())
        else:
            prev[layer["output_var"]] = (res, rfmt, name, False)
        rec["needed_integer_bits"] = (needed_integer_bits(c["seen_min"], c["seen_max"], rfmt)
                                      if c["seen_min"] is not None else None)
        out[name] = rec
    return out


# ------------------------------------------------------------------------- comparisons

def compare_traces(hl: dict, tv: dict, tr: dict, report: dict, layers_json: dict) -> dict:
    res = {"layers": [], "only_hls4ml": sorted(set(hl) - set(tv)), "only_trigrt": sorted(set(tv) - set(hl))}
    fmts = {l["name"]: l["result_format"] for l in report["layers"]}
    ok = True
    for name in [l["name"] for l in layers_json["layers"][1:]]:
        if name not in tv:
            res.setdefault("generated_layers_missing_in_trigrt", []).append(name)
            ok = False
    for name in tv:
        rec = {"layer": name}
        if name in hl:
            a, b = tv[name], hl[name]
            if a.shape != b.shape:
                rec.update(equal=False, error=f"shape {a.shape} != hls4ml {b.shape}")
            else:
                bad = ~(a == b)
                rec.update(equal=not bad.any(), values=int(a.size), differing=int(bad.sum()))
                if bad.any():
                    r, col = map(int, np.argwhere(bad)[0])
                    rec["first"] = {"row": r, "col": col, "trigrt": float(a[r, col]), "hls4ml": float(b[r, col])}
            ok &= rec["equal"]
        # --raw: raw * 2^-F == value exactly
        if name in tr and name in fmts:
            m = re.match(r"^ap_u?fixed<(\d+),\s*(-?\d+)", fmts[name]) or re.match(r"^ap_u?int<(\d+)>", fmts[name])
            f = int(m.group(1)) - int(m.group(2)) if m and m.lastindex == 2 else 0
            rec["raw_consistent"] = bool(np.array_equal(tr[name].astype(np.float64) * 2.0 ** -f, tv[name]))
            ok &= rec["raw_consistent"]
        res["layers"].append(rec)
    res["equal"] = ok
    return res


def compare_counts(mine: dict, report: dict) -> dict:
    by_name = {l["name"]: l for l in report["layers"]}
    rows, ok = [], True
    for name, m in mine.items():
        if "skipped" in m or m["kind"] == "input conversion":
            continue
        t = by_name.get(name)
        rec = {"layer": name, "kind": m["kind"], "here": {k: m[k] for k in COUNT_FIELDS}}
        if m.get("outputs_equal_hls4ml_trace") is False:
            rec["error"] = f"recomputed outputs differ from hls4ml's trace in {m['outputs_differing']} values"
            ok = False
        if t is None:
            rec["trigrt"] = None
            rec["note"] = "no layer of this name in trigrt's report"
            rows.append(rec)
            continue
        rec["trigrt"] = {k: t[k] for k in COUNT_FIELDS}
        diffs = [k for k in COUNT_FIELDS if t[k] != m[k]]
        for k in ("seen_min", "seen_max", "needed_integer_bits"):
            if t.get(k) != m.get(k):
                diffs.append(k)
                rec.setdefault("range", {})[k] = {"here": m.get(k), "trigrt": t.get(k)}
        rec["equal"] = not diffs
        if diffs:
            rec["differing"] = diffs
            ok = False
        rows.append(rec)
    return {"equal": ok, "layers": rows}


def check_pair(pair: str, args, cli: str, tmp_root: str) -> dict:
    model, config = pair.split("/")
    p = golden_paths(model, config)
    layers_json = json.load(open(p["layers"]))
    xall, yall = np.load(p["inputs"]), np.load(p["outputs"])
    idx = select_rows(len(xall), args.rows)
    x, gold = xall[idx], yall[idx]
    t0 = time.perf_counter()
    hl, project, info = hls4ml_trace(model, config, x, gold, args.cache_dir, args.fresh)
    t1 = time.perf_counter()
    out_dir = os.path.join(tmp_root, f"{model}-{config}")
    report, tv, tr = trigrt_trace(cli, model, config, x, out_dir)
    t2 = time.perf_counter()
    res = {"pair": pair, "rows": int(len(x)), "hls4ml": {**info, "seconds": round(t1 - t0, 2)},
           "trigrt": {"command": report["_command"], "seconds": round(t2 - t1, 2)},
           "trace": compare_traces(hl, tv, tr, report, layers_json)}
    # the final outputs of trigrt's trace must be the goldens too
    last = layers_json["layers"][-1]["name"]
    res["trace"]["trigrt_final_equals_goldens"] = bool(last in tv and np.array_equal(tv[last], gold))
    res["trace"]["equal"] &= res["trace"]["trigrt_final_equals_goldens"]
    if pair in args.count_pairs:
        mine = independent_counts(layers_json, x, hl, project)
        res["counts"] = compare_counts(mine, report)
        ic = mine[layers_json["layers"][0]["name"]]
        res["counts"]["input_conversion"] = ic
        # trace's "in" row (one graph input here): the same counts and range, computed by trigrt.
        t_in = (report.get("inputs") or [None])[0]
        want = {"values": ic["values"], "wrapped": ic["result_wrapped"], "saturated": ic["result_saturated"],
                "seen_min": ic["seen_min"], "seen_max": ic["seen_max"],
                "needed_integer_bits": needed_integer_bits(ic["seen_min"], ic["seen_max"],
                                                           Fmt.of(layers_json["layers"][0]["result_t"]))}
        got = {k: t_in.get(k) for k in want} if t_in else None
        res["counts"]["input_conversion_trigrt"] = got
        res["counts"]["input_conversion_equal"] = got == want
        res["counts"]["equal"] &= got == want
        res["counts"]["not_modelled"] = {k: v["kind"] for k, v in mine.items() if "skipped" in v}
        res["counts"]["seconds"] = round(time.perf_counter() - t2, 2)
    res["report_traps"] = report.get("traps", [])
    res["ok"] = res["trace"]["equal"] and res.get("counts", {"equal": True})["equal"]
    return res


def print_pair(r: dict) -> None:
    t = r["trace"]
    n_cmp = [l for l in t["layers"] if "equal" in l]
    vals = sum(l.get("values", 0) for l in n_cmp)
    print(f"{r['pair']}: {r['rows']} rows; trace: {len(n_cmp)} layers compared ({vals} values), "
          f"{'all equal' if t['equal'] else 'DIFFERENT'}"
          f"; hls4ml {r['hls4ml']['seconds']} s{' (cached trace)' if r['hls4ml']['trace_cached'] else ''}, "
          f"trigrt {r['trigrt']['seconds']} s")
    for l in t["layers"]:
        if not l.get("equal", True) or not l.get("raw_consistent", True):
            print(f"  trace MISMATCH {l}")
    if t["only_hls4ml"] or t["only_trigrt"]:
        print(f"  only in hls4ml's trace: {t['only_hls4ml']}; only in trigrt's: {t['only_trigrt']}")
    if t.get("generated_layers_missing_in_trigrt"):
        print(f"  generated layers missing in trigrt: {t['generated_layers_missing_in_trigrt']}")
    if "counts" in r:
        c = r["counts"]
        print(f"  counts: {len(c['layers'])} layers recomputed, {'all equal to trigrt' if c['equal'] else 'DIFFERENT'}"
              f" (not modelled: {', '.join(c['not_modelled']) or '-'})")
        for l in c["layers"]:
            h = l["here"]
            flag = "" if l.get("equal") else "  <-- " + (
                l.get("error") or l.get("note")
                or f"differs in {l.get('differing')}: trigrt {l['trigrt']} {l.get('range', '')}")
            print(f"    {l['layer']:16s} {l['kind']:16s} values {h['values']:>8d}  accum w/s {h['accum_wrapped']}/"
                  f"{h['accum_saturated']}  result w/s {h['result_wrapped']}/{h['result_saturated']}{flag}")
        ic = c["input_conversion"]
        print(f"    input conversion: {ic['values']} values, {ic['result_wrapped']} wrapped, "
              f"{ic['result_saturated']} saturated; trace's input row "
              f"{'equal' if c['input_conversion_equal'] else 'DIFFERENT: ' + str(c['input_conversion_trigrt'])}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", default=",".join(DEFAULT_PAIRS), help="model/config,... (default: %(default)s)")
    ap.add_argument("--count-pairs", default=",".join(DEFAULT_COUNT_PAIRS),
                    help="pairs whose overflow counts are recomputed ('none' for none; default: %(default)s)")
    ap.add_argument("--rows", type=int, default=10000, help="golden rows per pair (first 200, then spread)")
    ap.add_argument("--cli")
    ap.add_argument("--cache-dir", default=fwsim.default_cache_root())
    ap.add_argument("--fresh", action="store_true", help="run hls4ml's trace again even if the cache has it")
    ap.add_argument("--keep", help="keep trigrt's trace directories under this directory")
    ap.add_argument("--json", help="write the results as JSON")
    args = ap.parse_args(argv)
    args.pairs = [p for p in args.pairs.split(",") if p]
    args.count_pairs = [] if args.count_pairs == "none" else [p for p in args.count_pairs.split(",") if p]
    cli = find_cli(args.cli)
    tmp_root = args.keep or tempfile.mkdtemp(prefix="trigrt-check-trace-")
    results = []
    try:
        for pair in args.pairs:
            r = check_pair(pair, args, cli, tmp_root)
            print_pair(r)
            results.append(r)
    finally:
        if not args.keep:
            shutil.rmtree(tmp_root, ignore_errors=True)
    ok = all(r["ok"] for r in results)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"ok": ok, "cli": cli, "pairs": results}, f, indent=1)
    print("check_trace: " + ("all equal" if ok else "DIFFERENCES FOUND"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
