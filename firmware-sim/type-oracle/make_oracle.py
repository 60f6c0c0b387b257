#!/usr/bin/env python3
"""hls4ml 1.3.0 type oracle: many precision configs per model, with the layer graph and every type
hls4ml resolved for them (Vivado backend, io_parallel, Latency; nothing is compiled).

For each zoo model (the cleaned models in firmware-sim/models/) and each synthetic model
(synthetic.py, cleaned the same way) a deterministic set of configs is generated (seeded), each is
converted with hls4ml.converters.convert_from_onnx_model and written (no g++), and the generated
firmware headers are parsed (fwsim.summarize_project) into a compact record:

    <model>.json   {"model", "cleaned_model", "cleaned_sha256", "versions", "configs": [
                      {"id", "desc", "config": <hls_config as passed>, "result": <record> | "error": "..."}]}

and naming.json: for every raw model (Models/*.onnx and the synthetic ones) the cleaned graph the
documented preprocessing produces (qonnx), which preprocess_ref.py must reproduce.
See README.md in this directory for the record format.

    python3 firmware-sim/type-oracle/make_oracle.py              # regenerate every file
    python3 firmware-sim/type-oracle/make_oracle.py -m tracknn   # one model
    python3 firmware-sim/type-oracle/make_oracle.py --check      # recompute, compare, write nothing
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
FWSIM = os.path.dirname(HERE)
REPO = os.path.dirname(FWSIM)
sys.path.insert(0, os.path.join(FWSIM, "scripts"))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
import onnx  # noqa: E402

import fwsim  # noqa: E402
import preprocess_ref  # noqa: E402
import synthetic  # noqa: E402

ZOO = ["deepcsv", "jet_tagger", "tracknn", "jet_tagger_qonnx"]
# The zoo CNNs (qonnx's channels-last graphs): explicit-type configs, and configs with `auto`
# on the convolution, pooling and transpose layers (infer_precision_types, HLS4ML-FRONTEND.md §6.3).
CNNS = ["jet_image_cnn", "conv1d_tracks", "econ_encoder", "calo_pool_cnn", "calo_avgpool_cnn"]
SYN_DIR = os.path.join(HERE, "synthetic")
RECORD_VERSION = 1

# --------------------------------------------------------------------------- type strings


def canon(t: str) -> str:
    """hls4ml's own spelling of a C++ type (APTypeConverter): no spaces; fixed types with the default
    AP_TRN/AP_WRAP/0 written as ap_fixed<W,I>, otherwise all five fields."""
    t = t.replace(" ", "")
    m = re.match(r"^(ap_fixed|ap_ufixed)<(-?\d+),(-?\d+)(?:,(\w+))?(?:,(\w+))?(?:,(\d+))?>$", t)
    if not m:
        return t
    kind, w, i, q, o, n = m.groups()
    q, o, n = q or "AP_TRN", o or "AP_WRAP", n or "0"
    if (q, o, n) == ("AP_TRN", "AP_WRAP", "0"):
        return f"{kind}<{w},{i}>"
    return f"{kind}<{w},{i},{q},{o},{n}>"


SKIP_CONSTS = {"io_type", "store_weights_in_bram", "multiplier_limit", "n_zeros", "n_nonzeros"}


def _producers(hl) -> list:
    """Names of the layers whose outputs this layer reads (graph edges), in input order."""
    out = []
    for t in hl.inputs:
        p = next((l.name for l in hl.model.get_layers() if t in l.outputs), None)
        out.append(p if p is not None else t)
    return out


def _layer_record(layer: dict, hl, onnx_names: set, lineage) -> dict:
    r = {"name": layer["name"], "class": hl.class_name if hl is not None else None,
         "fn": layer["function"].replace("nnet::", "")}
    if "input_ts" in layer:
        r["in"] = [canon(t["cpp"]) for t in layer["input_ts"]]
    elif "input_t" in layer:
        r["in"] = [canon(layer["input_t"]["cpp"])]
    r["out"] = canon(layer["result_t"]["cpp"])
    types = {k: canon(v["cpp"]) for k, v in layer.get("types", {}).items()}
    if "param_t" in layer:
        types["param_t"] = canon(layer["param_t"]["cpp"])
        r["param"] = layer["param_value"]
    inh = layer.get("inherited_from_base", {})
    for k, v in inh.get("types", {}).items():
        types.setdefault(k, canon(v["cpp"]) + " (base)")
    if types:
        r["types"] = types
    consts = {k: (v.split("::")[-1] if isinstance(v, str) else v)
              for k, v in layer.get("constants", {}).items() if k not in SKIP_CONSTS}
    for k, v in inh.get("constants", {}).items():
        if k not in SKIP_CONSTS:
            consts.setdefault(k + " (base)", v)
    if consts:
        r["consts"] = consts
    if layer.get("templates"):
        r["templates"] = {k: v.replace("nnet::", "") for k, v in layer["templates"].items()}
    ws = {}
    for w in layer.get("weights", []):
        role = {"w": "weight", "b": "bias", "s": "scale", "t": "threshold"}.get(re.match(r"[a-z]+", w["var"]).group(0), w["var"])
        ws[role] = {"type": canon(w["cpp"]), "n": w["size"], "sha": w["sha"]}
        if w["all_zero"]:
            ws[role]["zero"] = True
    if ws:
        r["weights"] = ws
    if hl is not None:
        r["from"] = _producers(hl)
        src = sorted(lineage.of(layer["name"]) & onnx_names)
        if src and src != [layer["name"]]:
            r["onnx"] = src
        p = sorted(set(lineage.passes.get(layer["name"], [])))
        if p:
            r["passes"] = p
    return r


class ConversionTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise ConversionTimeout("hls4ml did not finish within the oracle's time limit (it loops forever)")


def convert_record(cleaned: onnx.ModelProto, config: dict, timeout: int = 0) -> dict:
    """Convert + write (no compile) and summarise; or {"error": "..."}."""
    d = tempfile.mkdtemp(prefix="trigrt-oracle-")
    try:
        try:
            if timeout:
                signal.signal(signal.SIGALRM, _alarm)
                signal.alarm(timeout)
            try:
                hm, lineage = fwsim.convert(cleaned, config, d)
                with fwsim.quiet():
                    hm.write()
            finally:
                if timeout:
                    signal.alarm(0)
        except Exception as e:  # noqa: BLE001 -- the oracle records what hls4ml rejects
            tb = traceback.extract_tb(e.__traceback__)
            where = next((f"{os.path.basename(f.filename)}:{f.name}" for f in reversed(tb)
                          if "hls4ml" in f.filename), "")
            msg = str(e).splitlines()[0] if str(e) else ""
            msg = re.sub(r" at 0x[0-9a-f]+", "", msg)
            if isinstance(e, ConversionTimeout):
                where = f"(interrupted after {timeout} s)"      # where it was interrupted varies
            return {"error": f"{type(e).__name__}: {msg}", "raised_in": where}
        s = fwsim.summarize_project(d)
        fw = os.path.join(d, "firmware", "weights")
        for layer in s["layers"]:
            for w in layer.get("weights", []):
                w["sha"] = hashlib.sha256(open(os.path.join(fw, w["file"]), "rb").read()).hexdigest()[:16]
        onnx_names = ({n.name for n in cleaned.graph.node} | {t.name for t in cleaned.graph.initializer}
                      | {i.name for i in cleaned.graph.input})
        hl = {l.name: l for l in hm.get_layers()}
        layers = [_layer_record(l, hl.get(l["name"]), onnx_names, lineage) for l in s["layers"]]
        # graph inputs: the bridge converts each into its input type
        ins = [{"name": v.name, "type": canon(str(v.type.precision.definition_cpp()))
                if hasattr(v.type.precision, "definition_cpp") else None, "shape": v.shape}
               for v in hm.get_input_variables()]
        outs = []
        for v in hm.get_output_variables():
            prod = next((l.name for l in hm.get_layers() if v.name in [x.name for x in l.variables.values()]), None)
            outs.append({"var": v.name, "layer": prod, "shape": v.shape,
                         "type": canon(v.type.precision.definition_cpp())})
        layers[0] = {"name": layers[0]["name"], "fn": "input", "out": layers[0]["out"]}
        called = {l["name"] for l in layers}
        inplace = [{"name": l.name, "class": l.class_name, "from": _producers(l), "shape": l.get_output_variable().shape,
                    "onnx": sorted(lineage.of(l.name) & onnx_names)}
                   for l in hm.get_layers() if l.name not in called and l.class_name != "Input"]
        events = [[e["event"].split(" (")[0], e["node"], e.get("into")] for e in lineage.events]
        rec = {"inputs": ins, "outputs": outs, "layers": layers}
        if inplace:
            rec["inplace"] = inplace        # graph layers without a call (io_parallel in-place Reshape/Flatten)
        rec["events"] = events
        return rec
    finally:
        shutil.rmtree(d, ignore_errors=True)


# --------------------------------------------------------------------------- configs

MODES_Q = ["TRN", "TRN_ZERO", "RND", "RND_ZERO", "RND_INF", "RND_MIN_INF", "RND_CONV"]
MODES_O = ["WRAP", "SAT", "SAT_ZERO", "SAT_SYM"]


def rand_precision(rng: random.Random, signed=None, w_range=(4, 24), i_range=(-2, 12), allow_int=True) -> str:
    """A random precision in one of hls4ml's accepted spellings."""
    if allow_int and rng.random() < 0.06:
        w = rng.randint(2, 16)
        return rng.choice([f"int<{w}>", f"ap_int<{w}>", f"uint<{w}>", f"ap_uint<{w}>"])
    w = rng.randint(*w_range)
    i = rng.randint(i_range[0], min(i_range[1], w + 2))
    s = rng.random() < 0.85 if signed is None else signed
    base = rng.choice(["fixed", "ap_fixed"]) if s else rng.choice(["ufixed", "ap_ufixed"])
    parts = [str(w), str(i)]
    r = rng.random()
    if r < 0.35:
        pass
    else:
        q = rng.choice(MODES_Q)
        ap = rng.random() < 0.5
        parts.append(("AP_" if ap else "") + q)
        if r > 0.5:
            parts.append(("AP_" if ap else "") + rng.choice(MODES_O))
            if r > 0.93:
                parts.append(str(rng.randint(0, 2)))
    sep = ", " if rng.random() < 0.1 else ","
    return f"{base}<{sep.join(parts)}>"


