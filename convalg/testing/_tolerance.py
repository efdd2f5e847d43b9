"""The tolerance a computed convolution must meet, derived from convalg.errorbounds.

One function, :func:`tolerance`, turns "which method computed this, in which precision"
into an :class:`convalg.errorbounds.Bound` against the oracle of
:mod:`convalg.testing._oracle`. It adds the oracle's own error, so every comparison is
rigorous, and the bound's description names what was applied.
"""

from __future__ import annotations

import math

import numpy as np

from convalg import errorbounds
from convalg.backends import to_numpy
from convalg.testing._oracle import convolution_block, reference, scipy_window, terms, wide_dtype

__all__ = ["tolerance", "operand_tolerance", "chain_tolerance", "BOUND_METHODS"]

#: The methods a tolerance has a bound for (not convalg.signal's METHODS); 'fft-any': an FFT of unknown length.
BOUND_METHODS = ("exact", "direct", "fft", "oa", "fft-any")


def _as_numpy(x) -> np.ndarray:
    return np.asarray(to_numpy(x))


def _oracle_error(magnitude: np.ndarray, m: int, dtype: np.dtype) -> errorbounds.Bound:
    wide = wide_dtype(dtype)
    if wide == np.dtype(object):
        return errorbounds.exact(dtype)
    bound = errorbounds.direct(magnitude, terms=m, dtype=wide)
    return errorbounds.Bound(bound.kind, bound.value, f"oracle error gamma_{m} ({wide})")


def _longest_fft_shape(full_shape) -> tuple[int, ...]:
    """The transform shape with the largest bound among those an FFT implementation may use.

    A black-box FFT convolution of full length ``s`` may use any length from ``s`` to the
    next power of two above ``2s``; a length with a large prime factor (Bluestein's
    algorithm) has the most stages, so the bound of such a length covers them.
    """
    shape = []
    for s in full_shape:
        candidate = max(int(s), 2)
        while max(errorbounds._prime_factors(candidate)) <= 11:
            candidate += 1
        shape.append(candidate)
    return tuple(shape)


def _normalised_method(method: str, dtype: np.dtype, plan) -> tuple[str, tuple | None, int]:
    fft_shape, overlaps = None, 1
    if plan is not None:
        if getattr(plan, "exact", False):
            return "exact", None, 1
        method = plan.method
        fft_shape = tuple(plan.fft_shape) if plan.fft_shape is not None else None
        overlaps = int(getattr(plan, "overlaps", 1) or 1)
    if method not in BOUND_METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, BOUND_METHODS))}; got {method!r}")
    if dtype.kind in "iub":
        return "exact", None, 1
    return method, fft_shape, overlaps


def tolerance(
    in1,
    in2,
    *,
    method: str = "direct",
    dtype=None,
    op: str = "convolution",
    mode: str = "full",
    fft_shape=None,
    overlaps: int = 1,
    plan=None,
) -> errorbounds.Bound:
    """The bound a computed ``op(in1, in2, mode)`` must satisfy against the oracle.

    Parameters
    ----------
    in1, in2 : array_like
        The inputs (any backend; they are copied to NumPy).
    method : {'direct', 'fft', 'oa', 'exact', 'fft-any'}, optional
        How the result was computed: ``'direct'`` gives the componentwise
        ``gamma_m (|in1|*|in2|) + m eta``; ``'fft'`` and ``'oa'`` the normwise bounds with
        their ``log2 n`` factor and underflow term; ``'exact'`` equality; ``'fft-any'`` the
        FFT bound for a transform of unknown length (the longest a sane implementation
        uses). Integer dtypes always get ``'exact'``.
    dtype : dtype, optional
        The computing precision (default: the inputs' result type).
    op : {'convolution', 'correlation'}
    mode : {'full', 'same', 'valid'}
        The output window (scipy.signal's), which the componentwise bound follows.
    fft_shape : tuple of int, optional
        Transform lengths for ``'fft'`` (default: the full output shape) and the block
        lengths for ``'oa'``.
    overlaps : int, optional
        Blocks adding into one output, for ``'oa'``.
    plan : object, optional
        A :class:`convalg.signal.Plan` (or anything with ``method``, ``fft_shape``,
        ``overlaps``, ``dtype`` and ``exact``): overrides the arguments above.

    Returns
    -------
    convalg.errorbounds.Bound
        The method's bound plus the oracle's own error; ``description`` names both.

    Examples
    --------
    >>> import numpy as np
    >>> from convalg.testing import reference, tolerance
    >>> a, b = np.array([1.0, 2.0, 3.0]), np.array([0.5, 0.25])
    >>> bound = tolerance(a, b, method="direct")
    >>> bound.holds(np.convolve(a, b), reference(a, b))
    True
    >>> bound.description.split(" + ")[0]
    'componentwise gamma_2 (|a|*|b|)'
    >>> tolerance([1, 2], [3, 4]).description
    'exact equality (int64)'
    """
    a = _as_numpy(in1)
    b = _as_numpy(in2)
    if a.ndim != b.ndim:
        raise ValueError(f"in1 and in2 must have the same number of dimensions; got {a.ndim} and {b.ndim}")
    if dtype is None:
        dtype = plan.dtype if plan is not None and getattr(plan, "dtype", None) is not None else np.result_type(a, b)
    dtype = np.dtype(dtype)
    method, plan_fft_shape, plan_overlaps = _normalised_method(method, dtype, plan)
    if plan is not None:
        fft_shape, overlaps = plan_fft_shape, plan_overlaps
    if method == "exact":
        return errorbounds.exact(dtype)
    if op == "correlation":
        b = b[(slice(None, None, -1),) * b.ndim]
        b = np.conjugate(b) if b.dtype.kind == "c" else b
    elif op != "convolution":
        raise ValueError(f"op must be 'convolution' or 'correlation'; got {op!r}")
    starts, shape = scipy_window(a.shape, b.shape, mode)
    return operand_tolerance(
        a, b, starts=starts, shape=shape, method=method, dtype=dtype, fft_shape=fft_shape, overlaps=overlaps
    )


