"""firmware-sim/scripts/check_tb.py: trigrt's testbench files consumed by hls4ml's own testbench.

    python3 -m pytest firmware-sim/tests/test_check_tb.py -q                       # unit tests
    TRIGRT_FWSIM_CSIM=1 python3 -m pytest firmware-sim/tests/test_check_tb.py -q   # + hls4ml testbench runs

The unit tests check the script's definition of "equal to the 6 digits csim_results.log carries"
against ap_fixed's own `operator<<` (compiled here with the wheel's ap_types; cached), and that
the comparisons catch one changed digit or a malformed line. With TRIGRT_FWSIM_CSIM=1 the script
runs on two pairs (hls4ml projects and testbench executables cached in ~/.cache/trigrt/fwsim),
and an input file changed in one row must change exactly that row of csim_results.log.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys

import numpy as np
import pytest

FWSIM = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(FWSIM, "scripts"))
import check_tb as cb  # noqa: E402
import check_trace as ct  # noqa: E402

CSIM = pytest.mark.skipif(not os.environ.get("TRIGRT_FWSIM_CSIM"), reason="set TRIGRT_FWSIM_CSIM=1 to run hls4ml")

# (C++ type, W, I, signed) printed by the helper below
PRINT_TYPES = [("ap_fixed<18,8>", 18, 8, True), ("ap_ufixed<12,1>", 12, 1, False), ("ap_fixed<32,2>", 32, 2, True),
               ("ap_fixed<40,20>", 40, 20, True), ("ap_ufixed<20,-3>", 20, -3, False), ("ap_fixed<16,6>", 16, 6, True)]
PRINTER = r"""
#include <iostream>
#include <cstdlib>
#include "ap_fixed.h"
template <class T> void run() {
  long long raw;
  while (std::cin >> raw) { T v; v.range(T::width - 1, 0) = raw; std::cout << v << "\n"; }
}
int main(int argc, char **argv) {
  switch (atoi(argv[1])) {
%s
  }
}
"""


@pytest.fixture(scope="module")
def printer():
    """An executable printing raw codes of PRINT_TYPES through ap_fixed's operator<<."""
    import hls4ml

    inc = os.path.join(os.path.dirname(hls4ml.__file__), "templates", "vivado", "ap_types")
    cases = "\n".join(f"    case {k}: run<{t} >(); break;" for k, (t, *_) in enumerate(PRINT_TYPES))
    src = PRINTER % cases
    root = os.path.join(ct.fwsim.default_cache_root(), "check-tb-printer")
    exe = os.path.join(root, "print-" + hashlib.sha256((src + inc).encode()).hexdigest()[:12])
    if not os.path.exists(exe):
        os.makedirs(root, exist_ok=True)
        with open(exe + ".cpp", "w") as f:
            f.write(src)
        subprocess.run(["g++", "-O1", f"-I{inc}", exe + ".cpp", "-o", exe + ".tmp"], check=True)
        os.replace(exe + ".tmp", exe)
    return exe


def test_six_digit_rule_is_what_ap_fixed_prints(printer):
    rng = random.Random(3)
    for k, (_, w, i, signed) in enumerate(PRINT_TYPES):
        lo, hi = (-(1 << (w - 1)), (1 << (w - 1)) - 1) if signed else (0, (1 << w) - 1)
        raws = [lo, hi, 0, 1, -1 if signed else 2, hi - 1] + [rng.randint(lo, hi) for _ in range(3000)]
        raws += [rng.randint(lo >> 12, hi >> 12) for _ in range(500)]  # small values (exponent form)
        # values whose 6-digit rounding carries (9.99999..., 0.0999995...)
        f = w - i
        for target in (9.9999951, 99.999951, 0.99999951, 0.0099999951, 1.0000049, 0.00012345651):
            r = round(target * 2 ** f)
            raws += [x for x in (r - 1, r, r + 1) if lo <= x <= hi]
        raws = [r if signed or r >= 0 else -r for r in raws]
        out = subprocess.run([printer, str(k)], input="\n".join(map(str, raws)) + "\n", capture_output=True,
                             text=True, check=True).stdout.split()
        assert len(out) == len(raws)
        for r, tok in zip(raws, out):
            v = r * 2.0 ** -f  # exact (<= 40 bits)
            from decimal import Decimal

            assert Decimal(tok) == cb.round_sig(v), (PRINT_TYPES[k][0], r, tok, cb.round_sig(v))


