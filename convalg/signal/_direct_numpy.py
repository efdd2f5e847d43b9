"""NumPy-only fast paths of the direct method, each tested against the generic path.

* :func:`numpy_1d`: ``numpy.convolve`` (a compiled dot-product loop) of just the input
  each output piece reads, pieces spread over the idle cores;
* :func:`numpy_blas_1d`: for finite floating data, small matrix products of Toeplitz rows
  (BLAS), chosen by the cost model in ``_choose`` when cheaper;
* :func:`numpy_nd`: N-D shifted accumulation in place, in cache-sized slabs, spread over
  the idle cores.

They compute the same sums as :func:`convalg.signal._direct.shifted_accumulation` (the
same products; only the summation order may differ, which the direct error bound covers).
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable
from typing import Any, Literal, NamedTuple

import numpy as np

from convalg._runtime.parallel import parallel_map, workers
from convalg.signal._direct import Region, window

#: ``numpy.correlate``: the C function behind its dispatch layer, which costs a tenth of a
#: small call (the public function where NumPy keeps it elsewhere, as NumPy 1.x does)
correlate: Callable[..., np.ndarray] = getattr(
    getattr(getattr(np, "_core", None), "multiarray", None), "correlate2", np.correlate
)
#: ``numpy.count_nonzero`` of a whole array: the C function behind its dispatch layer
count_nonzero: Callable[[np.ndarray], int] = getattr(
    getattr(getattr(np, "_core", None), "multiarray", None), "count_nonzero", np.count_nonzero
)


def _numpy_namespace():
    import array_api_compat.numpy

    return array_api_compat.numpy


def numpy_1d(a: np.ndarray, b: np.ndarray, region: Region, *, boundary="fill", fillvalue=0):
    """NumPy fast path for 1-D: ``numpy.convolve`` of the window with the kernel.

    Long outputs are split into one piece per core, computed in the shared thread pool
    (``numpy.convolve`` releases the GIL).
    """
    ((start, length),) = region
    k = b.shape[0]
    pieces = [(start + lo, start + hi) for lo, hi in _pieces(length, length * k, PARALLEL_WORK)]
    if boundary == "fill" and fillvalue == 0:
        # no window copy: each piece convolves just the input it reads, zeros are implicit
        def piece_of_full(piece: tuple[int, int]) -> np.ndarray:
            return full_piece(a, b, *piece)
    else:
        win = np.asarray(window(_numpy_namespace(), a, b.shape, region, boundary, fillvalue))

        def piece_of_full(piece: tuple[int, int]) -> np.ndarray:
            lo, hi = piece[0] - start, piece[1] - start
            return np.convolve(win[lo : hi + k - 1], b, mode="valid")

    if len(pieces) == 1:
        return piece_of_full(pieces[0])  # small work: no thread decision at all
    return np.concatenate(parallel_map(piece_of_full, pieces))


def full_piece(a: np.ndarray, b: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Outputs ``lo .. hi-1`` of the full 1-D convolution of ``a`` and ``b`` (``b`` the
    shorter): one ``numpy.convolve`` of just the input they read (the zero padding stays
    implicit), without slicing for a whole full convolution, in 'valid' mode for outputs
    that read all of ``b`` (no edge outputs computed to be thrown away).
    """
    n, k = len(a), len(b)
    crop = None
    mode: Literal["full", "valid"]
    if lo == 0 and hi == n + k - 1:
        segment, mode = a, "full"
    elif k - 1 <= lo and hi <= n:
        segment, mode = a[lo - k + 1 : hi], "valid"
    else:
        first = max(0, lo - k + 1)
        segment, mode, crop = a[first : min(n, hi)], "full", slice(lo - first, hi - first)
    out = _convolve_1d(segment, b, mode)
    return out if crop is None else out[crop]


def _convolve_1d(a: np.ndarray, b: np.ndarray, mode: Literal["full", "valid"]) -> np.ndarray:
    """``numpy.convolve(a, b, mode)`` with ``len(a) >= len(b)``; real numbers through
    ``numpy.correlate``'s C function with ``b`` reversed: the same loop (the same products
    in the same order) without ``numpy.convolve``'s Python-level argument handling, a
    third of a small call."""
    if a.dtype.kind in "fiu" and b.dtype.kind in "fiu":
        return correlate(a, b[::-1], mode)
    return np.convolve(a, b, mode)


