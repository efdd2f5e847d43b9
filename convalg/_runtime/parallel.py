"""The one thread pool, how many of its threads a call uses, and per-call BLAS thread limits.

convalg's only process-wide state lives here: one pool of :func:`cores` threads, made once
under a lock, shared by every engine (signal's direct slabs and FFT inputs, nn's blocks of
matrix products). Two ways to use it, for two kinds of work:

* :func:`parallel_map` splits work that releases the GIL (``numpy.convolve``, slab copies)
  over the *idle* cores, :func:`workers`: ``os.cpu_count()`` minus the other runnable work
  (the one-minute load average, less the one core this call occupies), re-read at most
  once a second. scipy.fft's ``workers`` follows the same count (:mod:`convalg._runtime.fft`),
  since a transform split over a busy core waits for it.
* :func:`parallel_blocks` runs blocks of BLAS matrix products on every core, each on a
  single-threaded BLAS (:func:`single_threaded_blas`) rather than one after the other on a
  multi-threaded one: OpenBLAS's threads wait for each other inside every product, so on a
  busy machine one descheduled thread stalls them all, where independent blocks only stall
  their own share. Blocks are claimed one at a time and the calling thread claims too, so a
  worker the system wakes late finds nothing left instead of being waited for.

A race on the cached idle count can only return a one-second-old count, so concurrent
calls stay safe.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

#: Below this many multiply-adds a call's blocks run in turn: too small to be worth threads.
#: Above it the calling thread stays out of the way (measured 5% faster on the large nn case
#: of benchmarks/bench_nn.py, see docs/benchmarks-nn.md).
PARALLEL_MIN_PRODUCTS = 2**27

# os.cpu_count() costs ~10 us a call on some machines: read once. At most 8 threads are
# used; beyond that the engines are bound by memory bandwidth.
_CORES = max(1, min(os.cpu_count() or 1, 8))
_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()
_IDLE = {"time": -1.0, "workers": 1}


def cores() -> int:
    """Cores of this machine that convalg uses (at most 8).

    Examples
    --------
    >>> 1 <= cores() <= 8
    True
    """
    return _CORES


def workers() -> int:
    """Cores a call may use now: the idle ones plus its own, at least one.

    Examples
    --------
    >>> 1 <= workers() <= cores()
    True
    """
    now = time.monotonic()
    if now - _IDLE["time"] < 1.0:
        return int(_IDLE["workers"])
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        load = 0.0
    count = max(1, min(cores(), int(cores() - load + 1.5)))
    _IDLE.update(time=now, workers=count)
    return count


def pool() -> ThreadPoolExecutor:
    """The process-wide thread pool, one thread per core, made on first use."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=cores(), thread_name_prefix="convalg")
        return _POOL


def parallel_map(function: Callable[[Any], Any], items: Iterable[Any]) -> list:
    """``[function(item) for item in items]``, over the idle cores when more than one is idle.

    For work that releases the GIL (NumPy kernels, ``numpy.convolve``), so pieces run truly
    in parallel; the results keep the order of ``items``.

    Examples
    --------
    >>> parallel_map(lambda v: v * 2, [1, 2, 3])
    [2, 4, 6]
    """
    items = list(items)
    threads = min(len(items), workers())
    if threads <= 1:
        return [function(item) for item in items]
    return _drain(function, items, threads)


def parallel_blocks(
    function: Callable[[Any], Any], blocks: list, products: int, min_products: int | None = None
) -> list:
    """``[function(b) for b in blocks]`` on every core, each on a single-threaded BLAS.

    ``products`` is the call's work in multiply-adds; from ``min_products`` (default
    :data:`PARALLEL_MIN_PRODUCTS`) threads pay. Calls below ``PARALLEL_MIN_PRODUCTS``
    (sub-millisecond ones, admitted by a lower ``min_products``) are drained by the calling
    thread too, which returns as soon as every block is done. Larger calls map one task per
    block on the pool, so an idle worker takes the next block. Without threadpoolctl (the
    ``learn`` extra) the blocks run in turn: a multi-threaded BLAS already uses the cores.

    Examples
    --------
    >>> parallel_blocks(lambda b: b * b, [1, 2, 3], products=1)
    [1, 4, 9]
    """
    threads = min(len(blocks), cores())
    threshold = PARALLEL_MIN_PRODUCTS if min_products is None else min_products
    controller = blas_controller() if threads > 1 and products >= threshold else None
    if controller is None:
        return [function(b) for b in blocks]
    with single_threaded_blas(controller):
        if products >= PARALLEL_MIN_PRODUCTS:
            return list(pool().map(function, blocks))
        return _drain(function, blocks, threads)