def hls_config(cleaned, granularity, **kw):
    import hls4ml

    with fwsim.quiet():
        return hls4ml.utils.config_from_onnx_model(cleaned, granularity=granularity, backend="Vivado", **kw)


def node_ops(cleaned):
    return {n.name: n.op_type for n in cleaned.graph.node}


def base_configs(cleaned) -> list:
    """The config_from_onnx_model outputs and hand-made variants (the same recipe for every model)."""
    ops = node_ops(cleaned)
    names = [n.name for n in cleaned.graph.node]
    mm = [n for n in names if ops[n] == "MatMul"]
    adds = [n for n in names if ops[n] in ("Add", "Sub", "Mul", "Div")]
    acts = [n for n in names if ops[n] in ("Relu", "Sigmoid", "Tanh", "LeakyRelu")]
    sm = [n for n in names if ops[n] == "Softmax"]
    out = [
        ("model", "config_from_onnx_model(granularity='model')", hls_config(cleaned, "model")),
        ("type", "config_from_onnx_model(granularity='type')", hls_config(cleaned, "type")),
        ("name", "config_from_onnx_model(granularity='name')", hls_config(cleaned, "name")),
        ("name_max24_12", "granularity 'name' with max_precision='fixed<24,12>'",
         hls_config(cleaned, "name", max_precision="fixed<24,12>")),
        ("name_max20_8_rnd_sat", "granularity 'name' with max_precision='ap_fixed<20,8,AP_RND,AP_SAT>'",
         hls_config(cleaned, "name", max_precision="ap_fixed<20,8,AP_RND,AP_SAT>")),
        ("model_default_12_4_rnd_sat", "granularity 'model', default_precision='ap_fixed<12,4,AP_RND,AP_SAT>'",
         hls_config(cleaned, "model", default_precision="ap_fixed<12,4,AP_RND,AP_SAT>")),
        ("type_default_10_3", "granularity 'type', default_precision='fixed<10,3,RND_CONV,SAT_SYM>'",
         hls_config(cleaned, "type", default_precision="fixed<10,3,RND_CONV,SAT_SYM>")),
        ("model_precision_string", "Model.Precision given as a single string",
         {"Model": {"Precision": "ap_fixed<14,5>", "ReuseFactor": 1, "Strategy": "Latency"}}),
        ("model_precision_per_key", "Model.Precision with per-key entries (accum/weight/result/bias/scale)",
         {"Model": {"Precision": {"default": "fixed<16,6>", "accum": "fixed<24,10,RND,SAT>",
                                  "weight": "fixed<8,2,RND_CONV,SAT>", "bias": "fixed<10,3>",
                                  "result": "fixed<14,6,RND,SAT>", "scale": "ufixed<12,4,RND>"},
                    "ReuseFactor": 1, "Strategy": "Latency"}}),
    ]
    lt = {"Model": {"Precision": {"default": "fixed<16,6>"}, "ReuseFactor": 1, "Strategy": "Latency"},
          "LayerType": {"Dense": {"Precision": {"weight": "fixed<9,2,RND,SAT>", "accum": "fixed<22,9>",
                                                "result": "fixed<13,5,RND,SAT>"}},
                        "ApplyAlpha": {"Precision": {"bias": "fixed<11,4>", "scale": "fixed<12,5>",
                                                     "result": "fixed<15,6,RND_CONV,SAT>"}},
                        "Activation": {"Precision": {"result": "ufixed<9,3,RND,SAT>"}, "TableSize": 512,
                                       "table_t": "ap_fixed<12,2>"},
                        "Softmax": {"Precision": {"result": "ufixed<12,1,RND,SAT>", "accum": "fixed<20,10,RND,SAT>"},
                                    "Implementation": "latency", "TableSize": 512},
                        "Input": {"Precision": {"result": "fixed<12,5,RND,SAT>"}}}}
    out.append(("layertype_new_classes", "LayerType keyed by hls4ml class names (Dense, ApplyAlpha, Activation, "
                "Softmax, Input)", lt))
    lt2 = {"Model": {"Precision": {"default": "fixed<16,6>"}, "ReuseFactor": 1, "Strategy": "Latency"},
           "LayerType": {"MatMul": {"Precision": {"weight": "fixed<10,3>", "accum": "auto", "result": "auto"}},
                         "Merge": {"Precision": {"bias": "fixed<12,4>", "result": "fixed<14,5>"}},
                         "Dense": {"Precision": {"weight": "fixed<6,1>", "bias": "fixed<6,1>", "accum": "fixed<30,12>"}},
                         "InputLayer": {"Precision": {"result": "fixed<8,3>"}},
                         "Activation": {"Precision": {"result": "auto"}}}}
    out.append(("layertype_parser_classes", "LayerType keyed by the ONNX parser's class names (MatMul, Merge, "
                "InputLayer) next to Dense", lt2))
    if mm:
        m0 = mm[0]
        cfg = hls_config(cleaned, "model")
        cfg["LayerName"] = {
            m0: {"Precision": {"weight": "fixed<9,1,RND,SAT>", "result": "fixed<18,7>"}, "Trace": True},
            f"Dense_{m0}": {"Precision": {"weight": "fixed<5,1>", "bias": "fixed<7,2>", "accum": "fixed<25,9>"},
                            "ReuseFactor": 2},
        }
        if adds:
            cfg["LayerName"][adds[0]] = {"Precision": {"bias": "fixed<11,4,RND_CONV,SAT>"}}
            cfg["LayerName"][f"bn_{adds[0]}"] = {"Precision": {"scale": "fixed<4,3>", "result": "fixed<17,8>"}}
        out.append(("old_and_new_names", "entries under both the cleaned ONNX name and hls4ml's new name "
                    "(Dense_/bn_ prefix)", cfg))
        cfg = hls_config(cleaned, "model")
        cfg["LayerName"] = {m0: {"Precision": "ap_fixed<12,4,AP_RND,AP_SAT>"}}
        if len(mm) > 1:
            cfg["LayerName"][mm[1]] = {"Precision": "auto"}
        if adds:
            cfg["LayerName"][adds[0]] = {"Precision": "fixed<13,5>"}
        if acts:
            cfg["LayerName"][acts[0]] = {"Precision": "ufixed<8,3,RND_CONV,SAT>"}
        out.append(("layer_precision_string", "LayerName entries whose Precision is a single string (incl. 'auto')",
                    cfg))
        cfg = hls_config(cleaned, "model")
        cfg["LayerName"] = {m0.lower(): {"Precision": {"weight": "fixed<7,1>"}},
                            f"dense_{m0.lower()}": {"Precision": {"bias": "fixed<7,1>"}}}
        if acts:
            cfg["LayerName"][acts[0].lower()] = {"Precision": {"result": "fixed<10,4>"}, "TableSize": 256}
        cfg["LayerName"]["GLOBAL_IN"] = {"Precision": {"result": "fixed<11,5>"}}
        out.append(("lower_case_names", "LayerName keys in another letter case", cfg))
        # auto placements on a Dense with explicit inputs
        cfg = hls_config(cleaned, "model")
        ln = {"global_in": {"Precision": {"result": "fixed<10,4,RND,SAT>"}},
              m0: {"Precision": {"weight": "fixed<7,1,RND_CONV,SAT>", "bias": "fixed<9,2>", "result": "auto",
                                 "accum": "fixed<20,8,RND,SAT>"}}}
        if len(mm) > 1:
            ln[mm[1]] = {"Precision": {"weight": "fixed<6,0>", "accum": "auto", "result": "fixed<12,4>"}}
        if len(mm) > 2:
            ln[mm[2]] = {"Precision": {"weight": "auto", "bias": "auto", "accum": "auto", "result": "auto"}}
        for a in adds[:3]:
            ln[a] = {"Precision": {"result": "auto", "bias": "fixed<8,2>"}}
        cfg["LayerName"] = ln
        out.append(("dense_auto_mix", "auto result / accum / weights on Dense layers with explicit inputs", cfg))
        cfg = copy.deepcopy(cfg)
        cfg["Model"]["Precision"]["maximum"] = "fixed<14,6>"
        out.append(("dense_auto_mix_max14_6", "dense_auto_mix with Model.Precision.maximum = fixed<14,6>", cfg))
    if sm:
        s0 = sm[0]
        for impl in ("stable", "latency", "legacy", "argmax"):
            cfg = hls_config(cleaned, "model")
            cfg["LayerName"] = {s0: {"Implementation": impl, "TableSize": 256,
                                     "exp_table_t": "ap_fixed<16,6,AP_RND,AP_SAT>",
                                     "inv_table_t": "ap_ufixed<14,4,AP_RND_CONV,AP_SAT>",
                                     "Precision": {"result": "ufixed<10,0,RND,SAT>", "exp_table": "fixed<9,3>",
                                                   "table": "fixed<5,1>"}}}
            out.append((f"softmax_{impl}_tables", f"softmax '{impl}', TableSize 256, layer-level exp/inv table types "
                        "(Precision.exp_table / table are ignored)", cfg))
        cfg = hls_config(cleaned, "name")
        cfg["LayerName"][s0].update({"TableSize": 4096, "inv_inp_t": "ufixed<16,7,RND,SAT>",
                                     "inp_norm_t": "ap_ufixed<12,5>", "exp_scale": 0.5})
        out.append(("softmax_name_big_table", "name granularity, softmax TableSize 4096 with inv_inp_t / inp_norm_t / "
                    "exp_scale layer keys", cfg))
        cfg = hls_config(cleaned, "model")
        cfg["LayerName"] = {s0: {"Skip": True}}
        out.append(("softmax_skip", "Skip: True on the softmax", cfg))
    return out


