"""Model and Session: thin owners of trigrt_model / trigrt_session handles, numpy in and out."""

from __future__ import annotations

import ctypes
import json
import math
import os
import tempfile
import threading
import weakref
from ctypes import byref, c_int64, c_void_p
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from . import _errors, _lib

# trigrt.h's TRIGRT_INTEGER_BITS_UNKNOWN (INT32_MIN): needed_integer_bits when no I holds the values.
INTEGER_BITS_UNKNOWN = -(2 ** 31)

_MODES = {"float": 0, "fixed": 1}
_MODE_NAMES = {v: k for k, v in _MODES.items()}
_MAX_BATCH_LIMIT = 2**32 - 1
#: Model.run makes a session of min(rows, this) rows.
MODEL_RUN_MAX_BATCH = 1024
_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


@dataclass(frozen=True)
class TensorInfo:
    """One graph input or output: its name, per-sample shape (the dimensions after the batch
    dimension) and size (elements per sample, the product of shape)."""

    index: int
    name: str
    shape: tuple[int, ...]
    size: int


@dataclass(frozen=True)
class LayerReport:
    """One fixed-point layer of a session's overflow report (struct trigrt_layer_report).

    Counters count since the last reset_report(), over every run made while reporting was on:
    - `values`: values converted into the layer's result format;
    - `accum_wrapped` / `accum_saturated`: accumulator conversions that wrapped (AP_WRAP) or
      saturated (AP_SAT*): for a Dense every product `accum_t(x*w)` and every partial sum
      `accum_t(acc + p)`; for a softmax its intermediate types;
    - `result_wrapped` / `result_saturated`: result conversions that wrapped or saturated.
    `seen_min` / `seen_max`: range of the exact values before the result conversion (None before
    anything was converted); `format_min` / `format_max`: what the result format holds;
    `integer_bits`: I of the result format; `needed_integer_bits`: the I (same signedness and F)
    that holds [seen_min, seen_max], None when unknown (nothing seen, or negative values into an
    unsigned format). `index` is the layer's position in `trigrt inspect`'s listing.
    The field names are those of `trigrt trace --json`; as_dict() gives exactly that record.
    """

    index: int
    name: str
    result_format: str
    values: int
    accum_wrapped: int
    accum_saturated: int
    result_wrapped: int
    result_saturated: int
    seen_min: float | None
    seen_max: float | None
    format_min: float
    format_max: float
    integer_bits: int
    needed_integer_bits: int | None

    @property
    def overflows(self) -> int:
        """All conversions that wrapped or saturated (accumulator and result)."""
        return self.accum_wrapped + self.accum_saturated + self.result_wrapped + self.result_saturated

    @property
    def overflowed(self) -> bool:
        return self.overflows > 0

    def as_dict(self) -> dict:
        """The record as `trigrt trace --json` prints it (None for JSON null)."""
        return {f: getattr(self, f) for f in self.__dataclass_fields__}

    @classmethod
    def _from_c(cls, r: _lib.TrigrtLayerReport) -> "LayerReport":
        def text(b):
            return b.decode("utf-8", "replace") if b else ""

        seen = not (math.isnan(r.seen_min) or math.isnan(r.seen_max))
        return cls(index=int(r.layer), name=text(r.name), result_format=text(r.result_format), values=int(r.values),
                   accum_wrapped=int(r.accum_wrapped), accum_saturated=int(r.accum_saturated),
                   result_wrapped=int(r.result_wrapped), result_saturated=int(r.result_saturated),
                   seen_min=float(r.seen_min) if seen else None, seen_max=float(r.seen_max) if seen else None,
                   format_min=float(r.format_min), format_max=float(r.format_max), integer_bits=int(r.integer_bits),
                   needed_integer_bits=None if r.needed_integer_bits == INTEGER_BITS_UNKNOWN else int(r.needed_integer_bits))