def toeplitz_block(k: int) -> int:
    """Row length ``B`` of :func:`numpy_blas_1d` for a kernel of length ``k`` (measured best)."""
    return 16 if k <= 200 else 32


def numpy_blas_1d(a: np.ndarray, b: np.ndarray, region: Region) -> np.ndarray:
    """NumPy fast path for 1-D floating data: the convolution as small matrix products (BLAS).

    The window ``w`` (length ``L + k - 1``) is cut into rows of ``B`` samples. Output row
    ``i`` (outputs ``iB .. iB+B-1``) reads window rows ``i .. i+R`` with
    ``R = ceil((k - 1) / B)``, so ``out = sum_r W[r : r + rows] @ M_r`` where ``M_r`` is the
    ``B x B`` slice of the banded Toeplitz matrix of the kernel that meets row ``r``. Every
    operand is a contiguous slice of the reshaped window (no copies), and the products are
    cut into chunks small enough (``m B^2 < 2**18``, a quarter of that for complex data)
    that OpenBLAS keeps each on one thread: a busy machine does not stall on BLAS threads.

    The band's zeros give exact zero products, so each output is the same sum of ``k``
    products as the direct method; the inputs must be finite (``0 * inf`` is NaN).
    """
    ((start, length),) = region
    k = b.shape[0]
    block = toeplitz_block(k)
    reach = -(-(k - 1) // block)
    rows_out = -(-length // block)
    total = rows_out + reach
    win = np.zeros(total * block, dtype=np.result_type(a, b))
    # the window (input positions start-k+1 .. start+length-1, zero outside) written in place
    first, n = start - k + 1, a.shape[0]
    lo, hi = max(first, 0), min(start + length, n)
    win[lo - first : hi - first] = a[lo:hi]
    rows = win.reshape(total, block)
    taps = b[::-1]
    t = np.arange(block)[:, None]
    offset = np.arange((reach + 1) * block)[None, :] - t
    band = np.where((offset >= 0) & (offset < k), taps[np.clip(offset, 0, k - 1)], 0).astype(win.dtype)
    matrices = [np.ascontiguousarray(band[:, r * block : (r + 1) * block].T) for r in range(reach + 1)]
    out = np.empty((rows_out, block), dtype=win.dtype)
    # OpenBLAS runs a product on one thread below m n k = 2**18 multiply-adds, counting a
    # complex one as four (measured: a 256 x 16 x 16 complex128 product waits milliseconds
    # for a second thread on a busy 2-core machine, a 255-row one never)
    chunk = max(1, (1 << 18) // (block * block * (4 if win.dtype.kind == "c" else 1)) - 1)
    for lo in range(0, rows_out, chunk):
        hi = min(rows_out, lo + chunk)
        target = out[lo:hi]
        np.matmul(rows[lo:hi], matrices[0], out=target)
        for r in range(1, reach + 1):
            target += rows[lo + r : hi + r] @ matrices[r]
    return out.reshape(-1)[:length]


def fill_window(a: np.ndarray, kernel_shape, region: Region, fillvalue: Any = 0) -> np.ndarray:
    """:func:`convalg.signal._direct.window` for boundary='fill' in one allocation and one
    copy (the generic one concatenates a fill block on each side of each axis in turn), or
    ``a`` itself where the window is all of a C-contiguous ``a`` (mode 'valid'; read only).

    Examples
    --------
    >>> fill_window(np.arange(1, 4), (2,), ((0, 4),)).tolist()
    [0, 1, 2, 3, 0]
    """
    shape, source, target, inside, reads_input = _window_layout(a.shape, tuple(kernel_shape), tuple(map(tuple, region)))
    if inside and a.flags.c_contiguous:
        return a  # the window is the input ('valid'): no copy
    win = np.full(shape, fillvalue, dtype=a.dtype) if fillvalue != 0 else np.zeros(shape, a.dtype)
    if reads_input:  # else the window reads only fill values
        win[target] = a[source]
    return win


@functools.lru_cache(maxsize=256)  # a loop of small calls asks for the same few shapes
def _window_layout(
    shape: tuple[int, ...], kernel_shape: tuple[int, ...], region: tuple[tuple[int, int], ...]
) -> tuple[tuple[int, ...], tuple[slice, ...], tuple[slice, ...], bool, bool]:
    """:func:`fill_window`'s window shape, the input's part it holds and where: ``(shape,
    source, target, inside, reads_input)``; ``inside`` where the window is the whole input,
    ``reads_input`` unless it holds fill values only."""
    window, source, target = [], [], []
    inside = reads_input = True
    for (start, length), k, n in zip(region, kernel_shape, shape):
        lo, size = start - k + 1, length + k - 1
        first, last = max(lo, 0), min(lo + size, n)
        window.append(size)
        source.append(slice(first, last))
        target.append(slice(first - lo, last - lo))
        inside = inside and lo == 0 and size == n
        reads_input = reads_input and first < last
    return tuple(window), tuple(source), tuple(target), inside, reads_input


def numpy_nd(
    a: np.ndarray,
    b: np.ndarray,
    region: Region,
    *,
    boundary: str = "fill",
    fillvalue: Any = 0,
    skip_zero_taps: bool = False,
    finite: bool = False,
) -> np.ndarray:
    """NumPy fast path for N-D shifted accumulation: in place, in cache-sized slabs, in parallel.

    The same sum as :func:`shifted_accumulation`, tap by tap, but the output is cut along
    its first axis into slabs of about 32k elements that stay in cache while every tap is
    added (``numpy.multiply``/``numpy.add`` with ``out=``, no temporaries per tap), and the
    slabs are spread over the cores. A small output is one slab, computed over the
    flattened window: by :func:`spread_correlation` where the window is ``finite`` (no
    NaN or Inf in the data or the fill) and :func:`spread_pays`, else by
    :func:`_flat_accumulation`.
    """
    if boundary == "fill":
        win = fill_window(a, b.shape, region, fillvalue)
    else:
        win = np.asarray(window(_numpy_namespace(), a, b.shape, region, boundary, fillvalue))
    lengths = tuple([length for _, length in region])
    dtype = np.result_type(win, b)
    rows_per_slab = max(1, SLAB_OUTPUTS // max(math.prod(lengths[1:]), 1))
    if rows_per_slab >= lengths[0] and win.ndim > 1 and min(lengths) > 0:  # one slab
        win = np.ascontiguousarray(win)
        if finite and spread_pays(b.shape, lengths):
            return spread_correlation(win, b, lengths).copy()
        if dtype.kind == "c" and math.prod(lengths) * b.size >= COMPLEX_BY_PARTS_WORK:
            out = np.empty(lengths, dtype=dtype)
            _complex_flat_accumulation(out, win, b, skip_zero_taps)
            return out
        return _flat_accumulation(win, b, lengths, dtype, skip_zero_taps).copy()
    out = np.empty(lengths, dtype=dtype)
    slabs = [(lo, min(lo + rows_per_slab, lengths[0])) for lo in range(0, lengths[0], rows_per_slab)]
    k0 = b.shape[0]
    rest_kernel = b.shape[1:]
    taps = [(tap, b[tap]) for tap in np.ndindex(*b.shape) if not (skip_zero_taps and b[tap] == 0)]

    def accumulate(slab: tuple[int, int]) -> None:
        lo, hi = slab

        def view(tap):
            return (slice(k0 - 1 - tap[0] + lo, k0 - 1 - tap[0] + hi),) + tuple(
                slice(k - 1 - j, k - 1 - j + n) for j, k, n in zip(tap[1:], rest_kernel, lengths[1:])
            )

        _weighted_sum(out[lo:hi], ((win[view(tap)], weight) for tap, weight in taps))

    work = math.prod(lengths) * max(len(taps), 1)
    if work < PARALLEL_WORK or len(slabs) == 1:
        for slab in slabs:
            accumulate(slab)
    else:
        groups = _group(slabs, workers())

        def accumulate_group(group):
            for slab in group:
                accumulate(slab)

        parallel_map(accumulate_group, groups)
    return out


def _weighted_sum(target: np.ndarray, terms) -> None:
    """``target[...] = sum(piece * weight for piece, weight in terms)`` in order, in place
    (one scratch array, no temporary per term); zero for no terms."""
    scratch = None
    for piece, weight in terms:
        if scratch is None:
            np.multiply(piece, weight, out=target)
            scratch = np.empty_like(target)
        else:
            np.multiply(piece, weight, out=scratch)
            target += scratch
    if scratch is None:
        target[...] = 0


def _flat_accumulation(win: np.ndarray, kernel: np.ndarray, lengths, dtype, skip_zero_taps: bool) -> np.ndarray:
    """The shifted accumulation of a small output over the flattened (C-contiguous) window.

    Output ``p`` reads ``win[p + k - 1 - j]`` for tap ``j``: in the flattened window that is
    index ``sum(p_d s_d) + offset_j`` with the window's element strides ``s``, so the taps
    of one kernel row (all but the last index fixed) read one contiguous slice, and their
    sum is one 1-D 'valid' convolution of that slice with the row (a compiled loop, a
    fraction of a NumPy call per tap). The outputs are the strided view of the sum of the
    rows at ``sum(p_d s_d)``; the elements between output rows are computed and dropped,
    which for one slab of a small kernel is cheaper than a strided loop. Each output sums
    the same products as the slab loop (in another order, which the direct error bound
    allows); rows of zero taps are skipped where ``skip_zero_taps`` (finite data) allows.
    """
    span, strides, rows = _rows_layout(win.shape, kernel.shape, tuple(lengths))
    flat = win.reshape(-1)
    reach = span + kernel.shape[-1] - 1
    total = None
    for prefix, offset in rows:
        weights = kernel[prefix]
        if skip_zero_taps and not count_nonzero(weights):
            continue
        piece = _convolve_1d(flat[offset : offset + reach], weights, "valid")
        if total is None:
            total = piece.astype(dtype, copy=False)
        else:
            total += piece
    if total is None:
        total = np.zeros(span, dtype=dtype)
    # the strided view of the outputs (numpy.ndarray directly: as_strided's checks cost
    # more than the rest of a small call's bookkeeping)
    outputs = np.ndarray(tuple(lengths), total.dtype, total, 0, tuple(stride * total.itemsize for stride in strides))
    outputs.flags.writeable = False
    return outputs


@functools.lru_cache(maxsize=256)  # a loop of small calls asks for the same few shapes
def _rows_layout(
    window: tuple[int, ...], kernel: tuple[int, ...], lengths: tuple[int, ...]
) -> tuple[int, tuple[int, ...], tuple[tuple[tuple[int, ...], int], ...]]:
    """:func:`_flat_accumulation`'s layout: the span of the flattened outputs, the window's
    element strides, and each kernel row's index with the offset of the slice it reads."""
    strides = tuple(math.prod(window[d + 1 :]) for d in range(len(window)))
    span = sum((n - 1) * stride for n, stride in zip(lengths, strides)) + 1
    rows = tuple(
        (prefix, sum((k - 1 - j) * stride for j, k, stride in zip(prefix, kernel, strides)))
        for prefix in itertools.product(*map(range, kernel[:-1]))
    )
    return span, strides, rows


def _complex_flat_accumulation(out: np.ndarray, win: np.ndarray, kernel: np.ndarray, skip_zero_taps: bool) -> None:
    """:func:`_flat_accumulation` of complex data into ``out``, by real parts:
    ``re = ar * br - ai * bi`` and ``im = ar * bi + ai * br``, four real accumulations.

    NumPy's complex correlation calls a complex dot product per output, which for the few
    taps of a kernel row costs several times four real ones (a whole ``correlate`` call of
    64x64 * 7x7 complex128 inputs: 1.25 ms that way, 0.41 ms this way). The products are
    the same real products; only their grouping differs: the real part sums ``ar * br``
    and ``ai * bi`` apart before subtracting, which the direct error bound allows, and a
    NaN or Inf reaches the same outputs and components (each real product lands in the
    component it lands in as part of a complex product).
    """
    lengths, real = out.shape, out.real.dtype
    ar, ai = np.ascontiguousarray(win.real), np.ascontiguousarray(win.imag)
    br, bi = kernel.real, kernel.imag
    if kernel.dtype.kind != "c":
        bi = np.zeros_like(br)
    if win.dtype.kind != "c":
        ai = np.zeros_like(ar)
    out.real = _flat_accumulation(ar, br, lengths, real, skip_zero_taps)
    out.real -= _flat_accumulation(ai, bi, lengths, real, skip_zero_taps)
    out.imag = _flat_accumulation(ar, bi, lengths, real, skip_zero_taps)
    out.imag += _flat_accumulation(ai, br, lengths, real, skip_zero_taps)


#: multiply-adds from which complex one-slab sums run as four real accumulations
#: (:func:`_complex_flat_accumulation`); below, the three more calls per kernel row cost more
#: than NumPy's complex dot products (1-D, complex dot / by parts: 100 x 3 3.1 / 2.9 us,
#: 1000 x 7 21 / 9 us)
COMPLEX_BY_PARTS_WORK = 1 << 13
#: outputs of one slab of :func:`numpy_nd` (one cache-sized piece of the output)
SLAB_OUTPUTS = 1 << 15
#: multiply-adds by :func:`spread_correlation` that cost as much as one more 1-D convolution
#: call of :func:`_flat_accumulation` (measured: 8x8 * 3x3 'same' 5.6 us spread, 9.3 us by
#: rows; 32x32 * 3x3 19 us spread, 12 us by rows)
SPREAD_WORK_PER_CALL = 8192


def spread_pays(kernel_shape: tuple[int, ...], lengths: tuple[int, ...]) -> bool:
    """Whether :func:`spread_correlation` is the cheaper way to compute a one-slab output of
    ``lengths`` with a kernel of ``kernel_shape`` (both N-D, N >= 2): its one 1-D correlation
    also multiplies the zeros between the spread kernel's rows, which costs less than one call
    per kernel row only for small outputs.

    Examples
    --------
    >>> spread_pays((3, 3), (8, 8)), spread_pays((3, 3), (64, 64))
    (True, False)
    """
    return _spread_layout(tuple(kernel_shape), tuple(lengths)).pays


class _SpreadLayout(NamedTuple):
    pays: bool
    one_slab: bool  # numpy_nd computes the output in one slab
    rows: int  # the kernel's rows (all but the last index): the 1-D calls of _flat_accumulation
    span: int  # the flattened window's outputs, from the first to the last
    reach: int  # the spread kernel's length
    positions: np.ndarray  # where the reversed kernel's taps (C order) sit in it


@functools.lru_cache(maxsize=256)
def _spread_layout(kernel_shape: tuple[int, ...], lengths: tuple[int, ...]) -> _SpreadLayout:
    """The shapes of :func:`spread_correlation` for an output of ``lengths``, and whether it
    pays (:func:`spread_pays`), worked out once per pair of shapes (a small call in a loop
    would spend a fifth of its time on this arithmetic)."""
    window = [n + k - 1 for n, k in zip(lengths, kernel_shape)]
    strides = [math.prod(window[d + 1 :]) for d in range(len(window))]
    span = sum((n - 1) * s for n, s in zip(lengths, strides)) + 1
    reach = sum((k - 1) * s for k, s in zip(kernel_shape, strides)) + 1
    rows = math.prod(kernel_shape[:-1])
    one_slab = max(1, SLAB_OUTPUTS // max(math.prod(lengths[1:]), 1)) >= lengths[0]  # as numpy_nd cuts
    pays = rows >= 2 and one_slab and span * reach < SPREAD_WORK_PER_CALL * (rows - 1)
    # tap j of the kernel reversed (index k - 1 - j) sits at sum(j_d s_d)
    positions = np.zeros(1, dtype=np.intp)
    for k, stride in zip(kernel_shape, strides):
        positions = (positions[:, None] + np.arange(k) * stride).reshape(-1)
    positions.flags.writeable = False  # shared by every call with these shapes
    return _SpreadLayout(pays, one_slab, rows, span, reach, positions)


def one_slab_work(kernel_shape: tuple[int, ...], lengths: tuple[int, ...], finite: bool) -> tuple[int, int] | None:
    """The 1-D correlation calls and the multiply-adds in them by which :func:`numpy_nd`
    computes an output of ``lengths`` with a kernel of ``kernel_shape`` (both N-D, N >= 2)
    in one slab, or None for an output of several slabs: one call over the spread kernel
    where the window is ``finite`` and :func:`spread_pays`, else one per kernel row (rows
    of zero taps counted too). The cost model (:func:`convalg.signal._choose.direct_cost`)
    prices them.

    Examples
    --------
    >>> one_slab_work((3, 3), (8, 8), finite=True), one_slab_work((3, 3), (8, 8), finite=False)
    ((1, 1794), (3, 702))
    >>> one_slab_work((3, 3), (512, 512), finite=True) is None
    True
    """
    layout = _spread_layout(tuple(kernel_shape), tuple(lengths))
    if not layout.one_slab:
        return None
    if finite and layout.pays:
        return 1, layout.span * layout.reach
    return layout.rows, layout.rows * layout.span * kernel_shape[-1]


def spread_correlation(win: np.ndarray, kernel: np.ndarray, lengths: tuple[int, ...]) -> np.ndarray:
    """The shifted accumulation of a small output over a C-contiguous, finite window
    (``lengths + kernel.shape - 1``), as ONE 1-D correlation (a read-only strided view of
    its result).

    Output ``p`` reads ``win[p + k - 1 - j]`` for tap ``j``, in the flattened window index
    ``P + t_j`` with ``P = sum(p_d s_d)`` and ``t_j = sum((k_d - 1 - j_d) s_d)`` for the
    window's element strides ``s``. So the outputs are the 'valid' correlation of the
    flattened window with the kernel reversed and spread at those strides (zeros between
    its rows), read at the positions ``P``. Each output sums the same products plus exact
    zero products (``0 * x = 0`` for finite ``x``, the reason the window must be finite), in
    another order, which the direct error bound allows.

    Examples
    --------
    >>> win = np.arange(16.0).reshape(4, 4)
    >>> spread_correlation(win, np.ones((2, 2)), (3, 3)).tolist()[0]
    [10.0, 14.0, 18.0]
    """
    layout = _spread_layout(kernel.shape, tuple(lengths))
    taps = np.zeros(layout.reach, dtype=kernel.dtype)
    taps[layout.positions] = kernel.reshape(-1)[::-1]
    # numpy.correlate conjugates its second input: conjugated here, to multiply by the taps
    flat = win.reshape(-1)[: layout.span + layout.reach - 1]
    total = correlate(flat, taps.conj() if taps.dtype.kind == "c" else taps, "valid")
    strides = win.strides
    if total.itemsize != win.itemsize:  # a kernel of a wider dtype than the window's
        strides = tuple(stride // win.itemsize * total.itemsize for stride in strides)
    outputs = np.ndarray(tuple(lengths), total.dtype, total, 0, strides)
    outputs.flags.writeable = False
    return outputs


#: multiply-adds below which a direct call stays on one thread (a pool hand-off costs ~50 us)
PARALLEL_WORK = 1 << 21


def _pieces(length: int, work: int, minimum_work: int) -> list[tuple[int, int]]:
    count = 1 if work < minimum_work else min(workers(), length)
    step = -(-length // count)
    return [(lo, min(lo + step, length)) for lo in range(0, length, step)]


def _group(slabs, count):
    step = -(-len(slabs) // count)
    return [slabs[i : i + step] for i in range(0, len(slabs), step)]


def numpy_pass(xp, x: np.ndarray, kernel: np.ndarray, region: Region, *, skip_zero_taps: bool = False):
    """One pass of a separable kernel on NumPy (the ``pass_function`` of ``_direct.separable``)."""
    return numpy_nd(x, kernel, region, skip_zero_taps=skip_zero_taps)