def random_configs(cleaned, seed: int, n: int) -> list:
    """n random LayerName configs over the name-granularity skeleton."""
    out = []
    ops = node_ops(cleaned)
    for k in range(n):
        rng = random.Random(seed * 1000 + k)
        base = rng.choice(["name", "name", "model"])
        cfg = hls_config(cleaned, base)
        ln = cfg.setdefault("LayerName", {})
        if rng.random() < 0.25:
            cfg["Model"]["Precision"]["maximum"] = rand_precision(rng, signed=True, w_range=(12, 28), allow_int=False)
        if rng.random() < 0.2:
            cfg["Model"]["Precision"]["default"] = rand_precision(rng, w_range=(10, 20), i_range=(3, 8), allow_int=False)
        if rng.random() < 0.5:
            ln.setdefault("global_in", {}).setdefault("Precision", {})["result"] = rand_precision(rng, allow_int=False)
        for name, op in ops.items():
            if rng.random() < 0.2:
                ln.pop(name, None)
                continue
            e = ln.setdefault(name, {})
            p = e.get("Precision")
            if not isinstance(p, dict):
                p = e["Precision"] = {}
            keys = {"MatMul": ["weight", "bias", "accum", "result"], "Add": ["bias", "result", "scale"],
                    "Sub": ["bias", "result", "scale"], "Mul": ["scale", "result"], "Div": ["scale", "result"],
                    "Relu": ["result"], "Sigmoid": ["result"], "Tanh": ["result"], "LeakyRelu": ["result", "param"],
                    "Softmax": ["result", "accum"], "Quant": ["result"], "BatchNormalization": ["scale", "bias", "result"],
                    }.get(op, ["result"])
            for key in keys:
                r = rng.random()
                if r < 0.3:
                    continue
                elif r < 0.5:
                    p[key] = "auto"
                else:
                    p[key] = rand_precision(rng, signed=None if key != "result" or op != "Relu" else rng.random() < 0.3)
            if op in ("Sigmoid", "Tanh") and rng.random() < 0.7:
                e["TableSize"] = rng.choice([64, 128, 256, 512, 1024, 2048])
                if rng.random() < 0.6:
                    e["table_t"] = rand_precision(rng, w_range=(8, 20), i_range=(0, 4), allow_int=False)
            if op == "Softmax":
                e["Implementation"] = rng.choice(["stable", "latency", "legacy", "argmax"])
                e["TableSize"] = rng.choice([32, 128, 256, 512, 1024, 2048, 4096])
                for key in ("exp_table_t", "inv_table_t", "inv_inp_t"):
                    if rng.random() < 0.5:
                        e[key] = rand_precision(rng, w_range=(8, 20), i_range=(1, 10), allow_int=False)
            if not p:
                del e["Precision"]
        out.append((f"random_{k:02d}", f"random LayerName config (seed {seed * 1000 + k}, base '{base}')", cfg))
    return out


