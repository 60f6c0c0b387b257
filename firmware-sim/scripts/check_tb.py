#!/usr/bin/env python3
"""`trigrt tb` files consumed, unchanged, by hls4ml 1.3.0's own generated testbench.

For each (model, config) pair and each input variant (`float32`: the golden rows rounded to
float32, i.e. exactly what the testbench computes on, since it parses every input with `atof`
into a `std::vector<float>`; `float64`: the golden rows as they are):

1. `trigrt tb MODEL --fixed --precision CFG --input ROWS.npy --out T --trace all` writes
   T/tb_data/{tb_input_features,tb_output_predictions}.dat, their .raw.dat variants and every
   layer's <layer>_output.log / .raw.log; `trigrt trace --raw` on the same rows gives the exact
   values and raw integers they are checked against.
2. File checks (no compiler):
   - tb_input_features.dat is byte for byte what hls4ml's own writer
     (`VivadoWriter.__make_dat_file`, used for `InputData=<.npy>`) writes for the same .npy;
     tb_output_predictions.dat is byte for byte what it writes for trigrt's exact float64
     predictions, and every token parses back (float()) to exactly that prediction;
   - tb_input_features.raw.dat holds input_t(x) computed here independently (exact integer
     arithmetic, check_trace.double_to_fixed, from the type in hls4ml-layers.json);
     tb_output_predictions.raw.dat and every <layer>_output.raw.log hold exactly the raw integers
     of `trace --raw`, and raw * 2^-F is exactly the value;
   - every <layer>_output.log token is C++'s `ostream << float(value)` (default precision:
     "%g" of the float) of trace's exact value.
3. hls4ml's testbench: the traced project's generated `myproject_test.cpp` (the same project as
   check_trace.py / `csim_goldens.py --trace`, cached in ~/.cache/trigrt/fwsim) compiled with
   g++ together with firmware/myproject.cpp as `build_lib.sh` compiles the library (same flags,
   -Ifirmware/ap_types/, WEIGHTS_DIR of the project), without Vivado; the executable is cached.
   It runs in a fresh directory H whose tb_data/ holds byte copies of trigrt's two .dat files,
   and writes H/tb_data/csim_results.log (one line per sample, `nnet::print_result`: each value
   through ap_fixed's `operator<<`) and, because the project is traced, one
   H/tb_data/<layer>_output.log per layer (`nnet::save_layer_output`).
4. What "equal" means:
   - csim_results.log: ap_fixed's `operator<<` prints the exact decimal expansion of the value
     cut to the stream precision (6 significant digits) with decimal round-half-up
     (`reduceToPrecision` in ap_fixed_base.h), trailing zeros dropped, and an exponent for
     |v| < 1e-4. A logged token L equals trigrt's exact prediction v when
     Decimal(L) == Decimal(v) rounded half-up to 6 significant digits (numeric equality of
     decimals, so "0.25" and "2.5e-01" would both match 0.25). Same number of lines and tokens.
   - <layer>_output.log: the files are identical text, byte for byte.
   Every value must be equal, in both variants. For the float64 variant the testbench computes
   on float32(x): `trigrt tb` computes its predictions, input codes and layer logs from float32(x)
   too (the input text stays hls4ml's writer on x), so the reference here is trace on float32(x)
   and input_t(float32(x)). For information the report counts the rows whose input_t codes change
   through that rounding (rows where a tool computing on x would disagree with the testbench).

Exit status 1 if anything differs, 0 otherwise.

Usage:
    check_tb.py                                   jet_tagger/mixed, tracknn/mixed, deepcsv/mixed; 2,000 rows
    check_tb.py --pairs jet_tagger/narrow --rows 500 --keep /tmp/tb
Options: --cli PATH, --cache-dir DIR, --variants float32,float64, --row-slice A:B, --json FILE.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import check_trace as ct  # noqa: E402
import fwsim  # noqa: E402

DEFAULT_PAIRS = ["jet_tagger/mixed", "tracknn/mixed", "deepcsv/mixed"]
PRECISION = 6  # std::ostream's default precision: what the testbench's logs carry


# ------------------------------------------------------------------------- hls4ml's testbench

def _supports(flag: str) -> bool:
    r = subprocess.run(["g++", "-Werror", "-fsyntax-only", flag, "-xc++", "-", "-o", "/dev/null"], input="",
                       capture_output=True, text=True)
    return r.returncode == 0


def build_lib_flags() -> list[str]:
    """CFLAGS of hls4ml's build_lib.sh (1.3.0)."""
    flags = ["-O3", "-fPIC", "-std=c++23" if _supports("-std=c++23") else "-std=c++11"]
    if _supports("-fno-gnu-unique"):
        flags.append("-fno-gnu-unique")
    return flags


