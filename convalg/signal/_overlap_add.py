"""The overlap-add method: a long input cut into blocks, all blocks transformed in one call.

Along an axis where one input is much longer than the other, the long input is reshaped
into ``nb`` blocks of length ``L`` (an extra axis), every block is convolved with the
short input by FFTs of length ``N >= L + k - 1`` in a single batched transform, and the
block results are added back at offsets ``0, L, 2L, ...``. Axes where blocking does not
pay are transformed whole, as in the FFT method.

Two block-length rules. ``oaconvolve`` and ``method='oa'`` keep overlap-add's error
locality exactly as scipy.signal.oaconvolve does (:func:`locality_blocks`): every axis
scipy blocks is blocked with scipy's block length (an FFT error then reaches only the
outputs of the blocks it was made in); only when no axis is blocked is the whole input
transformed at once, as scipy does. For ``method='auto'``, which promises the normwise
bound and no locality, overlap-add is one more way of computing the FFT result fast
(:func:`axis_blocks`).

Block-length rule of ``method='auto'`` (ours): for an axis with long length ``n`` and short length ``k``, the
candidates are ``L = N - k + 1`` for the fast FFT lengths ``N`` from ``max(2k, 64)`` up to
``n + k - 1`` (a geometric sweep, factor 1.25). A transform of ``P`` points costs
``_choose.line_cost(P)`` (``P log2 P``, times 2.5 out of cache, plus a per-line overhead);
the candidate cost is ``ceil(n / L)`` such transforms.
The axis is blocked when the cheapest candidate costs less than ``0.8 *`` the whole-axis
transform of length ``next_fast_len(n + k - 1)``, the margin paying for the reshapes and
additions. At most one axis is blocked (the one that saves most): blocking several axes
makes every transform strided and measured slower than one whole transform.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from convalg._runtime import scratch
from convalg._runtime.devices import device
from convalg._runtime.fft import fast_length
from convalg.signal import _fft


@dataclass(frozen=True)
class AxisBlocks:
    """How one convolved axis is cut: ``long`` input (1 or 2), block length, FFT length."""

    long: int
    block: int
    fft_length: int
    count: int
    saving: float = 0.0


def transform_cost(points: int) -> float:
    """Modelled work of one 1-D FFT of ``points`` points (``_choose.line_cost``)."""
    from convalg.signal._choose import line_cost

    return line_cost(points)


@functools.lru_cache(maxsize=256)
def axis_blocks(n1: int, n2: int, real: bool) -> AxisBlocks | None:
    """The block plan of one axis, or None when one transform of the whole axis is cheaper."""
    n, k = max(n1, n2), min(n1, n2)
    if k <= 1 or n < 4 * k:
        return None
    whole = transform_cost(fast_length(n + k - 1, real))
    best = None
    target = max(2 * k, 64)
    while target < n + k - 1:
        fft_length = fast_length(target, real)
        block = fft_length - k + 1
        count = -(-n // block)
        cost = count * transform_cost(fft_length)
        if best is None or cost < best[0]:
            best = (cost, block, fft_length, count)
        target = int(target * 1.25) + 1
    if best is None or best[0] >= 0.8 * whole:
        return None
    return AxisBlocks(1 if n1 >= n2 else 2, best[1], best[2], best[3], whole - best[0])


@functools.lru_cache(maxsize=256)
def exact_blocks(n1: int, n2: int, real: bool) -> AxisBlocks | None:
    """The block plan of the one convolved axis of exact integers under ``method='auto'``.

    :func:`axis_blocks`' plan where it blocks; elsewhere blocks of ``3k + 1`` (FFT length
    ``next_fast_len(4k)``, the classic overlap-add optimum for long kernels) when that cuts
    the long input into at least two. The planner then chooses between this plan, one
    whole transform and the direct sum by their modelled costs, in which a whole 1-D
    transform runs its inverse on one core (:func:`convalg.signal._exact_fft.cost_factor`),
    while a batch of blocks shares every idle core. Measured on the 2-core machine, int64
    values below 2**12: 2e5 x 2e4 in 5.4 ms blocked against 7.9 ms whole, 1e6 x 2e4 in
    36.7 ms against 51.2 ms.
    """
    plan = axis_blocks(n1, n2, real)
    n, k = max(n1, n2), min(n1, n2)
    if plan is not None or k <= 1:
        return plan
    fft_length = fast_length(4 * k, real)
    block = fft_length - k + 1
    count = -(-n // block)
    if count < 2:
        return None
    whole = transform_cost(fast_length(n + k - 1, real))
    return AxisBlocks(1 if n1 >= n2 else 2, block, fft_length, count, whole - count * transform_cost(fft_length))


@functools.lru_cache(maxsize=256)
def locality_blocks(n1: int, n2: int) -> AxisBlocks | None:
    """scipy.signal.oaconvolve's block plan of one axis, or None where scipy does not block.

    scipy (``_calc_oa_lens``) blocks an axis when the short length ``k`` is below half the
    long one ``n``, with FFT length ``N = next_fast_len(ceil(-K W_{-1}(-1 / (2 e K))))``
    (``K = k - 1``, ``W_{-1}`` the lower branch of Lambert's W: the ``N`` minimising
    ``N log2(2N) / (N - K)``), unless ``N >= n``; the block length is ``N - k + 1``.
    """
    import math

    from scipy.fft import next_fast_len
    from scipy.special import lambertw

    n, k = max(n1, n2), min(n1, n2)
    if n1 == n2 or k == 1 or k >= n / 2:
        return None
    overlap = k - 1
    optimum = -overlap * lambertw(-1 / (2 * math.e * overlap), k=-1).real
    fft_length = int(next_fast_len(math.ceil(optimum)))
    if fft_length >= n:
        return None
    block = fft_length - k + 1
    return AxisBlocks(1 if n1 >= n2 else 2, block, fft_length, -(-n // block))


def blocks_overlapping(plan: AxisBlocks, k: int) -> int:
    """How many blocks add into one output along this axis: ``ceil((L + k - 1) / L)``."""
    return -(-(plan.block + k - 1) // plan.block)


def convolve(
    xp: ModuleType,
    a: Any,
    b: Any,
    axes: Sequence[int],
    blocks: dict[int, AxisBlocks],
    fft_shape: dict[int, int],
    region,
    complex_data: bool,
) -> Any:
    """Overlap-add convolution cropped to ``region`` (same conventions as :func:`_fft.convolve`).

    ``blocks`` maps a blocked axis to its plan; ``fft_shape`` gives the transform length
    of every other convolved axis.
    """
    short_length = {axis: min(a.shape[axis], b.shape[axis]) for axis in blocks}
    full_length = {axis: a.shape[axis] + b.shape[axis] - 1 for axis in blocks}
    along = transform_axes(axes, blocks)  # (positions after cutting)
    shape = tuple(blocks[axis].fft_length if axis in blocks else fft_shape[axis] for axis in axes)
    numpy_real = not complex_data and _fft._pocketfft is not None and isinstance(a, np.ndarray)
    if numpy_real and _fft._plain(a) and _fft._plain(b) and a.dtype == b.dtype:
        # real NumPy data: each input cut and zero-padded once, into memory the scratch pool
        # lends, and transformed by pocketfft into pooled memory (fresh memory costs a page
        # fault a page: float64 512x512 * 31x31, 2231 faults a call before, none after)
        lengths = {axis: fft_shape[axis] for axis in axes if axis not in blocks}
        a = padded(xp, a, lengths, blocks, 1, a.dtype)
        b = padded(xp, b, lengths, blocks, 2, b.dtype)
        forward, inverse = _fft.padded_transforms(xp, shape, along, a.size + b.size)
        y = inverse(_fft.pooled_product(forward(a), forward(b)))
    else:
        # Cut: descending axes, so inserting a block axis never shifts an axis still to do.
        for axis in sorted(blocks, reverse=True):
            plan = blocks[axis]
            a = _cut(xp, a, axis, plan if plan.long == 1 else None)
            b = _cut(xp, b, axis, plan if plan.long == 2 else None)
        # handing a few small blocks to another thread costs more than it saves
        points = math.prod(a.shape) + math.prod(b.shape)
        forward_n, inverse_n, extra = _fft._transforms(xp, complex_data, points, len(along))
        spectrum = forward_n(a, s=shape, axes=along, **extra)
        spectrum = spectrum * forward_n(b, s=shape, axes=along, **extra)
        y = inverse_n(spectrum, s=shape, axes=along, **extra)
    # Add the blocks back, again in descending order of axes.
    for axis in sorted(blocks, reverse=True):
        position = along[axes.index(axis)] - 1  # its block-count axis
        y = _add_blocks(xp, y, position, blocks[axis], short_length[axis], full_length[axis])
    crop = tuple(slice(start, start + length) for start, length in region)
    return y[crop]


def transform_axes(axes, blocks: dict[int, AxisBlocks]) -> tuple[int, ...]:
    """Positions of the transformed ``axes`` after cutting (:func:`_cut`, :func:`padded`):
    axis ``i`` moves by the number of blocked axes up to ``i``, each of which gains a
    block-count axis before it."""
    return _positions(tuple(axes), tuple(blocks))


@functools.lru_cache(maxsize=256)  # every call asks, for the same few layouts
def _positions(axes: tuple[int, ...], blocked: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(axis + sum(1 for other in blocked if other <= axis) for axis in axes)


def padded(
    xp: ModuleType,
    x: Any,
    lengths: dict[int, int],
    blocks: dict[int, AxisBlocks],
    long: int,
    dtype: Any,
    offset: int = 0,
) -> Any:
    """``x - offset`` as ``dtype``, cut into blocks along the blocked axes (as :func:`_cut`;
    ``long`` is 1 or 2 as in :class:`AxisBlocks`) and zero-padded to the transform lengths:
    a blocked axis to its ``fft_length``, an axis in ``lengths`` to that length.

    One array written once, which a transform takes without padding it again. The
    subtraction is done in int64 for integer ``x`` (modulo 2**64, as the input), before the
    conversion.
    """
    shape, pieces = _padded_layout(tuple(x.shape), tuple(lengths.items()), tuple(blocks.items()), long)
    numpy = isinstance(x, np.ndarray)  # NumPy's own calls: this runs for every limb of every call
    out = scratch.zeros_in(xp, shape, dtype, x)
    integer = xp.isdtype(x.dtype, "integral") if not numpy else x.dtype.kind in "iu"
    wide = (np.int64 if numpy else xp.int64) if integer else x.dtype  # the subtraction's dtype
    for index, piece_shape, target in pieces:
        if numpy:  # subtracted and converted in one pass, straight into the transform's input
            if offset:
                np.subtract(x[index].reshape(piece_shape), offset, out=out[target], dtype=wide)
            else:
                out[target] = x[index].reshape(piece_shape)  # a plain cast: faster than a ufunc
            continue
        piece = xp.reshape(x[index], piece_shape)
        if offset:
            piece = xp.astype(piece, wide) - xp.asarray(offset, dtype=wide, device=device(x))
        out[target] = xp.astype(piece, dtype)
    return out


@functools.lru_cache(maxsize=256)  # every limb of every call in a loop asks for the same layout
def _padded_layout(
    size: tuple[int, ...], lengths: tuple[tuple[int, int], ...], blocks: tuple[tuple[int, AxisBlocks], ...], long: int
) -> tuple[tuple[int, ...], list[tuple[tuple[slice, ...], tuple[int, ...], tuple[slice, ...]]]]:
    """:func:`padded`'s result shape for an input of ``size``, and its pieces: (index into
    the input, the piece's shape, index into the result)."""
    lengths_of, blocks_of = dict(lengths), dict(blocks)
    shape: list[int] = []
    # per axis, its parts: (index into x, their shape, index into the result)
    parts: list[list[tuple[tuple[slice, ...], tuple[int, ...], tuple[slice, ...]]]] = []
    for ax, n in enumerate(size):
        plan = blocks_of.get(ax)
        if plan is not None and plan.long == long:
            count, block = plan.count, plan.block
            whole = (count - 1) * block  # the full blocks, then the last one
            shape += [count, plan.fft_length]
            last = ((slice(whole, n),), (1, n - whole), (slice(count - 1, count), slice(0, n - whole)))
            full = ((slice(0, whole),), (count - 1, block), (slice(0, count - 1), slice(0, block)))
            parts.append([full, last] if whole else [last])
        elif plan is not None:
            shape += [1, plan.fft_length]
            parts.append([((slice(None),), (1, n), (slice(0, 1), slice(0, n)))])
        else:
            shape.append(lengths_of.get(ax, n))
            parts.append([((slice(None),), (n,), (slice(0, n),))])
    pieces = [
        (
            tuple(s for c in combination for s in c[0]),
            tuple(d for c in combination for d in c[1]),
            tuple(s for c in combination for s in c[2]),
        )
        for combination in itertools.product(*parts)
    ]
    return tuple(shape), pieces


