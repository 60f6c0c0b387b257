"""Shared setup of the binding's tests.

The tests import the package from this source tree (bindings/python/src), or with
TRIGRT_TEST_INSTALLED=1 the installed one (`make python-test` pip-installs it into .venv), and load the library
named by $TRIGRT_LIBRARY; without it they look for the repository's own build
(.build-dist/prefix/lib/libtrigrt.so, then .build-dist/release/libtrigrt.so) and stop with a
clear message if there is none.
"""

from __future__ import annotations

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
BINDING = os.path.dirname(HERE)
SRC = os.path.join(BINDING, "src")
REPO = os.path.dirname(os.path.dirname(BINDING))
MODELS = os.path.join(REPO, "Models")
ZOO = ["deepcsv", "jet_tagger", "tracknn"]

# TRIGRT_TEST_INSTALLED=1 (make python-test): test the package pip installed, not this tree.
if os.environ.get("TRIGRT_TEST_INSTALLED") != "1":
    sys.path.insert(0, SRC)


def _find_library() -> str | None:
    env = os.environ.get("TRIGRT_LIBRARY")
    if env:
        return os.path.abspath(env)
    for rel in (".build-dist/prefix/lib/libtrigrt.so", ".build-dist/release/libtrigrt.so"):
        p = os.path.join(REPO, rel)
        if os.path.exists(p):
            return p
    return None


LIBRARY = _find_library()
if LIBRARY is None or not os.path.exists(LIBRARY):
    raise pytest.UsageError(
        f"libtrigrt not found: set TRIGRT_LIBRARY=/path/to/libtrigrt.so (got {os.environ.get('TRIGRT_LIBRARY')!r}) "
        f"or build it: make build && make install PREFIX={REPO}/.build-dist/prefix")
os.environ["TRIGRT_LIBRARY"] = LIBRARY  # the library the tests (and their subprocesses) use

import trigrt  # noqa: E402

trigrt.load_library(LIBRARY)


def model_path(name: str) -> str:
    return os.path.join(MODELS, f"{name}.onnx")


def golden(name: str):
    import numpy as np

    return (np.load(os.path.join(MODELS, f"{name}.inputs.npy")),
            np.load(os.path.join(MODELS, f"{name}.outputs.npy")))


@pytest.fixture(scope="session")
def multi_io_model(tmp_path_factory):
    """A two-input, two-output model built here: a (N,3), b (N,2,2) ->
    cat = Concat(a, Flatten(b)) (N,7);  dense = Relu(Flatten(b) @ W + c) (N,2).
    Returns (path, reference function)."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    w = np.array([[0.5, -1.0], [0.25, 2.0], [-0.75, 0.125], [1.5, -0.5]], dtype=np.float32)
    c = np.array([0.1, -0.2], dtype=np.float32)
    nodes = [
        helper.make_node("Flatten", ["b"], ["bf"], axis=1, name="flatten"),
        helper.make_node("Concat", ["a", "bf"], ["cat"], axis=1, name="concat"),
        helper.make_node("MatMul", ["bf", "w"], ["mm"], name="matmul"),
        helper.make_node("Add", ["mm", "c"], ["pre"], name="add"),
        helper.make_node("Relu", ["pre"], ["dense"], name="relu"),
    ]
    graph = helper.make_graph(
        nodes, "multi_io",
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, ["N", 3]),
         helper.make_tensor_value_info("b", TensorProto.FLOAT, ["N", 2, 2])],
        [helper.make_tensor_value_info("cat", TensorProto.FLOAT, ["N", 7]),
         helper.make_tensor_value_info("dense", TensorProto.FLOAT, ["N", 2])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(c, "c")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)
    onnx.checker.check_model(model)
    path = tmp_path_factory.mktemp("models") / "multi_io.onnx"
    onnx.save(model, str(path))

    def reference(a, b):
        bf = b.reshape(len(b), 4).astype(np.float64)
        return (np.concatenate([a.astype(np.float64), bf], axis=1),
                np.maximum(bf @ w.astype(np.float64) + c.astype(np.float64), 0))

    return str(path), reference