def quant_configs(cleaned) -> list:
    """QONNX-specific variants (entries for Quant nodes / their _act layers, input pinned to the Quant type)."""
    ops = node_ops(cleaned)
    quants = [n for n in ops if ops[n] == "Quant"]
    out = []
    cfg = hls_config(cleaned, "name")
    for q in quants:
        cfg["LayerName"][q]["Precision"]["result"] = "fixed<5,2>"          # ignored: Quant sets its own type
        cfg["LayerName"][f"{q}_act"] = {"Precision": {"result": "fixed<7,3>"}, "Trace": True}
    out.append(("quant_entries_ignored", "explicit result on every Quant_k and Quant_k_act entry", cfg))
    cfg = hls_config(cleaned, "name")
    for n, op in ops.items():
        if op == "MatMul":
            cfg["LayerName"][n]["Precision"].update({"weight": "fixed<16,6>", "bias": "fixed<16,6>"})
        if op == "Relu":
            cfg["LayerName"][n]["Precision"]["result"] = "ufixed<8,3>"
    out.append(("quant_weights_and_relu_explicit", "explicit weight/bias on Quant'ed Dense layers, explicit ReLU "
                "results (the activation Quant after a ReLU is then kept as a linear layer)", cfg))
    cfg = hls_config(cleaned, "model")
    cfg["LayerName"] = {"global_in": {"Precision": {"result": "auto"}}}
    for n, op in ops.items():
        if op in ("Relu", "MatMul", "Add"):
            cfg["LayerName"][n] = {"Precision": {"result": "auto"}}
    out.append(("quant_model_with_auto_results", "granularity 'model' with auto results on MatMul/Add/ReLU", cfg))
    return out


