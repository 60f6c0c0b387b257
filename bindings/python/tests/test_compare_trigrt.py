"""firmware-sim/scripts/compare_trigrt.py: its comparison logic on synthetic arrays, its graph
analysis, argument handling, and whole runs (a synthetic golden set in float mode, where the
expected bits are known, and the real golden sets, which must never mismatch)."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import trigrt
from conftest import LIBRARY, MODELS, REPO, model_path

SCRIPT = os.path.join(REPO, "firmware-sim", "scripts", "compare_trigrt.py")
SHARED = os.path.join(os.path.dirname(REPO), "shared", "models")

spec = importlib.util.spec_from_file_location("compare_trigrt", SCRIPT)
ct = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ct)


def run_script(*args, timeout=600):
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "TRIGRT_LIBRARY": LIBRARY})


# --- comparison logic ---


def test_compare_exact_equal_and_one_ulp():
    rng = np.random.default_rng(0)
    want = rng.normal(size=(100, 4))
    assert ct.compare_exact(want.copy(), want)["equal"]
    got = want.copy()
    got[7, 2] = np.nextafter(got[7, 2], np.inf)
    r = ct.compare_exact(got, want)
    assert not r["equal"] and r["differing_values"] == 1 and r["differing_rows"] == 1
    assert r["first_mismatches"][0]["row"] == 7 and r["first_mismatches"][0]["col"] == 2
    assert r["max_abs_diff"] == abs(got[7, 2] - want[7, 2]) > 0
    assert r["values"] == 400 and r["rows"] == 100


def test_compare_exact_counts_rows_and_limits_the_report():
    want = np.zeros((50, 3))
    got = want.copy()
    got[[1, 1, 4, 9, 9, 9, 30], [0, 1, 2, 0, 1, 2, 0]] = 2.0 ** -20
    r = ct.compare_exact(got, want, max_report=3)
    assert r["differing_values"] == 7 and r["differing_rows"] == 4
    assert [(m["row"], m["col"]) for m in r["first_mismatches"]] == [(1, 0), (1, 1), (4, 2)]


def test_compare_exact_nan_zero_sign_shape_and_float32():
    assert ct.compare_exact(np.array([[np.nan, 1.0]]), np.array([[np.nan, 1.0]]))["equal"]
    r = ct.compare_exact(np.array([[np.nan, 1.0]]), np.array([[0.0, 1.0]]))
    assert not r["equal"] and r["max_abs_diff"] == np.inf
    assert ct.compare_exact(np.array([[-0.0]]), np.array([[0.0]]))["equal"]  # float64 ==
    assert ct.compare_exact(np.array([[np.inf]]), np.array([[np.inf]]))["equal"]
    r = ct.compare_exact(np.zeros((4, 2)), np.zeros((4, 3)))
    assert not r["equal"] and "shape" in r["error"]
    assert ct.compare_exact(np.zeros((5, 1)), np.zeros(5))["equal"]  # (rows,) reads as (rows, 1)
    # a float32 value widened is equal to the same float64; 0.1 in float32 is not 0.1
    assert ct.compare_exact(np.float32([[0.5]]), np.array([[0.5]]))["equal"]
    assert not ct.compare_exact(np.float32([[0.1]]), np.array([[0.1]]))["equal"]


def test_compare_close():
    want = np.array([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2]], dtype=np.float32)
    r = ct.compare_close(want + 5e-6, want, atol=1e-5)
    assert r["within_tolerance"] and r["argmax_agreement"] == 1.0
    got = want.copy()
    got[1] = [0.2, 0.6, 0.2]
    r = ct.compare_close(got, want, atol=1e-5)
    assert not r["within_tolerance"] and r["rows_beyond"] == 1 and r["values_beyond"] == 2
    assert r["argmax_agreement"] == 0.5 and r["first_beyond"][0]["row"] == 1
    assert not ct.compare_close(np.zeros((2, 2)), np.zeros((3, 2)), 1.0)["within_tolerance"]


def test_float32_rounding_explains():
    exact = np.array([[1.0 + 2.0 ** -30, 3.0]])
    ref32 = exact.astype(np.float32).astype(np.float64)
    assert ct.float32_rounding_explains(exact, ref32).all()
    assert not ct.float32_rounding_explains(exact, ref32 + 2.0 ** -10).all()


def test_exit_status():
    rs = lambda *st: [{"status": s} for s in st]  # noqa: E731
    assert ct.exit_status(rs("pass", "pass", "refused", "reported"), False) == 0
    assert ct.exit_status(rs("pass", "unsupported"), False) == 2
    assert ct.exit_status(rs("pass", "unsupported"), True) == 0
    assert ct.exit_status(rs("unsupported", "mismatch"), True) == 1
    assert ct.exit_status(rs("error"), True) == 1


# --- graph analysis ---


def _graph(last_op, domain="", scale=0.25, zero=0.0, attrs=None):
    inits = [numpy_helper.from_array(np.array(scale, np.float32), "s"),
             numpy_helper.from_array(np.array(zero, np.float32), "z"),
             numpy_helper.from_array(np.array(8.0, np.float32), "b")]
    nodes = [helper.make_node("Quant", ["x", "s", "z", "b"], ["q"], domain="qonnx.custom_op.general", name="q0",
                              signed=1, narrow=0, rounding_mode="ROUND")]
    if last_op == "Quant":
        nodes.append(helper.make_node("Quant", ["q", "s", "z", "b"], ["r"], domain="qonnx.custom_op.general",
                                      name="q1", signed=1, narrow=0, rounding_mode="ROUND"))
    else:
        nodes.append(helper.make_node(last_op, ["q"] if last_op != "Add" else ["q", "q"], ["r"], name="last",
                                      **(attrs or {})))
    nodes += [helper.make_node("Identity", ["r"], ["r1"]), helper.make_node("Reshape", ["r1", "shape"], ["y"])]
    inits.append(numpy_helper.from_array(np.array([-1, 4], np.int64), "shape"))
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4])], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


@pytest.mark.parametrize("op,kind", [("Quant", "quantized"), ("Softmax", "float-op"), ("Add", "linear"),
                                     ("Relu", "linear"), ("Sigmoid", "float-op")])
def test_output_kinds(op, kind):
    k = ct.output_kinds(_graph(op))["y"]
    assert k["kind"] == kind and k["op"] == op and k["through"] == ["Reshape", "Identity"]


def test_quant_scales_power_of_two():
    assert ct.quant_scales_power_of_two(_graph("Relu", scale=0.25)) is True
    assert ct.quant_scales_power_of_two(_graph("Relu", scale=0.3)) is False
    assert ct.quant_scales_power_of_two(_graph("Relu", scale=0.25, zero=1.0)) is False
    assert ct.quant_scales_power_of_two(onnx.load(os.path.join(MODELS, "jet_tagger_qonnx.onnx"))) is True
    assert ct.output_kinds(onnx.load(os.path.join(MODELS, "jet_tagger_qonnx.onnx")))["softmax"]["kind"] == "float-op"


@pytest.mark.skipif(not os.path.isdir(SHARED), reason=f"{SHARED} is absent")
def test_real_qonnx_models_are_classified():
    expect = {"jettag_mlp_qkeras": ("float-op", True), "jettag_mlp_qonnx_zoo": ("float-op", True),
              "toycar_ad03_qkeras": ("linear", True), "unsw_nb15_mlp_w2a2": ("quantized", False)}
    names = [q["name"] for q in ct.qonnx_models(SHARED)]
    assert names == ["jet_tagger_qonnx", *expect]
    for name, (kind, pow2) in expect.items():
        m = onnx.load(os.path.join(SHARED, f"{name}.qonnx.onnx"))
        (k,) = ct.output_kinds(m).values()
        assert (k["kind"], ct.quant_scales_power_of_two(m)) == (kind, pow2), name


# --- discovery and arguments ---


def test_discover_sets():
    sets = ct.discover_sets(ct.FWSIM)
    # 13 dense-net sets, 12 zoo CNN sets (2 with auto conv / pool types) and 2 of the real
    # jet-image CNN of ../shared/models
    assert len(sets) == 27
    assert all(os.path.exists(s[k]) for s in sets for k in ("outputs", "config_path", "timing"))
    # the cleaned graph of a shared real model is not committed (compare_trigrt.py makes it)
    shared = {s["model"] for s in sets if not os.path.exists(s["onnx"])}
    assert shared <= {"jettag_cnn2d_float"}
    # Inputs are committed, or (the CNNs' large ones) regenerated from the seed against a committed sha256.
    assert all(os.path.exists(s["inputs"]) or "inputs_sha256" in json.load(open(s["timing"])) for s in sets)
    sub = ct.discover_sets(ct.FWSIM, ["jet_tagger", "tracknn"], ["narrow"])
    assert [(s["model"], s["config"]) for s in sub] == [("jet_tagger", "narrow"), ("tracknn", "narrow")]
    with pytest.raises(ValueError, match="unknown model"):
        ct.discover_sets(ct.FWSIM, ["nope"])
    with pytest.raises(ValueError, match="unknown config"):
        ct.discover_sets(ct.FWSIM, None, ["nope"])


@pytest.mark.parametrize("args,message", [(["--models", "nope"], "unknown model"),
                                          (["--configs", "default,nope"], "unknown config"),
                                          (["--rows", "0"], "--rows must be at least 1"),
                                          (["--rows", "x"], "invalid int")])
def test_bad_arguments(args, message):
    r = run_script(*args)
    assert r.returncode == 2 and message in r.stderr, r.stderr


# --- whole runs ---


def _synthetic_root(tmp_path, name="jet_tagger", config="synth", rows=300):
    """A firmware-sim tree whose 'csim' outputs are trigrt's own float-mode float64 outputs."""
    root = tmp_path / "fwsim"
    (root / "models").mkdir(parents=True)
    (root / "configs" / name).mkdir(parents=True)
    (root / "goldens" / name).mkdir(parents=True)
    shutil.copyfile(model_path(name), root / "models" / f"{name}.cleaned.onnx")
    (root / "configs" / name / f"{config}.yml").write_text("Model:\n  Precision: {default: 'ap_fixed<16,6>'}\n")
    x = np.load(os.path.join(MODELS, f"{name}.inputs.npy"))[:rows].astype(np.float64)
    with trigrt.Model(model_path(name)) as m:
        y = m.session(64).run(x)  # float results may depend on the call's batch: use the script's
    base = root / "goldens" / name / config
    np.save(f"{base}.inputs.npy", x)
    np.save(f"{base}.outputs.npy", y)
    (root / "goldens" / name / f"{config}.timing.json").write_text(json.dumps(
        {"native": {"median_cpu_us_per_sample": 131.0, "median_wall_us_per_sample": 132.0},
         "predict": {"us_per_sample": 180.0}}))
    return root, base


