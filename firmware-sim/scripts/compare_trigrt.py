#!/usr/bin/env python3
"""trigrt's fixed-point mode against hls4ml 1.3.0's C simulation, bit for bit; and trigrt against
qonnx on the QONNX models.

1. Golden sets (firmware-sim/goldens/<model>/<config>.*): load firmware-sim/models/<model>.cleaned.onnx
   with firmware-sim/configs/<model>/<config>.yml through the Python binding in fixed mode, run
   the golden float64 inputs (trigrt_session_run_f64) and compare every output with the csim
   output by float64 `==` (NaN equal to NaN). Reports differing values and rows, the first
   mismatches (row, column, trigrt, csim) and max |diff|; times trigrt per sample (median of
   --passes passes over the rows at --batch rows per call, and batch 1 through the binding,
   and batch 1 in a C loop with `trigrt bench` when the CLI is found) next to the golden set's
   native csim time (<config>.timing.json) and prints the speed-up. The first --batch1-rows
   rows run one call each are compared too (fixed-mode results must not depend on the batch).
2. QONNX models (Models/jet_tagger_qonnx.onnx and, when ../shared/models exists, the real
   QONNX models listed in firmware-sim/shared-models/summary.json), against their qonnx
   `execute_onnx` reference outputs (<name>.outputs.npy):
   - float mode, float32 inputs, within --atol;
   - fixed mode without a config, float64: exactly where that is meaningful, decided from the
     graph: an output produced by Quant / BipolarQuant / Trunc (through shape-only ops) must be
     equal; an output of linear ops on quantized tensors (MatMul/Add/... which qonnx evaluates
     in float32) must be equal up to the reference's float32 rounding (<= 4 float32 ulp);
     an output of an op qonnx runs in float (Softmax, Sigmoid, ...) is reported, not judged.
     A model with non-power-of-two Quant scales must be refused in fixed mode.

Exit status: 1 if anything differs (any bit in an exact comparison, or beyond --atol in float
mode) or a load fails with an error other than TRIGRT_E_UNSUPPORTED; otherwise 2 if a set was
unsupported (fixed mode not in this build, an op not implemented) unless --allow-unsupported;
otherwise 0.

Usage:
    compare_trigrt.py                                   everything
    compare_trigrt.py --models jet_tagger,deepcsv --configs default,narrow --rows 2000
    compare_trigrt.py --json out.json --no-timing --no-qonnx
Needs numpy, onnx and the trigrt package (bindings/python, imported from this repository) with
libtrigrt found as the binding finds it ($TRIGRT_LIBRARY, ...), else this repository's
.build-dist/prefix/lib/libtrigrt.so; or --library PATH.
"""

from __future__ import annotations

import argparse
import glob
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FWSIM = os.path.dirname(HERE)
REPO = os.path.dirname(FWSIM)
sys.path.insert(0, os.path.join(REPO, "bindings", "python", "src"))
import trigrt  # noqa: E402

MAX_REPORT = 5

# --- comparison (pure numpy) ---------------------------------------------------------------------


def _as_rows(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a)
    return a.reshape(len(a), -1) if a.ndim >= 1 else a.reshape(1, 1)


def _mismatch_report(got, want, bad, max_report):
    rows_bad = np.flatnonzero(bad.any(axis=1))
    first = []
    for r, c in zip(*np.nonzero(bad)):
        if len(first) == max_report:
            break
        first.append({"row": int(r), "col": int(c), "trigrt": float(got[r, c]), "reference": float(want[r, c]),
                      "diff": float(got[r, c]) - float(want[r, c])})
    return rows_bad, first


def _max_abs_diff(g: np.ndarray, w: np.ndarray) -> float:
    """max |g - w| over float64 rows; equal values (and NaN vs NaN) count 0, NaN vs a number inf."""
    if not g.size:
        return 0.0
    with np.errstate(invalid="ignore"):
        d = np.abs(g - w)
    d[(g == w) | (np.isnan(g) & np.isnan(w))] = 0.0
    d[np.isnan(d)] = np.inf
    return float(d.max())


