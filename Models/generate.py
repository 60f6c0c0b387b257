#!/usr/bin/env python3
"""Generate trigrt's float model zoo and its ONNX Runtime goldens.

Writes, next to this file:

    deepcsv.onnx     68 -> Sub(mean) -> Div(std) -> 5 x (Gemm 100 + Relu) -> Gemm 4 -> Softmax(axis=1)
                     PyTorch-export style: Gemm with transB=1, weight stored (out, in).
    jet_tagger.onnx  16 -> 64 relu -> 32 relu -> 32 relu -> 5 softmax(axis=-1)
                     Keras/tf2onnx style: MatMul (weight stored (in, out)) + Add (bias).
    tracknn.onnx     12 -> 64 relu -> 64 relu -> 32 relu -> 16 relu -> 1 sigmoid
                     PyTorch-export style: Gemm with transB=1.

and for each model `<name>.inputs.npy` (1,000 float32 rows) and `<name>.outputs.npy`
(ONNX Runtime CPU execution provider, float32).

Weights are Glorot-uniform (limit sqrt(6 / (fan_in + fan_out))), biases small uniform
(+-0.05), all drawn from numpy's PCG64 generator with a fixed seed per model, so the files
are identical on every run (the script is idempotent: it rewrites the same bytes).

Usage:  python3 Models/generate.py [--out-dir DIR] [--check]
        --check  regenerate into a temporary folder and compare with the committed files
                 (outputs within float32 rounding, see `same`).
"""

from __future__ import annotations

import argparse
import filecmp
import math
import os
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
IR_VERSION = 8  # the IR version that goes with opsets 13-15; readable by any onnx >= 1.10
PRODUCER = "trigrt Models/generate.py"
N_ROWS = 1000


# ---------------------------------------------------------------- weights and helpers