def test_synthetic_set_passes_then_one_ulp_fails(tmp_path):
    root, base = _synthetic_root(tmp_path)
    out = tmp_path / "r.json"
    common = ["--root", str(root), "--mode", "float", "--no-qonnx", "--json", str(out), "--passes", "1",
              "--batch1-rows", "50", "--cli-iterations", "1000"]
    r = run_script(*common)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "jet_tagger/synth" in r.stdout and "PASS" in r.stdout and "speed-up" in r.stdout
    res = json.load(open(out))
    (s,) = res["golden_sets"]
    assert s["status"] == "pass" and s["comparison"]["differing_values"] == 0 and s["rows"] == 300
    t = s["timing"]
    assert t["batch"] == 64 and t["us_per_sample_cpu"] > 0 and t["batch1"]["rows"] == 50
    assert s["speedup_vs_native_csim"]["batch"] == pytest.approx(131.0 / t["us_per_sample_cpu"])
    assert res["exit_status"] == 0
    assert s["comparison_batch1"]["rows"] == 50  # reported (float mode may differ by batch), not judged

    y = np.load(f"{base}.outputs.npy")
    y[200, 1] = np.nextafter(y[200, 1], 2.0)
    np.save(f"{base}.outputs.npy", y)
    r = run_script(*common, "--no-timing")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "MISMATCH" in r.stdout and "1/1500 values differ (1/300 rows)" in r.stdout and "row 200 col 1" in r.stdout
    (s,) = json.load(open(out))["golden_sets"]
    assert s["comparison"]["first_mismatches"][0]["row"] == 200 and s["comparison"]["differing_rows"] == 1
    # --rows: the mismatch in row 200 is outside the first 128 rows
    r = run_script(*common, "--no-timing", "--rows", "128")
    assert r.returncode == 0, r.stdout + r.stderr


