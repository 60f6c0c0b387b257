#!/usr/bin/env python3
"""`make bench-profile`: instruction counts per batch-1 call under callgrind, for ANALYSIS.md.

perf's hardware counters are not available in this VM (`perf stat -e instructions true` says
"not supported"); callgrind counts executed instructions exactly and reproducibly whatever else
the machine runs. For every dense zoo model: trigrt float, the plain C loop, trigrt fixed for every
firmware-sim config, and hls4ml's C simulation of that config; then the functions trigrt spends
its instructions in. Writes Benchmarks/results/profile.md and profile.json.

Usage: profile.py DIST   (DIST: the `make` build dir; its release/libtrigrt.so still has symbols)
BENCH_MODELS=a,b picks models, PROFILE_CONFIGS=default,mixed picks precision configs.
"""
from __future__ import annotations

import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FW = os.path.join(ROOT, "firmware-sim")
sys.path.insert(0, HERE)
import bench  # noqa: E402  (csim_library, zoo)

CALLS = {"trigrt": 2000, "cnet": 2000, "csim": 100}


def callgrind(work: str, tag: str, args: list[str], env: dict) -> tuple[int, list[tuple[int, str]]]:
    out = os.path.join(work, f"cg.{tag}")
    r = subprocess.run(["valgrind", "--tool=callgrind", "--collect-atstart=no", f"--callgrind-out-file={out}",
                        os.path.join(work, "profile_run"), *args], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise RuntimeError(f"{tag}: {r.stderr[-800:]}")
    n = int(r.stdout.strip().splitlines()[-1])
    ann = subprocess.run(["callgrind_annotate", "--inclusive=no", "--threshold=100", out], capture_output=True, text=True).stdout
    total = 0
    funcs = []
    for line in ann.splitlines():
        m = re.match(r"\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*)$", line)
        if not m:
            continue
        ir = int(m.group(1).replace(",", ""))
        name = m.group(2)
        if name.startswith("PROGRAM TOTALS"):
            total = ir
            continue
        name = re.sub(r"^\?\?\?:|^[^ ]*:(?=[A-Za-z_$])", "", name)
        name = re.sub(r"\s*\[[^\]]*\]$", "", name)
        funcs.append((ir, name))
    names = demangle([f for _, f in funcs])
    return total // n, [(ir // n, nm) for (ir, _), nm in zip(funcs, names)]


def demangle(names: list[str]) -> list[str]:
    if not names or not shutil.which("swift"):
        return names
    r = subprocess.run(["swift", "demangle", "--simplified"], input="\n".join(names), capture_output=True, text=True)
    out = r.stdout.splitlines()
    return out if len(out) == len(names) else names


def main() -> int:
    dist = os.path.abspath(sys.argv[1])
    prefix = os.path.join(dist, "prefix")
    work = tempfile.mkdtemp(prefix="trigrt-profile-")
    # the unstripped build, without DWARF (valgrind 3.19 cannot read the toolchain's DWARF 5), named by its SONAME
    lib = os.path.join(work, "lib")
    os.makedirs(lib)
    shutil.copy(os.path.join(dist, "release", "libtrigrt.so"), os.path.join(lib, "libtrigrt.so.0"))
    subprocess.run(["strip", "--strip-debug", os.path.join(lib, "libtrigrt.so.0")], check=True)
    src = os.path.join(HERE, "driver")
    subprocess.run(["gcc", "-O3", "-march=x86-64-v3", "-std=c11", "-c", os.path.join(src, "cnet.c"), "-o", os.path.join(work, "cnet.o")], check=True)
    subprocess.run(["gcc", "-O2", "-std=c11", f"-I{prefix}/include", os.path.join(src, "profile_run.c"), os.path.join(work, "cnet.o"),
                    f"-L{prefix}/lib", "-ltrigrt", f"-Wl,-rpath,{lib}", "-lopenblas", "-ldl", "-lm", "-o", os.path.join(work, "profile_run")],
                   check=True)
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    rows, details = [], {}
    for name in bench.zoo(os.environ.get("BENCH_MODELS", "")):
        model = os.path.join(ROOT, "Models", f"{name}.onnx")
        inputs = os.path.join(ROOT, "Models", f"{name}.inputs.npy")
        net = os.path.join(work, f"{name}.net")
        has_net = subprocess.run([sys.executable, os.path.join(HERE, "export_net.py"), model, net], capture_output=True).returncode == 0
        print(f"== {name}", flush=True)
        tf, tf_funcs = callgrind(work, f"{name}-float", ["trigrt", model, "-", "float", inputs, str(CALLS["trigrt"])], env)
        details[f"{name} float"] = tf_funcs[:10]
        cn = callgrind(work, f"{name}-cnet", ["cnet", net, inputs, str(CALLS["cnet"])], env)[0] if has_net else None
        rows.append({"model": name, "config": "(float)", "trigrt": tf, "plain_c": cn})
        cleaned = os.path.join(FW, "models", f"{name}.cleaned.onnx")
        only = [c for c in os.environ.get("PROFILE_CONFIGS", "").split(",") if c]
        for cfg in sorted(glob.glob(os.path.join(FW, "configs", name, "*.yml"))):
            config = os.path.basename(cfg)[:-4]
            if only and config not in only:
                continue
            gin = os.path.join(FW, "goldens", name, f"{config}.inputs.npy")
            gin = gin if os.path.exists(gin) else inputs
            tx, tx_funcs = callgrind(work, f"{name}-{config}", ["trigrt", cleaned, cfg, "fixed", gin, str(CALLS["trigrt"])], env)
            details[f"{name}/{config} fixed"] = tx_funcs[:10]
            t32, t32_funcs = callgrind(work, f"{name}-{config}-f32", ["trigrt", cleaned, cfg, "fixed32", gin, str(CALLS["trigrt"])], env)
            details[f"{name}/{config} fixed, float32 I/O"] = t32_funcs[:10]
            clib, err, _ = bench.csim_library(name, cfg, os.path.join(work, "fwsim.log"))
            cs = callgrind(work, f"{name}-{config}-csim", ["csim", clib, gin, str(CALLS["csim"])], env)[0] if clib else None
            rows.append({"model": name, "config": config, "trigrt": tx, "trigrt_f32": t32, "csim": cs})
            print(f"   {config}: trigrt {tx} (float32 I/O {t32}), csim {cs}", flush=True)
    res = {"calls": CALLS, "rows": rows, "functions": details,
           "valgrind": subprocess.run(["valgrind", "--version"], capture_output=True, text=True).stdout.strip()}
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    json.dump(res, open(os.path.join(HERE, "results", "profile.json"), "w"), indent=1)
    write_md(res)
    shutil.rmtree(work, ignore_errors=True)
    return 0


def write_md(res: dict) -> None:
    L = ["Instructions per batch-1 call (callgrind, " + res["valgrind"] + f"; {res['calls']['trigrt']:,} trigrt and plain C calls, "
         f"{res['calls']['csim']} C-simulation calls after warm-up; `make bench-profile`):\n",
         "Fixed rows: trigrt through `trigrt_session_run_f64` (double I/O, as timed against `myproject_double`) and, in the "
         "float32 I/O column, through `trigrt_session_run` (float inputs, the vectorised input quantizer).\n",
         "| model | mode / config | trigrt | trigrt float32 I/O | plain C loop | trigrt / plain C | hls4ml csim | csim / trigrt | csim / trigrt float32 I/O |",
         "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in res["rows"]:
        pc, cs, t = r.get("plain_c"), r.get("csim"), r["trigrt"]
        pcs = f"{pc:,}" if pc else "–"
        pcr = f"{t / pc:.2f}" if pc else "–"
        css = f"{cs:,}" if cs else "–"
        csr = f"{cs / t:.0f}×" if cs else "–"
        t32 = r.get("trigrt_f32")
        t32s = f"{t32:,}" if t32 else "–"
        c32 = f"{cs / t32:.0f}×" if cs and t32 else "–"
        L.append(f"| {r['model']} | {r['config']} | {t:,} | {t32s} | {pcs} | {pcr} | {css} | {csr} | {c32} |")
    L.append("\nWhere trigrt's instructions go (self cost per call, the largest functions):\n")
    for k, funcs in res["functions"].items():
        tot = next((r["trigrt"] for r in res["rows"] if f"{r['model']}/{r['config']} fixed" == k or
                    (r["config"] == "(float)" and f"{r['model']} float" == k)), 0) or \
            next((r.get("trigrt_f32") for r in res["rows"] if f"{r['model']}/{r['config']} fixed, float32 I/O" == k), 0)
        items = "; ".join(f"`{short(n)}` {ir:,}" + (f" ({100 * ir / tot:.0f}%)" if tot else "") for ir, n in funcs[:7])
        L.append(f"- **{k}** ({tot:,}): {items}")
    with open(os.path.join(HERE, "results", "profile.md"), "w") as f:
        f.write("\n".join(L) + "\n")


def short(n: str) -> str:
    n = re.sub(r"^(specialized |static |outlined )+", "", n)
    n = re.sub(r"<[^<>]*>", "", n)
    n = re.sub(r"\(.*\)", "()", n)
    return n


if __name__ == "__main__":
    sys.exit(main())