SPELLINGS = [  # (spelling, hls4ml accepts it)
    "fixed<8,3>", "ap_fixed<8,3>", "ufixed<8,3>", "ap_ufixed<8,3>", "fixed<8,3,RND>", "ap_fixed<8,3,AP_RND>",
    "fixed<8,3,RND,SAT>", "ap_fixed<8,3,AP_RND,AP_SAT>", "fixed<8,3,AP_RND,SAT>", "fixed<8,3,rnd_conv,sat_sym>",
    "fixed<8,3,RND, SAT>", "fixed< 8,3>", "fixed<08,03>", "fixed<8,3> ", "fixed<8,3,TRN,WRAP,2>",
    "ap_fixed<8,3,AP_RND,AP_SAT,1,2>", "fixed<8,10>", "fixed<8,-2>", "ufixed<1,0>", "int<6>", "uint<6>",
    "ap_int<6>", "ac_fixed<8,3,true,AC_RND,AC_SAT>", "ac_fixed<8,3,false>", "Auto", "AUTO",
    # rejected:
    "AP_FIXED<8,3>", " fixed<8,3>", "ap_fixed<8,3,ap_rnd>", "fixed<8,3,RND,WRAP_SM>", "fixed<8,3,,SAT>",
    "fixed<8>", "fixed(8,3)", "float",
]


