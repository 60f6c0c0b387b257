"""Session.report() / reporting / reset_report(): the fixed-mode overflow report through the C ABI
(trigrt_session_set_report, _report_count, _report, _reset_report)."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess

import numpy as np
import pytest

import trigrt
from conftest import REPO, model_path

FWSIM = os.path.join(REPO, "firmware-sim")
JET = os.path.join(FWSIM, "models", "jet_tagger.cleaned.onnx")
MIXED = os.path.join(FWSIM, "configs", "jet_tagger", "mixed.yml")
COUNTERS = ("values", "accum_wrapped", "accum_saturated", "result_wrapped", "result_saturated")


@pytest.fixture(scope="module")
def mixed():
    """jet_tagger with the mixed config (saturating accumulators) and its 10,000 golden rows."""
    m = trigrt.Model(JET, mode="fixed", precision=MIXED)
    x = np.load(os.path.join(FWSIM, "goldens", "jet_tagger", "mixed.inputs.npy"))
    y = np.load(os.path.join(FWSIM, "goldens", "jet_tagger", "mixed.outputs.npy"))
    yield m, x, y
    m.close()


def totals(report):
    return {k: sum(getattr(r, k) for r in report) for k in COUNTERS}


def test_mixed_config_saturates_on_its_golden_inputs(mixed):
    m, x, y = mixed
    with m.session(64) as s:
        assert s.reporting is False
        s.reporting = True
        assert s.reporting is True
        out = s.run(x)
        rep = s.report()
    assert np.array_equal(out, y)  # reporting does not change results (bit-exact with csim)
    names = [r.name for r in rep]
    assert names[0] == "Dense_MatMul_0" and names[-1] == "Softmax_0" and len(rep) == 12
    assert [r.index for r in rep] == list(range(12))
    by = {r.name: r for r in rep}
    d0 = by["Dense_MatMul_0"]
    assert d0.result_format == "ap_fixed<14,4,AP_RND_INF,AP_SAT_SYM>" and d0.integer_bits == 4
    assert d0.values == len(x) * 64
    assert d0.accum_saturated > 0 and d0.result_saturated > 0 and d0.accum_wrapped == d0.result_wrapped == 0
    assert by["Relu_0"].result_saturated > 0 and by["Relu_0"].needed_integer_bits > by["Relu_0"].integer_bits
    assert by["bn_Add_3"].result_saturated > 0
    t = totals(rep)
    assert t["accum_saturated"] > 0 and t["result_saturated"] > 0 and t["accum_wrapped"] == t["result_wrapped"] == 0
    for r in rep:
        assert r.format_min <= r.format_max
        assert (r.seen_min is None) == (r.values == 0)
        if r.values:
            assert r.seen_min <= r.seen_max
        assert r.overflows == r.accum_wrapped + r.accum_saturated + r.result_wrapped + r.result_saturated
        assert r.overflowed == (r.overflows > 0)


def test_batch_64_and_row_by_row_give_identical_reports(mixed):
    m, x, _ = mixed
    with m.session(64) as s64, m.session(1) as s1:
        s64.reporting = True
        s64.run(x)
        s1.reporting = True
        for row in x:
            s1.run(row[None, :])
        a, b = s64.report(), s1.report()
    assert [r.as_dict() for r in a] == [r.as_dict() for r in b]
    assert totals(a)["result_saturated"] > 0


def test_batch_split_does_not_matter(mixed):
    """Any split of the rows into calls counts the same (odd batch sizes, a partial last call)."""
    m, x, _ = mixed
    x = x[6500:8200]  # realistic, x8 (saturating) and negated rows
    with m.session(37) as a, m.session(1000) as b:
        a.reporting = b.reporting = True
        a.run(x)
        b.run(x[:3])
        b.run(x[3:])
        ra, rb = a.report(), b.report()
    assert [r.as_dict() for r in ra] == [r.as_dict() for r in rb]
    assert totals(ra)["accum_saturated"] > 0


def test_reset_zeroes_and_counters_accumulate(mixed):
    m, x, _ = mixed
    rows = x[7000:7200]  # the 8x-scaled block: saturates
    with m.session(64) as s:
        s.reporting = True
        s.run(rows)
        once = s.report()
        s.run(rows)
        twice = s.report()
        for r1, r2 in zip(once, twice):
            for k in COUNTERS:
                assert getattr(r2, k) == 2 * getattr(r1, k)
            assert (r2.seen_min, r2.seen_max) == (r1.seen_min, r1.seen_max)
        assert totals(once)["result_saturated"] > 0
        s.reset_report()
        assert s.reporting is True  # reset keeps reporting on
        for r in s.report():
            assert all(getattr(r, k) == 0 for k in COUNTERS)
            assert r.seen_min is None and r.seen_max is None and r.needed_integer_bits is None
            assert math.isfinite(r.format_min) and math.isfinite(r.format_max)
        s.run(rows)
        assert [r.as_dict() for r in s.report()] == [r.as_dict() for r in once]


def test_reporting_off_counts_nothing_and_keeps_counters(mixed):
    m, x, y = mixed
    rows = x[7000:7100]
    with m.session(64) as s:
        s.run(rows)  # reporting is off by default
        assert totals(s.report()) == dict.fromkeys(COUNTERS, 0)
        s.reporting = True
        s.run(rows)
        on = [r.as_dict() for r in s.report()]
        s.reporting = False
        out = s.run(rows)
        assert [r.as_dict() for r in s.report()] == on  # unchanged by the run with reporting off
        assert np.array_equal(out, y[7000:7100])


def test_float32_inputs_are_counted_too(mixed):
    m, x, _ = mixed
    with m.session(64) as s:
        s.reporting = True
        s.run(x[7000:7500].astype(np.float32))
        assert totals(s.report())["accum_saturated"] > 0


def test_float_mode_sessions_raise_a_clear_error():
    with trigrt.Model(model_path("jet_tagger")) as m, m.session(4) as s:
        for action in (lambda: setattr(s, "reporting", True), lambda: setattr(s, "reporting", False),
                       s.report, s.reset_report):
            with pytest.raises(trigrt.InvalidArgumentError) as e:
                action()
            assert "fixed-mode" in str(e.value) and "float mode" in str(e.value)
            assert e.value.status == trigrt.Status.INVALID_ARGUMENT
        assert s.reporting is False


def test_closed_session_raises(mixed):
    m, _, _ = mixed
    s = m.session(2)
    s.close()
    for action in (lambda: setattr(s, "reporting", True), s.report, s.reset_report):
        with pytest.raises(ValueError, match="closed"):
            action()


def test_struct_layout_matches_the_header():
    """sizeof(trigrt_layer_report) on LP64: 4+4+8+8 + 5*8 + 4*8 + 4+4 = 104; the library refuses a
    struct_size smaller than its version-1 fields."""
    from trigrt import _lib

    assert __import__("ctypes").sizeof(_lib.TrigrtLayerReport) == 104
    with trigrt.Model(JET, mode="fixed", precision=MIXED) as m, m.session(1) as s:
        lib = _lib.lib()
        r = _lib.TrigrtLayerReport()
        r.struct_size = 40
        err = _lib.TrigrtError()
        st = lib.trigrt_session_report(s._handle, 0, __import__("ctypes").byref(r), __import__("ctypes").byref(err))
        assert st == trigrt.Status.INVALID_ARGUMENT and b"struct_size" in err.message
        assert lib.trigrt_session_report_count(s._handle) == 12


def _cli():
    for c in (os.environ.get("TRIGRT_CLI"), os.path.join(REPO, ".build-dist", "release", "trigrt-cli"),
              os.path.join(REPO, ".build-dist", "prefix", "bin", "trigrt"), shutil.which("trigrt")):
        if c and os.access(c, os.X_OK):
            return c
    return None


@pytest.mark.skipif(_cli() is None, reason="trigrt CLI not built")
def test_report_equals_trigrt_trace_json(mixed, tmp_path):
    """The binding's report and `trigrt trace --json` (the CLI's own session) agree field by field."""
    m, x, _ = mixed
    rows = np.ascontiguousarray(x[::10])
    np.save(tmp_path / "x.npy", rows)
    res = subprocess.run([_cli(), "trace", JET, "--fixed", "--precision", MIXED, "--input", str(tmp_path / "x.npy"),
                          "--out", str(tmp_path / "trace"), "--json"], capture_output=True, text=True, check=True)
    cli = json.loads(res.stdout)["layers"]
    with m.session(64) as s:
        s.reporting = True
        s.run(rows)
        mine = [r.as_dict() for r in s.report()]
    assert mine == cli


def _needed_integer_bits(lo: float, hi: float, fmt: str, integer_bits: int):
    """The header's definition: the I (same signedness and F) whose format holds [lo, hi]."""
    import re

    m = re.match(r"^ap_(u?)fixed<(\d+),\s*(-?\d+)", fmt)
    unsigned, f = m.group(1) == "u", int(m.group(2)) - int(m.group(3))
    if unsigned and lo < 0:
        return None
    for i in range(-64, 201):
        top = 2.0 ** i if unsigned else 2.0 ** (i - 1)
        if hi <= top - 2.0 ** -f and lo >= (0.0 if unsigned else -top):
            return i
    return None


