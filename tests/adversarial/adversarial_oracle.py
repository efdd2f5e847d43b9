"""The exact oracle of the adversarial suite, written from the definitions alone.

Nothing here calls convalg's engines or scipy.signal: every input element becomes an exact
rational (``Fraction``; a complex number a pair of them), every output is the literal sum
of its products over the (boundary-extended) signal, and the output windows follow
scipy.signal's documented conventions:

* ``convolve``: ``c[o] = sum_j a[o - j] b[j]`` over the full range ``0 .. n + k - 2``;
  'same' keeps ``n1`` outputs from ``(full - n1) // 2``, 'valid' the ``|n1 - n2| + 1``
  outputs where one input covers the other (they are swapped if ``in2`` is the larger);
* ``correlate``: ``c[l] = sum_n a[n + l] conj(b[n])`` for lags ``l = -(n2 - 1) .. n1 - 1``
  (full index ``l + n2 - 1``), cropped like ``convolve``;
* ``convolve2d`` / ``correlate2d``: the same on the signal extended by 'fill' (the fill
  value), 'wrap' (periodic) or 'symm' (mirrored with the edge repeated); every kernel tap
  reads the extended signal; correlate2d's 'same' window starts ``(full - n1 + 1) // 2``;
* ``fftconvolve`` / ``oaconvolve``: convolution over ``axes``, broadcasting the others.

Non-finite inputs are followed term by term in IEEE's extended reals (a product with NaN,
or of 0 and inf, is NaN; ``+inf`` and ``-inf`` add to NaN). Padding outside a signal that
is not extended is not a term: it is never multiplied.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

NAN = "nan"


def exact(value: Any):
    """An array element as an exact number: Fraction, (re, im) pair of Fractions, or a
    non-finite marker ('nan', +inf/-inf as math.inf/-math.inf)."""
    if isinstance(value, (np.complexfloating, complex)):
        return (exact(value.real), exact(value.imag))
    if isinstance(value, (bool, np.bool_)):
        return Fraction(int(value))
    if isinstance(value, (int, np.integer)):
        return Fraction(int(value))
    if isinstance(value, Fraction):
        return value
    if isinstance(value, (float, np.floating)):
        if np.isnan(value):  # (not float(value): a long double may exceed the float range)
            return NAN
        if np.isinf(value):
            return math.inf if value > 0 else -math.inf
        return Fraction(*value.as_integer_ratio())
    raise TypeError(f"no exact value for {value!r} ({type(value).__name__})")


# ------------------------------------------------------------------ extended arithmetic


def _finite(x) -> bool:
    return isinstance(x, Fraction)


def _mul_real(x, y):
    if x == NAN or y == NAN:
        return NAN
    if _finite(x) and _finite(y):
        return x * y
    if (_finite(x) and x == 0) or (_finite(y) and y == 0):
        return NAN
    sign = (1 if (x > 0) else -1) * (1 if (y > 0) else -1)
    return math.inf * sign


def _add_real(x, y):
    if x == NAN or y == NAN:
        return NAN
    if _finite(x) and _finite(y):
        return x + y
    if _finite(x):
        return y
    if _finite(y):
        return x
    return x if x == y else NAN


def _is_complex(x) -> bool:
    return isinstance(x, tuple)


def mul(x, y):
    """Product of exact values (complex as pairs), with IEEE's rules for non-finite parts."""
    if _is_complex(x) or _is_complex(y):
        xr, xi = x if _is_complex(x) else (x, Fraction(0))
        yr, yi = y if _is_complex(y) else (y, Fraction(0))
        return (_add_real(_mul_real(xr, yr), _neg(_mul_real(xi, yi))), _add_real(_mul_real(xr, yi), _mul_real(xi, yr)))
    return _mul_real(x, y)


def _neg(x):
    if x == NAN:
        return NAN
    return -x


def add(x, y):
    if _is_complex(x) or _is_complex(y):
        xr, xi = x if _is_complex(x) else (x, Fraction(0))
        yr, yi = y if _is_complex(y) else (y, Fraction(0))
        return (_add_real(xr, yr), _add_real(xi, yi))
    return _add_real(x, y)


def conj(x):
    return (x[0], _neg(x[1])) if _is_complex(x) else x


