#!/usr/bin/env python3
"""Generate trigrt's quantized (QONNX) zoo models and their qonnx goldens.

Writes, next to this file:

    jet_tagger_qonnx.onnx   the jet tagger (16 -> 64 -> 32 -> 32 -> 5 softmax) as a QONNX model
                            in the shape of hls4ml's QKeras tutorial model:
        global input -> Quant(8-bit signed, scale 2^-4, ROUND)              input quantiser
        per Dense:   MatMul(x, Quant(W; 6-bit signed narrow, scale 2^-5, ROUND))
                     Add(., Quant(b; 8-bit signed, scale 2^-7, ROUND))
        hidden:      Relu -> Quant(6-bit unsigned, scale 2^-4, ROUND)
        output:      last Dense (no activation quantiser) -> Softmax(axis=-1)
    jet_tagger_qonnx.inputs.npy   1,000 float32 rows (standardised jet features)
    jet_tagger_qonnx.outputs.npy  qonnx.core.onnx_exec.execute_onnx outputs (float32)

All Quant nodes are `Quant` in domain `qonnx.custom_op.general` (declared in opset_import),
with constant scale / zero point (0) / bit width inputs. The float weights are Glorot-uniform
(unquantised values in the initialisers; the Quant nodes quantise them, as QKeras and
Brevitas exports do). The batch dimension is symbolic (`N`).

Usage:  python3 Models/generate_quantized.py [--out-dir DIR] [--check]
"""

from __future__ import annotations

import argparse
import filecmp
import os
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate as zoo  # noqa: E402  (the float zoo: Glorot helpers, jet feature sampler)

QONNX_DOMAIN = "qonnx.custom_op.general"
N_ROWS = zoo.N_ROWS

# (bit width, log2 scale, signed, narrow) of each quantiser.
INPUT_Q = (8, -4, 1, 0)
WEIGHT_Q = (6, -5, 1, 1)
BIAS_Q = (8, -7, 1, 0)
ACT_Q = (6, -4, 0, 0)


def quant_node(nodes, inits, x: str, y: str, name: str, spec) -> None:
    bits, log2_scale, signed, narrow = spec
    s, z, b = f"{name}_scale", f"{name}_zeropt", f"{name}_bitwidth"
    inits.append(numpy_helper.from_array(np.array(2.0 ** log2_scale, dtype=np.float32), s))
    inits.append(numpy_helper.from_array(np.array(0.0, dtype=np.float32), z))
    inits.append(numpy_helper.from_array(np.array(float(bits), dtype=np.float32), b))
    nodes.append(helper.make_node("Quant", [x, s, z, b], [y], name=name, domain=QONNX_DOMAIN,
                                  signed=signed, narrow=narrow, rounding_mode="ROUND"))


def build_jet_tagger_qonnx():
    rng = np.random.default_rng(20240104)
    n_in, widths, n_out = 16, [64, 32, 32], 5
    nodes, inits = [], []
    quant_node(nodes, inits, "input_1", "input_1_quant", "input_quant", INPUT_Q)
    x, fan_in = "input_1_quant", n_in
    sizes = widths + [n_out]
    for k, width in enumerate(sizes):
        p = f"fc{k + 1}" if k < len(widths) else "output"
        w = zoo.glorot_uniform(rng, fan_in, width)
        b = zoo.small_bias(rng, width)
        inits.append(numpy_helper.from_array(w, f"{p}/kernel"))
        inits.append(numpy_helper.from_array(b, f"{p}/bias"))
        quant_node(nodes, inits, f"{p}/kernel", f"{p}/kernel_quant", f"{p}/kernel_quantizer", WEIGHT_Q)
        quant_node(nodes, inits, f"{p}/bias", f"{p}/bias_quant", f"{p}/bias_quantizer", BIAS_Q)
        nodes.append(helper.make_node("MatMul", [x, f"{p}/kernel_quant"], [f"{p}/MatMul:0"], name=f"{p}/MatMul"))
        nodes.append(helper.make_node("Add", [f"{p}/MatMul:0", f"{p}/bias_quant"], [f"{p}/BiasAdd:0"],
                                      name=f"{p}/BiasAdd"))
        x = f"{p}/BiasAdd:0"
        if k < len(widths):
            nodes.append(helper.make_node("Relu", [x], [f"relu{k + 1}:0"], name=f"relu{k + 1}/Relu"))
            quant_node(nodes, inits, f"relu{k + 1}:0", f"relu{k + 1}_quant:0", f"relu{k + 1}/act_quantizer", ACT_Q)
            x = f"relu{k + 1}_quant:0"
        fan_in = width
    nodes.append(helper.make_node("Softmax", [x], ["softmax"], name="softmax/Softmax", axis=-1))

    graph = helper.make_graph(nodes, "jet_tagger_qonnx", [zoo.tensor_info("input_1", n_in)],
                              [zoo.tensor_info("softmax", n_out)], inits)
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", zoo.OPSET), helper.make_opsetid(QONNX_DOMAIN, 1)],
        producer_name="trigrt Models/generate_quantized.py",
        producer_version="1",
        doc_string="QONNX jet tagger 16-64-32-32-5: 6-bit weights, 6-bit unsigned activations (trigrt zoo)",
    )
    model.ir_version = zoo.IR_VERSION
    onnx.checker.check_model(model)  # the custom domain has no schema: no full_check
    x_rows = zoo.sample_jet_features(rng, N_ROWS).astype(np.float32)
    return model, x_rows


def qonnx_outputs(model: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    """qonnx's reference executor on the whole batch (batch size fixed on a copy)."""
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.core.onnx_exec import execute_onnx
    from qonnx.transformation.change_batchsize import ChangeBatchSize
    from qonnx.transformation.infer_shapes import InferShapes

    mw = ModelWrapper(onnx.ModelProto.FromString(model.SerializeToString()))
    mw = mw.transform(ChangeBatchSize(x.shape[0])).transform(InferShapes())
    out = execute_onnx(mw, {mw.graph.input[0].name: x})
    return np.asarray(out[mw.graph.output[0].name], dtype=np.float32)


def generate(out_dir: str) -> list[str]:
    os.makedirs(out_dir, exist_ok=True)
    model, x = build_jet_tagger_qonnx()
    y = qonnx_outputs(model, x)
    assert np.all(np.isfinite(y))
    name = "jet_tagger_qonnx"
    onnx.save_model(model, os.path.join(out_dir, f"{name}.onnx"))
    zoo.save_npy(os.path.join(out_dir, f"{name}.inputs.npy"), x)
    zoo.save_npy(os.path.join(out_dir, f"{name}.outputs.npy"), y)
    print(f"{name}: {x.shape} -> {y.shape}")
    return [f"{name}.onnx", f"{name}.inputs.npy", f"{name}.outputs.npy"]


def main(argv=None) -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out-dir", default=here)
    ap.add_argument("--check", action="store_true", help="regenerate into a temp dir and compare with --out-dir")
    args = ap.parse_args(argv)
    if not args.check:
        generate(args.out_dir)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        files = generate(tmp)
        bad = [f for f in files if not filecmp.cmp(os.path.join(tmp, f), os.path.join(args.out_dir, f), shallow=False)]
    if bad:
        print("differs from committed files:", ", ".join(bad))
        return 1
    print("all generated files identical to", args.out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