# jet_tagger, model default ap_fixed<16,6>, logits pinned to a wide type: the stable softmax gives
# 0.2001953125 for every output (hls4ml-tutorial PR #111), which needs I = -1 at F = 10.
WIDE_LOGITS = {"Model": {"Precision": {"default": "fixed<16,6>"}, "ReuseFactor": 1, "Strategy": "Latency"},
               "LayerName": {"Add_3": {"Precision": {"result": "ap_fixed<38,18>"}}}}


def test_needed_integer_bits_minus_one_is_distinguishable():
    x = np.load(os.path.join(REPO, "Models", "jet_tagger.inputs.npy"))[:100].astype(np.float64)
    with trigrt.Model(model_path("jet_tagger"), mode="fixed", precision=WIDE_LOGITS) as m, m.session(64) as s:
        s.reporting = True
        s.run(x)
        rep = s.report()
    sm = rep[-1]
    assert sm.name == "Softmax_0" and sm.seen_min == sm.seen_max == 0.2001953125  # the trap itself
    for r in rep:
        if r.seen_min is not None:
            assert r.needed_integer_bits == _needed_integer_bits(r.seen_min, r.seen_max, r.result_format,
                                                                 r.integer_bits), r


def test_sat_sym_format_range_is_symmetric(mixed):
    m, x, _ = mixed
    with m.session(64) as s:
        s.reporting = True
        s.run(x)
        rep = s.report()
    checked = 0
    for r in rep:
        if r.result_format.startswith("ap_fixed<") and "AP_SAT_SYM" in r.result_format:
            checked += 1
            assert r.format_min == -r.format_max, r
            if r.result_saturated and r.seen_min >= r.format_min and r.seen_max <= r.format_max:
                raise AssertionError(f"{r.name}: saturations although the seen range lies inside the format: {r}")
    assert checked == 2
