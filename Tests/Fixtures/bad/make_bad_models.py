#!/usr/bin/env python3
"""Writes the bad-input fixtures the C and Swift tests load (committed; rerun to regenerate).

empty.onnx           0 bytes
truncated.onnx       the first 60% of a valid model
random.onnx          4 KiB of seeded random bytes
unsupported_op.onnx  a valid ONNX model with a TopK node
no_shape.onnx        a valid model whose graph input declares no shape
external_data.onnx   a valid model whose weight lives in an external file
bad_raw_data.onnx    an initialiser whose raw_data is shorter than its dims need
bad_opset.onnx       default-domain opset 7
dangling_input.onnx  a node that reads a tensor nobody produces
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

here = os.path.dirname(os.path.abspath(__file__))


def dense_model(opset=13, shape=("N", 4)):
    w = numpy_helper.from_array(np.arange(12, dtype=np.float32).reshape(4, 3) / 10, "W")
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape) if shape is not None else None)
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])
    g = helper.make_graph([helper.make_node("MatMul", ["x", "W"], ["y"], name="mm")], "g", [x], [y], [w])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])


def write(name, data):
    with open(os.path.join(here, name), "wb") as f:
        f.write(data)


write("empty.onnx", b"")
good = dense_model().SerializeToString()
write("truncated.onnx", good[: int(len(good) * 0.6)])
write("random.onnx", np.random.default_rng(1234).integers(0, 256, 4096, dtype=np.uint8).tobytes())

x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 8])
v = helper.make_tensor_value_info("v", TensorProto.FLOAT, ["N", 2])
k = numpy_helper.from_array(np.array([2], dtype=np.int64), "k")
g = helper.make_graph([helper.make_node("TopK", ["x", "k"], ["v", "i"], name="topk")], "g", [x], [v], [k])
write("unsupported_op.onnx", helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]).SerializeToString())

write("no_shape.onnx", dense_model(shape=None).SerializeToString())

m = dense_model()
t = m.graph.initializer[0]
t.ClearField("raw_data")
t.data_location = TensorProto.EXTERNAL
e = t.external_data.add()
e.key, e.value = "location", "weights.bin"
write("external_data.onnx", m.SerializeToString())

m = dense_model()
m.graph.initializer[0].raw_data = m.graph.initializer[0].raw_data[:20]
write("bad_raw_data.onnx", m.SerializeToString())

write("bad_opset.onnx", dense_model(opset=7).SerializeToString())

m = dense_model()
m.graph.node[0].input[1] = "nobody"
write("dangling_input.onnx", m.SerializeToString())
print("wrote bad-input fixtures to", here)