def compare_exact(got, want, max_report: int = MAX_REPORT) -> dict:
    """Bit-for-bit comparison of two arrays of the same rows: float64 `==`, NaN equal to NaN.
    Returns counts of differing values and rows, the first mismatches and max |diff|."""
    got, want = _as_rows(got), _as_rows(want)
    if got.shape != want.shape:
        return {"equal": False, "error": f"shape {got.shape} != reference shape {want.shape}",
                "values": int(want.size), "rows": int(len(want))}
    g, w = got.astype(np.float64), want.astype(np.float64)
    bad = ~((g == w) | (np.isnan(g) & np.isnan(w)))
    rows_bad, first = _mismatch_report(g, w, bad, max_report)
    return {"equal": not bad.any(), "values": int(w.size), "rows": int(len(w)),
            "differing_values": int(bad.sum()), "differing_rows": int(len(rows_bad)),
            "first_mismatches": first, "max_abs_diff": _max_abs_diff(g, w)}


def compare_close(got, want, atol: float, rtol: float = 0.0, max_report: int = MAX_REPORT) -> dict:
    """|got - want| <= atol + rtol * |want| elementwise (NaN matches NaN); also the argmax agreement
    of rows with several columns."""
    got, want = _as_rows(got), _as_rows(want)
    if got.shape != want.shape:
        return {"within_tolerance": False, "error": f"shape {got.shape} != reference shape {want.shape}",
                "values": int(want.size), "rows": int(len(want))}
    g, w = got.astype(np.float64), want.astype(np.float64)
    with np.errstate(invalid="ignore"):
        ok = (np.abs(g - w) <= atol + rtol * np.abs(w)) | (np.isnan(g) & np.isnan(w))
    bad = ~ok
    rows_bad, first = _mismatch_report(g, w, bad, max_report)
    out = {"within_tolerance": not bad.any(), "atol": atol, "rtol": rtol, "values": int(w.size),
           "rows": int(len(w)), "values_beyond": int(bad.sum()), "rows_beyond": int(len(rows_bad)),
           "first_beyond": first, "max_abs_diff": _max_abs_diff(g, w),
           "bit_identical_values": int(((g == w) | (np.isnan(g) & np.isnan(w))).sum())}
    if w.shape[1] > 1:
        out["argmax_agreement"] = float(np.mean(np.argmax(np.nan_to_num(g), 1) == np.argmax(np.nan_to_num(w), 1)))
    return out


def float32_rounding_explains(got, want, ulps: int = 4) -> np.ndarray:
    """Per value: is `want` (a float32 computation) within `ulps` float32 ulp of the exact `got`?"""
    g, w = _as_rows(got).astype(np.float64), _as_rows(want).astype(np.float64)
    spacing = np.spacing(np.abs(g).astype(np.float32)).astype(np.float64)
    with np.errstate(invalid="ignore"):
        return (np.abs(g - w) <= ulps * spacing) | (g == w) | (np.isnan(g) & np.isnan(w))


# --- QONNX graph analysis ------------------------------------------------------------------------

SHAPE_OPS = {"Identity", "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze"}
QUANT_OPS = {"Quant", "BipolarQuant", "Trunc"}
FLOAT_OPS = {"Softmax", "LogSoftmax", "Sigmoid", "Tanh", "Exp", "Log", "HardSigmoid", "Erf", "Softplus",
             "Sqrt", "Reciprocal", "Elu", "Selu", "Gelu"}