def glorot_uniform(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    """Keras' default kernel initialiser, shape (fan_in, fan_out)."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype(np.float32)


def small_bias(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.uniform(-0.05, 0.05, size=(n,)).astype(np.float32)


def tensor_info(name: str, width: int) -> onnx.ValueInfoProto:
    """A float tensor of shape (N, width) with a symbolic batch dimension."""
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, ["N", width])


def finish(graph: onnx.GraphProto, doc: str) -> onnx.ModelProto:
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name=PRODUCER,
        producer_version="1",
        doc_string=doc,
    )
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    return model


def dense_gemm(nodes, inits, x: str, w_in_out: np.ndarray, b: np.ndarray, prefix: str) -> str:
    """Gemm(x, W^T, b) with transB=1, the layout torch.onnx.export writes for nn.Linear."""
    w_name, b_name = f"{prefix}.weight", f"{prefix}.bias"
    inits.append(numpy_helper.from_array(np.ascontiguousarray(w_in_out.T), w_name))  # (out, in)
    inits.append(numpy_helper.from_array(b, b_name))
    y = f"/{prefix}/Gemm_output_0"
    nodes.append(helper.make_node("Gemm", [x, w_name, b_name], [y], name=f"/{prefix}/Gemm",
                                  alpha=1.0, beta=1.0, transB=1))
    return y


def dense_matmul_add(nodes, inits, x: str, w_in_out: np.ndarray, b: np.ndarray, prefix: str) -> str:
    """MatMul(x, W) then Add(., b), the layout tf2onnx writes for a Keras Dense."""
    w_name, b_name = f"{prefix}/kernel:0", f"{prefix}/bias:0"
    inits.append(numpy_helper.from_array(w_in_out, w_name))  # (in, out)
    inits.append(numpy_helper.from_array(b, b_name))
    mm = f"{prefix}/MatMul:0"
    y = f"{prefix}/BiasAdd:0"
    nodes.append(helper.make_node("MatMul", [x, w_name], [mm], name=f"{prefix}/MatMul"))
    nodes.append(helper.make_node("Add", [mm, b_name], [y], name=f"{prefix}/BiasAdd"))
    return y


# ---------------------------------------------------------------- models and inputs

def build_deepcsv():
    """DeepCSV-shaped b-tagger: 68 raw features, normalised inside the graph."""
    rng = np.random.default_rng(20240101)
    n_in, widths, n_out = 68, [100] * 5, 4

    # Feature statistics of a DeepCSV-like input: jet kinematics (pt ~ 10s-100s GeV),
    # impact-parameter significances (mean ~0, wide), track multiplicities (integers),
    # vertex masses and flight distances (positive), angular quantities (small).
    kinds = rng.choice(["kin", "sip", "mult", "pos", "ang"], size=n_in, p=[0.1, 0.3, 0.1, 0.3, 0.2])
    mean = np.empty(n_in)
    std = np.empty(n_in)
    for i, k in enumerate(kinds):
        if k == "kin":
            mean[i], std[i] = rng.uniform(20, 120), rng.uniform(10, 60)
        elif k == "sip":
            mean[i], std[i] = rng.uniform(-0.5, 3.0), rng.uniform(2.0, 15.0)
        elif k == "mult":
            mean[i], std[i] = rng.uniform(1, 8), rng.uniform(1, 3)
        elif k == "pos":
            mean[i], std[i] = rng.uniform(0.2, 5.0), rng.uniform(0.1, 3.0)
        else:
            mean[i], std[i] = rng.uniform(-0.05, 0.05), rng.uniform(0.01, 0.3)
    mean = mean.astype(np.float32)
    std = std.astype(np.float32)

    nodes, inits = [], []
    inits.append(numpy_helper.from_array(mean, "input_mean"))
    inits.append(numpy_helper.from_array(std, "input_std"))
    nodes.append(helper.make_node("Sub", ["input", "input_mean"], ["/norm/Sub_output_0"], name="/norm/Sub"))
    nodes.append(helper.make_node("Div", ["/norm/Sub_output_0", "input_std"], ["/norm/Div_output_0"],
                                  name="/norm/Div"))
    x, fan_in = "/norm/Div_output_0", n_in
    for k, width in enumerate(widths):
        x = dense_gemm(nodes, inits, x, glorot_uniform(rng, fan_in, width), small_bias(rng, width), f"fc{k + 1}")
        r = f"/relu{k + 1}/Relu_output_0"
        nodes.append(helper.make_node("Relu", [x], [r], name=f"/relu{k + 1}/Relu"))
        x, fan_in = r, width
    x = dense_gemm(nodes, inits, x, glorot_uniform(rng, fan_in, n_out), small_bias(rng, n_out), "out")
    nodes.append(helper.make_node("Softmax", [x], ["output"], name="/softmax/Softmax", axis=1))

    graph = helper.make_graph(nodes, "deepcsv", [tensor_info("input", n_in)], [tensor_info("output", n_out)], inits)
    model = finish(graph, "DeepCSV-shaped b-tagger, random Glorot weights (trigrt zoo)")

    def sample(r: np.random.Generator, n: int) -> np.ndarray:
        """Raw features: per-feature distribution around the normalisation constants, with tails."""
        z = r.standard_t(df=5, size=(n, n_in)) * np.sqrt(3.0 / 5.0)  # unit variance, heavy tails
        x = mean.astype(np.float64) + std.astype(np.float64) * z
        for i, k in enumerate(kinds):
            if k == "mult":
                x[:, i] = np.maximum(np.round(x[:, i]), 0.0)
            elif k in ("pos", "kin"):
                x[:, i] = np.abs(x[:, i])
        missing = r.random((n, n_in)) < 0.05  # DeepCSV writes -1 for a missing track/vertex
        x[missing] = -1.0
        return x

    return model, sample, rng


def build_jet_tagger():
    """hls4ml's jet-tagging benchmark net (the 'three-layer' model of the hls4ml tutorial)."""
    rng = np.random.default_rng(20240102)
    n_in, widths, n_out = 16, [64, 32, 32], 5
    nodes, inits = [], []
    x, fan_in = "input_1", n_in
    for k, width in enumerate(widths):
        x = dense_matmul_add(nodes, inits, x, glorot_uniform(rng, fan_in, width), small_bias(rng, width),
                             f"fc{k + 1}")
        r = f"relu{k + 1}/Relu:0"
        nodes.append(helper.make_node("Relu", [x], [r], name=f"relu{k + 1}/Relu"))
        x, fan_in = r, width
    x = dense_matmul_add(nodes, inits, x, glorot_uniform(rng, fan_in, n_out), small_bias(rng, n_out), "output")
    nodes.append(helper.make_node("Softmax", [x], ["softmax"], name="softmax/Softmax", axis=-1))

    graph = helper.make_graph(nodes, "jet_tagger", [tensor_info("input_1", n_in)],
                              [tensor_info("softmax", n_out)], inits)
    model = finish(graph, "hls4ml jet-tagging benchmark shape 16-64-32-32-5, random Glorot weights (trigrt zoo)")
    return model, sample_jet_features, rng


def libm_exp(a: np.ndarray) -> np.ndarray:
    """exp per element through the C library: numpy's float64 exp takes another code path on
    AVX-512 machines and differs in the last bit, and firmware-sim regenerates these inputs
    against committed sha256s."""
    return np.array([math.exp(v) for v in a.ravel()], dtype=np.float64).reshape(a.shape)


def sample_jet_features(r: np.random.Generator, n: int, n_in: int = 16) -> np.ndarray:
    """The 16 high-level jet features arrive standardised (the hls4ml dataset ships a
    StandardScaler); real standardised features are skewed, so mix normal and log-normal."""
    z = r.standard_normal((n, n_in))
    skewed = r.random(n_in) < 0.5
    ln = r.lognormal(0.0, 0.6, size=(n, n_in))
    ln = (ln - math.exp(0.18)) / math.sqrt((math.exp(0.36) - 1.0) * math.exp(0.36))
    z[:, skewed] = ln[:, skewed]
    return z


def build_tracknn():
    """TrackNN-shaped track-seed classifier with a sigmoid score."""
    rng = np.random.default_rng(20240103)
    n_in, widths, n_out = 12, [64, 64, 32, 16], 1
    nodes, inits = [], []
    x, fan_in = "input", n_in
    for k, width in enumerate(widths):
        x = dense_gemm(nodes, inits, x, glorot_uniform(rng, fan_in, width), small_bias(rng, width), f"fc{k + 1}")
        r = f"/relu{k + 1}/Relu_output_0"
        nodes.append(helper.make_node("Relu", [x], [r], name=f"/relu{k + 1}/Relu"))
        x, fan_in = r, width
    x = dense_gemm(nodes, inits, x, glorot_uniform(rng, fan_in, n_out), small_bias(rng, n_out), "out")
    nodes.append(helper.make_node("Sigmoid", [x], ["output"], name="/sigmoid/Sigmoid"))

    graph = helper.make_graph(nodes, "tracknn", [tensor_info("input", n_in)], [tensor_info("output", n_out)], inits)
    model = finish(graph, "TrackNN-shaped track classifier 12-64-64-32-16-1, random Glorot weights (trigrt zoo)")
    return model, sample_track_features, rng


def sample_track_features(r: np.random.Generator, n: int) -> np.ndarray:
    """Pre-scaled track-seed features: curvature (q/pt, signed), eta, phi residuals, d0, z0,
    hit residuals and chi2-like positive quantities; scales of order one, as fed to TrackNN."""
    cols = [
        r.uniform(-1.0, 1.0, n),                 # q/pt (scaled)
        r.uniform(-2.5, 2.5, n),                 # eta
        r.normal(0.0, 0.3, n),                   # delta phi
        r.laplace(0.0, 0.2, n),                  # d0 (scaled)
        r.normal(0.0, 1.5, n),                   # z0 (scaled)
        r.chisquare(3, n) / 3.0,                 # chi2 / ndf
        r.integers(3, 9, n).astype(np.float64) / 4.0,  # n hits (scaled)
    ] + [r.normal(0.0, 0.5, n) for _ in range(5)]  # hit residuals
    return np.stack(cols, axis=1)


# ---------------------------------------------------------------- small CNNs (channels-first, as exported)

def shaped_info(name: str, dims: list) -> onnx.ValueInfoProto:
    """A float tensor of shape (N, *dims) with a symbolic batch dimension."""
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, ["N"] + list(dims))


