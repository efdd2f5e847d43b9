"""Rigorous floating-point error bounds for computed convolutions, in one place.

Every check in convalg (``crosscheck``, ``convalg check``, the law tests, ``convalg verify``)
takes its tolerance from this module, and every report names the bound it applied. There
is no ad-hoc ``rtol`` anywhere else.

The bounds (u is the unit roundoff of the computing precision, ``gamma_k = k u / (1 - k u)``):

* **exact** -- integer results must equal the exact integer result.
* **direct (componentwise)** -- each output is a sum of at most ``m`` products, so, for
  any summation order, ``|c_hat - c| <= gamma_m (|a| * |b|) + m * eta`` where ``*`` is the
  same convolution applied to the magnitudes and ``eta`` is half the smallest subnormal.
  Under gradual underflow every operation obeys ``fl(x op y) = (x op y)(1 + delta) + e``
  with ``|e| <= eta`` and ``e = 0`` for additions and subtractions (Higham, *Accuracy and
  Stability of Numerical Algorithms*, 2nd ed., SIAM 2002, section 2.1, model (2.8) and the
  remark after it): only products err absolutely, ``eta`` each. Complex data use
  ``gamma_{m+2}`` (Higham, Lemma 3.5: a complex product errs by at most ``sqrt(2)
  gamma_2`` relatively; Brent, Percival and Zimmermann, *Error bounds on complex
  floating-point multiplication*, Math. Comp. 76 (2007), sharpen it to ``sqrt(5) u``), and
  since a complex product is two real products per component, it may err by ``2 eta``
  per component, ``2 sqrt(2) eta`` in modulus: the underflow term is ``2 sqrt(2) m eta``.
  The relative term carries a factor ``1 + 2**-40`` (``RESCALE_SLACK``), see below.
* **FFT (normwise)** -- for ``c = F^-1(F a . F b)`` computed with an FFT of ``L`` stages
  (``L <= log2 n``), ``||c_hat - c||_2 <= (2 eps_F + sqrt(2) gamma_2 + u)(1 + eps_F)^3 S``
  with ``S = ||a||_2 ||b||_1 + ||a||_1 ||b||_2`` and ``eps_F = L eta / (1 - L eta)`` the
  normwise relative error of one transform (Higham, Theorem 24.2). ``eta`` bounds one
  stage: a radix-``r`` butterfly is an ``r``-point DFT (relative 2-norm error at most
  ``sqrt(r) gamma_{r+2}``) followed by twiddle factors accurate to ``mu`` and one complex
  product (``sqrt(2) gamma_2``). We take ``mu = u`` (pocketfft and cuFFT compute twiddles
  in working precision from accurate tables) and count real-to-complex pre- and
  post-processing as two further stages per axis. Since ``max|e_k| <= ||e||_2`` the
  normwise bound also bounds every element.
* **FFT from the computed spectra (a posteriori)** -- for ``c = F^-1(sum_p F a_p . F b_p)``
  with the same per-stage model, ``||c_hat - c||_inf`` is bounded by the 2-norms of the
  inputs and the largest moduli ``max|A_p|``, ``max|B_p|`` of the spectra actually computed
  (``fft_spectral``; theorem and proof in docs/exact-integers.md). It certifies exact
  integer results where the a-priori bound, with ``||a||_1`` in place of ``max|A|``, cannot.
* **overlap-add** -- the sum of per-block FFT convolutions: the per-block bounds add in
  the 2-norm, with at most ``q`` blocks overlapping at any output, giving
  ``sqrt(q)`` times the FFT bound of one block, plus ``gamma_q`` for the additions.
* **FFT underflow** -- the normwise FFT bound is relative; under gradual underflow each
  real product may in addition err by ``eta`` absolutely. Propagated through the
  transforms this adds ``K (||a||_1 + ||b||_1 + 2)`` with
  ``K = 8 sqrt(2) (r + 1) L sqrt(N) eta`` (``fft_underflow``).
* **prescaled recomputation** -- where the partial sums of a direct convolution overflow
  although its outputs need not (``_ranges.overflow_scale``), convalg recomputes the
  non-finite outputs with every product prescaled exactly by ``2**-s``, and the FFT
  methods transform inputs scaled by powers of two whose exponents add to ``-s``. Rounding
  is then the same except that products (and the scaled input) may underflow by ``eta``
  in the scaled units, ``2**s eta`` in the result's: at most ``4 sqrt(2) m 2**s eta`` for a
  direct output. Such outputs have
  ``|a| * |b| >= 2**(maxexp - 1)`` (their unscaled sums overflowed) and ``s <= maxexp + 5
  + log2(m)``, so this is below ``2**-40 gamma_m (|a| * |b|)`` for any ``m < 2**900``; for
  the FFT the same holds against the normwise term, whose norms are as large. The factor
  ``1 + 2**-40`` of the relative terms covers it: the bounds need not know whether a call
  was rescaled.
* **chains** -- for laws that chain two convolutions, ``fl(fl(a*b)*c)``: direct sums give
  ``gamma_{m1+m2} (|a|*|b|*|c|)`` (Higham, Lemma 3.3) plus the propagated underflow terms
  (``compose_direct``); otherwise the normwise bounds propagate by Young's inequality,
  ``||E2|| + ||E1||_2 ||c||_1`` (``compose``). ``combine`` adds bounds by the triangle
  inequality (for instance a method's bound and the oracle's own error).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

__all__ = [
    "Bound",
    "unit_roundoff",
    "gamma",
    "exact",
    "direct",
    "fft",
    "overlap_add",
    "fft_spectral",
    "fft_stages",
    "fft_underflow",
    "combine",
    "compose",
    "compose_direct",
]

Kind = Literal["exact", "componentwise", "normwise"]

#: Relative slack of the direct and FFT bounds that covers the extra underflow of a
#: prescaled recomputation near the overflow threshold (module docstring).
RESCALE_SLACK = 2.0**-40


@dataclass(frozen=True)
class Bound:
    """An error bound a computed result must satisfy, and the words that name it.

    Attributes
    ----------
    kind : {'exact', 'componentwise', 'normwise'}
        ``exact``: equality. ``componentwise``: ``|result - exact| <= value`` elementwise.
        ``normwise``: ``||result - exact||_2 <= value``.
    value : float or numpy.ndarray
        The bound: 0 for exact, an array shaped like the result for componentwise, a
        float for normwise.
    description : str
        What was applied, e.g. ``'componentwise gamma_9 (|a|*|b|), float64'``.
    """

    kind: Kind
    value: float | np.ndarray
    description: str

    def deviation(self, result: ArrayLike, reference: ArrayLike) -> float:
        """The measured quantity this bound limits: max |error|, or ||error||_2 if normwise."""
        err = _error(result, reference)
        if err.size == 0:
            return 0.0
        if self.kind == "normwise":
            return _two_norm(err)
        return float(np.max(np.abs(err)))

    def holds(self, result: ArrayLike, reference: ArrayLike) -> bool:
        """True when ``result`` is within this bound of ``reference``.

        Non-finite values must agree exactly in position and value (NaN with NaN, +inf
        with +inf); the bound applies to the finite elements.
        """
        result = np.asarray(result)
        reference = np.asarray(reference)
        if result.shape != reference.shape:
            return False
        finite = np.isfinite(reference)
        if not np.array_equal(np.isfinite(result), finite):
            return False
        nonfinite = ~finite
        if nonfinite.any():
            same = (result[nonfinite] == reference[nonfinite]) | (
                np.isnan(result[nonfinite]) & np.isnan(reference[nonfinite])
            )
            if not same.all():
                return False
        if self.kind == "exact":
            return bool(np.array_equal(result[finite], reference[finite]))
        err = np.abs(_error(result, reference))
        err = np.where(finite, err, 0.0)
        if self.kind == "componentwise":
            return bool(np.all(err <= np.broadcast_to(self.value, err.shape)))
        return bool(_two_norm(err) <= float(self.value))

    def ratio(self, result: ArrayLike, reference: ArrayLike) -> float:
        """Deviation divided by the bound (<= 1 means the bound holds); 0/0 counts as 0."""
        dev = self.deviation(result, reference)
        if self.kind == "exact":
            return 0.0 if dev == 0 else math.inf
        if self.kind == "componentwise":
            err = np.abs(_error(result, reference))
            value = np.broadcast_to(np.asarray(self.value, dtype=np.float64), err.shape)
            with np.errstate(divide="ignore", invalid="ignore"):
                r = np.where(err == 0, 0.0, err / value)
            return float(np.nanmax(r)) if r.size else 0.0
        bound = float(self.value)
        return 0.0 if dev == 0 else (dev / bound if bound > 0 else math.inf)


def _two_norm(x: np.ndarray) -> float:
    """``||x||_2``, scaled by ``max|x|`` so that it overflows only when it exceeds the range."""
    x = np.abs(np.asarray(x, dtype=np.float64))
    if x.size == 0:
        return 0.0
    largest = float(np.max(x))
    if largest == 0 or not math.isfinite(largest):
        return largest
    with np.errstate(under="ignore"):
        return _product(largest, math.sqrt(float(np.sum((x / largest) ** 2))))


def _error(result, reference) -> np.ndarray:
    result = np.asarray(result)
    reference = np.asarray(reference)
    wide = np.clongdouble if np.iscomplexobj(result) or np.iscomplexobj(reference) else np.longdouble
    finite = np.isfinite(result) & np.isfinite(reference)
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.where(finite, result.astype(wide) - reference.astype(wide), 0)
    return np.abs(diff).astype(np.float64)


def _real_dtype(dtype) -> np.dtype:
    dtype = np.dtype(dtype)
    if dtype.kind == "c":
        return np.empty(0, dtype).real.dtype
    return dtype


def unit_roundoff(dtype: DTypeLike) -> float:
    """Unit roundoff ``u = eps / 2`` of a floating dtype (of its components if complex).

    Examples
    --------
    >>> unit_roundoff("float64") == 2.0**-53
    True
    >>> unit_roundoff("complex64") == 2.0**-24
    True
    """
    real = _real_dtype(dtype)
    if real.kind != "f":
        raise TypeError(f"dtype must be a floating or complex dtype; got {np.dtype(dtype)}")
    return float(np.finfo(real).eps) / 2


def gamma(m: int, dtype: DTypeLike) -> float:
    """Higham's ``gamma_m = m u / (1 - m u)`` for the unit roundoff of ``dtype``.

    Raises
    ------
    ValueError
        If ``m u >= 1``: no bound of this form exists (the sum is too long for the precision).

    Examples
    --------
    >>> round(gamma(10, "float32") / 2.0**-24, 6)
    10.000006
    """
    if m < 0:
        raise ValueError(f"m must be non-negative; got {m}")
    u = unit_roundoff(dtype)
    if m * u >= 1:
        raise ValueError(f"gamma_m needs m*u < 1; got m={m} with u={u:g} ({np.dtype(dtype)})")
    return m * u / (1 - m * u)


def _underflow_eta(dtype) -> float:
    real = _real_dtype(dtype)
    # Half the smallest float64 subnormal rounds to 0 as a Python float (and a longdouble
    # subnormal underflows to 0 entirely), which would drop the underflow term: round eta
    # up to the smallest positive float64 instead, which still bounds it.
    eta = float(np.finfo(real).smallest_subnormal) / 2
    return max(eta, float(np.finfo(np.float64).smallest_subnormal))


def exact(dtype: DTypeLike) -> Bound:
    """The bound for integer results: exact equality.

    Examples
    --------
    >>> exact("int64").holds([1, 2], [1, 2])
    True
    """
    return Bound("exact", 0.0, f"exact equality ({np.dtype(dtype)})")


def direct(magnitude: ArrayLike, *, terms: int, dtype: DTypeLike) -> Bound:
    """Componentwise bound for a directly summed convolution.

    Parameters
    ----------
    magnitude : array_like
        The same convolution applied to ``|a|`` and ``|b|`` (and ``|fillvalue|``),
        evaluated in float64 or wider. Its own rounding (relative ``gamma_m`` in float64)
        is absorbed by a factor ``1 + 2 gamma_m(float64)``.
    terms : int
        ``m``, the largest number of products summed into one output (for a kernel of
        shape ``k`` and signal ``n``: ``prod(min(n_i, k_i))``).
    dtype : dtype
        The computing precision of the result.

    Examples
    --------
    >>> import numpy as np
    >>> b = direct(np.array([3.0, 5.0]), terms=2, dtype="float64")
    >>> b.kind, b.holds([3.0, 5.0 + 1e-15], [3.0, 5.0])
    ('componentwise', True)
    """
    dtype = np.dtype(dtype)
    if dtype.kind in "iub":
        return exact(dtype)
    m = max(int(terms), 1)
    complex_data = dtype.kind == "c"
    g = gamma(m + 2 if complex_data else m, dtype)
    mag = np.asarray(magnitude, dtype=np.float64)
    inflate = (1 + 2 * gamma(m, np.float64)) * (1 + RESCALE_SLACK)
    # only products underflow: one real product each, or two per component of a complex one
    per_product = 2 * math.sqrt(2) * _underflow_eta(dtype) if complex_data else _underflow_eta(dtype)
    value = g * mag * inflate + m * per_product * (1 + g)
    label = f"gamma_{m + 2 if complex_data else m}"
    underflow = f"{m} x 2sqrt2 eta" if complex_data else f"{m} eta"
    return Bound(
        "componentwise",
        value,
        f"componentwise {label} (|a|*|b|) + {underflow} (direct, {dtype})",
    )


def _prime_factors(n: int) -> list[int]:
    factors, p = [], 2
    while p * p <= n:
        while n % p == 0:
            factors.append(p)
            n //= p
        p += 1
    if n > 1:
        factors.append(n)
    return factors


def fft_stages(fft_shape: Sequence[int]) -> tuple[int, int]:
    """Stages ``L`` and largest radix ``r`` of an N-D real FFT of the given shape.

    A length with a prime factor above 11 is assumed to be done by Bluestein's algorithm
    (three transforms of a power of two at least ``2n - 1``), and counted as such.

    Examples
    --------
    >>> fft_stages((8,))
    (5, 2)
    >>> fft_stages((12, 10))
    (9, 5)
    """
    stages, radix = 0, 2
    for n in fft_shape:
        n = int(n)
        if n <= 1:
            continue
        factors = _prime_factors(n)
        if max(factors) > 11:
            m = 1 << (2 * n - 1).bit_length()
            stages += 3 * int(math.log2(m)) + 2
        else:
            stages += len(factors) + 2
            radix = max(radix, max(factors))
    return stages, radix


def _eps_fft(fft_shape, dtype) -> float:
    return _eps_fft_of(tuple(int(n) for n in fft_shape), np.dtype(dtype))


@functools.lru_cache(maxsize=256)  # a certificate asks for the same few shapes on every call
def _eps_fft_of(fft_shape: tuple[int, ...], dtype: np.dtype) -> float:
    u = unit_roundoff(dtype)
    stages, radix = fft_stages(fft_shape)
    eta = u + math.sqrt(radix) * gamma(radix + 2, dtype) + math.sqrt(2) * gamma(2, dtype)
    if stages * eta >= 1:
        raise ValueError(f"FFT of shape {tuple(fft_shape)} is too long for {np.dtype(dtype)}")
    return stages * eta / (1 - stages * eta)


def _norms(x) -> tuple[float, float, float]:
    """``(s, r2, r1)`` with ``||x||_2 <= s r2`` and ``||x||_1 <= s r1``, ``s = max|x|``.

    The norms are taken of ``x / s`` (entries at most 1), so they cannot overflow even
    where ``||x||`` itself exceeds the float64 range; the products of :func:`_product` then
    give a bound that is finite whenever it is representable. Rounded up: the sums by
    ``1 + (n + 2) 2**-52``, plus what underflow may lose of tiny entries.
    """
    x = np.asarray(x)
    # widen before abs: abs of int32 -2**31 wraps to itself, a negative "magnitude"
    x = np.abs(x.astype(np.complex128 if x.dtype.kind == "c" else np.float64))
    n = x.size
    if n == 0:
        return 0.0, 0.0, 0.0
    with np.errstate(over="ignore"):
        scale = float(np.max(x))
    if scale == 0 or not math.isfinite(scale):
        return scale, float(n > 0), float(n > 0)
    with np.errstate(under="ignore"):
        unit = x / scale
        inflate = 1 + (n + 2) * 2.0**-52
        r1 = float(np.sum(unit)) * inflate + n * 2.0**-1074
        r2 = math.sqrt(float(np.sum(unit * unit)) * inflate) * inflate + math.sqrt(n) * 2.0**-537
    return scale, r2, r1


def _product(*factors: float) -> float:
    """The product of non-negative floats without intermediate overflow (inf if it is too large)."""
    mantissa, exponent = 1.0, 0
    for factor in factors:
        if factor == 0:
            return 0.0
        if not math.isfinite(factor):
            return math.inf
        m, e = math.frexp(factor)
        mantissa, carry = math.frexp(mantissa * m)
        exponent += e + carry
    try:
        return math.ldexp(mantissa, exponent)
    except OverflowError:
        return math.inf


def fft(a: ArrayLike, b: ArrayLike, *, fft_shape: Sequence[int], dtype: DTypeLike) -> Bound:
    """Normwise bound for ``c = F^-1(F a . F b)`` computed in ``dtype``.

    Parameters
    ----------
    a, b : array_like
        The two inputs (only their 1- and 2-norms are used).
    fft_shape : tuple of int
        The transform lengths along the convolved axes.
    dtype : dtype
        The computing precision.

    Examples
    --------
    >>> import numpy as np
    >>> bound = fft(np.ones(100), np.ones(5), fft_shape=(128,), dtype="float64")
    >>> bound.kind, bound.value < 1e-10
    ('normwise', True)
    """
    dtype = np.dtype(dtype)
    sa, a2, a1 = _norms(a)
    sb, b2, b1 = _norms(b)
    eps_f = _eps_fft(fft_shape, dtype)
    u = unit_roundoff(dtype)
    coefficient = (2 * eps_f + math.sqrt(2) * gamma(2, dtype) + u) * (1 + eps_f) ** 3
    coefficient *= 1 + RESCALE_SLACK
    stages, radix = fft_stages(fft_shape)
    return Bound(
        "normwise",
        _product(coefficient * (a2 * b1 + a1 * b2) * (1 + 2.0**-50), sa, sb),
        f"normwise FFT bound, {stages} stages of radix <= {radix}, "
        f"(2 eps_F + sqrt2 gamma_2 + u) (||a||2 ||b||1 + ||a||1 ||b||2), {dtype}",
    )


def fft_spectral(
    norms_a: Sequence[ArrayLike],
    peaks_a: Sequence[ArrayLike],
    norms_b: Sequence[ArrayLike],
    peaks_b: Sequence[ArrayLike],
    *,
    fft_shape: Sequence[int],
    dtype: DTypeLike = "float64",
) -> np.ndarray:
    """A-posteriori bound on every element's error of ``F^-1(sum_p fl(F a_p) fl(F b_p))``.

    For pairs ``p`` of real inputs, the transforms ``A_p = fl(F a_p)``, ``B_p = fl(F b_p)``
    of length ``N = prod(fft_shape)`` are computed, multiplied pointwise, summed over ``p``
    and transformed back (``F^-1 = F^* / N``). With ``eps_F`` the normwise relative error of
    one transform (Higham, Theorem 24.2, as in :func:`fft`), ``g = sqrt(2) gamma_2`` the
    error of a complex product and ``E_x = eps_F sqrt(N) ||x||_2`` (Parseval:
    ``||F x||_2 = sqrt(N) ||x||_2``), the error of each output is at most::

        [ sum_p (g M_a ||B|| + M_b E_a + (M_a + E_a) E_b)
          + (gamma_{P-1} + eps_inv (1 + gamma_{P-1})) (1 + g) sum_p M_a ||B|| ] / sqrt(N)

    where ``M_a = max|A_p|``, ``M_b = max|B_p|`` (the computed spectra's largest moduli),
    ``||B|| = sqrt(N) ||b_p||_2 + E_b``, and ``eps_inv = (1 + eps_F)(1 + gamma_2) - 1`` is
    the inverse transform's error with its scaling by ``1/N``. The proof is in
    docs/exact-integers.md. Each argument holds one entry per pair (a float, or an array of
    per-block values: the bound is then per block); every entry must be rounded up.

    Parameters
    ----------
    norms_a, norms_b : sequence of float or array
        Upper bounds on ``||a_p||_2`` and ``||b_p||_2``.
    peaks_a, peaks_b : sequence of float or array
        Upper bounds on ``max|A_p|`` and ``max|B_p|`` of the computed spectra.
    fft_shape : tuple of int
        The transform lengths.
    dtype : dtype, optional
        The computing precision (float64).

    Returns
    -------
    numpy.ndarray
        The bound (per block when the arguments are per block), rounded up.

    Examples
    --------
    >>> import numpy as np
    >>> a, b = np.array([3.0, -1.0, 2.0]), np.array([1.0, 4.0])
    >>> A, B = np.fft.rfft(a, 4), np.fft.rfft(b, 4)
    >>> norm = lambda x: float(np.linalg.norm(x)) * (1 + 1e-15)
    >>> peak = lambda x: float(np.abs(x).max()) * (1 + 1e-15)
    >>> bound = fft_spectral([norm(a)], [peak(A)], [norm(b)], [peak(B)], fft_shape=(4,))
    >>> bool(bound < 0.5)  # so rounding recovers the exact integers
    True
    >>> np.rint(np.fft.irfft(A * B, 4)).astype(int).tolist()
    [3, 11, -2, 8]
    """
    pairs = len(norms_a)
    if not (pairs == len(peaks_a) == len(norms_b) == len(peaks_b)) or pairs == 0:
        raise ValueError(f"fft_spectral needs one norm and one peak of each input per pair; got {pairs} pairs")
    points = math.prod(int(n) for n in fft_shape) if len(fft_shape) else 1
    root = math.sqrt(points) * (1 + 2.0**-52)
    eps, g, eps_inv, adds = _spectral_constants(tuple(int(n) for n in fft_shape), np.dtype(dtype), pairs)
    products: float | np.ndarray = 0.0
    magnitude: float | np.ndarray = 0.0
    for a2, ma, b2, mb in zip(norms_a, peaks_a, norms_b, peaks_b):
        # Python floats stay floats (the same float64 arithmetic, without array overhead)
        a2, ma, b2, mb = (v if isinstance(v, float) else np.asarray(v, dtype=np.float64) for v in (a2, ma, b2, mb))
        error_a, error_b = eps * root * a2, eps * root * b2
        spectrum_b = root * b2 + error_b
        products = products + g * ma * spectrum_b + mb * error_a + (ma + error_a) * error_b
        magnitude = magnitude + ma * spectrum_b
    total = products + (adds + eps_inv * (1 + adds)) * (1 + g) * magnitude
    # the evaluation above is a few dozen roundings, each relative u: 2**-40 covers them
    return np.asarray(total / math.sqrt(points) * (1 + 2.0**-40))


@functools.lru_cache(maxsize=256)  # a certificate asks for the same few on every call
def _spectral_constants(fft_shape: tuple[int, ...], dtype: np.dtype, pairs: int) -> tuple[float, float, float, float]:
    """``eps_F``, ``g = sqrt(2) gamma_2``, ``eps_inv`` and ``gamma_{P-1}`` of :func:`fft_spectral`."""
    eps = _eps_fft_of(fft_shape, dtype)
    eps_inv = (1 + eps) * (1 + gamma(2, dtype)) - 1
    return eps, math.sqrt(2) * gamma(2, dtype), eps_inv, gamma(pairs - 1, dtype) if pairs > 1 else 0.0


def overlap_add(
    a: ArrayLike, b: ArrayLike, *, block_fft_shape: Sequence[int], overlaps: int, dtype: DTypeLike
) -> Bound:
    """Normwise bound for overlap-add: ``sqrt(q)`` block FFT bounds plus ``gamma_q`` adds.

    Parameters
    ----------
    a, b : array_like
        The two inputs.
    block_fft_shape : tuple of int
        The FFT lengths of one block.
    overlaps : int
        ``q``, the largest number of blocks that add into one output.
    dtype : dtype
        The computing precision.

    Examples
    --------
    >>> import numpy as np
    >>> overlap_add(np.ones(1000), np.ones(9), block_fft_shape=(64,), overlaps=2, dtype="float64").kind
    'normwise'
    """
    q = max(int(overlaps), 1)
    block = fft(a, b, fft_shape=block_fft_shape, dtype=dtype)
    sa, a2, _ = _norms(a)
    sb, _, b1 = _norms(b)
    g = gamma(q, dtype) if q > 1 else 0.0
    value = math.sqrt(q) * float(block.value) * (1 + g) + _product(g * a2 * b1, sa, sb)
    return Bound(
        "normwise",
        value,
        f"normwise overlap-add bound: sqrt({q}) x block FFT {tuple(block_fft_shape)} "
        f"+ gamma_{q} adds, {np.dtype(dtype)}",
    )


def fft_underflow(a: ArrayLike, b: ArrayLike, *, fft_shape: Sequence[int], dtype: DTypeLike, blocks: int = 1) -> Bound:
    """Normwise absolute term an FFT convolution may add under gradual underflow.

    The relative FFT bound (``fft``) models each product as ``xy (1 + delta)``; with
    subnormal intermediates a real product errs in addition by up to ``eta`` (half the
    smallest subnormal). Each of the ``L`` stages adds at most ``4 sqrt(2) (r + 1) eta`` per
    element, the later stages amplify a 2-norm by at most ``2 sqrt(N)``, the pointwise
    product multiplies the error of one transform by the other's largest coefficient (at
    most its 1-norm), and the scaled inverse transform contracts by ``sqrt(N)``. In total
    at most ``K (||a||_1 + blocks ||b||_1 + 2)`` with ``K = 8 sqrt(2) (r + 1) L sqrt(N) eta``;
    ``blocks`` counts the block transforms of an overlap-add (whose errors add).

    Parameters
    ----------
    a, b : array_like
        The inputs (only their 1-norms are used).
    fft_shape : tuple of int
        The transform lengths (of one block for overlap-add).
    dtype : dtype
        The computing precision.
    blocks : int, optional
        The number of block transforms (1 for a plain FFT convolution).

    Examples
    --------
    >>> import numpy as np
    >>> fft_underflow(np.ones(4), np.ones(2), fft_shape=(8,), dtype="float64").value < 1e-300
    True
    """
    dtype = np.dtype(dtype)
    stages, radix = fft_stages(fft_shape)
    n = math.prod(int(v) for v in fft_shape) if len(fft_shape) else 1
    k = 8 * math.sqrt(2) * (radix + 1) * max(stages, 1) * math.sqrt(n) * _underflow_eta(dtype)
    sa, _, a1 = _norms(a)
    sb, _, b1 = _norms(b)
    blocks = max(int(blocks), 1)
    return Bound(
        "normwise",
        _product(k, a1, sa) + _product(k, blocks * b1, sb) + 2 * k,
        f"normwise FFT underflow term 8 sqrt2 (r+1) L sqrt(N) eta (||a||1 + {blocks} ||b||1 + 2), "
        f"{stages} stages, {dtype}",
    )


def _as_normwise(bound: Bound) -> float:
    if bound.kind == "normwise":
        return float(bound.value)
    value = np.abs(np.asarray(bound.value, dtype=np.float64)).ravel()
    biggest = float(value.max()) if value.size else 0.0
    if biggest == 0.0 or not math.isfinite(biggest):
        return biggest
    # scaled by the largest element: squares of values past 1e154 would overflow to an
    # infinite, vacuous bound (and squares below 1e-162 underflow to zero)
    return biggest * float(np.sqrt(np.sum((value / biggest) ** 2)))


def combine(*bounds: Bound) -> Bound:
    """The sum of error bounds (triangle inequality), componentwise when all of them are.

    Used when two errors add, for instance a computed result's own error and the error of
    the reference it is compared with. A componentwise bound ``v`` enters a normwise sum
    as ``||v||_2``, which bounds the 2-norm of any error it bounds elementwise.

    Examples
    --------
    >>> import numpy as np
    >>> b = combine(direct(np.ones(2), terms=2, dtype="float64"), exact("float64"))
    >>> b.kind
    'componentwise'
    >>> combine(
    ...     fft(np.ones(3), np.ones(2), fft_shape=(4,), dtype="float64"), direct(np.ones(4), terms=2, dtype="float64")
    ... ).kind
    'normwise'
    """
    if not bounds:
        raise ValueError("combine needs at least one bound; got none")
    inexact = [b for b in bounds if b.kind != "exact"]
    if not inexact:
        return bounds[0]
    description = " + ".join(b.description for b in inexact)
    if all(b.kind == "componentwise" for b in inexact):
        total = sum(np.asarray(b.value, dtype=np.float64) for b in inexact)
        return Bound("componentwise", total, description)
    return Bound("normwise", sum(_as_normwise(b) for b in inexact), description)


def compose(first: Bound, second: Bound, *, outer_norm1: float) -> Bound:
    """Normwise bound for a chain ``fl(fl(a*b)*c)`` from the bounds of its two steps.

    ``first`` bounds ``fl(a*b) - a*b``; ``second`` bounds the second step computed on
    the *computed* intermediate, ``fl(d*c) - d*c`` with ``d = fl(a*b)``. Then
    ``fl(d*c) - (a*b)*c = E2 + E1*c`` and Young's inequality gives
    ``||E2||_2 + ||E1||_2 ||c||_1``.

    Parameters
    ----------
    first, second : Bound
        The bounds of the two steps (any kind).
    outer_norm1 : float
        ``||c||_1``, the 1-norm of the operand of the second step.

    Examples
    --------
    >>> import numpy as np
    >>> one = fft(np.ones(3), np.ones(3), fft_shape=(8,), dtype="float64")
    >>> two = fft(np.ones(5), np.ones(2), fft_shape=(8,), dtype="float64")
    >>> chained = compose(one, two, outer_norm1=2.0)
    >>> chained.kind, chained.value == two.value + 2 * one.value
    ('normwise', True)
    """
    if first.kind == "exact" and second.kind == "exact":
        return Bound("exact", 0.0, f"exact chain ({first.description}; {second.description})")
    value = _as_normwise(second) + _as_normwise(first) * float(outer_norm1)
    return Bound(
        "normwise",
        value,
        f"normwise chain: [{second.description}] + [{first.description}] x ||c||1",
    )


def compose_direct(magnitude: ArrayLike, *, terms: Sequence[int], dtype: DTypeLike, outer_norm1: float) -> Bound:
    """Componentwise bound for a chain of two direct convolutions ``fl(fl(a*b)*c)``.

    ``|fl(fl(a*b)*c) - a*b*c| <= gamma_{m1+m2} (|a|*|b|*|c|) + m2 eta + m1 eta ||c||_1``
    (up to the factor ``1 + gamma``): the first step's relative error ``gamma_{m1}`` and
    the second's ``gamma_{m2}`` combine as ``gamma_{m1} + gamma_{m2} + gamma_{m1} gamma_{m2}
    <= gamma_{m1+m2}`` (Higham, Lemma 3.3); the first step's underflow term is summed by
    the second convolution. Complex data use ``gamma_{m+2}`` per step.

    Parameters
    ----------
    magnitude : array_like
        ``|a|*|b|*|c|`` evaluated in float64 or wider, shaped like the result.
    terms : tuple of int
        ``(m1, m2)``, the products per output of each step.
    dtype : dtype
        The computing precision.
    outer_norm1 : float
        ``||c||_1``.

    Examples
    --------
    >>> import numpy as np
    >>> b = compose_direct(np.array([6.0]), terms=(2, 3), dtype="float64", outer_norm1=1.0)
    >>> b.description.split(" (")[0]
    'componentwise gamma_5'
    """
    dtype = np.dtype(dtype)
    if dtype.kind in "iub":
        return exact(dtype)
    steps = [max(int(m), 1) for m in terms]
    extra = 2 if dtype.kind == "c" else 0
    total = sum(m + extra for m in steps)
    g = gamma(total, dtype)
    mag = np.asarray(magnitude, dtype=np.float64)
    inflate = (1 + 2 * gamma(sum(steps), np.float64)) * (1 + RESCALE_SLACK)
    eta = _underflow_eta(dtype) * (2 * math.sqrt(2) if dtype.kind == "c" else 1)  # per product
    underflow = (steps[-1] + sum(steps[:-1]) * float(outer_norm1)) * eta * (1 + g)
    return Bound(
        "componentwise",
        g * mag * inflate + underflow,
        f"componentwise gamma_{total} (|a|*|b|*|c|) + underflow (direct chain of {len(steps)}, {dtype})",
    )