def _tensor_infos(lib, handle, count_fn, name_fn, size_fn, shape_fn) -> list[TensorInfo]:
    infos = []
    for i in range(count_fn(handle)):
        rank = shape_fn(handle, i, None, 0)
        dims = (c_int64 * max(rank, 1))()
        shape_fn(handle, i, dims, rank)
        raw = name_fn(handle, i)
        infos.append(TensorInfo(i, raw.decode("utf-8", "replace") if raw else "", tuple(int(d) for d in dims[:rank]),
                                int(size_fn(handle, i))))
    return infos


def _check(status: int, err: _lib.TrigrtError) -> None:
    if status != 0:
        raise _errors.from_status(status, err)


def _check_max_batch(max_batch: Any) -> int:
    if isinstance(max_batch, bool) or not isinstance(max_batch, (int, np.integer)):
        raise ValueError(f"max_batch must be an integer, got {type(max_batch).__name__}")
    if not 1 <= int(max_batch) <= _MAX_BATCH_LIMIT:
        raise ValueError(f"max_batch must be in 1...{_MAX_BATCH_LIMIT}, got {max_batch}")
    return int(max_batch)


class Model:
    """A loaded, validated and planned ONNX / QONNX model (trigrt_model).

    Model(path_or_bytes, fixed=False, precision=None)

    - `path_or_bytes`: a file name (str or os.PathLike) or the model's bytes (bytes, bytearray,
      memoryview or any buffer; copied by the library, free it afterwards).
    - `fixed`: False for float32 kernels, True for bit-accurate fixed point (ap_fixed, as
      hls4ml 1.3.0 computes). `mode="float"` / `mode="fixed"` says the same by name.
    - `precision`: an hls4ml-style precision config: a path to a YAML or JSON file, or a dict
      (written to a temporary JSON file for the load), or None.

    A Model is immutable and may be shared by any number of threads; give each thread its own
    Session (model.session()). close() (or leaving a `with` block, or garbage collection)
    releases it; sessions already created keep working, they keep the model alive.
    """

    def __init__(self, path_or_bytes: str | os.PathLike | bytes | bytearray | memoryview, fixed: bool = False,
                 precision: str | os.PathLike | Mapping[str, Any] | None = None, *, mode: str | None = None):
        lib = _lib.lib()
        if isinstance(fixed, str):  # Model(path, "fixed"): the mode by name, positionally
            mode, fixed = fixed, False
        if mode is None:
            if not isinstance(fixed, (bool, np.bool_)):
                raise ValueError(f"fixed must be True or False, got {fixed!r}")
            mode = "fixed" if fixed else "float"
        elif fixed:
            raise ValueError("give either fixed=True or mode=..., not both")
        if not isinstance(mode, str) or mode.lower() not in _MODES:
            raise ValueError(f"mode must be 'float' or 'fixed', got {mode!r}")
        opts = _lib.TrigrtOptions()
        lib.trigrt_options_init(byref(opts))
        if not 8 <= opts.struct_size <= ctypes.sizeof(opts):
            raise _lib.LibraryError(f"trigrt_options_init set struct_size {opts.struct_size}; this binding has room "
                                    f"for {ctypes.sizeof(opts)} bytes")
        opts.mode = _MODES[mode.lower()]
        tmp = None
        try:
            if precision is not None:
                if isinstance(precision, Mapping):
                    fd, tmp = tempfile.mkstemp(prefix="trigrt-precision-", suffix=".json")
                    with os.fdopen(fd, "w") as f:
                        json.dump(precision, f)
                    precision_path = tmp
                elif isinstance(precision, (str, os.PathLike)):
                    precision_path = os.fspath(precision)
                else:
                    raise ValueError(f"precision must be a path, a dict or None, got {type(precision).__name__}")
                opts.precision_config = os.fsencode(precision_path)
            handle = c_void_p()
            err = _lib.TrigrtError()
            if isinstance(path_or_bytes, (str, os.PathLike)):
                self.source = os.fspath(path_or_bytes)
                status = lib.trigrt_model_load_file(os.fsencode(self.source), byref(opts), byref(handle), byref(err))
            else:
                try:
                    data = np.frombuffer(path_or_bytes, dtype=np.uint8)
                except (TypeError, ValueError) as e:
                    raise ValueError(f"path_or_bytes must be a path or a bytes-like object, got "
                                     f"{type(path_or_bytes).__name__} ({e})") from None
                self.source = f"<{data.size} bytes>"
                keep = data if data.size else np.zeros(1, dtype=np.uint8)  # never pass NULL for 0 bytes
                status = lib.trigrt_model_load_memory(keep.ctypes.data, data.size, byref(opts), byref(handle),
                                                      byref(err))
        finally:
            if tmp is not None:
                os.unlink(tmp)
        _check(status, err)
        self._lib = lib
        self._handle = handle.value
        self._finalizer = weakref.finalize(self, lib.trigrt_model_destroy, self._handle)
        self._lock = threading.Lock()  # close() must not race session creation on the same handle
        self.inputs: list[TensorInfo] = _tensor_infos(
            lib, self._handle, lib.trigrt_model_input_count, lib.trigrt_model_input_name,
            lib.trigrt_model_input_size, lib.trigrt_model_input_shape)
        self.outputs: list[TensorInfo] = _tensor_infos(
            lib, self._handle, lib.trigrt_model_output_count, lib.trigrt_model_output_name,
            lib.trigrt_model_output_size, lib.trigrt_model_output_shape)
        self.mode: str = _MODE_NAMES.get(lib.trigrt_model_mode(self._handle), "unknown")
        self._local = threading.local()  # Model.run's session, one per thread

    @property
    def fixed(self) -> bool:
        """Whether the model runs in fixed-point mode."""
        return self.mode == "fixed"

    # -- lifetime --

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive

    def close(self) -> None:
        """Releases the model (idempotent). Sessions created from it stay valid."""
        with self._lock:
            self._finalizer()

    def __enter__(self) -> "Model":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _live_handle(self) -> int:
        if not self._finalizer.alive:
            raise ValueError("the model is closed")
        return self._handle

    def __repr__(self) -> str:
        state = "closed" if self.closed else self.mode
        ins = ", ".join(f"{t.name}{list(t.shape)}" for t in self.inputs)
        outs = ", ".join(f"{t.name}{list(t.shape)}" for t in self.outputs)
        return f"<trigrt.Model {self.source} ({state}): {ins} -> {outs}>"

    # -- queries --

    def arena_size(self, max_batch: int) -> int:
        """Bytes of activation memory a session with this max_batch allocates
        (trigrt_model_arena_size; 0 if that size would overflow)."""
        mb = _check_max_batch(max_batch)
        with self._lock:
            return int(self._lib.trigrt_model_arena_size(self._live_handle(), mb))

    def session(self, max_batch: int = 64) -> "Session":
        """A new Session (plan + its own arena) for batches of up to max_batch rows per call;
        Session.run takes any number of rows and splits them into calls of at most max_batch."""
        return Session(self, max_batch)

    def run(self, *inputs, out=None):
        """Runs any number of rows (batch 1 included) and returns the outputs, like Session.run.

        Uses a session of this thread, made on first use and kept (recreated larger, up to 1024
        rows per call, when a bigger batch comes), so repeated calls allocate nothing in the
        library and pass C-contiguous float32/float64 numpy arrays to it without copying. A
        model shared by several threads gives each its own session."""
        if len(inputs) == 1 and len(self.inputs) == 1 and type(inputs[0]) is np.ndarray:
            rows = _rows_hint(inputs[0], self.inputs[0])
        else:
            rows = max((_rows_hint(x, t) for x, t in zip(_as_input_list(self.inputs, inputs), self.inputs)), default=1)
        s = getattr(self._local, "session", None)
        if s is None or (s.max_batch < rows and s.max_batch < MODEL_RUN_MAX_BATCH):
            if s is not None:
                s.close()
            s = self._local.session = self.session(min(max(rows, 1), MODEL_RUN_MAX_BATCH))
        return s.run(*inputs, out=out)

    # -- tools: description and trace --

    def inspect(self) -> dict:
        """The model's description, as `trigrt inspect --json` prints it
        (trigrt_model_describe_json): inputs, outputs, layers (name, class, kind, shape, MACs,
        parameter bytes; in fixed mode `types`, every resolved ap_fixed type, and `notes`),
        totals, arena sizes, and `warnings` (the known hls4ml traps and notes, per layer)."""
        fn = _lib.optional("trigrt_model_describe_json")
        with self._lock:
            h = self._live_handle()
            n = fn(h, None, 0)
            buf = ctypes.create_string_buffer(n + 1)
            fn(h, buf, n + 1)
        return json.loads(buf.raw[:n].decode("utf-8"))

    def trace(self, *inputs, batch: int = 256) -> "Trace":
        """Fixed mode: runs the rows through a fresh session with the overflow report on and
        returns every layer's output (exact values as float64, `(rows, *layer shape)`) with the
        layer's overflow counts (trigrt_session_trace_f64 + the report). Inputs as for run();
        they are converted to float64. Raises InvalidArgumentError for a float-mode model."""
        if self.mode != "fixed":
            raise _errors.InvalidArgumentError(
                _errors.Status.INVALID_ARGUMENT,
                "Model.trace: the per-layer trace is a fixed-mode feature and this model is in "
                f"{self.mode} mode; load it with trigrt.Model(..., fixed=True)")
        fn = _lib.optional("trigrt_session_trace_f64")
        desc = self.inspect()
        layers = desc["layers"]
        xs = [np.ascontiguousarray(x, dtype=np.float64) for x in _as_input_list(self.inputs, inputs)]
        rows = None
        for i, (x, info) in enumerate(zip(xs, self.inputs)):
            r = _rows(x.shape, info, "input")
            if rows is not None and r != rows:
                raise ValueError(f"inputs have different row counts: {rows} and {r} (input '{info.name}')")
            rows = r
            xs[i] = x.reshape(r, info.size)
        rows = rows or 0
        chunks: list[list[np.ndarray]] = [[] for _ in layers]

        def record(_user, layer, values, count):
            chunks[layer].append(np.ctypeslib.as_array(values, shape=(count,)).copy())

        callback = _lib.TRACE_CALLBACK(record)
        with self.session(max(1, min(_check_max_batch(batch), max(rows, 1)))) as s:
            s.reporting = True
            err = _lib.TrigrtError()
            ptrs = (c_void_p * max(len(xs), 1))()
            for start in range(0, rows, s.max_batch):
                n = min(s.max_batch, rows - start)
                for i, x in enumerate(xs):
                    ptrs[i] = x[start:start + n].ctypes.data
                with s._lock:
                    _check(fn(s._handle, ptrs, n, callback, None, byref(err)), err)
            reports = {r.index: r for r in s.report()}
        out = []
        for i, l in enumerate(layers):
            shape = tuple(l["shape"])
            values = np.concatenate(chunks[i]) if chunks[i] else np.empty(0)
            out.append(TraceLayer(index=i, name=l["name"], kind=l["kind"], types=dict(l.get("types", {})),
                                  values=values.reshape((rows, *shape)), report=reports.get(i),
                                  notes=list(l.get("notes", []))))
        return Trace(rows=rows, layers=out, warnings=list(desc.get("warnings", [])))