def output_kinds(model) -> dict[str, dict]:
    """For each graph output: which node produces it, looking through shape-only ops, and its kind:
    'quantized' (Quant / BipolarQuant / Trunc), 'float-op' (an op qonnx runs in float: Softmax, ...)
    or 'linear' (anything else, e.g. MatMul/Add on quantized tensors)."""
    producer = {o: n for n in model.graph.node for o in n.output}
    kinds = {}
    for out in model.graph.output:
        name, through = out.name, []
        node = producer.get(name)
        while node is not None and node.op_type in SHAPE_OPS and node.input:
            through.append(node.op_type)
            node = producer.get(node.input[0])
        if node is None:
            kinds[out.name] = {"kind": "linear", "op": None, "node": None, "through": through}
            continue
        kind = "quantized" if node.op_type in QUANT_OPS else "float-op" if node.op_type in FLOAT_OPS else "linear"
        kinds[out.name] = {"kind": kind, "op": node.op_type, "node": node.name, "through": through}
    return kinds


def quant_scales_power_of_two(model) -> bool | None:
    """True if every Quant / Trunc scale (a constant) is a power of two and every zero point 0;
    False if one is not; None if a scale is not a constant."""
    from onnx import numpy_helper

    consts = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    for n in model.graph.node:
        if n.op_type == "Constant" and n.attribute and n.attribute[0].t.ByteSize():
            consts[n.output[0]] = numpy_helper.to_array(n.attribute[0].t)
    unknown = False
    for n in model.graph.node:
        if n.op_type not in ("Quant", "Trunc"):
            continue
        scale = consts.get(n.input[1]) if len(n.input) > 1 else None
        zero = consts.get(n.input[2]) if len(n.input) > 2 else None
        if scale is None or zero is None:
            unknown = True
            continue
        s = np.asarray(scale, dtype=np.float64)
        if np.any(s <= 0) or np.any(np.frexp(s)[0] != 0.5) or np.any(np.asarray(zero) != 0):
            return False
    return None if unknown else True


# --- golden sets ---------------------------------------------------------------------------------


def _split(values):
    out = []
    for v in values or []:
        out += [p for p in v.split(",") if p]
    return out or None


def discover_sets(root: str, models=None, configs=None) -> list[dict]:
    """(model, config) golden sets under root/goldens, filtered; raises ValueError for unknown names."""
    found = sorted(glob.glob(os.path.join(root, "goldens", "*", "*.outputs.npy")))
    sets = []
    for out in found:
        model, config = out.split(os.sep)[-2], os.path.basename(out)[: -len(".outputs.npy")]
        base = out[: -len(".outputs.npy")]
        sets.append({"model": model, "config": config, "outputs": out, "inputs": base + ".inputs.npy",
                     "timing": base + ".timing.json", "onnx": os.path.join(root, "models", f"{model}.cleaned.onnx"),
                     "config_path": os.path.join(root, "configs", model, f"{config}.yml")})
    all_models = sorted({s["model"] for s in sets})
    all_configs = sorted({s["config"] for s in sets})
    if models:
        unknown = [m for m in models if m not in all_models]
        if unknown:
            raise ValueError(f"unknown model(s) {unknown}; golden sets exist for {all_models}")
        sets = [s for s in sets if s["model"] in models]
    if configs:
        unknown = [c for c in configs if c not in all_configs]
        if unknown:
            raise ValueError(f"unknown config(s) {unknown}; configs are {all_configs}")
        sets = [s for s in sets if s["config"] in configs]
    return sets


def _load(path: str, mode: str, precision: str | None):
    """-> (model, None) or (None, {"status": "unsupported"|"error", ...})."""
    try:
        return trigrt.Model(path, mode=mode, precision=precision), None
    except trigrt.UnsupportedError as e:
        return None, {"status": "unsupported", "error": e.message, "error_status": e.status_name}
    except trigrt.Error as e:
        return None, {"status": "error", "error": e.message, "error_status": e.status_name}


def _median_pass(fn, rows: int, passes: int) -> dict:
    wall, cpu = [], []
    for _ in range(passes):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        cpu.append((time.process_time() - c0) / rows * 1e6)
        wall.append((time.perf_counter() - w0) / rows * 1e6)
    return {"us_per_sample_wall": statistics.median(wall), "us_per_sample_cpu": statistics.median(cpu),
            "passes_wall": wall, "passes_cpu": cpu}