def magnitude(x) -> Fraction:
    """``|x|`` of a finite value, exactly for reals and rounded up for complex numbers."""
    if _is_complex(x):
        re, im = abs(x[0]), abs(x[1])
        if not (re and im):
            return re + im
        # |x| <= s sqrt((re/s)**2 + (im/s)**2) with s the larger part: a float sqrt of a
        # number in [1, 2], rounded up twice, cannot overflow and errs by under an ulp
        s = max(re, im)
        ratio = Fraction(math.sqrt(_up(float(1 + (min(re, im) / s) ** 2))))
        return s * Fraction(_up(_up(float(ratio))))
    return abs(x)


def to_float(x: Fraction) -> float:
    """``float(x)``, or +-inf where ``x`` is beyond the float64 range."""
    try:
        return float(x)
    except OverflowError:
        return math.inf if x > 0 else -math.inf


def _up(v: float) -> float:
    return math.nextafter(v, math.inf) if v and math.isfinite(v) else v


def is_finite(x) -> bool:
    return all(_finite(p) for p in x) if _is_complex(x) else _finite(x)


# ------------------------------------------------------------------ the definitions


@dataclass
class Exact:
    """The exact outputs of a call, and each output's magnitude sum and term count."""

    values: np.ndarray  # object array of exact values
    magnitude: np.ndarray  # object array: Fraction upper bounds of sum |a||b| (finite terms)
    terms: int  # the largest number of products in one output


def _elements(x) -> np.ndarray:
    x = np.asarray(x)
    out = np.empty(x.shape, dtype=object)
    for index in np.ndindex(*x.shape):
        out[index] = exact(x[index])
    return out


def _extended(a: np.ndarray, position: tuple[int, ...], boundary: str, fill) -> Any:
    """The sample of ``a`` at ``position`` after extension; None where there is none."""
    index = []
    for p, n in zip(position, a.shape):
        if 0 <= p < n:
            index.append(p)
        elif boundary == "wrap":
            index.append(p % n)
        elif boundary == "symm":
            q = p % (2 * n)
            index.append(q if q < n else 2 * n - 1 - q)
        elif fill is None:
            return None
        else:
            return fill
    return a[tuple(index)]


def _full(a: np.ndarray, b: np.ndarray, boundary: str, fill, outputs: list[range]) -> Exact:
    """``sum_j a_ext[o - j] b[j]`` for every ``o`` in the product of ``outputs``."""
    shape = tuple(len(r) for r in outputs)
    values = np.empty(shape, dtype=object)
    mags = np.empty(shape, dtype=object)
    most = 0
    taps = list(np.ndindex(*b.shape))
    for out_index in np.ndindex(*shape):
        o = tuple(r[i] for r, i in zip(outputs, out_index))
        total, mag, count = Fraction(0), Fraction(0), 0
        for j in taps:
            sample = _extended(a, tuple(oo - jj for oo, jj in zip(o, j)), boundary, fill)
            if sample is None:
                continue
            term = mul(sample, b[j])
            total = add(total, term)
            if is_finite(term):
                mag += magnitude(sample) * magnitude(b[j])
            count += 1
        values[out_index] = total
        mags[out_index] = mag
        most = max(most, count)
    return Exact(values, mags, most)


def _window(n1: int, n2: int, mode: str, centre_up: bool = False) -> range:
    full = n1 + n2 - 1
    if mode == "full":
        return range(full)
    if mode == "same":
        start = (full - n1 + 1) // 2 if centre_up else (full - n1) // 2
        return range(start, start + n1)
    length = abs(n1 - n2) + 1
    start = (full - length) // 2
    return range(start, start + length)


def valid_compatible(s1, s2) -> bool:
    return all(x >= y for x, y in zip(s1, s2)) or all(y >= x for x, y in zip(s1, s2))


def reversed_conjugate(b: np.ndarray) -> np.ndarray:
    flipped = b[(slice(None, None, -1),) * b.ndim]
    out = np.empty(flipped.shape, dtype=object)
    for index in np.ndindex(*flipped.shape):
        out[index] = conj(flipped[index])
    return out


