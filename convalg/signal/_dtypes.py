"""Result and computing dtypes of a convolution, and the integer-exactness rules.

The rules (documented in the README, "Where convalg differs from scipy.signal"):

* Floating and complex inputs give ``numpy.result_type(in1, in2)``, exactly as scipy.signal.
  float16 is computed in float32 and rounded to float16 once at the end.
* Integer inputs are computed exactly, never wrapping. Every signed or unsigned integer
  input narrower than 64 bits (and every mix of signed with unsigned) gives **int64**; two
  unsigned inputs of which one is uint64 give **uint64**. Before computing, the largest
  possible magnitude ``min(||a||_inf ||b||_1, ||a||_1 ||b||_inf)`` is bounded from above;
  when it could exceed the result type's range an ``OverflowError`` names the magnitudes.
* Two boolean inputs give a boolean result (``True`` where some product is ``True``, as
  ``numpy.convolve`` does), computed exactly through int64.
* Integer results may come from a float64 FFT only when ``convalg.errorbounds.fft`` proves
  the error below 1/2, so that rounding recovers the exact integers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

#: dtype kinds that have no convolution (numpy kind codes): strings, bytes, void, datetimes.
_REJECTED_KINDS = {"U": "str", "S": "bytes", "V": "void (structured)", "M": "datetime64", "m": "timedelta64"}


def numpy_dtype(dtype: Any) -> np.dtype:
    """The NumPy dtype that names an array library's dtype (``array_api_strict.float64`` -> float64)."""
    if isinstance(dtype, np.dtype):
        return dtype
    try:
        return np.dtype(dtype)
    except TypeError:
        return np.dtype(str(dtype).rsplit(".", 1)[-1])


def namespace_dtype(xp: ModuleType, dtype: np.dtype) -> Any:
    """The dtype object of namespace ``xp`` for a NumPy dtype; TypeError if ``xp`` lacks it."""
    from convalg import backends

    name = backends.library_name(xp)
    if name in ("numpy", "cupy"):
        return dtype
    found = getattr(xp, dtype.name, None)
    if found is None:
        raise TypeError(f"dtype {dtype} is not supported by the {name} backend")
    return found


def check_dtype(dtype: np.dtype, argument: str) -> None:
    """Reject dtypes that have no arithmetic convolution, naming the argument."""
    if dtype.kind in _REJECTED_KINDS:
        raise TypeError(
            f"{argument} has dtype {dtype} ({_REJECTED_KINDS[dtype.kind]}), which cannot be "
            "convolved; pass a numeric array (bool, integer, floating or complex)"
        )


@dataclass(frozen=True)
class DtypeRule:
    """How one call computes: the result dtype, the computing dtype, and exactness.

    Attributes
    ----------
    result : numpy.dtype
        The dtype of the returned array.
    compute : numpy.dtype
        The dtype the engines work in (int64/uint64 for exact integers, float32 for float16).
    exact : bool
        True when the result is an exact integer (or boolean) result.
    """

    result: np.dtype
    compute: np.dtype
    exact: bool


def _native(dtype: np.dtype) -> np.dtype:
    return dtype.newbyteorder("=") if dtype.byteorder not in "=|" else dtype


def convolve_rule(dtype1: np.dtype, dtype2: np.dtype) -> DtypeRule:
    """The dtype rule of ``convolve``/``correlate``/``convolve2d``/``correlate2d``."""
    d1, d2 = _native(dtype1), _native(dtype2)
    kinds = {d1.kind, d2.kind}
    if kinds == {"b"}:
        return DtypeRule(np.dtype(bool), np.dtype(np.int64), True)
    if kinds <= {"b", "i", "u"}:
        unsigned_only = kinds <= {"b", "u"}
        if unsigned_only and np.dtype(np.uint64) in (d1, d2):
            return DtypeRule(np.dtype(np.uint64), np.dtype(np.uint64), True)
        return DtypeRule(np.dtype(np.int64), np.dtype(np.int64), True)
    if "O" in kinds:
        return DtypeRule(np.dtype(object), np.dtype(object), False)
    result = np.result_type(d1, d2)
    compute = np.dtype(np.float32) if result == np.float16 else result
    return DtypeRule(result, compute, False)