def time_model(model, x: np.ndarray, batch: int, passes: int, b1_rows: int) -> dict:
    """trigrt per-sample time through the binding: all rows at `batch` rows per call, and the
    first b1_rows rows one call each (Session.bind, the least-overhead Python path)."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    s = model.session(batch)
    call = s.bind(x)  # rows in calls of `batch`
    call()  # warm up
    t = {"batch": batch, "rows": len(x), **_median_pass(call, len(x), passes)}
    s1 = model.session(1)
    n1 = min(b1_rows, len(x))
    calls = [s1.bind(x[i:i + 1]) for i in range(n1)]
    for c in calls[:100]:
        c()

    def one_by_one():
        for c in calls:
            c()

    t1 = _median_pass(one_by_one, n1, passes)
    t["batch1"] = {"rows": n1, "path": "Python binding, one ctypes call per row (Session.bind)", **t1}
    s.close()
    s1.close()
    outputs = np.concatenate([c.outputs.reshape(1, -1) for c in calls]) if calls else None
    return t, outputs


# `median 1.2 µs` (older CLI) or the p50 column of the `latency` row (current CLI)
_BENCH_RE = re.compile(r"(?:median|latency)\s+([0-9.]+) (ns|µs|us|ms|s)\b")
_UNIT_US = {"ns": 1e-3, "µs": 1.0, "us": 1.0, "ms": 1e3, "s": 1e6}


def find_cli(explicit: str | None) -> str | None:
    if explicit:
        return explicit
    lib = trigrt.library_path()
    candidates = []
    if lib and os.sep in lib:
        candidates.append(os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(lib))), "bin", "trigrt"))
    candidates += [os.path.join(REPO, ".build-dist", "prefix", "bin", "trigrt"),
                   os.path.join(REPO, ".build-dist", "release", "trigrt-cli")]
    for c in candidates:
        if os.access(c, os.X_OK):
            return c
    return shutil.which("trigrt")


def cli_bench(cli: str, onnx_path: str, config: str | None, batch: int, iterations: int, mode: str = "fixed") -> dict:
    """`trigrt bench [--fixed] [--precision CFG]`: batch calls in a C loop (float32 inputs drawn
    uniformly in [-1, 1) by the CLI, not the golden rows)."""
    cmd = [cli, "bench", onnx_path, *(["--fixed"] if mode == "fixed" else []), "--batch", str(batch),
           "--iterations", str(iterations)]
    if config:
        cmd += ["--precision", config]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    m = _BENCH_RE.search(r.stdout)
    if r.returncode != 0 or not m:
        return {"error": (r.stdout + r.stderr).strip()[-400:], "command": cmd}
    per_call = float(m.group(1)) * _UNIT_US[m.group(2)]
    return {"batch": batch, "iterations": iterations, "median_us_per_call": per_call,
            "us_per_sample": per_call / batch, "output": r.stdout.strip(), "command": cmd}


def golden_inputs(gs: dict, rows: int | None) -> np.ndarray:
    if os.path.exists(gs["inputs"]):
        x = np.load(gs["inputs"])
        return x if rows is None else x[:rows]
    # large inputs are not committed: regenerated from the seed, checked against their sha256
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import csim_goldens  # noqa: E402

    return csim_goldens.golden_inputs(gs["model"], gs["config"], rows)


def check_golden_set(gs: dict, rows: int | None, mode: str = "fixed", timing: dict | None = None,
                     batch: int = 64) -> dict:
    """Runs one golden set through trigrt (calls of `batch` rows) and compares bit for bit.
    `timing` (or None): batch, passes, b1_rows, cli (path or None), cli_iterations."""
    res = {"model": gs["model"], "config": gs["config"], "mode": mode,
           "onnx": os.path.relpath(gs["onnx"], REPO), "config_path": os.path.relpath(gs["config_path"], REPO)}
    y = np.load(gs["outputs"])
    if rows is not None:
        y = y[:rows]
    x = golden_inputs(gs, rows)
    res["rows"] = int(len(x))
    csim = None
    if os.path.exists(gs["timing"]):
        tj = json.load(open(gs["timing"]))
        native = tj.get("native") or {}
        csim = {"native_cpu_us_per_sample": native.get("median_cpu_us_per_sample"),
                "native_wall_us_per_sample": native.get("median_wall_us_per_sample"),
                "predict_us_per_sample": (tj.get("predict") or {}).get("us_per_sample")}
    res["csim"] = csim
    if not os.path.exists(gs["onnx"]):
        # a real model of ../shared/models: its cleaned graph is not committed, it is made from the
        # shared file (and checked against the committed sha256)
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import csim_goldens  # noqa: E402

        if gs["model"] in csim_goldens.SHARED and csim_goldens.shared_cleaned(gs["model"]) is None:
            res.update(status="skipped", error=f"{csim_goldens.shared_models_dir()} not found (the shared real "
                       "models are not part of the repo)")
            return res
    precision = gs["config_path"] if mode == "fixed" else None
    model, failure = _load(gs["onnx"], mode, precision)
    if failure:
        res.update(failure)
        return res
    with model:
        res["trigrt_mode"] = model.mode
        with model.session(batch) as session:
            got = session.run(np.ascontiguousarray(x, dtype=np.float64))
        cmp = compare_exact(got, y)
        res["comparison"] = cmp
        res["status"] = "pass" if cmp["equal"] else "mismatch"
        if timing and res["status"] != "error":
            t, y1 = time_model(model, x, timing["batch"], timing["passes"], timing["b1_rows"])
            # the rows run one call each must give the same bits (in fixed mode results cannot
            # depend on the batch; float kernels may sum in another order, so there it is only reported)
            res["comparison_batch1"] = c1 = compare_exact(y1, y[: len(y1)])
            if mode == "fixed" and not c1["equal"]:
                res["status"] = "mismatch"
            if timing.get("cli"):
                t["cli_batch1"] = cli_bench(timing["cli"], gs["onnx"], precision, 1, timing["cli_iterations"], mode)
            res["timing"] = t
            ref = (csim or {}).get("native_cpu_us_per_sample")
            if ref:
                sp = {"batch": ref / t["us_per_sample_cpu"], "batch1_python": ref / t["batch1"]["us_per_sample_cpu"]}
                c1 = t.get("cli_batch1", {}).get("us_per_sample")
                if c1:
                    sp["batch1_c_loop"] = ref / c1
                res["speedup_vs_native_csim"] = sp
    return res


# --- QONNX models --------------------------------------------------------------------------------


def qonnx_models(shared_dir: str | None) -> list[dict]:
    """The zoo's QONNX model, then the real ones of shared-models/summary.json found in shared_dir."""
    out = [{"name": "jet_tagger_qonnx", "onnx": os.path.join(REPO, "Models", "jet_tagger_qonnx.onnx"),
            "inputs": os.path.join(REPO, "Models", "jet_tagger_qonnx.inputs.npy"),
            "outputs": os.path.join(REPO, "Models", "jet_tagger_qonnx.outputs.npy")}]
    summary = os.path.join(FWSIM, "shared-models", "summary.json")
    if shared_dir and os.path.isdir(shared_dir) and os.path.exists(summary):
        seen = []
        for entry in json.load(open(summary)):
            if entry["model"] not in seen:
                seen.append(entry["model"])
        for name in seen:
            out.append({"name": name, "onnx": os.path.join(shared_dir, f"{name}.qonnx.onnx"),
                        "inputs": os.path.join(shared_dir, f"{name}.inputs.npy"),
                        "outputs": os.path.join(shared_dir, f"{name}.outputs.npy")})
    return out


