#!/usr/bin/env python3
"""`make bench`: trigrt next to its peers on every zoo model, float and fixed, then RESULTS.md + plots.

For every model of the zoo (Models/*.onnx with Models/<name>.inputs.npy; --models picks some):
  float mode   bench_driver (C++, through the C ABI) with the plain C -O3 loop and OpenBLAS version
               of the net (when export_net.py can express it: dense nets), ONNX Runtime's C API
               (the pip wheel's libonnxruntime.so; onnxruntime_c_api.h from Debian's
               libonnxruntime-dev, see ort_header_dir()) and its Python API with IOBinding (embedded in
               the driver's process); no ONNX Runtime for QONNX models, whose Quant nodes it does
               not run;
  fixed mode   for every firmware-sim/configs/<name>/*.yml: trigrt fixed on the cleaned model hls4ml
               was given, next to hls4ml 1.3.0's compiled C simulation of that model and config
               (built through firmware-sim's fwsim and its cache, ~/.cache/trigrt/fwsim), on the
               golden inputs; bit-exactness checked in the same process. QONNX models also run
               without a config (trigrt's qonnx-exact fixed mode; no C simulation peer exists).
  peak RSS     one more driver process per run that only loads trigrt and runs.
  CLI          `trigrt bench --threads 1` and `--threads 2` on the float models.
Writes Benchmarks/results/results.json, Benchmarks/RESULTS.md and Benchmarks/results/*.png.

Usage: bench.py PREFIX [--quick] [--models a,b] [--cycles N] [--no-write]
PREFIX is a `make install` tree (lib/libtrigrt.so, include/, bin/trigrt).
"""
from __future__ import annotations

import argparse
import datetime
import glob
import json
import os
import platform
import re
import shutil
import site
import subprocess
import sys
import sysconfig
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FWSIM_DIR = os.path.join(ROOT, "firmware-sim")
RESULTS_DIR = os.path.join(HERE, "results")
QONNX_DOMAINS = ("qonnx.custom_op.general", "finn.custom_op.general", "onnx.brevitas")


def log(msg: str) -> None:
    print(msg, flush=True)


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def bench_command() -> str:
    """The command that made this run, as a reader would type it."""
    if os.environ.get("MAKELEVEL"):
        extra = " ".join(f"{k}={os.environ[k]}" for k in ("BENCH_MODELS", "BENCH_ARGS") if os.environ.get(k))
        return "make bench" + (f" {extra}" if extra else "")
    return " ".join(["python3", os.path.relpath(os.path.abspath(sys.argv[0]), ROOT), *sys.argv[1:]])


def loadavg() -> list[float]:
    return [float(v) for v in open("/proc/loadavg").read().split()[:3]]


# ----------------------------------------------------------------------------- machine, versions

