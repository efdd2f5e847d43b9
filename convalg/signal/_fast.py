"""The small-call fast paths: plain NumPy arrays, planned without the general planner.

A call in a loop over short signals or small images spends most of its time in the general
planning of :mod:`convalg.signal._plan` (namespace detection, range analysis, the cost
model, the memory guard, the dtype rules), all of which has a known answer for such a call:

* two plain ``numpy.ndarray`` inputs (exact type: no subclass, no other library) of
  native numeric dtypes: for the direct functions (1-D and 2-D), pairs whose rule computes
  in the result dtype (:data:`_COMPUTE_1D`: floating, or exact int64 where the sums provably
  fit); for the FFT functions any pair, integers transformed as float64 (:data:`_FFT_COMPUTE`);
* arguments that are not plainly valid (a mode that is not one of the three strings, a
  non-zero ``fillvalue``, empty inputs, a 'valid' call neither of whose inputs is the larger)
  are left to the general path, so every error is the general path's error.

1-D ``convolve``/``correlate`` (:func:`convolve_1d`): when the modelled direct cost is
below the fixed cost of any transform (:data:`convalg.signal._choose.FFT_CALL`)
method='auto' picks 'direct', and with less work than
:data:`convalg.signal._direct_numpy.PARALLEL_WORK` the direct method runs on one thread:
NumPy's C correlation loop, or the planner's BLAS rows where its cost model picks them
(finite floating data, many taps). For every mode scipy itself hands to
``numpy.convolve``/``numpy.correlate`` the loop runs on the inputs as they are.
Integers are summed in int64 when ``taps * max|in1| * max|in2| < 2**63`` (from the dtypes
for 8- and 16-bit integers, else from the data's extremes), so no sum can wrap; any other
integer call is left to the planner's range analysis. For floating data, range analysis
only matters when a sum overflows (a non-finite output), and NaN or Inf in an input only
matters to the FFT methods, which are not chosen here, and to the BLAS rows (their band's
zeros times an Inf are NaN). Every input element reaches some output of every mode taken
here, so a non-finite input gives a non-finite output. So the outputs are checked instead
of the inputs: an all-finite result (one pass) is the general path's result, and any other
result is thrown away and the call re-planned in full, so overflow rescue, NaN locality
and every other rule stay where they are.

Small N-D calls (2-D and up) with the zero boundary (:func:`convolve_nd`): NumPy's direct engine
(:func:`convalg.signal._direct_numpy.numpy_nd`) is called on the planner's operands
without a recipe, where the planner's recipe is known: one 1-D correlation of the
flattened window with the spread kernel where that pays (the planner does not factor such
kernels), else the engine's kernel rows for a kernel that is neither separable nor has a
row of zeros. Its output is checked as on the 1-D path. The public N-D calls ask
:func:`direct_nd`, which tries this and then :func:`recipe_nd` after one set of checks.

``convolve2d``/``correlate2d``, and ``convolve``/``correlate`` of N-D inputs with
method='direct' or where 'auto' surely picks it (:func:`recipe_nd`): what the planner
decides from the data is whether the inputs are finite and whether a sum
could overflow (integers: the bound of the 1-D path). For floats the planner's own
magnitudes settle both (:func:`convalg.signal._ranges.magnitudes`: ``2 ||x||_2`` from one
BLAS pass for small inputs where that shows as much, else the exact maxima), for
:func:`convalg.signal._ranges.overflow_scale`. When that bound proves no sum can overflow
the call gets the recipe the planner would build (the same engine, separable factors
included) and runs through the same :func:`convalg.signal._api.execute`; otherwise
(non-finite data, huge values, a call that needs threads or a closer look at memory) it
is left to the general path.
"""

from __future__ import annotations

import functools
import math
from typing import Any, NamedTuple

import array_api_compat.numpy as numpy_namespace
import numpy as np

from convalg._runtime import memory, scratch, validation, windows
from convalg.signal import _choose, _direct_numpy, _dtypes, _exact_fft, _fft, _overlap_add, _ranges
from convalg.signal._plan import (
    Plan,
    Recipe,
    cheapest_transform,
    floats_are_exact,
    numpy_direct_cost,
    prepare,
    separable_factors,
)
from convalg.signal._plan import _check_memory as check_memory
from convalg.signal._plan import _overlaps as overlaps  # the planner's own rules, as it applies them
from convalg.signal._plan import _reported_fft_shape as reported_fft_shape
from convalg.signal._plan import _separable as separable_kernel
from convalg.signal._plan import _spread_pays as spread_pays

