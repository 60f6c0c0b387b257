"""ONNX Runtime peer for bench_driver, run inside the driver's process by its embedded interpreter.

setup() builds one InferenceSession (CPU execution provider, one intra-op and one inter-op thread:
the host framework owns the threads, as for trigrt) and IOBinding objects whose input and output
OrtValues are bound once, so a timed call is only `session.run_with_iobinding(binding)`:
no numpy conversion, no output allocation by the caller. The driver times each call in C++.
"""
import functools

import numpy as np
import onnxruntime as ort


def setup(model: str, inputs: str, rows: int, max_batch: int) -> dict:
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    sess = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
    (inp,), (out,) = sess.get_inputs(), sess.get_outputs()
    x = np.load(inputs)
    x = x.reshape(x.shape[0], -1)
    n_out = int(np.prod([d for d in out.shape[1:]]))
    sample_shape = [int(d) for d in inp.shape[1:]]
    # the driver's inputs: rows 0..rows-1 for batch 1, rows 0..max_batch-1 (repeated) for batches
    xb = np.ascontiguousarray(x[np.arange(max_batch) % x.shape[0]].astype(np.float32))
    keep = []   # the OrtValues must outlive the bindings

    def bound(xs: np.ndarray):
        b = sess.io_binding()
        xv = ort.OrtValue.ortvalue_from_numpy(np.ascontiguousarray(xs.reshape([xs.shape[0]] + sample_shape)))
        yv = ort.OrtValue.ortvalue_from_shape_and_type([xs.shape[0]] + [int(d) for d in out.shape[1:]], np.float32)
        b.bind_ortvalue_input(inp.name, xv)
        b.bind_ortvalue_output(out.name, yv)
        keep.append((xv, yv))
        return functools.partial(sess.run_with_iobinding, b), yv

    run1, outs1 = [], []
    for r in range(rows):
        f, yv = bound(xb[r:r + 1])
        run1.append(f)
        outs1.append(yv)
    runb = [bound(xb[:b])[0] for b in (1, 16, max_batch)]

    def outputs1() -> bytes:
        for f in run1:
            f()
        return np.concatenate([v.numpy().reshape(-1, n_out) for v in outs1]).astype(np.float32).tobytes()

    return {
        "run1": run1, "runb": runb, "outputs1": outputs1, "version": ort.__version__,
        "settings": "CPUExecutionProvider, intra_op_num_threads=1, inter_op_num_threads=1, sequential, ORT_ENABLE_ALL, no spinning",
        "_keep": keep, "_session": sess,
    }
