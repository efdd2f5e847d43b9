"""Test helpers for convalg.signal: the oracles results are checked against.

* ``reference``: scipy.signal computed in extended precision (longdouble, direct where
  scipy has it), so its own rounding is ~2**-11 of float64's and negligible against the
  bounds; for integer results it is exact (64-bit mantissa, |values| < 2**64).
* ``exact_full``: the exact full convolution in Python integers/fractions (object arrays),
  convalg.testing's oracle (written independently of convalg.signal).
* ``check``: the bound convalg's own plan names (exact / direct componentwise / FFT or
  overlap-add normwise, from convalg.errorbounds) must hold against the reference, and
  shape and dtype must be scipy's (integers: convalg's exact widening).
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import scipy.signal as ss

from convalg import backends, errorbounds
from convalg.signal import plan
from convalg.testing import tolerance
from convalg.testing._oracle import full_convolution, scipy_window, window

FREQUENCY = ("fftconvolve", "oaconvolve")
TWO_D = ("convolve2d", "correlate2d")


def wide(x) -> np.ndarray:
    x = np.asarray(x)
    if x.dtype.kind == "c":
        return x.astype(np.clongdouble)
    if x.dtype.kind == "O":
        return x
    return x.astype(np.longdouble)


def reference(func: str, a, b, *, magnitudes: bool = False, **kwargs) -> np.ndarray:
    """scipy.signal's ``func`` in extended precision (of |a|, |b| when ``magnitudes``)."""
    a, b = wide(a), wide(b)
    kwargs = dict(kwargs)
    kwargs.pop("method", None)
    if magnitudes:
        a, b = np.abs(a), np.abs(b)
        if "fillvalue" in kwargs:
            kwargs["fillvalue"] = abs(kwargs["fillvalue"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if func in FREQUENCY:
            return _broadcast_reference(a, b, **kwargs)
        if func == "correlate2d" and _swapped_complex_valid(a, b, kwargs.get("mode")):
            # scipy's correlate2d conjugates the wrong input here (convalg documents the
            # difference); scipy.signal.correlate states the definition both follow.
            return ss.correlate(a, b, mode="valid", method="direct")
        if func in TWO_D:
            return getattr(ss, func)(a, b, **kwargs)
        return getattr(ss, func)(a, b, method="direct", **kwargs)


def _swapped_complex_valid(a, b, mode) -> bool:
    complex_data = np.iscomplexobj(a) or np.iscomplexobj(b)
    larger_second = not all(n >= k for n, k in zip(a.shape, b.shape))
    return mode == "valid" and complex_data and larger_second


def _broadcast_reference(a, b, mode="full", axes=None):
    """fftconvolve/oaconvolve reference: direct convolution over ``axes`` per broadcast slice."""
    ndim = a.ndim
    axes = list(range(ndim)) if axes is None else [ax % ndim for ax in np.atleast_1d(axes)]
    conv = [ax for ax in axes if a.shape[ax] != 1 and b.shape[ax] != 1]
    other = [ax for ax in range(ndim) if ax not in conv]
    shape = np.broadcast_shapes(tuple(a.shape[ax] for ax in other), tuple(b.shape[ax] for ax in other))
    a = np.moveaxis(a, other, range(len(other)))
    b = np.moveaxis(b, other, range(len(other)))
    a = np.broadcast_to(a, shape + a.shape[len(other) :])
    b = np.broadcast_to(b, shape + b.shape[len(other) :])
    full = [
        ss.convolve(a[index], b[index], method="direct") if conv else a[index] * b[index]
        for index in itertools.product(*map(range, shape))
    ]
    out = np.array(full).reshape(shape + full[0].shape) if shape else full[0]
    return np.moveaxis(out, range(len(other)), other)  # full; check() crops it


def exact_full(a, b) -> np.ndarray:
    """The exact full N-D convolution in Python numbers (object arrays): convalg.testing's oracle."""
    return full_convolution(np.asarray(a, dtype=object), np.asarray(b, dtype=object))


def crop_like_scipy(full, s1, s2, mode):
    """Crop a full convolution as scipy.signal.convolve does (after its 'valid' swap)."""
    return window(full, *scipy_window(s1, s2, mode))


def expected_dtype(func: str, a, b) -> np.dtype:
    """scipy's result dtype, except convalg's exact integer rule."""
    a, b = np.asarray(a), np.asarray(b)
    kinds = {a.dtype.kind, b.dtype.kind}
    if func in FREQUENCY:
        promoted = [
            np.float64 if x.dtype.kind in "biu" else (np.float32 if x.dtype == np.float16 else x.dtype) for x in (a, b)
        ]
        return np.result_type(*promoted)
    if kinds == {"b"}:
        return np.dtype(bool)
    if kinds <= {"b", "i", "u"}:
        if kinds <= {"b", "u"} and np.dtype(np.uint64) in (a.dtype, b.dtype):
            return np.dtype(np.uint64)
        return np.dtype(np.int64)
    return np.result_type(a.dtype.newbyteorder("="), b.dtype.newbyteorder("="))


def bound_for(func: str, a, b, **kwargs):
    """The convalg.errorbounds bound the plan of this call names.

    convolve/correlate get convalg.testing's tolerance (which also covers the reference's own
    error); the 2-D boundaries and the broadcast axes of the FFT functions, which it does not
    model, are bounded here.
    """
    backend = kwargs.pop("backend", None)
    p = plan(func, a, b, backend=backend, **kwargs)
    if p.exact:
        return p, errorbounds.exact(p.dtype)
    if func in ("convolve", "correlate"):
        op = "correlation" if func == "correlate" else "convolution"
        return p, tolerance(a, b, op=op, mode=kwargs.get("mode", "full"), plan=p)
    af = wide(a).astype(np.complex128 if np.iscomplexobj(a) else np.float64)
    bf = wide(b).astype(np.complex128 if np.iscomplexobj(b) else np.float64)
    if p.method == "direct":
        magnitude = reference(func, a, b, magnitudes=True, **kwargs).astype(np.float64)
        return p, errorbounds.direct(magnitude, terms=p.terms, dtype=p.dtype)
    # the relative FFT bounds plus what gradual underflow may add absolutely (a tiny input's
    # products are subnormal: float32 values near 1e-23 multiply below 1e-45)
    if p.method == "fft":
        relative = errorbounds.fft(af, bf, fft_shape=p.fft_shape, dtype=p.dtype)
        blocks = 1
    else:
        relative = errorbounds.overlap_add(af, bf, block_fft_shape=p.fft_shape, overlaps=p.overlaps, dtype=p.dtype)
        blocks = max(af.size, bf.size)  # at least the number of block transforms
    underflow = errorbounds.fft_underflow(af, bf, fft_shape=p.fft_shape, dtype=p.dtype, blocks=blocks)
    return p, errorbounds.combine(relative, underflow)


def check(func: str, a, b, result, **kwargs) -> None:
    """Assert ``result`` (any backend) has scipy's shape, the expected dtype, and is within
    the bound its plan names of the extended-precision reference."""
    result = backends.to_numpy(result)
    backend = kwargs.pop("backend", None)
    ref = reference(func, a, b, **kwargs)
    if func in FREQUENCY:
        ref = _crop_frequency(ref, np.asarray(a).shape, np.asarray(b).shape, **kwargs)
    assert result.shape == ref.shape, f"shape {result.shape} != scipy's {ref.shape}"
    assert result.dtype == expected_dtype(func, a, b), f"dtype {result.dtype}"
    p, bound = bound_for(func, a, b, backend=backend, **kwargs)
    if p.dtype.kind == "b":
        assert np.array_equal(result, ref != 0)
        return
    assert bound.holds(result, ref), (
        f"{func}{kwargs} {p}: {bound.description}; deviation {bound.deviation(result, ref):.3g}, "
        f"ratio {bound.ratio(result, ref):.3g}"
    )


def _crop_frequency(full, s1, s2, mode="full", axes=None):
    """Crop a broadcast full result as scipy's fftconvolve does."""
    ndim = len(s1)
    axes = list(range(ndim)) if axes is None else [ax % ndim for ax in np.atleast_1d(axes)]
    conv = [ax for ax in axes if s1[ax] != 1 and s2[ax] != 1]
    if mode == "full":
        return full
    if mode == "valid" and not all(s1[ax] >= s2[ax] for ax in conv):
        s1, s2 = s2, s1
    if mode == "same":
        target = s1
    else:
        target = [s1[ax] - s2[ax] + 1 if ax in conv else full.shape[ax] for ax in range(ndim)]
    start = [(f - t) // 2 for f, t in zip(full.shape, target)]
    return full[tuple(slice(s, s + t) for s, t in zip(start, target))]