_MODES = ("full", "same", "valid")
_FUNCTIONS_2D = ("convolve2d", "correlate2d")
_REVERSED = slice(None, None, -1)
_ENVIRONMENT, _LIMIT_KEY, _ALWAYS_FITS = memory.ENVIRONMENT, memory.LIMIT_KEY, memory.ALWAYS_FITS
_METHODS = ("auto", "direct")
# the C functions, bound once: a module attribute lookup is a noticeable part of a small call
_correlate = _direct_numpy.correlate
_count_nonzero = _direct_numpy.count_nonzero
_isfinite = np.isfinite
#: Multiply-adds (1-D: ``(n1 + n2) * taps``) from which exact integer sums run in float64
#: (where :func:`convalg.signal._plan.floats_are_exact`): measured, NumPy's int64 loop
#: against float64 with the three conversions, 1000 x 3 5.2 / 4.7 us, 100 x 3 1.4 / 2.4 us.
_FLOAT_WORK_1D = 3000
#: The BLAS rows of the direct method start above this many taps (``_choose.use_blas_1d``).
_MAX_TAPS = 15
#: Transform points from which an FFT call gets the planner's own memory estimate
#: (:func:`convalg.signal._plan._check_memory`), and the most it takes at all.
_SMALL_TRANSFORM = _fft.PARALLEL_LENGTH
_MAX_TRANSFORM = 1 << 22
#: Multiply-adds below which 1-D 'auto' is sure to be direct on one thread: the modelled
#: direct cost stays below ``FFT_CALL`` (with a margin for the rounding of the model's sum);
#: from there to ``_PARALLEL_WORK`` (threads) the planner's costs decide
#: (:func:`_auto_is_direct_1d`).
_PARALLEL_WORK = _direct_numpy.PARALLEL_WORK
_MAX_WORK_1D = min(
    _direct_numpy.PARALLEL_WORK, int(0.99 * (_choose.FFT_CALL - _choose.DIRECT_1D_CALL) / _choose.DIRECT_1D_MAC)
)


def _dtype_table() -> dict[tuple[np.dtype, np.dtype], tuple[np.dtype, str, bool]]:
    """The computing dtype, its kind, and whether both inputs have it, of each pair of input
    dtypes the direct fast paths take: those whose rule
    (:func:`convalg.signal._dtypes.convolve_rule`) computes in the result dtype, a floating
    one or exact int64 (bool, float16, uint64 and objects are left to the planner)."""
    table: dict[tuple[np.dtype, np.dtype], tuple[np.dtype, str, bool]] = {}
    for d1 in _TABLE_DTYPES:
        for d2 in _TABLE_DTYPES:
            rule = _dtypes.convolve_rule(d1, d2)
            if rule.compute == rule.result and rule.compute.kind in "fci":
                table[d1, d2] = (rule.compute, rule.compute.kind, d1 == d2 == rule.compute)
    return table


_TABLE_DTYPES = [np.dtype(t) for t in "fdFD" + "bhilqBHI"]
_COMPUTE_1D = _dtype_table()
#: The transforms' dtype (:func:`convalg.signal._dtypes.fftconvolve_rule`) of each pair of
#: the table's dtypes: floating inputs keep their dtype, integers are transformed as float64.
_FFT_COMPUTE = {
    (d1, d2): _dtypes.fftconvolve_rule(d1, d2).compute
    for d1 in _TABLE_DTYPES + [np.dtype("Q")]
    for d2 in _TABLE_DTYPES + [np.dtype("Q")]
}
#: The largest magnitude of each integer dtype of the table, where it is small enough to
#: bound every sum without looking at the data (taps * 2**16 * 2**16 < 2**63).
_SMALL_INTEGER_BOUND = {d: max(-int(np.iinfo(d).min), int(np.iinfo(d).max)) for d in _TABLE_DTYPES if d.itemsize <= 2}