def test_round_sig_and_ostream_float():
    assert str(cb.round_sig(0.0791015625)) == "0.0791016"
    assert cb.round_sig(0.25) == cb.round_sig(0.25000000001) and cb.round_sig(0.0) == 0
    assert float(cb.round_sig(9.9999995)) == 10.0 and float(cb.round_sig(-0.000123456789)) == -0.000123457
    assert cb.ostream_float(0.0791015625) == "0.0791016" and cb.ostream_float(1.5e-05) == "1.5e-05"
    assert cb.ostream_float(-7.9990234375) == "-7.99902" and cb.ostream_float(0.0) == "0"


def test_compare_csim_log_catches_one_digit(tmp_path):
    want = np.array([[0.0791015625, 0.16015625], [0.5, -3.25]])
    p = tmp_path / "csim_results.log"
    p.write_text("0.0791016 0.160156 \n0.5 -3.25 \n")
    assert cb.compare_csim_log(str(p), want)["equal"]
    p.write_text("0.0791016 0.160157 \n0.5 -3.25 \n")
    r = cb.compare_csim_log(str(p), want)
    assert not r["equal"] and r["differing_rows"] == [0] and r["first"]["col"] == 1
    p.write_text("0.0791016 0.160156 \n")
    assert "error" in cb.compare_csim_log(str(p), want)


def test_line_format(tmp_path):
    p = tmp_path / "a.dat"
    p.write_text("1 2 3 \n4 5 6 \n")
    assert cb.check_line_format(str(p)) == [] and cb.read_rows(str(p)) == [["1", "2", "3"], ["4", "5", "6"]]
    for bad in ("1 2 3\n", "1  2 \n", " 1 2 \n"):
        p.write_text(bad)
        assert cb.check_line_format(str(p))


@CSIM
def test_check_tb_two_pairs(tmp_path):
    out = tmp_path / "r.json"
    rc = cb.main(["--pairs", "jet_tagger/mixed,tracknn/mixed", "--rows", "500", "--variants", "float32",
                  "--json", str(out)])
    res = json.load(open(out))
    assert rc == 0 and res["ok"]
    for p in res["pairs"]:
        f32 = next(v for v in p["variants"] if v["variant"] == "float32")
        assert f32["errors"] == [] and f32["csim_results"]["equal"] and f32["csim_results"]["lines"] == 500
        assert len(f32["layer_logs"]["compared"]) >= 12 and not f32["layer_logs"]["differing"]


@CSIM
def test_float64_inputs_give_tb_data_the_testbench_reproduces():
    """Rows 3835 (jet_tagger/mixed) hold a float64 input whose float32 rounding is an exact AP_RND
    tie: trigrt tb must compute on float(x), as the testbench does."""
    assert cb.main(["--pairs", "jet_tagger/mixed", "--row-slice", "3830:3840", "--variants", "float64"]) == 0


@CSIM
def test_testbench_really_reads_the_input_file(tmp_path):
    """Change one input row of trigrt's tb_input_features.dat: exactly that row of the
    testbench's csim_results.log moves away from trigrt's predictions."""
    cli = ct.find_cli()
    p = ct.golden_paths("jet_tagger", "mixed")
    x = np.load(p["inputs"])[:50]
    np.save(tmp_path / "x.npy", x.astype(np.float32))
    subprocess.run([cli, "tb", p["model"], "--fixed", "--precision", p["config"], "--input", str(tmp_path / "x.npy"),
                    "--out", str(tmp_path / "t")], check=True, capture_output=True)
    pred_file = str(tmp_path / "t/tb_data/tb_output_predictions.dat")
    pred = np.array([[float(t) for t in r] for r in cb.read_rows(pred_file)])
    _, project, _ = ct.traced_project("jet_tagger", "mixed", ct.fwsim.default_cache_root())
    exe, _ = cb.build_testbench(project)
    cb.run_testbench(exe, str(tmp_path / "t"), str(tmp_path / "h"))
    assert cb.compare_csim_log(str(tmp_path / "h/tb_data/csim_results.log"), pred)["equal"]
    dat = tmp_path / "t/tb_data/tb_input_features.dat"
    lines = dat.read_text().split("\n")
    lines[7] = " ".join(str(-4.0 * float(t)) for t in lines[7].split()) + " "
    dat.write_text("\n".join(lines))
    cb.run_testbench(exe, str(tmp_path / "t"), str(tmp_path / "h2"))
    r = cb.compare_csim_log(str(tmp_path / "h2/tb_data/csim_results.log"), pred)
    assert r["differing_rows"] == [7]
