"""Small synthetic ONNX / QONNX models (onnx.helper, seeded) for the ops and graph shapes the
zoo lacks. Each builder returns a *raw* export-like model (export-style names, opset 13); the
oracle cleans it with the documented preprocessing (fwsim.clean_model) before converting.

    MODELS[name]() -> onnx.ModelProto
    CONVERT: the models the type oracle converts (the others only exercise the preprocessing)
"""

from __future__ import annotations

import zlib

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

QONNX_DOMAIN = "qonnx.custom_op.general"


class Builder:
    def __init__(self, name: str):
        self.name = name
        self.rng = np.random.default_rng(zlib.crc32(name.encode()))
        self.nodes, self.inits, self.inputs, self.outputs = [], [], [], []
        self._k = 0

    def inp(self, name, *dims):
        self.inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, ["N", *dims]))
        return name

    def out(self, name, *dims):
        self.outputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, ["N", *dims]))
        return name

    def const(self, name, arr, dtype=np.float32):
        self.inits.append(numpy_helper.from_array(np.asarray(arr, dtype=dtype), name))
        return name

    def weight(self, name, n_in, n_out, scale=None):
        lim = scale if scale is not None else np.sqrt(6.0 / (n_in + n_out))
        return self.const(name, self.rng.uniform(-lim, lim, (n_in, n_out)))

    def vec(self, name, n, lo=-0.5, hi=0.5):
        return self.const(name, self.rng.uniform(lo, hi, n))

    def node(self, op, inputs, outputs=None, name=None, domain="", **attrs):
        self._k += 1
        name = name or f"/{op.lower()}{self._k}/{op}"
        outputs = outputs or [f"{name}_output_0"]
        self.nodes.append(helper.make_node(op, inputs, outputs, name=name, domain=domain, **attrs))
        return outputs[0]

    def dense(self, x, n_in, n_out, tag, bias=True):
        y = self.node("MatMul", [x, self.weight(f"{tag}/kernel", n_in, n_out)], name=f"{tag}/MatMul")
        if bias:
            y = self.node("Add", [y, self.vec(f"{tag}/bias", n_out, -0.05, 0.05)], name=f"{tag}/BiasAdd")
        return y

    def gemm(self, x, n_in, n_out, tag, **attrs):
        w = self.const(f"{tag}.weight", self.rng.uniform(-0.4, 0.4, (n_out, n_in)))
        b = self.vec(f"{tag}.bias", n_out, -0.05, 0.05)
        return self.node("Gemm", [x, w, b], name=f"/{tag}/Gemm", transB=1, **attrs)

    def quant(self, x, tag, bits, scale, signed=1, narrow=0, rounding="ROUND", zeropt=0.0):
        s = self.const(f"{tag}_scale", scale)
        z = self.const(f"{tag}_zeropt", zeropt)
        b = self.const(f"{tag}_bitwidth", float(bits))
        return self.node("Quant", [x, s, z, b], name=tag, domain=QONNX_DOMAIN, signed=signed, narrow=narrow,
                         rounding_mode=rounding)

    def model(self, opset=13, qonnx=False):
        g = helper.make_graph(self.nodes, self.name, self.inputs, self.outputs, self.inits)
        ops = [helper.make_opsetid("", opset)]
        if qonnx:
            ops.append(helper.make_opsetid(QONNX_DOMAIN, 1))
        m = helper.make_model(g, opset_imports=ops, producer_name="trigrt-type-oracle")
        m.ir_version = 8
        return m


# ----------------------------------------------------------------- converted models

def ops_mlp():
    """MatMul/Add, LeakyRelu, Tanh, then Mul/Add/Sub/Div by constants (vector and scalar), Sigmoid."""
    b = Builder("ops_mlp")
    x = b.inp("x", 10)
    y = b.dense(x, 10, 12, "fc1")
    y = b.node("LeakyRelu", [y], name="act1/LeakyRelu", alpha=0.1)
    y = b.dense(y, 12, 8, "fc2")
    y = b.node("Tanh", [y], name="act2/Tanh")
    y = b.node("Mul", [y, b.vec("scale_vec", 8, 0.5, 2.0)], name="post/Mul")
    y = b.node("Add", [y, b.const("shift_scalar", 0.25)], name="post/Add")
    y = b.node("Sub", [y, b.vec("mean_vec", 8)], name="post/Sub")
    y = b.node("Div", [y, b.const("std_scalar", 3.0)], name="post/Div")
    y = b.node("Sigmoid", [y], ["y"], name="out/Sigmoid")
    b.out(y, 8)
    return b.model()