def _largest(x: np.ndarray) -> int:
    """``max |x|`` of an integer array (a Python int): from its dtype when that is small, else
    from its two extremes."""
    bound = _SMALL_INTEGER_BOUND.get(x.dtype)
    return bound if bound is not None else _magnitude(x)


def _magnitude(x: np.ndarray) -> int:
    """``max |x|`` of an integer array, from its two extremes."""
    return max(-int(np.minimum.reduce(x, axis=None)), int(np.maximum.reduce(x, axis=None)))


def _integer_sums(in1: np.ndarray, in2: np.ndarray, compute: np.dtype, taps: int) -> bool | None:
    """How exact integer sums of ``taps`` products of ``in1`` and ``in2`` run: None where a
    sum might not fit int64 (``taps * max|in1| * max|in2| >= 2**63``), else whether they are
    exact in float64 (:func:`convalg.signal._plan.floats_are_exact`)."""
    largest = (_largest(in1), _largest(in2))
    if taps * largest[0] * largest[1] >= 1 << 63:
        return None
    return floats_are_exact(compute, taps, *largest)


def convolve_1d(function: str, in1: Any, in2: Any, mode: Any, method: Any) -> np.ndarray | None:
    """The result of ``function`` ('convolve' or 'correlate') for a small 1-D call, or None
    when the call needs the general path (see the module docstring).

    Every step counts here (a 100 x 3 call is a few microseconds): lengths by ``len``, one
    dictionary lookup for the dtypes, no window arithmetic, NumPy's own C loop for every
    mode it shares with scipy, and one pass over a floating output.
    """
    if type(in1) is not np.ndarray or type(in2) is not np.ndarray or in1.ndim != 1 or in2.ndim != 1:
        return None
    if type(mode) is not str or mode not in _MODES or type(method) is not str or method not in _METHODS:
        return None
    n1, n2 = len(in1), len(in2)
    taps = n2 if n2 < n1 else n1  # noqa: FURB136 (min() is a call: a tenth of the checks here)
    work = (n1 + n2 - 1) * taps
    if taps == 0 or work >= _PARALLEL_WORK:
        return None
    entry = _COMPUTE_1D.get((in1.dtype, in2.dtype))
    if entry is None:
        return None
    compute, kind, converted = entry
    # at most the general path's own estimate of result, window and copies (_plan); the
    # memory guard's own test for small calls first (memory.fits: no call at all here)
    nbytes = 8 * (n1 + n2) * compute.itemsize
    if (_ENVIRONMENT is None or nbytes >= _ALWAYS_FITS or _LIMIT_KEY in _ENVIRONMENT) and not memory.fits(nbytes):
        return None
    in_floats = False  # exact integer sums in float64
    if kind == "i":
        sums = _integer_sums(in1, in2, compute, taps)
        if sums is None:
            return None  # a sum might not fit int64: the planner's range analysis decides
        in_floats = sums
    if work >= _MAX_WORK_1D and method == "auto" and not _auto_is_direct_1d(n1, n2, mode, kind, in_floats):
        return None  # a transform may be cheaper: the planner decides
    if in_floats and (n1 + n2) * taps >= _FLOAT_WORK_1D:
        # exact in float64, whose loop (and BLAS rows, as the planner's blas_allowed has it)
        # is faster than NumPy's integer one from this work
        return _other_1d(function, in1.astype(np.float64), in2.astype(np.float64), mode, "f").astype(compute)
    if converted:
        a, b = in1, in2
    else:
        a = in1 if in1.dtype is compute else in1.astype(compute)
        b = in2 if in2.dtype is compute else in2.astype(compute)
    if kind == "f" and n2 <= n1 and taps <= _MAX_TAPS:
        # the common case: numpy.correlate is scipy's correlation, and numpy.convolve the
        # correlation with the reversed kernel, for every mode
        out = _correlate(a, b[::-1] if function == "convolve" else b, mode)
    else:
        out = _other_1d(function, a, b, mode, kind)
    # isfinite sets no floating-point flag (no warning or error under the caller's errstate)
    if kind == "i" or _count_nonzero(_isfinite(out)) == len(out):
        return out
    return None  # overflow or non-finite data: the general path decides