def build_testbench(project: str) -> tuple[str, dict]:
    """Compiles the project's myproject_test.cpp + firmware/myproject.cpp into an executable
    (cached in <project>/trigrt-tb/). Returns (path, info)."""
    flags = build_lib_flags()
    weights = os.path.join(project, "firmware", "weights")
    srcs = ["myproject_test.cpp", "firmware/myproject.cpp", "firmware/myproject.h", "firmware/parameters.h",
            "firmware/defines.h"]
    h = hashlib.sha256()
    for s in srcs:
        h.update(open(os.path.join(project, s), "rb").read())
    h.update(" ".join(flags).encode() + fwsim.gxx_version().encode() + weights.encode())
    out_dir = os.path.join(project, "trigrt-tb")
    exe = os.path.join(out_dir, f"myproject_test-{h.hexdigest()[:12]}")
    cmd = ["g++", *flags, "-Ifirmware/ap_types/", f'-DWEIGHTS_DIR="{weights}"', "myproject_test.cpp",
           "firmware/myproject.cpp", "-o", exe + ".tmp"]
    info = {"executable": exe, "command": " ".join(cmd), "cwd": project, "reused": os.path.exists(exe)}
    if not os.path.exists(exe):
        os.makedirs(out_dir, exist_ok=True)
        t0 = time.perf_counter()
        r = subprocess.run(cmd, cwd=project, capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"testbench build failed in {project}:\n{' '.join(cmd)}\n{r.stderr[-4000:]}")
        os.replace(exe + ".tmp", exe)
        info["compile_s"] = round(time.perf_counter() - t0, 1)
    return exe, info