def check_qonnx(q: dict, rows: int | None, atol: float) -> dict:
    import onnx

    res = {"name": q["name"], "onnx": q["onnx"]}
    missing = [q[k] for k in ("onnx", "inputs", "outputs") if not os.path.exists(q[k])]
    if missing:
        res.update(status="error", error=f"missing {missing}")
        return res
    proto = onnx.load(q["onnx"])
    kinds = output_kinds(proto)
    if len(kinds) != 1:
        res.update(status="error", error=f"{len(kinds)} graph outputs; this check handles models with one")
        return res
    (out_name, kind), = kinds.items()
    res["output"] = {"name": out_name, **kind}
    pow2 = quant_scales_power_of_two(proto)
    res["quant_scales_power_of_two"] = pow2
    x = np.load(q["inputs"])
    y = np.load(q["outputs"])
    if rows is not None:
        x, y = x[:rows], y[:rows]
    res["rows"] = int(len(x))

    # float mode: float32 in, within atol
    fl = {}
    model, failure = _load(q["onnx"], "float", None)
    if failure:
        fl.update(failure)
    else:
        with model:
            got = model.session(min(len(x), 1024)).run(np.ascontiguousarray(x, dtype=np.float32))
        fl["comparison"] = compare_close(got, y, atol)
        fl["status"] = "pass" if fl["comparison"]["within_tolerance"] else "mismatch"
    res["float"] = fl

    # fixed mode, no config, float64
    fx = {"judged": kind["kind"] != "float-op"}
    model, failure = _load(q["onnx"], "fixed", None)
    if failure:
        fx.update(failure)
        if pow2 is False and failure["status"] == "unsupported":
            fx["status"] = "refused"  # as it must be: not representable in fixed point
            fx["note"] = "non-power-of-two scales or non-zero zero points: fixed mode must refuse the model"
    elif pow2 is False:
        model.close()
        fx.update(status="error", error="loaded in fixed mode although its Quant scales are not powers of two")
    else:
        with model:
            got = model.session(min(len(x), 1024)).run(np.ascontiguousarray(x, dtype=np.float64))
        exact = compare_exact(got, y)
        fx["comparison"] = exact
        if kind["kind"] == "quantized":
            fx["rule"] = "output of a quantizer: equal bit for bit"
            fx["status"] = "pass" if exact["equal"] else "mismatch"
        elif kind["kind"] == "linear":
            fx["rule"] = "linear ops on quantized tensors, reference in float32: equal up to <= 4 float32 ulp"
            unexplained = ~float32_rounding_explains(got, y)
            fx["values_beyond_float32_rounding"] = int(unexplained.sum())
            fx["status"] = "pass" if not unexplained.any() else "mismatch"
        else:
            fx["rule"] = f"output of {kind['op']}, which qonnx runs in float: reported, not judged"
            fx["close"] = compare_close(got, y, atol)
            fx["status"] = "reported"
    res["fixed"] = fx
    statuses = [fl.get("status"), fx.get("status")]
    res["status"] = ("mismatch" if "mismatch" in statuses else "error" if "error" in statuses
                     else "unsupported" if "unsupported" in statuses else "pass")
    return res


