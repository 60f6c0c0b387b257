"""The zoo models through the binding: metadata, float32 and float64 paths, bytes, batching."""

from __future__ import annotations

import numpy as np
import pytest

import trigrt
from conftest import ZOO, golden, model_path

ATOL = 1e-5
SHAPES = {"deepcsv": ((68,), (4,)), "jet_tagger": ((16,), (5,)), "tracknn": ((12,), (1,))}


def test_versions():
    assert trigrt.abi_version() == trigrt.ABI_VERSION == 1
    n = trigrt.version_number()
    assert trigrt.version() == f"{n // 1000000}.{n // 1000 % 1000}.{n % 1000}"
    assert trigrt.library_path()


@pytest.mark.parametrize("name", ZOO)
def test_metadata(name):
    with trigrt.Model(model_path(name)) as m:
        (i,), (o,) = m.inputs, m.outputs
        assert (i.shape, o.shape) == SHAPES[name]
        assert (i.size, o.size) == (int(np.prod(i.shape)), int(np.prod(o.shape)))
        assert i.name and o.name and i.index == 0 and o.index == 0
        assert m.mode == "float"
        assert m.arena_size(1) > 0 and m.arena_size(64) >= m.arena_size(1)
        assert "float" in repr(m)


@pytest.mark.parametrize("name", ZOO)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_zoo_matches_onnxruntime(name, dtype):
    x, y = golden(name)
    with trigrt.Model(model_path(name)) as m, m.session(max_batch=64) as s:
        out = s.run(x.astype(dtype))
    assert out.dtype == dtype and out.shape == y.shape
    np.testing.assert_allclose(out, y, rtol=0, atol=ATOL)


@pytest.mark.parametrize("name", ZOO)
def test_float64_path_is_the_float32_result_widened(name):
    # float mode: run_f64 rounds the inputs to float and widens the float results
    x, _ = golden(name)
    with trigrt.Model(model_path(name)) as m:
        s = m.session(32)
        y32 = s.run(x)
        y64 = s.run(x.astype(np.float64))
    assert np.array_equal(y64, y32.astype(np.float64))


@pytest.mark.parametrize("name", ZOO)
def test_load_from_bytes_equals_load_from_file(name):
    x, _ = golden(name)
    data = open(model_path(name), "rb").read()
    with trigrt.Model(model_path(name)) as a:
        ya = a.run(x)
    for buf in (data, bytearray(data), memoryview(data)):
        with trigrt.Model(buf) as b:
            assert b.inputs == a.inputs and b.outputs == a.outputs
            assert np.array_equal(b.run(x), ya)


@pytest.mark.parametrize("max_batch", [1, 7, 64, 999, 1000, 4096])
def test_chunking_gives_the_same_rows(max_batch):
    x, y = golden("deepcsv")
    x = x[:997]  # odd count: last chunk partial for most max_batch values
    with trigrt.Model(model_path("deepcsv")) as m:
        ref = m.session(1000).run(x)
        s = m.session(max_batch)
        assert s.max_batch == max_batch
        out = s.run(x)
    np.testing.assert_allclose(out, y[:997], rtol=0, atol=ATOL)
    # batched kernels may sum in another order than batch-1 ones; allow float rounding only
    np.testing.assert_allclose(out, ref, rtol=0, atol=1e-6)


@pytest.mark.parametrize("rows", [1, 2, 3, 63, 64, 65, 129])
def test_odd_row_counts(rows):
    x, y = golden("jet_tagger")
    with trigrt.Model(model_path("jet_tagger")) as m:
        out = m.session(64).run(x[:rows])
    assert out.shape == (rows, 5)
    np.testing.assert_allclose(out, y[:rows], rtol=0, atol=ATOL)


def test_model_run_convenience():
    x, y = golden("tracknn")
    with trigrt.Model(model_path("tracknn")) as m:
        np.testing.assert_allclose(m.run(x), y, rtol=0, atol=ATOL)
        big = np.concatenate([x, x, x])  # 3000 rows > MODEL_RUN_MAX_BATCH: chunked
        np.testing.assert_allclose(m.run(big), np.concatenate([y, y, y]), rtol=0, atol=ATOL)
        np.testing.assert_allclose(m.run({m.inputs[0].name: x[:5]}), y[:5], rtol=0, atol=ATOL)