def operand_tolerance(
    a, b, *, starts, shape, method: str, dtype, fft_shape=None, overlaps: int = 1
) -> errorbounds.Bound:
    """The bound for the block ``full_convolution(a, b)[starts : starts + shape]``.

    The general form behind :func:`tolerance`: ``a`` and ``b`` are the operands of a plain
    convolution (a correlation's kernel already reversed and conjugated, a signal already
    extended by its boundary rule), and the window is given by its start and shape.

    Examples
    --------
    >>> import numpy as np
    >>> operand_tolerance(np.ones(4), np.ones(2), starts=(1,), shape=(3,), method="direct", dtype="float64").value.shape
    (3,)
    """
    a = _as_numpy(a)
    b = _as_numpy(b)
    dtype = np.dtype(dtype)
    if method not in BOUND_METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, BOUND_METHODS))}; got {method!r}")
    if method == "exact" or dtype.kind in "iub":
        return errorbounds.exact(dtype)
    m = terms(a.shape, b.shape)
    magnitude = np.asarray(
        convolution_block(np.abs(a).astype(np.float64), np.abs(b).astype(np.float64), starts, shape), dtype=np.float64
    )
    oracle = _oracle_error(magnitude, m, dtype)
    full_shape = tuple(n + k - 1 for n, k in zip(a.shape, b.shape))
    if method == "direct":
        return errorbounds.combine(errorbounds.direct(magnitude, terms=m, dtype=dtype), oracle)
    if method == "fft-any":
        fft_shape = _longest_fft_shape(full_shape)
    elif fft_shape is None:
        fft_shape = full_shape
    fft_shape = tuple(int(v) for v in fft_shape)
    if method == "oa":
        main = errorbounds.overlap_add(a, b, block_fft_shape=fft_shape, overlaps=overlaps, dtype=dtype)
        blocks = max(1, math.prod(a.shape))  # at least one sample per block: rigorous for any split
    else:
        main = errorbounds.fft(a, b, fft_shape=fft_shape, dtype=dtype)
        blocks = 1
    underflow = errorbounds.fft_underflow(a, b, fft_shape=fft_shape, dtype=dtype, blocks=blocks)
    return errorbounds.combine(main, underflow, oracle)


def chain_tolerance(
    in1, in2, in3, *, method: str = "direct", dtype=None, intermediate=None, plans=(None, None)
) -> errorbounds.Bound:
    """The bound for ``conv(conv(in1, in2), in3)`` (full mode) against the exact triple product.

    Direct sums: ``gamma_{m1+m2} (|in1|*|in2|*|in3|)`` plus underflow
    (:func:`convalg.errorbounds.compose_direct`). FFT-based steps: the first step's
    normwise bound, times ``||in3||_1``, plus the second step's bound evaluated on the
    computed ``intermediate`` (:func:`convalg.errorbounds.compose`).

    Examples
    --------
    >>> import numpy as np
    >>> from convalg.testing import reference
    >>> a, b, c = np.ones(3), np.full(2, 0.1), np.full(4, 0.3)
    >>> lhs = np.convolve(np.convolve(a, b), c)
    >>> chain_tolerance(a, b, c).holds(lhs, reference(reference(a, b), c))
    True
    """
    a, b, c = (_as_numpy(x) for x in (in1, in2, in3))
    if dtype is None:
        dtype = np.result_type(a, b, c)
    dtype = np.dtype(dtype)
    if dtype.kind in "iub":
        return errorbounds.exact(dtype)
    m1 = terms(a.shape, b.shape)
    mid_shape = tuple(n + k - 1 for n, k in zip(a.shape, b.shape))
    m2 = terms(mid_shape, c.shape)
    magnitude = np.asarray(
        reference(reference(np.abs(a).astype(np.float64), np.abs(b).astype(np.float64)), np.abs(c).astype(np.float64)),
        dtype=np.float64,
    )
    c1 = float(np.sum(np.abs(c).astype(np.float64)))
    oracle = _oracle_error(magnitude, m1 + m2, dtype)
    first_plan, second_plan = plans
    methods = [getattr(p, "method", method) if p is not None else method for p in plans]
    if all(mth == "direct" for mth in methods) and not any(getattr(p, "exact", False) for p in plans):
        chained = errorbounds.compose_direct(magnitude, terms=(m1, m2), dtype=dtype, outer_norm1=c1)
        return errorbounds.combine(chained, oracle)
    if intermediate is None:
        raise ValueError("intermediate (the computed conv(in1, in2)) is needed for FFT-based chains")
    d = _as_numpy(intermediate)
    first = tolerance(a, b, method=method, dtype=dtype, plan=first_plan)
    second = tolerance(d, c, method=method, dtype=dtype, plan=second_plan)
    return errorbounds.combine(errorbounds.compose(first, second, outer_norm1=c1), oracle)