class _Certified(NamedTuple):
    """The certified transform the planner chose for an exact integer call (:func:`exact_alike`)."""

    method: str  # 'fft' or 'oa'
    fft_lengths: dict[int, int]
    blocks: dict[int, _overlap_add.AxisBlocks]
    region: tuple[tuple[int, int], ...]
    limb_bits: tuple[int, int]


#: The transforms certified for recent exact integer calls, by :func:`_certified_key`.
_CERTIFIED: dict[tuple, _Certified] = {}
_MAX_CERTIFIED = 64


def _certified_key(function: str, in1: np.ndarray, in2: np.ndarray, mode: str, largest: tuple[int, int]) -> tuple:
    """Calls alike for the planner: the same function, mode, shapes, dtypes and bit
    lengths of ``max|in1|`` and ``max|in2|``."""
    bits = (largest[0].bit_length(), largest[1].bit_length())
    return (function, mode, in1.shape, in2.shape, in1.dtype, in2.dtype, bits)


def exact_alike(function: str, in1: Any, in2: Any, mode: Any, method: Any) -> np.ndarray | Recipe | None:
    """The exact result of an integer ``function`` call ('convolve' or 'correlate',
    method='auto', every axis convolved) by the certified transform the planner chose for
    a call alike (:func:`_certified_key`); else the planner's recipe for it (recorded when
    it is such a transform), or None for the general path.

    The planner's choice for a call of given shapes, dtypes and magnitudes is a costly part
    of a medium call (int64 8000 x 1000: its cost model and the certification of two
    methods, about 90 us of 330; int16 256x256 * 15x15: about 200 us of 1.5 ms). A call
    alike takes its method, blocks and limb widths and goes straight to
    :func:`convalg.signal._exact_fft.certify`, which computes the certificate from this
    call's own spectra as always: should it fail, the general path decides. A sum that
    might not fit int64 (``taps * max|in1| * max|in2| >= 2**63``, the bound of
    :func:`convolve_1d`) is left to the planner's range analysis. Exact results are the same
    by every method, so a choice made for other data of the same magnitudes changes the
    time of a call only.
    """
    if type(in1) is not np.ndarray or type(in2) is not np.ndarray or in1.ndim != in2.ndim or in1.ndim == 0:
        return None
    if type(mode) is not str or mode not in _MODES or method != "auto":
        return None
    entry = _COMPUTE_1D.get((in1.dtype, in2.dtype))
    if entry is None or entry[1] != "i" or min(in1.shape) < 2 or min(in2.shape) < 2:
        return None  # (an axis of length 1 broadcasts or multiplies: not a convolved axis)
    axes = tuple(range(in1.ndim))
    ordered = _valid_order(in1.shape, in2.shape, axes, mode)
    if ordered is None:
        return None  # neither input the larger in 'valid' mode: the general path's error
    # the data's own extremes (not a narrow dtype's): the planner certified from those
    largest = (_magnitude(in1), _magnitude(in2))
    if math.prod(map(min, in1.shape, in2.shape)) * largest[0] * largest[1] >= 1 << 63:
        return None
    key = _certified_key(function, in1, in2, mode, largest)
    known = _CERTIFIED.get(key)
    if known is None:
        recipe = prepare(function, numpy_namespace, in1, in2, mode=mode, method=method)
        transform = recipe.exact_transform
        if transform is not None:
            if len(_CERTIFIED) >= _MAX_CERTIFIED:
                _CERTIFIED.clear()
            certificate = transform.certificate
            _CERTIFIED[key] = _Certified(
                certificate.method, recipe.fft_lengths, recipe.blocks, recipe.region, certificate.limb_bits
            )
        return recipe
    # the planner's operands: in2 flipped for a correlation (integers: no conjugate), the
    # larger input first where 'valid' swaps them
    a, b = in1, (in2[(_REVERSED,) * in2.ndim] if function == "correlate" else in2)
    if ordered[2]:
        a, b, largest = b, a, largest[::-1]
    outputs = math.prod(length for _, length in known.region)
    if not memory.fits(8 * (outputs + in1.size + in2.size)):
        return None  # the result and the inputs' copies: the general path's memory guard
    transform = _exact_fft.certify(
        numpy_namespace,
        a,
        b,
        axes,
        known.fft_lengths,
        known.blocks,
        known.region,
        known.method,
        largest,
        rounds=1,
        limb_bits=known.limb_bits,
    )
    if transform is None:
        _CERTIFIED.pop(key, None)
        return None
    return _exact_fft.execute(transform)