def oracle(function: str, in1, in2, *, mode="full", axes=None, boundary="fill", fillvalue=0) -> Exact:
    """The exact result of ``function(in1, in2, ...)`` by its definition."""
    a, b = _elements(in1), _elements(in2)
    if function in ("convolve", "correlate", "convolve2d", "correlate2d"):
        if mode == "valid" and not all(x >= y for x, y in zip(a.shape, b.shape)):
            a, b = b, a  # the caller checked valid_compatible; in2 is the larger
            if function in ("correlate", "correlate2d"):
                # correlate(small, large)[l] = conj(correlate(large, small)[-l])
                swapped = oracle(function, in2, in1, mode=mode, boundary=boundary, fillvalue=fillvalue)
                flipped = swapped.values[(slice(None, None, -1),) * swapped.values.ndim]
                values = np.empty(flipped.shape, dtype=object)
                for index in np.ndindex(*flipped.shape):
                    values[index] = conj(flipped[index])
                return Exact(values, swapped.magnitude[(slice(None, None, -1),) * values.ndim], swapped.terms)
        if function in ("correlate", "correlate2d"):
            b = reversed_conjugate(b)
        two_d = function.endswith("2d")
        fill = exact(fillvalue) if (two_d and boundary == "fill") else None
        if two_d and boundary == "fill" and fillvalue == 0:
            fill = None  # zero padding: not a term
        outputs = [_window(n1, n2, mode, centre_up=(function == "correlate2d")) for n1, n2 in zip(a.shape, b.shape)]
        return _full(a, b, boundary if two_d else "fill", fill, outputs)
    return _frequency(a, b, mode, axes)


def _frequency(a: np.ndarray, b: np.ndarray, mode: str, axes) -> Exact:
    """fftconvolve/oaconvolve: convolution over ``axes``, broadcasting the others."""
    ndim = a.ndim
    axes = list(range(ndim)) if axes is None else sorted(ax % ndim for ax in np.atleast_1d(axes))
    conv = [ax for ax in axes if a.shape[ax] != 1 and b.shape[ax] != 1]
    if mode == "valid" and not valid_compatible([a.shape[ax] for ax in conv], [b.shape[ax] for ax in conv]):
        raise ValueError("valid mode needs one input at least as large on every convolved axis")
    if mode == "valid" and not all(a.shape[ax] >= b.shape[ax] for ax in conv):
        a, b = b, a
    other = [ax for ax in range(ndim) if ax not in conv]
    batch = [max(a.shape[ax], b.shape[ax]) for ax in other]
    outputs = {}
    for ax in conv:
        outputs[ax] = _window(a.shape[ax], b.shape[ax], mode)
    shape = [len(outputs[ax]) if ax in conv else batch[other.index(ax)] for ax in range(ndim)]
    values = np.empty(shape, dtype=object)
    mags = np.empty(shape, dtype=object)
    most = 0
    for index in itertools.product(*[range(batch[i]) for i in range(len(other))]):

        def pick(x, index=index):
            selector = [slice(None)] * ndim
            for ax, i in zip(other, index):
                selector[ax] = 0 if x.shape[ax] == 1 else i
            picked = x[tuple(selector)]
            if isinstance(picked, np.ndarray):
                return picked
            scalar = np.empty((), dtype=object)  # one element (a complex pair stays one)
            scalar[()] = picked
            return scalar

        part = _full(pick(a), pick(b), "fill", None, [outputs[ax] for ax in conv])
        selector = [slice(None)] * ndim
        for ax, i in zip(other, index):
            selector[ax] = i
        if part.values.ndim:
            values[tuple(selector)] = part.values
            mags[tuple(selector)] = part.magnitude
        else:  # one element: stored as itself, not as a 0-d array inside the array
            values[tuple(selector)] = part.values[()]
            mags[tuple(selector)] = part.magnitude[()]
        most = max(most, part.terms)
    if mode == "same":  # scipy centres every axis on in1, broadcast ones too
        crop = tuple(
            slice((n - a.shape[ax]) // 2, (n - a.shape[ax]) // 2 + a.shape[ax]) if ax in other else slice(None)
            for ax, n in enumerate(values.shape)
        )
        values, mags = values[crop], mags[crop]
    return Exact(values, mags, most)