def scalar_scale_matmul():
    """x * c (scalar c) directly before a MatMul: hls4ml's scale_down_mat_mul tries to move the ApplyAlpha
    below the MatMul and crashes (RuntimeError 'Unexpected new precision type')."""
    b = Builder("scalar_scale_matmul")
    x = b.inp("x", 4)
    y = b.node("Mul", [x, b.const("c", 0.5)], name="pre/Mul")
    y = b.dense(y, 4, 3, "fc")
    y = b.node("Relu", [y], ["y"], name="relu")
    b.out(y, 3)
    return b.model()


def bn_mlp():
    """BatchNormalization on the input, after Dense+bias, and after a bias-free Dense."""
    b = Builder("bn_mlp")
    x = b.inp("x", 6)

    def bn(x, n, tag):
        g = b.vec(f"{tag}.gamma", n, 0.5, 1.5)
        be = b.vec(f"{tag}.beta", n, -0.3, 0.3)
        m = b.vec(f"{tag}.mean", n, -1.0, 1.0)
        v = b.vec(f"{tag}.var", n, 0.2, 3.0)
        return b.node("BatchNormalization", [x, g, be, m, v], name=f"/{tag}/BatchNormalization", epsilon=1e-3)

    y = bn(x, 6, "bn0")
    y = b.dense(y, 6, 10, "fc1")
    y = bn(y, 10, "bn1")
    y = b.node("Relu", [y], name="/relu1/Relu")
    y = b.dense(y, 10, 4, "fc2", bias=False)
    y = bn(y, 4, "bn2")
    y = b.node("Softmax", [y], ["y"], name="/softmax/Softmax", axis=-1)
    b.out(y, 4)
    return b.model()


def merge_ops():
    """Two-tensor Add, Mul, Sub, Max and Concat (merge layers)."""
    b = Builder("merge_ops")
    x = b.inp("x", 8)
    a = b.node("Relu", [b.dense(x, 8, 6, "fa")], name="/ra/Relu")
    c = b.dense(x, 8, 6, "fb")
    t1 = b.node("Add", [a, c], name="/m/Add")
    t2 = b.node("Mul", [a, c], name="/m/Mul")
    t3 = b.node("Sub", [t1, t2], name="/m/Sub")
    t4 = b.node("Max", [t3, t2], name="/m/Max")
    t5 = b.node("Concat", [t4, a], name="/m/Concat", axis=-1)
    y = b.dense(t5, 12, 4, "fo")
    y = b.node("Softmax", [y], ["y"], name="/softmax/Softmax", axis=-1)
    b.out(y, 4)
    return b.model()


def reshape_ops():
    """Rank-3 input, Flatten, Reshape (constant shape), Relu on a rank-3 tensor, final Dense."""
    b = Builder("reshape_ops")
    x = b.inp("x", 3, 4)
    y = b.node("Flatten", [x], name="/flatten/Flatten", axis=1)
    y = b.dense(y, 12, 8, "fc1")
    y = b.node("Reshape", [y, b.const("shape_2x4", [-1, 2, 4], np.int64)], name="/r1/Reshape")
    y = b.node("Relu", [y], name="/relu/Relu")
    y = b.node("Reshape", [y, b.const("shape_8", [-1, 8], np.int64)], name="/r2/Reshape")
    y = b.dense(y, 8, 3, "fc2")
    y = b.node("Softmax", [y], ["y"], name="/softmax/Softmax", axis=1)
    b.out(y, 3)
    return b.model()


def qonnx_variants():
    """Quant on the input (signed, 2^-3, ROUND), on weights (narrow, FLOOR; scale 1; non-power-of-two),
    on a bias (unsigned weight quant), after a ReLU (unsigned, scale 1, FLOOR), on an activation with
    a non-power-of-two scale and a zero point, then a Sigmoid."""
    b = Builder("qonnx_variants")
    x = b.inp("x", 8)
    y = b.quant(x, "in_q", 8, 2.0 ** -3)
    w1 = b.quant(b.weight("fc1/kernel", 8, 10), "fc1/kq", 6, 2.0 ** -4, narrow=1, rounding="FLOOR")
    b1 = b.quant(b.vec("fc1/bias", 10, -0.3, 0.3), "fc1/bq", 8, 2.0 ** -6)
    y = b.node("MatMul", [y, w1], name="fc1/MatMul")
    y = b.node("Add", [y, b1], name="fc1/BiasAdd")
    y = b.node("Relu", [y], name="relu1/Relu")
    y = b.quant(y, "relu1/aq", 4, 1.0, signed=0, rounding="FLOOR")
    w2 = b.quant(b.const("fc2/kernel", np.round(b.rng.uniform(-3, 3, (10, 6)))), "fc2/kq", 3, 1.0)
    y = b.node("MatMul", [y, w2], name="fc2/MatMul")
    b2 = b.quant(b.vec("fc2/bias", 6, 0.0, 0.9), "fc2/bq", 6, 2.0 ** -6, signed=0)
    y = b.node("Add", [y, b2], name="fc2/BiasAdd")
    y = b.quant(y, "act2/q", 8, 0.037, zeropt=3.0)
    w3 = b.quant(b.weight("fc3/kernel", 6, 2), "fc3/kq", 5, 0.0421)
    y = b.node("MatMul", [y, w3], name="fc3/MatMul")
    y = b.node("Sigmoid", [y], ["y"], name="out/Sigmoid")
    b.out(y, 2)
    return b.model(qonnx=True)