@functools.lru_cache(maxsize=256)  # a loop of calls asks for the same few shapes
def _auto_is_direct_1d(n1: int, n2: int, mode: str, kind: str, float_exact: bool) -> bool:
    """Whether the planner surely picks 'direct' for a 1-D call of finite data (a
    non-finite output is sent back to it) under method='auto' with more work than
    ``_MAX_WORK_1D``: its direct cost (:func:`convalg.signal._plan.estimate_costs`: NumPy's
    loop, or the BLAS rows for floats and exact float64 integer sums) is at most the
    cheaper transform's (:func:`convalg.signal._plan.cheapest_transform`, a lower bound of
    a certified one's for exact integers). An input of length 1 is no convolved axis for
    the planner (its transforms are then a product): left to it."""
    if n1 == 1 or n2 == 1:
        return False
    s1, s2 = ((n2,), (n1,)) if mode == "valid" and n2 > n1 else ((n1,), (n2,))  # the planner's order
    region = (windows.axis_window(s1[0], s2[0], mode),)
    blas = kind in "fc" or float_exact
    cost = numpy_direct_cost((min(n1, n2),), (region[0][1],), None, kind == "c", blas)
    return cost <= cheapest_transform(s1, s2, region, kind == "c", exact_1d=kind == "i")


def _other_1d(function: str, a: np.ndarray, b: np.ndarray, mode: str, kind: str) -> np.ndarray:
    """:func:`convolve_1d`'s result for complex and integer data, the longer second input,
    and the BLAS rows."""
    n1, n2 = len(a), len(b)
    if function == "correlate" and n2 > n1:
        # the convolution with the reversed conjugate, which loops over in1 (numpy.correlate
        # would reverse the products' order): correlate(a, b) is convolve(a, flip(conj(b)))
        # to the last bit, as on the general path
        b = b[::-1].conj() if kind == "c" else b[::-1]
        function = "convolve"
    if min(n1, n2) > _MAX_TAPS and kind != "i" and (out := _blas_rows(function, a, b, mode)) is not None:
        return out
    if mode == "same" and n2 > n1:
        # numpy's 'same' keeps the longer input's length, scipy's in1's: scipy's window of
        # the full convolution, with the longer input first (the general path's operands)
        start = windows.axis_window(n1, n2, "same")[0]
        return _direct_numpy.full_piece(b, a, start, start + n1)
    if function == "correlate":
        return _correlate(a, b, mode)  # scipy's correlation (in2 conjugated)
    if kind == "c":
        return np.convolve(a, b, mode)  # type: ignore[call-overload]  # mode: one of the three
    if n2 > n1:
        a, b = b, a  # numpy.convolve's swap ('full' and 'valid' are symmetric)
    return _correlate(a, b[::-1], mode)


def _blas_rows(function: str, a: np.ndarray, b: np.ndarray, mode: str) -> np.ndarray | None:
    """The direct method as :func:`convalg.signal._direct_numpy.numpy_blas_1d` runs it for
    the general path, on the same operands: the reversed conjugate second input of a
    correlation, scipy's 'valid' swap, the longer input first; None where the planner's cost
    model (:func:`convalg.signal._choose.use_blas_1d`) picks NumPy's loop instead. Its inputs
    must be finite (the zeros of the band times an Inf are NaN): a non-finite output sends
    the call back."""
    if function == "correlate":
        b = b[::-1].conj() if b.dtype.kind == "c" else b[::-1]
    n1, n2 = len(a), len(b)
    if mode == "valid" and n2 > n1:
        a, b, n1, n2 = b, a, n2, n1
    region = (windows.axis_window(n1, n2, mode),)
    if not _choose.use_blas_1d(region[0][1], min(n1, n2), a.dtype.kind == "c"):
        return None
    if n2 > n1:
        a, b = b, a
    return _direct_numpy.numpy_blas_1d(a, b, region)


