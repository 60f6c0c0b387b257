#!/usr/bin/env python3
"""trigrt fixed mode vs hls4ml 1.3.0's compiled C simulation, same process, same inputs.

For each (model, config) golden set of firmware-sim, finds (or builds, through firmware-sim's
fwsim library and its cache) the csim library hls4ml compiled, runs bench_fixed.c, and prints
per set: csim µs/sample, trigrt µs/sample at batch 1 and batch 64, the speed-ups, and the
number of outputs that differ (must be 0).

Usage: fixed_vs_csim.py PREFIX [--rows N] [--cycles C] [--sets model/config,...] [--json OUT]
PREFIX is a `make install` tree (lib/libtrigrt.so, include/trigrt.h).
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import yaml

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
sys.path.insert(0, os.path.join(root, "firmware-sim", "scripts"))
import fwsim  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("prefix")
p.add_argument("--rows", type=int, default=2000)
p.add_argument("--cycles", type=int, default=5)
p.add_argument("--sets", default="")
p.add_argument("--json")
a = p.parse_args()
prefix = os.path.abspath(a.prefix)
work = tempfile.mkdtemp()
exe = os.path.join(work, "bench_fixed")
subprocess.run(["gcc", "-O2", "-std=c11", f"-I{prefix}/include", os.path.join(here, "bench_fixed.c"), f"-L{prefix}/lib", "-ltrigrt",
                f"-Wl,-rpath,{prefix}/lib", "-ldl", "-lm", "-o", exe], check=True)
sets = []
for cfg in sorted(glob.glob(os.path.join(root, "firmware-sim", "configs", "*", "*.yml"))):
    model, config = cfg.split(os.sep)[-2], os.path.basename(cfg)[:-4]
    if a.sets and f"{model}/{config}" not in a.sets.split(","):
        continue
    sets.append((model, config, cfg))
results = []
cache = fwsim.default_cache_root()
print(f"machine: {os.cpu_count()} cores, load {open('/proc/loadavg').read().split()[:3]}")
for model, config, cfg in sets:
    cleaned_path = os.path.join(root, "firmware-sim", "models", f"{model}.cleaned.onnx")
    cleaned = onnx.load(cleaned_path)
    hls_config = yaml.safe_load(open(cfg))
    cdir = os.path.join(cache, fwsim.cache_key(cleaned, hls_config))
    manifest = os.path.join(cdir, "trigrt-build.json")
    if not os.path.exists(manifest):
        hm, _ = fwsim.convert(cleaned, hls_config, cdir)
        fwsim.build(hm, cdir)
    lib = json.load(open(manifest))["library"]
    x = np.load(os.path.join(root, "firmware-sim", "goldens", model, f"{config}.inputs.npy"))[: a.rows].astype(np.float64)
    nout = np.load(os.path.join(root, "firmware-sim", "goldens", model, f"{config}.outputs.npy")).shape[1]
    xin = os.path.join(work, "x.f64")
    x.tofile(xin)
    r = subprocess.run([exe, lib, cleaned_path, cfg, xin, str(len(x)), str(x.shape[1]), str(nout), str(a.cycles)],
                       capture_output=True, text=True)
    if r.returncode not in (0, 1) or not r.stdout.strip():
        print(f"{model}/{config}: bench failed: {r.stderr.strip()}")
        results.append({"set": f"{model}/{config}", "error": r.stderr.strip()})
        continue
    d = json.loads(r.stdout)
    d["set"] = f"{model}/{config}"
    results.append(d)
    print(f"{model + '/' + config:28s} csim {d['csim_us']:8.1f} µs | trigrt batch 1 {d['trigrt_b1_us']:7.3f} µs ({d['speedup_b1']:6.0f}x)"
          f" | batch 64 {d['trigrt_b64_us']:7.3f} µs ({d['speedup_b64']:6.0f}x) | differing outputs {d['differing_b1']} / {d['differing_b64']}")
if a.json:
    json.dump(results, open(a.json, "w"), indent=1)
sys.exit(1 if any(r.get("differing_b1", 1) or r.get("differing_b64", 1) for r in results) else 0)
