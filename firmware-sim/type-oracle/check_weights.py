#!/usr/bin/env python3
"""Check HLS4ML-FRONTEND.md §7 (the weights path) against hls4ml 1.3.0: recompute the text of every
weights/*.txt file hls4ml writes from the cleaned ONNX initialisers with the documented rules
(values, float32/float64 arithmetic, exact-decimal rounding half to even to F digits), without
using hls4ml's own formatting, and compare byte for byte.

    python3 firmware-sim/type-oracle/check_weights.py          # all cases; exit 1 on a mismatch
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from decimal import ROUND_HALF_EVEN, Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "scripts"))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
from onnx import numpy_helper  # noqa: E402

import fwsim  # noqa: E402
import make_oracle as mo  # noqa: E402
import synthetic  # noqa: E402


def decimals(cpp: str) -> int:
    """F = W - I for ap_(u)fixed (0 if negative), 0 for ap_(u)int."""
    m = re.match(r"ap_u?fixed<(-?\d+),(-?\d+)", cpp.replace(" ", ""))
    return max(0, int(m.group(1)) - int(m.group(2))) if m else 0


def text(values: np.ndarray, f: int) -> str:
    """Each value's exact binary value rounded half-to-even to f decimals, joined by ', '."""
    out = []
    for v in np.asarray(values, dtype=np.float64).ravel(order="C"):
        q = Decimal(float(v)).quantize(Decimal(1).scaleb(-f), rounding=ROUND_HALF_EVEN)
        out.append(f"{q:f}")
    return ", ".join(out)


def quantize(values, cpp):
    """QONNX-Quant'ed constants: value * 2^F, clamp to the integer range, round (half even / floor), / 2^F."""
    m = re.match(r"ap_(u?)fixed<(-?\d+),(-?\d+),AP_(\w+?),AP_(\w+?)(?:,\d+)?>", cpp.replace(" ", ""))
    uns, w, i, q, o = m.group(1) == "u", int(m.group(2)), int(m.group(3)), m.group(4), m.group(5)
    scale = 2.0 ** (w - i)
    x = np.asarray(values, dtype=np.float32) * np.float32(scale)
    lo = 0 if uns else (-(2 ** (w - 1)) + (1 if o == "SAT_SYM" else 0))
    hi = 2 ** w - 1 if uns else 2 ** (w - 1) - 1
    x = np.where(x > hi, np.float32(hi), x)
    x = np.where(x < lo, np.float32(lo), x)
    x = np.round(x) if q == "RND_CONV" else np.floor(x)
    return x / np.float32(scale)


