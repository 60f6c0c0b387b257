"""Session.run's input handling: shapes, dtypes, layouts, several inputs/outputs, out=, NaN."""

from __future__ import annotations

import numpy as np
import pytest

import trigrt
from conftest import golden, model_path

ATOL = 1e-5


@pytest.fixture(scope="module")
def jet():
    m = trigrt.Model(model_path("jet_tagger"))
    yield m, m.session(16)
    m.close()


def test_single_sample_gives_one_row(jet):
    m, s = jet
    x, y = golden("jet_tagger")
    out = s.run(x[3])
    assert out.shape == (1, 5)
    np.testing.assert_allclose(out[0], y[3], rtol=0, atol=ATOL)


def test_zero_rows(jet):
    _, s = jet
    for dt in (np.float32, np.float64):
        out = s.run(np.zeros((0, 16), dtype=dt))
        assert out.shape == (0, 5) and out.dtype == dt


def test_non_contiguous_and_foreign_layouts(jet):
    _, s = jet
    x, y = golden("jet_tagger")
    x = x[:100]
    ref = s.run(x)
    fortran = np.asfortranarray(x)
    strided = np.repeat(x, 2, axis=0)[::2]
    big_endian = x.astype(">f4")
    padded = np.zeros((100, 20), dtype=np.float32)
    padded[:, :16] = x
    for variant in (fortran, strided, big_endian, padded[:, :16]):
        assert not (variant.flags.c_contiguous and variant.dtype == np.float32)
        out = s.run(variant)
        assert out.dtype == np.float32
        assert np.array_equal(out, ref)
    # an unaligned float32 buffer is copied before the call
    raw = np.zeros(100 * 16 * 4 + 1, dtype=np.uint8)
    unaligned = np.frombuffer(raw.data, dtype=np.float32, count=100 * 16, offset=1).reshape(100, 16)
    assert not unaligned.flags.aligned
    unaligned[...] = x
    assert np.array_equal(s.run(unaligned), ref)
    # inputs are never modified
    x_copy = x.copy()
    s.run(x)
    assert np.array_equal(x, x_copy)


def test_array_likes_become_float64(jet):
    _, s = jet
    x, y = golden("jet_tagger")
    out = s.run(x[:2].tolist())
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, y[:2], rtol=0, atol=ATOL)
    assert s.run(x[0].tolist()).shape == (1, 5)


@pytest.mark.parametrize("bad", [np.zeros((4, 15), np.float32), np.zeros((4, 16, 1), np.float32),
                                 np.zeros(17, np.float32), np.zeros((2, 2, 4), np.float32),
                                 np.float32(1.0)])
def test_wrong_shape_is_a_value_error(jet, bad):
    _, s = jet
    with pytest.raises(ValueError, match="shape"):
        s.run(bad)


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.float16, np.complex64, bool])
def test_wrong_dtype_is_a_value_error(jet, dtype):
    _, s = jet
    with pytest.raises(ValueError, match="float32 or float64"):
        s.run(np.zeros((2, 16), dtype=dtype))


def test_wrong_number_of_inputs(jet):
    _, s = jet
    x = np.zeros((2, 16), np.float32)
    with pytest.raises(ValueError, match="1 input"):
        s.run(x, x)
    with pytest.raises(ValueError, match="1 input"):
        s.run()
    with pytest.raises(ValueError, match="names"):
        s.run({"nope": x})


def test_out_parameter(jet):
    _, s = jet
    x, y = golden("jet_tagger")
    out = np.full((40, 5), -7.0, dtype=np.float32)
    assert s.run(x[:40], out=out) is out
    np.testing.assert_allclose(out, y[:40], rtol=0, atol=ATOL)
    flat64 = np.empty((40, 5), dtype=np.float64)
    s.run(x[:40].astype(np.float64), out=flat64)
    assert np.array_equal(flat64, out.astype(np.float64))
    with pytest.raises(ValueError, match="dtype"):
        s.run(x[:40], out=np.empty((40, 5), np.float64))
    with pytest.raises(ValueError, match="shape"):
        s.run(x[:40], out=np.empty((39, 5), np.float32))
    with pytest.raises(ValueError, match="contiguous"):
        s.run(x[:40], out=np.empty((40, 10), np.float32)[:, ::2])
    buf = np.zeros((40, 16), np.float32)
    with pytest.raises(ValueError, match="overlaps"):
        s.run(buf, out=buf.reshape(-1)[:200].reshape(40, 5))


