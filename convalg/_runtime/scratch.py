"""Scratch memory that repeated calls reuse: a transform's workspace without page faults.

A fresh page of memory costs a page fault on its first touch (about 2 us per 4 KiB page on
the 2-core VM: as much as the transforms of a 270 x 270 convolution). glibc's ``malloc``
gives large freed arrays back to the system, so a loop of medium calls pays for its
workspace again on every call. This module keeps the large NumPy buffers of earlier calls
and lends them again, as CuPy's memory pool and PyTorch's caching allocator do on a GPU.

A buffer is lent only while nothing else refers to it. Every array made from it (a view, a
reshape, a result that is a view) holds a reference to it, so a buffer still in use, by this
call or by a result a caller kept, is never lent twice (``sys.getrefcount``): nothing is
returned by hand, and no array can alias another call's workspace. The pool keeps at most
``CONVALG_SCRATCH_BYTES`` bytes (default :data:`DEFAULT_LIMIT`, 0 turns it off) in at most
:data:`MOST_BUFFERS` buffers; beyond that, and for arrays below :data:`SMALL` bytes (which
``malloc`` serves from memory it keeps), arrays are allocated as usual. The memory guard
(:mod:`convalg._runtime.memory`) sees the pool's buffers as memory in use.
"""

from __future__ import annotations

import math
import os
import sys
import threading
from typing import Any

import numpy as np

from convalg._runtime.devices import device

#: Arrays smaller than this many bytes are allocated as usual (malloc keeps such memory).
SMALL = 1 << 17

#: Environment variable capping the bytes the pool keeps (0 turns it off).
LIMIT_ENV = "CONVALG_SCRATCH_BYTES"

#: The cap without ``CONVALG_SCRATCH_BYTES``: 64 MiB.
DEFAULT_LIMIT = 64 << 20

#: The most buffers the pool keeps (each lending scans them).
MOST_BUFFERS = 32

_LOCK = threading.Lock()
_BUFFERS: list[np.ndarray] = []  # owning uint8 arrays, each lent out through views


def _fresh_lock() -> None:  # a child process must not inherit a lock held by another thread
    global _LOCK
    _LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_fresh_lock)


def limit() -> int:
    """Bytes the pool may keep: ``CONVALG_SCRATCH_BYTES`` if set, else :data:`DEFAULT_LIMIT`.

    Examples
    --------
    >>> limit() >= 0
    True
    """
    configured = os.environ.get(LIMIT_ENV)
    if not configured:
        return DEFAULT_LIMIT
    try:
        value = float(configured)
    except ValueError:
        value = math.nan
    if not value >= 0:  # also NaN
        raise ValueError(
            f"the environment variable {LIMIT_ENV} must be a number of bytes >= 0 (0 turns the "
            f"scratch pool off); got {configured!r}"
        )
    return int(min(value, 1 << 62))


def _reference_counts(buffers: list[np.ndarray]) -> list[int]:
    """Each buffer's reference count as :func:`_lend`'s loop sees it (the list, the loop
    variable and ``getrefcount``'s argument, plus every array made from it)."""
    counts = []
    for buffer in buffers:  # (a loop as _lend's, not a comprehension: the same references)
        counts.append(sys.getrefcount(buffer))  # noqa: PERF401
    return counts


#: The references of a buffer that the pool alone holds.
_IDLE = _reference_counts([np.empty(1, np.uint8)])[0]