# --- output --------------------------------------------------------------------------------------


def _fmt_us(v):
    if v is None:
        return "-"
    return f"{v:.3g} µs" if v >= 0.1 else f"{v * 1000:.3g} ns"


def print_golden(res: dict) -> None:
    head = f"{res['model']}/{res['config']:<10}"
    if res["status"] in ("unsupported", "error", "skipped"):
        print(f"{head:<28} {res['status'].upper():<11} {res['error']}"
              + (f" [{res['error_status']}]" if res["status"] == "error" else ""))
        return
    c = res["comparison"]
    if "error" in c:
        print(f"{head:<28} MISMATCH    {c['error']}")
        return
    print(f"{head:<28} {res['status'].upper():<11} {c['differing_values']}/{c['values']} values differ "
          f"({c['differing_rows']}/{c['rows']} rows), max |diff| {c['max_abs_diff']:.3g}")
    for m in c["first_mismatches"]:
        print(f"{'':<40} row {m['row']} col {m['col']}: trigrt {m['trigrt']!r} csim {m['reference']!r} "
              f"(diff {m['diff']:.3g})")
    c1 = res.get("comparison_batch1")
    if c1 and not c1["equal"]:
        print(f"{'':<40} batch 1: {c1['differing_values']}/{c1['values']} values differ "
              f"({c1['differing_rows']}/{c1['rows']} rows), max |diff| {c1['max_abs_diff']:.3g}, first at row "
              f"{c1['first_mismatches'][0]['row']}" if "error" not in c1 else f"{'':<40} batch 1: {c1['error']}")
    t = res.get("timing")
    if t:
        csim = (res.get("csim") or {}).get("native_cpu_us_per_sample")
        sp = res.get("speedup_vs_native_csim") or {}
        parts = [f"trigrt {_fmt_us(t['us_per_sample_cpu'])}/sample (batch {t['batch']})",
                 f"{_fmt_us(t['batch1']['us_per_sample_cpu'])} (batch 1, Python)"]
        cli = t.get("cli_batch1") or {}
        if cli.get("us_per_sample"):
            parts.append(f"{_fmt_us(cli['us_per_sample'])} (batch 1, C loop)")
        elif cli.get("error"):
            parts.append(f"`trigrt bench` failed: {cli['error'].splitlines()[-1][:120]}")
        line = ", ".join(parts) + f" | csim native {_fmt_us(csim)}/sample"
        if sp:
            line += " | speed-up " + ", ".join(f"{v:.0f}x {k.replace('_', ' ')}" for k, v in sp.items())
        print(f"{'':<40} {line}")


