"""Fast checks of the committed zoo and firmware-sim files (no hls4ml compile).

    python3 -m pytest firmware-sim/tests -q
    TRIGRT_FWSIM_CSIM=1 python3 -m pytest firmware-sim/tests -q   # also recompute one csim golden set

The full bit-exact recomputation of every golden set is
`python3 firmware-sim/scripts/csim_goldens.py --check` (compiles each project once, then cached).
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import subprocess
import sys

import numpy as np
import onnx
import pytest
import yaml

FWSIM = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(FWSIM)
ZOO = ["deepcsv", "jet_tagger", "tracknn", "jet_tagger_qonnx", "jet_image_cnn", "conv1d_tracks", "econ_encoder",
       "calo_pool_cnn", "calo_avgpool_cnn"]
CNNS = ["jet_image_cnn", "conv1d_tracks", "econ_encoder", "calo_pool_cnn", "calo_avgpool_cnn"]
# real models of ../shared/models: neither the model nor its cleaned graph is committed
SHARED = ["jettag_cnn2d_float"]
REGENERATED = CNNS + SHARED  # inputs not committed (csim_goldens.INPUTS_REGENERATED)
GOLDEN_SETS = sorted(glob.glob(os.path.join(FWSIM, "goldens", "*", "*.outputs.npy")))


def run(*cmd):
    return subprocess.run([sys.executable, *cmd], cwd=REPO, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("script", ["Models/generate.py", "Models/generate_quantized.py"])
def test_zoo_generators_reproduce_committed_files(script):
    r = run(script, "--check")
    assert r.returncode == 0, r.stdout + r.stderr


def csim_goldens():
    sys.path.insert(0, os.path.join(FWSIM, "scripts"))
    import csim_goldens  # noqa: E402

    return csim_goldens


def shared_cleaned(model: str) -> str:
    """The cleaned graph of a shared real model (made from ../shared/models), or skip."""
    path = csim_goldens().shared_cleaned(model)
    if path is None:
        pytest.skip("../shared/models is absent (the shared real models are not part of the repo)")
    return path


@pytest.mark.parametrize("model", ZOO + SHARED)
def test_cleaned_model_matches_its_name_map(model):
    names = json.load(open(os.path.join(FWSIM, "models", f"{model}.names.json")))
    if model in SHARED:
        assert names["committed"] is False
        shared_cleaned(model)  # checks cleaned_sha256
    data = open(os.path.join(REPO, names["cleaned_model"]), "rb").read()
    assert hashlib.sha256(data).hexdigest() == names["cleaned_sha256"]
    src = open(os.path.join(REPO, names["source_model"]), "rb").read()
    assert hashlib.sha256(src).hexdigest() == names["source_sha256"]
    cleaned = onnx.load_from_string(data)
    mapped = set(names["cleaned_to_original"])
    assert {n.name for n in cleaned.graph.node} <= mapped


@pytest.mark.parametrize("model", ["deepcsv", "jet_tagger", "tracknn"])
def test_cleaned_float_model_computes_the_original_function(model):
    import onnxruntime as ort

    ort.set_default_logger_severity(3)  # the cleaned graph's output has an unset batch dim
    x = np.load(os.path.join(REPO, "Models", f"{model}.inputs.npy"))
    y = np.load(os.path.join(REPO, "Models", f"{model}.outputs.npy"))
    s = ort.InferenceSession(os.path.join(FWSIM, "models", f"{model}.cleaned.onnx"),
                             providers=["CPUExecutionProvider"])
    (yc,) = s.run(None, {s.get_inputs()[0].name: x})
    np.testing.assert_allclose(yc, y, rtol=0, atol=1e-6)


@pytest.mark.parametrize("model", CNNS)
def test_cleaned_cnn_computes_the_original_function(model):
    """qonnx's channels-last graph (Transposes, permuted Dense rows) of the CNN, with its
    channels-last Conv / MaxPool rewritten back to ONNX ops for ONNX Runtime."""
    import onnxruntime as ort

    from onnx import helper, numpy_helper

    ort.set_default_logger_severity(3)
    m = onnx.load(os.path.join(FWSIM, "models", f"{model}.cleaned.onnx"))
    inits = {i.name: i for i in m.graph.initializer}
    nodes = []
    for n in m.graph.node:
        if n.domain != "qonnx.custom_op.channels_last":
            nodes.append(n)
            continue
        rank = len([a for a in n.attribute if a.name == "kernel_shape"][0].ints)
        to_first = [0, rank + 1] + list(range(1, rank + 1))
        to_last = [0] + list(range(2, rank + 2)) + [1]
        ins = list(n.input)
        nodes.append(helper.make_node("Transpose", [ins[0]], [n.name + "_cf_in"], perm=to_first))
        ins[0] = n.name + "_cf_in"
        if n.op_type == "Conv":
            w = numpy_helper.to_array(inits[ins[1]])
            inits[ins[1]] = numpy_helper.from_array(np.ascontiguousarray(np.moveaxis(w, -1, 1)), ins[1])
        op = helper.make_node(n.op_type, ins, [n.name + "_cf_out"], name=n.name)
        op.attribute.extend(n.attribute)
        nodes.append(op)
        nodes.append(helper.make_node("Transpose", [n.name + "_cf_out"], list(n.output), perm=to_last))
    del m.graph.node[:]
    m.graph.node.extend(nodes)
    del m.graph.initializer[:]
    m.graph.initializer.extend(inits.values())
    del m.graph.value_info[:]
    m.opset_import[0].version = 13
    del m.opset_import[1:]
    x = np.load(os.path.join(REPO, "Models", f"{model}.inputs.npy"))
    y = np.load(os.path.join(REPO, "Models", f"{model}.outputs.npy"))
    s = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    (yc,) = s.run(None, {s.get_inputs()[0].name: x})
    np.testing.assert_allclose(yc, y, rtol=0, atol=1e-6)


def test_every_config_has_goldens():
    configs = sorted(glob.glob(os.path.join(FWSIM, "configs", "*", "*.yml")))
    assert len(configs) >= 19
    for c in configs:
        model, name = c.split(os.sep)[-2], os.path.basename(c)[:-4]
        for suffix in (("inputs.npy",) if model not in REGENERATED else ()) + ("outputs.npy", "hls4ml-layers.json", "timing.json"):
            assert os.path.exists(os.path.join(FWSIM, "goldens", model, f"{name}.{suffix}")), (model, name, suffix)
        cfg = yaml.safe_load(open(c))
        assert "Model" in cfg and "Precision" in cfg["Model"]


@pytest.mark.parametrize("path", GOLDEN_SETS, ids=lambda p: "/".join(p.split(os.sep)[-2:]))
def test_golden_set_shapes_and_layer_json(path):
    model, config = path.split(os.sep)[-2], os.path.basename(path)[: -len(".outputs.npy")]
    y = np.load(path)
    timing = json.load(open(path.replace(".outputs.npy", ".timing.json")))
    if model in REGENERATED:
        assert not os.path.exists(path.replace(".outputs.npy", ".inputs.npy"))
        x = csim_goldens().golden_inputs(model, config)  # checks the committed sha256
        assert timing["inputs_sha256"] == json.load(open(os.path.join(FWSIM, "goldens", model, "default.timing.json")))["inputs_sha256"]
    else:
        x = np.load(path.replace(".outputs.npy", ".inputs.npy"))
    assert x.dtype == np.float64 and y.dtype == np.float64
    assert x.shape[0] == y.shape[0] >= 10000
    assert np.all(np.isfinite(x)) and np.all(np.isfinite(y))
    layers = json.load(open(path.replace(".outputs.npy", ".hls4ml-layers.json")))
    assert layers["hls4ml_version"] == "1.3.0"
    assert layers["config_layer_names_without_effect"] == []
    assert layers["layers"][0]["name"] == "global_in" and layers["layers"][0]["n_out"] == x.shape[1]
    if model in SHARED:
        shared_cleaned(model)
    cleaned = onnx.load(os.path.join(REPO, layers["cleaned_model"]))
    assert cleaned.graph.input[0].name == "global_in"
    assert timing["native"]["bit_identical_to_predict"] is True
    if model in REGENERATED:
        return
    # every golden input set of a model is the same deterministic draw
    first = sorted(glob.glob(os.path.join(FWSIM, "goldens", model, "*.inputs.npy")))[0]
    assert np.array_equal(np.load(first).view(np.uint64), x.view(np.uint64))


def test_global_pooling_golden_follows_hls4mls_channels_last_indexing():
    """calo_pool_cnn's csim outputs are what hls4ml's global_pooling2d_cl computes on qonnx's
    graph, where the pool stays channels-first: output f pools data[i*C + f] of the [C, H, W]
    array (channels mixed), not channel f's plane as ONNX does. Emulated in float from ONNX
    Runtime's ReLU output: within the fixed-point error of the firmware, while the ONNX model
    itself is far off (the trap trigrt's inspect / trace report)."""
    import onnxruntime as ort
    from onnx import helper, numpy_helper

    x = csim_goldens().golden_inputs("calo_pool_cnn", "default")[:7000]  # the realistic block
    y = np.load(os.path.join(FWSIM, "goldens", "calo_pool_cnn", "default.outputs.npy"))[:7000]
    m = onnx.load(os.path.join(REPO, "Models", "calo_pool_cnn.onnx"))
    relu = next(n for n in m.graph.node if n.op_type == "Relu").output[0]
    m.graph.output.append(helper.make_tensor_value_info(relu, onnx.TensorProto.FLOAT, None))
    s = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    onnx_out, r = s.run(None, {s.get_inputs()[0].name: x.reshape(-1, 1, 8, 8).astype(np.float32)})
    w = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    mixed = r.reshape(len(r), 64, 4)  # [C=4, H, W] read as [H*W, C]
    emulated = (mixed.mean(1) + mixed.max(1)) @ w["out/kernel:0"] + w["out/bias:0"]
    assert np.abs(emulated - y).max() < 0.02
    assert np.abs(onnx_out - y).max() > 0.1


@pytest.mark.skipif(not os.environ.get("TRIGRT_FWSIM_CSIM"), reason="set TRIGRT_FWSIM_CSIM=1 to compile csim")
def test_csim_recomputes_a_golden_set_bit_for_bit():
    r = run("firmware-sim/scripts/csim_goldens.py", "-m", "jet_tagger", "-c", "narrow", "--check", "--no-native")
    assert r.returncode == 0, r.stdout + r.stderr