def spelling_configs(cleaned) -> list:
    """One config per precision spelling, applied to the result of the first activation."""
    ops = node_ops(cleaned)
    act = next(n for n in ops if ops[n] in ("Relu", "Sigmoid", "Tanh"))
    out = []
    for k, sp in enumerate(SPELLINGS):
        cfg = hls_config(cleaned, "model")
        cfg["LayerName"] = {act: {"Precision": {"result": sp}}}
        out.append((f"spelling_{k:02d}", f"{act} result spelled {sp!r}", cfg))
    return out


def config_errors(cleaned) -> list:
    """Model-level settings hls4ml rejects (or never finishes with)."""
    return [
        ("model_precision_without_default", "Model.Precision dict without a 'default' key",
         {"Model": {"Precision": {"weight": "fixed<8,3>"}, "ReuseFactor": 1}}, 0),
        ("model_default_auto", "Model.Precision.default = 'auto' (hls4ml loops forever in infer_precision_types)",
         {"Model": {"Precision": {"default": "auto"}, "ReuseFactor": 1}}, 20),
        ("no_model_section", "no Model section at all (hls4ml fills in Precision fixed<16,6>, ReuseFactor 1)", {}, 0),
    ]


REJECTED_MODELS = {"sum_of_denses", "max_const", "matmul_const_first", "identity_tail", "quant_bad_rounding", "quant_unsigned_narrow", "tensor_div", "const_div",
                   "scalar_scale_matmul", "no_gemm_identities", "trunc_op"}