def print_qonnx(res: dict) -> None:
    head = f"qonnx {res['name']}"
    if "float" not in res:
        print(f"{head:<28} ERROR       {res.get('error')}")
        return
    for mode in ("float", "fixed"):
        r = res[mode]
        st = r.get("status", "?")
        if "comparison" in r:
            c = r["comparison"]
            if mode == "float":
                detail = (f"{c.get('values_beyond', '?')}/{c['values']} values beyond atol {c.get('atol')}, "
                          f"max |diff| {c['max_abs_diff']:.3g}")
            else:
                detail = (f"{c.get('differing_values', '?')}/{c['values']} values differ, max |diff| "
                          f"{c['max_abs_diff']:.3g}; {r.get('rule')}")
                if "values_beyond_float32_rounding" in r:
                    detail += f"; {r['values_beyond_float32_rounding']} beyond float32 rounding"
            if "argmax_agreement" in c:
                detail += f", argmax agreement {c['argmax_agreement']:.4f}"
        elif st == "refused":
            detail = f"as it must be ({r['note']}); library: {r.get('error', '')}"
        else:
            detail = r.get("error", "") + (f" [{r['error_status']}]" if st == "error" and "error_status" in r else "")
        print(f"{head if mode == 'float' else '':<28} {mode:<5} {st.upper():<11} {detail}")


REPO_LIBRARY = os.path.join(REPO, ".build-dist", "prefix", "lib", "libtrigrt.so")


def load_library(explicit: str | None) -> str:
    """--library, else the binding's search, else this repository's `make install
    PREFIX=.build-dist/prefix` build."""
    if explicit:
        return trigrt.load_library(explicit)
    try:
        return trigrt.load_library()
    except trigrt.LibraryError:
        if os.environ.get("TRIGRT_LIBRARY") or not os.path.exists(REPO_LIBRARY):
            raise
        return trigrt.load_library(REPO_LIBRARY)


