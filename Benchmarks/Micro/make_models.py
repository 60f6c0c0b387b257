#!/usr/bin/env python3
"""Single-kernel ONNX models (and hls4ml precision configs) for the Swift micro-benchmarks.

Each model is one kernel as trigrt plans it (a Dense with its fused bias and activation, an
elementwise op, a softmax), with the zoo's shapes, so a micro-benchmark measures that kernel
through trigrt's public Session API. Deterministic: `--check` verifies the committed files are
what this script writes. Usage: make_models.py [--check]
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "Models")


def io(name, n):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, ["N", n])


def model(nodes, inits, n_in, n_out):
    g = helper.make_graph(nodes, "kernel", [io("global_in", n_in)], [io("global_out", n_out)], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="trigrt-micro")
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def dense(k, m, act=None, bias=True, seed=0):
    rng = np.random.default_rng(seed)
    lim = np.sqrt(6 / (k + m))
    w = rng.uniform(-lim, lim, (k, m)).astype(np.float32)
    b = rng.uniform(-0.05, 0.05, m).astype(np.float32)
    nodes = [helper.make_node("MatMul", ["global_in", "W"], ["mm" if bias or act else "global_out"], name="MatMul_0")]
    inits = [numpy_helper.from_array(w, "W")]
    last = "mm"
    if bias:
        nodes.append(helper.make_node("Add", ["mm", "B"], ["add" if act else "global_out"], name="Add_0"))
        inits.append(numpy_helper.from_array(b, "B"))
        last = "add"
    if act:
        nodes.append(helper.make_node(act, [last], ["global_out"], name=f"{act}_0", **({"axis": -1} if act == "Softmax" else {})))
    return model(nodes, inits, k, m)


def unary(op, n, **attrs):
    return model([helper.make_node(op, ["global_in"], ["global_out"], name=f"{op}_0", **attrs)], [], n, n)


def normalize(n):
    rng = np.random.default_rng(7)
    mean = rng.normal(0, 10, n).astype(np.float32)
    std = rng.uniform(0.5, 20, n).astype(np.float32)
    nodes = [helper.make_node("Sub", ["global_in", "mean"], ["c"], name="Sub_0"),
             helper.make_node("Div", ["c", "std"], ["global_out"], name="Div_0")]
    return model(nodes, [numpy_helper.from_array(mean, "mean"), numpy_helper.from_array(std, "std")], n, n)


MODELS = {
    "dense_16x64": dense(16, 64, seed=1),
    "dense_64x32_relu": dense(64, 32, "Relu", seed=2),
    "dense_68x100_relu": dense(68, 100, "Relu", seed=3),
    "dense_100x100_relu": dense(100, 100, "Relu", seed=4),
    "dense_32x5_softmax": dense(32, 5, "Softmax", seed=5),
    "normalize_68": normalize(68),
    "relu_1024": unary("Relu", 1024),
    "sigmoid_100": unary("Sigmoid", 100),
    "tanh_100": unary("Tanh", 100),
    "softmax_5": unary("Softmax", 5, axis=-1),
    "softmax_100": unary("Softmax", 100, axis=-1),
    "dense_64x32_nobias": dense(64, 32, bias=False, seed=6),
}

# hls4ml precision configs for the fixed-mode kernels (cleaned node names are the ONNX names above)
CONFIGS = {
    "default": "Model:\n  Precision:\n    default: ap_fixed<16,6>\n  ReuseFactor: 1\n  Strategy: Latency\n",
    "int8": ("Model:\n  Precision:\n    default: ap_fixed<16,6>\n  ReuseFactor: 1\n  Strategy: Latency\n"
             "LayerName:\n  global_in:\n    Precision: {result: 'ap_fixed<8,3>'}\n"
             "  MatMul_0:\n    Precision: {weight: 'ap_fixed<8,1>', accum: 'ap_fixed<24,8>', result: 'ap_fixed<16,6>'}\n"),
    "sat": ("Model:\n  Precision:\n    default: ap_fixed<16,6>\n  ReuseFactor: 1\n  Strategy: Latency\n"
            "LayerName:\n  MatMul_0:\n    Precision: {accum: 'ap_fixed<16,6,AP_TRN,AP_SAT>', result: 'ap_fixed<16,6,AP_RND,AP_SAT>'}\n"),
    "wide": ("Model:\n  Precision:\n    default: ap_fixed<16,6>\n  ReuseFactor: 1\n  Strategy: Latency\n"
             "LayerName:\n  MatMul_0:\n    Precision: {weight: 'ap_fixed<24,4>', accum: 'ap_fixed<48,20,AP_RND,AP_SAT>', result: 'ap_fixed<24,10,AP_RND_CONV,AP_SAT>'}\n"),
    "softmax_latency": ("Model:\n  Precision:\n    default: ap_fixed<16,6>\n  ReuseFactor: 1\n  Strategy: Latency\n"
                        "LayerName:\n  Softmax_0:\n    Implementation: latency\n"),
}


def main():
    check = "--check" in sys.argv
    os.makedirs(OUT, exist_ok=True)
    stale = []
    files = {f"{k}.onnx": v.SerializeToString(deterministic=True) for k, v in MODELS.items()}
    files.update({f"{k}.yml": v.encode() for k, v in CONFIGS.items()})
    for fn, data in files.items():
        path = os.path.join(OUT, fn)
        if check:
            if not os.path.exists(path) or open(path, "rb").read() != data:
                stale.append(fn)
        else:
            with open(path, "wb") as f:
                f.write(data)
    if stale:
        sys.exit(f"make_models.py --check: {', '.join(stale)} differ from what the script writes (run it)")
    print(f"{'checked' if check else 'wrote'} {len(files)} files in {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
