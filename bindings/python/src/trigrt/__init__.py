"""trigrt: Python binding (ctypes, numpy) of the trigrt inference runtime's C ABI.

    import numpy as np, trigrt

    with trigrt.Model("Models/jet_tagger.onnx") as model:        # fixed=True, precision="cfg.yml"
        session = model.session(max_batch=64)                   # one per thread
        y = session.run(np.load("Models/jet_tagger.inputs.npy"))  # (rows, 5) float32
        y = model.run(x)                                        # the same through a per-thread session
        model.inspect()                                         # trigrt inspect --json as a dict
        # fixed mode: model.trace(x) -> per-layer float64 arrays + overflow counts

float32 inputs go through trigrt_session_run, float64 through trigrt_session_run_f64 — in fixed
mode the float64 path is exact and is the one to use for bit-exact comparisons with firmware.
A Model may be shared across threads; a Session may not (each thread makes its own).

The shared library is found as trigrt.load_library() describes: an explicit path, then
$TRIGRT_LIBRARY, a copy bundled in this package, ctypes.util.find_library, the loader path.
"""

from __future__ import annotations

from ._errors import (BatchError, Error, InternalError, InvalidArgumentError, IOError, LimitError, MalformedModelError,
                      MisuseError, OutOfMemoryError, PrecisionConfigError, ShapeError, Status, UnsupportedCPUError,
                      UnsupportedError, status_name)
from ._lib import ABI_VERSION, LibraryError, library_path, load_library
from ._lib import lib as _c
from ._model import MODEL_RUN_MAX_BATCH, BoundRun, LayerReport, Model, Session, TensorInfo, Trace, TraceLayer

__version__ = "0.1.0"

__all__ = [
    "ABI_VERSION", "BatchError", "BoundRun", "Error", "IOError", "InternalError", "InvalidArgumentError", "LayerReport",
    "LibraryError", "LimitError", "MisuseError",
    "MODEL_RUN_MAX_BATCH", "MalformedModelError", "Model", "OutOfMemoryError", "PrecisionConfigError", "Session",
    "ShapeError", "Status", "TensorInfo", "Trace", "TraceLayer", "UnsupportedCPUError", "UnsupportedError", "abi_version", "library_path",
    "load_library", "status_name", "version", "version_number",
]


def abi_version() -> int:
    """TRIGRT_ABI_VERSION of the library actually loaded (trigrt_abi_version)."""
    return int(_c().trigrt_abi_version())


def version_number() -> int:
    """TRIGRT_VERSION_NUMBER of the loaded library: X*1000000 + Y*1000 + Z."""
    return int(_c().trigrt_version_number())


def version() -> str:
    """The loaded library's version as "X.Y.Z" (from trigrt_version_number)."""
    n = version_number()
    return f"{n // 1000000}.{n // 1000 % 1000}.{n % 1000}"