def empty(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """An uninitialised C-contiguous NumPy array, lent by the pool where it is large.

    Examples
    --------
    >>> x = empty((512, 512), np.float64)
    >>> x.shape, x.dtype, x.flags.c_contiguous
    ((512, 512), dtype('float64'), True)
    >>> y = empty((512, 512), np.float64)  # x is in use: y is another buffer
    >>> np.shares_memory(x, y)
    False
    """
    dtype = np.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes >= SMALL and not dtype.hasobject:  # (object arrays must start as valid references)
        with _LOCK:
            buffer = _lend(nbytes)
            if buffer is not None:  # (referred to before the lock is released: in use from here)
                return np.ndarray(shape, dtype, buffer)
    return np.empty(shape, dtype)


def zeros(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """:func:`empty` filled with zeros.

    Examples
    --------
    >>> float(zeros((300, 300), np.float64).sum())
    0.0
    """
    out = empty(shape, dtype)
    out.fill(0)
    return out


def astype(x: np.ndarray, dtype: Any) -> np.ndarray:
    """``x.astype(dtype, copy=False)``, the copy (where one is made) lent by the pool
    where it is large: an input converted for one call's work.

    Examples
    --------
    >>> x = np.arange(100_000, dtype=np.int32)
    >>> y = astype(x, np.float64)
    >>> y.dtype, bool((y == x).all()), astype(y, np.float64) is y
    (dtype('float64'), True, True)
    """
    dtype = np.dtype(dtype)
    if x.dtype == dtype or dtype.hasobject or x.size * dtype.itemsize < SMALL:
        return x.astype(dtype, copy=False)
    converted = empty(x.shape, dtype)
    converted[...] = x  # (the same unsafe casting as astype)
    return converted


def zeros_in(xp: Any, shape: tuple[int, ...], dtype: Any, like: Any) -> Any:
    """Zeros of ``shape`` and ``dtype`` in the namespace ``xp``, on the device of ``like``:
    from the pool (:func:`zeros`) where ``like`` is a NumPy array.

    Examples
    --------
    >>> import array_api_compat.numpy as xp
    >>> zeros_in(xp, (400, 400), xp.int64, np.ones(3)).any()
    np.False_
    """
    if isinstance(like, np.ndarray):
        return zeros(shape, dtype)
    return xp.zeros(shape, dtype=dtype, device=device(like))


def _lend(nbytes: int) -> np.ndarray | None:
    """The smallest idle buffer of ``nbytes`` to twice that, else a new one where the pool
    has room for it (idle buffers are dropped to make room), else None."""
    best, best_size = None, 0
    for buffer in _BUFFERS:  # (sizes first: a reference count is dearer than an attribute)
        size = buffer.nbytes
        if nbytes <= size <= 2 * nbytes and (best is None or size < best_size) and sys.getrefcount(buffer) == _IDLE:
            best, best_size = buffer, size
            if size == nbytes:  # (a loop of equal calls asks for equal sizes)
                break
    if best is not None:
        return best
    return _grow(nbytes, limit())


def _grow(nbytes: int, most: int) -> np.ndarray | None:
    """A new buffer of ``nbytes`` where the pool has room for it within ``most`` bytes and
    :data:`MOST_BUFFERS` buffers, the smallest idle ones dropped to make room; else None."""
    if nbytes > most:
        return None
    idle = [index for index, count in enumerate(_reference_counts(_BUFFERS)) if count == _IDLE]
    held = sum(buffer.nbytes for buffer in _BUFFERS)
    dropped: set[int] = set()
    for index in sorted(idle, key=lambda index: _BUFFERS[index].nbytes):  # the smallest first
        if held + nbytes <= most and len(_BUFFERS) - len(dropped) < MOST_BUFFERS:
            break
        held -= _BUFFERS[index].nbytes
        dropped.add(index)
    _BUFFERS[:] = [buffer for index, buffer in enumerate(_BUFFERS) if index not in dropped]
    if held + nbytes > most or len(_BUFFERS) >= MOST_BUFFERS:
        return None
    _BUFFERS.append(np.empty(nbytes, np.uint8))
    return _BUFFERS[-1]


def held() -> int:
    """Bytes the pool keeps now, lent or idle.

    Examples
    --------
    >>> held() <= max(limit(), DEFAULT_LIMIT)
    True
    """
    with _LOCK:
        return sum(buffer.nbytes for buffer in _BUFFERS)


def release() -> None:
    """Give every idle buffer back (those in use stay until their arrays are gone).

    Examples
    --------
    >>> release()
    """
    with _LOCK:
        counts = _reference_counts(_BUFFERS)
        _BUFFERS[:] = [buffer for buffer, count in zip(_BUFFERS, counts) if count != _IDLE]
