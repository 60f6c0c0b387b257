"""Per-call time at batch 1 from Python: trigrt's binding against ONNX Runtime's Python API, in
the same process, interleaved (rounds alternate between the contenders, so drifts in clock speed
and load hit all of them alike).

    python bindings/python/benchmarks/overhead.py [--rounds 30] [--calls 2000] [--json out.json]

Contenders, per zoo model (Models/*.onnx, float mode), each called with one fresh row per call:
  trigrt Model.run(x)      the one-line API (per-thread session kept by the model)
  trigrt Session.run(x)    an explicit session
  trigrt BoundRun()        Session.bind: arrays bound once, one ctypes call per run
  ORT run(None, {name: x}) onnxruntime.InferenceSession, 1 intra-op / inter-op thread, sequential
The library is found as the package finds it ($TRIGRT_LIBRARY, ...). Prints the median over
rounds of each round's mean per-call time, and the min.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

import numpy as np
import onnxruntime as ort

import trigrt

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ZOO = ["deepcsv", "jet_tagger", "tracknn"]


def contenders(name: str, rows: np.ndarray):
    path = os.path.join(REPO, "Models", f"{name}.onnx")
    model = trigrt.Model(path)
    session = model.session(1)
    bound_x = np.empty((1, rows.shape[1]), dtype=np.float32)
    bound = session.bind(bound_x)
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    in_name = sess.get_inputs()[0].name
    n = len(rows)

    def t_model(k):
        for i in range(k):
            model.run(rows[i % n:i % n + 1])

    def t_session(k):
        for i in range(k):
            session.run(rows[i % n:i % n + 1])

    def t_bound(k):
        for i in range(k):
            bound_x[0] = rows[i % n]
            bound()

    def t_ort(k):
        for i in range(k):
            sess.run(None, {in_name: rows[i % n:i % n + 1]})

    # Same answers first.
    for i in range(5):
        ref = sess.run(None, {in_name: rows[i:i + 1]})[0]
        np.testing.assert_allclose(model.run(rows[i:i + 1]), ref, atol=1e-5)
    return {"trigrt Model.run": t_model, "trigrt Session.run": t_session, "trigrt BoundRun": t_bound,
            "ORT InferenceSession.run": t_ort}, (model, session, bound, sess)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--calls", type=int, default=2000, help="calls per contender per round")
    ap.add_argument("--json", help="write the results here")
    args = ap.parse_args()
    results = {}
    for name in ZOO:
        rows = np.ascontiguousarray(np.load(os.path.join(REPO, "Models", f"{name}.inputs.npy")), dtype=np.float32)
        fns, keep = contenders(name, rows)
        for fn in fns.values():
            fn(500)  # warm-up
        per = {k: [] for k in fns}
        order = list(fns)
        for r in range(args.rounds):
            for k in (order if r % 2 == 0 else order[::-1]):
                t0 = time.perf_counter_ns()
                fns[k](args.calls)
                per[k].append((time.perf_counter_ns() - t0) / args.calls / 1000)
        results[name] = {k: {"median_us": statistics.median(v), "min_us": min(v)} for k, v in per.items()}
        del keep
        ort_med = results[name]["ORT InferenceSession.run"]["median_us"]
        print(f"{name}: per call at batch 1, median of {args.rounds} interleaved rounds x {args.calls} calls")
        for k, v in results[name].items():
            print(f"  {k:26s} {v['median_us']:7.2f} us  (min {v['min_us']:6.2f})  {ort_med / v['median_us']:5.1f}x ORT's speed")
    meta = {"python": platform.python_version(), "numpy": np.__version__, "onnxruntime": ort.__version__,
            "trigrt": trigrt.version(), "library": trigrt.library_path(), "machine": platform.machine(),
            "rounds": args.rounds, "calls": args.calls}
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "results": results}, f, indent=1)
    print(json.dumps(meta))


if __name__ == "__main__":
    main()
