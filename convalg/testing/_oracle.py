"""Reference convolutions: exact for integers and rationals, extended precision for floats.

Every law test and ``verify`` compares with this oracle. It sums shifted copies of one
input, which is exact with Python integers and ``Fraction`` objects (``object`` arrays)
and accurate to ``gamma_m`` of ``numpy.longdouble`` for floats; that error is added to
every tolerance (see :func:`convalg.testing.tolerance`), so the comparison stays rigorous
on platforms where ``longdouble`` is just ``float64``.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

__all__ = ["reference", "full_convolution", "convolution_block", "wide_dtype", "window", "scipy_window"]


def wide_dtype(dtype) -> np.dtype:
    """The dtype the oracle computes in for inputs of ``dtype``."""
    dtype = np.dtype(dtype)
    if dtype.kind in "iubO":
        return np.dtype(object)
    if dtype.kind == "c":
        return np.dtype(np.clongdouble)
    return np.dtype(np.longdouble)


def _to_wide(x, dtype: np.dtype) -> np.ndarray:
    x = np.asarray(x)
    if dtype == np.dtype(object) and x.dtype.kind in "iub":
        # Python integers never wrap around.
        return np.array(x.tolist(), dtype=object).reshape(x.shape)
    return x.astype(dtype)


def full_convolution(a, b) -> np.ndarray:
    """The full N-D convolution ``sum_j a[i - j] b[j]``, in the oracle's wide dtype.

    Examples
    --------
    >>> import numpy as np
    >>> full_convolution(np.array([1, 2]), np.array([1, 1, 1])).tolist()
    [1, 3, 3, 2]
    """
    shape = tuple(max(n + k - 1, 0) for n, k in zip(np.shape(a), np.shape(b)))
    return convolution_block(a, b, (0,) * len(shape), shape)


def convolution_block(a, b, starts, shape) -> np.ndarray:
    """The block ``full_convolution(a, b)[starts : starts + shape]``, computing only that block.

    The same shifted copies are added in the same order, so each output is the very
    number :func:`full_convolution` gives; a 'same' or 'valid' window of long inputs costs
    its own size, not the full product's.

    Examples
    --------
    >>> import numpy as np
    >>> convolution_block(np.array([1, 2]), np.array([1, 1, 1]), (1,), (2,)).tolist()
    [3, 3]
    """
    a = np.asarray(a)
    b = np.asarray(b)
    if a.ndim != b.ndim:
        raise ValueError(f"inputs must have the same number of dimensions; got {a.ndim} and {b.ndim}")
    dtype = wide_dtype(np.result_type(a, b) if a.dtype != object and b.dtype != object else object)
    a = _to_wide(a, dtype)
    b = _to_wide(b, dtype)
    if a.size < b.size:  # convolution commutes: loop over the smaller input
        a, b = b, a
    out = np.zeros(tuple(shape), dtype=dtype)
    if dtype == np.dtype(object):
        out[...] = 0
    if a.size == 0 or b.size == 0:
        return out
    for index in itertools.product(*(range(k) for k in b.shape)):
        # this tap adds b[index] * a[m] to output m + index; keep the outputs inside the block
        lows = [max(s, i) for s, i in zip(starts, index)]
        highs = [min(s + n, i + len_a) for s, n, i, len_a in zip(starts, shape, index, a.shape)]
        if any(lo >= hi for lo, hi in zip(lows, highs)):
            continue
        target = tuple(slice(lo - s, hi - s) for lo, hi, s in zip(lows, highs, starts))
        source = tuple(slice(lo - i, hi - i) for lo, hi, i in zip(lows, highs, index))
        out[target] += b[index] * a[source]
    return out


def window(full: np.ndarray, start, shape) -> np.ndarray:
    """The block of ``full`` of the given ``shape`` starting at index ``start``."""
    return full[tuple(slice(s, s + n) for s, n in zip(start, shape))]


def scipy_window(shape1, shape2, mode: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Start and shape of scipy.signal's ``mode`` window in the full convolution.

    ``'same'`` has the shape of the first input, centred (start ``(k - 1) // 2`` for a
    kernel of length ``k``); ``'valid'`` needs one input at least as large as the other in
    every dimension (scipy swaps them if it is the second) and has shape ``|n - k| + 1``.

    Examples
    --------
    >>> scipy_window((6,), (4,), "same")
    ((1,), (6,))
    >>> scipy_window((3,), (5,), "valid")
    ((2,), (3,))
    """
    full = tuple(n + k - 1 for n, k in zip(shape1, shape2))
    if mode == "full":
        return (0,) * len(full), full
    if mode == "same":
        return tuple((f - n) // 2 for f, n in zip(full, shape1)), tuple(shape1)
    if mode == "valid":
        if all(n >= k for n, k in zip(shape1, shape2)):
            small = shape2
        elif all(k >= n for n, k in zip(shape1, shape2)):
            small = shape1
        else:
            raise ValueError(
                "mode='valid' needs one input at least as large as the other in every "
                f"dimension; got shapes {tuple(shape1)} and {tuple(shape2)}"
            )
        return tuple(k - 1 for k in small), tuple(f - 2 * (k - 1) for f, k in zip(full, small))
    raise ValueError(f"mode must be 'full', 'same' or 'valid'; got {mode!r}")


def _reverse_and_conjugate(x: np.ndarray) -> np.ndarray:
    x = x[(slice(None, None, -1),) * x.ndim]
    return np.conjugate(x) if x.dtype.kind == "c" else x


def reference(in1, in2, *, op: str = "convolution", mode: str = "full") -> np.ndarray:
    """The exact (integers, ``Fraction``) or extended-precision convolution or correlation.

    Same conventions as scipy.signal: correlation is
    ``z[k] = sum_l in1[l + k] conj(in2[l])``, i.e. the convolution with ``in2`` reversed
    and conjugated; ``mode`` windows as in :func:`scipy.signal.convolve`.

    Parameters
    ----------
    in1, in2 : array_like
        Inputs of equal dimension (integers, floats, complex, or ``Fraction`` objects).
    op : {'convolution', 'correlation'}
    mode : {'full', 'same', 'valid'}

    Returns
    -------
    numpy.ndarray
        ``object`` dtype (Python integers or fractions) for exact inputs, else
        ``longdouble`` / ``clongdouble``.

    Examples
    --------
    >>> import numpy as np
    >>> reference(np.array([1, 2, 3]), np.array([0, 1, 2]), op="correlation").tolist()
    [2, 5, 8, 3, 0]
    >>> reference([2**62, 2**62], [4, 4], mode="valid").tolist()  # no wrap-around
    [36893488147419103232]
    """
    a = np.asarray(in1)
    b = np.asarray(in2)
    if a.ndim != b.ndim:
        raise ValueError(f"in1 and in2 must have the same number of dimensions; got {a.ndim} and {b.ndim}")
    if op == "correlation":
        b = _reverse_and_conjugate(b)
    elif op != "convolution":
        raise ValueError(f"op must be 'convolution' or 'correlation'; got {op!r}")
    start, shape = scipy_window(a.shape, b.shape, mode)
    return convolution_block(a, b, start, shape)


def terms(shape1, shape2) -> int:
    """The largest number of products summed into one output: ``prod(min(n_i, k_i))``."""
    return math.prod(min(int(n), int(k)) for n, k in zip(shape1, shape2)) if len(shape1) else 1