def fftconvolve_rule(dtype1: np.dtype, dtype2: np.dtype) -> DtypeRule:
    """The dtype rule of ``fftconvolve``/``oaconvolve``: always floating, as in scipy.

    Integers, booleans and objects are converted to float64 and float16 to float32 (what
    ``scipy.fft`` computes in) before the result type is formed.
    """

    def promoted(dtype: np.dtype) -> np.dtype:
        dtype = _native(dtype)
        if dtype.kind in "biu":
            return np.dtype(np.float64)
        if dtype == np.float16:
            return np.dtype(np.float32)
        if dtype.kind == "O":
            return np.dtype(np.float64)  # scipy converts object arrays to float64 here too
        return dtype

    result = np.result_type(promoted(dtype1), promoted(dtype2))
    return DtypeRule(result, result, False)


def integer_limit(dtype: np.dtype) -> int:
    """The largest magnitude an exact integer result of ``dtype`` can hold."""
    if dtype.kind == "b":
        return np.iinfo(np.int64).max
    return int(np.iinfo(dtype).max)


def magnitude_bound(
    xp: ModuleType, a: Any, b: Any, fill: Any = 0, both: bool = False
) -> tuple[int, float, float]:
    """An upper bound of ``|a * b|`` over all outputs, and the norms it came from.

    Returns ``(bound, inf_norm, one_norm)``: ``||x||_inf ||y||_1`` with ``y`` the input with
    fewer elements, or with ``both`` the smaller of the two pairings. The 1-norm is summed in float64 and inflated by
    ``(1 + (n + 2) 2**-52)``, which covers the rounding of the conversions and the sum, so
    the bound is rigorous; the infinity norm is exact (Python ints). A nonzero ``fill``
    (the value ``a`` is extended with, for convolve2d) joins ``a``'s infinity norm.
    """

    def inf_norm(x: Any) -> int:
        if _is_bool(xp, x):
            return int(bool(xp.any(x)))
        return max(abs(int(xp.max(x))), abs(int(xp.min(x))))

    def one_norm(x: Any) -> float:
        total = float(xp.sum(xp.abs(xp.astype(x, xp.float64))))
        return total * (1 + (_size(x) + 2) * 2.0**-52)

    # the 1-norm of the smaller input times the infinity norm of the larger (one float
    # pass over the small one only); with a fill value, a is the one extended
    candidates = []
    if fill != 0 or both or _size(b) <= _size(a):
        a_inf = max(inf_norm(a), abs(int(fill)))
        b_one = one_norm(b)
        candidates.append((math.ceil(a_inf * b_one), float(a_inf), b_one))
    if fill == 0 and (both or _size(b) > _size(a)):
        b_inf, a_one = inf_norm(b), one_norm(a)
        candidates.append((math.ceil(b_inf * a_one), float(b_inf), a_one))
    return min(candidates)


def _is_bool(xp: ModuleType, x: Any) -> bool:
    return numpy_dtype(x.dtype).kind == "b"


def _size(x: Any) -> int:
    return math.prod(x.shape)


def check_integer_range(
    xp: ModuleType, a: Any, b: Any, rule: DtypeRule, function: str, fill: Any = 0
) -> None:
    """Raise OverflowError before computing when an exact integer result could overflow."""
    if not rule.exact:
        return
    bound, inf_norm, one_norm = magnitude_bound(xp, a, b, fill)
    limit = integer_limit(rule.compute)
    if bound > limit:  # the cheap bound fails: try the other norm pairing too
        bound, inf_norm, one_norm = magnitude_bound(xp, a, b, fill, both=True)
    if bound > limit:
        raise OverflowError(
            f"{function}: the exact integer result could reach {bound:.4g} "
            f"(= max|x| {inf_norm:.4g} times sum|y| {one_norm:.4g} of the inputs), beyond the "
            f"{rule.compute} range (+-{limit:.4g}); convert the inputs to float64 or object "
            "(Python ints) to compute it"
        )
