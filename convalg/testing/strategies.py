"""Hypothesis strategies for convolution inputs: shapes, magnitudes and values at the edges.

Strategies are values and compose: :func:`signal_kernel_pairs` draws a signal and a kernel
of the same dimension (length 1, kernels longer than signals, even and odd sizes) with
elements from :func:`elements` (zeros, huge and tiny magnitudes, subnormals), and
:func:`with_nonfinite` puts a NaN or an infinity into one of them. Magnitudes are capped
so that no exact result overflows: the error bounds hold only without overflow.

Examples
--------
>>> from hypothesis import given, settings
>>> from convalg.testing import strategies
>>> @settings(max_examples=5, derandomize=True, database=None)
... @given(strategies.signal_kernel_pairs(dtype="int64", dims=2))
... def test_pairs_have_equal_dimension(pair):
...     assert pair[0].ndim == pair[1].ndim == 2
>>> test_pairs_have_equal_dimension()
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.typing import DTypeLike

__all__ = [
    "DTYPES",
    "dtypes",
    "elements",
    "shapes",
    "signal_kernel_pairs",
    "with_nonfinite",
    "array_api_pairs",
    "to_backend",
]

#: The dtypes the law suite covers, by name.
DTYPES = ("int64", "float32", "float64", "complex64", "complex128")

# Largest magnitude per real precision: products of two such values summed over the
# longest kernel (and chained once more, for associativity) must stay far from overflow.
_HUGE = {"float32": 1e9, "float64": 1e75}
_HUGE_CHAINED = {"float32": 1e6, "float64": 1e50}
# hypothesis draws floats and complex numbers of these widths (bits) only.
_FLOAT_WIDTH: dict[str, Literal[16, 32, 64]] = {"float16": 16, "float32": 32, "float64": 64}
_COMPLEX_WIDTH: dict[str, Literal[64, 128]] = {"complex64": 64, "complex128": 128}

Magnitude = Literal["wide", "moderate"]


def dtypes(kinds: str = "ifc") -> st.SearchStrategy[np.dtype]:
    """The law suite's dtypes whose kind (``'i'``, ``'f'``, ``'c'``) is in ``kinds``.

    Examples
    --------
    >>> from hypothesis import find
    >>> find(dtypes("c"), lambda d: True)
    dtype('complex64')
    """
    chosen = [np.dtype(name) for name in DTYPES if np.dtype(name).kind in kinds]
    if not chosen:
        raise ValueError(f"kinds must contain some of 'i', 'f', 'c'; got {kinds!r}")
    return st.sampled_from(chosen)


def _real_name(dtype: np.dtype) -> str:
    return {"complex64": "float32", "complex128": "float64"}.get(dtype.name, dtype.name)


def _integer_limit(dtype: np.dtype, max_terms: int, chained: bool) -> int:
    # Every exact result (a sum of max_terms products, or a chain of two) fits in dtype,
    # and below 2**53 so that implementations computing in float64 are exact too.
    power = 3 if chained else 2
    room = min(np.iinfo(dtype).max, 2**53) / max(max_terms, 1) ** (power - 1)
    return max(1, math.floor(room ** (1 / power)))


def elements(
    dtype: DTypeLike,
    *,
    magnitude: Magnitude = "wide",
    max_terms: int = 64,
    chained: bool = False,
    allow_subnormal: bool = True,
) -> st.SearchStrategy:
    """Scalars of ``dtype``: zeros, small integers, and for ``magnitude='wide'`` huge and tiny values.

    Parameters
    ----------
    dtype : dtype
        Integer, floating or complex.
    magnitude : {'wide', 'moderate'}
        ``'wide'``: magnitudes from subnormal up to a cap that keeps every exact result
        finite; ``'moderate'``: floats in [-1000, 1000] (and subnormals when allowed).
    max_terms : int
        The most products one output sums; integers are capped so no exact result overflows.
    chained : bool
        Leave room for a chain of two convolutions (associativity laws).
    allow_subnormal : bool
        Include subnormal numbers (the direct bound's underflow term covers them).

    Examples
    --------
    >>> from hypothesis import find
    >>> find(elements("float64"), lambda x: abs(x) > 1e50) > 1e50
    True
    """
    dtype = np.dtype(dtype)
    if dtype.kind in "iu":
        limit = _integer_limit(dtype, max_terms, chained)
        return st.integers(min_value=-limit if dtype.kind == "i" else 0, max_value=limit)
    if dtype.name not in _FLOAT_WIDTH and dtype.name not in _COMPLEX_WIDTH:
        raise TypeError(f"dtype must be integer, float16/32/64 or complex64/128; got {dtype}")
    if magnitude not in ("wide", "moderate"):
        raise ValueError(f"magnitude must be 'wide' or 'moderate'; got {magnitude!r}")
    real = _real_name(dtype)
    if magnitude == "wide":
        huge = (_HUGE_CHAINED if chained else _HUGE)[real]
    else:
        huge = 100.0 if chained else 1000.0
    if dtype.kind == "f":
        return st.floats(
            min_value=-huge,
            max_value=huge,
            allow_nan=False,
            allow_infinity=False,
            allow_subnormal=allow_subnormal,
            width=_FLOAT_WIDTH[real],
        )
    return st.complex_numbers(
        max_magnitude=huge,
        allow_nan=False,
        allow_infinity=False,
        allow_subnormal=allow_subnormal,
        width=_COMPLEX_WIDTH[dtype.name],
    )


def shapes(dims: int = 1, *, max_side: int = 8) -> st.SearchStrategy[tuple[int, ...]]:
    """Shapes of ``dims`` dimensions with sides from 1 to ``max_side`` (even and odd)."""
    return hnp.array_shapes(min_dims=dims, max_dims=dims, min_side=1, max_side=max_side)


@st.composite
def signal_kernel_pairs(
    draw: st.DrawFn,
    dtype: DTypeLike | st.SearchStrategy[np.dtype] = "float64",
    *,
    dims: int = 1,
    max_side: int = 8,
    max_kernel_side: int | None = None,
    magnitude: Magnitude = "wide",
    chained: bool = False,
    allow_subnormal: bool = True,
    kernel_fits: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """A signal and a kernel of the same dimension and dtype.

    Kernels may be longer than signals (``max_kernel_side`` defaults to ``max_side``); sides
    start at 1. Shrinking moves towards short inputs of zeros.

    Parameters
    ----------
    dtype : dtype or SearchStrategy of dtype
        Fixed, or drawn (e.g. :func:`dtypes`).
    dims : int
        Number of dimensions of both inputs.
    max_side, max_kernel_side : int
        Largest side of the signal and of the kernel.
    magnitude, chained, allow_subnormal
        Passed to :func:`elements`.
    kernel_fits : bool
        Keep every side of the kernel at most the signal's (for 'valid'-only functions).

    Returns
    -------
    tuple of numpy.ndarray
        ``(signal, kernel)``.
    """
    if isinstance(dtype, st.SearchStrategy):
        dtype = draw(dtype)
    dtype = np.dtype(dtype)
    kmax = max_side if max_kernel_side is None else max_kernel_side
    max_terms = min(max_side, kmax) ** dims
    values = elements(dtype, magnitude=magnitude, max_terms=max_terms, chained=chained, allow_subnormal=allow_subnormal)
    signal = draw(hnp.arrays(dtype, shapes(dims, max_side=max_side), elements=values))
    if kernel_fits:
        kernel_shape = tuple(draw(st.integers(1, min(kmax, n))) for n in signal.shape)
    else:
        kernel_shape = draw(shapes(dims, max_side=kmax))
    kernel = draw(hnp.arrays(dtype, kernel_shape, elements=values))
    return signal, kernel


@st.composite
def with_nonfinite(
    draw: st.DrawFn,
    pair_strategy: st.SearchStrategy[tuple[np.ndarray, np.ndarray]],
    *,
    values: tuple[float, ...] = (math.nan, math.inf, -math.inf),
) -> tuple[np.ndarray, np.ndarray, int, tuple[int, ...]]:
    """Put one non-finite value (NaN, +inf or -inf) into the signal or the kernel of a pair.

    Returns ``(signal, kernel, which, index)``, where ``which`` is 0 for the signal and 1
    for the kernel, so a test can compute which outputs the value may reach.
    """
    signal, kernel = draw(pair_strategy)
    if signal.dtype.kind not in "fc":
        raise TypeError(f"non-finite values need floating inputs; got {signal.dtype}")
    which = draw(st.integers(0, 1))
    target = (signal if which == 0 else kernel).copy()
    index = tuple(draw(st.integers(0, n - 1)) for n in target.shape)
    target[index] = draw(st.sampled_from(values))
    if which == 0:
        return target, kernel, which, index
    return signal, target, which, index


@st.composite
def array_api_pairs(
    draw: st.DrawFn,
    xp: Any,
    dtype: DTypeLike = "float64",
    *,
    dims: int = 1,
    max_side: int = 8,
    magnitude: Magnitude = "wide",
) -> tuple[Any, Any]:
    """A signal and a kernel generated directly in the array namespace ``xp``.

    Built on :mod:`hypothesis.extra.array_api` (``make_strategies_namespace(xp)``) with the
    same elements as :func:`signal_kernel_pairs`, so a law test can run on any array-API
    library without going through NumPy.

    Examples
    --------
    >>> import array_api_strict
    >>> from hypothesis import find, settings
    >>> pair = find(array_api_pairs(array_api_strict, "int64"), lambda p: True, settings=settings(database=None))
    >>> type(pair[0]).__module__.split(".")[0], pair[0].dtype == array_api_strict.int64
    ('array_api_strict', True)
    """
    from hypothesis.extra.array_api import make_strategies_namespace

    xps = make_strategies_namespace(xp)
    dtype = np.dtype(dtype)
    values = elements(dtype, magnitude=magnitude, max_terms=max_side**dims)
    shape = xps.array_shapes(min_dims=dims, max_dims=dims, min_side=1, max_side=max_side)
    native = getattr(xp, dtype.name)
    return draw(xps.arrays(native, shape, elements=values)), draw(xps.arrays(native, shape, elements=values))


def to_backend(x: np.ndarray, backend: Literal["numpy", "array_api_strict", "cupy"]) -> Any:
    """``x`` as an array of ``backend`` (``'numpy'``, ``'array_api_strict'``, ``'cupy'``)."""
    if backend == "numpy":
        return x
    import importlib

    return importlib.import_module(backend).asarray(x)
