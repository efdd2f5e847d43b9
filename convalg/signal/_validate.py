"""Argument checking for the public functions, done once at the top of every call.

Every error names the argument, the bad value, and what would be right. Nothing here
modifies an input. The memory check runs before any large allocation: a call whose result
or workspace would not fit gets a ``MemoryError`` naming the size instead of an attempt.
"""

from __future__ import annotations

import math
import operator
import os
from collections.abc import Sequence
from typing import Any

MODES = ("full", "valid", "same")
METHODS = ("auto", "direct", "fft", "oa")
BOUNDARIES = {"fill": "fill", "pad": "fill", "wrap": "wrap", "circular": "wrap", "symm": "symm",
              "symmetric": "symm"}

#: Environment variable that caps the memory one call may use, in bytes (for tests and
#: shared machines). Without it the cap is the memory the operating system reports available.
MEMORY_LIMIT_ENV = "CONVALG_MEMORY_LIMIT"

#: Calls needing less than this (256 MiB) are not checked against the available memory.
_ALWAYS_FITS = 1 << 28


def check_mode(mode: Any) -> str:
    """Return ``mode`` if it is one of 'full', 'valid', 'same'; else ValueError.

    The message carries scipy.signal's own wordings (its ``correlation_lags`` says "Mode x
    is invalid", its FFT functions "acceptable mode flags are ..."), so code that matches
    scipy's messages keeps working.
    """
    if not isinstance(mode, str) or mode not in MODES:
        raise ValueError(
            f"Mode {mode} is invalid: acceptable mode flags are 'valid', 'same', or 'full' "
            f"(got mode={mode!r})"
        )
    return mode


def check_method(method: Any) -> str:
    """Return ``method`` if it is 'auto', 'direct', 'fft' or 'oa'; else ValueError."""
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(
            f"method must be one of 'auto', 'direct', 'fft' or 'oa' (overlap-add); got {method!r}"
        )
    return method


def check_boundary(boundary: Any) -> str:
    """Return the canonical boundary name ('fill', 'wrap' or 'symm'); else ValueError."""
    if not isinstance(boundary, str) or boundary not in BOUNDARIES:
        raise ValueError(
            "boundary must be 'fill', 'wrap' (or 'circular') or 'symm' (or 'symmetric'); "
            f"got {boundary!r}"
        )
    return BOUNDARIES[boundary]


def check_fillvalue(fillvalue: Any, result: Any) -> complex | float | int:
    """Return ``fillvalue`` as a Python scalar that the result dtype ``result`` holds exactly.

    scipy accepts a scalar or a one-element array. Integer results (convalg's exact rule)
    need an integer fillvalue within the result's range: scipy would silently truncate
    1.5, wrap 2**70 or turn NaN into garbage. Messages start with scipy's own wording.
    """
    import numpy as np

    result = np.dtype(result)
    if isinstance(fillvalue, (int, np.integer)) and not isinstance(fillvalue, (bool, np.bool_)):
        scalar: Any = int(fillvalue)  # a Python int of any size, before numpy can reject it
    else:
        try:
            value = np.asarray(fillvalue)
        except Exception as exc:
            raise ValueError(f"`fillvalue` must be a number; got {fillvalue!r}") from exc
        if value.size != 1:
            raise ValueError(
                "`fillvalue` must be scalar or an array with one element; got an array of "
                f"shape {value.shape}"
            )
        if value.dtype.kind not in "biufc":
            raise ValueError(f"`fillvalue` must be a number; got {fillvalue!r}")
        scalar = value.reshape(()).item()
    if isinstance(scalar, complex) and result.kind not in "cO":
        if scalar.imag != 0:
            raise ValueError(
                "could not cast `fillvalue` directly to the output type: fillvalue "
                f"{fillvalue!r} is complex but the inputs are real; pass a real fillvalue or "
                "complex inputs"
            )
        scalar = scalar.real
    if result.kind in "iub":
        return _integer_fillvalue(scalar, fillvalue, result)
    if result.kind in "fc" and isinstance(scalar, int):
        try:
            scalar = float(scalar)
        except OverflowError:
            raise ValueError(
                f"fillvalue {fillvalue!r} is outside the range of the {result} result"
            ) from None
    return scalar


