"""Layer calls that run their blocks on every core leave the process's BLAS at its own thread
count, whatever calls overlap (the runtime's limit itself: tests/runtime/test_runtime_parallel.py)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from convalg._runtime import parallel
from convalg.nn import _im2col
from convalg.nn import functional as F

from ._reference import direct_bound


def test_concurrent_layer_calls_leave_the_real_blas_at_its_thread_count(rng, monkeypatch):
    """The same with the real BLAS through the public operations, from four threads at once."""
    threadpoolctl = pytest.importorskip(
        "threadpoolctl", reason="the BLAS limit needs threadpoolctl (the 'learn' extra)"
    )

    def blas_threads():
        return [info["num_threads"] for info in threadpoolctl.threadpool_info() if info["user_api"] == "blas"]

    before = blas_threads()
    monkeypatch.setattr(parallel, "PARALLEL_MIN_PRODUCTS", 0)  # every call takes the limit
    monkeypatch.setattr(_im2col, "SMALL_PARALLEL_MIN_PRODUCTS", 0)
    x, w = rng.standard_normal((8, 4, 12, 12)), rng.standard_normal((6, 4, 3, 3))
    expected = F.conv2d(x, w, padding=1)
    start = threading.Barrier(4)

    def calls(_):
        start.wait(10.0)
        return [F.conv2d(x, w, padding=1, stride=stride) for stride in (1, 2) * 10]

    with ThreadPoolExecutor(max_workers=4) as callers:
        results = list(callers.map(calls, range(4)))
    assert blas_threads() == before
    bound = direct_bound(x, w, None, "float64", padding=1)  # two direct sums of the same terms
    for per_thread in results:
        assert bound.holds(per_thread[0], expected)
