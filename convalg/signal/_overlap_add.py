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
import math
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

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
    ndim = a.ndim
    short_length = {axis: min(a.shape[axis], b.shape[axis]) for axis in blocks}
    full_length = {axis: a.shape[axis] + b.shape[axis] - 1 for axis in blocks}
    # Cut: descending axes, so inserting a block axis never shifts an axis still to do.
    for axis in sorted(blocks, reverse=True):
        plan = blocks[axis]
        a = _cut(xp, a, axis, plan if plan.long == 1 else None)
        b = _cut(xp, b, axis, plan if plan.long == 2 else None)
    # positions after cutting: original axis i sits at i + (number of blocked axes <= i)
    position = {i: i + sum(1 for axis in blocks if axis <= i) for i in range(ndim)}
    transform_axes = [position[axis] for axis in axes]
    shape = [blocks[axis].fft_length if axis in blocks else fft_shape[axis] for axis in axes]
    forward, inverse, extra = _fft._transforms(xp, complex_data)
    if "workers" in extra and math.prod(a.shape) + math.prod(b.shape) < _fft.PARALLEL_LENGTH:
        extra = dict(extra, workers=1)  # handing a few small blocks to another thread costs more than it saves
    spectrum = forward(a, s=shape, axes=transform_axes, **extra)
    spectrum = spectrum * forward(b, s=shape, axes=transform_axes, **extra)
    y = inverse(spectrum, s=shape, axes=transform_axes, **extra)
    # Add the blocks back, again in descending order of axes.
    for axis in sorted(blocks, reverse=True):
        y = _add_blocks(xp, y, position[axis] - 1, blocks[axis], short_length[axis], full_length[axis])
    crop = tuple(slice(start, start + length) for start, length in region)
    return y[crop]


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


def _add_blocks(xp: ModuleType, y: Any, axis: int, plan: AxisBlocks, k: int, full: int) -> Any:
    """Merge axes (``axis``, ``axis + 1``) = (blocks, N) into one axis by overlap-add.

    Only the first ``L + k - 1`` samples of a block are nonzero in exact arithmetic; the
    rest is rounding noise and is dropped. Block ``i`` sample ``t`` lands at ``iL + t``:
    the samples are added in ``ceil((L + k - 1) / L)`` strips of width ``L``, each strip
    of every block at once.
    """
    block, count = plan.block, plan.count
    used = block + k - 1
    pieces = -(-used // block)
    lead = (slice(None),) * axis
    shape = list(y.shape)
    out_shape = shape[:axis] + [count + pieces - 1, block] + shape[axis + 2 :]
    out = xp.zeros(tuple(out_shape), dtype=y.dtype, device=device(y))
    for piece in range(pieces):
        width = min(block, used - piece * block)
        target = lead + (slice(piece, piece + count), slice(0, width), ...)
        out[target] += y[lead + (slice(None), slice(piece * block, piece * block + width), ...)]
    merged = xp.reshape(out, tuple(shape[:axis] + [(count + pieces - 1) * block] + shape[axis + 2 :]))
    return merged[lead + (slice(0, full), ...)]
