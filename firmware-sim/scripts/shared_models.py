#!/usr/bin/env python3
"""Does hls4ml 1.3.0 convert the real published QONNX models in ../shared/models/?

For each model: the same preprocessing as the zoo (fwsim.clean_model), then
config_from_onnx_model(granularity='name', backend='Vivado') (hls4ml's default for QONNX),
convert, write, compile (cached like csim_goldens.py), run the model's shipped inputs through
the C simulation as float64 and compare with the shipped qonnx reference outputs.

Writes only metadata (the models' licences keep them out of the repository):
    firmware-sim/shared-models/<model>.hls4ml-layers.json   generated types per layer
    firmware-sim/shared-models/summary.json                 converts? compiles? agreement
The csim outputs stay in the cache directory (<cache>/<key>/csim_outputs.npy).

Usage: shared_models.py [--models-dir ../shared/models] [-m NAME ...] [--cache-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import traceback

import numpy as np
import onnx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwsim  # noqa: E402
from csim_goldens import _jsonable, unmatched_config_names  # noqa: E402

MODELS = ["jettag_mlp_qkeras", "jettag_mlp_qonnx_zoo", "toycar_ad03_qkeras", "unsw_nb15_mlp_w2a2"]
OUT = os.path.join(fwsim.FWSIM, "shared-models")


def default_models_dir() -> str:
    return os.path.normpath(os.path.join(fwsim.REPO, "..", "shared", "models"))


def remove_identities(model: onnx.ModelProto) -> onnx.ModelProto:
    """qonnx RemoveIdentityOps + cleanup: hls4ml 1.3.0 cannot compile a graph whose output is
    produced by an Identity (it names the output port after the skipped node)."""
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.transformation.remove import RemoveIdentityOps
    from qonnx.util.cleanup import cleanup_model

    with fwsim.quiet():
        return cleanup_model(ModelWrapper(model).transform(RemoveIdentityOps())).model


def run(name: str, models_dir: str, cache_root: str, extra_identity_removal: bool = False) -> dict:
    import hls4ml

    res = {"model": name, "source": f"../shared/models/{name}.qonnx.onnx",
           "preprocessing": fwsim.PREPROCESSING + (["qonnx.transformation.remove.RemoveIdentityOps",
                                                    "qonnx.util.cleanup.cleanup_model"] if extra_identity_removal else [])}
    path = os.path.join(models_dir, f"{name}.qonnx.onnx")
    original = onnx.load(path)
    stage = "preprocess"
    suffix = ".no-identity" if extra_identity_removal else ""
    try:
        cleaned = fwsim.clean_model(original)
        if extra_identity_removal:
            cleaned = remove_identities(cleaned)
        try:
            mapping = fwsim.map_cleaned_to_original(original, cleaned)
        except RuntimeError as e:  # name map is a convenience; conversion does not need it
            mapping, res["name_map_error"] = {}, str(e)
        res["cleaned_ops"] = sorted({f"{n.domain + ':' if n.domain else ''}{n.op_type}" for n in cleaned.graph.node})
        stage = "config_from_onnx_model"
        with fwsim.quiet():
            cfg = hls4ml.utils.config_from_onnx_model(cleaned, granularity="name", backend=fwsim.BACKEND)
        key = fwsim.cache_key(cleaned, cfg)
        cache_dir = os.path.join(cache_root, key)
        os.makedirs(cache_dir, exist_ok=True)
        log = os.path.join(cache_dir, "hls4ml.log")
        stage = "convert"
        hm, lineage = fwsim.convert(cleaned, cfg, cache_dir, log)
        res["converts"] = True
        stage = "write+compile"
        manifest = fwsim.build(hm, cache_dir, log)
        res["compiles"] = True
        res["compile_s"] = None if manifest["reused"] else manifest["compile_s"]
        report = fwsim.layer_report(hm, lineage, cleaned, mapping, cache_dir)
        os.makedirs(OUT, exist_ok=True)
        with open(os.path.join(OUT, f"{name}{suffix}.hls4ml-layers.json"), "w") as f:
            json.dump({"model": name, "source": res["source"], "hls4ml_version": hls4ml.__version__,
                       "backend": fwsim.BACKEND, "io_type": fwsim.IO_TYPE,
                       "config": "config_from_onnx_model(cleaned, granularity='name', backend='Vivado')",
                       "preprocessing": res["preprocessing"],
                       "config_layer_names_without_effect": unmatched_config_names(cfg, report),
                       **report, "pass_log": lineage.events}, f, indent=1, default=_jsonable)
            f.write("\n")
        stage = "predict"
        x = np.load(os.path.join(models_dir, f"{name}.inputs.npy")).astype(np.float64)
        ref = np.load(os.path.join(models_dir, f"{name}.outputs.npy")).astype(np.float64)
        x2 = np.ascontiguousarray(x.reshape(x.shape[0], -1))
        t0 = time.perf_counter()
        y = np.asarray(hm.predict(x2), dtype=np.float64).reshape(ref.shape)
        dt = time.perf_counter() - t0
        np.save(os.path.join(cache_dir, "csim_outputs.npy"), y)
        in_t = report["layers"][0]["result_t"]
        lo = -(2.0 ** (in_t["integer"] - 1)) if in_t["signed"] else 0.0
        hi = (2.0 ** (in_t["integer"] - 1) if in_t["signed"] else 2.0 ** in_t["integer"]) - 2.0 ** -in_t["fractional"]
        res["input_t"] = in_t["cpp"]
        res["inputs_outside_input_t_range"] = {"fraction": float(np.mean((x2 < lo) | (x2 > hi))),
                                               "input_min": float(x2.min()), "input_max": float(x2.max()),
                                               "input_t_min": lo, "input_t_max": hi}
        res.update({
            "rows": int(x.shape[0]),
            "predict_us_per_sample": round(1e6 * dt / x.shape[0], 1),
            "vs_qonnx_reference": {
                "rows_exactly_equal": int(np.sum(np.all(y == ref, axis=tuple(range(1, y.ndim))))),
                "max_abs_diff": float(np.max(np.abs(y - ref))),
                "argmax_agreement": float(np.mean(y.reshape(len(y), -1).argmax(1) == ref.reshape(len(ref), -1).argmax(1)))
                if y.reshape(len(y), -1).shape[1] > 1 else None,
            },
            "layers": [{"name": l["name"], "class": l.get("class"), "result_t": l["result_t"]["cpp"],
                        **{k: v["cpp"] for k, v in l.get("types", {}).items() if k != "index_t"}}
                       for l in report["layers"]],
        })
    except Exception as e:  # report, don't hide: which stage failed and hls4ml's message
        res.setdefault("converts", False)
        res.setdefault("compiles", False)
        res["failed_at"] = stage
        res["error"] = re.sub(r" at 0x[0-9a-f]+", "", f"{type(e).__name__}: {e}")
        res["traceback_tail"] = traceback.format_exc().strip().splitlines()[-4:]
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models-dir", default=default_models_dir())
    ap.add_argument("-m", "--model", action="append", choices=MODELS)
    ap.add_argument("--cache-dir", default=fwsim.default_cache_root())
    args = ap.parse_args(argv)
    if not os.path.isdir(args.models_dir):
        print(f"skipped: {args.models_dir} not found (the shared real models are not part of the repo)")
        return 0
    results = []
    for name in args.model or MODELS:
        attempts = [run(name, args.models_dir, args.cache_dir)]
        cleaned_ops = attempts[0].get("cleaned_ops") or []
        if not attempts[0].get("compiles") and "Identity" in cleaned_ops:
            attempts.append(run(name, args.models_dir, args.cache_dir, extra_identity_removal=True))
        for r in attempts:
            results.append(r)
            status = "converts+compiles" if r.get("compiles") else f"FAILS at {r.get('failed_at')}: {r.get('error')}"
            extra = ""
            if "vs_qonnx_reference" in r:
                v = r["vs_qonnx_reference"]
                extra = f"; {v['rows_exactly_equal']}/{r['rows']} rows equal qonnx, max |d| {v['max_abs_diff']:.3g}"
            tag = " (+RemoveIdentityOps)" if len(r["preprocessing"]) > len(fwsim.PREPROCESSING) else ""
            print(f"{name}{tag}: {status}{extra}", flush=True)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "summary.json"), "w") as f:
        json.dump(results, f, indent=1, default=_jsonable)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
