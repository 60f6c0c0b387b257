#!/usr/bin/env python3
"""The benchmark CNN of issue 6 (1x16x16 -> Conv 3x3 x8 relu -> MaxPool 2 -> Conv 3x3 x16 relu ->
MaxPool 2 -> Flatten -> Dense 32 relu -> Dense 3), with seeded weights, as ONNX for trigrt and
as a flat float32 file for bench_cnn.c's plain C loop (W1[8][1][3][3] B1[8] W2[16][8][3][3]
B2[16] W3[256][32] B3[32] W4[32][3] B4[3]); 64 seeded input rows (.npy); ONNX Runtime's outputs
for them (.outputs.npy) so the C loop and trigrt are both checked against a third party.
Usage: cnn_model.py OUTDIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
rng = np.random.default_rng(6)


def w(*shape, fan):
    return (rng.standard_normal(shape) / np.sqrt(fan)).astype(np.float32)


W1, B1 = w(8, 1, 3, 3, fan=9), w(8, fan=4)
W2, B2 = w(16, 8, 3, 3, fan=72), w(16, fan=4)
W3, B3 = w(256, 32, fan=256), w(32, fan=4)
W4, B4 = w(32, 3, fan=32), w(3, fan=4)
N = helper.make_node
nodes = [N("Conv", ["x", "W1", "B1"], ["c1"], pads=[1, 1, 1, 1]), N("Relu", ["c1"], ["r1"]),
         N("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2]),
         N("Conv", ["p1", "W2", "B2"], ["c2"], pads=[1, 1, 1, 1]), N("Relu", ["c2"], ["r2"]),
         N("MaxPool", ["r2"], ["p2"], kernel_shape=[2, 2], strides=[2, 2]), N("Flatten", ["p2"], ["f"]),
         N("MatMul", ["f", "W3"], ["h"]), N("Add", ["h", "B3"], ["hb"]), N("Relu", ["hb"], ["r3"]),
         N("MatMul", ["r3", "W4"], ["o"]), N("Add", ["o", "B4"], ["y"])]
inits = [numpy_helper.from_array(a, n) for n, a in
         [("W1", W1), ("B1", B1), ("W2", W2), ("B2", B2), ("W3", W3), ("B3", B3), ("W4", W4), ("B4", B4)]]
g = helper.make_graph(nodes, "cnn_bench", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 16, 16])],
                      [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])], inits)
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
m.ir_version = 8
onnx.checker.check_model(m)
onnx.save(m, os.path.join(out, "cnn_bench.onnx"))
with open(os.path.join(out, "cnn_bench.bin"), "wb") as f:
    for a in (W1, B1, W2, B2, W3, B3, W4, B4):
        f.write(np.ascontiguousarray(a, np.float32).tobytes())
x = rng.standard_normal((64, 1, 16, 16)).astype(np.float32)
np.save(os.path.join(out, "cnn_bench.inputs.npy"), x)
try:
    import onnxruntime as ort
    y = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    np.save(os.path.join(out, "cnn_bench.outputs.npy"), y)
except ImportError:
    pass