def _integer_fillvalue(scalar: Any, given: Any, result: Any) -> int:
    """The fillvalue of an exact integer result: an integer the result dtype holds."""
    import numpy as np

    if isinstance(scalar, float) and not math.isfinite(scalar):
        raise ValueError(
            f"fillvalue {given!r} is not finite but the inputs are integers (the result is "
            "exact integers); pass a finite integer fillvalue or floating inputs"
        )
    if scalar != int(scalar):
        raise ValueError(
            f"fillvalue {given!r} is not an integer but the inputs are integers; pass an "
            "integer fillvalue or floating inputs"
        )
    scalar = int(scalar)
    compute = result if result.kind != "b" else np.dtype(np.int64)
    info = np.iinfo(compute)
    if not info.min <= scalar <= info.max:
        raise ValueError(
            f"fillvalue {given!r} is outside the {compute} range [{info.min}, {info.max}] of the "
            "exact integer result; pass floating or object inputs to convolve with it"
        )
    return scalar


def check_axes(axes: Any, ndim: int) -> list[int]:
    """Normalise ``axes`` (None, an int, or a sequence of ints) to a list of non-negative axes."""
    if axes is None:
        return list(range(ndim))
    if isinstance(axes, Sequence) or hasattr(axes, "__iter__"):
        items = list(axes)
    else:
        items = [axes]
    if not items:
        raise ValueError("when provided, axes cannot be empty")
    normalised = []
    for axis in items:
        try:
            axis = operator.index(axis)
        except TypeError:
            # scipy raises ValueError here too, with these words
            raise ValueError(f"axes must be a scalar or iterable of integers; got {axes!r}") from None
        if not -ndim <= axis < ndim:
            raise ValueError(
                f"axes exceeds dimensionality of input: axis {axis} of inputs with {ndim} "
                "dimensions"
            )
        normalised.append(axis % ndim)
    if len(set(normalised)) != len(normalised):
        raise ValueError(f"all axes must be unique; got {items}")
    return normalised


def valid_swap_needed(shape1: Sequence[int], shape2: Sequence[int], axes: Sequence[int]) -> bool:
    """In 'valid' mode: must the inputs swap so that the first is the larger on every axis?"""
    first_larger = all(shape1[i] >= shape2[i] for i in axes)
    second_larger = all(shape2[i] >= shape1[i] for i in axes)
    if not (first_larger or second_larger):
        raise ValueError(
            "For 'valid' mode, one must be at least as large as the other in every "
            f"dimension (that is convolved); got in1.shape={tuple(shape1)} and "
            f"in2.shape={tuple(shape2)}"
        )
    return not first_larger


def memory_limit() -> int:
    """Bytes one call may allocate: ``CONVALG_MEMORY_LIMIT`` if set, else available memory."""
    configured = os.environ.get(MEMORY_LIMIT_ENV)
    if configured:
        try:
            limit = float(configured)
        except ValueError:
            limit = math.nan
        if not limit > 0:  # also NaN
            raise ValueError(
                f"the environment variable {MEMORY_LIMIT_ENV} must be a positive number of bytes "
                f"(e.g. 4e9, or inf for no limit); got {configured!r}"
            )
        return int(min(limit, 1 << 62))
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 1 << 62


def check_memory(nbytes: int, what: str) -> None:
    """MemoryError naming the size when ``nbytes`` would not fit in :func:`memory_limit`."""
    if nbytes < _ALWAYS_FITS and MEMORY_LIMIT_ENV not in os.environ:
        return  # skip reading /proc/meminfo for small calls
    limit = memory_limit()
    if nbytes > limit:
        raise MemoryError(
            f"{what} would need about {_human(nbytes)}, more than the {_human(limit)} available "
            f"(set {MEMORY_LIMIT_ENV} to change the limit); use smaller inputs, mode='valid' or "
            "'same', or a chunked (dask) input"
        )


def _human(nbytes: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if nbytes < 1024 or unit == "PiB":
            return f"{nbytes:.1f} {unit}" if unit != "B" else f"{int(nbytes)} B"
        nbytes /= 1024
    return f"{nbytes:.1f} EiB"


def size(shape: Sequence[int]) -> int:
    """Number of elements of a shape (a Python int, so it never overflows)."""
    return math.prod(int(n) for n in shape)