class _DirectCall(NamedTuple):
    """A small N-D direct call as the planner sees it (:func:`_direct_call`)."""

    a: np.ndarray  # the planner's operands: in1 and in2 in the computing dtype, in2 reversed
    b: np.ndarray  # (and conjugated) for a correlation, swapped where 'valid' swaps them
    region: tuple[tuple[int, int], ...]
    taps: int
    compute: np.dtype
    boundary: str  # the canonical name
    float_exact: bool  # int64 sums exact in float64 (_plan.floats_are_exact)


@functools.lru_cache(maxsize=256)  # a loop of small calls asks for the same few shapes
def _direct_shapes(
    s1: tuple[int, ...], s2: tuple[int, ...], mode: str, centre_up: bool, fill: bool
) -> tuple[tuple[tuple[int, int], ...], bool, int, int] | None:
    """What a small N-D direct call's shapes decide: its region (in the planner's order of
    the inputs), whether 'valid' swaps them, the terms per output and the elements the
    general path's memory estimate counts (result, window, scratch, output and input
    copies); None for empty inputs, 'valid' with neither input the larger, and calls with
    the work of threads."""
    if 0 in s1 or 0 in s2:
        return None
    ordered = _valid_order(s1, s2, tuple(range(len(s1))), mode)
    if ordered is None:
        return None
    s1, s2, swapped = ordered
    region = tuple(windows.axis_window(n, k, mode, centre_up=centre_up) for n, k in zip(s1, s2))
    outputs = math.prod(length for _, length in region)
    window = math.prod(length + k - 1 for (_, length), k in zip(region, s2))
    taps = math.prod(map(min, s1, s2)) if fill else math.prod(s2)
    if outputs * taps >= _direct_numpy.PARALLEL_WORK:
        return None  # threads: not a small call
    return region, swapped, taps, 4 * outputs + window + math.prod(s1) + math.prod(s2)


def _direct_call(
    function: str, in1: Any, in2: Any, mode: Any, boundary: Any, fillvalue: Any, method: Any
) -> _DirectCall | None:
    """The checks that both N-D fast paths share, and the call's operands, or None when the
    call needs the general path (module docstring): inputs of the same rank, 2-D for
    convolve2d/correlate2d and at least 2-D for convolve/correlate."""
    if type(method) is not str or method not in _METHODS:
        return None
    if type(in1) is not np.ndarray or type(in2) is not np.ndarray or in1.ndim != in2.ndim or in1.ndim < 2:
        return None
    if in1.ndim != 2 and function in _FUNCTIONS_2D:
        return None
    entry = _COMPUTE_1D.get((in1.dtype, in2.dtype))
    if entry is None or type(mode) is not str or mode not in _MODES:
        return None
    if type(boundary) is not str or boundary not in validation.BOUNDARIES:
        return None
    if type(fillvalue) not in (int, float) or fillvalue != 0:
        return None  # a nonzero fill extends the input: left to the planner
    shapes = _direct_shapes(in1.shape, in2.shape, mode, function == "correlate2d", boundary == "fill")
    if shapes is None:
        return None
    region, swapped, taps, elements = shapes
    compute, kind, _ = entry
    if not memory.fits(elements * compute.itemsize):
        return None
    float_exact = False
    if kind == "i":
        in_floats = _integer_sums(in1, in2, compute, taps)
        if in_floats is None:
            return None  # a sum might not fit int64: the planner's range analysis decides
        float_exact = in_floats
    # in the computing dtype (the engines' operands)
    a = in1 if in1.dtype is compute else in1.astype(compute)
    b = in2 if in2.dtype is compute else in2.astype(compute)
    if function in ("correlate2d", "correlate"):
        b = b[(_REVERSED,) * b.ndim]
        b = b.conj() if kind == "c" else b
    if swapped:
        a, b = b, a
    return _DirectCall(a, b, region, taps, compute, validation.BOUNDARIES[boundary], float_exact)