def bipolar():
    """BipolarQuant on weights and on an activation (scale 1), the binary Dense that follows."""
    b = Builder("bipolar")
    x = b.inp("x", 8)
    y = b.dense(x, 8, 6, "fc1")
    y = b.node("BipolarQuant", [y, b.const("aq_scale", 1.0)], name="act1/bq", domain=QONNX_DOMAIN)
    w = b.node("BipolarQuant", [b.weight("fc2/kernel", 6, 4), b.const("kq_scale", 1.0)], name="fc2/kq",
               domain=QONNX_DOMAIN)
    y = b.node("MatMul", [y, w], ["y"], name="fc2/MatMul")
    b.out(y, 4)
    return b.model(qonnx=True)


def identity_dropout():
    """Identity / Dropout inside the graph (hls4ml skips them)."""
    b = Builder("identity_dropout")
    x = b.inp("x", 6)
    y = b.node("Identity", [x], name="/id0/Identity")
    y = b.dense(y, 6, 5, "fc1")
    y = b.node("Dropout", [y], name="/drop/Dropout")
    y = b.node("Relu", [y], name="/relu/Relu")
    y = b.dense(y, 5, 3, "fc2")
    y = b.node("Sigmoid", [y], ["y"], name="/out/Sigmoid")
    b.out(y, 3)
    return b.model()


def two_outputs():
    """Two graph outputs (a shared trunk, a sigmoid head and a linear head)."""
    b = Builder("two_outputs")
    x = b.inp("x", 6)
    t = b.node("Relu", [b.dense(x, 6, 8, "trunk")], name="/trunk/Relu")
    y1 = b.node("Sigmoid", [b.dense(t, 8, 1, "head1")], ["y1"], name="/h1/Sigmoid")
    y2 = b.dense(t, 8, 2, "head2")
    b.out(y1, 1)
    b.outputs.append(helper.make_tensor_value_info(y2, TensorProto.FLOAT, ["N", 2]))
    return b.model()


def gemm_heads():
    """PyTorch-style Gemm(transB=1) layers on two branches joined by Add (naming across levels)."""
    b = Builder("gemm_heads")
    x = b.inp("x", 6)
    a = b.node("Relu", [b.gemm(x, 6, 5, "fa")], name="/ra/Relu")
    c = b.gemm(x, 6, 5, "fb")
    s = b.node("Add", [a, c], name="/join/Add")
    y = b.node("Sigmoid", [b.gemm(s, 5, 2, "out")], ["y"], name="/out/Sigmoid")
    b.out(y, 2)
    return b.model()


# ----------------------------------------------------------------- preprocessing-only models

def unsorted_raw():
    """Node list not in topological order, a weight Transpose and a constant subgraph."""
    b = Builder("unsorted_raw")
    x = b.inp("x", 4)
    w = b.const("w", b.rng.uniform(-1, 1, (3, 4)))
    two = b.const("two", 2.0)
    b.nodes.append(helper.make_node("MatMul", [x, "wt"], ["h"], name="mm"))
    b.nodes.append(helper.make_node("Relu", [x], ["r"], name="relu_side"))
    b.nodes.append(helper.make_node("Transpose", ["w2"], ["wt"], name="tr", perm=[1, 0]))
    b.nodes.append(helper.make_node("Mul", [w, two], ["w2"], name="scale_w"))
    b.nodes.append(helper.make_node("Add", ["h", "r3"], ["y"], name="join"))
    b.nodes.append(helper.make_node("MatMul", ["r", b.const("w3", b.rng.uniform(-1, 1, (4, 3)))], ["r3"], name="mm3"))
    b.out("y", 3)
    return b.model()