@dataclass(frozen=True)
class TraceLayer:
    """One layer of Model.trace(): its outputs for every row (`values`, float64, exact fixed-point
    values, shape (rows, *layer shape)), its resolved `types`, and `report` (its LayerReport:
    overflow counts and seen range; None for a layer outside the report)."""

    index: int
    name: str
    kind: str
    types: dict
    values: np.ndarray
    report: LayerReport | None
    notes: list

    @property
    def overflows(self) -> int:
        """Wrapped + saturated conversions of this layer (0 without a report)."""
        return self.report.overflows if self.report is not None else 0


@dataclass(frozen=True)
class Trace:
    """Model.trace(): per-layer outputs and overflow counts, in the order of `trigrt inspect`.
    trace["Dense_MatMul_0"] or trace[0] gives a TraceLayer."""

    rows: int
    layers: list
    warnings: list

    def __getitem__(self, key: int | str) -> TraceLayer:
        if isinstance(key, str):
            for layer in self.layers:
                if layer.name == key:
                    return layer
            raise KeyError(f"no layer {key!r}; layers: {[l.name for l in self.layers]}")
        return self.layers[key]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)

    @property
    def overflowed(self) -> list:
        """The layers with any wrapped or saturated conversion."""
        return [l for l in self.layers if l.overflows]


