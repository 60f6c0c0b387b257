"""Locating, loading and declaring libtrigrt (the C ABI of include/trigrt.h) with ctypes.

Nothing here computes anything: it finds the shared library, checks its ABI version and gives
every exported function its C prototype.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import os
import threading
from ctypes import (POINTER, Structure, c_char, c_char_p, c_double, c_int32, c_int64, c_size_t, c_uint32, c_uint64,
                    c_void_p)

#: The TRIGRT_ABI_VERSION of the include/trigrt.h this binding was written against.
ABI_VERSION = 1

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
#: The X of the library's SONAME libtrigrt.so.X (TRIGRT_VERSION_MAJOR).
ABI_SONAME_MAJOR = 0


class LibraryError(OSError):
    """libtrigrt could not be found or loaded, or it is not the ABI this binding speaks."""


# --- C types -------------------------------------------------------------------------------------


class TrigrtError(Structure):
    """struct trigrt_error { trigrt_status code; char message[512]; }"""

    _fields_ = [("code", c_int32), ("message", c_char * 512)]


class TrigrtOptions(Structure):
    """struct trigrt_options, followed by spare room.

    trigrt_options_init() writes the library's own sizeof(trigrt_options), so a newer library
    whose struct has grown (fields are only appended) writes more than the three fields declared
    here. The spare tail keeps such a write inside this object; after init the binding checks
    that struct_size fits.
    """

    _fields_ = [
        ("struct_size", c_uint32),
        ("mode", c_int32),
        ("precision_config", c_char_p),
        ("_spare", ctypes.c_uint8 * 1024),
    ]


class TrigrtLayerReport(Structure):
    """struct trigrt_layer_report (version 1): one fixed-point layer of a session's overflow report.
    The caller sets struct_size; the library fills the rest (name / result_format are owned by
    the model)."""

    _fields_ = [
        ("struct_size", c_uint32),
        ("layer", c_int32),
        ("name", c_char_p),
        ("result_format", c_char_p),
        ("values", c_uint64),
        ("accum_wrapped", c_uint64),
        ("accum_saturated", c_uint64),
        ("result_wrapped", c_uint64),
        ("result_saturated", c_uint64),
        ("seen_min", c_double),
        ("seen_max", c_double),
        ("format_min", c_double),
        ("format_max", c_double),
        ("integer_bits", c_int32),
        ("needed_integer_bits", c_int32),
    ]


_PROTOTYPES = {
    # name: (restype, argtypes)
    "trigrt_options_init": (None, [POINTER(TrigrtOptions)]),
    "trigrt_model_load_file": (c_int32, [c_char_p, POINTER(TrigrtOptions), POINTER(c_void_p), POINTER(TrigrtError)]),
    "trigrt_model_load_memory": (c_int32, [c_void_p, c_size_t, POINTER(TrigrtOptions), POINTER(c_void_p),
                                           POINTER(TrigrtError)]),
    "trigrt_model_destroy": (None, [c_void_p]),
    "trigrt_model_input_count": (c_int32, [c_void_p]),
    "trigrt_model_output_count": (c_int32, [c_void_p]),
    "trigrt_model_input_size": (c_size_t, [c_void_p, c_int32]),
    "trigrt_model_output_size": (c_size_t, [c_void_p, c_int32]),
    "trigrt_model_input_name": (c_char_p, [c_void_p, c_int32]),
    "trigrt_model_output_name": (c_char_p, [c_void_p, c_int32]),
    "trigrt_model_input_shape": (c_int32, [c_void_p, c_int32, POINTER(c_int64), c_int32]),
    "trigrt_model_output_shape": (c_int32, [c_void_p, c_int32, POINTER(c_int64), c_int32]),
    "trigrt_model_mode": (c_int32, [c_void_p]),
    "trigrt_model_arena_size": (c_size_t, [c_void_p, c_uint32]),
    "trigrt_session_create": (c_int32, [c_void_p, c_uint32, POINTER(c_void_p), POINTER(TrigrtError)]),
    "trigrt_session_destroy": (None, [c_void_p]),
    "trigrt_session_run": (c_int32, [c_void_p, POINTER(c_void_p), POINTER(c_void_p), c_uint32, POINTER(TrigrtError)]),
    "trigrt_session_run_f64": (c_int32, [c_void_p, POINTER(c_void_p), POINTER(c_void_p), c_uint32,
                                         POINTER(TrigrtError)]),
    "trigrt_session_max_batch": (c_uint32, [c_void_p]),
    "trigrt_status_string": (c_char_p, [c_int32]),
    "trigrt_abi_version": (c_uint32, []),
    "trigrt_version_number": (c_uint32, []),
}

# Functions added to ABI version 1 after its first release (the fixed-mode overflow report). A
# library without them still loads; using the feature then raises LibraryError (see optional()).
_OPTIONAL_PROTOTYPES = {
    "trigrt_session_set_report": (c_int32, [c_void_p, c_int32, POINTER(TrigrtError)]),
    "trigrt_session_report_count": (c_int32, [c_void_p]),
    "trigrt_session_report": (c_int32, [c_void_p, c_int32, POINTER(TrigrtLayerReport), POINTER(TrigrtError)]),
    "trigrt_session_reset_report": (None, [c_void_p]),
    "trigrt_model_describe_json": (c_size_t, [c_void_p, c_char_p, c_size_t]),
    "trigrt_session_trace_f64": (c_int32, [c_void_p, POINTER(c_void_p), c_uint32, c_void_p, c_void_p,
                                           POINTER(TrigrtError)]),
}

#: void (*trigrt_trace_callback)(void *user, int32_t layer, const double *values, size_t count)
TRACE_CALLBACK = ctypes.CFUNCTYPE(None, c_void_p, c_int32, POINTER(c_double), c_size_t)


# --- finding the library -------------------------------------------------------------------------

_lock = threading.Lock()
_lib: ctypes.CDLL | None = None
_lib_path: str | None = None


def _bundled() -> list[str]:
    """libtrigrt.so* files inside the package directory (copied there at install time)."""
    return sorted(glob.glob(os.path.join(_PACKAGE_DIR, "libtrigrt.so*")))


class _WrongLibrary(LibraryError):
    """A file that loads but is not a usable libtrigrt (missing symbol, other ABI): stops the search."""


def _open(path: str) -> ctypes.CDLL:
    """dlopen `path`, declare the prototypes and check the ABI version (raises LibraryError)."""
    try:
        lib = ctypes.CDLL(path)
    except OSError as e:
        raise LibraryError(f"cannot load {path}: {e}") from None
    for name, (restype, argtypes) in _PROTOTYPES.items():
        try:
            fn = getattr(lib, name)
        except AttributeError:
            raise _WrongLibrary(f"{path} is not libtrigrt: it does not export {name}") from None
        fn.restype = restype
        fn.argtypes = argtypes
    for name, (restype, argtypes) in _OPTIONAL_PROTOTYPES.items():
        fn = getattr(lib, name, None)
        if fn is not None:
            fn.restype = restype
            fn.argtypes = argtypes
    # The run functions once more without argtypes, for the hot path: ctypes' per-argument
    # conversion costs more than the call itself. Callers pass only exact ctypes objects
    # (c_void_p, c_void_p arrays, c_uint32, byref(TrigrtError)).
    for name in ("trigrt_session_run", "trigrt_session_run_f64"):
        raw = lib._FuncPtr((name, lib))
        raw.restype = c_int32
        setattr(lib, "raw_" + name, raw)
    abi = lib.trigrt_abi_version()
    if abi != ABI_VERSION:
        raise _WrongLibrary(
            f"{path} has trigrt ABI version {abi}; this binding was written for ABI version {ABI_VERSION}. "
            f"Install a matching libtrigrt or trigrt Python package")
    return lib


def _prefix_dirs() -> list[tuple[str, str]]:
    """The lib directories of install prefixes, in order: $TRIGRT_PREFIX, the prefix recorded when
    the package was installed (the `make install` tree pip found), the Python prefix, /usr/local."""
    dirs = []
    env = os.environ.get("TRIGRT_PREFIX")
    if env:
        dirs.append(("$TRIGRT_PREFIX", os.path.join(os.path.abspath(env), "lib")))
    try:
        from ._install import PREFIX as recorded  # written by setup.py at install time
    except ImportError:
        recorded = None
    if recorded:
        dirs.append(("the prefix found at install time", os.path.join(recorded, "lib")))
    import sys
    dirs.append(("the Python prefix", os.path.join(sys.prefix, "lib")))
    dirs.append(("/usr/local", "/usr/local/lib"))
    return dirs


def _search() -> tuple[ctypes.CDLL, str]:
    """The default search (see load_library). A file that loads but is wrong stops it."""
    env = os.environ.get("TRIGRT_LIBRARY")
    tried = []
    if env:
        candidates = [("$TRIGRT_LIBRARY", os.path.abspath(env))]
    else:
        tried.append("  $TRIGRT_LIBRARY: not set")
        candidates = []
        for how, d in _prefix_dirs():
            path = os.path.join(d, f"libtrigrt.so.{ABI_SONAME_MAJOR}")
            if os.path.exists(path):
                candidates.append((how, path))
            else:
                tried.append(f"  {how}: no {path}")
        candidates += [("bundled in the package", p) for p in _bundled()]
        if not _bundled():
            tried.append(f"  bundled in the package: no libtrigrt.so* in {_PACKAGE_DIR}")
        found = ctypes.util.find_library("trigrt")
        if found:
            candidates.append(('ctypes.util.find_library("trigrt")', found))
        else:
            tried.append('  ctypes.util.find_library("trigrt"): nothing found')
        candidates += [("default loader path", f"libtrigrt.so.{ABI_SONAME_MAJOR}"), ("default loader path", "libtrigrt.so")]
    for how, path in candidates:
        try:
            return _open(path), path
        except _WrongLibrary:
            raise
        except LibraryError as e:
            tried.append(f"  {how}: {e}")
    raise LibraryError(
        "libtrigrt not found. Tried, in order:\n" + "\n".join(tried) +
        "\nPass the path to trigrt.load_library(path), set TRIGRT_LIBRARY=/path/to/libtrigrt.so or "
        "TRIGRT_PREFIX=<make install prefix>, install the package after `make install` (pip records the prefix "
        "it finds) or with TRIGRT_LIBRARY set (that bundles the library), or put libtrigrt.so.0 on the loader "
        "path (LD_LIBRARY_PATH, ldconfig).")


def load_library(path: str | os.PathLike | None = None) -> str:
    """Loads libtrigrt and returns the path (or loader name) it was loaded from.

    With `path`, exactly that file is loaded. Without it, the first of these that loads wins:
    the file named by the environment variable TRIGRT_LIBRARY (if set, nothing else is tried);
    libtrigrt.so.0 in the lib directory of a prefix: $TRIGRT_PREFIX, the `make install` prefix
    recorded when the package was installed, sys.prefix, /usr/local; a libtrigrt.so* bundled in
    the package directory; ctypes.util.find_library("trigrt");
    "libtrigrt.so.0" and "libtrigrt.so" through the dynamic loader's default search
    (LD_LIBRARY_PATH, ld.so.cache, ...). Raises LibraryError naming everything tried, or the
    file that loaded but has another ABI version.

    The library is loaded once per process. Calling again with the same path (or no path) returns
    the loaded one; a different path raises LibraryError, since live models point into the first.
    """
    global _lib, _lib_path
    with _lock:
        if path is not None:
            want = os.path.abspath(os.fspath(path))
            if _lib is not None:
                if os.path.realpath(want) == os.path.realpath(_lib_path or ""):
                    return _lib_path  # type: ignore[return-value]
                raise LibraryError(f"libtrigrt is already loaded from {_lib_path}; cannot switch to {want}")
            _lib, _lib_path = _open(want), want
        elif _lib is None:
            _lib, _lib_path = _search()
        return _lib_path  # type: ignore[return-value]


def lib() -> ctypes.CDLL:
    """The loaded library, loading it with the default search on first use."""
    if _lib is None:
        load_library()
    return _lib  # type: ignore[return-value]


def optional(name: str):
    """A function of _OPTIONAL_PROTOTYPES from the loaded library; LibraryError if it lacks it."""
    fn = getattr(lib(), name, None)
    if fn is None:
        raise LibraryError(f"{_lib_path} does not export {name}: it predates this feature; "
                           f"install a newer libtrigrt")
    return fn


def library_path() -> str | None:
    """Where libtrigrt was loaded from, or None if it has not been loaded yet."""
    return _lib_path
