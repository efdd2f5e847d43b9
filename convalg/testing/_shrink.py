"""Shrink a failing input to a minimal one that fails the same way, within a budget of calls and time.

The counterexamples ``verify`` finds come from its schedule, its convention probes and the
user's examples, none of which hypothesis generated, so hypothesis cannot shrink them.
This shrinker works on any tuple of arrays with a predicate ``fails(arrays) -> bool``:

1. shorter: along each axis of each array, keep a prefix or a suffix, then cut chunks
   of halving size from either end (a size threshold such as "wrong from 17 samples"
   ends exactly at the threshold);
2. simpler values: the whole array as ones, zeros or rounded values; then, for arrays of
   at most 64 elements, each element as 0, then 1, then rounded, then real;
3. a simpler dtype: complex arrays whose imaginary parts are all zero become real.

Each step is kept only if the predicate still holds and the input got simpler (fewer
elements, then fewer nonzero elements, fewer outside {0, 1}, fewer non-integers, fewer
complex ones, then smaller magnitudes); the passes repeat until none makes progress or the
budget is spent. The result is minimal with respect to these steps.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

__all__ = ["shrink", "Shrunk"]

_ELEMENTWISE_LIMIT = 64


@dataclass
class Shrunk:
    """The smallest failing arrays found, and what it took."""

    arrays: tuple[np.ndarray, ...]
    calls: int
    seconds: float
    exhausted: bool  # the budget ran out before no step made progress

    def words(self, original: tuple[np.ndarray, ...]) -> str:
        before = " and ".join(str(a.shape) for a in original)
        after = " and ".join(str(a.shape) for a in self.arrays)
        how = "stopped by the budget" if self.exhausted else "no single step keeps it failing"
        if before == after and all(np.array_equal(a, b, equal_nan=True) for a, b in zip(self.arrays, original)):
            return f"not shrunk ({how}; {self.calls} tries)"
        return f"shrunk from shapes {before} to {after} in {self.calls} tries ({how})"


class _Budget(Exception):
    pass


def _complexity(arrays) -> tuple:
    """Smaller is simpler: size first, then how far the values are from 0 and 1 and integers."""
    total = [0, 0, 0, 0, 0, 0, 0.0]
    for a in arrays:
        flat = np.asarray(a).ravel()
        with np.errstate(all="ignore"):
            finite = np.isfinite(flat) if flat.dtype.kind in "fc" else np.ones(flat.shape, dtype=bool)
            total[0] += flat.size
            total[1] += int(np.count_nonzero(flat))
            total[2] += int(np.count_nonzero((flat != 0) & (flat != 1)))
            if flat.dtype.kind in "fc":
                total[3] += int(np.count_nonzero(finite & (np.round(flat) != flat)))
            total[4] += int(np.count_nonzero(np.imag(flat))) if flat.dtype.kind == "c" else 0
            total[5] += flat.dtype.kind == "c"
            if flat.dtype.kind in "fc":
                total[6] += float(np.sum(np.abs(flat[finite])))  # last: smaller magnitudes are simpler
            elif flat.dtype.kind in "iu":
                total[6] += float(np.sum(np.abs(flat.astype(np.float64))))
    return tuple(total)


class _Search:
    def __init__(self, fails, max_calls: int, max_seconds: float):
        self.fails = fails
        self.max_calls = max_calls
        self.deadline = time.perf_counter() + max_seconds
        self.calls = 0

    def holds(self, arrays, current=None) -> bool:
        """Whether ``arrays`` is simpler than ``current`` and still fails."""
        if current is not None and _complexity(arrays) >= _complexity(current):
            return False
        if self.calls >= self.max_calls or time.perf_counter() > self.deadline:
            raise _Budget
        self.calls += 1
        return bool(self.fails(arrays))


def shrink(arrays, fails, *, max_calls: int = 400, max_seconds: float = 20.0) -> Shrunk:
    """Shrink ``arrays`` while ``fails(arrays)`` stays true.

    Parameters
    ----------
    arrays : tuple of numpy.ndarray
        A failing input (``fails(arrays)`` is assumed true; it is not re-checked).
    fails : callable
        ``fails(arrays) -> bool``: the same failure as the original.
    max_calls, max_seconds : int, float
        The budget.

    Examples
    --------
    >>> import numpy as np
    >>> result = shrink((np.arange(100.0),), lambda a: len(a[0]) > 16)
    >>> result.arrays[0].tolist() == [0.0] * 17 or len(result.arrays[0]), result.exhausted
    (True, False)
    """
    start = time.perf_counter()
    current = tuple(np.asarray(a) for a in arrays)
    search = _Search(fails, max_calls, max_seconds)
    exhausted = False
    try:
        progress = True
        while progress:
            progress = False
            for step in (_shorter, _simpler_values, _simpler_dtype):
                found = step(current, search)
                if found is not None:
                    current, progress = found, True
    except _Budget:
        exhausted = True
    return Shrunk(current, search.calls, time.perf_counter() - start, exhausted)


def _replace(arrays, i, new):
    return arrays[:i] + (new,) + arrays[i + 1 :]


def _take(a: np.ndarray, axis: int, start: int, stop: int) -> np.ndarray:
    index = [slice(None)] * a.ndim
    index[axis] = slice(start, stop)
    return a[tuple(index)].copy()


def _shorter(arrays, search: _Search):
    """Drop samples along one axis (the first step that still fails, repeated greedily)."""
    changed = False
    for i, a in enumerate(arrays):
        for axis in range(a.ndim):
            while True:
                a = arrays[i]
                length = a.shape[axis]
                if length <= 1:
                    break
                candidates = []
                half = (length + 1) // 2
                candidates += [(0, half), (length - half, length)]
                chunk = length // 2
                while chunk >= 1:
                    candidates += [(chunk, length), (0, length - chunk)]
                    chunk //= 2
                for lo, hi in candidates:
                    if hi - lo < 1 or hi - lo >= length:
                        continue
                    trial = _replace(arrays, i, _take(a, axis, lo, hi))
                    if search.holds(trial, arrays):
                        arrays, changed = trial, True
                        break
                else:
                    break
    return arrays if changed else None


def _simple_forms(a: np.ndarray):
    """Whole-array simplifications, simplest first."""
    yield np.zeros_like(a)
    yield np.ones_like(a)
    if a.dtype.kind in "fc":
        with np.errstate(all="ignore"):
            finite = np.isfinite(a)
            rounded = (
                np.where(finite, np.round(a), a)
                if a.dtype.kind == "f"
                else np.where(finite, np.round(a.real) + 1j * np.round(a.imag), a)
            )
        yield rounded.astype(a.dtype)


def _element_forms(value):
    yield 0
    yield 1
    if isinstance(value, complex):
        yield 1j
        if np.isfinite(value):
            yield complex(round(value.real), round(value.imag))
        yield value.real
        yield complex(0, value.imag)
    elif isinstance(value, float) and np.isfinite(value):
        yield float(round(value))
    elif isinstance(value, int) and abs(value) > 1:
        yield value // 2 if value > 0 else -((-value) // 2)


def _simpler_values(arrays, search: _Search):
    changed = False
    for i in range(len(arrays)):
        a = arrays[i]
        for form in _simple_forms(a):
            if not np.array_equal(form, a, equal_nan=True):
                trial = _replace(arrays, i, form)
                if search.holds(trial, arrays):
                    arrays, changed = trial, True
                    break
        a = arrays[i]
        if a.size > _ELEMENTWISE_LIMIT:
            continue
        for flat in range(a.size):
            value = arrays[i].flat[flat].item()
            for simpler in _element_forms(value):
                if simpler == value or (isinstance(value, float) and np.isnan(value)):
                    continue
                candidate = arrays[i].copy()
                try:
                    candidate.flat[flat] = simpler
                except (OverflowError, TypeError, ValueError):
                    continue
                if np.array_equal(candidate, arrays[i], equal_nan=True):
                    continue
                trial = _replace(arrays, i, candidate)
                if search.holds(trial, arrays):
                    arrays, changed = trial, True
                    break
    return arrays if changed else None


def _simpler_dtype(arrays, search: _Search):
    changed = False
    for i, a in enumerate(arrays):
        if a.dtype.kind == "c" and not np.any(a.imag):
            real = np.ascontiguousarray(a.real)
            trial = _replace(arrays, i, real)
            if search.holds(trial, arrays):
                arrays, changed = trial, True
    return arrays if changed else None