def _as_input_list(infos: Sequence[TensorInfo], args: tuple) -> list:
    """run(x) / run(x1, x2) / run((x1, x2)) / run({name: x}) -> one array-like per input, in order."""
    n = len(infos)
    if len(args) == 1 and isinstance(args[0], Mapping):
        given = dict(args[0])
        names = [t.name for t in infos]
        missing = [k for k in names if k not in given]
        extra = [k for k in given if k not in names]
        if missing or extra:
            raise ValueError(f"input names do not match the model's inputs {names}: "
                             f"missing {missing}, unknown {extra}")
        return [given[k] for k in names]
    if (len(args) == 1 and isinstance(args[0], (tuple, list)) and len(args[0]) == n
            and all(isinstance(a, np.ndarray) for a in args[0])):
        args = tuple(args[0])
    if len(args) != n:
        raise ValueError(f"the model has {n} input{'s' if n != 1 else ''} {[t.name for t in infos]}, "
                         f"got {len(args)} array{'s' if len(args) != 1 else ''}")
    return list(args)


def _rows_hint(x, info: TensorInfo) -> int:
    shape = np.shape(x)
    if len(shape) >= 1 and (tuple(shape[1:]) == info.shape or (len(shape) == 2 and shape[1] == info.size)):
        return int(shape[0])
    return 1