def _drain(function: Callable[[Any], Any], items: list, threads: int) -> list:
    """Run ``function`` on every item on ``threads`` threads, the calling one included.

    Each item is claimed once (``next`` on a counter is atomic); the caller returns when all
    are done, so a pool thread that starts late finds nothing to do. A failure is re-raised
    in the calling thread once every claimed item has finished.
    """
    results: list = [None] * len(items)
    claims = itertools.count()
    remaining = [len(items)]
    failures: list[BaseException] = []
    lock = threading.Lock()
    finished = threading.Event()

    def drain() -> None:
        for index in iter(claims.__next__, None):
            if index >= len(items):
                return
            try:
                results[index] = function(items[index])
            except BaseException as error:  # noqa: BLE001 - re-raised in the calling thread
                failures.append(error)
            with lock:
                remaining[0] -= 1
                if remaining[0] == 0:
                    finished.set()

    executor = pool()
    for _ in range(threads - 1):
        executor.submit(drain)
    drain()
    finished.wait()
    if failures:
        raise failures[0]
    return results


def split_batch(batch: int, parts: int | None = None) -> list[tuple[int, int]]:
    """``[(start, stop), ...]`` cutting ``batch`` samples into one part per core.

    The first part, computed by the calling thread (which starts at once, where a worker
    starts only once woken), is larger by 1/16 of the batch.

    Examples
    --------
    >>> split_batch(34, 2)
    [(0, 18), (18, 34)]
    """
    parts = cores() if parts is None else parts
    lead = batch // 16
    step = -(-(batch - lead) // parts)
    return [(0, min(batch, step + lead))] + [
        (start, min(batch, start + step)) for start in range(step + lead, batch, step)
    ]


def run_parts(compute: Callable[[tuple[int, int]], Any], parts: list[tuple[int, int]]) -> None:
    """Compute ``parts[0]`` here and the others on the pool, on a single-threaded BLAS.

    A part whose worker has not started by the time the calling thread is done is taken
    back and computed here, so a worker the system wakes late is never waited for. Without
    threadpoolctl every part is computed here, in turn.
    """
    controller = blas_controller() if len(parts) > 1 else None
    if controller is None:
        for part in parts:
            compute(part)
        return
    executor = pool()
    with single_threaded_blas(controller):
        pending = [(part, executor.submit(compute, part)) for part in parts[1:]]
        compute(parts[0])
        for part, task in pending:
            if task.cancel():  # never started: compute it here rather than wait for a worker
                compute(part)
            else:
                task.result()


_CONTROLLER: Any = None


def blas_controller() -> Any:
    """threadpoolctl's controller of the loaded BLAS (cached), or None without threadpoolctl."""
    global _CONTROLLER
    if _CONTROLLER is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # an optional speed-up ('learn' extra): run the blocks in turn
            _CONTROLLER = False
        else:
            _CONTROLLER = ThreadpoolController()
    return _CONTROLLER or None


# Held by the one call that has set the process's BLAS to one thread. OpenBLAS's thread count is
# process-wide, so limits entered from several threads do not nest: a second call would save
# the first call's 1 as "the original" and restore it last, leaving every later product in the
# process single-threaded. And since threadpoolctl 3.8 only one "controlling" thread at a time
# may change OpenBLAS's count (the others are silently ignored), so a limit must be set and
# restored by the same thread. Hence one holder at a time: a call that finds the limit held runs
# without touching it (it gains while the holder's limit lasts; afterwards its BLAS calls share
# the cores, which is slower, never wrong).
_BLAS_LIMIT = threading.Lock()


@contextlib.contextmanager
def single_threaded_blas(controller: Any) -> Iterator[None]:
    """Run the body with the process's BLAS on one thread, restored to what it was afterwards."""
    if not _BLAS_LIMIT.acquire(blocking=False):
        yield
        return
    try:
        with controller.limit(limits=1, user_api="blas"):
            yield
    finally:
        _BLAS_LIMIT.release()
