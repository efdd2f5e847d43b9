"""Range analysis before computing: integers that never wrap, floats whose sums stay finite.

Integers (the exact rule of :mod:`convalg.signal._dtypes`):

* Every output is a sum of at most ``terms`` products, each at most ``max|a| max|b|`` in
  magnitude (``a`` extended by its boundary rule, so a sample used several times counts
  each time). When ``terms max|a| max|b|``, or the sharper ``min(max|a| sum|b|,
  sum|a| max|b|)``, fits the result dtype, no partial sum can overflow.
* Otherwise the bound says nothing about whether the *exact* outputs fit (their terms
  may cancel), so :func:`confirm_fits` decides it exactly: the result computed with
  wrap-around is the exact result modulo ``2**64`` (integer arithmetic is a ring
  homomorphism onto ``Z/2**64``), and the same convolution modulo a few primes ``p_i``
  near ``2**31`` (products below ``2**62``: no wrap-around) fixes ``c - w = 2**64 t``
  modulo ``prod p_i``. With ``prod p_i > 2 (bound / 2**64 + 1)``, ``t = 0`` -- the output
  fits and equals ``w`` -- exactly when every residue agrees; otherwise the exact value
  (recovered by the Chinese remainder theorem) is named in an ``OverflowError``.

Floats: a sum of ``terms`` products of magnitude at most ``max|a| max|b|`` cannot
overflow, in any order and with any rounding, while ``2 terms max|a| max|b|`` stays below
the largest finite number over 4 (:func:`overflow_scale` returns 0). Near that threshold
the exact outputs may still be finite while a partial sum (or a separable pass) is not:
the direct method then recomputes the outputs that came out non-finite with every
product prescaled by ``2**-scale`` (exactly, see ``_direct.shifted_accumulation``), and
the FFT methods transform inputs scaled by powers of two (:func:`fft_overflow_scales`). Neither
changes the error bound, see :mod:`convalg.errorbounds`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from convalg import backends
from convalg._runtime import memory
from convalg._runtime.devices import device
from convalg.signal._dtypes import DtypeRule, numpy_dtype

#: Primes just below 2**31: residues below 2**31, so ``r + w x`` (all below 2**31) stays
#: below 2**62 in int64. Eight of them cover bounds up to 2**(64 + 247).
MODULI = (2147483647, 2147483629, 2147483587, 2147483579, 2147483563, 2147483549, 2147483543, 2147483497)


@dataclass(frozen=True)
class Magnitude:
    """What range analysis needs of one input: whether it is finite, and its largest magnitude.

    ``largest`` is ``max |x|`` over the finite entries (a Python int for integer
    dtypes, exact; for complex data ``max |Re x| + max |Im x|``, which bounds the moduli).
    """

    finite: bool
    largest: float | int


def magnitude(xp: ModuleType, x: Any) -> Magnitude:
    """The :class:`Magnitude` of ``x`` from two reductions (no input-sized temporaries)."""
    dtype = numpy_dtype(x.dtype)
    if math.prod(x.shape) == 0:
        return Magnitude(True, 0)
    x = distinct_part(x)
    if dtype.kind == "b":
        return Magnitude(True, int(bool(xp.any(x))))
    if dtype.kind in "iu":
        if isinstance(x, np.ndarray):  # NumPy's methods: less overhead per call
            return Magnitude(True, max(abs(int(x.max())), abs(int(x.min()))))
        return Magnitude(True, max(abs(int(xp.max(x))), abs(int(xp.min(x)))))
    if dtype.kind == "O":
        return Magnitude(True, 0)
    parts = [xp.real(x), xp.imag(x)] if dtype.kind == "c" else [x]
    finite, largest = True, 0.0
    for part in parts:  # (max|Re| + max|Im| may overflow to inf: _scale reads it so)
        # NaN propagates through max and min (NumPy's methods: less overhead per call)
        if isinstance(part, np.ndarray):
            top, bottom = _scalar(part.max()), _scalar(part.min())
        else:
            top, bottom = _scalar(xp.max(part)), _scalar(xp.min(part))
        if _finite(top) and _finite(bottom):
            if type(top) is float and type(bottom) is float:
                largest += max(abs(top), abs(bottom))  # Python floats: inf, never a warning
                continue
            with np.errstate(over="ignore"):
                largest += max(abs(top), abs(bottom))
            continue
        finite = False
        memory.check_memory(2 * math.prod(x.shape) * dtype.itemsize, "the finiteness check")
        kept = xp.where(xp.isfinite(part), xp.abs(part), xp.zeros_like(part))
        with np.errstate(over="ignore"):
            largest += _scalar(xp.max(kept))
    return Magnitude(finite, largest)


def magnitudes(
    xp: ModuleType, a: Any, b: Any, dtype: np.dtype, terms: int, fft_points: int | None = None
) -> tuple[Magnitude, Magnitude]:
    """The :class:`Magnitude` of both inputs as the planner needs them: where one pass per
    floating NumPy input (:func:`_largest_from_norm`) shows that neither a direct sum of ``terms``
    products nor (with ``fft_points``) a transform needs scaling, that bound stands for
    ``largest`` (an upper bound of ``max |x|`` is all the scaling rules read, and they are
    monotone in it, so they decide as they would with the maximum); else the exact
    :func:`magnitude` of each.

    Examples
    --------
    >>> import array_api_compat.numpy as xp
    >>> a, b = np.array([3.0, -4.0]), np.array([1.0])
    >>> magnitudes(xp, a, b, np.dtype(np.float64), 1)
    (Magnitude(finite=True, largest=10.0), Magnitude(finite=True, largest=2.0))
    >>> magnitudes(xp, a, b * 1e300, np.dtype(np.float64), 1)[1]
    Magnitude(finite=True, largest=1e+300)
    """
    bounds = (_largest_from_norm(a), _largest_from_norm(b))
    if bounds[0] is not None and bounds[1] is not None:
        largest = (bounds[0], bounds[1])
        if overflow_scale(largest, terms, dtype) == 0 and (
            fft_points is None
            or fft_overflow_scales(largest, (math.prod(a.shape), math.prod(b.shape)), fft_points, dtype) == (0, 0)
        ):
            return Magnitude(True, largest[0]), Magnitude(True, largest[1])
    return magnitude(xp, a), magnitude(xp, b)


#: Elements up to which a sum of squares is one BLAS call on one thread: OpenBLAS spreads
#: longer dot products over its threads, which on a busy machine wait for a core for
#: milliseconds (a 128x128 ``vdot`` took 3.7 ms with another process running, 3 us without).
NORM_PASS_ELEMENTS = 4096


def _largest_from_norm(x: Any) -> float | None:
    """``2 ||x||_2 >= max |x|`` of a C-contiguous floating NumPy array of at most
    :data:`NORM_PASS_ELEMENTS` elements from one BLAS pass, or None where that shows
    nothing: another array, a non-finite sum of squares (a NaN or Inf, or squares past the
    dtype's range), or so many elements that the rounding of the sum could exceed the
    factor 2 (``n * eps > 1/4``)."""
    if type(x) is not np.ndarray or not x.flags.c_contiguous or not 0 < x.size <= NORM_PASS_ELEMENTS:
        return None
    eps = _EPS.get(x.dtype)
    if eps is None or x.size * eps > 0.25:
        return None
    with np.errstate(all="ignore"):
        squares = float(np.vdot(x, x).real)
    return 2.0 * math.sqrt(squares) if math.isfinite(squares) else None


_EPS = {np.dtype(t): float(np.finfo(t).eps) for t in "efdgFDG"}


def _scalar(value: Any) -> Any:
    """A Python float, or a NumPy long double where a float64 cannot hold the value."""
    if isinstance(value, float):
        return float(value)  # also a NumPy float64: Python float arithmetic never warns
    value = value if isinstance(value, np.floating) else backends.to_numpy(value)[()]
    return value if isinstance(value, np.longdouble) else float(value)


def _finite(value: Any) -> bool:
    return math.isfinite(value) if isinstance(value, float) else bool(np.isfinite(value))


def distinct_part(x: Any) -> Any:
    """The part of a NumPy array that holds all of its distinct elements: one index along
    every zero-stride (broadcast) axis, so a hostile broadcast view is scanned in its real
    size. Other arrays are returned as they are."""
    strides = getattr(x, "strides", None)
    if not isinstance(x, np.ndarray) or strides is None or 0 not in strides:
        return x
    return x[tuple(slice(0, 1) if stride == 0 else slice(None) for stride in strides)]


# ---------------------------------------------------------------------------- integers


def integer_moduli(
    xp: ModuleType,
    a: Any,
    b: Any,
    rule: DtypeRule,
    terms: int,
    largest: tuple[float, float],
    *,
    extended: bool,
) -> int:
    """How many primes :func:`confirm_fits` needs (0: every output provably fits).

    ``largest`` holds ``max|a|`` (including the fill value of an extension) and ``max|b|``.
    """
    limit = integer_limit(rule.compute)
    bound = largest[0] * largest[1] * terms
    if bound <= limit:
        return 0
    bound = min(bound, _norm_bound(xp, a, b, largest, extended))
    if bound <= limit:
        return 0
    needed = 2 * (bound // 2**64 + 2)
    count, product = 0, 1
    while product <= needed:
        if count == len(MODULI):
            raise OverflowError(
                f"the exact integer result could reach {bound:.4g}, too large to check "
                "exactly; convert the inputs to object (Python ints) to compute it"
            )
        product *= MODULI[count]
        count += 1
    return count


def integer_limit(dtype: np.dtype) -> int:
    """The largest magnitude an exact integer result of ``dtype`` can hold."""
    return int(np.iinfo(dtype).max) if dtype.kind in "iu" else int(np.iinfo(np.int64).max)


def _norm_bound(xp: ModuleType, a: Any, b: Any, largest: tuple[float, float], extended: bool) -> int:
    """``min(max|a| sum|b|, sum|a| max|b|)``, rounded up (only the first for an extension:
    a sample used several times would be counted once by ``sum|a|``)."""
    bound = math.ceil(largest[0] * _one_norm(xp, b))
    if not extended:
        bound = min(bound, math.ceil(_one_norm(xp, a) * largest[1]))
    return bound


def _one_norm(xp: ModuleType, x: Any) -> float:
    """``sum |x|`` rounded up: summed in float64, inflated by ``1 + (n + 2) 2**-52`` to cover
    the conversions and the sum."""
    n = math.prod(x.shape)
    distinct = distinct_part(x)
    repeats = n // max(math.prod(distinct.shape), 1)  # each distinct element stands for this many
    m = math.prod(distinct.shape)
    memory.check_memory(8 * m, "the integer range check")
    total = float(xp.sum(xp.abs(xp.astype(distinct, xp.float64))))
    return total * (1 + (m + 2) * 2.0**-52) * repeats


def confirm_fits(xp: ModuleType, wrapped: Any, residue_of, count: int, rule: DtypeRule, function: str) -> None:
    """OverflowError unless every exact output equals ``wrapped`` (computed modulo 2**64).

    ``residue_of(p)`` is the exact result modulo ``p`` (an int64 array shaped like
    ``wrapped``); ``count`` primes of :data:`MODULI` are used.
    """
    mismatch = None
    found = []
    for p in MODULI[:count]:
        expected = residue_of(p)
        got = _remainder(xp, wrapped, p)
        found.append(expected)
        wrong = expected != got
        mismatch = wrong if mismatch is None else (mismatch | wrong)
    if mismatch is None or not bool(xp.any(mismatch)):
        return
    flags = backends.to_numpy(mismatch)
    index = tuple(int(i) for i in np.unravel_index(int(np.argmax(flags)), flags.shape))
    value = _crt(
        int(backends.to_numpy(wrapped)[index]) % 2**64,
        [(p, int(backends.to_numpy(r)[index])) for p, r in zip(MODULI, found)],
    )
    limit = integer_limit(rule.compute)
    low = 0 if rule.compute.kind == "u" else -limit - 1
    raise OverflowError(
        f"{function}: the exact integer output at index {index} is {value}, outside the "
        f"{rule.compute} range [{low}, {limit}]; convert the inputs to float64 or object "
        "(Python ints) to compute it"
    )


def _remainder(xp: ModuleType, x: Any, p: int) -> Any:
    """``x mod p`` in ``[0, p)`` as int64, for int64 or uint64 ``x`` (no wrap-around)."""
    return xp.astype(xp.remainder(x, xp.asarray(p, dtype=x.dtype, device=device(x))), xp.int64)


def _crt(wrapped: int, residues_: list[tuple[int, int]]) -> int:
    """The integer ``c`` with ``c = wrapped (mod 2**64)`` and ``c = r (mod p)``, in the
    symmetric range of the product of the moduli."""
    value, modulus = wrapped, 2**64
    for p, r in residues_:
        step = ((r - value) * pow(modulus, -1, p)) % p
        value += modulus * step
        modulus *= p
    return value - modulus if value > modulus // 2 else value


# ---------------------------------------------------------------------------- floats


def overflow_scale(largest: tuple[float, float], terms: int, dtype: np.dtype) -> int:
    """Exponent ``s`` of the prescaling that keeps direct sums finite (0: none needed).

    Every partial sum is at most ``(1 + gamma) terms max|a| max|b| <= 2 terms max|a|
    max|b|``; ``s`` brings that below ``2**(maxexp - 2)``.
    """
    return _scale([largest[0], largest[1], 2.0 * terms], dtype)


def fft_overflow_scales(largest: tuple, sizes: tuple[int, int], points: int, dtype: np.dtype) -> tuple[int, int]:
    """Exponents ``(s, t)``: transforming ``in1 * 2**-s`` and ``in2 * 2**-t`` keeps every
    FFT intermediate finite (``(0, 0)``: no scaling needed).

    A transform of ``x`` has coefficients at most ``||x||_1 <= n max|x|``, so each input is
    scaled for its own transform; the spectrum product is at most ``||a||_1 ||b||_1`` and
    the inverse transform's partial sums ``N`` times that, so the two scalings together
    also cover the product. ``N**2`` (with a factor 2 for rounding) also covers Bluestein's
    chirp convolutions of a length with a large prime factor.
    """
    growth = 2.0 * float(points) ** 2
    own = [_scale([largest[i], float(sizes[i]), growth], dtype) for i in (0, 1)]
    both = _scale([largest[0], largest[1], float(sizes[0]), float(sizes[1]), growth], dtype)
    missing = both - own[0] - own[1]
    if missing > 0:
        # the rest of the product's scaling goes to the input that drives it
        own[0 if _log2(largest[0]) + _log2(sizes[0]) >= _log2(largest[1]) + _log2(sizes[1]) else 1] += missing
    return own[0], own[1]


def _log2(value) -> float:
    if not value:
        return -math.inf
    if isinstance(value, (int, float)):
        return math.log2(value) if _finite(value) else math.inf
    return float(np.log2(value))


_MAXEXP = {np.dtype(d): int(np.finfo(d).maxexp) for d in (np.float32, np.float64)}
_MAXEXP.update({np.dtype(np.complex64): 128, np.dtype(np.complex128): 1024})


def _scale(factors: list, dtype: np.dtype) -> int:
    # one loop (it runs on every call): a zero factor needs no scaling whatever the others,
    # and a product of Python numbers below the threshold needs none either
    product, plain = 1.0, True
    for f in factors:
        if f == 0:
            return 0
        if plain and (type(f) is float or type(f) is int or type(f) is np.float64):
            product *= float(f)  # a Python float: inf on overflow, no exception nor warning
        else:
            plain = False
    maxexp = _MAXEXP.get(dtype) or int(np.finfo(np.empty(0, dtype).real.dtype).maxexp)
    if plain and product < (2.0 ** (maxexp - 3) if maxexp <= 1024 else math.inf):
        return 0  # the common case, without logarithms (a long double's range: always)

    def log2(f) -> float:
        # a complex magnitude max|Re| + max|Im| may exceed the largest float (inf here), but
        # not twice it
        if not _finite(f):
            return maxexp + 1.0
        if isinstance(f, (int, float)):
            return math.log2(f)  # Python floats and exact integers of any size
        return float(np.log2(f))  # a long double beyond the float range

    exponent = sum(log2(f) for f in factors) + 1e-9  # rounded up
    threshold = maxexp - 2
    return 0 if exponent < threshold else math.ceil(exponent - threshold) + 1


def scaled(xp: ModuleType, x: Any, exponent: int) -> Any:
    """``x * 2**exponent`` in steps that are exact powers of two of ``x``'s dtype.

    A complex array is scaled component by component: ``x * 2.0`` is a complex product
    with ``2 + 0j``, so an infinite component (an output beyond the range) would turn the
    other component into ``inf * 0``, NaN.
    """
    if numpy_dtype(x.dtype).kind != "c":
        return _scaled_real(x, exponent)
    if backends.library_name(xp) in ("numpy", "cupy"):
        out = x.copy()
        out.real = _scaled_real(x.real, exponent)
        out.imag = _scaled_real(x.imag, exponent)
        return out
    host = backends.to_numpy(x).copy()  # a library without component assignment
    host.real = _scaled_real(host.real, exponent)
    host.imag = _scaled_real(host.imag, exponent)
    return backends.from_numpy(xp, host, device(x))


def _scaled_real(x: Any, exponent: int) -> Any:
    dtype = numpy_dtype(x.dtype)
    # 2**+-step is a normal number of x's dtype and a Python float (exact either way)
    step = min(-int(np.finfo(dtype).minexp), 1000)
    with np.errstate(over="ignore"):  # an output beyond the range rounds to inf, as it should
        while exponent:
            part = max(-step, min(step, exponent))
            x = x * (2.0**part)
            exponent -= part
    return x