def _rows(shape: tuple[int, ...], info: TensorInfo, what: str) -> int:
    """The row count of an array of `shape` for tensor `info`: (rows, *shape), (rows, size), or
    one sample of exactly the per-sample shape (rows = 1)."""
    if len(shape) >= 1 and tuple(shape[1:]) == info.shape:
        return shape[0]
    if len(shape) == 2 and shape[1] == info.size:
        return shape[0]
    if tuple(shape) == info.shape:
        return 1
    raise ValueError(f"{what} '{info.name}' has shape {tuple(shape)}; expected (rows, {', '.join(map(str, info.shape))}"
                     f"{',' if len(info.shape) == 1 else ''}), (rows, {info.size}) or one sample {info.shape}")


def _address(a: np.ndarray) -> int:
    """The data address of a C-contiguous array (c_char.from_buffer is ~2x faster than a.ctypes.data,
    for writeable arrays)."""
    if a.flags.writeable:
        try:
            return ctypes.addressof(ctypes.c_char.from_buffer(a))
        except (TypeError, ValueError, BufferError):
            pass
    return a.ctypes.data


def _native(dtype: np.dtype) -> np.dtype:
    return dtype.newbyteorder("=") if dtype.byteorder not in ("=", "|") else dtype


class Session:
    """A trigrt_session: the model's plan bound to one arena sized for max_batch rows.

    Use one Session per thread. Its run() holds a lock, so a Session shared by mistake serialises
    its callers instead of corrupting the arena; the library releases the GIL during the call, so
    sessions on different threads run in parallel.
    """

    def __init__(self, model: Model, max_batch: int = 64):
        mb = _check_max_batch(max_batch)
        lib = model._lib
        handle = c_void_p()
        err = _lib.TrigrtError()
        with model._lock:
            status = lib.trigrt_session_create(model._live_handle(), mb, byref(handle), byref(err))
        _check(status, err)
        self.model = model
        self.inputs = model.inputs
        self.outputs = model.outputs
        self.max_batch: int = int(lib.trigrt_session_max_batch(handle.value))
        self._handle = c_void_p(handle.value)
        self._finalizer = weakref.finalize(self, lib.trigrt_session_destroy, handle.value)
        self._closed = False  # set under _lock by close(); checked by every run
        self._lock = threading.Lock()
        self._err = _lib.TrigrtError()
        self._err_ref = byref(self._err)
        self._in_ptrs = (c_void_p * max(len(self.inputs), 1))()  # for run's single-call path, under _lock
        self._out_ptrs = (c_void_p * max(len(self.outputs), 1))()
        self._run32 = lib.raw_trigrt_session_run  # no argtypes: pass exact ctypes objects only
        self._run64 = lib.raw_trigrt_session_run_f64
        self._reporting = False

    # -- lifetime --

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive

    def close(self) -> None:
        """Releases the session (idempotent)."""
        with self._lock:
            self._closed = True
            self._finalizer()

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<trigrt.Session max_batch={self.max_batch}{' closed' if self.closed else ''} of {self.model!r}>"

    # -- the overflow report (fixed mode) --

    def _report_session(self, what: str) -> c_void_p:
        """The live handle, under self._lock; raises for a closed or float-mode session."""
        if self._closed:
            raise ValueError("the session is closed")
        if self.model.mode != "fixed":
            raise _errors.InvalidArgumentError(
                _errors.Status.INVALID_ARGUMENT,
                f"Session.{what}: the overflow report is a fixed-mode feature and this session's model is in "
                f"{self.model.mode} mode; load it with trigrt.Model(..., mode='fixed')")
        return self._handle

    @property
    def reporting(self) -> bool:
        """Whether runs count overflows into the report (fixed mode; off by default). Setting it
        calls trigrt_session_set_report; the counters keep their values (see reset_report()).
        While it is on, runs use the general fixed-point kernels: slower, same results.
        Float-mode sessions raise InvalidArgumentError when it is set to True or False."""
        return self._reporting

    @reporting.setter
    def reporting(self, enable: bool) -> None:
        fn = _lib.optional("trigrt_session_set_report")
        err = _lib.TrigrtError()
        with self._lock:
            handle = self._report_session("reporting")
            _check(fn(handle, 1 if enable else 0, byref(err)), err)
            self._reporting = bool(enable)

    def report(self) -> list[LayerReport]:
        """The overflow report: one LayerReport per fixed-point layer, in layer order, counting
        every run since the last reset_report() that was made while `reporting` was on.
        Raises InvalidArgumentError for a float-mode session."""
        count_fn = _lib.optional("trigrt_session_report_count")
        get_fn = _lib.optional("trigrt_session_report")
        err = _lib.TrigrtError()
        out = []
        with self._lock:
            handle = self._report_session("report()")
            for i in range(count_fn(handle)):
                r = _lib.TrigrtLayerReport()
                r.struct_size = ctypes.sizeof(r)
                _check(get_fn(handle, i, byref(r), byref(err)), err)
                out.append(LayerReport._from_c(r))
        return out

    def reset_report(self) -> None:
        """Sets every counter of the report to zero and forgets the ranges (reporting stays as it
        is). Raises InvalidArgumentError for a float-mode session."""
        fn = _lib.optional("trigrt_session_reset_report")
        with self._lock:
            fn(self._report_session("reset_report()"))

    # -- running --

    def run(self, *inputs, out=None):
        """Runs rows through the model.

        run(x) for one input, run(x1, x2, ...) or run((x1, x2, ...)) in the model's input order,
        or run({name: x, ...}). Each x is a numpy array (or array-like) of shape
        (rows, *input.shape) or (rows, input.size), or a single sample of input.shape (rows = 1);
        any number of rows (calls of at most max_batch rows). All inputs must have the same
        dtype: float32 goes through trigrt_session_run, float64 through trigrt_session_run_f64
        (exact in fixed mode: the path for bit-exact comparisons with firmware). Array-likes that
        are not numpy arrays are converted to float64 (or to the dtype of the numpy inputs).

        Returns an array of shape (rows, *output.shape) in the input dtype, or a tuple of them
        for a model with several outputs. `out` may give the output array(s) to write into
        (C-contiguous, aligned, writeable, that dtype, (rows, *shape) or (rows, size)); it is
        returned.
        """
        arrays, rows, dtype, _ = self._prepare_inputs(inputs)
        outs = self._prepare_outputs(rows, dtype, out, arrays)
        if 0 < rows <= self.max_batch:
            self._run_one(arrays, outs, rows, dtype)
        elif rows:
            self._run_chunks(self._chunks(arrays, outs, rows, dtype), dtype)
        if out is None:
            outs = [o.reshape((rows, *info.shape)) for o, info in zip(outs, self.outputs)]
        return outs[0] if len(outs) == 1 else tuple(outs)

    def bind(self, *inputs, out=None) -> "BoundRun":
        """Binds input and output arrays for repeated runs with the least Python overhead.

        Takes the same arguments as run(), but the inputs must be usable in place (C-contiguous,
        aligned, native float32 or float64 numpy arrays), since later calls read whatever they
        then hold. Returns a BoundRun: calling it runs the rows of the bound inputs into the bound
        outputs (`out`, or arrays allocated here) and returns them. For latency loops:

            x = np.empty((1, 16)); call = session.bind(x)
            for event in events: x[0] = event; y = call()
        """
        arrays, rows, dtype, copied = self._prepare_inputs(inputs)
        if copied:
            raise ValueError("bind() needs inputs it can use in place: C-contiguous, aligned numpy arrays of "
                             "native float32 or float64 (all the same)")
        if rows == 0:
            raise ValueError("bind() needs at least one row")
        outs = self._prepare_outputs(rows, dtype, out, arrays)
        shaped = outs if out is not None else [o.reshape((rows, *info.shape)) for o, info in zip(outs, self.outputs)]
        return BoundRun(self, self._chunks(arrays, outs, rows, dtype), dtype,
                        shaped[0] if len(shaped) == 1 else tuple(shaped), (arrays, outs))

    def _prepare_inputs(self, inputs):
        """-> (C-contiguous (rows, size) arrays, rows, dtype, whether any input was copied)."""
        infos = self.inputs
        if len(inputs) == 1 and len(infos) == 1 and type(inputs[0]) is np.ndarray:
            xs = inputs  # the common case, without the generic argument handling
        else:
            xs = _as_input_list(infos, inputs)
        dtype = None
        for x in xs:
            if isinstance(x, np.ndarray):
                d = x.dtype
                if d not in _FLOAT_DTYPES:
                    if d.kind != "f" or _native(d) not in _FLOAT_DTYPES:
                        raise ValueError(f"inputs must be float32 or float64 arrays, got {d}; "
                                         f"convert with x.astype(np.float32) or x.astype(np.float64)")
                    d = _native(d)
                if dtype is not None and d != dtype:
                    raise ValueError(f"all inputs must have the same dtype, got {dtype} and {d}")
                dtype = d
        if dtype is None:
            dtype = np.dtype(np.float64)
        arrays = []
        rows = None
        copied = False
        for x, info in zip(xs, infos):
            a = x if isinstance(x, np.ndarray) else np.asarray(x, dtype=dtype)
            r = _rows(a.shape, info, "input")
            if rows is None:
                rows = r
            elif r != rows:
                raise ValueError(f"inputs have different row counts: {rows} and {r} (input '{info.name}')")
            flags = a.flags
            if a.dtype != dtype or not flags.c_contiguous or not flags.aligned:
                a = np.ascontiguousarray(a, dtype=dtype)
                if not a.flags.aligned:
                    a = a.copy()
                copied = True
            elif a is not x:
                copied = True
            arrays.append(a.reshape(r, info.size))
        return arrays, rows or 0, dtype, copied

    def _prepare_outputs(self, rows: int, dtype: np.dtype, out, arrays) -> list[np.ndarray]:
        """-> one C-contiguous array per output, each viewable as (rows, size)."""
        if out is None:
            return [np.empty((rows, info.size), dtype=dtype) for info in self.outputs]
        outs = [out] if isinstance(out, np.ndarray) else list(out)
        if len(outs) != len(self.outputs):
            raise ValueError(f"out has {len(outs)} array(s); the model has {len(self.outputs)} output(s)")
        for o, info in zip(outs, self.outputs):
            if not isinstance(o, np.ndarray):
                raise ValueError(f"out for output '{info.name}' must be a numpy array, got {type(o).__name__}")
            if o.dtype != dtype:
                raise ValueError(f"out for output '{info.name}' has dtype {o.dtype}; the inputs are {dtype}")
            if not (o.flags.c_contiguous and o.flags.writeable and o.flags.aligned):
                raise ValueError(f"out for output '{info.name}' must be C-contiguous, aligned and writeable")
            if o.shape not in ((rows, *info.shape), (rows, info.size)) and not (rows == 1 and o.shape == info.shape):
                raise ValueError(f"out for output '{info.name}' has shape {o.shape}; expected "
                                 f"{(rows, *info.shape)} or {(rows, info.size)}")
            if any(np.may_share_memory(o, a) for a in arrays):
                raise ValueError(f"out for output '{info.name}' overlaps an input")
        return outs

    def _chunks(self, arrays, outs, rows: int, dtype: np.dtype) -> list:
        """The calls that cover `rows`: (input pointer array, output pointer array, batch) each."""
        item = dtype.itemsize
        ins = [(_address(a), a.shape[1] * item) for a in arrays]
        outs_ = [(_address(o), o.size // rows * item) for o in outs]
        n_in, n_out = max(len(ins), 1), max(len(outs_), 1)
        mb = self.max_batch
        if rows <= mb:
            return [((c_void_p * n_in)(*[base for base, _ in ins]), (c_void_p * n_out)(*[base for base, _ in outs_]),
                     ctypes.c_uint32(rows))]
        chunks = []
        for start in range(0, rows, mb):
            chunks.append(((c_void_p * n_in)(*[base + start * stride for base, stride in ins]),
                           (c_void_p * n_out)(*[base + start * stride for base, stride in outs_]),
                           ctypes.c_uint32(min(mb, rows - start))))
        return chunks

    def _run_one(self, arrays, outs, rows: int, dtype: np.dtype) -> None:
        """One call of rows <= max_batch through the session's own pointer arrays."""
        fn = self._run64 if dtype == np.float64 else self._run32
        addresses = [_address(a) for a in arrays], [_address(o) for o in outs]
        with self._lock:
            if self._closed:
                raise ValueError("the session is closed")
            in_ptrs, out_ptrs = self._in_ptrs, self._out_ptrs
            for i, p in enumerate(addresses[0]):
                in_ptrs[i] = p
            for j, p in enumerate(addresses[1]):
                out_ptrs[j] = p
            status = fn(self._handle, in_ptrs, out_ptrs, ctypes.c_uint32(rows), self._err_ref)
            if status:
                raise _errors.from_status(status, self._err)

    def _run_chunks(self, chunks, dtype: np.dtype) -> None:
        fn = self._run64 if dtype == np.float64 else self._run32
        err_ref = self._err_ref
        with self._lock:
            if self._closed:
                raise ValueError("the session is closed")
            handle = self._handle
            for in_ptrs, out_ptrs, n in chunks:
                status = fn(handle, in_ptrs, out_ptrs, n, err_ref)
                if status:
                    raise _errors.from_status(status, self._err)


class BoundRun:
    """Session.bind(): a run of fixed input and output arrays. Call it to run; it returns the
    output array (or tuple of arrays), the same objects every time. It keeps the arrays and the
    session alive; it is as thread-safe as the session (calls are serialised)."""

    def __init__(self, session: Session, chunks, dtype, outputs, keep):
        self.session = session
        self.outputs = outputs
        self._chunks = chunks
        self._keep = keep  # the arrays the pointers point into
        self._fn = session._run64 if dtype == np.float64 else session._run32
        self._single = chunks[0] if len(chunks) == 1 else None

    def __call__(self):
        s = self.session
        with s._lock:
            if s._closed:
                raise ValueError("the session is closed")
            if self._single is not None:
                in_ptrs, out_ptrs, n = self._single
                status = self._fn(s._handle, in_ptrs, out_ptrs, n, s._err_ref)
                if status:
                    raise _errors.from_status(status, s._err)
            else:
                for in_ptrs, out_ptrs, n in self._chunks:
                    status = self._fn(s._handle, in_ptrs, out_ptrs, n, s._err_ref)
                    if status:
                        raise _errors.from_status(status, s._err)
        return self.outputs
