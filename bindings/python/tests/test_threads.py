"""A Model shared by threads, each with its own Session, gives identical results."""

from __future__ import annotations

import threading

import numpy as np

import trigrt
from conftest import golden, model_path


def _in_threads(n, target):
    errors = []

    def wrapped(k):
        try:
            target(k)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=wrapped, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_threads_with_own_sessions_agree_bit_for_bit():
    x, y = golden("deepcsv")
    with trigrt.Model(model_path("deepcsv")) as m:
        ref32 = m.session(64).run(x)
        ref64 = m.session(64).run(x.astype(np.float64))
        results = {}
        barrier = threading.Barrier(4)

        def work(k):
            s = m.session(64)  # sessions created concurrently too
            barrier.wait()
            for rep in range(5):
                results[(k, rep, 32)] = s.run(x)
                results[(k, rep, 64)] = s.run(x.astype(np.float64))
            s.close()

        _in_threads(4, work)
    assert len(results) == 40
    for (k, rep, bits), out in results.items():
        assert np.array_equal(out, ref32 if bits == 32 else ref64), (k, rep, bits)
    np.testing.assert_allclose(ref32, y, rtol=0, atol=1e-5)


def test_a_shared_session_is_serialised_not_corrupted():
    x, _ = golden("jet_tagger")
    with trigrt.Model(model_path("jet_tagger")) as m:
        s = m.session(8)  # small arena, many chunks: interleaving would show
        ref = s.run(x)
        outs = []

        def work(k):
            for _ in range(10):
                outs.append(s.run(x))

        _in_threads(3, work)
        assert len(outs) == 30 and all(np.array_equal(o, ref) for o in outs)


def test_model_created_and_closed_while_other_threads_run():
    x, y = golden("tracknn")
    with trigrt.Model(model_path("tracknn")) as shared:
        def work(k):
            s = shared.session(16)
            for i in range(20):
                with trigrt.Model(model_path("tracknn")) as own:
                    assert np.array_equal(own.session(16).run(x[:50]), s.run(x[:50]))
            np.testing.assert_allclose(s.run(x), y, rtol=0, atol=1e-5)

        _in_threads(3, work)
