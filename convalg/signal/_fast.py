"""The small-call fast paths: plain NumPy floating arrays, planned without the general planner.

A call in a loop over short signals or small images spends most of its time in the general
planning of :mod:`convalg.signal._plan` (namespace detection, range analysis, the cost
model, the memory guard, the dtype rules), all of which has a known answer for such a call:

* two plain ``numpy.ndarray`` inputs (exact type: no subclass, no other library) of the
  same native floating dtype need no conversion and keep that dtype;
* arguments that are not plainly valid (a mode that is not one of the three strings, a
  non-zero ``fillvalue``, empty inputs, a 'valid' call neither of whose inputs is the larger)
  are left to the general path, so every error is the general path's error.

1-D ``convolve``/``correlate`` (:func:`convolve_1d`): when the modelled direct cost is
below the fixed cost of any transform (:data:`convalg.signal._choose.FFT_CALL`)
method='auto' picks 'direct', and with fewer than 16 taps and less work than
:data:`convalg.signal._direct_numpy.PARALLEL_WORK` the direct method is one
``numpy.convolve`` (:func:`convalg.signal._direct_numpy.numpy_1d`), whatever the data:
no BLAS rows, no threads. Range analysis only matters when a sum overflows (a non-finite
output) and NaN or Inf in an input only matters to the FFT methods, which are not chosen
here. So the outputs are checked instead of the inputs: an all-finite result (one pass) is
the general path's result, and any other result is thrown away and the call re-planned in
full, so overflow rescue and every other rule stay where they are.

2-D ``convolve2d``/``correlate2d`` (:func:`recipe_2d`): the method is always 'direct';
what the planner decides from the data is whether the inputs are finite and whether a sum
could overflow. One BLAS product per input, ``sum |x|**2``, settles both: it is finite
only when every element is, and ``max |x| <= sqrt(sum |x|**2)`` bounds the magnitudes for
:func:`convalg.signal._ranges.overflow_scale`. When that bound proves no sum can overflow
the call gets the recipe the planner would build (the same engine, separable factors
included) and runs through the same :func:`convalg.signal._api.execute`; otherwise
(non-finite data, huge values, a call that needs threads or a closer look at memory) it
is left to the general path.
"""

from __future__ import annotations

import math
from typing import Any

import array_api_compat.numpy as numpy_namespace
import numpy as np

from convalg._runtime import memory, validation, windows
from convalg.signal import _choose, _direct_numpy, _dtypes, _fft, _overlap_add, _ranges
from convalg.signal._plan import Plan, Recipe
from convalg.signal._plan import _overlaps as overlaps  # the planner's own rules, as it applies them
from convalg.signal._plan import _reported_fft_shape as reported_fft_shape
from convalg.signal._plan import _separable as separable_kernel

_FLOATING = frozenset(np.dtype(t) for t in (np.float32, np.float64, np.complex64, np.complex128))
_MODES = ("full", "same", "valid")
_METHODS = ("auto", "direct")
#: The BLAS rows of the direct method start at this many taps (``_choose.use_blas_1d``).
_MAX_TAPS = 15
#: Multiply-adds below which 1-D 'auto' is sure to be direct on one thread: the modelled
#: direct cost stays below ``FFT_CALL`` (with a margin for the rounding of the model's sum).
#: Transform points below which an FFT call is small (one thread, well inside the memory guard).
_SMALL_TRANSFORM = _fft.PARALLEL_LENGTH
_MAX_WORK_1D = min(
    _direct_numpy.PARALLEL_WORK, int(0.99 * (_choose.FFT_CALL - _choose.DIRECT_1D_CALL) / _choose.DIRECT_1D_MAC)
)


def _plain_pair(in1: Any, in2: Any, ndim: int, mode: Any) -> np.dtype | None:
    """The common dtype of two plain NumPy arrays of rank ``ndim`` and one native floating
    dtype, with a valid ``mode``; None for anything else."""
    if type(in1) is not np.ndarray or type(in2) is not np.ndarray:
        return None
    dtype = in1.dtype
    if in1.ndim != ndim or in2.ndim != ndim or in2.dtype != dtype or dtype not in _FLOATING:
        return None
    if type(mode) is not str or mode not in _MODES:
        return None
    return dtype