def expected_arrays(cleaned, rec):
    """{(layer, role): expected values} from the documented construction rules, for the cases covered here."""
    init0 = {t.name: numpy_helper.to_array(t) for t in cleaned.graph.initializer}
    nodes = {n.name: n for n in cleaned.graph.node}
    producer = {o: n for n in cleaned.graph.node for o in n.output}
    quanted = set()

    class Init(dict):
        def __missing__(self, t):      # a constant behind a Quant node: the Quant's first input
            q = producer[t]
            assert q.op_type == "Quant", q.op_type
            quanted.add(t)
            return init0[q.input[0]]

    init = Init(init0)
    exp = {}
    for layer in rec["layers"]:
        name, ws = layer["name"], layer.get("weights", {})
        src = set(layer.get("onnx", []))
        if layer.get("class") == "Dense":
            mm = nodes[name[len("Dense_"):]]
            w = init[mm.input[1]]
            adds = [n for n in src if n in nodes and nodes[n].op_type == "Add"]
            # ApplyAlpha / BatchNormalization layers fused into the Dense (fuse_batch_normalization), in order:
            # W = s * W, B = s * B + b with numpy's dtype promotion (float32 x int64 -> float64)
            fused = [m for m in nodes.values() if m.name in src and m.op_type in ("Add", "Sub", "Mul", "Div",
                                                                                  "BatchNormalization")]
            # (in 'name' granularity the absorbed layers are first merged with each other by
            # fuse_consecutive_batch_normalization: s = s0*s1, b = s1*b0 + b1; then fused into the Dense)
            n = w.shape[-1]
            sb = None
            for node in fused:
                if node.op_type == "BatchNormalization":
                    g, be, m, v = (init[t] for t in node.input[1:])
                    eps = next(a.f for a in node.attribute if a.name == "epsilon")
                    s1 = g / np.sqrt(v + np.float32(eps))
                    b1 = be - s1 * m
                else:
                    c = init[node.input[1]]
                    one, zero = np.broadcast_to(np.array(1), (n,)), np.broadcast_to(np.array(0), (n,))
                    s1, b1 = {"Add": (one, np.broadcast_to(c, (n,))), "Sub": (one, np.broadcast_to(-c, (n,))),
                              "Mul": (np.broadcast_to(c, (n,)), zero),
                              "Div": (np.broadcast_to(1 / c, (n,)), zero)}[node.op_type]
                sb = (s1, b1) if sb is None else (sb[0] * s1, s1 * sb[1] + b1)
            W, B = w, np.zeros(n)
            if sb is not None:
                W, B = sb[0] * W, sb[0] * B + sb[1]
            exp[(name, "weight")] = W
            exp[(name, "bias")] = B
        elif layer.get("class") == "ApplyAlpha" and name.startswith("bn_"):
            # every x (op) constant merged into this layer, in graph order; consecutive ones are folded
            # as s = s0*s1, b = s1*b0 + b1 (numpy dtype rules: int64 1/0 from hls4ml, float32 constants)
            n = int(np.prod(rec_shape(layer)))
            chain = [m for m in nodes.values() if m.name in src | {name[3:]} and m.op_type in ("Add", "Sub", "Mul", "Div")]
            sb = None
            for node in chain:
                one, zero = np.broadcast_to(np.array(1), (n,)), np.broadcast_to(np.array(0), (n,))
                if node.input[0] in init0:            # Sub(c, x): scale -1 (ap_int<2>), bias c
                    c = init[node.input[0]]
                    s1, b1 = np.broadcast_to(np.array(-1), (n,)), np.broadcast_to(c, (n,))
                    sb = (s1, b1) if sb is None else (sb[0] * s1, s1 * sb[1] + b1)
                    continue
                c = init[node.input[1]]
                s1, b1 = {"Add": (one, np.broadcast_to(c, (n,))), "Sub": (one, np.broadcast_to(-c, (n,))),
                          "Mul": (np.broadcast_to(c, (n,)), zero),
                          "Div": (np.broadcast_to(1 / c, (n,)), zero)}[node.op_type]
                sb = (s1, b1) if sb is None else (sb[0] * s1, s1 * sb[1] + b1)
            node = chain[-1]
            exp[(name, "scale")], exp[(name, "bias")] = sb
        elif layer.get("class") == "BatchNormalization":
            node = nodes[name]
            g, b, m, v = (init[t] for t in node.input[1:])
            eps = next(a.f for a in node.attribute if a.name == "epsilon")
            scale = g / np.sqrt(v + np.float32(eps))          # float32 throughout
            exp[(name, "scale")], exp[(name, "bias")] = scale, b - scale * m
        if layer.get("class") == "Dense":
            via = {"weight": mm.input[1], "bias": nodes[adds[0]].input[1] if adds else None}
        elif layer.get("class") == "ApplyAlpha" and name.startswith("bn_"):
            via = {"scale": node.input[1], "bias": node.input[1]}
        else:
            via = {}
        for role, t in via.items():
            if t in quanted and (name, role) in exp and ws.get(role, {}).get("type", "").startswith("ap_fixed"):
                # a QONNX-Quant'ed constant: hls4ml quantises it in Python before printing
                exp[(name, role)] = quantize(exp[(name, role)], ws[role]["type"])
        if layer.get("class") == "Dense" and adds and (name, "bias") in exp and via["bias"] in quanted:
            # a quantised bias is quantised before the fusion: bias = 1 * zeros(float64) + Q(b) (-0.0 -> +0.0)
            b = quantize(init[via["bias"]], ws["bias"]["type"])
            exp[(name, "bias")] = np.zeros(b.shape) + b
    return exp


def rec_shape(layer):
    return [layer["consts"]["n_in"]]


CASES = [("jet_tagger", "model"), ("jet_tagger", "name"), ("jet_tagger", "dense_auto_mix"), ("deepcsv", "model"),
         ("deepcsv", "name"), ("deepcsv", "model_default_12_4_rnd_sat"), ("tracknn", "layertype_new_classes"),
         ("jet_tagger_qonnx", "model"), ("jet_tagger_qonnx", "name"), ("bn_mlp", "model"), ("bn_mlp", "name"),
         ("ops_mlp", "model"), ("ops_mlp", "name"), ("const_ops", "model"), ("const_ops", "name"),
         ("merge_ops", "name"), ("gemm_heads", "name")]


def run_case(model, cid):
    if model in mo.ZOO:
        cleaned = mo.cleaned_zoo(model)[0]
    else:
        cleaned = fwsim.clean_model(synthetic.MODELS[model]())
    cfg = next(c for i, _, c, _ in mo.configs_for(model, cleaned) if i == cid)
    d = tempfile.mkdtemp(prefix="trigrt-wcheck-")
    try:
        hm, lineage = fwsim.convert(cleaned, cfg, d)
        with fwsim.quiet():
            hm.write()
        rec = mo.convert_record(cleaned, cfg)
        s = fwsim.summarize_project(d)
        files = {(l["name"], {"w": "weight", "b": "bias", "s": "scale"}.get(w["var"][0], w["var"])): w
                 for l in s["layers"] for w in l.get("weights", [])}
        exp = expected_arrays(cleaned, rec)
        n_ok, bad = 0, []
        for key, values in exp.items():
            if key not in files:
                continue
            w = files[key]
            got = open(os.path.join(d, "firmware", "weights", w["file"])).read()
            want = text(values, decimals(w["cpp"]))
            if got == want:
                n_ok += 1
            else:
                i = next(k for k, (a, b) in enumerate(zip(got.split(", "), want.split(", "))) if a != b)
                bad.append(f"{model}/{cid} {key} ({w['cpp']}): token {i}: hls4ml {got.split(', ')[i]!r} "
                           f"vs rule {want.split(', ')[i]!r}")
        return n_ok, bad
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main():
    total, bad = 0, []
    for model, cid in CASES:
        n, b = run_case(model, cid)
        total += n
        bad += b
        print(f"{model}/{cid}: {n} weight files identical, {len(b)} differ")
    for b in bad:
        print("  ", b)
    print(f"{total} weight files identical to the rule")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