def run_testbench(exe: str, tb_src: str, work: str) -> dict:
    """Copies trigrt's two .dat files unchanged into work/tb_data and runs the testbench there."""
    os.makedirs(os.path.join(work, "tb_data"), exist_ok=True)
    for fn in ("tb_input_features.dat", "tb_output_predictions.dat"):
        shutil.copyfile(os.path.join(tb_src, "tb_data", fn), os.path.join(work, "tb_data", fn))
    t0 = time.perf_counter()
    r = subprocess.run([exe], cwd=work, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"{exe} failed ({r.returncode}):\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    if "Unable to open input/predictions file" in r.stdout:
        raise SystemExit(f"{exe} did not read the tb_data files")
    return {"seconds": round(time.perf_counter() - t0, 2), "stdout_tail": r.stdout.splitlines()[-2:]}


# ------------------------------------------------------------------------- formats

def hls4ml_dat_text(npy_path: str) -> str:
    """What hls4ml's writer puts into tb_data/*.dat for an .npy (VivadoWriter.__make_dat_file)."""
    from hls4ml.writer.vivado_writer import VivadoWriter

    with tempfile.NamedTemporaryFile("r", suffix=".dat") as f:
        VivadoWriter()._VivadoWriter__make_dat_file(npy_path, f.name)
        return open(f.name).read()


def round_sig(v: float, digits: int = PRECISION) -> Decimal:
    """The exact value of v rounded half-up to `digits` significant decimal digits."""
    d = Decimal(v)  # exact
    if d == 0:
        return Decimal(0)
    return d.quantize(Decimal(1).scaleb(d.adjusted() - digits + 1), rounding=ROUND_HALF_UP)


def ostream_float(v: float) -> str:
    """C++ `std::ostream << float(v)` with default flags (precision 6): printf("%g")."""
    return "%g" % float(np.float32(v))


def read_rows(path: str) -> list[list[str]]:
    with open(path) as f:
        text = f.read()
    if not text.endswith("\n"):
        raise AssertionError(f"{path}: last line not terminated")
    return [line.split(" ")[:-1] if line.endswith(" ") else line.split(" ") for line in text.split("\n")[:-1]]


def check_line_format(path: str) -> list[str]:
    """hls4ml's .dat/.log layout: each line = values each followed by one space."""
    errs = []
    with open(path) as f:
        for i, line in enumerate(f.read().split("\n")[:-1]):
            if not line.endswith(" ") or "  " in line or line.startswith(" "):
                errs.append(f"{os.path.basename(path)} line {i + 1}: not 'v v ... v ' ({line[:60]!r})")
                if len(errs) > 3:
                    break
    return errs


def compare_csim_log(path: str, want: np.ndarray) -> dict:
    rows = read_rows(path)
    res = {"lines": len(rows), "rows_expected": int(len(want))}
    if len(rows) != len(want) or any(len(r) != want.shape[1] for r in rows):
        res.update(equal=False, error=f"{len(rows)} lines / token counts differ from {want.shape}")
        return res
    bad = np.zeros(want.shape, dtype=bool)
    first = None
    for i, r in enumerate(rows):
        for j, tok in enumerate(r):
            if Decimal(tok) != round_sig(want[i, j]):
                bad[i, j] = True
                if first is None:
                    first = {"row": i, "col": j, "log": tok, "trigrt": repr(float(want[i, j])),
                             "trigrt_6_digits": str(round_sig(want[i, j]))}
    res.update(equal=not bad.any(), values=int(want.size), differing_values=int(bad.sum()),
               differing_rows=[int(i) for i in np.flatnonzero(bad.any(axis=1))], first=first)
    return res


# ------------------------------------------------------------------------- one pair, one variant

def check_variant(pair: str, variant: str, x64: np.ndarray, args, cli: str, exe: str, root: str) -> dict:
    model, config = pair.split("/")
    p = ct.golden_paths(model, config)
    lj = json.load(open(p["layers"]))
    x = x64.astype(np.float32) if variant == "float32" else x64
    work = os.path.join(root, f"{model}-{config}-{variant}")
    tdir, hdir, trdir = (os.path.join(work, d) for d in ("trigrt", "hls4ml", "trace"))
    os.makedirs(work, exist_ok=True)
    npy = os.path.join(work, "inputs.npy")
    np.save(npy, x)
    cmd = [cli, "tb", p["model"], "--fixed", "--precision", p["config"], "--input", npy, "--out", tdir,
           "--trace", "all"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{r.stderr}")
    # The testbench computes on float(x) (atof into std::vector<float>): so must trigrt's tb files.
    x_seen = x.astype(np.float32)
    report, values, raws = ct.trigrt_trace(cli, model, config, x_seen, trdir)
    tb = os.path.join(tdir, "tb_data")
    res = {"variant": variant, "rows": int(len(x)), "command": " ".join(cmd), "errors": []}
    errs = res["errors"]
    layers = [l["name"] for l in report["layers"]]
    out_name = lj["layers"][-1]["name"]
    pred, pred_raw = values[out_name], raws[out_name]

    # -- 2. file checks
    for fn in sorted(os.listdir(tb)):
        errs += check_line_format(os.path.join(tb, fn))
    if open(os.path.join(tb, "tb_input_features.dat")).read() != hls4ml_dat_text(npy):
        errs.append("tb_input_features.dat differs from hls4ml's writer on the same .npy")
    pred_npy = os.path.join(work, "predictions.npy")
    np.save(pred_npy, pred)
    if open(os.path.join(tb, "tb_output_predictions.dat")).read() != hls4ml_dat_text(pred_npy):
        errs.append("tb_output_predictions.dat differs from hls4ml's writer on trigrt's float64 predictions")
    got = np.array([[float(t) for t in row] for row in read_rows(os.path.join(tb, "tb_output_predictions.dat"))])
    if got.shape != pred.shape or not np.array_equal(got, pred):
        errs.append("tb_output_predictions.dat does not parse back to trigrt's exact predictions")
    in_fmt = ct.Fmt.of(lj["layers"][0]["result_t"])
    want_in_raw, _ = ct.double_to_fixed(x_seen.astype(np.float64), in_fmt)
    got_in_raw = np.array([[int(t) for t in row] for row in read_rows(os.path.join(tb, "tb_input_features.raw.dat"))])
    if got_in_raw.shape != want_in_raw.shape or not np.array_equal(got_in_raw, want_in_raw):
        n = int((got_in_raw != want_in_raw).sum()) if got_in_raw.shape == want_in_raw.shape else "shape"
        errs.append(f"tb_input_features.raw.dat is not input_t(float(x)) ({in_fmt.cpp}): {n} values differ")
    got_pred_raw = np.array([[int(t) for t in row] for row in
                             read_rows(os.path.join(tb, "tb_output_predictions.raw.dat"))])
    if got_pred_raw.shape != pred_raw.shape or not np.array_equal(got_pred_raw, pred_raw):
        errs.append("tb_output_predictions.raw.dat differs from trace --raw of the output layer")
    layer_logs = {}
    for name in layers:
        log, raw_log = (os.path.join(tb, f"{name}_output{s}") for s in (".log", ".raw.log"))
        if not (os.path.exists(log) and os.path.exists(raw_log)):
            errs.append(f"--trace all wrote no {name}_output.log / .raw.log")
            continue
        rl = np.array([[int(t) for t in row] for row in read_rows(raw_log)])
        if rl.shape != raws[name].shape or not np.array_equal(rl, raws[name]):
            errs.append(f"{name}_output.raw.log differs from trace --raw")
        want_text = "".join("".join(ostream_float(v) + " " for v in row) + "\n" for row in values[name])
        if open(log).read() != want_text:
            errs.append(f"{name}_output.log is not ostream << float(value) of trace's values")
        layer_logs[name] = log

    # -- 3. hls4ml's testbench on the unchanged files
    res["testbench"] = run_testbench(exe, tdir, hdir)
    hb = os.path.join(hdir, "tb_data")
    csim = compare_csim_log(os.path.join(hb, "csim_results.log"), pred)
    res["csim_results"] = csim
    logs = {"compared": [], "differing": [], "only_trigrt": [], "only_hls4ml": []}
    h_logs = {fn[:-len("_output.log")] for fn in os.listdir(hb) if fn.endswith("_output.log")}
    for name in layers:
        if name not in h_logs:
            logs["only_trigrt"].append(name)
            continue
        logs["compared"].append(name)
        a, b = open(layer_logs[name]).read(), open(os.path.join(hb, f"{name}_output.log")).read()
        if a != b:
            la, lb = a.split("\n"), b.split("\n")
            k = next((i for i, (u, v) in enumerate(zip(la, lb)) if u != v), min(len(la), len(lb)))
            logs["differing"].append({"layer": name, "line": k + 1, "trigrt": la[k][:120] if k < len(la) else None,
                                      "hls4ml": lb[k][:120] if k < len(lb) else None,
                                      "lines_differing": sum(u != v for u, v in zip(la, lb)) + abs(len(la) - len(lb))})
    logs["only_hls4ml"] = sorted(h_logs - set(layers))
    res["layer_logs"] = logs

    # -- 4. judge
    if variant == "float64":  # for information: rows a tool computing on x would get wrong
        x_raw, _ = ct.double_to_fixed(x.astype(np.float64), in_fmt)
        res["rows_whose_input_codes_change_through_float"] = int((x_raw != want_in_raw).any(axis=1).sum())
    differing = csim.get("differing_rows", [])
    res["csim_rows_differing"] = len(differing)
    res["csim_rows_differing_first"] = differing[:20]
    res["layer_logs_failing"] = [d["layer"] for d in logs["differing"]]
    res["ok"] = (not errs and "error" not in csim and not differing and not logs["differing"]
                 and not logs["only_trigrt"] and len(logs["compared"]) == len(layers))
    return res


def check_pair(pair: str, args, cli: str, root: str) -> dict:
    model, config = pair.split("/")
    p = ct.golden_paths(model, config)
    xall = np.load(p["inputs"])
    if args.row_slice:
        a, b = (int(t) for t in args.row_slice.split(":"))
        x = xall[a:b]
    else:
        x = xall[ct.select_rows(len(xall), args.rows)]
    _, project, _ = ct.traced_project(model, config, args.cache_dir)
    exe, build = build_testbench(project)
    out = {"pair": pair, "project": project, "testbench_build": build, "variants": []}
    for v in args.variants:
        out["variants"].append(check_variant(pair, v, x, args, cli, exe, root))
    out["ok"] = all(v["ok"] for v in out["variants"])
    return out


def print_pair(r: dict) -> None:
    b = r["testbench_build"]
    print(f"{r['pair']}: testbench {'reused' if b['reused'] else 'compiled in ' + str(b.get('compile_s')) + ' s'}"
          f" ({os.path.relpath(b['executable'], os.path.dirname(r['project']))})")
    for v in r["variants"]:
        c, lg = v["csim_results"], v["layer_logs"]
        extra = ""
        if v["variant"] == "float64":
            extra = (f"; {v['rows_whose_input_codes_change_through_float']} rows change input_t codes when"
                     f" read as float (computed on as the testbench does)")
        print(f"  {v['variant']}: {v['rows']} rows; files {'ok' if not v['errors'] else 'BAD'}; csim_results.log "
              f"{c.get('values', 0) - c.get('differing_values', 0)}/{c.get('values', 0)} values equal (6 digits)"
              f"; layer logs {len(lg['compared']) - len(lg['differing'])}/{len(lg['compared'])} identical{extra}"
              f"; testbench {v['testbench']['seconds']} s -> {'ok' if v['ok'] else 'FAIL'}")
        for e in v["errors"]:
            print(f"    file: {e}")
        if c.get("first"):
            print(f"    csim_results first difference: {c['first']} (rows {v['csim_rows_differing_first']})")
        for d in lg["differing"][:3]:
            print(f"    layer log {d['layer']}: {d['lines_differing']} lines differ, first line {d['line']}: "
                  f"trigrt {d['trigrt']!r} hls4ml {d['hls4ml']!r}")
        if lg["only_trigrt"] or lg["only_hls4ml"]:
            print(f"    layer logs only trigrt: {lg['only_trigrt']}, only hls4ml: {lg['only_hls4ml']}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", default=",".join(DEFAULT_PAIRS))
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--variants", default="float32,float64")
    ap.add_argument("--row-slice", metavar="START:STOP", help="these golden rows instead of --rows")
    ap.add_argument("--cli")
    ap.add_argument("--cache-dir", default=fwsim.default_cache_root())
    ap.add_argument("--keep", help="keep the tb directories under this directory")
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    args.variants = [v for v in args.variants.split(",") if v]
    if any(v not in ("float32", "float64") for v in args.variants):
        ap.error("--variants: float32 and/or float64")
    cli = ct.find_cli(args.cli)
    root = args.keep or tempfile.mkdtemp(prefix="trigrt-check-tb-")
    results = []
    try:
        for pair in [p for p in args.pairs.split(",") if p]:
            r = check_pair(pair, args, cli, root)
            print_pair(r)
            results.append(r)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    ok = all(r["ok"] for r in results)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"ok": ok, "cli": cli, "pairs": results}, f, indent=1)
    print("check_tb: " + ("all equal" if ok else "DIFFERENCES FOUND"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
