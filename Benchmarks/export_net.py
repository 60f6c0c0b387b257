#!/usr/bin/env python3
"""Exports a dense ONNX net (the zoo's shapes) into the flat binary the C baselines read.

Format, little-endian: b"TRGN", int32 layer count, then per layer int32 kind (1 = normalise
y = (x - a) / b, 2 = dense y = act(x W + b)), int32 K, int32 M, int32 act (0 none, 1 relu,
2 sigmoid, 3 softmax), then float32 data: kind 1: a[K], b[K]; kind 2: W[K][M], b[M].
Usage: export_net.py MODEL.onnx OUT.bin
"""
import struct
import sys

import numpy as np
import onnx
from onnx import numpy_helper

m = onnx.load(sys.argv[1])
g = m.graph
init = {t.name: numpy_helper.to_array(t).astype(np.float32) for t in g.initializer}
layers = []   # [kind, K, M, act, arrays]
pending_sub = None
for n in g.node:
    op = n.op_type
    if op == "Sub":
        pending_sub = init[n.input[1]]
    elif op == "Div":
        a = pending_sub if pending_sub is not None else np.zeros_like(init[n.input[1]])
        layers.append([1, a.size, a.size, 0, [a.ravel(), init[n.input[1]].ravel()]])
        pending_sub = None
    elif op == "Gemm":
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
        w = init[n.input[1]]
        if attrs.get("transB", 0):
            w = w.T
        w = w * attrs.get("alpha", 1.0)
        b = init[n.input[2]] * attrs.get("beta", 1.0) if len(n.input) > 2 else np.zeros(w.shape[1], np.float32)
        layers.append([2, w.shape[0], w.shape[1], 0, [np.ascontiguousarray(w).ravel(), b.ravel()]])
    elif op == "MatMul":
        w = init[n.input[1]]
        layers.append([2, w.shape[0], w.shape[1], 0, [w.ravel(), np.zeros(w.shape[1], np.float32)]])
    elif op == "Add":
        layers[-1][4][1] = layers[-1][4][1] + init[n.input[1]].ravel()
    elif op in ("Relu", "Sigmoid", "Softmax"):
        layers[-1][3] = {"Relu": 1, "Sigmoid": 2, "Softmax": 3}[op]
    elif op in ("Identity", "Dropout", "Flatten"):
        pass
    else:
        sys.exit(f"export_net.py: op {op} is not part of the C baseline")
with open(sys.argv[2], "wb") as f:
    f.write(b"TRGN" + struct.pack("<i", len(layers)))
    for kind, k, mm, act, arrays in layers:
        f.write(struct.pack("<4i", kind, k, mm, act))
        for a in arrays:
            f.write(a.astype("<f4").tobytes())