def cnn_configs(name: str, cleaned, seed: int, n: int, n_auto: int = 0) -> list:
    """The firmware-sim configs of a CNN, n random configs with an explicit type for every
    precision of every layer, and n_auto random configs with `auto` on convolution, pooling and
    transpose keys."""
    import yaml

    out = []
    cdir = os.path.join(FWSIM, "configs", name)
    for f in sorted(os.listdir(cdir)):
        if f.endswith(".yml"):
            out.append((f"firmware_sim_{f[:-4]}", f"firmware-sim/configs/{name}/{f}", yaml.safe_load(open(os.path.join(cdir, f)))))
    ops = node_ops(cleaned)
    keys = {"Conv": ["weight", "bias", "accum", "result"], "MaxPool": ["accum", "result"], "AveragePool": ["accum", "result"],
            "GlobalAveragePool": ["accum", "result"], "GlobalMaxPool": ["accum", "result"], "MatMul": ["weight", "accum", "result"],
            "Add": ["bias", "result"], "Relu": ["result"], "Softmax": ["result"], "Transpose": ["result"]}
    for k in range(n):
        rng = random.Random(seed * 1000 + k)
        cfg = {"Model": {"Precision": {"default": rand_precision(rng, w_range=(12, 20), i_range=(4, 8), allow_int=False)},
                         "ReuseFactor": 1, "Strategy": "Latency"}, "LayerName": {}}
        ln = cfg["LayerName"]
        ln["global_in"] = {"Precision": {"result": rand_precision(rng, w_range=(8, 18), i_range=(1, 6), allow_int=False)}}
        for node, op in ops.items():
            if rng.random() < 0.15:
                continue
            p = {}
            for key in keys.get(op, ["result"]):
                if rng.random() < 0.25:
                    continue
                if key == "accum":
                    p[key] = rand_precision(rng, w_range=(14, 28), i_range=(4, 10), allow_int=False)
                else:
                    p[key] = rand_precision(rng, w_range=(6, 18), i_range=(0, 6), allow_int=False)
            if p:
                ln[node] = {"Precision": p}
        out.append((f"random_{k:02d}", f"random explicit-type config (seed {seed * 1000 + k})", cfg))
    # `auto` on the convolution / pooling / transpose keys (each with probability 1/2), the
    # other layers explicit; every other config also sets Model.Precision.maximum.
    auto_ops = {"Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "Transpose"}
    for k in range(n_auto):
        rng = random.Random(seed * 1000 + 500 + k)
        prec = {"default": rand_precision(rng, w_range=(12, 20), i_range=(4, 8), allow_int=False)}
        if k % 2 == 1:
            prec["maximum"] = rand_precision(rng, w_range=(18, 26), i_range=(6, 10), allow_int=False)
        cfg = {"Model": {"Precision": prec, "ReuseFactor": 1, "Strategy": "Latency"}, "LayerName": {}}
        ln = cfg["LayerName"]
        ln["global_in"] = {"Precision": {"result": rand_precision(rng, w_range=(8, 14), i_range=(1, 6), allow_int=False)}}
        for node, op in ops.items():
            p = {}
            for key in keys.get(op, ["result"]):
                if op in auto_ops and rng.random() < 0.5:
                    p[key] = "auto"
                elif key == "accum":
                    p[key] = rand_precision(rng, w_range=(14, 28), i_range=(4, 10), allow_int=False)
                else:
                    p[key] = rand_precision(rng, w_range=(6, 14), i_range=(0, 6), allow_int=False)
            ln[node] = {"Precision": p}
        out.append((f"random_auto_{k:02d}", f"random config with auto on Conv / MaxPool / Transpose keys (seed {seed * 1000 + 500 + k})", cfg))
    return out


def configs_for(name: str, cleaned) -> list:
    """[(id, desc, config, timeout)]"""
    seed = int(hashlib.sha256(name.encode()).hexdigest()[:6], 16)
    if name in CNNS:
        out = cnn_configs(name, cleaned, seed, 6, 6)
    elif name in ZOO:
        out = base_configs(cleaned) + random_configs(cleaned, seed, 14)
        if name == "jet_tagger_qonnx":
            out += quant_configs(cleaned)
        if name == "tracknn":
            out += spelling_configs(cleaned)
    elif name in REJECTED_MODELS:
        try:
            out = [("model", "config_from_onnx_model(granularity='model')", hls_config(cleaned, "model")),
                   ("name", "config_from_onnx_model(granularity='name')", hls_config(cleaned, "name"))]
        except Exception as e:  # noqa: BLE001
            msg = f"config_from_onnx_model fails: {type(e).__name__}: {str(e).splitlines()[0]}"
            out = [("model", msg + "; converted with a hand-written Model-only config",
                    {"Model": {"Precision": {"default": "fixed<16,6>"}, "ReuseFactor": 1, "Strategy": "Latency"}})]
    else:
        out = base_configs(cleaned)[:4] + random_configs(cleaned, seed, 2)
        if any(n.op_type == "Quant" for n in cleaned.graph.node):
            out += quant_configs(cleaned)
    out = [(a, b, c, 0) for a, b, c in out]
    if name == "ops_mlp":
        out += config_errors(cleaned)
    return out


# --------------------------------------------------------------------------- models


def cleaned_zoo(name):
    path = os.path.join(FWSIM, "models", f"{name}.cleaned.onnx")
    return onnx.load(path), os.path.relpath(path, REPO)


def cleaned_synthetic(name, write_dir):
    raw = synthetic.MODELS[name]()
    cleaned = fwsim.clean_model(raw)
    paths = {}
    for tag, m in (("raw", raw), ("cleaned", cleaned)):
        p = os.path.join(write_dir, f"{name}.{tag}.onnx")
        data = m.SerializeToString(deterministic=True)
        with open(p, "wb") as f:
            f.write(data)
        paths[tag] = p
    return cleaned, paths


def versions():
    import hls4ml
    import qonnx  # noqa: F401
    from importlib.metadata import version

    return {"hls4ml": hls4ml.__version__, "qonnx": version("qonnx"), "onnx": onnx.__version__,
            "numpy": np.__version__, "backend": fwsim.BACKEND, "io_type": fwsim.IO_TYPE, "record": RECORD_VERSION}


def model_oracle(name, cleaned, rel_path):
    data = cleaned.SerializeToString(deterministic=True)
    res = {"model": name, "cleaned_model": rel_path, "cleaned_sha256": hashlib.sha256(data).hexdigest(),
           "versions": versions(), "configs": []}
    for cid, desc, cfg, timeout in configs_for(name, cleaned):
        rec = convert_record(cleaned, cfg, timeout=timeout)
        entry = {"id": cid, "desc": desc, "config": cfg}
        if "error" in rec:
            entry["error"] = rec["error"]
            entry["raised_in"] = rec["raised_in"]
        else:
            entry["result"] = rec
        res["configs"].append(entry)
    return res


def naming_oracle(write_dir):
    """Raw model -> cleaned graph (qonnx), and whether preprocess_ref reproduces it. Writes every
    synthetic raw model to write_dir."""
    out = {"versions": versions(), "models": {}}
    raws = {z: (onnx.load(os.path.join(REPO, "Models", f"{z}.onnx")), f"Models/{z}.onnx")
            for z in ["deepcsv", "jet_tagger", "tracknn", "jet_tagger_qonnx"]}
    for name in synthetic.MODELS:
        raw = synthetic.MODELS[name]()
        with open(os.path.join(write_dir, f"{name}.raw.onnx"), "wb") as f:
            f.write(raw.SerializeToString(deterministic=True))
        raws[name] = (raw, f"firmware-sim/type-oracle/synthetic/{name}.raw.onnx")
    for name, (raw, rel) in raws.items():
        ent = {"raw_model": rel}
        try:
            q = fwsim.clean_model(raw)
            ent["cleaned"] = preprocess_ref.summary_of_model(q)
        except Exception as e:  # noqa: BLE001
            ent["error"] = f"{type(e).__name__}: {str(e).splitlines()[0]}"
            out["models"][name] = ent
            continue
        try:
            ref = preprocess_ref.summary_of_graph(preprocess_ref.preprocess(raw))
            ent["preprocess_ref_matches"] = ref == ent["cleaned"]
        except Exception as e:  # noqa: BLE001
            ent["preprocess_ref_matches"] = f"{type(e).__name__}: {e}"
        out["models"][name] = ent
    return out


def dump(obj) -> str:
    return json.dumps(obj, indent=None, separators=(",", ":"), sort_keys=False) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-m", "--model", action="append", help="only these models (zoo or synthetic names, or 'naming')")
    ap.add_argument("--check", action="store_true", help="recompute and compare with the committed files")
    args = ap.parse_args(argv)
    targets = args.model or (ZOO + CNNS + synthetic.CONVERT + ["naming"])
    os.makedirs(SYN_DIR, exist_ok=True)
    bad = []
    tmp_syn = tempfile.mkdtemp(prefix="trigrt-oracle-syn-") if args.check else SYN_DIR
    try:
        for t in targets:
            path = os.path.join(HERE, f"{t}.json")
            if t == "naming":
                obj = naming_oracle(tmp_syn)
                if args.check:
                    for name in synthetic.MODELS:
                        p = os.path.join(tmp_syn, f"{name}.raw.onnx")
                        committed = os.path.join(SYN_DIR, f"{name}.raw.onnx")
                        if not os.path.exists(committed) or open(committed, "rb").read() != open(p, "rb").read():
                            bad.append(os.path.relpath(committed, REPO))
            elif t in ZOO or t in CNNS:
                cleaned, rel = cleaned_zoo(t)
                obj = model_oracle(t, cleaned, rel)
            elif t in synthetic.MODELS:
                cleaned, paths = cleaned_synthetic(t, tmp_syn)
                obj = model_oracle(t, cleaned, f"firmware-sim/type-oracle/synthetic/{t}.cleaned.onnx")
                if args.check:
                    for tag, p in paths.items():
                        committed = os.path.join(SYN_DIR, os.path.basename(p))
                        if not os.path.exists(committed) or open(committed, "rb").read() != open(p, "rb").read():
                            bad.append(os.path.relpath(committed, REPO))
            else:
                ap.error(f"unknown model {t}")
            text = dump(obj)
            n = len(obj.get("configs", obj.get("models", [])))
            if args.check:
                same = os.path.exists(path) and open(path).read() == text
                print(f"{t}: {n} entries, {'identical' if same else 'DIFFERS'}")
                if not same:
                    bad.append(os.path.relpath(path, REPO))
            else:
                with open(path, "w") as f:
                    f.write(text)
                nerr = sum(1 for c in obj.get("configs", []) if "error" in c)
                print(f"{t}: {n} entries ({nerr} rejected by hls4ml) -> {os.path.relpath(path, REPO)} "
                      f"({len(text) // 1024} KiB)")
    finally:
        if args.check:
            shutil.rmtree(tmp_syn, ignore_errors=True)
    if bad:
        print("differs:", ", ".join(bad))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