def exit_status(results: list[dict], allow_unsupported: bool) -> int:
    statuses = [r["status"] for r in results]
    if "mismatch" in statuses or "error" in statuses:
        return 1
    if "unsupported" in statuses and not allow_unsupported:
        return 2
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", action="append", help="comma-separated golden-set models (default: all)")
    p.add_argument("--configs", action="append", help="comma-separated configs (default: all)")
    p.add_argument("--rows", type=int, help="first N rows of each set (default: all)")
    p.add_argument("--json", metavar="OUT", help="write every result as JSON")
    p.add_argument("--library", help="path of libtrigrt.so (default: as the binding finds it)")
    p.add_argument("--mode", choices=("fixed", "float"), default="fixed",
                   help="mode for the golden sets (float: harness check only, will not match csim)")
    p.add_argument("--batch", type=int, default=64, help="rows per call, for the comparison and the batched timing (64)")
    p.add_argument("--passes", type=int, default=3, help="timed passes, the median is reported (3)")
    p.add_argument("--batch1-rows", type=int, default=2000, help="rows timed one call each (2000)")
    p.add_argument("--cli", help="trigrt CLI for the C-loop batch-1 timing (default: next to the library)")
    p.add_argument("--cli-iterations", type=int, default=20000)
    p.add_argument("--no-cli", action="store_true", help="skip the `trigrt bench` timing")
    p.add_argument("--no-timing", action="store_true")
    p.add_argument("--no-qonnx", action="store_true", help="skip the QONNX models")
    p.add_argument("--no-goldens", action="store_true", help="only the QONNX models")
    p.add_argument("--atol", type=float, default=1e-5, help="float-mode tolerance against qonnx (1e-5)")
    p.add_argument("--shared-models", default=os.path.join(os.path.dirname(REPO), "shared", "models"),
                   help="directory of the real QONNX models (default ../shared/models; skipped if absent)")
    p.add_argument("--root", default=FWSIM, help="firmware-sim directory holding goldens/, configs/, models/ (this one)")
    p.add_argument("--allow-unsupported", action="store_true",
                   help="exit 0 when the only problems are TRIGRT_E_UNSUPPORTED loads")
    a = p.parse_args(argv)
    for name in ("rows", "batch", "passes", "batch1_rows", "cli_iterations"):
        v = getattr(a, name)
        if v is not None and v < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    try:
        sets = [] if a.no_goldens else discover_sets(a.root, _split(a.models), _split(a.configs))
    except ValueError as e:
        p.error(str(e))
    try:
        load_library(a.library)
    except trigrt.LibraryError as e:
        print(f"compare_trigrt: {e}", file=sys.stderr)
        return 1
    print(f"trigrt {trigrt.version()} ({trigrt.library_path()}), golden sets: {len(sets)}, "
          f"rows: {a.rows or 'all'}")
    timing = None
    if not a.no_timing:
        cli = None if a.no_cli else find_cli(a.cli)
        timing = {"batch": a.batch, "passes": a.passes, "b1_rows": a.batch1_rows, "cli": cli,
                  "cli_iterations": a.cli_iterations}
    golden_results = []
    for gs in sets:
        r = check_golden_set(gs, a.rows, a.mode, timing, a.batch)
        print_golden(r)
        golden_results.append(r)
    qonnx_results = []
    if not a.no_qonnx:
        for q in qonnx_models(a.shared_models):
            r = check_qonnx(q, a.rows, a.atol)
            print_qonnx(r)
            qonnx_results.append(r)
    everything = golden_results + qonnx_results
    counts = {}
    for r in everything:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    status = exit_status(everything, a.allow_unsupported)
    print("summary: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())) + f"; exit {status}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"trigrt_version": trigrt.version(), "library": trigrt.library_path(), "rows": a.rows,
                       "mode": a.mode, "golden_sets": golden_results, "qonnx": qonnx_results,
                       "counts": counts, "exit_status": status}, f, indent=1, default=float)
    return status


if __name__ == "__main__":
    sys.exit(main())
