#!/usr/bin/env python3
"""One small ONNX model per operator case, with seeded inputs and ONNX Runtime outputs as goldens.

Writes <case>.onnx, <case>.inputs.npy (float32, batch 5), <case>.outputs.npy and manifest.json
(case → op types and tolerance). The Swift tests run every case and check every op kind of
trigrt appears in at least one case. refused/ holds models trigrt must refuse at load, with
refused/manifest.json (case → status and a phrase of the message). Rerun to regenerate:
python3 make_op_models.py
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


# --- convolution family (appended after the dense cases so their seeded data is unchanged) ---
def conv_w(m, cg, *k):
    """Weights scaled by 1/sqrt(fan-in), so outputs stay O(1) and float32 sums well inside atol."""
    return f32(m, cg, *k, scale=1.0 / np.sqrt(cg * np.prod(k)))


# Conv 1-D (NCW): pads, strides, dilations, asymmetric pads, auto_pad, bias
case("conv1d_pads_bias", [N("Conv", ["x", "W", "B"], ["y"], pads=[1, 1])], [3, 12], [4, 12],
     [t("W", conv_w(4, 3, 3)), t("B", f32(4))])
case("conv1d_stride_dilation_asym", [N("Conv", ["x", "W"], ["y"], strides=[2], dilations=[2], pads=[2, 1])], [2, 20], [5, 10],
     [t("W", conv_w(5, 2, 3))])
case("conv1d_same_upper", [N("Conv", ["x", "W", "B"], ["y"], strides=[2], auto_pad="SAME_UPPER")], [3, 11], [2, 6],
     [t("W", conv_w(2, 3, 4)), t("B", f32(2))])
case("conv1d_same_lower", [N("Conv", ["x", "W", "B"], ["y"], strides=[2], auto_pad="SAME_LOWER", kernel_shape=[4])], [3, 11], [2, 6],
     [t("W", conv_w(2, 3, 4)), t("B", f32(2))], opset=11)
case("conv1d_valid", [N("Conv", ["x", "W"], ["y"], auto_pad="VALID", strides=[3])], [2, 17], [3, 5], [t("W", conv_w(3, 2, 5))])
# Conv 2-D (NCHW)
case("conv2d_pads_bias_relu", [N("Conv", ["x", "W", "B"], ["c"], pads=[1, 1, 1, 1]), N("Relu", ["c"], ["y"])], [3, 8, 8], [6, 8, 8],
     [t("W", conv_w(6, 3, 3, 3)), t("B", f32(6))])
case("conv2d_stride_asym_pads", [N("Conv", ["x", "W"], ["y"], strides=[2, 3], pads=[0, 1, 2, 0])], [2, 9, 10], [17, 5, 4],
     [t("W", conv_w(17, 2, 3, 2))])
case("conv2d_dilation", [N("Conv", ["x", "W", "B"], ["y"], dilations=[2, 3], pads=[2, 1, 2, 3])], [3, 11, 9], [5, 11, 7],
     [t("W", conv_w(5, 3, 3, 3)), t("B", f32(5))])
case("conv2d_valid_stride", [N("Conv", ["x", "W", "B"], ["y"], auto_pad="VALID", strides=[2, 2])], [4, 9, 9], [8, 4, 4],
     [t("W", conv_w(8, 4, 3, 3)), t("B", f32(8))])
case("conv2d_same_upper", [N("Conv", ["x", "W"], ["y"], auto_pad="SAME_UPPER", strides=[2, 3])], [2, 7, 8], [3, 4, 3],
     [t("W", conv_w(3, 2, 3, 4))])
case("conv2d_same_lower", [N("Conv", ["x", "W"], ["y"], auto_pad="SAME_LOWER", strides=[2, 3])], [2, 7, 8], [3, 4, 3],
     [t("W", conv_w(3, 2, 3, 4))])
# 182 output positions against 80-position im2col chunks: chunk boundaries fall inside rows
case("conv2d_chunked", [N("Conv", ["x", "W", "B"], ["y"], pads=[2, 2, 2, 2])], [16, 14, 13], [9, 14, 13],
     [t("W", conv_w(9, 16, 5, 5)), t("B", f32(9))])
case("conv2d_depthwise", [N("Conv", ["x", "W", "B"], ["y"], group=4, pads=[1, 1, 1, 1])], [4, 6, 7], [8, 6, 7],
     [t("W", conv_w(8, 1, 3, 3)), t("B", f32(8))])
case("conv2d_group2", [N("Conv", ["x", "W"], ["y"], group=2, strides=[1, 2])], [4, 6, 7], [6, 4, 3],
     [t("W", conv_w(6, 2, 3, 3))])
case("conv2d_pointwise", [N("Conv", ["x", "W", "B"], ["y"])], [5, 6, 6], [7, 6, 6], [t("W", conv_w(7, 5, 1, 1)), t("B", f32(7))])
# pads wider than the kernel: border outputs see only padding (= bias)
case("conv2d_pads_exceed_kernel", [N("Conv", ["x", "W", "B"], ["y"], pads=[3, 0, 3, 1])], [2, 4, 5], [3, 9, 5],
     [t("W", conv_w(3, 2, 2, 2)), t("B", f32(3))])
# fusions: bias Add, BatchNormalization, per-channel Mul, activation; one that must not fuse
case("conv_add_relu_fused", [N("Conv", ["x", "W"], ["c"], pads=[1, 1, 1, 1]), N("Add", ["c", "b"], ["a"]), N("Relu", ["a"], ["y"])],
     [3, 6, 6], [5, 6, 6], [t("W", conv_w(5, 3, 3, 3)), t("b", f32(1, 5, 1, 1))])
case("conv_bn_relu_fused", [N("Conv", ["x", "W", "B"], ["c"], strides=[2, 2]),
                            N("BatchNormalization", ["c", "g", "b", "mu", "var"], ["n"], epsilon=1e-3), N("Relu", ["n"], ["y"])],
     [3, 9, 9], [6, 4, 4], [t("W", conv_w(6, 3, 3, 3)), t("B", f32(6)), t("g", f32(6)), t("b", f32(6)), t("mu", f32(6)),
                            t("var", np.abs(f32(6)) + 0.5)])
case("conv_mul_sub_fused", [N("Conv", ["x", "W", "B"], ["c"]), N("Mul", ["c", "s"], ["m"]), N("Sub", ["m", "d"], ["y"])],
     [2, 5, 5], [4, 3, 3], [t("W", conv_w(4, 2, 3, 3)), t("B", f32(4)), t("s", f32(4, 1, 1)), t("d", np.float32(0.25))])
case("conv_add_not_fusable", [N("Conv", ["x", "W"], ["c"]), N("Add", ["c", "e"], ["y"])], [2, 5, 5], [4, 3, 3],
     [t("W", conv_w(4, 2, 3, 3)), t("e", f32(4, 3, 3))])
# tf2onnx's Conv1D: ExpandDims, NWC → NCHW Transpose, Conv over [1, W], Squeeze, bias Add, Relu
case("conv1d_tf2onnx_chain", [N("Unsqueeze", ["x", "ax1"], ["u"]), N("Transpose", ["u"], ["tr"], perm=[0, 3, 1, 2]),
                              N("Conv", ["tr", "W"], ["c"], pads=[0, 1, 0, 2]), N("Squeeze", ["c", "ax2"], ["s"]),
                              N("Add", ["s", "b"], ["a"]), N("Relu", ["a"], ["y"])],
     [10, 4], [3, 10], [t("ax1", np.array([1], np.int64)), t("ax2", np.array([2], np.int64)), t("W", conv_w(3, 4, 1, 4)),
                        t("b", f32(1, 3, 1))])
# MaxPool
case("maxpool2d", [N("MaxPool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2])], [3, 9, 9], [3, 4, 4])
case("maxpool2d_ceil_pads_dilation", [N("MaxPool", ["x"], ["y"], kernel_shape=[3, 2], strides=[2, 2], pads=[1, 0, 1, 1],
                                        dilations=[2, 1], ceil_mode=1)], [2, 10, 9], [2, 5, 5])
case("maxpool1d_same_upper", [N("MaxPool", ["x"], ["y"], kernel_shape=[3], strides=[2], auto_pad="SAME_UPPER")], [3, 10], [3, 5])
case("maxpool1d_same_lower_ceil", [N("MaxPool", ["x"], ["y"], kernel_shape=[4], strides=[3], auto_pad="SAME_LOWER", ceil_mode=1)],
     [2, 11], [2, 4])
# ceil_mode whose last window would start in the end padding: ONNX Runtime drops it (onnx's shape
# inference keeps it and warns that the declared output differs)
case("maxpool1d_ceil_drops_window", [N("MaxPool", ["x"], ["y"], kernel_shape=[3], strides=[3], pads=[0, 2], ceil_mode=1)],
     [2, 6], [2, 2])
case("maxpool2d_opset9_storage_order", [N("MaxPool", ["x"], ["y"], kernel_shape=[3, 3], strides=[1, 2], pads=[1, 1, 1, 1],
                                          storage_order=1)], [2, 5, 6], [2, 5, 3], opset=9)
# AveragePool
case("avgpool2d_include_pad_ceil", [N("AveragePool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
                                      count_include_pad=1, ceil_mode=1)], [2, 6, 6], [2, 4, 4])
case("avgpool2d_exclude_pad_ceil", [N("AveragePool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
                                      ceil_mode=1)], [2, 6, 6], [2, 4, 4])
case("avgpool2d_asym_pads", [N("AveragePool", ["x"], ["y"], kernel_shape=[2, 3], strides=[1, 2], pads=[0, 2, 1, 0],
                               count_include_pad=1)], [3, 5, 7], [3, 5, 4])
case("avgpool1d_dilation_opset19", [N("AveragePool", ["x"], ["y"], kernel_shape=[3], strides=[2], dilations=[2], pads=[0, 2],
                                      ceil_mode=1, count_include_pad=1)], [2, 6], [2, 3], opset=19)
case("avgpool1d_valid_ceil", [N("AveragePool", ["x"], ["y"], kernel_shape=[3], strides=[2], auto_pad="VALID", ceil_mode=1)],
     [3, 6], [3, 3])
case("avgpool2d_same_upper", [N("AveragePool", ["x"], ["y"], kernel_shape=[3, 2], strides=[2, 2], auto_pad="SAME_UPPER")],
     [2, 7, 5], [2, 4, 3])
# global pools (any spatial rank; the SIMD path from 16 elements per channel)
case("global_avgpool_flatten_gemm", [N("GlobalAveragePool", ["x"], ["g"]), N("Flatten", ["g"], ["f"]), N("Gemm", ["f", "W", "C"], ["y"])],
     [5, 7, 9], [3], [t("W", f32(5, 3)), t("C", f32(3))])
case("global_avgpool1d", [N("GlobalAveragePool", ["x"], ["y"])], [3, 40], [3, 1])
case("global_maxpool2d", [N("GlobalMaxPool", ["x"], ["y"])], [4, 5, 5], [4, 1, 1])
case("global_maxpool1d_long", [N("GlobalMaxPool", ["x"], ["y"])], [3, 37], [3, 1])
# Transpose at run time, as an alias, and folded on constants
case("transpose_nchw_nhwc", [N("Transpose", ["x"], ["y"], perm=[0, 2, 3, 1])], [3, 4, 5], [4, 5, 3])
case("transpose_rank5", [N("Transpose", ["x"], ["y"], perm=[0, 3, 1, 4, 2])], [2, 3, 4, 5], [4, 2, 5, 3])
case("transpose_merged_axes", [N("Transpose", ["x"], ["y"], perm=[0, 3, 4, 1, 2])], [2, 3, 4, 5], [4, 5, 2, 3])
case("transpose_alias", [N("Transpose", ["x"], ["t"], perm=[0, 2, 1, 3]), N("Relu", ["t"], ["y"])], [1, 4, 6], [4, 1, 6])
case("transpose_folded_weight", [N("Transpose", ["Wt"], ["W"], perm=[1, 0]), N("MatMul", ["x", "W"], ["y"])], [6], [4],
     [t("Wt", f32(4, 6))])
# Pad (constant): at run time, and folded into a following Conv's padding
case("pad_constant_value", [N("Pad", ["x", "p", "v"], ["y"])], [2, 3, 4], [3, 5, 7],
     [t("p", np.array([0, 1, 0, 2, 0, 0, 2, 1], np.int64)), t("v", np.float32(1.5))])
case("pad_axes_opset18", [N("Pad", ["x", "p", "", "a"], ["y"])], [2, 3, 4], [2, 6, 4],
     [t("p", np.array([1, 2], np.int64)), t("a", np.array([-2], np.int64))], opset=18)
case("pad_conv_fused", [N("Pad", ["x", "p"], ["xp"]), N("Conv", ["xp", "W", "B"], ["y"], pads=[0, 1, 0, 0])], [2, 6, 6], [3, 6, 7],
     [t("p", np.array([0, 0, 1, 0, 0, 0, 0, 1], np.int64)), t("W", conv_w(3, 2, 2, 2)), t("B", f32(3))])
case("pad_opset2_attribute", [N("Pad", ["x"], ["y"], pads=[0, 0, 1, 0, 0, 2], value=-1.0)], [3, 4], [3, 7], opset=10)
# a small CNN chain: NHWC input, Conv + BN + Relu, MaxPool, strided Conv with asymmetric pads,
# global average, Gemm, Softmax
case("cnn_chain", [N("Transpose", ["x"], ["nchw"], perm=[0, 3, 1, 2]),
                   N("Conv", ["nchw", "W1", "B1"], ["c1"], pads=[1, 1, 1, 1]),
                   N("BatchNormalization", ["c1", "g", "b", "mu", "var"], ["n1"]), N("Relu", ["n1"], ["r1"]),
                   N("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2]),
                   N("Conv", ["p1", "W2", "B2"], ["c2"], strides=[2, 2], pads=[1, 0, 2, 1]), N("Relu", ["c2"], ["r2"]),
                   N("GlobalAveragePool", ["r2"], ["gap"]), N("Flatten", ["gap"], ["f"]),
                   N("Gemm", ["f", "W3", "B3"], ["logits"], transB=1), N("Softmax", ["logits"], ["y"])],
     [12, 12, 3], [5],
     [t("W1", conv_w(8, 3, 3, 3)), t("B1", f32(8)), t("g", f32(8)), t("b", f32(8)), t("mu", f32(8)),
      t("var", np.abs(f32(8)) + 0.5), t("W2", conv_w(16, 8, 3, 3)), t("B2", f32(16)), t("W3", f32(5, 16)), t("B3", f32(5))])



# --- the rest of the trigger-model op set (appended so that the seeded data above is unchanged) ---
def case_io(name, nodes, ins, outs, inits=(), opset=13, atol=1e-5):
    """Several inputs and outputs; an input is (name, shape, "float" | ("int", low, high)). Integer
    inputs are fed to ONNX Runtime as int64 and stored (and given to trigrt) as float32 values.
    Files: <case>.inputs.npy, <case>.inputs1.npy, …, <case>.outputs.npy, <case>.outputs1.npy, …"""
    vis, feeds, stored = [], {}, []
    for n, shape, kind in ins:
        if kind == "float":
            vis.append(helper.make_tensor_value_info(n, TensorProto.FLOAT, ["N", *shape]))
            d = f32(BATCH, *shape, scale=2.0)
            feeds[n] = d
            stored.append(d)
        else:
            vis.append(helper.make_tensor_value_info(n, TensorProto.INT64, ["N", *shape]))
            d = rng.integers(kind[1], kind[2], size=(BATCH, *shape)).astype(np.int64)
            feeds[n] = d
            stored.append(d.astype(np.float32))
    ovis = [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["N", *shape]) for n, shape in outs]
    g = helper.make_graph(nodes, name, vis, ovis, list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    sess = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    res = sess.run(None, feeds)
    onnx.save(m, os.path.join(here, f"{name}.onnx"))
    for i, d in enumerate(stored):
        np.save(os.path.join(here, f"{name}.inputs{'' if i == 0 else i}.npy"), d)
    for i, r in enumerate(res):
        np.save(os.path.join(here, f"{name}.outputs{'' if i == 0 else i}.npy"), r.astype(np.float32))
    cases[name] = {"ops": sorted({n.op_type for n in nodes}), "atol": atol, "opset": opset, "inputs": len(ins), "outputs": len(outs)}


empty = t("roi", np.zeros(0, np.float32))
# Resize / Upsample, mode nearest: every coordinate transformation and rounding rule
case("resize_nearest_default", [N("Resize", ["x", "", "s"], ["y"])], [3, 4, 5], [3, 8, 10],
     [t("s", np.array([1, 1, 2, 2], np.float32))])
case("resize_align_corners_down_ceil", [N("Resize", ["x", "", "s"], ["y"], coordinate_transformation_mode="align_corners",
                                          nearest_mode="round_prefer_ceil")], [2, 10, 8], [2, 6, 4],
     [t("s", np.array([1, 1, 0.6, 0.5], np.float32))])
case("resize_opset11_pytorch_ceil", [N("Resize", ["x", "roi", "s"], ["y"], coordinate_transformation_mode="pytorch_half_pixel",
                                       nearest_mode="ceil")], [2, 3, 4], [2, 9, 6],
     [empty, t("s", np.array([1, 1, 3, 1.5], np.float32))], opset=11)
case("resize_asymmetric_floor_1d", [N("Resize", ["x", "", "s"], ["y"], coordinate_transformation_mode="asymmetric",
                                      nearest_mode="floor")], [2, 7], [2, 11],
     [t("s", np.array([1, 1, 1.7], np.float32))])
case("resize_sizes_axes_opset18", [N("Resize", ["x", "", "", "z"], ["y"], axes=[2, 3])], [2, 5, 6], [2, 7, 3],
     [t("z", np.array([7, 3], np.int64))], opset=18)
case("resize_half_pixel_symmetric_opset19", [N("Resize", ["x", "", "s"], ["y"], coordinate_transformation_mode="half_pixel_symmetric")],
     [2, 4, 4], [2, 10, 6], [t("s", np.array([1, 1, 2.5, 1.5], np.float32))], opset=19)
case("resize_opset10", [N("Resize", ["x", "s"], ["y"])], [2, 3, 4], [2, 6, 12], [t("s", np.array([1, 1, 2, 3], np.float32))], opset=10)
case("upsample_opset9", [N("Upsample", ["x", "s"], ["y"])], [3, 4, 4], [3, 8, 8], [t("s", np.array([1, 1, 2, 2], np.float32))], opset=9)
# a decoder: Dense → Reshape → Upsample → Conv
case("decoder_resize_conv", [N("MatMul", ["x", "W"], ["h"]), N("Relu", ["h"], ["r"]), N("Reshape", ["r", "shp"], ["img"]),
                             N("Resize", ["img", "", "s"], ["up"], coordinate_transformation_mode="asymmetric", nearest_mode="floor"),
                             N("Conv", ["up", "K", "B"], ["y"], pads=[1, 1, 1, 1])], [6], [1, 8, 8],
     [t("W", f32(6, 32)), t("shp", np.array([-1, 2, 4, 4], np.int64)), t("s", np.array([1, 1, 2, 2], np.float32)),
      t("K", conv_w(1, 2, 3, 3)), t("B", f32(1))])
# Max / Min: clipped ReLUs, broadcasting, several inputs, one input
case("max_min_clipped_relu", [N("Max", ["x", "zero"], ["m"]), N("Min", ["m", "six"], ["y"])], [3, 7], [3, 7],
     [t("zero", np.float32(0)), t("six", np.float32(1.5))])
case("max_three_broadcast", [N("Relu", ["x"], ["r"]), N("Max", ["x", "c", "r"], ["y"])], [3, 4], [3, 4], [t("c", f32(4))])
case("min_two_tensors_const", [N("Sigmoid", ["x"], ["s"]), N("Min", ["s", "x", "c1", "c2"], ["y"])], [6], [6],
     [t("c1", f32(6)), t("c2", np.float32(0.3))])
case("max_single_input", [N("Max", ["x"], ["m"]), N("Tanh", ["m"], ["y"])], [5], [5])
# ReduceSum / ReduceMean / ReduceMax
case("reduce_mean_spatial", [N("ReduceMean", ["x"], ["y"], axes=[2, 3])], [4, 5, 6], [4, 1, 1])
case("reduce_mean_nhwc_flat", [N("ReduceMean", ["x"], ["y"], axes=[1, 2], keepdims=0)], [5, 6, 4], [4])
case("reduce_sum_axes_input", [N("ReduceSum", ["x", "a"], ["y"], keepdims=0)], [3, 4, 5], [3, 5], [t("a", np.array([-2], np.int64))])
case("reduce_sum_noncontiguous", [N("ReduceSum", ["x", "a"], ["y"])], [3, 4, 5], [1, 4, 1], [t("a", np.array([1, 3], np.int64))])
case("reduce_max_opset18", [N("ReduceMax", ["x", "a"], ["y"], keepdims=0)], [6, 7], [6], [t("a", np.array([-1], np.int64))], opset=18)
case("reduce_max_opset11", [N("ReduceMax", ["x"], ["y"], axes=[1])], [6, 7], [1, 7], opset=11)
case("reduce_mean_noop_opset18", [N("ReduceMean", ["x"], ["m"], noop_with_empty_axes=1), N("Relu", ["m"], ["y"])], [4], [4], opset=18)
case("reduce_folded_weight", [N("ReduceSum", ["Wb", "a"], ["W"], keepdims=0), N("MatMul", ["x", "W"], ["y"])], [5], [3],
     [t("Wb", f32(2, 5, 3)), t("a", np.array([0], np.int64))])
# Gather: constant indices on run-time data, embedding lookups with int64 inputs, folded
case("gather_const_indices", [N("Gather", ["x", "i"], ["y"], axis=2)], [3, 5], [3, 4], [t("i", np.array([4, 0, -1, 2], np.int64))])
case("gather_scalar_index", [N("Gather", ["x", "i"], ["y"], axis=1)], [3, 5], [5], [t("i", np.array(1, np.int64))])
case_io("gather_embedding", [N("Gather", ["E", "x"], ["e"]), N("Flatten", ["e"], ["f"]), N("Gemm", ["f", "W", "C"], ["y"])],
        [("x", [6], ("int", -10, 10))], [("y", [4])], [t("E", f32(10, 3)), t("W", f32(18, 4)), t("C", f32(4))])
case_io("gather_embedding_concat", [N("Gather", ["E", "ids"], ["e"]), N("Flatten", ["e"], ["f"]),
                                    N("Concat", ["f", "feat"], ["c"], axis=1), N("MatMul", ["c", "W"], ["y"])],
        [("ids", [2, 3], ("int", 0, 7)), ("feat", [5], "float")], [("y", [2])], [t("E", f32(7, 4)), t("W", f32(29, 2))])
case("gather_folded", [N("Gather", ["T", "i"], ["W"], axis=1), N("MatMul", ["x", "W"], ["y"])], [4], [2],
     [t("T", f32(4, 5)), t("i", np.array([3, 1], np.int64))])
# Cast: to integer types (truncation, wrap-around), to bool, back to float; folded on constants
case("cast_int64_roundtrip", [N("Mul", ["x", "k"], ["m"]), N("Cast", ["m"], ["i"], to=TensorProto.INT64),
                              N("Cast", ["i"], ["y"], to=TensorProto.FLOAT)], [12], [12], [t("k", np.float32(3.0))])
case("cast_int8_wraps", [N("Mul", ["x", "k"], ["m"]), N("Cast", ["m"], ["i"], to=TensorProto.INT8),
                         N("Cast", ["i"], ["y"], to=TensorProto.FLOAT)], [12], [12], [t("k", np.float32(90.0))])
case("cast_uint8_bool", [N("Mul", ["x", "k"], ["m"]), N("Cast", ["m"], ["u"], to=TensorProto.UINT8), N("Cast", ["u"], ["uf"], to=TensorProto.FLOAT),
                         N("Cast", ["x"], ["b"], to=TensorProto.BOOL), N("Cast", ["b"], ["bf"], to=TensorProto.FLOAT),
                         N("Add", ["uf", "bf"], ["y"])], [9], [9], [t("k", np.float32(40.0))])
case("cast_folded_double", [N("Cast", ["x"], ["d"], to=TensorProto.DOUBLE), N("Cast", ["d"], ["f"], to=TensorProto.FLOAT),
                            N("Cast", ["ci"], ["cf"], to=TensorProto.FLOAT), N("Mul", ["f", "cf"], ["y"])], [3], [3],
     [t("ci", np.array([1, -2, 3], np.int32))])
# Shape (folded at load): PyTorch's x.view(x.size(0), -1) and opset 15's start/end
case("shape_flatten_view", [N("Shape", ["x"], ["sh"]), N("Gather", ["sh", "zero"], ["n"]), N("Unsqueeze", ["n", "ax"], ["n1"]),
                            N("Concat", ["n1", "m1"], ["ns"], axis=0), N("Reshape", ["x", "ns"], ["f"]), N("MatMul", ["f", "W"], ["y"])],
     [2, 3, 4], [5], [t("zero", np.array(0, np.int64)), t("ax", np.array([0], np.int64)), t("m1", np.array([-1], np.int64)),
                      t("W", f32(24, 5))])
case("shape_start_end_opset15", [N("Shape", ["x"], ["sh"], start=-2, end=3), N("Concat", ["m1", "sh", "one"], ["ns"], axis=0),
                                 N("Reshape", ["x", "ns"], ["r"]), N("Softmax", ["r"], ["y"])], [4, 6], [4, 6, 1],
     [t("m1", np.array([-1], np.int64)), t("one", np.array([1], np.int64))], opset=15)
# several graph inputs and outputs
case_io("multi_io", [N("Relu", ["a"], ["ra"]), N("Concat", ["ra", "b", "a"], ["y"], axis=1), N("Max", ["b", "zero"], ["mb"]),
                     N("ReduceSum", ["mb", "ax"], ["y2"], keepdims=1)],
        [("a", [4], "float"), ("b", [3], "float")], [("y", [11]), ("y2", [1])],
        [t("zero", np.float32(0)), t("ax", np.array([1], np.int64))])
# strides up to 4 with asymmetric pads ([1, 1, 2, 2]: top, left, bottom, right)
case("conv2d_stride4_asym_pads", [N("Conv", ["x", "W", "B"], ["y"], strides=[4, 4], pads=[1, 1, 2, 2])], [3, 17, 18], [6, 5, 5],
     [t("W", conv_w(6, 3, 3, 3)), t("B", f32(6))])
case("conv1d_stride4", [N("Conv", ["x", "W"], ["y"], strides=[4], pads=[2, 1])], [4, 30], [5, 8], [t("W", conv_w(5, 4, 5))])
case("maxpool2d_stride4_asym_pads", [N("MaxPool", ["x"], ["y"], kernel_shape=[4, 4], strides=[4, 4], pads=[1, 1, 2, 2])],
     [2, 13, 14], [2, 4, 4])
case("avgpool1d_stride4", [N("AveragePool", ["x"], ["y"], kernel_shape=[4], strides=[4], pads=[1, 2])], [3, 17], [3, 5])
# tf2onnx's Conv1D as Unsqueeze → Conv 1×k → Squeeze (no Transpose: channels-first already)
case("conv1d_unsqueeze_conv1xk_squeeze", [N("Unsqueeze", ["x", "ax"], ["u"]), N("Conv", ["u", "W", "B"], ["c"], strides=[1, 2], pads=[0, 1, 0, 1]),
                                          N("Squeeze", ["c", "ax"], ["s"]), N("Relu", ["s"], ["y"])], [4, 15], [6, 8],
     [t("ax", np.array([2], np.int64)), t("W", conv_w(6, 4, 1, 3)), t("B", f32(6))])

with open(os.path.join(here, "manifest.json"), "w") as f:
    json.dump(cases, f, indent=1, sort_keys=True)
print(f"wrote {len(cases)} cases to {here}")

# --- models trigrt must refuse at load, with the status and a phrase of the message ---
refused_dir = os.path.join(here, "refused")
os.makedirs(refused_dir, exist_ok=True)
refused = {}


def refuse(name, nodes, in_shape, status, needle, inits=(), opset=13, extra_inputs=(), out_shape=None):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", *in_shape])
    ins = [x] + [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in extra_inputs]
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, out_shape)
    g = helper.make_graph(nodes, name, ins, [y], list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    onnx.save(m, os.path.join(refused_dir, f"{name}.onnx"))
    refused[name] = {"status": status, "needle": needle}


w3 = t("W", conv_w(2, 3, 3))
refuse("conv3d", [N("Conv", ["x", "W"], ["y"], name="c3")], [2, 4, 4, 4], "unsupported", "3-D convolution is not supported",
       [t("W", conv_w(1, 2, 2, 2, 2))])
refuse("conv_runtime_weight", [N("Conv", ["x", "w"], ["y"], name="c")], [3, 8], "unsupported", "must be a constant",
       extra_inputs=[("w", [2, 3, 3])])
refuse("conv_same_dilation", [N("Conv", ["x", "W"], ["y"], auto_pad="SAME_UPPER", dilations=[2])], [3, 8], "unsupported",
       "with dilations [2] is not supported", [w3])
refuse("conv_negative_pads", [N("Conv", ["x", "W"], ["y"], pads=[-1, 0])], [3, 8], "unsupported", "negative pads", [w3])
refuse("conv_group_mismatch", [N("Conv", ["x", "W"], ["y"], group=2)], [3, 8], "shape", "group 2 does not divide", [w3])
refuse("conv_kernel_shape_mismatch", [N("Conv", ["x", "W"], ["y"], kernel_shape=[5])], [3, 8], "shape",
       "kernel_shape [5] differs", [w3])
refuse("conv_kernel_too_large", [N("Conv", ["x", "W"], ["y"])], [3, 2], "shape", "the kernel spans 3 elements", [w3])
refuse("conv_bad_auto_pad", [N("Conv", ["x", "W"], ["y"], auto_pad="SAME")], [3, 8], "malformed", "auto_pad 'SAME' is not one of",
       [w3])
refuse("maxpool_indices", [N("MaxPool", ["x"], ["y", "i"], kernel_shape=[2])], [3, 8], "unsupported", "the Indices output")
refuse("maxpool3d", [N("MaxPool", ["x"], ["y"], kernel_shape=[2, 2, 2])], [3, 4, 4, 4], "unsupported", "3-D pooling is not supported")
refuse("maxpool_pads_not_smaller", [N("MaxPool", ["x"], ["y"], kernel_shape=[2], pads=[2, 0])], [3, 8], "unsupported",
       "are not smaller than the kernel 2")
refuse("maxpool_ceil_opset9", [N("MaxPool", ["x"], ["y"], kernel_shape=[2], ceil_mode=1)], [3, 8], "malformed",
       "attribute 'ceil_mode' is not part of MaxPool before opset 10", opset=9)
refuse("avgpool_dilations_opset18", [N("AveragePool", ["x"], ["y"], kernel_shape=[2], dilations=[2])], [3, 8], "malformed",
       "attribute 'dilations' is not part of AveragePool before opset 19", opset=18)
refuse("transpose_batch_axis", [N("Transpose", ["x"], ["y"], perm=[1, 0, 2])], [3, 8], "unsupported", "moves the batch axis")
refuse("transpose_default_perm", [N("Transpose", ["x"], ["y"])], [3, 8], "unsupported", "perm [2, 1, 0] moves the batch axis")
refuse("transpose_bad_perm", [N("Transpose", ["x"], ["y"], perm=[0, 1, 1])], [3, 8], "malformed", "is not a permutation")
refuse("pad_reflect", [N("Pad", ["x", "p"], ["y"], mode="reflect")], [3, 8], "unsupported", "mode 'reflect' is not supported",
       [t("p", np.array([0, 0, 1, 0, 0, 1], np.int64))])
refuse("pad_batch_axis", [N("Pad", ["x", "p"], ["y"])], [3, 8], "unsupported", "pads the batch axis",
       [t("p", np.array([1, 0, 0, 0, 0, 0], np.int64))])
refuse("pad_runtime_pads", [N("Pad", ["x", "p"], ["y"])], [3, 8], "unsupported", "must be a constant",
       extra_inputs=[("p", [6])])
refuse("resize_linear", [N("Resize", ["x", "", "s"], ["y"], mode="linear")], [3, 8], "unsupported", "mode 'linear' is not supported",
       [t("s", np.array([1, 1, 2], np.float32))])
refuse("resize_crop_and_resize", [N("Resize", ["x", "roi", "s"], ["y"], coordinate_transformation_mode="tf_crop_and_resize")], [3, 8],
       "unsupported", "'tf_crop_and_resize' is not supported", [t("roi", np.array([0, 0, 0, 1, 1, 1], np.float32)),
                                                                 t("s", np.array([1, 1, 2], np.float32))])
refuse("resize_tf_half_pixel_for_nearest", [N("Resize", ["x", "", "s"], ["y"], coordinate_transformation_mode="tf_half_pixel_for_nearest")],
       [3, 8], "unsupported", "'tf_half_pixel_for_nearest' is not supported", [t("s", np.array([1, 1, 2], np.float32))])
refuse("resize_batch_axis", [N("Resize", ["x", "", "s"], ["y"])], [3, 8], "unsupported", "resizes the batch axis",
       [t("s", np.array([2, 1, 1], np.float32))])
refuse("resize_keep_aspect_ratio", [N("Resize", ["x", "", "", "z"], ["y"], axes=[2], keep_aspect_ratio_policy="not_larger")], [3, 8],
       "unsupported", "keep_aspect_ratio_policy 'not_larger' is not supported", [t("z", np.array([4], np.int64))], opset=18)
refuse("resize_runtime_scales", [N("Resize", ["x", "", "s"], ["y"])], [3, 8], "unsupported", "must be a constant",
       extra_inputs=[("s", [3])])
refuse("resize_bad_nearest_mode", [N("Resize", ["x", "", "s"], ["y"], nearest_mode="round")], [3, 8], "malformed",
       "nearest_mode 'round' is not one of", [t("s", np.array([1, 1, 2], np.float32))])
refuse("upsample_opset11", [N("Upsample", ["x", "s"], ["y"])], [3, 8], "unsupported", "Upsample was removed",
       [t("s", np.array([1, 1, 2], np.float32))], opset=11)
refuse("reduce_batch_axis", [N("ReduceMean", ["x"], ["y"], axes=[0, 1])], [3, 8], "unsupported", "include the batch axis 0")
refuse("reduce_no_axes", [N("ReduceSum", ["x"], ["y"])], [3, 8], "unsupported", "no axes: the reduction would run over the batch")
refuse("reduce_axes_attr_opset18", [N("ReduceMax", ["x"], ["y"], axes=[1])], [3, 8], "unsupported", "attribute 'axes' is not supported",
       opset=18)
refuse("gather_batch_axis", [N("Gather", ["x", "i"], ["y"])], [3, 8], "unsupported", "along the batch axis 0",
       [t("i", np.array([0], np.int64))])
refuse("gather_embedding_axis1", [N("Gather", ["E", "x"], ["y"], axis=1)], [3], "unsupported", "not axis 1", [t("E", f32(4, 5))])
refuse("gather_index_out_of_range", [N("Gather", ["x", "i"], ["y"], axis=2)], [3, 8], "shape", "index 8 is out of range",
       [t("i", np.array([1, 8], np.int64))])
refuse("gather_both_runtime", [N("Gather", ["x", "i"], ["y"], axis=1)], [3, 8], "unsupported", "are both run-time tensors",
       extra_inputs=[("i", ["N", 2])])
refuse("cast_float16", [N("Cast", ["x"], ["y"], to=TensorProto.FLOAT16)], [3], "unsupported", "cast to float16 is not supported")
refuse("max_rank_mismatch", [N("Max", ["x", "z"], ["y"])], [3, 8], "unsupported", "have different ranks", extra_inputs=[("z", ["N", 8])])
with open(os.path.join(refused_dir, "manifest.json"), "w") as f:
    json.dump(refused, f, indent=1, sort_keys=True)
print(f"wrote {len(refused)} refusal cases to {refused_dir}")
