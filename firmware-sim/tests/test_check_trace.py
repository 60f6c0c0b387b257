"""firmware-sim/scripts/check_trace.py: `trigrt trace` against hls4ml's trace, and trigrt's overflow
report against counts recomputed with exact integer arithmetic.

    python3 -m pytest firmware-sim/tests/test_check_trace.py -q                       # unit tests
    TRIGRT_FWSIM_CSIM=1 python3 -m pytest firmware-sim/tests/test_check_trace.py -q   # + hls4ml runs

The unit tests check the exact ap_fixed arithmetic of the script against a Fraction reference
and that the comparisons catch a one-ulp difference or an off-by-one count. With
TRIGRT_FWSIM_CSIM=1 the script runs on three (model, config) pairs (Dense, ApplyAlpha, ReLU,
sigmoid, softmax; saturating and wrapping overflows) on 1,000 golden rows each (hls4ml builds
cached in ~/.cache/trigrt/fwsim), and a perturbed hls4ml trace must be caught.
"""

from __future__ import annotations

import copy
import json
import os
import random
import sys
from fractions import Fraction

import numpy as np
import pytest

FWSIM = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(FWSIM, "scripts"))
import check_trace as ct  # noqa: E402

CSIM = pytest.mark.skipif(not os.environ.get("TRIGRT_FWSIM_CSIM"), reason="set TRIGRT_FWSIM_CSIM=1 to run hls4ml")


# ------------------------------------------------------------------ exact arithmetic (no hls4ml)

def ref_convert(v: Fraction, fmt: ct.Fmt) -> tuple[int, bool]:
    """ap_fixed conversion of an exact rational, written from the Xilinx mode definitions."""
    s = v * Fraction(2) ** fmt.F
    fl = s.numerator // s.denominator
    rem = s - fl
    half = Fraction(1, 2)
    q = {"AP_TRN": fl,
         "AP_TRN_ZERO": fl + (1 if (s < 0 and rem != 0) else 0),
         "AP_RND": fl + (1 if rem >= half else 0),
         "AP_RND_ZERO": fl + (1 if rem > half or (rem == half and s < 0) else 0),
         "AP_RND_MIN_INF": fl + (1 if rem > half else 0),
         "AP_RND_INF": fl + (1 if rem > half or (rem == half and s >= 0) else 0),
         "AP_RND_CONV": fl + (1 if rem > half or (rem == half and fl % 2 == 1) else 0)}[fmt.rounding]
    if fmt.signed:
        hi = 2 ** (fmt.width - 1) - 1
        lo = -hi if fmt.overflow == "AP_SAT_SYM" else -(2 ** (fmt.width - 1))
    else:
        lo, hi = 0, 2 ** fmt.width - 1
    if lo <= q <= hi:
        return q, False
    if fmt.overflow == "AP_WRAP":
        w = q % 2 ** fmt.width
        if fmt.signed and w >= 2 ** (fmt.width - 1):
            w -= 2 ** fmt.width
        return w, True
    if fmt.overflow == "AP_SAT_ZERO":
        return 0, True
    return min(max(q, lo), hi), True


def random_formats(rng, n):
    out = []
    for _ in range(n):
        w = rng.randint(1, 20)
        signed = rng.random() < 0.7
        if signed and w == 1:
            w = 2
        out.append(ct.Fmt(w, rng.randint(-4, w + 4), signed, rng.choice(ct.Q_MODES), rng.choice(ct.O_MODES)))
    return out


def test_convert_matches_the_fraction_reference():
    rng = random.Random(7)
    for fmt in random_formats(rng, 300):
        f_src = fmt.F + rng.randint(-3, 9)
        raw = np.array([rng.randint(-2 ** 24, 2 ** 24) for _ in range(200)] +
                       [k * 2 ** max(f_src - fmt.F, 0) + 2 ** max(f_src - fmt.F - 1, 0) * s  # ties
                        for k in range(-40, 40) for s in (-1, 1)], dtype=np.int64)
        got, over = ct.convert(raw, f_src, fmt)
        for r, g, o in zip(raw.tolist(), got.tolist(), over.tolist()):
            assert (g, o) == ref_convert(Fraction(r) / Fraction(2) ** f_src, fmt), (fmt, f_src, r)


