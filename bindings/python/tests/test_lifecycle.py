"""Ownership: context managers, close order, garbage collection of many handles without leaks."""

from __future__ import annotations

import gc
import os
import weakref

import numpy as np

import trigrt
from conftest import ZOO, golden, model_path


def test_session_outlives_its_model():
    x, y = golden("jet_tagger")
    m = trigrt.Model(model_path("jet_tagger"))
    s = m.session(8)
    m.close()  # the C session keeps the plan alive
    np.testing.assert_allclose(s.run(x[:20]), y[:20], rtol=0, atol=1e-5)
    del m
    gc.collect()
    np.testing.assert_allclose(s.run(x[:20]), y[:20], rtol=0, atol=1e-5)
    s.close()


def test_context_managers_close():
    with trigrt.Model(model_path("tracknn")) as m:
        with m.session(3) as s:
            assert not s.closed
        assert s.closed and not m.closed
    assert m.closed


def test_garbage_collection_destroys_handles():
    m = trigrt.Model(model_path("deepcsv"))
    s = m.session(4)
    fin_m, fin_s = m._finalizer, s._finalizer
    ref = weakref.ref(m)
    del m
    gc.collect()
    assert ref() is not None and fin_m.alive  # the session keeps the Python model alive
    del s
    gc.collect()
    assert ref() is None and not fin_m.alive and not fin_s.alive


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_many_models_and_sessions_do_not_leak():
    data = {n: open(model_path(n), "rb").read() for n in ZOO}
    x = {n: golden(n)[0][:33] for n in ZOO}

    def churn(k):
        for i in range(k):
            n = ZOO[i % 3]
            m = trigrt.Model(data[n] if i % 2 else model_path(n))
            for mb in (1, 16, 64):
                s = m.session(mb)
                s.run(x[n])
                if mb == 16:
                    s.close()  # explicit close, the others by GC
            if i % 4 == 0:
                m.close()
            del m, s
        gc.collect()

    churn(60)  # warm up allocator pools
    before = _rss_bytes()
    churn(600)  # 600 models, 1800 sessions (deepcsv's weights alone are ~200 kB per model)
    grown = _rss_bytes() - before
    assert grown < 16 * 2**20, f"RSS grew by {grown / 2**20:.1f} MiB over 600 models / 1800 sessions"
