"""The package API: Model(path, fixed=..., precision=...), Model.run at any batch through a
per-thread session, inspect(), trace() in fixed mode, and how an installed package finds the
library ($TRIGRT_PREFIX, the prefix recorded at install time)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import trigrt
from conftest import LIBRARY, REPO, SRC, ZOO, golden, model_path

FW = os.path.join(REPO, "firmware-sim")
JET = os.path.join(FW, "models", "jet_tagger.cleaned.onnx")
MIXED = os.path.join(FW, "configs", "jet_tagger", "mixed.yml")
MIXED_IN = os.path.join(FW, "goldens", "jet_tagger", "mixed.inputs.npy")
MIXED_OUT = os.path.join(FW, "goldens", "jet_tagger", "mixed.outputs.npy")
CLI = os.path.join(os.path.dirname(os.path.dirname(LIBRARY)), "bin", "trigrt")


def test_fixed_flag_and_mode_name_agree():
    with trigrt.Model(JET, fixed=True, precision=MIXED) as a, trigrt.Model(JET, mode="fixed", precision=MIXED) as b, \
            trigrt.Model(JET, "fixed", precision=MIXED) as c:
        assert a.mode == b.mode == c.mode == "fixed" and a.fixed
        x = np.load(MIXED_IN)[:100]
        assert np.array_equal(a.run(x), b.run(x)) and np.array_equal(a.run(x), c.run(x))
    with trigrt.Model(model_path("jet_tagger")) as m:
        assert m.mode == "float" and not m.fixed
    with pytest.raises(ValueError):
        trigrt.Model(JET, fixed=True, mode="float")
    with pytest.raises(ValueError):
        trigrt.Model(JET, fixed="yes please")


@pytest.mark.parametrize("name", ZOO)
def test_model_run_any_batch(name):
    x, y = golden(name)
    with trigrt.Model(model_path(name)) as m:
        one = m.run(x[0])
        assert one.shape == (1, *m.outputs[0].shape)
        np.testing.assert_allclose(one[0], y[0], atol=1e-5)
        s = m._local.session
        for i in range(1, 20):  # batch 1 again and again: the same session
            np.testing.assert_allclose(m.run(x[i:i + 1]), y[i:i + 1], atol=1e-5)
        assert m._local.session is s
        np.testing.assert_allclose(m.run(x), y, atol=1e-5)  # all rows: a larger session, reused after
        assert m._local.session.max_batch == min(len(x), trigrt.MODEL_RUN_MAX_BATCH)


def test_model_run_threads_get_their_own_sessions():
    x, y = golden("jet_tagger")
    seen = {}
    with trigrt.Model(model_path("jet_tagger")) as m:
        def work(t):
            for i in range(t, 200, 4):
                np.testing.assert_allclose(m.run(x[i]), y[i:i + 1], atol=1e-5)
            seen[t] = m._local.session   # the object, kept alive: an id() alone can be reused once a thread's session is freed

        threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len({id(s) for s in seen.values()}) == 4


def test_inspect_float_and_fixed():
    with trigrt.Model(model_path("deepcsv")) as m:
        d = m.inspect()
        assert d["mode"] == "float" and d["inputs"][0]["name"] == m.inputs[0].name
        assert d["inputs"][0]["shape"] == list(m.inputs[0].shape) and d["layers"] and d["macs"] > 0
    with trigrt.Model(JET, fixed=True, precision=MIXED) as m:
        d = m.inspect()
        assert d["mode"] == "fixed"
        dense = d["layers"][0]
        assert dense["types"]["accum"] == "ap_fixed<14,4,AP_RND,AP_SAT>"
        assert list(dense["types"])[:2] == ["input", "weight"]
        traps = [w for w in d["warnings"] if w["severity"] == "trap"]
        assert traps and all(w["name"] == d["layers"][w["layer"]]["name"] for w in traps)


@pytest.mark.skipif(not os.path.exists(CLI), reason="no trigrt CLI next to the library")
def test_inspect_is_the_cli_document():
    with trigrt.Model(JET, fixed=True, precision=MIXED) as m:
        d = m.inspect()
    r = subprocess.run([CLI, "inspect", JET, "--fixed", "--precision", MIXED, "--json"], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == d


def test_trace_layers_and_overflow_counts():
    x = np.load(MIXED_IN)[:700]
    with trigrt.Model(JET, fixed=True, precision=MIXED) as m:
        t = m.trace(x, batch=256)  # three chunks
        y = m.run(x.astype(np.float64))
        s = m.session(64)
        s.reporting = True
        s.run(x.astype(np.float64))
        report = s.report()
        names = [l["name"] for l in m.inspect()["layers"]]
    assert t.rows == 700 and [l.name for l in t] == names
    assert np.array_equal(t[-1].values, y)  # the last layer is the output, exactly
    assert t["Dense_MatMul_0"].values.shape == (700, 64) and t[0] is t.layers[0]
    assert t[0].types["result"] == "ap_fixed<14,4,AP_RND_INF,AP_SAT_SYM>"
    by_index = {r.index: r for r in report}
    for layer in t:
        if layer.report is not None:
            assert layer.report == by_index[layer.index]
    assert t.overflowed and all(l.overflows > 0 for l in t.overflowed)
    np.testing.assert_array_equal(np.load(MIXED_OUT)[:700], t[-1].values)


def test_trace_is_fixed_mode_only():
    with trigrt.Model(model_path("jet_tagger")) as m:
        with pytest.raises(trigrt.InvalidArgumentError, match="fixed-mode"):
            m.trace(golden("jet_tagger")[0][:3])


def test_errors_carry_the_library_message(tmp_path):
    missing = str(tmp_path / "nope.onnx")
    with pytest.raises(trigrt.IOError) as e:
        trigrt.Model(missing)
    assert missing in str(e.value) and e.value.status == trigrt.Status.IO
    bad = tmp_path / "bad.yml"
    bad.write_text("Model:\n  Precision: ap_fixed<16,banana>\n")   # hls4ml's int() fails on it too
    with pytest.raises(trigrt.PrecisionConfigError) as e:
        trigrt.Model(JET, fixed=True, precision=str(bad))
    assert str(bad) in str(e.value) and "banana" in str(e.value)


def _probe(env):
    code = "import trigrt; trigrt.version(); print(trigrt.library_path())"
    clean = {k: v for k, v in os.environ.items() if k not in ("TRIGRT_LIBRARY", "TRIGRT_PREFIX", "PYTHONPATH")}
    clean.update(env)
    return subprocess.run([sys.executable, "-c", code], env=clean, capture_output=True, text=True, timeout=60)


def test_prefix_environment_variable():
    prefix = os.path.dirname(os.path.dirname(LIBRARY))
    if not os.path.exists(os.path.join(prefix, "lib", "libtrigrt.so.0")):
        pytest.skip("the library is not in a make-install tree")
    r = _probe({"TRIGRT_PREFIX": prefix, "PYTHONPATH": SRC})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == os.path.join(prefix, "lib", "libtrigrt.so.0")


@pytest.mark.skipif(os.environ.get("TRIGRT_TEST_INSTALLED") != "1", reason="tests run from the source tree")
def test_installed_package_finds_the_library_by_itself():
    import importlib.util

    spec = importlib.util.find_spec("trigrt")
    assert not spec.origin.startswith(SRC), "the tests should import the installed package"
    pkg = os.path.dirname(spec.origin)
    assert os.path.exists(os.path.join(pkg, "py.typed"))
    from trigrt import _install

    assert _install.PREFIX and os.path.exists(os.path.join(_install.PREFIX, "lib", "libtrigrt.so.0"))
    r = _probe({})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == os.path.join(_install.PREFIX, "lib", "libtrigrt.so.0")