def conv_glorot(rng: np.random.Generator, f: int, c: int, kernel: tuple) -> np.ndarray:
    """Keras' Glorot-uniform for a convolution (fan_in = c * prod(kernel), fan_out = f * prod(kernel)),
    stored in ONNX's (F, C, *kernel) layout."""
    k = int(np.prod(kernel))
    limit = np.sqrt(6.0 / (c * k + f * k))
    return rng.uniform(-limit, limit, size=(f, c) + tuple(kernel)).astype(np.float32)


def conv_node(nodes, inits, x: str, w: np.ndarray, b: np.ndarray, prefix: str, pads: list, strides: list) -> str:
    """Conv with every attribute written out, as torch.onnx.export writes them (qonnx's
    channels-last conversion requires dilations, group, pads and strides to be present)."""
    w_name, b_name = f"{prefix}.weight", f"{prefix}.bias"
    inits.append(numpy_helper.from_array(w, w_name))
    inits.append(numpy_helper.from_array(b, b_name))
    y = f"/{prefix}/Conv_output_0"
    nodes.append(helper.make_node("Conv", [x, w_name, b_name], [y], name=f"/{prefix}/Conv",
                                  dilations=[1] * len(strides), group=1, kernel_shape=list(w.shape[2:]), pads=pads,
                                  strides=strides))
    return y


