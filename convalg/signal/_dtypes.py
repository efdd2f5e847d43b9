"""Result and computing dtypes of a convolution, and the integer-exactness rules.

The rules (documented in the README, "Where convalg differs from scipy.signal"):

* Floating and complex inputs give ``numpy.result_type(in1, in2)``, exactly as scipy.signal.
  float16 is computed in float32 and rounded to float16 once at the end.
* Integer inputs are computed exactly, never wrapping. Every signed or unsigned integer
  input narrower than 64 bits (and every mix of signed with unsigned) gives **int64**; two
  unsigned inputs of which one is uint64 give **uint64**. An exact output outside the
  result type's range raises ``OverflowError`` naming it (:mod:`convalg.signal._ranges`
  decides this exactly, also when the magnitudes' bound is too large to settle it).
* Two boolean inputs give a boolean result (``True`` where some product is ``True``, as
  ``numpy.convolve`` does), computed exactly through int64.
* Integer results may come from a float64 FFT only with the certificate of
  :mod:`convalg.signal._exact_fft` (every output within 1/2 of the exact integer before
  rounding, :func:`convalg.errorbounds.fft_spectral`), so that rounding recovers them.
"""

from __future__ import annotations

import functools
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


@functools.lru_cache(maxsize=256)  # asked for on every call with the same few pairs
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


@functools.lru_cache(maxsize=128)  # a pure function of two dtypes, asked on every call
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


@functools.lru_cache(maxsize=128)
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
