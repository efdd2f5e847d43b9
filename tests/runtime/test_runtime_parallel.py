"""The runtime's one thread pool: blocks keep their order, failures reach the caller, a late
worker is never waited for, and whatever calls overlap, the BLAS gets its thread count back."""

from __future__ import annotations

import contextlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from convalg._runtime import parallel as runtime_parallel


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
    monkeypatch.setattr(runtime_parallel, "_POOL", pool)
    monkeypatch.setattr(runtime_parallel, "_CORES", 2)
    yield
    pool.shutdown()


def test_overlapping_calls_give_the_blas_its_thread_count_back(monkeypatch, two_cores):
    """Call A limits the BLAS; call B starts in another thread while A runs and ends after it.
    Nested limits would leave B's saved "original" (A's 1) in place for good."""
    blas = _ProcessWideCount(threads=4)
    monkeypatch.setattr(runtime_parallel, "_CONTROLLER", blas)
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
        a = callers.submit(runtime_parallel.parallel_blocks, block_of_a, [0, 1], 1, 0)
        assert a_inside.wait(10.0)
        b = callers.submit(runtime_parallel.parallel_blocks, block_of_b, [0, 1], 1, 0)
        assert a.result(timeout=10.0) == [0, 1]
        a_done.set()
        assert b.result(timeout=10.0) == [0, 1]
    assert seen_by_a and set(seen_by_a) == {1}  # A's blocks ran on a single-threaded BLAS
    assert blas.threads == 4


def test_a_failing_block_gives_the_blas_its_thread_count_back(monkeypatch, two_cores):
    blas = _ProcessWideCount(threads=3)
    monkeypatch.setattr(runtime_parallel, "_CONTROLLER", blas)

    def failing(block):
        raise KeyError(block)

    for products in (1, runtime_parallel.PARALLEL_MIN_PRODUCTS):  # drained by the caller too; mapped on the pool
        with pytest.raises(KeyError):
            runtime_parallel.parallel_blocks(failing, [0, 1, 2], products, 0)
        assert blas.threads == 3
    after_failure = runtime_parallel.parallel_blocks(lambda block: blas.threads, [0, 1], 1, 0)
    assert after_failure == [1, 1]  # the limit is taken again: its holder was released


def test_parallel_blocks_keep_block_order_and_reraise_a_failing_block(monkeypatch):
    monkeypatch.setattr(runtime_parallel, "_CORES", 2)
    assert runtime_parallel.parallel_blocks(lambda b: b * b, list(range(10)), 1, 0) == [b * b for b in range(10)]

    def failing(block):
        if block == 7:
            raise KeyError(block)
        return block

    with pytest.raises(KeyError):
        runtime_parallel.parallel_blocks(failing, list(range(10)), 1, 0)


def test_the_calling_thread_finishes_all_blocks_when_no_worker_is_free(monkeypatch):
    """A worker the system wakes late is not waited for: the caller computes every block itself."""
    pool = ThreadPoolExecutor(max_workers=1)
    release = threading.Event()
    pool.submit(release.wait, 10.0)  # the only worker is busy for up to 10 s
    monkeypatch.setattr(runtime_parallel, "_POOL", pool)
    monkeypatch.setattr(runtime_parallel, "_CORES", 2)
    try:
        start = time.perf_counter()
        assert runtime_parallel.parallel_blocks(lambda b: -b, [1, 2, 3, 4], 1, 0) == [-1, -2, -3, -4]
        assert time.perf_counter() - start < 5.0
    finally:
        release.set()
        pool.shutdown()


def test_workers_is_at_least_one_and_at_most_the_cores():
    assert 1 <= runtime_parallel.workers() <= runtime_parallel.cores()
    assert runtime_parallel.parallel_map(lambda v: v * 2, [1, 2, 3]) == [2, 4, 6]


def test_small_transforms_run_on_one_worker_and_large_ones_on_the_idle_cores(monkeypatch):
    """A batch of transforms below SMALL_TRANSFORM real points stays on one pocketfft
    worker (a second thread's hand-over cost more than it saved, measured in convalg.nn),
    and so does one along two or more axes below SMALL_MULTI_AXIS (pocketfft hands each
    axis over); larger ones get the idle-core count; the values are the same either way."""
    import array_api_compat.numpy as xp
    import numpy as np
    import scipy.fft

    from convalg._runtime import fft as runtime_fft

    monkeypatch.setattr(runtime_parallel, "workers", lambda: 2)
    seen = []
    original = scipy.fft.rfftn
    monkeypatch.setattr(scipy.fft, "rfftn", lambda *a, **k: seen.append(k["workers"]) or original(*a, **k))
    small = np.ones((3, 8, 8))
    lines = np.ones((4, 1 << 14))  # 2**16 points along one axis
    planes = np.ones((4, 128, 128))  # 2**16 points along two axes
    large = np.ones((16, 128, 128))  # 2**18 points along two axes
    runtime_fft.rfftn(xp, small, (16, 16))
    runtime_fft.rfftn(xp, lines, (1 << 14,))
    runtime_fft.rfftn(xp, planes, (128, 128))
    runtime_fft.rfftn(xp, large, (128, 128))
    assert seen == [1, 2, 1, 2]
    np.testing.assert_allclose(
        runtime_fft.irfftn(xp, runtime_fft.rfftn(xp, small, (16, 16)), (16, 16))[:, :8, :8], small
    )