def _auto_is_direct(call: _DirectCall, kernel: tuple[int, ...], factors: list | None) -> bool:
    """Whether the planner surely picks 'direct' under method='auto': its direct cost
    (:func:`convalg.signal._plan.estimate_costs`, for finite data: a non-finite call is
    sent back to it) is at most the cheaper transform's
    (:func:`convalg.signal._plan.cheapest_transform`, a lower bound of a certified one's
    for exact integers) where both axes are convolved, else below the fixed cost of any
    transform."""
    lengths = tuple(length for _, length in call.region)
    complex_data = call.compute.kind == "c"
    cost = numpy_direct_cost(kernel, lengths, factors, complex_data, blas=False)
    if cost < _choose.FFT_CALL:
        return True
    s1, s2 = call.a.shape, call.b.shape
    if 1 in s1 or 1 in s2:
        return False  # an axis that broadcasts: a batch of transforms
    return cost <= cheapest_transform(s1, s2, call.region, complex_data)


def direct_nd(
    function: str, in1: Any, in2: Any, mode: Any, boundary: Any = "fill", fillvalue: Any = 0, method: Any = "direct"
) -> np.ndarray | Recipe | None:
    """A small N-D direct call's result (:func:`convolve_nd`), else its recipe
    (:func:`recipe_nd`), else None: the two N-D fast paths after one set of checks."""
    call = _direct_call(function, in1, in2, mode, boundary, fillvalue, method)
    if call is None:
        return None
    out = _engine_result(call, method)
    return out if out is not None else _recipe(call, function, in1, in2, method)


def convolve_nd(
    function: str, in1: Any, in2: Any, mode: Any, boundary: Any = "fill", fillvalue: Any = 0, method: Any = "direct"
) -> np.ndarray | None:
    """The result of a small N-D ``function`` call (the functions of :func:`recipe_nd`) with
    the zero boundary, from NumPy's direct engine without a recipe, or None for a call that
    needs one (:func:`recipe_nd`) or the general path.

    The planner's recipe for such a call is known: the engine
    (:func:`convalg.signal._direct_numpy.numpy_nd`) runs on the same operands, as one
    correlation of the flattened window with the spread kernel where
    :func:`~convalg.signal._direct_numpy.spread_pays` (the planner does not factor those
    kernels), else by kernel rows, for a kernel that is not separable
    (:func:`convalg.signal._plan.separable_factors`) and has no row of zero taps (so that no
    row is skipped: every input element of the window meets a nonzero tap in some output).
    Finite data is the engine's condition; as on the 1-D path the output is checked instead
    of the inputs, and any non-finite result is left to the general path. A NaN or Inf
    outside the window of every kept output ('same' and 'valid' crop) is never read here:
    the outputs are then finite, within the direct bound, while the general path, which
    sees data that is not finite, sums them with its generic engine in another order.
    """
    call = _direct_call(function, in1, in2, mode, boundary, fillvalue, method)
    return None if call is None else _engine_result(call, method)


def _no_zero_row(kernel: np.ndarray) -> bool:
    """Whether every row of an N-D kernel (all but its last index fixed) has a nonzero tap:
    then the engine skips no row (it may skip zero rows for finite data), so a NaN or Inf
    in the window reaches an output on the fast path as on the general one."""
    if _count_nonzero(kernel) == kernel.size:
        return True
    return all(_count_nonzero(row) for row in kernel.reshape(-1, kernel.shape[-1]))


def _engine_result(call: _DirectCall, method: str) -> np.ndarray | None:
    if call.boundary != "fill":
        return None
    a, b = (call.b, call.a) if call.b.size > call.a.size else (call.a, call.b)  # the engine's swap
    lengths = tuple(length for _, length in call.region)
    if method == "auto" and not _auto_is_direct(call, b.shape, None):
        return None
    spread = _direct_numpy.spread_pays(b.shape, lengths)
    if not spread and not (_no_zero_row(b) and separable_factors(a, b, call.compute) is None):
        return None  # separable passes, or a row of zero taps the engine may skip: the recipe
    if call.float_exact and math.prod(lengths) * call.taps >= _FLOAT_WORK_1D:
        # exact in float64 (as execute computes them), faster from this work on
        a, b = a.astype(np.float64), b.astype(np.float64)
    if spread:
        # numpy_nd's one-slab spread branch without its bookkeeping (numpy_nd itself takes
        # 0.85 us more, a tenth of an 8x8 * 3x3 call): the same window, engine and copy
        window = _direct_numpy.fill_window(a, b.shape, call.region)
        out = _direct_numpy.spread_correlation(window, b, lengths).copy()
    else:
        out = _direct_numpy.numpy_nd(a, b, call.region, skip_zero_taps=True, finite=True)
    if call.compute.kind == "i":
        return out.astype(call.compute, copy=False)
    if _count_nonzero(_isfinite(out)) == out.size:
        return out
    return None  # overflow or non-finite data: the general path decides