def commutative_shared():
    """Constants as the first input of Add / Mul (reordered), Sub(c, x), one initialiser used twice,
    a Constant node."""
    b = Builder("commutative_shared")
    x = b.inp("x", 4)
    c = b.vec("c", 4)
    y = b.node("Add", [c, x], name="add_cfirst")
    y = b.node("Mul", [c, y], name="mul_shared")
    k = b.node("Constant", [], ["k"], name="k", value=numpy_helper.from_array(np.full(4, 0.5, np.float32)))
    y = b.node("Sub", [k, y], name="sub_cfirst")
    y = b.node("Relu", [y], ["y"], name="relu")
    b.out(y, 4)
    return b.model()


def gemm_identities():
    """A Gemm anywhere makes qonnx run RemoveIdentityOps on the whole graph: Add of 1e-6, Mul by 1,
    Identity, Dropout vanish; a Gemm with alpha != 1 keeps a Mul by alpha (a float64 initialiser)."""
    b = Builder("gemm_identities")
    x = b.inp("x", 4)
    y = b.node("Add", [x, b.const("tiny", np.full(4, 1e-6))], name="tiny_add")
    y = b.node("Mul", [y, b.const("one", 1.0)], name="mul_one")
    y = b.node("Identity", [y], name="ident")
    y = b.gemm(y, 4, 5, "g1")
    y = b.node("Dropout", [y], name="drop")
    y = b.node("Relu", [y], name="relu")
    y = b.gemm(y, 5, 3, "g2", alpha=0.5)
    y = b.node("Div", [y, b.const("one_d", 1.000001)], ["y"], name="div_almost_one")
    b.out(y, 3)
    return b.model()


def no_gemm_identities():
    """The same identities without a Gemm: nothing removes them before hls4ml."""
    b = Builder("no_gemm_identities")
    x = b.inp("x", 4)
    y = b.node("Add", [x, b.const("zero", np.zeros(4))], name="zero_add")
    y = b.node("Mul", [y, b.const("one", 1.0)], name="mul_one")
    y = b.dense(y, 4, 3, "fc")
    y = b.node("Div", [y, b.const("one_d", 1.000001)], name="div_almost_one")
    y = b.node("Relu", [y], ["y"], name="relu")
    b.out(y, 3)
    return b.model()


def gemm_beta():
    """Gemm with beta != 1: qonnx's GemmToMatMul makes Mul(C, beta) with a float64 beta, and folding it
    fails in ONNX Runtime (float vs double) -- the preprocessing itself rejects this model."""
    b = Builder("gemm_beta")
    x = b.inp("x", 4)
    y = b.gemm(x, 4, 3, "g", beta=0.5)
    y = b.node("Relu", [y], ["y"], name="relu")
    b.out(y, 3)
    return b.model()


# ----------------------------------------------------------------- models hls4ml rejects / mishandles

def identity_tail():
    """The graph output is produced by an Identity (hls4ml skips Identity, so no layer produces the output)."""
    b = Builder("identity_tail")
    x = b.inp("x", 4)
    y = b.node("Relu", [b.dense(x, 4, 3, "fc")], name="/relu/Relu")
    y = b.node("Identity", [y], ["y"], name="/id/Identity")
    b.out(y, 3)
    return b.model()


def trunc_op():
    """A QONNX Trunc node (not in hls4ml's ONNX op table)."""
    b = Builder("trunc_op")
    x = b.inp("x", 4)
    y = b.quant(x, "in_q", 8, 2.0 ** -4)
    y = b.node("Trunc", [y, b.const("t_scale", 2.0 ** -4), b.const("t_zeropt", 0.0), b.const("t_in_bits", 8.0),
                         b.const("t_out_bits", 4.0)], name="trunc", domain=QONNX_DOMAIN, rounding_mode="FLOOR")
    y = b.node("Relu", [b.dense(y, 4, 3, "fc")], ["y"], name="/relu/Relu")
    b.out(y, 3)
    return b.model(qonnx=True)


def quant_bad_rounding():
    """Quant with rounding_mode ROUND_TO_ZERO (hls4ml supports ROUND and FLOOR only)."""
    b = Builder("quant_bad_rounding")
    x = b.inp("x", 4)
    y = b.quant(x, "in_q", 8, 2.0 ** -4, rounding="ROUND_TO_ZERO")
    y = b.node("Relu", [b.dense(y, 4, 3, "fc")], ["y"], name="/relu/Relu")
    b.out(y, 3)
    return b.model(qonnx=True)


