"""How many cores one call may use, and the thread pool the direct method runs on.

A call uses the cores that are idle: ``os.cpu_count()`` minus the other runnable work
(the one-minute load average, less the one core this call itself occupies). On a busy
machine that is one core, where extra threads only wait for each other; on an idle one
it is every core (``scipy.fft`` ``workers`` and the direct method's slabs). The answer
is re-read at most once a second.

The cached answer and the pool are convalg's only process-wide state: the pool is created
once under a lock, and a race on the cache can only return a one-second-old core count,
so concurrent calls stay safe.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

_POOL: ThreadPoolExecutor | None = None
_LOCK = threading.Lock()
_CACHE = {"time": -1.0, "workers": 1}


def cores() -> int:
    """Cores of this machine (at most 8 are used)."""
    return max(1, min(os.cpu_count() or 1, 8))


def workers() -> int:
    """Cores a call may use now: the idle ones plus its own, at least one."""
    now = time.monotonic()
    if now - _CACHE["time"] < 1.0:
        return _CACHE["workers"]
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        load = 0.0
    count = max(1, min(cores(), int(cores() - load + 1.5)))
    _CACHE.update(time=now, workers=count)
    return count


def parallel_map(function, items) -> list:
    """``map`` over a process-wide thread pool when more than one core is idle.

    NumPy's kernels and ``numpy.convolve`` release the GIL, so slabs run truly in parallel.
    """
    global _POOL
    items = list(items)
    if len(items) <= 1 or workers() == 1:
        return [function(item) for item in items]
    with _LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=cores(), thread_name_prefix="convalg")
        pool = _POOL
    return list(pool.map(function, items))
