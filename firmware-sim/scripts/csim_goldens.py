#!/usr/bin/env python3
"""hls4ml 1.3.0 C-simulation goldens for trigrt's zoo.

For each (model, config): preprocess the ONNX model the way hls4ml's ONNX frontend needs
(firmware-sim/models/<model>.cleaned.onnx is the result, the file trigrt loads with the
config), convert it with hls4ml (Vivado backend, io_parallel, Latency), compile the C
simulation with g++ into a cache directory (reused when present), run 10,000 deterministic
float64 rows through `predict` (-> myproject_double) and through the same library called
natively, and write

    firmware-sim/goldens/<model>/<config>.inputs.npy          float64 (rows, n_in)
    firmware-sim/goldens/<model>/<config>.outputs.npy         float64 (rows, n_out)
    firmware-sim/goldens/<model>/<config>.hls4ml-layers.json  the types hls4ml generated, per layer
    firmware-sim/goldens/<model>/<config>.timing.json         predict and native csim timing

The real models of ../shared/models listed in SHARED (skipped when that folder is absent) are
handled the same way, except that neither the model nor its cleaned graph is committed.

Usage:
    csim_goldens.py                       all models, all configs under firmware-sim/configs/
    csim_goldens.py -m jet_tagger -c narrow
    csim_goldens.py --check               recompute and compare with the committed goldens
    csim_goldens.py --summary-only        convert + write the project, refresh the layer JSON only
Options: --rows N (10000), --cache-dir DIR (~/.cache/trigrt/fwsim), --no-native,
--trace ROWS (per-layer outputs of the first ROWS inputs -> <cache>/<key>/trace-ROWS.npz).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
import zlib

import numpy as np
import onnx
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwsim  # noqa: E402

ZOO = {
    "deepcsv": "deepcsv.onnx",
    "jet_tagger": "jet_tagger.onnx",
    "tracknn": "tracknn.onnx",
    "jet_tagger_qonnx": "jet_tagger_qonnx.onnx",
    "jet_image_cnn": "jet_image_cnn.onnx",
    "conv1d_tracks": "conv1d_tracks.onnx",
    "econ_encoder": "econ_encoder.onnx",
    "calo_pool_cnn": "calo_pool_cnn.onnx",
    "calo_avgpool_cnn": "calo_avgpool_cnn.onnx",
}
# Models whose 10,000 float64 input rows are too large to commit (625 / 160 / 64 values per row:
# 50 / 13 / 5 MB per config): their inputs are regenerated from the seed (fwsim.stress_inputs,
# deterministic) and only their sha256 is committed, in <config>.timing.json ("inputs_sha256").
INPUTS_REGENERATED = {"jet_image_cnn", "conv1d_tracks", "econ_encoder", "calo_pool_cnn", "calo_avgpool_cnn",
                      "jettag_cnn2d_float"}
# Real models of ../shared/models (published by others, mostly without a licence: neither the
# model nor its cleaned graph is committed). The cleaned graph is made from the shared file into
# models/<model>.cleaned.onnx (git-ignored) and checked against the sha256 committed in
# models/<model>.names.json; their inputs come from fwsim.SAMPLERS. hls4ml 1.3.0 cannot compile
# a graph whose output an Identity produces, so qonnx's RemoveIdentityOps runs after the usual
# preprocessing (as shared_models.py does for the MLPs).
SHARED = {"jettag_cnn2d_float": "jettag_cnn2d_float.onnx"}
SHARED_PREPROCESSING = fwsim.PREPROCESSING + ["qonnx.transformation.remove.RemoveIdentityOps",
                                              "qonnx.util.cleanup.cleanup_model"]
CONFIGS = os.path.join(fwsim.FWSIM, "configs")
GOLDENS = os.path.join(fwsim.FWSIM, "goldens")
CLEANED = os.path.join(fwsim.FWSIM, "models")


def rel(p: str) -> str:
    return os.path.relpath(p, fwsim.REPO)


def input_seed(model: str) -> int:
    return zlib.crc32(model.encode()) & 0x7FFFFFFF


def shared_models_dir() -> str:
    return os.path.normpath(os.path.join(fwsim.REPO, "..", "shared", "models"))


def preprocessing(model: str) -> list[str]:
    if model in SHARED:
        return SHARED_PREPROCESSING
    if fwsim.has_average_pool(onnx.load(os.path.join(fwsim.MODELS_DIR, ZOO[model]))):
        return fwsim.PREPROCESSING + [fwsim.AVERAGE_POOL_STEP]
    return fwsim.PREPROCESSING


def shared_cleaned(model: str) -> str | None:
    """models/<model>.cleaned.onnx of a shared model, made from ../shared/models when missing and
    checked against the committed sha256; None when ../shared/models is absent."""
    path = os.path.join(CLEANED, f"{model}.cleaned.onnx")
    want = json.load(open(os.path.join(CLEANED, f"{model}.names.json")))["cleaned_sha256"]
    if not os.path.exists(path) or hashlib.sha256(open(path, "rb").read()).hexdigest() != want:
        src = os.path.join(shared_models_dir(), SHARED[model])
        if not os.path.exists(src):
            return None
        data = clean(model, onnx.load(src)).SerializeToString(deterministic=True)
        if hashlib.sha256(data).hexdigest() != want:
            raise SystemExit(f"{model}: preprocessing {src} gives another cleaned graph than the committed sha256 "
                             "(qonnx or the shared model changed); rerun csim_goldens.py")
        with open(path, "wb") as f:
            f.write(data)
    return path


def clean(model: str, original: onnx.ModelProto) -> onnx.ModelProto:
    cleaned = fwsim.clean_model(original)
    if model in SHARED:
        from shared_models import remove_identities

        cleaned = remove_identities(cleaned)
    return cleaned


def prepare_model(model: str, check: bool) -> tuple[onnx.ModelProto, onnx.ModelProto, dict, str]:
    """Original and cleaned model, cleaned->original map; writes models/<model>.cleaned.onnx
    and models/<model>.names.json (or, with check, verifies them)."""
    src = os.path.join(shared_models_dir(), SHARED[model]) if model in SHARED else os.path.join(fwsim.MODELS_DIR, ZOO[model])
    original = onnx.load(src)
    cleaned = clean(model, original)
    mapping = fwsim.map_cleaned_to_original(original, cleaned)
    os.makedirs(CLEANED, exist_ok=True)
    path = os.path.join(CLEANED, f"{model}.cleaned.onnx")
    data = cleaned.SerializeToString(deterministic=True)
    names = {
        "source_model": os.path.relpath(src, fwsim.REPO) if model in SHARED else rel(src),
        "source_sha256": hashlib.sha256(open(src, "rb").read()).hexdigest(),
        "cleaned_model": rel(path),
        "cleaned_sha256": hashlib.sha256(data).hexdigest(),
        "preprocessing": preprocessing(model),
        "cleaned_to_original": mapping,
    }
    if model in SHARED:
        names["committed"] = False
        names["note"] = ("a real model of ../shared/models (no licence to redistribute): the cleaned graph is not "
                         "committed; csim_goldens.shared_cleaned makes it from the shared file and checks cleaned_sha256")
    names_path = os.path.join(CLEANED, f"{model}.names.json")
    names_text = json.dumps(names, indent=1, default=_jsonable) + "\n"
    if check:
        if model in SHARED and not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(data)
        if open(path, "rb").read() != data:
            raise SystemExit(f"{rel(path)} differs from a fresh preprocessing of {rel(src)}")
        if open(names_path).read() != names_text:
            raise SystemExit(f"{rel(names_path)} differs")
    else:
        with open(path, "wb") as f:
            f.write(data)
        with open(names_path, "w") as f:
            f.write(names_text)
    return original, cleaned, mapping, path


def _jsonable(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, (set, tuple)):
        return sorted(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


def io_sizes(cleaned: onnx.ModelProto) -> tuple[int, int]:
    def size(vi):
        return int(np.prod([d.dim_value for d in vi.type.tensor_type.shape.dim[1:]]))

    return size(cleaned.graph.input[0]), size(cleaned.graph.output[0])


def unmatched_config_names(cfg: dict, report: dict) -> list[str]:
    """LayerName keys that match neither a generated layer nor anything fused into one."""
    used = {l["name"] for l in report["layers"]}
    for l in report["layers"]:
        used |= {s["name"] for s in l["onnx_cleaned"]}
    return sorted(k for k in (cfg.get("LayerName") or {}) if k not in used)


def inputs_sha256(x: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(x, dtype=np.float64).tobytes()).hexdigest()


def golden_inputs(model: str, config: str, rows: int | None = None) -> np.ndarray:
    """The golden input rows of a set: the committed .inputs.npy, or (INPUTS_REGENERATED) the
    rows regenerated from the seed, checked against the committed sha256."""
    base = os.path.join(GOLDENS, model, config)
    if model not in INPUTS_REGENERATED:
        x = np.load(base + ".inputs.npy")
        return x if rows is None else x[:rows]
    timing = json.load(open(base + ".timing.json"))
    n_in = int(np.prod(timing["inputs_shape"][1:]))
    x, _ = fwsim.stress_inputs(model, n_in, timing["inputs_shape"][0], timing["input_seed"])
    if inputs_sha256(x) != timing["inputs_sha256"]:
        raise SystemExit(f"{model}/{config}: regenerated inputs differ from the committed sha256 "
                         "(numpy or Models/generate.py changed); rerun csim_goldens.py")
    return x if rows is None else x[:rows]


def run_one(model: str, config: str, args, prepared) -> dict:
    original, cleaned, mapping, cleaned_path = prepared
    cfg_path = os.path.join(CONFIGS, model, f"{config}.yml")
    with open(cfg_path) as f:
        cfg = yaml.safe_load(f)
    key = fwsim.cache_key(cleaned, cfg)
    cache_dir = os.path.join(args.cache_dir, key)
    os.makedirs(cache_dir, exist_ok=True)
    log = os.path.join(cache_dir, "hls4ml.log")
    t0 = time.perf_counter()
    hm, lineage = fwsim.convert(cleaned, cfg, cache_dir, log)
    t_convert = time.perf_counter() - t0
    n_in, n_out = io_sizes(cleaned)

    if args.summary_only:
        with fwsim.quiet(log):
            hm.write()
        manifest = None
    else:
        manifest = fwsim.build(hm, cache_dir, log)

    import hls4ml

    report = fwsim.layer_report(hm, lineage, cleaned, mapping, cache_dir)
    out_dir = os.path.join(GOLDENS, model)
    os.makedirs(out_dir, exist_ok=True)
    layers_json = {
        "model": model,
        "config": rel(cfg_path),
        "hls4ml_version": hls4ml.__version__,
        "backend": fwsim.BACKEND,
        "io_type": fwsim.IO_TYPE,
        "cleaned_model": rel(cleaned_path),
        "preprocessing": preprocessing(model),
        "config_layer_names_without_effect": unmatched_config_names(cfg, report),
        **report,
        "pass_log": lineage.events,
    }
    text = json.dumps(layers_json, indent=1, default=_jsonable) + "\n"
    lpath = os.path.join(out_dir, f"{config}.hls4ml-layers.json")
    if args.check:
        if open(lpath).read() != text:
            raise SystemExit(f"{rel(lpath)} differs")
    else:
        with open(lpath, "w") as f:
            f.write(text)
    if args.summary_only:
        return {"model": model, "config": config}

    x, blocks = fwsim.stress_inputs(model, n_in, args.rows, input_seed(model))
    t0 = time.perf_counter()
    y = hm.predict(np.ascontiguousarray(x, dtype=np.float64))
    t_predict = time.perf_counter() - t0
    y = np.asarray(y, dtype=np.float64).reshape(x.shape[0], n_out)

    timing = {
        "model": model, "config": config, "rows": int(x.shape[0]), "hls4ml_version": hls4ml.__version__,
        "convert_s": round(t_convert, 3),
        "build": dict(manifest, library=os.path.relpath(manifest["library"], args.cache_dir)),
        "predict": {"wall_s": round(t_predict, 3), "samples_per_s": round(x.shape[0] / t_predict, 1),
                    "us_per_sample": round(1e6 * t_predict / x.shape[0], 2),
                    "path": "ModelGraph.predict(float64) -> myproject_double, one ctypes call per row"},
        "host": {"cpus": os.cpu_count(), "loadavg_1min": round(os.getloadavg()[0], 2)},
    }
    if not args.no_native:
        stats, y_native = fwsim.native_time(args.cache_dir, manifest["library"], x, n_out, cache_dir)
        same = np.array_equal(y.view(np.uint64), y_native.view(np.uint64))
        if not same:
            raise SystemExit(f"{model}/{config}: native csim outputs differ from predict()")
        timing["native"] = {**stats, "bit_identical_to_predict": same,
                            "path": "csim_native.c: dlopen + myproject_double in a C loop"}

    xin = os.path.join(out_dir, f"{config}.inputs.npy")
    yout = os.path.join(out_dir, f"{config}.outputs.npy")
    if args.check:
        gy = np.load(yout)
        if model in INPUTS_REGENERATED:
            want = json.load(open(os.path.join(out_dir, f"{config}.timing.json")))["inputs_sha256"]
            if inputs_sha256(x) != want:
                raise SystemExit(f"{model}/{config}: inputs differ from the committed sha256")
        elif not (np.array_equal(np.load(xin).view(np.uint64), x.view(np.uint64))):
            raise SystemExit(f"{rel(xin)}: inputs differ")
        diff = int(np.sum(gy.view(np.uint64) != y.view(np.uint64)))
        if diff:
            raise SystemExit(f"{rel(yout)}: {diff} outputs differ from a fresh csim run")
    else:
        if model in INPUTS_REGENERATED:
            timing["inputs_sha256"] = inputs_sha256(x)
            timing["inputs_shape"] = list(x.shape)
            timing["inputs_note"] = "not committed: regenerated from input_seed by fwsim.stress_inputs"
            if os.path.exists(xin):
                os.remove(xin)
        else:
            fwsim_save(xin, x)
        fwsim_save(yout, y)
        timing["input_blocks"] = [{"label": l, "rows": [a, b]} for l, a, b in blocks]
        timing["input_seed"] = input_seed(model)
        with open(os.path.join(out_dir, f"{config}.timing.json"), "w") as f:
            json.dump(timing, f, indent=1, default=_jsonable)
            f.write("\n")
    return timing


def run_trace(model: str, config: str, args, prepared, rows: int) -> str:
    """Per-layer outputs (hls4ml trace) of the first `rows` golden inputs, written to the cache
    (not committed): <cache>/<key>/trace-<rows>.npz, one float64 array per traced layer.
    Tracing needs 'Trace: True' per layer, i.e. another project; its final outputs must equal
    the committed goldens (checked)."""
    _, cleaned, _, _ = prepared
    with open(os.path.join(CONFIGS, model, f"{config}.yml")) as f:
        cfg = yaml.safe_load(f)
    layer_names = cfg.setdefault("LayerName", {})
    for n in list(cleaned.graph.node) + list(cleaned.graph.input):
        layer_names.setdefault(n.name, {})["Trace"] = True
    key = fwsim.cache_key(cleaned, cfg)
    cache_dir = os.path.join(args.cache_dir, key)
    os.makedirs(cache_dir, exist_ok=True)
    log = os.path.join(cache_dir, "hls4ml.log")
    hm, _ = fwsim.convert(cleaned, cfg, cache_dir, log)
    hm.config.trace_output = True
    fwsim.build(hm, cache_dir, log)
    hm.compile = lambda: None  # ModelGraph.trace() recompiles; the cached build is already loaded
    x = np.load(os.path.join(GOLDENS, model, f"{config}.inputs.npy"))[:rows]
    with fwsim.quiet(log):
        y, trace = hm.trace(np.ascontiguousarray(x))
    gold = np.load(os.path.join(GOLDENS, model, f"{config}.outputs.npy"))[:rows]
    if not np.array_equal(np.asarray(y).reshape(gold.shape).view(np.uint64), gold.view(np.uint64)):
        raise SystemExit(f"{model}/{config}: traced build's outputs differ from the goldens")
    out = os.path.join(cache_dir, f"trace-{rows}.npz")
    np.savez_compressed(out, **{k: np.asarray(v, dtype=np.float64) for k, v in trace.items()})
    return out


def fwsim_save(path, a):
    with open(path, "wb") as f:
        np.save(f, np.ascontiguousarray(a, dtype=np.float64), allow_pickle=False)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-m", "--model", action="append", choices=sorted(ZOO) + sorted(SHARED))
    ap.add_argument("-c", "--config", action="append", help="config name (file stem under configs/<model>/)")
    ap.add_argument("--rows", type=int, default=10000)
    ap.add_argument("--cache-dir", default=fwsim.default_cache_root())
    ap.add_argument("--no-native", action="store_true", help="skip the native timing run")
    ap.add_argument("--check", action="store_true", help="recompute and compare with committed files")
    ap.add_argument("--summary-only", action="store_true", help="only convert/write and refresh the layer JSON")
    ap.add_argument("--trace", type=int, metavar="ROWS",
                    help="also write per-layer outputs of the first ROWS golden inputs to the cache (not committed)")
    args = ap.parse_args(argv)
    models = args.model or list(ZOO) + list(SHARED)
    for model in models:
        if model in SHARED and not os.path.exists(os.path.join(shared_models_dir(), SHARED[model])):
            print(f"{model}: skipped ({shared_models_dir()} not found; the shared real models are not part of the repo)")
            continue
        prepared = prepare_model(model, args.check)
        cdir = os.path.join(CONFIGS, model)
        configs = args.config or sorted(f[:-4] for f in os.listdir(cdir) if f.endswith(".yml"))
        for config in configs:
            t0 = time.perf_counter()
            t = run_one(model, config, args, prepared)
            msg = f"{model}/{config}: {time.perf_counter() - t0:.1f} s"
            if "predict" in t:
                msg += f", predict {t['predict']['samples_per_s']:.0f}/s"
            if "native" in t:
                msg += f", native {t['native']['median_cpu_us_per_sample']:.1f} us/sample (CPU)"
            if t.get("build"):
                msg += ", build reused" if t["build"]["reused"] else f", compiled in {t['build']['compile_s']:.1f} s"
            print(msg + (" [check ok]" if args.check else ""), flush=True)
            if args.trace:
                print(f"  trace: {run_trace(model, config, args, prepared, args.trace)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