def recipe_nd(
    function: str, in1: Any, in2: Any, mode: Any, boundary: Any = "fill", fillvalue: Any = 0, method: Any = "direct"
) -> Recipe | None:
    """The general planner's recipe for a small direct ``function`` call, or None when
    the call needs the general path (module docstring).

    ``function`` is 'convolve2d' or 'correlate2d' (2-D inputs), or 'convolve' or
    'correlate' on inputs of two or more dimensions (boundary 'fill' with zero fill, their
    only boundary). Those take ``method``: 'auto' is taken only where the modelled direct
    cost is at most every transform's, so that the planner is sure to pick 'direct' too.
    """
    call = _direct_call(function, in1, in2, mode, boundary, fillvalue, method)
    return None if call is None else _recipe(call, function, in1, in2, method)


def _recipe(call: _DirectCall, function: str, in1: np.ndarray, in2: np.ndarray, method: str) -> Recipe | None:
    a, b, compute = call.a, call.b, call.compute
    if compute.kind != "i" and not _sums_stay_finite(a, b, compute, call.taps):
        return None
    rule = _dtypes.convolve_rule(in1.dtype, in2.dtype)
    plan = Plan(method="direct", terms=call.taps, fft_shape=None, overlaps=1, dtype=rule.result, exact=rule.exact)
    axes = tuple(ax for ax in range(in1.ndim) if in1.shape[ax] != 1 and in2.shape[ax] != 1)
    fill = 0.0 if call.boundary == "fill" else 0
    recipe = Recipe(plan, function, numpy_namespace, a, b, rule, axes, call.region, call.boundary, fill)
    recipe.float_exact = call.float_exact
    if call.boundary == "fill" and not spread_pays(recipe):
        recipe.factors = separable_kernel(recipe)
    if method == "auto" and not _auto_is_direct(call, b.shape if b.size <= a.size else a.shape, recipe.factors):
        return None
    return recipe


def recipe_fft(function: str, in1: Any, in2: Any, mode: Any, axes: Any) -> Recipe | None:
    """The general planner's recipe for a ``function`` ('fftconvolve' or 'oaconvolve') call
    on plain numeric arrays convolved along every axis, of fewer than ``_MAX_TRANSFORM``
    transform points, or None when the call needs the general path (module docstring).
    Integers are transformed as float64, as scipy and the planner transform them. From
    ``_SMALL_TRANSFORM`` points (where the transforms use a second core) the planner's own
    memory estimate is checked too."""
    if axes is not None or type(in1) is not np.ndarray or type(in2) is not np.ndarray or in1.ndim != in2.ndim:
        return None
    dtype = _FFT_COMPUTE.get((in1.dtype, in2.dtype))
    if dtype is None or type(mode) is not str or mode not in _MODES:
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
    if points >= _MAX_TRANSFORM or not memory.fits(8 * (points + math.prod(s1) + math.prod(s2)) * dtype.itemsize):
        return None
    in1, in2 = scratch.astype(in1, dtype), scratch.astype(in2, dtype)  # within the memory checked
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
    if points >= _SMALL_TRANSFORM:  # the planner's estimate and error where it may matter
        check_memory(recipe, method, tuple(length for _, length in region))
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
    (:func:`convalg.signal._ranges.fft_overflow_scales` is (0, 0)), shown by the planner's
    own magnitudes (:func:`convalg.signal._ranges.magnitudes`: a one-pass bound for small
    inputs where it shows as much, else the exact maxima)."""
    points = None if transform is None else transform[2]
    first, second = _ranges.magnitudes(numpy_namespace, in1, in2, dtype, terms, points)
    if not (first.finite and second.finite):
        return False
    largest = (first.largest, second.largest)
    if transform is not None:
        return _ranges.fft_overflow_scales(largest, transform[:2], transform[2], dtype) == (0, 0)
    return _ranges.overflow_scale(largest, terms, dtype) == 0