def relu_node(nodes, x: str, prefix: str) -> str:
    y = f"/{prefix}/Relu_output_0"
    nodes.append(helper.make_node("Relu", [x], [y], name=f"/{prefix}/Relu"))
    return y


def flatten_node(nodes, x: str) -> str:
    nodes.append(helper.make_node("Flatten", [x], ["/flatten/Flatten_output_0"], name="/flatten/Flatten", axis=1))
    return "/flatten/Flatten_output_0"


def build_jet_image_cnn():
    """Jet-image CNN: 1x25x25 calorimeter image -> Conv 3x3 x8 ('same') relu -> MaxPool 2 ->
    Conv 3x3 x16 ('valid') relu -> MaxPool 2 -> Flatten -> Dense 32 relu -> Dense 2 softmax."""
    rng = np.random.default_rng(20240104)
    nodes, inits = [], []
    x = conv_node(nodes, inits, "input", conv_glorot(rng, 8, 1, (3, 3)), small_bias(rng, 8), "conv1",
                  pads=[1, 1, 1, 1], strides=[1, 1])
    x = relu_node(nodes, x, "relu1")
    nodes.append(helper.make_node("MaxPool", [x], ["/pool1/MaxPool_output_0"], name="/pool1/MaxPool",
                                  ceil_mode=0, dilations=[1, 1], kernel_shape=[2, 2], pads=[0, 0, 0, 0],
                                  strides=[2, 2]))
    x = conv_node(nodes, inits, "/pool1/MaxPool_output_0", conv_glorot(rng, 16, 8, (3, 3)), small_bias(rng, 16),
                  "conv2", pads=[0, 0, 0, 0], strides=[1, 1])
    x = relu_node(nodes, x, "relu2")
    nodes.append(helper.make_node("MaxPool", [x], ["/pool2/MaxPool_output_0"], name="/pool2/MaxPool",
                                  ceil_mode=0, dilations=[1, 1], kernel_shape=[2, 2], pads=[0, 0, 0, 0],
                                  strides=[2, 2]))
    x = flatten_node(nodes, "/pool2/MaxPool_output_0")  # (16, 5, 5) -> 400
    x = dense_matmul_add(nodes, inits, x, glorot_uniform(rng, 400, 32), small_bias(rng, 32), "fc1")
    x = relu_node(nodes, x, "relu3")
    x = dense_matmul_add(nodes, inits, x, glorot_uniform(rng, 32, 2), small_bias(rng, 2), "out")
    nodes.append(helper.make_node("Softmax", [x], ["output"], name="/softmax/Softmax", axis=-1))
    graph = helper.make_graph(nodes, "jet_image_cnn", [shaped_info("input", [1, 25, 25])],
                              [tensor_info("output", 2)], inits)
    model = finish(graph, "Jet-image CNN 1x25x25 -> conv8 -> pool -> conv16 -> pool -> 32 -> 2, random Glorot weights "
                          "(trigrt zoo)")
    return model, sample_jet_images, rng