def convolve_1d(function: str, in1: Any, in2: Any, mode: Any, method: Any) -> np.ndarray | None:
    """The result of ``function`` ('convolve' or 'correlate') for a small 1-D float call, or
    None when the call needs the general path (see the module docstring).

    Every step counts here (a 100 x 3 call is a few microseconds): lengths by ``len``, no
    window arithmetic and no slicing for mode='full', one pass over the output.
    """
    if type(in1) is not np.ndarray or type(in2) is not np.ndarray or in1.ndim != 1 or in2.ndim != 1:
        return None
    dtype = in1.dtype
    if in2.dtype != dtype or dtype not in _FLOATING or type(mode) is not str or mode not in _MODES:
        return None
    if type(method) is not str or method not in _METHODS:
        return None
    n1, n2 = len(in1), len(in2)
    taps = min(n1, n2)
    if taps == 0 or taps > _MAX_TAPS:
        return None
    # at most the general path's own estimate of result, window and copies (_plan)
    if not memory.fits(8 * (n1 + n2) * dtype.itemsize):
        return None
    real = dtype.kind != "c"
    a, b = in1, in2
    if function == "correlate":
        b = b[::-1] if real else b[::-1].conj()
    if mode == "full":
        if n1 * taps >= _MAX_WORK_1D:
            return None
        if n2 > n1:
            a, b = b, a  # the general path loops over the taps of the smaller input
        # _direct_numpy.full_piece of the whole full convolution, without its bookkeeping
        out = _direct_numpy.correlate(a, b[::-1], "full") if real else np.convolve(a, b)
    else:
        if mode == "valid" and n2 > n1:  # scipy's swap: the larger input comes first
            a, b, n1, n2 = b, a, n2, n1
        start, length = windows.axis_window(n1, n2, mode)
        if length * taps >= _MAX_WORK_1D:
            return None
        if n2 > n1:
            a, b = b, a
        out = _direct_numpy.full_piece(a, b, start, start + length)
    # isfinite sets no floating-point flag (no warning or error under the caller's
    # errstate); count_nonzero costs a fraction of a reduction's ``all()``
    if np.count_nonzero(np.isfinite(out)) != len(out):
        return None  # overflow or non-finite data: the general path decides
    return out


def recipe_2d(function: str, in1: Any, in2: Any, mode: Any, boundary: Any, fillvalue: Any) -> Recipe | None:
    """The general planner's recipe for a small 2-D float ``function`` ('convolve2d' or
    'correlate2d') call, or None when the call needs the general path (module docstring)."""
    dtype = _plain_pair(in1, in2, 2, mode)
    if dtype is None or type(boundary) is not str or boundary not in validation.BOUNDARIES:
        return None
    if type(fillvalue) not in (int, float) or fillvalue != 0:
        return None  # a nonzero fill extends the input: left to the planner
    s1, s2 = in1.shape, in2.shape
    if 0 in s1 or 0 in s2:
        return None
    ordered = _valid_order(s1, s2, (0, 1), mode)
    if ordered is None:
        return None
    s1, s2, swapped = ordered
    region = tuple(windows.axis_window(s1[ax], s2[ax], mode, centre_up=(function == "correlate2d")) for ax in (0, 1))
    outputs = region[0][1] * region[1][1]
    window = (region[0][1] + s2[0] - 1) * (region[1][1] + s2[1] - 1)
    taps = min(s1[0], s2[0]) * min(s1[1], s2[1]) if boundary == "fill" else s2[0] * s2[1]
    if outputs * taps >= _direct_numpy.PARALLEL_WORK:
        return None  # threads: not a small call
    # at least the general path's estimate: result, window, scratch and output copies
    if not memory.fits((4 * outputs + window) * dtype.itemsize):
        return None
    if not _sums_stay_finite(in1, in2, dtype, taps):
        return None
    a, b = in1, in2
    if function == "correlate2d":
        b = b[::-1, ::-1].conj() if dtype.kind == "c" else b[::-1, ::-1]
    if swapped:
        a, b = b, a
    rule = _dtypes.convolve_rule(dtype, dtype)
    canonical = validation.BOUNDARIES[boundary]
    plan = Plan(method="direct", terms=taps, fft_shape=None, overlaps=1, dtype=rule.result, exact=False)
    axes = tuple(ax for ax in (0, 1) if s1[ax] != 1 and s2[ax] != 1)
    recipe = Recipe(
        plan, function, numpy_namespace, a, b, rule, axes, region, canonical, 0.0 if canonical == "fill" else 0
    )
    if canonical == "fill":
        recipe.factors = separable_kernel(recipe)
    return recipe


