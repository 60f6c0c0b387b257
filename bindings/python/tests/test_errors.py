"""Every error path: library statuses become trigrt.Error subclasses with the library's message;
Python-side mistakes are ValueErrors raised before any C call."""

from __future__ import annotations

import ctypes
import os

import numpy as np
import pytest

import trigrt
from trigrt import _errors, _lib
from conftest import REPO, model_path


def test_missing_file_is_io_error(tmp_path):
    path = tmp_path / "no-such-model.onnx"
    with pytest.raises(trigrt.IOError) as e:
        trigrt.Model(path)
    err = e.value
    assert isinstance(err, trigrt.Error)
    assert err.status == trigrt.Status.IO == 2
    assert err.status_name == _lib.lib().trigrt_status_string(2).decode()
    assert str(path) in err.message and str(err) == err.message
    assert "IOError(status=2" in repr(err)


def test_directory_is_io_error(tmp_path):
    with pytest.raises(trigrt.IOError):
        trigrt.Model(str(tmp_path))


@pytest.mark.parametrize("data", [b"", b"\x00", b"not an onnx model at all", b"\x08\x07\x12\x03abc\xff\xff"])
def test_bad_bytes_are_malformed(data):
    with pytest.raises(trigrt.MalformedModelError) as e:
        trigrt.Model(data)
    assert e.value.status == 3 and e.value.message


def test_truncated_model_is_malformed(tmp_path):
    data = open(model_path("deepcsv"), "rb").read()
    for cut in (len(data) // 3, len(data) - 1):
        with pytest.raises(trigrt.MalformedModelError):
            trigrt.Model(data[:cut])
        p = tmp_path / f"cut{cut}.onnx"
        p.write_bytes(data[:cut])
        with pytest.raises(trigrt.MalformedModelError, match=str(p)):
            trigrt.Model(p)


def test_unsupported_operator_names_the_op(tmp_path):
    import onnx
    from onnx import TensorProto, helper

    g = helper.make_graph([helper.make_node("TopK", ["x", "k"], ["v", "i"], name="topk")], "g",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
                          [helper.make_tensor_value_info("v", TensorProto.FLOAT, ["N", 2]),
                           helper.make_tensor_value_info("i", TensorProto.INT64, ["N", 2])],
                          [onnx.numpy_helper.from_array(np.array([2], dtype=np.int64), "k")])
    data = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], ir_version=8).SerializeToString()
    with pytest.raises(trigrt.UnsupportedError, match="TopK") as e:
        trigrt.Model(data)
    assert e.value.status == trigrt.Status.UNSUPPORTED


def test_fixed_mode_loads_or_is_refused_clearly():
    # until fixed mode lands the library refuses it with TRIGRT_E_UNSUPPORTED; afterwards it loads
    try:
        m = trigrt.Model(model_path("jet_tagger"), mode="fixed")
    except trigrt.UnsupportedError as e:
        assert "fixed" in e.message
    else:
        with m:
            assert m.mode == "fixed"


def test_precision_config_reaches_the_library(tmp_path):
    cfg = os.path.join(REPO, "firmware-sim", "configs", "jet_tagger", "default.yml")
    for precision in (cfg, {"Model": {"Precision": {"default": "ap_fixed<16,6>"}}}):
        try:
            m = trigrt.Model(model_path("jet_tagger"), mode="fixed", precision=precision)
        except trigrt.UnsupportedError:
            continue  # this build has no fixed mode yet
        with m:
            assert m.mode == "fixed"
    # a missing config file: an I/O error once configs are read (unsupported before that)
    with pytest.raises((trigrt.IOError, trigrt.UnsupportedError, trigrt.PrecisionConfigError)):
        trigrt.Model(model_path("jet_tagger"), mode="fixed", precision=tmp_path / "missing.yml")
    assert not list(tmp_path.glob("trigrt-precision-*"))


@pytest.mark.parametrize("mode", ["Float32", "fix", 1])  # mode=None: not given (fixed= decides)
def test_bad_mode_is_a_value_error(mode):
    with pytest.raises(ValueError, match="mode"):
        trigrt.Model(model_path("jet_tagger"), mode=mode)


def test_bad_source_and_precision_types():
    with pytest.raises(ValueError, match="path or a bytes-like"):
        trigrt.Model(12345)
    with pytest.raises(ValueError, match="precision"):
        trigrt.Model(model_path("jet_tagger"), precision=3)


@pytest.mark.parametrize("max_batch", [0, -1, 2**32, 1.5, True, "8"])
def test_bad_max_batch_is_a_value_error(max_batch):
    with trigrt.Model(model_path("jet_tagger")) as m:
        with pytest.raises(ValueError, match="max_batch"):
            m.session(max_batch)
        with pytest.raises(ValueError, match="max_batch"):
            m.arena_size(max_batch)


def test_huge_max_batch_is_a_library_error_not_a_crash():
    with trigrt.Model(model_path("deepcsv")) as m:
        try:
            s = m.session(2**32 - 1)  # ~ 3 TB of arena
        except (trigrt.BatchError, trigrt.OutOfMemoryError, trigrt.LimitError) as e:
            assert e.status in (trigrt.Status.BATCH, trigrt.Status.OUT_OF_MEMORY, trigrt.Status.LIMIT)
        else:  # a lazily-committing allocator may hand it out; it must still work for small batches
            with s:
                assert s.run(np.zeros((1, 68), np.float32)).shape == (1, 4)


def test_run_statuses_map_to_exceptions():
    # Python checks the batch before calling; call the C function directly to see the mapping
    with trigrt.Model(model_path("jet_tagger")) as m, m.session(4) as s:
        x = np.zeros((8, 16), np.float32)
        y = np.zeros((8, 5), np.float32)
        ins = (ctypes.c_void_p * 1)(x.ctypes.data)
        outs = (ctypes.c_void_p * 1)(y.ctypes.data)
        err = _lib.TrigrtError()
        st = _lib.lib().trigrt_session_run(s._handle, ins, outs, 5, ctypes.byref(err))
        exc = _errors.from_status(st, err)
        assert isinstance(exc, trigrt.BatchError) and exc.status == 6 and "max_batch" in exc.message
        st = _lib.lib().trigrt_session_run(s._handle, None, outs, 1, ctypes.byref(err))
        assert isinstance(_errors.from_status(st, err), trigrt.InvalidArgumentError)


def test_every_status_has_a_class_and_a_name():
    for status in trigrt.Status:
        if status == trigrt.Status.OK:
            continue
        exc = _errors.from_status(int(status))
        assert type(exc).STATUS == status and exc.status == status
        assert exc.status_name == trigrt.status_name(status) != "unknown status"
    future = _errors.from_status(99)
    assert type(future) is trigrt.Error and future.status == 99


def test_closed_handles_are_value_errors():
    m = trigrt.Model(model_path("jet_tagger"))
    s = m.session(2)
    s.close()
    s.close()  # idempotent
    assert s.closed
    with pytest.raises(ValueError, match="closed"):
        s.run(np.zeros((1, 16), np.float32))
    m.close()
    m.close()
    assert m.closed
    with pytest.raises(ValueError, match="closed"):
        m.session(1)
    with pytest.raises(ValueError, match="closed"):
        m.arena_size(1)