def sample_jet_images(r: np.random.Generator, n: int) -> np.ndarray:
    """25x25 jet images of pixel pT / jet pT: a core of a few hard pixels near the centre, a
    softer halo, and sparse pile-up pixels elsewhere; most pixels are exactly 0."""
    img = np.zeros((n, 25, 25))
    rows = np.arange(n)
    for k in range(12):                       # core and halo constituents
        spread = 1.0 + 0.35 * k
        i = np.clip(np.round(12 + r.normal(0.0, spread, n)), 0, 24).astype(int)
        j = np.clip(np.round(12 + r.normal(0.0, spread, n)), 0, 24).astype(int)
        img[rows, i, j] += r.exponential(0.4 / (1 + k), n)
    pileup = r.random((n, 25, 25)) < 0.03
    img += pileup * r.exponential(0.01, (n, 25, 25))
    img /= img.sum(axis=(1, 2), keepdims=True)
    return img[:, None, :, :]


def build_conv1d_tracks():
    """DeepJet-style track block: 20 tracks x 8 features (channels = features) -> 1x1 Conv1D
    64-32-32-8 relu -> Flatten -> Dense 100 relu -> Dense 4 softmax."""
    rng = np.random.default_rng(20240105)
    nodes, inits = [], []
    x, c = "input", 8
    for k, f in enumerate([64, 32, 32, 8]):
        x = conv_node(nodes, inits, x, conv_glorot(rng, f, c, (1,)), small_bias(rng, f), f"conv{k + 1}",
                      pads=[0, 0], strides=[1])
        x = relu_node(nodes, x, f"relu{k + 1}")
        c = f
    x = flatten_node(nodes, x)  # (8, 20) -> 160
    x = dense_matmul_add(nodes, inits, x, glorot_uniform(rng, 160, 100), small_bias(rng, 100), "fc1")
    x = relu_node(nodes, x, "relu5")
    x = dense_matmul_add(nodes, inits, x, glorot_uniform(rng, 100, 4), small_bias(rng, 4), "out")
    nodes.append(helper.make_node("Softmax", [x], ["output"], name="/softmax/Softmax", axis=-1))
    graph = helper.make_graph(nodes, "conv1d_tracks", [shaped_info("input", [8, 20])], [tensor_info("output", 4)], inits)
    model = finish(graph, "DeepJet-style 1x1 Conv1D track block 8x20 -> 64-32-32-8 -> 100 -> 4, random Glorot weights "
                          "(trigrt zoo)")
    return model, sample_tracks, rng


def sample_tracks(r: np.random.Generator, n: int) -> np.ndarray:
    """Up to 20 pT-ordered tracks x 8 pre-scaled features (log pT ratio, delta eta, delta phi,
    d0 and z0 significances, chi2/ndf, hit count, quality); missing tracks are zero-padded."""
    t = 20
    n_trk = r.integers(2, t + 1, n)
    lpt = -np.sort(r.exponential(1.0, (n, t)), axis=1)               # log(pt/jet pt), decreasing
    feats = np.stack([
        lpt,
        r.normal(0.0, 0.15, (n, t)),                                  # delta eta
        r.normal(0.0, 0.15, (n, t)),                                  # delta phi
        r.standard_t(3, (n, t)),                                      # d0 significance, heavy tails
        r.standard_t(3, (n, t)) * 0.5,                                # z0 significance
        r.chisquare(3, (n, t)) / 3.0,                                 # chi2 / ndf
        r.integers(8, 15, (n, t)) / 10.0,                             # hit count (scaled)
        (r.random((n, t)) < 0.9).astype(np.float64),                  # quality flag
    ], axis=1)                                                        # (n, 8, 20)
    present = np.arange(t)[None, :] < n_trk[:, None]
    return feats * present[:, None, :]


