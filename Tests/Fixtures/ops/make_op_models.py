#!/usr/bin/env python3
"""One small ONNX model per operator case, with seeded inputs and ONNX Runtime outputs as goldens.

Writes <case>.onnx, <case>.inputs.npy (float32, batch 5), <case>.outputs.npy and manifest.json
(case → op types and tolerance). The Swift tests run every case and check every op kind of
trigrt appears in at least one case. Rerun to regenerate: python3 make_op_models.py
"""
import json
import os

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261201)
BATCH = 5
cases = {}


def t(name, a):
    return numpy_helper.from_array(np.asarray(a), name)


def f32(*shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def case(name, nodes, in_shape, out_shape, inits=(), opset=13, atol=1e-5, out_name="y"):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", *in_shape])
    y = helper.make_tensor_value_info(out_name, TensorProto.FLOAT, ["N", *out_shape])
    g = helper.make_graph(nodes, name, [x], [y], list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    data = f32(BATCH, *in_shape, scale=2.0)
    sess = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    out = sess.run(None, {"x": data})[0]
    onnx.save(m, os.path.join(here, f"{name}.onnx"))
    np.save(os.path.join(here, f"{name}.inputs.npy"), data)
    np.save(os.path.join(here, f"{name}.outputs.npy"), out.astype(np.float32))
    cases[name] = {"ops": sorted({n.op_type for n in nodes}), "atol": atol, "opset": opset}


N = helper.make_node
# Gemm: alpha, beta, transB, C shapes
case("gemm_transb", [N("Gemm", ["x", "W", "C"], ["y"], transB=1, alpha=0.5, beta=2.0)], [7], [9],
     [t("W", f32(9, 7)), t("C", f32(9))])
case("gemm_noc", [N("Gemm", ["x", "W"], ["y"])], [6], [3], [t("W", f32(6, 3))], opset=11)
case("gemm_c_row", [N("Gemm", ["x", "W", "C"], ["y"])], [20], [33], [t("W", f32(20, 33)), t("C", f32(1, 33))])
case("gemm_c_scalar", [N("Gemm", ["x", "W", "C"], ["y"], transB=1)], [4], [70], [t("W", f32(70, 4)), t("C", f32(1))])
# MatMul on 2-D and 3-D inputs, + bias + activations (fused)
case("matmul_relu", [N("MatMul", ["x", "W"], ["h"]), N("Add", ["h", "b"], ["a"]), N("Relu", ["a"], ["y"])],
     [17], [40], [t("W", f32(17, 40)), t("b", f32(40))])
case("matmul_3d", [N("MatMul", ["x", "W"], ["y"])], [3, 8], [3, 5], [t("W", f32(8, 5))])
case("matmul_leaky", [N("MatMul", ["x", "W"], ["h"]), N("LeakyRelu", ["h"], ["y"], alpha=0.2)], [5], [16],
     [t("W", f32(5, 16))])
case("matmul_tanh", [N("MatMul", ["x", "W"], ["h"]), N("Tanh", ["h"], ["y"])], [12], [31], [t("W", f32(12, 31))])
case("matmul_sigmoid", [N("MatMul", ["x", "W"], ["h"]), N("Sigmoid", ["h"], ["y"])], [12], [1], [t("W", f32(12, 1))])
case("matmul_clip", [N("MatMul", ["x", "W"], ["h"]), N("Clip", ["h", "lo", "hi"], ["y"])], [9], [18],
     [t("W", f32(9, 18)), t("lo", np.float32(-0.5)), t("hi", np.float32(0.75))])
case("matmul_mul_add", [N("MatMul", ["x", "W"], ["h"]), N("Mul", ["h", "s"], ["m"]), N("Add", ["m", "c"], ["y"])],
     [10], [6], [t("W", f32(10, 6)), t("s", f32(6)), t("c", f32(6))])
case("matmul_sub", [N("MatMul", ["x", "W"], ["h"]), N("Sub", ["h", "c"], ["y"])], [4], [4],
     [t("W", f32(4, 4)), t("c", f32(1, 4))])
case("matmul_bn", [N("MatMul", ["x", "W"], ["h"]),
                   N("BatchNormalization", ["h", "g", "b", "mu", "var"], ["y"], epsilon=1e-3)],
     [8], [12], [t("W", f32(8, 12)), t("g", f32(12)), t("b", f32(12)), t("mu", f32(12)),
                 t("var", np.abs(f32(12)) + 0.5)])
# element-wise arithmetic with broadcasting
case("normalise", [N("Sub", ["x", "mean"], ["c"]), N("Div", ["c", "std"], ["y"])], [68], [68],
     [t("mean", f32(68, scale=3)), t("std", np.abs(f32(68)) + 0.2)])
case("const_minus_x", [N("Sub", ["one", "x"], ["y"])], [6], [6], [t("one", np.ones(6, np.float32))])
case("const_div_x", [N("Div", ["c", "x"], ["y"])], [3, 4], [3, 4], [t("c", f32(4))])
case("mul_scalar", [N("Mul", ["x", "s"], ["y"])], [11], [11], [t("s", np.float32(1.5))])
case("add_middle_axis", [N("Add", ["x", "c"], ["y"])], [3, 4], [3, 4], [t("c", f32(3, 1))])
case("add_full_rank_const", [N("Add", ["x", "c"], ["y"])], [2, 3], [2, 3], [t("c", f32(1, 2, 3))])
case("add_self", [N("Add", ["x", "x"], ["y"])], [9], [9])
case("mul_two_tensors", [N("Relu", ["x"], ["r"]), N("Mul", ["r", "x"], ["y"])], [13], [13])
# stand-alone activations
case("relu", [N("Relu", ["x"], ["y"])], [37], [37])
case("leaky_relu_default", [N("LeakyRelu", ["x"], ["y"])], [20], [20])
case("sigmoid", [N("Sigmoid", ["x"], ["y"])], [5, 7], [5, 7])
case("tanh", [N("Tanh", ["x"], ["y"])], [19], [19])
case("clip_min_only", [N("Clip", ["x", "lo"], ["y"])], [8], [8], [t("lo", np.float32(0.1))])
case("clip_none", [N("Clip", ["x"], ["y"])], [8], [8])
# softmax: opset 13 axis semantics and opset 11 coercion
case("softmax13_last", [N("Softmax", ["x"], ["y"])], [5], [5])
case("softmax13_axis1", [N("Softmax", ["x"], ["y"], axis=1)], [4, 3], [4, 3])
case("softmax11_default", [N("Softmax", ["x"], ["y"])], [4, 3], [4, 3], opset=11)
case("softmax11_axis2", [N("Softmax", ["x"], ["y"], axis=2)], [4, 3], [4, 3], opset=11)
# batchnorm on [N, C, L]
case("batchnorm_ncl", [N("BatchNormalization", ["x", "g", "b", "mu", "var"], ["y"])], [3, 4], [3, 4],
     [t("g", f32(3)), t("b", f32(3)), t("mu", f32(3)), t("var", np.abs(f32(3)) + 0.1)])
# shape ops
case("identity_dropout", [N("Identity", ["x"], ["i"]), N("Dropout", ["i"], ["d"]), N("Relu", ["d"], ["y"])], [6], [6])
case("flatten", [N("Flatten", ["x"], ["f"]), N("MatMul", ["f", "W"], ["y"])], [2, 3, 2], [4], [t("W", f32(12, 4))])
case("reshape_minus1", [N("Reshape", ["x", "s"], ["r"]), N("Relu", ["r"], ["y"])], [12], [3, 4],
     [t("s", np.array([-1, 3, 4], np.int64))])
case("reshape_zero", [N("Reshape", ["x", "s"], ["r"]), N("Softmax", ["r"], ["y"])], [2, 6], [3, 4],
     [t("s", np.array([0, 3, -1], np.int64))])
case("squeeze_unsqueeze", [N("Unsqueeze", ["x", "a1"], ["u"]), N("Relu", ["u"], ["r"]), N("Squeeze", ["r", "a1"], ["y"])],
     [7], [7], [t("a1", np.array([1], np.int64))])
case("squeeze11", [N("Unsqueeze", ["x"], ["u"], axes=[2]), N("Squeeze", ["u"], ["y"], axes=[2])], [5], [5], opset=11)
case("concat", [N("Relu", ["x"], ["r"]), N("Sigmoid", ["x"], ["s"]), N("Concat", ["x", "r", "s"], ["y"], axis=1)], [4], [12])
case("concat_axis2", [N("Relu", ["x"], ["r"]), N("Concat", ["x", "r"], ["y"], axis=-1)], [2, 3], [2, 6])
# constants computed at load time: a Constant node, folded Reshape/Transpose-free weight prep
case("constant_folding", [N("Constant", [], ["w0"], value=t("w0v", f32(3, 4))),
                          N("Reshape", ["w0", "s"], ["w1"]), N("Mul", ["w1", "k"], ["w"]),
                          N("MatMul", ["x", "w"], ["y"])], [3], [4],
     [t("s", np.array([3, 4], np.int64)), t("k", np.float32(0.5))])
case("opset21", [N("Gemm", ["x", "W", "C"], ["h"], transB=1), N("Relu", ["h"], ["y"])], [3], [2],
     [t("W", f32(2, 3)), t("C", f32(2))], opset=21)
with open(os.path.join(here, "manifest.json"), "w") as f:
    json.dump(cases, f, indent=1, sort_keys=True)
print(f"wrote {len(cases)} cases to {here}")
