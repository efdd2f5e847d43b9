"""Assertion helpers: compare a result with the oracle and say which bound failed, and by how much."""

from __future__ import annotations

import numpy as np

from convalg.backends import to_numpy
from convalg.errorbounds import Bound

__all__ = ["assert_within_bound", "bound_report"]


def bound_report(result, reference, bound: Bound) -> str:
    """One line: the bound applied, whether it holds, the deviation and its ratio to the bound.

    Examples
    --------
    >>> import numpy as np
    >>> from convalg.errorbounds import exact
    >>> bound_report(np.array([1, 2]), np.array([1, 3]), exact("int64"))
    'exact equality (int64): VIOLATED, max |error| 1 at index (1,)'
    """
    result = np.asarray(to_numpy(result))
    reference = np.asarray(reference)
    if result.shape != reference.shape:
        return f"{bound.description}: VIOLATED, shape {result.shape} instead of {reference.shape}"
    if bound.kind == "exact" and (result.dtype.kind in "iuO" or reference.dtype.kind in "iuO"):
        differs = np.array(
            [int(x) != int(y) for x, y in zip(result.ravel().tolist(), reference.ravel().tolist())], dtype=bool
        ).reshape(result.shape)
        if not differs.any():
            return f"{bound.description}: holds"
        where = tuple(int(i) for i in np.argwhere(differs)[0])
        error = abs(int(result[where]) - int(reference[where]))
        return f"{bound.description}: VIOLATED, max |error| {error} at index {where}"
    holds = bound.holds(result, reference)
    finite_ref = np.isfinite(reference)
    finite_res = np.isfinite(result)
    if not np.array_equal(finite_ref, finite_res):
        where = tuple(int(i) for i in np.argwhere(finite_ref != finite_res)[0])
        return (
            f"{bound.description}: VIOLATED, result is {result[where]} where the reference is "
            f"{reference[where]} at index {where}"
        )
    if bound.kind == "exact":
        return f"{bound.description}: {'holds' if holds else 'VIOLATED'}"
    deviation = bound.deviation(result, reference)
    with np.errstate(all="ignore"):
        ratio = bound.ratio(result, reference)
    verdict = "holds" if holds else "VIOLATED"
    return f"{bound.description}: {verdict}, deviation {deviation:.3g} = {ratio:.3g} x bound"


def assert_within_bound(result, reference, bound: Bound, *, context: str = "") -> None:
    """Assert that ``result`` is within ``bound`` of ``reference``; the message names the bound.

    Parameters
    ----------
    result : array_like
        The computed result (any backend; it is copied to NumPy).
    reference : array_like
        The oracle's value, e.g. :func:`convalg.testing.reference`.
    bound : convalg.errorbounds.Bound
        From :func:`convalg.testing.tolerance`.
    context : str, optional
        Prefixed to the message (what was computed, with which inputs).

    Raises
    ------
    AssertionError
        With the bound's description, the deviation and the ratio to the bound.

    Examples
    --------
    >>> import numpy as np
    >>> from convalg.testing import reference, tolerance
    >>> a, b = np.array([1.0, 1e-3]), np.array([3.0])
    >>> assert_within_bound(np.convolve(a, b), reference(a, b), tolerance(a, b))
    >>> assert_within_bound(np.convolve(a, b) + 1e-9, reference(a, b), tolerance(a, b))
    Traceback (most recent call last):
    ...
    AssertionError: componentwise gamma_1 ...: VIOLATED, deviation 1e-09 = ... x bound
    """
    message = bound_report(result, reference, bound)
    if message.endswith(": holds") or ": holds, deviation" in message:
        return
    raise AssertionError(f"{context}: {message}" if context else message)