def test_double_to_fixed_matches_the_fraction_reference():
    rng = random.Random(11)
    for fmt in random_formats(rng, 200):
        xs = np.array([rng.uniform(-40, 40) for _ in range(100)] +
                      [(rng.randint(-300, 300) + 0.5) / 2 ** fmt.F for _ in range(50)] + [0.0, -0.0, 1000.0])
        got, over = ct.double_to_fixed(xs, fmt)
        for x, g, o in zip(xs.tolist(), got.tolist(), over.tolist()):
            assert (g, o) == ref_convert(Fraction(x), fmt), (fmt, x)


def test_sat_sym_most_negative_code_counts_as_saturated():
    fmt = ct.Fmt(8, 4, True, "AP_TRN", "AP_SAT_SYM")
    got, over = ct.convert(np.array([-8 * 16, -8 * 16 + 1]), 4, fmt)
    assert got.tolist() == [-127, -127] and over.tolist() == [True, False]


def test_needed_integer_bits():
    fmt = ct.Fmt(10, 3, False, "AP_RND", "AP_SAT")  # F = 7
    assert ct.needed_integer_bits(0.0, 8.05, fmt) == 4
    assert ct.needed_integer_bits(0.0, 7.9921875, fmt) == 3
    assert ct.needed_integer_bits(-1.0, 1.0, fmt) is None
    s = ct.Fmt(14, 4, True)
    assert ct.needed_integer_bits(-8.0, 7.9990234375, s) == 4 and ct.needed_integer_bits(-8.0, 8.0, s) == 5


# ------------------------------------------------------------------ the comparisons catch differences

def _fake(rows=5):
    rng = np.random.default_rng(1)
    tv = {"A": np.round(rng.normal(size=(rows, 4)) * 64) / 64, "B": np.round(rng.normal(size=(rows, 3)) * 8) / 8}
    tr = {"A": (tv["A"] * 64).astype(np.int64), "B": (tv["B"] * 8).astype(np.int64)}
    report = {"layers": [{"name": "A", "result_format": "ap_fixed<16,10>"}, {"name": "B", "result_format":
                                                                            "ap_fixed<8,5,AP_RND,AP_SAT>"}]}
    layers_json = {"layers": [{"name": "global_in"}, {"name": "A"}, {"name": "B"}]}
    return tv, tr, report, layers_json


def test_compare_traces_equal_and_one_ulp_off():
    tv, tr, report, lj = _fake()
    assert ct.compare_traces(copy.deepcopy(tv), tv, tr, report, lj)["equal"]
    hl = copy.deepcopy(tv)
    hl["B"][2, 1] += 2.0 ** -52 * max(1.0, abs(hl["B"][2, 1]))
    r = ct.compare_traces(hl, tv, tr, report, lj)
    assert not r["equal"] and [l["differing"] for l in r["layers"]] == [0, 1]
    bad_raw = copy.deepcopy(tr)
    bad_raw["A"][0, 0] += 1
    assert not ct.compare_traces(copy.deepcopy(tv), tv, bad_raw, report, lj)["equal"]
    missing = {"A": tv["A"]}
    r = ct.compare_traces(copy.deepcopy(tv), missing, tr, report, lj)
    assert not r["equal"] and r["generated_layers_missing_in_trigrt"] == ["B"]