def quant_unsigned_narrow():
    """Unsigned narrow Quant (hls4ml raises NotImplementedError)."""
    b = Builder("quant_unsigned_narrow")
    x = b.inp("x", 4)
    y = b.quant(x, "in_q", 8, 2.0 ** -4, signed=0, narrow=1)
    y = b.node("Relu", [b.dense(y, 4, 3, "fc")], ["y"], name="/relu/Relu")
    b.out(y, 3)
    return b.model(qonnx=True)


def const_ops():
    """Sub(c, x) (constant first), Mul by a constant before a bias-free MatMul fused in 'name', two-tensor Div,
    Div(c, x)."""
    b = Builder("const_ops")
    x = b.inp("x", 5)
    y = b.node("Sub", [b.vec("c", 5), x], name="/pre/Sub")
    y = b.dense(y, 5, 4, "fc1", bias=False)
    y = b.node("Mul", [y, b.vec("m", 4, 0.5, 1.5)], name="/post/Mul")
    y = b.node("Relu", [y], ["y"], name="/relu/Relu")
    b.out(y, 4)
    return b.model()


def tensor_div():
    """Div of two tensors (hls4ml Merge 'divide')."""
    b = Builder("tensor_div")
    x = b.inp("x", 4)
    a = b.node("Relu", [b.dense(x, 4, 3, "fa")], name="/ra/Relu")
    c = b.node("Sigmoid", [b.dense(x, 4, 3, "fb")], name="/sb/Sigmoid")
    y = b.node("Div", [a, c], ["y"], name="/d/Div")
    b.out(y, 3)
    return b.model()


def const_div():
    """Div(c, x): a constant numerator (merge_to_apply_alpha_div only matches x / c)."""
    b = Builder("const_div")
    x = b.inp("x", 4)
    y = b.node("Sigmoid", [b.dense(x, 4, 3, "fa")], name="/s/Sigmoid")
    y = b.node("Div", [b.vec("num", 3, 1.0, 2.0), y], ["y"], name="/d/Div")
    b.out(y, 3)
    return b.model()


def sum_of_denses():
    """Add of two biased Dense outputs (residual-style join): in 'model' granularity both inputs are
    bn_Add ApplyAlphas and scale_down_add moves them below the Add."""
    b = Builder("sum_of_denses")
    x = b.inp("x", 6)
    a = b.dense(x, 6, 4, "fa")
    c = b.dense(x, 6, 4, "fb")
    y = b.node("Add", [a, c], name="/join/Add")
    y = b.node("Relu", [y], ["y"], name="/relu/Relu")
    b.out(y, 4)
    return b.model()


def max_const():
    """Max(x, c) with a constant c (only Add/Sub/Mul/Div constants become ApplyAlpha)."""
    b = Builder("max_const")
    x = b.inp("x", 4)
    y = b.dense(x, 4, 3, "fc")
    y = b.node("Max", [y, b.vec("floor", 3)], ["y"], name="/m/Max")
    b.out(y, 3)
    return b.model()


def matmul_const_first():
    """MatMul(C, x): the constant is the first operand (matmul_const_to_dense needs it second)."""
    b = Builder("matmul_const_first")
    x = b.inp("x", 4)
    y = b.node("MatMul", [b.weight("w", 4, 4), b.node("Relu", [x], name="/r/Relu")], name="/mm/MatMul")
    y = b.node("Relu", [y], ["y"], name="/r2/Relu")
    b.out(y, 4)
    return b.model()


MODELS = {f.__name__: f for f in (ops_mlp, scalar_scale_matmul, bn_mlp, merge_ops, reshape_ops, qonnx_variants, bipolar,
                                  identity_dropout, two_outputs, gemm_heads, unsorted_raw,
                                  commutative_shared, gemm_identities, no_gemm_identities, gemm_beta, identity_tail,
                                  trunc_op, quant_bad_rounding, quant_unsigned_narrow, const_ops, tensor_div,
                                  const_div, sum_of_denses, max_const, matmul_const_first)}
CONVERT = ["ops_mlp", "bn_mlp", "merge_ops", "reshape_ops", "qonnx_variants", "bipolar", "identity_dropout",
           "two_outputs", "gemm_heads", "gemm_identities", "const_ops",
           # rejected or mishandled by hls4ml 1.3.0 (the oracle records the error)
           "no_gemm_identities", "scalar_scale_matmul", "identity_tail", "tensor_div", "const_div", "trunc_op",
           "quant_bad_rounding", "quant_unsigned_narrow", "max_const", "matmul_const_first", "sum_of_denses"]