def test_nan_and_inf_propagate_in_float_mode(jet):
    m, s = jet
    x, y = golden("jet_tagger")
    x = x[:8].copy()
    x[2, 5] = np.nan
    x[4, :] = np.nan
    for dt in (np.float32, np.float64):
        out = s.run(x.astype(dt))
        assert np.isnan(out[2]).all() and np.isnan(out[4]).all()
        clean = [0, 1, 3, 5, 6, 7]
        np.testing.assert_allclose(out[clean], y[clean], rtol=0, atol=ATOL)
    with trigrt.Model(model_path("tracknn")) as t:
        xt, _ = golden("tracknn")
        xt = xt[:2].copy()
        xt[1, 0] = np.inf
        out = t.run(xt)
        assert np.isfinite(out[0]).all()  # a row's inf never leaks into another row


def test_several_inputs_and_outputs(multi_io_model):
    path, reference = multi_io_model
    rng = np.random.default_rng(1)
    a = rng.normal(size=(11, 3)).astype(np.float32)
    b = rng.normal(size=(11, 2, 2)).astype(np.float32)
    with trigrt.Model(path) as m:
        assert [t.name for t in m.inputs] == ["a", "b"]
        assert [(t.name, t.shape) for t in m.outputs] == [("cat", (7,)), ("dense", (2,))]
        assert m.inputs[1].shape == (2, 2) and m.inputs[1].size == 4
        s = m.session(4)
        want = reference(a, b)
        for result in (s.run(a, b), s.run((a, b)), s.run([a, b]), s.run({"b": b, "a": a}),
                       s.run(a, b.reshape(11, 4)), m.run(a, b)):
            assert isinstance(result, tuple) and len(result) == 2
            cat, dense = result
            assert cat.shape == (11, 7) and dense.shape == (11, 2) and cat.dtype == np.float32
            np.testing.assert_allclose(cat, want[0], rtol=0, atol=1e-6)
            np.testing.assert_allclose(dense, want[1], rtol=0, atol=1e-6)
        cat64, dense64 = s.run(a.astype(np.float64), b.astype(np.float64))
        assert cat64.dtype == np.float64
        np.testing.assert_allclose(dense64, want[1], rtol=0, atol=1e-6)
        one = s.run(a[0], b[0])  # one sample of each
        assert one[0].shape == (1, 7)
        np.testing.assert_allclose(one[0][0], want[0][0], rtol=0, atol=1e-6)
        with pytest.raises(ValueError, match="same dtype"):
            s.run(a, b.astype(np.float64))
        with pytest.raises(ValueError, match="row counts"):
            s.run(a, b[:10])
        with pytest.raises(ValueError, match="missing"):
            s.run({"a": a})
        with pytest.raises(ValueError, match="2 inputs"):
            s.run(a)
        outs = (np.empty((11, 7), np.float32), np.empty((11, 2), np.float32))
        r = s.run(a, b, out=outs)
        assert r[0] is outs[0] and r[1] is outs[1]
        np.testing.assert_allclose(outs[1], want[1], rtol=0, atol=1e-6)


def test_bind_runs_whatever_the_bound_arrays_hold(jet):
    _, s = jet
    x, y = golden("jet_tagger")
    for rows in (1, 16, 37):  # one call, exactly max_batch, several chunks
        buf = np.empty((rows, 16), np.float64)
        call = s.bind(buf)
        for start in (0, 100, 500):
            buf[...] = x[start:start + rows]
            out = call()
            assert out is call.outputs and out.shape == (rows, 5) and out.dtype == np.float64
            assert np.array_equal(out, s.run(x[start:start + rows].astype(np.float64)))
    o = np.empty((2, 5), np.float32)
    xb = x[:2].copy()
    assert s.bind(xb, out=o)() is o
    np.testing.assert_allclose(o, y[:2], rtol=0, atol=ATOL)
    for bad in (x[:4].astype(">f4"), np.asfortranarray(x[:4]), x[:4, ::1][:, :16][::2], x[:4].tolist()):
        with pytest.raises(ValueError, match="in place"):
            s.bind(bad)
    with pytest.raises(ValueError, match="at least one row"):
        s.bind(np.zeros((0, 16), np.float32))


def test_bind_on_several_inputs_and_a_closed_session(multi_io_model):
    path, reference = multi_io_model
    a = np.ones((3, 3), np.float32)
    b = np.full((3, 2, 2), 0.5, np.float32)
    with trigrt.Model(path) as m:
        s = m.session(2)
        call = s.bind(a, b)
        cat, dense = call()
        np.testing.assert_allclose(dense, reference(a, b)[1], rtol=0, atol=1e-6)
        b[...] = -1
        np.testing.assert_allclose(call()[0], reference(a, b)[0], rtol=0, atol=1e-6)
        s.close()
        with pytest.raises(ValueError, match="closed"):
            call()
