"""Hypothesis strategies for hostile but well-formed calls of the convalg.signal functions.

A call is a function, two inputs and the keywords scipy.signal accepts. The inputs are
drawn over every dtype NumPy has for numbers (bool, int8..uint64, float16..longdouble,
complex64..clongdouble, object holding Python ints and Fractions), with magnitudes up to
the dtype's limits, subnormals, NaN and Inf, and in hostile layouts: big-endian, strided,
negative strides, zero-stride broadcast views, read-only and Fortran-ordered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

INTEGERS = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]
FLOATS = [np.float16, np.float32, np.float64, np.longdouble]
COMPLEXES = [np.complex64, np.complex128, np.clongdouble]
ALL_DTYPES = [np.bool_] + INTEGERS + FLOATS + COMPLEXES + [object]
#: dtypes of the array API standard (array_api_strict has no others)
ARRAY_API_DTYPES = {np.dtype(d) for d in [np.bool_, *INTEGERS, np.float32, np.float64, np.complex64, np.complex128]}
LAYOUTS = ("plain", "reversed", "strided", "broadcast", "readonly", "bigendian", "fortran")


@dataclass
class Call:
    """One call: ``getattr(convalg, function)(in1, in2, **kwargs)``."""

    function: str
    in1: Any
    in2: Any
    kwargs: dict = field(default_factory=dict)

    def __repr__(self) -> str:  # what hypothesis prints for a failing example
        def show(x):
            x = np.asarray(x)
            return f"np.array({x.tolist()!r}, dtype={x.dtype.str!r})[layout strides={x.strides}]"

        return f"convalg.{self.function}({show(self.in1)}, {show(self.in2)}, **{self.kwargs!r})"


def _integer_elements(dtype) -> st.SearchStrategy:
    info = np.iinfo(dtype)
    edges = sorted(
        {info.min, info.min + 1, info.max - 1, info.max, info.max // 2, info.min // 2, 0, 1, -1 if info.min < 0 else 2}
    )
    return st.one_of(
        st.integers(max(info.min, -4), min(info.max, 4)), st.sampled_from(edges), st.integers(info.min, info.max)
    )


def _float_elements(dtype, nonfinite: bool) -> st.SearchStrategy:
    dtype = np.dtype(dtype)
    real = np.empty(0, dtype).real.dtype
    finfo = np.finfo(real)
    # NumPy scalars of the component type: float() of a long double's max would be inf
    special = st.sampled_from(
        [real.type(v) for v in (0, 1, -1, 0.5)]
        + [finfo.max / real.type(4), -finfo.max / real.type(2), finfo.smallest_subnormal, finfo.tiny]
    )
    component = st.one_of(
        st.integers(-8, 8).map(real.type),
        special,
        hnp.from_dtype(real, allow_nan=nonfinite, allow_infinity=nonfinite, allow_subnormal=True),
    )
    if dtype.kind == "c":
        return st.tuples(component, component).map(lambda parts: _complex(dtype, *parts))
    return component.map(real.type)


def _complex(dtype, re, im):
    """A complex scalar with exactly these components (``re + 1j * im`` turns an infinite
    ``im`` into a NaN real part)."""
    z = np.empty(1, dtype)
    z.real, z.imag = re, im
    return z[0]


def _object_elements() -> st.SearchStrategy:
    return st.one_of(
        st.integers(-5, 5),
        st.integers(-(2**80), 2**80),
        st.fractions(min_value=-(10**6), max_value=10**6, max_denominator=97),
    )


def elements(dtype, nonfinite: bool) -> st.SearchStrategy:
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return st.booleans()
    if dtype.kind in "iu":
        return _integer_elements(dtype)
    if dtype.kind == "O":
        return _object_elements()
    return _float_elements(dtype, nonfinite)


def array(draw, dtype, shape, nonfinite) -> np.ndarray:
    dtype = np.dtype(dtype)
    if dtype.kind == "O":
        flat = draw(st.lists(elements(dtype, nonfinite), min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
        out = np.empty(len(flat), dtype=object)
        out[:] = flat
        return out.reshape(shape)
    if dtype == np.clongdouble or dtype == np.longdouble:
        flat = draw(st.lists(elements(dtype, nonfinite), min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
        return np.array(flat, dtype=dtype).reshape(shape)
    return draw(hnp.arrays(dtype, shape, elements=elements(dtype, nonfinite)))


def hostile(draw, x: np.ndarray) -> np.ndarray:
    """``x`` (or, for 'broadcast', ``x`` made constant along an axis) in a hostile layout."""
    layout = draw(st.sampled_from(LAYOUTS))
    if layout == "reversed":
        return x[(slice(None, None, -1),) * x.ndim].copy()[(slice(None, None, -1),) * x.ndim]
    if layout == "strided" and x.ndim:
        big = np.empty(x.shape[:-1] + (2 * x.shape[-1],), dtype=x.dtype)
        big[..., ::2] = x
        return big[..., ::2]
    if layout == "broadcast" and x.ndim:
        axis = draw(st.integers(0, x.ndim - 1))
        first = np.take(x, [0], axis=axis)
        return np.broadcast_to(first, x.shape)
    if layout == "readonly":
        x = x.copy()
        x.setflags(write=False)
        return x
    if layout == "bigendian" and x.dtype.kind not in "bO" and x.dtype.itemsize > 1:
        return x.astype(x.dtype.newbyteorder(">"))
    if layout == "fortran":
        return np.asfortranarray(x)
    return x


def _shapes(draw, ndim: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    if ndim == 1 and draw(st.integers(0, 4)) == 0:  # sometimes long: blocks, fast paths
        return (draw(st.integers(20, 260)),), (draw(st.integers(1, 24)),)
    s1 = tuple(draw(st.integers(1, 7)) for _ in range(ndim))
    s2 = tuple(draw(st.integers(1, 5)) for _ in range(ndim))
    return s1, s2


def _dtype_pair(draw, kinds) -> tuple[Any, Any]:
    pool = [d for d in ALL_DTYPES if np.dtype(d).kind in kinds]
    first = draw(st.sampled_from(pool))
    if np.dtype(first).kind == "O":  # objects mix exactly only with integers
        return first, draw(st.sampled_from([object, np.int64, np.int8, np.bool_]))
    second = draw(st.one_of(st.just(first), st.sampled_from([d for d in pool if np.dtype(d).kind != "O"])))
    return first, second


@st.composite
def calls(draw, kinds: str, backends: list[str], nonfinite_allowed: bool = True) -> Call:
    """A call whose inputs have dtype kinds among ``kinds`` (numpy kind letters)."""
    function = draw(
        st.sampled_from(["convolve", "correlate", "fftconvolve", "oaconvolve", "convolve2d", "correlate2d"])
    )
    ndim = 2 if function.endswith("2d") else draw(st.integers(1, 3))
    s1, s2 = _shapes(draw, ndim)
    kwargs: dict[str, Any] = {"mode": draw(st.sampled_from(["full", "same", "valid"]))}
    if function in ("fftconvolve", "oaconvolve"):
        axes = draw(st.one_of(st.none(), st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True)))
        if axes is not None:
            kwargs["axes"] = axes
            # a non-convolved axis broadcasts: equal lengths or a length 1
            s2 = tuple(n2 if ax in axes else draw(st.sampled_from([1, n1])) for ax, (n1, n2) in enumerate(zip(s1, s2)))
    if function in ("convolve", "correlate"):
        kwargs["method"] = draw(st.sampled_from(["auto", "direct", "fft", "oa"]))
    d1, d2 = _dtype_pair(draw, kinds)
    nonfinite = nonfinite_allowed and draw(st.integers(0, 3)) == 0
    a = hostile(draw, array(draw, d1, s1, nonfinite))
    b = hostile(draw, array(draw, d2, s2, nonfinite))
    if function.endswith("2d"):
        kwargs["boundary"] = draw(st.sampled_from(["fill", "wrap", "symm"]))
        if kwargs["boundary"] == "fill":
            kwargs["fillvalue"] = draw(_fillvalues(a.dtype, b.dtype))
    backend = draw(st.sampled_from(backends))
    if backend != "numpy":
        kwargs["backend"] = backend
    return Call(function, a, b, kwargs)


def _fillvalues(d1, d2) -> st.SearchStrategy:
    """Fill values the call accepts: integers for exact (integer or object) results."""
    if {d1.kind, d2.kind} <= set("biuO"):
        return st.one_of(st.just(0), st.integers(-3, 3))
    dtype = np.result_type(d1, d2)
    if dtype.kind == "c":
        return st.one_of(st.just(0), st.complex_numbers(max_magnitude=1e6, allow_nan=False))
    return st.one_of(st.just(0), st.floats(-1e6, 1e6))


def snapshot(x) -> tuple:
    """What a call must leave unchanged: the values, dtype, shape, strides and writeability."""
    x = np.asarray(x)
    values = x.tolist() if x.dtype.kind == "O" else x.tobytes()
    return values, x.dtype.str, x.shape, x.strides, x.flags.writeable