def test_real_golden_sets_never_mismatch(tmp_path):
    out = tmp_path / "all.json"
    r = run_script("--rows", "200", "--no-timing", "--json", str(out), "--shared-models", SHARED)
    res = json.load(open(out))
    sets, qonnx = res["golden_sets"], res["qonnx"]
    assert len(sets) == 27 and qonnx[0]["name"] == "jet_tagger_qonnx"
    for s in sets:
        if s["status"] == "skipped":  # a shared real model without ../shared/models
            assert s["model"] == "jettag_cnn2d_float" and not os.path.isdir(SHARED)
            continue
        assert s["status"] in ("pass", "unsupported"), (s["model"], s["config"], s.get("comparison"), s.get("error"))
        if s["status"] == "unsupported":
            assert s["error"] and s["model"] in s["error"]  # the library's message names the file
            assert f"{s['model']}/{s['config']}" in r.stdout
    for q in qonnx:
        assert q["status"] in ("pass", "unsupported"), q
        assert q["float"]["status"] in ("pass", "unsupported")
        assert q["fixed"]["status"] in ("pass", "unsupported", "refused", "reported")
    statuses = {x["status"] for x in sets + qonnx}
    assert r.returncode == (2 if "unsupported" in statuses else 0), r.stdout + r.stderr
    r2 = run_script("--rows", "20", "--no-timing", "--allow-unsupported", "--models", "tracknn", "--no-qonnx")
    assert r2.returncode == 0, r2.stdout + r2.stderr


def test_a_shared_set_without_the_shared_models_is_skipped(monkeypatch, tmp_path):
    """A golden set of a real model of ../shared/models whose cleaned graph is absent and cannot
    be made (no ../shared/models): reported as skipped, which does not fail the run."""
    sys.path.insert(0, os.path.join(ct.FWSIM, "scripts"))
    import csim_goldens

    shutil.copy(os.path.join(ct.FWSIM, "models", "jettag_cnn2d_float.names.json"), tmp_path)
    monkeypatch.setattr(csim_goldens, "shared_models_dir", lambda: str(tmp_path / "absent"))
    monkeypatch.setattr(csim_goldens, "CLEANED", str(tmp_path))
    (gs,) = ct.discover_sets(ct.FWSIM, ["jettag_cnn2d_float"], ["default"])
    gs = dict(gs, onnx=str(tmp_path / "jettag_cnn2d_float.cleaned.onnx"))
    r = ct.check_golden_set(gs, rows=10)
    assert r["status"] == "skipped" and "not found" in r["error"], r
    ct.print_golden(r)
    assert ct.exit_status([r], allow_unsupported=False) == 0