def build_econ_encoder():
    """ECON-T-style autoencoder encoder: 1x8x8 trigger-cell charges -> Conv 3x3 stride 2 x8
    ('same': pads 0 top/left, 1 bottom/right) relu -> Flatten -> Dense 16 (the latent code)."""
    rng = np.random.default_rng(20240106)
    nodes, inits = [], []
    x = conv_node(nodes, inits, "input", conv_glorot(rng, 8, 1, (3, 3)), small_bias(rng, 8), "conv1",
                  pads=[0, 0, 1, 1], strides=[2, 2])
    x = relu_node(nodes, x, "relu1")
    x = flatten_node(nodes, x)  # (8, 4, 4) -> 128
    mm = dense_matmul_add(nodes, inits, x, glorot_uniform(rng, 128, 16), small_bias(rng, 16), "latent")
    graph = helper.make_graph(nodes, "econ_encoder", [shaped_info("input", [1, 8, 8])], [tensor_info(mm, 16)], inits)
    model = finish(graph, "ECON-T-style encoder 1x8x8 -> conv 3x3/2 x8 -> 16, random Glorot weights (trigrt zoo)")
    return model, sample_econ, rng


def sample_econ(r: np.random.Generator, n: int) -> np.ndarray:
    """8x8 trigger-cell charges of one HGCAL module, normalised to the module sum: a shower
    (or none) on top of small noise, all >= 0."""
    yy, xx = np.mgrid[0:8, 0:8]
    cy, cx = r.uniform(0, 7, n), r.uniform(0, 7, n)
    width = r.uniform(0.6, 2.0, n)
    amp = r.exponential(1.0, n) * (r.random(n) < 0.8)
    shower = amp[:, None, None] * libm_exp(-((yy[None] - cy[:, None, None]) ** 2 + (xx[None] - cx[:, None, None]) ** 2)
                                          / (2 * width[:, None, None] ** 2))
    noise = r.exponential(0.02, (n, 8, 8)) * (r.random((n, 8, 8)) < 0.3)
    q = shower + noise
    q /= np.maximum(q.sum(axis=(1, 2), keepdims=True), 1e-6)
    return q[:, None, :, :]


def build_calo_pool_cnn():
    """Calorimeter-tower summary CNN with global pooling: 1x8x8 trigger-cell charges -> Conv 3x3
    x4 ('same') relu -> GlobalAveragePool + GlobalMaxPool (added) -> Flatten -> Dense 3."""
    rng = np.random.default_rng(20240107)
    nodes, inits = [], []
    x = conv_node(nodes, inits, "input", conv_glorot(rng, 4, 1, (3, 3)), small_bias(rng, 4), "conv1",
                  pads=[1, 1, 1, 1], strides=[1, 1])
    x = relu_node(nodes, x, "relu1")
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["/gap/GlobalAveragePool_output_0"], name="/gap/GlobalAveragePool"))
    nodes.append(helper.make_node("GlobalMaxPool", [x], ["/gmp/GlobalMaxPool_output_0"], name="/gmp/GlobalMaxPool"))
    nodes.append(helper.make_node("Add", ["/gap/GlobalAveragePool_output_0", "/gmp/GlobalMaxPool_output_0"],
                                  ["/pool/Add_output_0"], name="/pool/Add"))
    x = flatten_node(nodes, "/pool/Add_output_0")  # (4, 1, 1) -> 4
    mm = dense_matmul_add(nodes, inits, x, glorot_uniform(rng, 4, 3), small_bias(rng, 3), "out")
    graph = helper.make_graph(nodes, "calo_pool_cnn", [shaped_info("input", [1, 8, 8])], [tensor_info(mm, 3)], inits)
    model = finish(graph, "Calorimeter-tower CNN 1x8x8 -> conv 3x3 x4 -> global avg + max pool -> 3, random Glorot "
                          "weights (trigrt zoo)")
    return model, sample_econ, rng