def machine() -> dict:
    info = {}
    out = run(["lscpu"]).stdout
    for line in out.splitlines():
        k, _, v = line.partition(":")
        info[k.strip()] = v.strip()
    flags = set(info.get("Flags", "").split())
    isa = [f for f in ("sse4_2", "avx", "avx2", "fma", "f16c", "bmi2", "avx512f", "avx512bw", "avx512vl", "avx512_vnni",
                       "avx_vnni", "amx_tile") if f in flags]
    mem = next((l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")), "0")
    return {
        "cpu": info.get("Model name", platform.processor()),
        "vendor": info.get("Vendor ID", ""), "family_model": f"family {info.get('CPU family', '?')}, model {info.get('Model', '?')}",
        "cores": os.cpu_count(), "threads_per_core": info.get("Thread(s) per core", ""),
        "caches": ", ".join(f"{k} {info[k]}" for k in ("L1d cache", "L2 cache", "L3 cache") if k in info),
        "hypervisor": info.get("Hypervisor vendor", "none"), "isa": isa, "no_isa": [f for f in ("avx512f",) if f not in flags],
        "memory_gib": round(int(mem) / 2**20, 1), "kernel": platform.release(),
        "os": next((l.split("=", 1)[1].strip().strip('"') for l in open("/etc/os-release") if l.startswith("PRETTY_NAME")), ""),
    }


def versions(prefix: str) -> dict:
    def first(cmd):
        try:
            return run(cmd).stdout.strip().splitlines()[0]
        except (OSError, IndexError):
            return "?"
    v = {"swift": first(["swift", "--version"]), "gcc": first(["gcc", "--version"]), "g++": first(["g++", "--version"]),
         "python": platform.python_version()}
    from importlib import metadata
    for mod in ("numpy", "onnx", "onnxruntime", "hls4ml", "qonnx", "matplotlib"):
        try:
            v[mod] = metadata.version(mod)
        except metadata.PackageNotFoundError:
            v[mod] = "not installed"
    dpkg = run(["dpkg-query", "-W", "-f=${Version}", "libopenblas0-pthread"]).stdout.strip() or \
        run(["dpkg-query", "-W", "-f=${Version}", "libopenblas-dev"]).stdout.strip()
    v["openblas_deb"] = dpkg or "?"
    return v


# ----------------------------------------------------------------------------- building the driver

def python_embed_flags() -> tuple[list[str], str | None]:
    """Compile/link flags to embed this interpreter (the venv's) in the driver, or a reason why not."""
    inc = sysconfig.get_paths()["include"]
    libdir = sysconfig.get_config_var("LIBDIR")
    ver = sysconfig.get_config_var("VERSION") + (getattr(sys, "abiflags", "") or "")
    if not sysconfig.get_config_var("Py_ENABLE_SHARED"):
        return [], f"{sys.executable} has no shared libpython (built without --enable-shared)"
    if not os.path.exists(os.path.join(inc, "Python.h")):
        return [], f"no Python.h in {inc}"
    return ["-DBENCH_PYTHON", f"-I{inc}", f"-L{libdir}", f"-lpython{ver}", f"-Wl,-rpath,{libdir}"], None


ORT_DEV_SUITE = "trixie"   # Debian 13: the first Debian release with libonnxruntime-dev
ORT_CACHE = os.path.join(os.path.expanduser("~"), ".cache", "trigrt", "ort-capi")


def ort_header_dir() -> tuple[str | None, str]:
    """The directory holding onnxruntime_c_api.h, and where it came from.

    An installed libonnxruntime-dev (Debian 13 and later) is used as it is. On an older Debian (this
    machine's 12 has no ONNX Runtime) the same package is downloaded from Debian 13 with apt-get into
    ~/.cache/trigrt/ort-capi (its own package lists there; the system's apt state is not touched) and
    unpacked with dpkg-deb; nothing of it is committed. Only the headers are used: the library is the
    pip wheel's, the same ONNX Runtime as the Python peer.
    """
    for d in ("/usr/include/onnxruntime", "/usr/local/include/onnxruntime"):
        if os.path.exists(os.path.join(d, "onnxruntime_c_api.h")):
            pkg = run(["dpkg", "-S", os.path.join(d, "onnxruntime_c_api.h")]).stdout.split(":")[0] or "installed"
            ver = run(["dpkg-query", "-W", "-f=${Version}", pkg]).stdout.strip()
            return d, f"{pkg} {ver}".strip()
    inc = os.path.join(ORT_CACHE, "root", "usr", "include", "onnxruntime")
    stamp = os.path.join(ORT_CACHE, "package.txt")
    if os.path.exists(os.path.join(inc, "onnxruntime_c_api.h")) and os.path.exists(stamp):
        return inc, open(stamp).read().strip()
    if not shutil.which("apt-get") or not shutil.which("dpkg-deb"):
        return None, "no apt-get/dpkg-deb to fetch Debian's libonnxruntime-dev"
    for sub in ("lists/partial", "cache/archives/partial", "etc", "deb"):
        os.makedirs(os.path.join(ORT_CACHE, sub), exist_ok=True)
    with open(os.path.join(ORT_CACHE, "etc", "sources.list"), "w") as f:
        f.write(f"deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian {ORT_DEV_SUITE} main\n")
    opts = ["-o", f"Dir::Etc::SourceList={ORT_CACHE}/etc/sources.list", "-o", "Dir::Etc::SourceParts=/nonexistent",
            "-o", f"Dir::State::Lists={ORT_CACHE}/lists", "-o", f"Dir::Cache={ORT_CACHE}/cache",
            "-o", "APT::Sandbox::User=root", "-qq"]
    r = run(["apt-get", *opts, "update"], timeout=600)
    if r.returncode != 0:
        return None, f"apt-get update ({ORT_DEV_SUITE}) failed: {r.stderr.strip()[-300:]}"
    for f in glob.glob(os.path.join(ORT_CACHE, "deb", "*.deb")):
        os.remove(f)
    r = run(["apt-get", *opts, "download", "libonnxruntime-dev"], cwd=os.path.join(ORT_CACHE, "deb"), timeout=600)
    debs = glob.glob(os.path.join(ORT_CACHE, "deb", "libonnxruntime-dev_*.deb"))
    if r.returncode != 0 or not debs:
        return None, f"apt-get download libonnxruntime-dev ({ORT_DEV_SUITE}) failed: {r.stderr.strip()[-300:]}"
    subprocess.run(["dpkg-deb", "-x", debs[0], os.path.join(ORT_CACHE, "root")], check=True)
    ver = os.path.basename(debs[0]).split("_")[1]
    with open(stamp, "w") as f:
        f.write(f"libonnxruntime-dev {ver} (Debian {ORT_DEV_SUITE})\n")
    return inc, open(stamp).read().strip()


def ort_library() -> str | None:
    """The pip wheel's libonnxruntime.so (the wheel ships it under onnxruntime/capi)."""
    try:
        import onnxruntime
    except ImportError:
        return None
    libs = sorted(glob.glob(os.path.join(os.path.dirname(onnxruntime.__file__), "capi", "libonnxruntime.so*")))
    return libs[0] if libs else None


def build_driver(prefix: str, work: str) -> tuple[str, str | None]:
    src = os.path.join(HERE, "driver")
    cnet_o = os.path.join(work, "cnet.o")
    subprocess.run(["gcc", "-O3", "-march=x86-64-v3", "-std=c11", "-Wall", "-Wextra", "-c", os.path.join(src, "cnet.c"), "-o", cnet_o],
                   check=True)
    pyflags, why_not = python_embed_flags()
    exe = os.path.join(work, "bench_driver")
    ort_inc, _ = ort_header_dir()
    if ort_inc and ort_library():
        pyflags = ["-DBENCH_ORT_C", f"-I{ort_inc}", *pyflags]
    inc = [f for f in pyflags if f.startswith(("-D", "-I"))]
    lib = [f for f in pyflags if not f.startswith(("-D", "-I"))]
    subprocess.run(["g++", "-O2", "-std=c++17", "-Wall", "-Wextra", *inc, f"-I{prefix}/include", os.path.join(src, "bench_driver.cpp"),
                    cnet_o, f"-L{prefix}/lib", "-ltrigrt", f"-Wl,-rpath,{prefix}/lib", *lib, "-lopenblas", "-ldl", "-lm", "-o", exe],
                   check=True)
    probe = os.path.join(work, "rss_probe")
    subprocess.run(["gcc", "-O2", "-std=c11", f"-I{prefix}/include", os.path.join(src, "rss_probe.c"), f"-L{prefix}/lib", "-ltrigrt",
                    f"-Wl,-rpath,{prefix}/lib", "-o", probe], check=True)
    return exe, why_not


def driver_env() -> dict:
    env = dict(os.environ)
    env["OPENBLAS_NUM_THREADS"] = "1"
    env["OMP_NUM_THREADS"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(site.getsitepackages() + [env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


# ----------------------------------------------------------------------------- models

def zoo(selected: str) -> list[str]:
    names = sorted(os.path.basename(p)[:-5] for p in glob.glob(os.path.join(ROOT, "Models", "*.onnx"))
                   if os.path.exists(p[:-5] + ".inputs.npy"))
    if selected:
        want = selected.split(",")
        missing = [w for w in want if w not in names]
        if missing:
            sys.exit(f"bench.py: not in Models/: {', '.join(missing)}")
        names = [n for n in names if n in want]
    return names


def is_qonnx(path: str) -> bool:
    import onnx
    m = onnx.load(path, load_external_data=False)
    return any(n.domain in QONNX_DOMAINS or n.op_type in ("Quant", "BipolarQuant", "Trunc") for n in m.graph.node)


def csim_library(model: str, cfg: str, log_path: str) -> tuple[str | None, str | None, bool]:
    """hls4ml's compiled C simulation of the cleaned model + config: (library, error, built_now)."""
    sys.path.insert(0, os.path.join(FWSIM_DIR, "scripts"))
    try:
        import fwsim
        import onnx
        import yaml
        cleaned = onnx.load(os.path.join(FWSIM_DIR, "models", f"{model}.cleaned.onnx"))
        hls_config = yaml.safe_load(open(cfg))
        cdir = os.path.join(fwsim.default_cache_root(), fwsim.cache_key(cleaned, hls_config))
        manifest = os.path.join(cdir, "trigrt-build.json")
        built = False
        if not os.path.exists(manifest) or not os.path.exists(json.load(open(manifest))["library"]):
            hm, _ = fwsim.convert(cleaned, hls_config, cdir, log_path=log_path)
            fwsim.build(hm, cdir, log_path=log_path)
            built = True
        return json.load(open(manifest))["library"], None, built
    except Exception as e:  # noqa: BLE001 - reported in the results
        return None, f"{type(e).__name__}: {e}", False
    finally:
        sys.path.pop(0)


# ----------------------------------------------------------------------------- runs

def driver_run(exe: str, args: list[str], work: str, tag: str) -> dict:
    out = os.path.join(work, f"{tag}.json")
    t0 = time.time()
    r = run([exe, *args, "--json", out], env=driver_env())
    wall = time.time() - t0
    if r.returncode == 3 and os.path.exists(out):   # the model is refused in this mode: a result
        d = json.load(open(out))
        d["unsupported"] = True
        return d
    if r.returncode != 0 or not os.path.exists(out):
        return {"error": (r.stderr or r.stdout).strip()[-2000:], "args": args}
    d = json.load(open(out))
    d["wall_seconds"] = round(wall, 1)
    sys.stdout.write(r.stdout)
    sys.stdout.flush()
    return d


def rss_run(work: str, model: str, config: str | None = None, fixed: bool = False) -> dict | None:
    r = run([os.path.join(work, "rss_probe"), model, config or "-", "fixed" if fixed else "float"])
    try:
        return json.loads(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None


def cli_threads(prefix: str, model: str, inputs: str, threads: int, iterations: int) -> dict:
    r = run([os.path.join(prefix, "bin", "trigrt"), "bench", model, "--input", inputs, "--threads", str(threads),
             "--iterations", str(iterations), "--json"], env=driver_env())
    if r.returncode != 0:
        return {"error": r.stderr.strip()[-500:]}
    return json.loads(r.stdout)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("prefix")
    ap.add_argument("--quick", action="store_true", help="300 cycles, a few configs: checks the pipeline, not for RESULTS.md")
    ap.add_argument("--models", default=os.environ.get("BENCH_MODELS", ""))
    ap.add_argument("--cycles", type=int, default=0)
    ap.add_argument("--no-write", action="store_true", help="do not rewrite RESULTS.md and the plots")
    a = ap.parse_args()
    prefix = os.path.abspath(a.prefix)
    cycles = a.cycles or (300 if a.quick else 3125)
    work = tempfile.mkdtemp(prefix="trigrt-bench-")
    started = time.time()
    res = {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"), "command": bench_command(),
           "cycles": cycles, "quick": a.quick, "machine": machine(), "versions": versions(prefix),
           "load_start": loadavg(), "float": [], "fixed": [], "rss": {}, "cli_threads": []}
    log(f"machine: {res['machine']['cpu']}, {res['machine']['cores']} cores, ISA {' '.join(res['machine']['isa'])}, load {res['load_start']}")
    res["ort_c_api"] = ort_c_api_note()
    log(f"ONNX Runtime C API: {res['ort_c_api']['note']}")
    exe, no_python = build_driver(prefix, work)
    res["ort_python"] = no_python or "embedded"
    if no_python:
        log(f"note: no ONNX Runtime peer: {no_python}")
    names = zoo(a.models)
    log(f"models: {', '.join(names)}")

    # ---- float
    for name in names:
        model = os.path.join(ROOT, "Models", f"{name}.onnx")
        inputs = os.path.join(ROOT, "Models", f"{name}.inputs.npy")
        args = ["--model", model, "--inputs", inputs, "--cycles", str(cycles)]
        notes = []
        net = os.path.join(work, f"{name}.net")
        r = run([sys.executable, os.path.join(HERE, "export_net.py"), model, net])
        if r.returncode == 0:
            args += ["--net", net]
        else:
            notes.append(f"no plain C / OpenBLAS version: {r.stderr.strip() or r.stdout.strip()}")
        qonnx = is_qonnx(model)
        if qonnx:
            notes.append("no ONNX Runtime peer: ONNX Runtime does not run QONNX Quant nodes (custom domain)")
        else:
            if res["ort_c_api"].get("library") and res["ort_c_api"].get("header"):
                args += ["--ort-c", res["ort_c_api"]["library"]]
            if not no_python:
                args += ["--ort-python", os.path.join(HERE, "driver")]
        log(f"== {name} float")
        d = driver_run(exe, args, work, f"{name}-float")
        d.update({"name": name, "notes": notes})
        res["float"].append(d)
        res["rss"][f"{name}/float"] = rss_run(work, model)

    # ---- fixed
    for name in names:
        cfgs = sorted(glob.glob(os.path.join(FWSIM_DIR, "configs", name, "*.yml")))
        if a.quick:
            cfgs = cfgs[:1]
        cleaned = os.path.join(FWSIM_DIR, "models", f"{name}.cleaned.onnx")
        for cfg in cfgs:
            config = os.path.basename(cfg)[:-4]
            if not os.path.exists(cleaned):
                res["fixed"].append({"name": name, "config": config, "error": f"no {os.path.relpath(cleaned, ROOT)}"})
                continue
            golden = os.path.join(FWSIM_DIR, "goldens", name, f"{config}.inputs.npy")
            inputs = golden if os.path.exists(golden) else os.path.join(ROOT, "Models", f"{name}.inputs.npy")
            log(f"== {name} fixed {config}")
            lib, err, built = csim_library(name, cfg, os.path.join(work, f"fwsim-{name}-{config}.log"))
            args = ["--mode", "fixed", "--config", cfg, "--model", cleaned, "--inputs", inputs, "--cycles", str(cycles)]
            notes = []
            if lib:
                args += ["--csim", lib]
                if built:
                    notes.append("hls4ml C simulation built in this run (now cached)")
            else:
                notes.append(f"no hls4ml C simulation: {err}")
            d = driver_run(exe, args, work, f"{name}-fixed-{config}")
            d.update({"name": name, "config": config, "notes": notes})
            res["fixed"].append(d)
            res["rss"][f"{name}/fixed/{config}"] = rss_run(work, cleaned, cfg, fixed=True)
        model = os.path.join(ROOT, "Models", f"{name}.onnx")
        if is_qonnx(model):
            log(f"== {name} fixed (QONNX, no config)")
            inputs = os.path.join(ROOT, "Models", f"{name}.inputs.npy")
            d = driver_run(exe, ["--mode", "fixed", "--model", model, "--inputs", inputs, "--cycles", str(cycles)], work,
                           f"{name}-fixed-qonnx")
            d.update({"name": name, "config": "", "notes": ["QONNX model without a precision config: no hls4ml C simulation peer"]})
            res["fixed"].append(d)
            res["rss"][f"{name}/fixed/"] = rss_run(work, model, fixed=True)

    # ---- the CLI with threads sharing one model
    iters = 20000 if a.quick else 100000
    for name in names:
        model = os.path.join(ROOT, "Models", f"{name}.onnx")
        inputs = os.path.join(ROOT, "Models", f"{name}.inputs.npy")
        for t in (1, 2):
            d = cli_threads(prefix, model, inputs, t, iters)
            d.update({"name": name, "threads": t})
            res["cli_threads"].append(d)
    res["load_end"] = loadavg()
    res["total_seconds"] = round(time.time() - started, 1)
    shutil.rmtree(work, ignore_errors=True)

    problems = check(res)
    res["problems"] = problems
    if not a.no_write:
        os.makedirs(RESULTS_DIR, exist_ok=True)
        with open(os.path.join(RESULTS_DIR, "results.json"), "w") as f:
            json.dump(res, f, indent=1)
        import report
        report.write(res, HERE)
        log(f"wrote {os.path.relpath(os.path.join(HERE, 'RESULTS.md'), ROOT)} and {os.path.relpath(RESULTS_DIR, ROOT)}/")
    log(f"make bench: {res['total_seconds']} s")
    for p in problems:
        log(f"PROBLEM: {p}")
    return 1 if problems else 0


def ort_c_api_note() -> dict:
    """Where ONNX Runtime's C API peer comes from: the header package and the library."""
    inc, origin = ort_header_dir()
    lib = ort_library()
    d = {"header": os.path.join(inc, "onnxruntime_c_api.h") if inc else None, "header_package": origin, "library": lib}
    if not inc:
        d["note"] = f"not measured: no onnxruntime_c_api.h ({origin})"
    elif not lib:
        d["note"] = "not measured: the onnxruntime wheel ships no libonnxruntime.so"
    else:
        api = next((l.split()[-1] for l in open(d["header"]) if l.startswith("#define ORT_API_VERSION")), "?")
        d["api_version"] = api
        d["note"] = (f"header {origin} (C API version {api}), library {os.path.basename(lib)} from the pip wheel "
                     f"(a newer library serves older API versions: the function table is append-only)")
    return d


def check(res: dict) -> list[str]:
    """What must hold in every run: no heap calls in trigrt's runs, bit-exact fixed mode, no failed run."""
    out = []
    for d in res["float"] + res["fixed"]:
        tag = f"{d.get('name')} {d.get('mode', '')} {d.get('config', '')}".strip()
        if "error" in d and not d.get("unsupported"):
            out.append(f"{tag}: {d['error'][-300:]}")
            continue
        for v in d.get("variants", []):
            if v["key"] in ("trigrt", "trigrt_f32") and (v["heap_calls"] or any(d2 for d2 in v["throughput_heap_calls"].values())):
                out.append(f"{tag}: trigrt made {v['heap_calls']} heap calls in {v['runs']} runs")
        c = d.get("checks", {})
        if c.get("differing_outputs_batch1") or c.get("differing_outputs_batched"):
            out.append(f"{tag}: trigrt fixed differs from hls4ml's C simulation on "
                       f"{c['differing_outputs_batch1']} / {c['differing_outputs_batched']} outputs")
        if c.get("differing_outputs_float32"):
            out.append(f"{tag}: trigrt fixed (float32 I/O) differs from hls4ml's C simulation (myproject_float) on "
                       f"{c['differing_outputs_float32']} outputs")
    return out


if __name__ == "__main__":
    sys.path.insert(0, HERE)
    sys.exit(main())
