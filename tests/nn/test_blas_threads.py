"""Calls that run their blocks on every core limit the process's BLAS to one thread while they
run, and whatever calls overlap, from whatever threads, the BLAS has its own thread count back
afterwards."""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from convalg._runtime import parallel
from convalg.nn import _im2col
from convalg.nn import functional as F

from ._reference import direct_bound


class _ProcessWideCount:
    """threadpoolctl's controller over one process-wide thread count, as OpenBLAS (pthreads) has:
    a limit saves the count it finds, sets its own, and puts the saved count back on exit."""

    def __init__(self, threads):
        self.threads = threads

    @contextlib.contextmanager
    def limit(self, *, limits, user_api):
        assert user_api == "blas"
        saved, self.threads = self.threads, limits
        try:
            yield
        finally:
            self.threads = saved


@pytest.fixture
def two_cores(monkeypatch):
    """Two cores and a fresh pool of two workers, whatever the machine has."""
    pool = ThreadPoolExecutor(max_workers=2)
    monkeypatch.setattr(parallel, "_POOL", pool)
    monkeypatch.setattr(parallel, "_CORES", 2)
    yield
    pool.shutdown()


def test_overlapping_calls_give_the_blas_its_thread_count_back(monkeypatch, two_cores):
    """Call A limits the BLAS; call B starts in another thread while A runs and ends after it.
    Nested limits would leave B's saved "original" (A's 1) in place for good."""
    blas = _ProcessWideCount(threads=4)
    monkeypatch.setattr(parallel, "_CONTROLLER", blas)
    a_inside, b_inside, a_done = threading.Event(), threading.Event(), threading.Event()
    seen_by_a = []

    def block_of_a(block):
        seen_by_a.append(blas.threads)
        a_inside.set()
        assert b_inside.wait(10.0)
        return block

    def block_of_b(block):
        b_inside.set()
        assert a_done.wait(10.0)
        return block

    with ThreadPoolExecutor(max_workers=2) as callers:
        a = callers.submit(parallel.parallel_blocks, block_of_a, [0, 1], 1, 0)
        assert a_inside.wait(10.0)
        b = callers.submit(parallel.parallel_blocks, block_of_b, [0, 1], 1, 0)
        assert a.result(timeout=10.0) == [0, 1]
        a_done.set()
        assert b.result(timeout=10.0) == [0, 1]
    assert seen_by_a and set(seen_by_a) == {1}  # A's blocks ran on a single-threaded BLAS
    assert blas.threads == 4


def test_a_failing_block_gives_the_blas_its_thread_count_back(monkeypatch, two_cores):
    blas = _ProcessWideCount(threads=3)
    monkeypatch.setattr(parallel, "_CONTROLLER", blas)

    def failing(block):
        raise KeyError(block)

    for products in (1, parallel.PARALLEL_MIN_PRODUCTS):  # drained by the caller too; mapped on the pool
        with pytest.raises(KeyError):
            parallel.parallel_blocks(failing, [0, 1, 2], products, 0)
        assert blas.threads == 3
    after_failure = parallel.parallel_blocks(lambda block: blas.threads, [0, 1], 1, 0)
    assert after_failure == [1, 1]  # the limit is taken again: its holder was released


def test_concurrent_layer_calls_leave_the_real_blas_at_its_thread_count(rng, monkeypatch):
    """The same with the real BLAS through the public operations, from four threads at once."""
    threadpoolctl = pytest.importorskip("threadpoolctl", reason="the BLAS limit needs threadpoolctl (the 'learn' extra)")

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
