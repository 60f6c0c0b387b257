"""Checks of the committed hls4ml type oracle (firmware-sim/type-oracle/).

    python3 -m pytest firmware-sim/tests/test_type_oracle.py -q

Fast: the files parse, are self-consistent, the synthetic models are the committed ones, and a
sample of configs reconverts to exactly the committed records. TRIGRT_ORACLE_FULL=1 also runs
`make_oracle.py --check` (all configs, ~2 min) and `check_weights.py`.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import subprocess
import sys

import pytest

FWSIM = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(FWSIM)
ORACLE = os.path.join(FWSIM, "type-oracle")
sys.path.insert(0, os.path.join(FWSIM, "scripts"))
sys.path.insert(0, ORACLE)

FILES = sorted(f for f in glob.glob(os.path.join(ORACLE, "*.json")) if not f.endswith("naming.json"))
TYPE_RE = re.compile(r"^(ap_u?fixed<-?\d+,-?\d+(,AP_[A-Z_]+,AP_[A-Z_]+,\d+)?>|ap_u?int<\d+>|float|double)"
                     r"( \(base\))?$")


def load(path):
    with open(path) as f:
        return json.load(f)


def test_oracle_files_exist_and_are_small():
    assert len(FILES) >= 20
    total = sum(os.path.getsize(f) for f in FILES + [os.path.join(ORACLE, "naming.json")])
    assert total < 5 * 1024 * 1024


@pytest.mark.parametrize("path", FILES, ids=[os.path.basename(f) for f in FILES])
def test_oracle_file_is_well_formed(path):
    d = load(path)
    assert d["versions"]["hls4ml"] == "1.3.0"
    cleaned = os.path.join(REPO, d["cleaned_model"])
    assert hashlib.sha256(open(cleaned, "rb").read()).hexdigest() == d["cleaned_sha256"]
    ids = [c["id"] for c in d["configs"]]
    assert len(ids) == len(set(ids))
    for c in d["configs"]:
        assert ("result" in c) != ("error" in c), c["id"]
        if "error" in c:
            continue
        r = c["result"]
        assert r["layers"][0]["fn"] == "input"
        for layer in r["layers"]:
            # (a convolution's `mult_config` names its nested Dense config struct, not a type)
            types = [v for k, v in layer.get("types", {}).items() if k != "mult_config"]
            for t in [layer["out"], *layer.get("in", []), *types]:
                assert TYPE_RE.match(t), (c["id"], layer["name"], t)
        for o in r["outputs"]:
            assert TYPE_RE.match(o["type"]), o


def test_rules_reproduce_every_record():
    r = subprocess.run([sys.executable, os.path.join(ORACLE, "check_rules.py")], cwd=REPO, capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:]


def test_naming_oracle_is_reproduced_by_the_reference_preprocessing():
    d = load(os.path.join(ORACLE, "naming.json"))
    ok = [k for k, v in d["models"].items() if v.get("preprocess_ref_matches") is True]
    failed = [k for k, v in d["models"].items() if "error" not in v and v.get("preprocess_ref_matches") is not True]
    assert not failed
    assert {"deepcsv", "jet_tagger", "tracknn", "jet_tagger_qonnx"} <= set(ok)


def test_zoo_cleaned_names_match_the_names_maps():
    d = load(os.path.join(ORACLE, "naming.json"))
    for z in ("deepcsv", "jet_tagger", "tracknn", "jet_tagger_qonnx"):
        names = load(os.path.join(FWSIM, "models", f"{z}.names.json"))
        assert {n[0] for n in d["models"][z]["cleaned"]["nodes"]} <= set(names["cleaned_to_original"])


def test_synthetic_models_are_the_committed_ones():
    import fwsim
    import synthetic

    for name in synthetic.MODELS:
        raw = synthetic.MODELS[name]()
        assert raw.SerializeToString(deterministic=True) == open(
            os.path.join(ORACLE, "synthetic", f"{name}.raw.onnx"), "rb").read(), name
    # one cleaning, to catch a changed qonnx
    cleaned = fwsim.clean_model(synthetic.MODELS["ops_mlp"]())
    assert cleaned.SerializeToString(deterministic=True) == open(
        os.path.join(ORACLE, "synthetic", "ops_mlp.cleaned.onnx"), "rb").read()


SAMPLE = [("jet_tagger", "name"), ("jet_tagger", "dense_auto_mix"), ("deepcsv", "model"),
          ("jet_tagger_qonnx", "name"), ("tracknn", "random_03"), ("merge_ops", "name"), ("bn_mlp", "name"),
          ("qonnx_variants", "name"), ("tracknn", "spelling_29")]


@pytest.mark.parametrize("model,cid", SAMPLE, ids=[f"{m}-{c}" for m, c in SAMPLE])
def test_sample_configs_reconvert_identically(model, cid):
    import onnx

    import make_oracle as mo

    d = load(os.path.join(ORACLE, f"{model}.json"))
    entry = next(c for c in d["configs"] if c["id"] == cid)
    cleaned = onnx.load(os.path.join(REPO, d["cleaned_model"]))
    rec = mo.convert_record(cleaned, entry["config"])
    if "error" in entry:
        assert rec.get("error") == entry["error"]
    else:
        assert json.loads(json.dumps(rec)) == entry["result"]


@pytest.mark.skipif(not os.environ.get("TRIGRT_ORACLE_FULL"), reason="set TRIGRT_ORACLE_FULL=1 (~3 min)")
def test_full_oracle_check_and_weights():
    for script in ("make_oracle.py", "check_weights.py"):
        args = [sys.executable, os.path.join(ORACLE, script)] + (["--check"] if script == "make_oracle.py" else [])
        r = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=1200)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