def test_compare_counts_catches_an_off_by_one_and_a_range():
    mine = {"L": {"kind": "nnet::dense", "values": 10, "accum_wrapped": 0, "accum_saturated": 3, "result_wrapped": 0,
                  "result_saturated": 1, "seen_min": -1.0, "seen_max": 2.0, "needed_integer_bits": 3,
                  "outputs_equal_hls4ml_trace": True}}
    trig = {"layers": [{"name": "L", "values": 10, "accum_wrapped": 0, "accum_saturated": 3, "result_wrapped": 0,
                        "result_saturated": 1, "seen_min": -1.0, "seen_max": 2.0, "needed_integer_bits": 3}]}
    assert ct.compare_counts(mine, trig)["equal"]
    for k, v in (("accum_saturated", 4), ("result_wrapped", 1), ("values", 9), ("seen_max", 2.5),
                 ("needed_integer_bits", 4)):
        t = copy.deepcopy(trig)
        t["layers"][0][k] = v
        r = ct.compare_counts(mine, t)
        assert not r["equal"] and k in r["layers"][0]["differing"]
    m2 = copy.deepcopy(mine)
    m2["L"].update(outputs_equal_hls4ml_trace=False, outputs_differing=2)
    assert not ct.compare_counts(m2, trig)["equal"]


def test_select_rows_spans_every_input_block():
    idx = ct.select_rows(10000, 1000)
    assert len(idx) == 1000 and list(idx[:200]) == list(range(200)) and idx[-1] == 9999
    assert np.all(np.diff(idx) > 0)
    assert list(ct.select_rows(10000, 50)) == list(range(50))


# ------------------------------------------------------------------ against hls4ml (compiles / cached)

@CSIM
def test_check_trace_three_pairs(tmp_path):
    out = tmp_path / "r.json"
    pairs = "jet_tagger/mixed,tracknn/mixed,deepcsv/default"
    rc = ct.main(["--pairs", pairs, "--count-pairs", pairs, "--rows", "1000", "--json", str(out)])
    res = json.load(open(out))
    assert rc == 0 and res["ok"]
    kinds = set()
    for p in res["pairs"]:
        assert p["rows"] == 1000 and p["trace"]["equal"] and p["trace"]["trigrt_final_equals_goldens"]
        compared = [l for l in p["trace"]["layers"] if "equal" in l]
        assert len(compared) == len(p["trace"]["layers"]) >= 12  # hls4ml traces every layer here
        assert all(l["raw_consistent"] for l in p["trace"]["layers"])
        kinds |= {l["kind"] for l in p["counts"]["layers"]}
        assert all(l["equal"] for l in p["counts"]["layers"])
    assert kinds == {"nnet::dense", "nnet::normalize", "nnet::relu"}
    by = {p["pair"]: p for p in res["pairs"]}
    sat = sum(l["here"]["accum_saturated"] + l["here"]["result_saturated"]
              for l in by["jet_tagger/mixed"]["counts"]["layers"])
    wrap = sum(l["here"]["accum_wrapped"] + l["here"]["result_wrapped"]
               for l in by["deepcsv/default"]["counts"]["layers"])
    assert sat > 0 and wrap > 0  # both overflow kinds are exercised


@CSIM
def test_independent_counts_follow_hls4ml_and_catch_a_perturbation(tmp_path):
    """The recomputation must reproduce hls4ml's traced outputs; a single changed traced value
    (one LSB in one Dense output) is caught in the layer that consumes it."""
    p = ct.golden_paths("jet_tagger", "mixed")
    lj = json.load(open(p["layers"]))
    x, y = np.load(p["inputs"])[7000:7200], np.load(p["outputs"])[7000:7200]
    trace, project, _ = ct.hls4ml_trace("jet_tagger", "mixed", x, y, ct.fwsim.default_cache_root())
    ok = ct.independent_counts(lj, x, trace, project)
    assert all(v.get("outputs_equal_hls4ml_trace", True) for v in ok.values())
    assert ok["Dense_MatMul_0"]["accum_saturated"] > 0
    bad = copy.deepcopy(trace)
    bad["Relu_1"][3, 5] += 2.0 ** -6  # one LSB of ap_ufixed<9,3>
    r = ct.independent_counts(lj, x, bad, project)
    assert r["Dense_MatMul_2"]["outputs_equal_hls4ml_trace"] is False
