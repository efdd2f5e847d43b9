"""The one error policy for arguments, shared by every public entry (eager and dask alike).

A wrong *type* is a ``TypeError``, a wrong *value* a ``ValueError``; every message names the
argument, the value given and what would be right, so a bad argument gets the same
exception and message whatever path it takes (after hypothesis's
``internal/validation.py``). Nothing here modifies an input.

The scipy.signal arguments (``mode``, ``method``, ``boundary``, ``fillvalue``, ``axes``)
keep scipy's exception types and leading words even where scipy raises ``ValueError`` for
a wrong type (``mode=3``): code written against scipy.signal catches what it always
caught, and ``convalg.crosscheck`` holds convalg to scipy's exception type.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Sequence
from typing import Any, cast, get_args

from convalg._typing import Mode

MODES = get_args(Mode)
BOUNDARIES = {"fill": "fill", "pad": "fill", "wrap": "wrap", "circular": "wrap", "symm": "symm", "symmetric": "symm"}


# --------------------------------------------------------------------------- generic rules


def check_choice(value: Any, name: str, choices: Sequence[str]) -> str:
    """Return ``value`` if it is one of the strings ``choices``; else ValueError naming them.

    Examples
    --------
    >>> check_choice("fft", "method", ("auto", "direct", "fft"))
    'fft'
    >>> check_choice("oa", "method", ("auto", "direct", "fft"))
    Traceback (most recent call last):
      ...
    ValueError: method must be one of 'auto', 'direct', 'fft'; got 'oa'
    """
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def is_integer(value: Any) -> bool:
    """A Python or NumPy integer, as PyTorch accepts; never a bool (``True`` is no stride)."""
    # the ABC check costs a microsecond; most calls pass plain ints
    return type(value) is int or (isinstance(value, numbers.Integral) and not isinstance(value, bool))


def positive_int(value: Any, name: str) -> int:
    """``value`` as an int >= 1: TypeError for a non-integer (or a bool), ValueError below 1.

    Examples
    --------
    >>> positive_int(2, "groups")
    2
    >>> positive_int(True, "groups")
    Traceback (most recent call last):
      ...
    TypeError: groups must be a positive int; got True
    """
    if not is_integer(value):
        raise TypeError(f"{name} must be a positive int; got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be a positive int; got {value!r}")
    return int(value)


def int_tuple(value: Any, nd: int, name: str, minimum: int) -> tuple[int, ...]:
    """An int or a sequence of ``nd`` ints as a tuple of ``nd`` Python ints, each >= ``minimum``.

    TypeError for anything else (a float, a bool, a string, an array); ValueError for a
    sequence of the wrong length or a value below ``minimum``.

    Examples
    --------
    >>> int_tuple(2, 3, "stride", 1)
    (2, 2, 2)
    >>> int_tuple(1.5, 1, "stride", 1)
    Traceback (most recent call last):
      ...
    TypeError: stride must be an int or a tuple of 1 ints; got 1.5
    """
    expected = f"{name} must be an int or a tuple of {nd} ints; got {value!r}"
    if is_integer(value):
        values = (int(value),) * nd
    elif isinstance(value, (tuple, list)) and all(is_integer(v) for v in value):
        if len(value) != nd:
            raise ValueError(expected)
        values = tuple(int(v) for v in value)
    else:
        raise TypeError(expected)
    if any(v < minimum for v in values):
        raise ValueError(f"{name} must be >= {minimum} in every dimension; got {values!r}")
    return values


# --------------------------------------------------------------------------- scipy.signal's arguments


def check_mode(mode: Any) -> Mode:
    """Return ``mode`` if it is one of 'full', 'valid', 'same'; else ValueError.

    The message carries scipy.signal's own wordings (its ``correlation_lags`` says "Mode x
    is invalid", its FFT functions "acceptable mode flags are ..."), so code that matches
    scipy's messages keeps working.

    Examples
    --------
    >>> check_mode("same")
    'same'
    """
    if not isinstance(mode, str) or mode not in MODES:
        raise ValueError(
            f"Mode {mode} is invalid: acceptable mode flags are 'valid', 'same', or 'full' (got mode={mode!r})"
        )
    return cast(Mode, mode)  # one of MODES: the test above


def check_method(method: Any, methods: Sequence[str]) -> str:
    """Return ``method`` if it is one of ``methods``; else ValueError (see :func:`check_choice`)."""
    return check_choice(method, "method", methods)


def check_boundary(boundary: Any) -> str:
    """Return the canonical boundary name ('fill', 'wrap' or 'symm'); else ValueError."""
    if not isinstance(boundary, str) or boundary not in BOUNDARIES:
        raise ValueError(
            f"boundary must be 'fill', 'wrap' (or 'circular') or 'symm' (or 'symmetric'); got {boundary!r}"
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
                f"`fillvalue` must be scalar or an array with one element; got an array of shape {value.shape}"
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
            raise ValueError(f"fillvalue {fillvalue!r} is outside the range of the {result} result") from None
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
    """Normalise ``axes`` (None, an int, or a sequence of ints) to a list of non-negative axes.

    Examples
    --------
    >>> check_axes(-1, 3), check_axes(None, 2)
    ([2], [0, 1])
    """
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
            raise ValueError(f"axes exceeds dimensionality of input: axis {axis} of inputs with {ndim} dimensions")
        normalised.append(axis % ndim)
    if len(set(normalised)) != len(normalised):
        raise ValueError(f"all axes must be unique; got {items}")
    return normalised


def same_rank(ndim1: int, ndim2: int) -> None:
    """ValueError unless the two inputs have the same number of dimensions (scipy's words)."""
    if ndim1 != ndim2:
        raise ValueError(f"in1 and in2 should have the same dimensionality; got in1.ndim={ndim1} and in2.ndim={ndim2}")


def broadcastable(shape1: Sequence[int], shape2: Sequence[int], axes: Sequence[int]) -> None:
    """ValueError unless the axes not convolved have equal lengths or a length 1."""
    for ax in range(len(shape1)):
        if ax not in axes and not (shape1[ax] == shape2[ax] or 1 in (shape1[ax], shape2[ax])):
            raise ValueError(f"incompatible shapes for in1 and in2: {tuple(shape1)} and {tuple(shape2)}")


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