def recipe_fft(function: str, in1: Any, in2: Any, mode: Any, axes: Any) -> Recipe | None:
    """The general planner's recipe for a small ``function`` ('fftconvolve' or
    'oaconvolve') call on plain float arrays convolved along every axis, or None when the
    call needs the general path (module docstring)."""
    if axes is not None or type(in1) is not np.ndarray:
        return None
    dtype = _plain_pair(in1, in2, in1.ndim, mode)
    if dtype is None:
        return None
    s1, s2 = in1.shape, in2.shape
    if not s1 or min(s1) < 2 or min(s2) < 2:
        return None  # zero-rank, empty, or an axis that broadcasts
    axes_list = tuple(range(in1.ndim))
    ordered = _valid_order(s1, s2, axes_list, mode)
    if ordered is None:
        return None
    s1, s2, swapped = ordered
    region = tuple(windows.axis_window(s1[ax], s2[ax], mode) for ax in axes_list)
    real = dtype.kind != "c"
    fft_shape = _fft.transform_shape(s1, s2, axes_list, region, real=real)
    points = math.prod(fft_shape)
    if points >= _SMALL_TRANSFORM or not memory.fits(8 * (points + math.prod(s1) + math.prod(s2)) * dtype.itemsize):
        return None
    if not _sums_stay_finite(in1, in2, dtype, 1, (math.prod(s1), math.prod(s2), points)):
        return None
    a, b = (in2, in1) if swapped else (in1, in2)
    rule = _dtypes.fftconvolve_rule(dtype, dtype)
    recipe = Recipe(None, function, numpy_namespace, a, b, rule, axes_list, region)  # type: ignore[arg-type]
    recipe.fft_lengths = dict(zip(axes_list, fft_shape))
    method = "fft"
    if function == "oaconvolve":
        for ax in axes_list:
            blocks = _overlap_add.locality_blocks(s1[ax], s2[ax])
            if blocks is not None:
                recipe.blocks[ax] = blocks
        if recipe.blocks:
            method = "oa"
    recipe.plan = Plan(
        method=method,
        terms=math.prod(min(n, k) for n, k in zip(s1, s2)),
        fft_shape=reported_fft_shape(recipe, method),
        overlaps=overlaps(recipe) if method == "oa" else 1,
        dtype=rule.result,
        exact=False,
    )
    return recipe


def _valid_order(s1: tuple, s2: tuple, axes: tuple, mode: str) -> tuple[tuple, tuple, bool] | None:
    """The shapes in the planner's order (mode='valid' puts the larger first) and whether
    they swapped; None where neither is the larger (the general path raises its error)."""
    if mode != "valid":
        return s1, s2, False
    try:
        swapped = validation.valid_swap_needed(s1, s2, axes)
    except ValueError:
        return None
    return (s2, s1, True) if swapped else (s1, s2, False)


def _sums_stay_finite(
    in1: np.ndarray, in2: np.ndarray, dtype: np.dtype, terms: int, transform: tuple[int, int, int] | None = None
) -> bool:
    """True when both inputs are finite and no sum of ``terms`` products can overflow
    (:func:`convalg.signal._ranges.overflow_scale` is 0), nor any FFT intermediate when
    ``transform`` gives the two input sizes and the transform's points
    (:func:`convalg.signal._ranges.fft_overflow_scales` is (0, 0)), shown by ``sum |x|**2``."""
    with np.errstate(all="ignore"):  # an overflowing sum of squares only means "not shown"
        squares = (np.vdot(in1, in1).real, np.vdot(in2, in2).real)
    if not (math.isfinite(squares[0]) and math.isfinite(squares[1])):
        return False
    # max|x| <= ||x||_2; the factor 2 covers the rounding of the sum and the square root
    # (Python floats: the range rules compare them without a NumPy overflow warning)
    largest = (2.0 * math.sqrt(float(squares[0])), 2.0 * math.sqrt(float(squares[1])))
    if transform is not None:
        return _ranges.fft_overflow_scales(largest, transform[:2], transform[2], dtype) == (0, 0)
    return _ranges.overflow_scale(largest, terms, dtype) == 0