def build_calo_avgpool_cnn():
    """Calorimeter CNN with a padded average pool: 1x8x8 trigger-cell charges -> Conv 3x3 x4
    ('same') relu -> AveragePool 3x3 stride 2, pads 1, count_include_pad 0 (windows of 4, 6 or 9
    real cells) -> Flatten (4x4x4 = 64) -> Dense 3."""
    rng = np.random.default_rng(20240108)
    nodes, inits = [], []
    x = conv_node(nodes, inits, "input", conv_glorot(rng, 4, 1, (3, 3)), small_bias(rng, 4), "conv1",
                  pads=[1, 1, 1, 1], strides=[1, 1])
    x = relu_node(nodes, x, "relu1")
    nodes.append(helper.make_node("AveragePool", [x], ["/pool/AveragePool_output_0"], name="/pool/AveragePool",
                                  ceil_mode=0, count_include_pad=0, kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                                  strides=[2, 2]))
    x = flatten_node(nodes, "/pool/AveragePool_output_0")  # (4, 4, 4) -> 64
    mm = dense_matmul_add(nodes, inits, x, glorot_uniform(rng, 64, 3), small_bias(rng, 3), "out")
    graph = helper.make_graph(nodes, "calo_avgpool_cnn", [shaped_info("input", [1, 8, 8])], [tensor_info(mm, 3)], inits)
    model = finish(graph, "Calorimeter CNN 1x8x8 -> conv 3x3 x4 -> average pool 3x3/2 (pads 1) -> 3, random Glorot "
                          "weights (trigrt zoo)")
    return model, sample_econ, rng


# name -> builder returning (model, sampler(rng, n) -> float64 rows, the builder's generator).
# The zoo's committed inputs are sampler(builder's generator, 1000) as float32; other tools
# (firmware-sim) call the sampler with their own seeded generator for more rows.
MODELS = {"deepcsv": build_deepcsv, "jet_tagger": build_jet_tagger, "tracknn": build_tracknn,
          "jet_image_cnn": build_jet_image_cnn, "conv1d_tracks": build_conv1d_tracks, "econ_encoder": build_econ_encoder,
          "calo_pool_cnn": build_calo_pool_cnn, "calo_avgpool_cnn": build_calo_avgpool_cnn}


def build(name: str):
    """(model, sampler, inputs): the model, its input sampler and the zoo's 1,000 float32 rows."""
    model, sampler, rng = MODELS[name]()
    return model, sampler, sampler(rng, N_ROWS).astype(np.float32)


# ---------------------------------------------------------------- goldens and driver

def onnxruntime_outputs(model: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
    (y,) = sess.run(None, {sess.get_inputs()[0].name: x})
    return np.asarray(y, dtype=np.float32)


def save_npy(path: str, a: np.ndarray) -> None:
    with open(path, "wb") as f:
        np.save(f, np.ascontiguousarray(a), allow_pickle=False)


def generate(out_dir: str) -> list[str]:
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for name in MODELS:
        model, _, x = build(name)
        y = onnxruntime_outputs(model, x)
        assert np.all(np.isfinite(y)), name
        onnx.save_model(model, os.path.join(out_dir, f"{name}.onnx"))
        save_npy(os.path.join(out_dir, f"{name}.inputs.npy"), x)
        save_npy(os.path.join(out_dir, f"{name}.outputs.npy"), y)
        written += [f"{name}.onnx", f"{name}.inputs.npy", f"{name}.outputs.npy"]
        print(f"{name}: {x.shape} -> {y.shape}")
    return written


def same(new: str, committed: str) -> bool:
    """Models and inputs byte for byte; ONNX Runtime's outputs within float32 rounding (its
    kernels differ between AVX2 and AVX-512 machines in the last bits)."""
    if not new.endswith(".outputs.npy"):
        return filecmp.cmp(new, committed, shallow=False)
    a, b = np.load(new), np.load(committed)
    if a.shape != b.shape or not np.allclose(a, b, rtol=1e-5, atol=1e-6):
        return False
    if not np.array_equal(a, b):
        print(f"{os.path.basename(new)}: ONNX Runtime's outputs within 1e-5 of the committed ones "
              f"(max difference {np.max(np.abs(a.astype(np.float64) - b)):.2e})")
    return True


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
        bad = [f for f in files if not same(os.path.join(tmp, f), os.path.join(args.out_dir, f))]
    if bad:
        print("differs from committed files:", ", ".join(bad))
        return 1
    print("all generated files match", args.out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