def _cut(xp: ModuleType, x: Any, axis: int, plan: AxisBlocks | None) -> Any:
    """Reshape ``axis`` into (blocks, block length), zero-padding the end; or add a unit axis."""
    shape = list(x.shape)
    if plan is None:
        return xp.reshape(x, tuple(shape[:axis] + [1] + shape[axis:]))
    pad = plan.count * plan.block - shape[axis]
    if pad:
        zeros_shape = shape.copy()
        zeros_shape[axis] = pad
        x = xp.concat([x, xp.zeros(tuple(zeros_shape), dtype=x.dtype, device=device(x))], axis=axis)
    return xp.reshape(x, tuple(shape[:axis] + [plan.count, plan.block] + shape[axis + 1 :]))


def _add_blocks(
    xp: ModuleType,
    y: Any,
    axis: int,
    plan: AxisBlocks,
    k: int,
    full: int,
    store: Callable[[Any, tuple, Any, bool], None] | None = None,
    dtype: Any = None,
    out: Any = None,
    add: bool = True,
) -> Any:
    """Merge axes (``axis``, ``axis + 1``) = (blocks, N) into one axis by overlap-add.

    Only the first ``L + k - 1`` samples of a block are nonzero in exact arithmetic; the
    rest is rounding noise and is dropped. Block ``i`` sample ``t`` lands at ``iL + t``:
    the samples are added in ``ceil((L + k - 1) / L)`` strips of width ``L``, each strip
    of every block at once. The first strip fills every block's row of the result, so it
    is written, not added to zeros. ``store(out, index, piece, add)`` writes (or adds) a
    piece into ``out[index]``, converting it to ``dtype`` (the result's; default ``y``'s,
    with plain assignment). Given ``out``, an array of :func:`strips_shape`, every strip is
    added to it instead (an earlier merge's, or zeros), or with ``add`` False written into
    it as into a new one (its contents are then ignored).
    """
    block, count = plan.block, plan.count
    used = block + k - 1
    pieces = -(-used // block)
    lead = (slice(None),) * axis
    shape = list(y.shape)
    numpy = isinstance(y, np.ndarray)  # NumPy's own calls: a few microseconds per call
    accumulate = out is not None and add
    if not accumulate:
        if out is None:
            out_shape = strips_shape(y.shape, axis, plan, k)
            dtype = y.dtype if dtype is None else dtype
            out = scratch.empty(out_shape, dtype) if numpy else xp.empty(out_shape, dtype=dtype, device=device(y))
        out[lead + (slice(count, None), ...)] = 0
    store = store or _store
    for piece in range(pieces):
        width = min(block, used - piece * block)
        target = lead + (slice(piece, piece + count), slice(0, width), ...)
        store(
            out,
            target,
            y[lead + (slice(None), slice(piece * block, piece * block + width), ...)],
            accumulate or piece > 0,
        )
    merged_shape = tuple(shape[:axis] + [(count + pieces - 1) * block] + shape[axis + 2 :])
    merged = out.reshape(merged_shape) if numpy else xp.reshape(out, merged_shape)
    return merged[lead + (slice(0, full), ...)]


def strips_shape(shape: tuple[int, ...], axis: int, plan: AxisBlocks, k: int) -> tuple[int, ...]:
    """The shape of :func:`_add_blocks`' strips for blocks ``y`` of ``shape``: (count + pieces
    - 1, block) in place of its axes (``axis``, ``axis + 1``)."""
    pieces = -(-(plan.block + k - 1) // plan.block)
    return tuple(shape[:axis]) + (plan.count + pieces - 1, plan.block) + tuple(shape[axis + 2 :])


def _store(out: Any, index: tuple, piece: Any, add: bool) -> None:
    if add:
        out[index] += piece
    else:
        out[index] = piece
