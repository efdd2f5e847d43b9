"""The shifted engine: NumPy's stride-1 direct correlation from contiguous slices (no gather).

In the row-major flattened padded input, the window of output position p starts at flat index
p + offset(tap), so every column block is one *contiguous* slice (a memcpy, not a strided
gather), and one matrix product computes the output on the whole padded plane; the positions
past the output's extent in the trailing axes are computed and cropped away. Tested against
the generic windows engine of :mod:`convalg.nn._im2col`.
"""

from __future__ import annotations

import math

from convalg._runtime import parallel
from convalg.nn import _geometry, _im2col, _layout

# The column blocks are small enough to stay in cache and the product writes straight into the
# result (``out=``); the cropped positions cost little (for 3x3 on 56x56, 4% extra work).
SHIFTED_BLOCK = 2**21  # column entries per block: 8 MiB of float32, cache-sized for the product
# Product entries per block of the forward pass: a 1 MiB float32 product stays in a core's L2
# cache while BLAS writes it (BLAS slows down on larger products; docs/benchmarks-nn.md).
PRODUCT_BLOCK = 2**18


def shifted_layout(spatial, kernel, dilation):
    """Each tap's flat offset, the output shape, and the flat positions of the computed plane."""
    nd = len(spatial)
    steps = [math.prod(spatial[i + 1 :]) for i in range(nd)]
    offsets = [sum(t * d * s for t, d, s in zip(tap, dilation, steps)) for tap in _layout.indices(kernel)]
    out = _geometry.output_shape(spatial, kernel, (1,) * nd, dilation)
    length = out[0] * steps[0]  # every flat position of the first out[0] leading-axis slabs
    return offsets, out, length


def shifted_columns(flat, offsets, start, stop, first, last, columns=None):
    """Column block of samples [start, stop) and flat positions [first, last): one slice per tap.

    ``columns``, if given, is the (b, G, >= C * taps, last - first) array to fill (rows beyond
    C * taps are left alone); by default a new one is made.
    """
    import numpy as np

    b, g, c = stop - start, flat.shape[1], flat.shape[2]
    if columns is None:
        columns = np.empty((b, g, c * len(offsets), last - first), dtype=flat.dtype)
    # splitting the row axis is a view, so the copies write into ``columns``
    taps = columns[:, :, : c * len(offsets)].reshape(b, g, c, len(offsets), last - first)
    for t, offset in enumerate(offsets):
        taps[:, :, :, t, :] = flat[start:stop, :, :, offset + first : offset + last]
    return columns


def shifted_blocks(batch, per_position, length, slab, product_per_position=0):
    """(start, stop, first, last) blocks whose columns hold at most about SHIFTED_BLOCK values.

    ``first`` and ``last`` are flat positions at whole slabs (``slab`` positions each) of the
    first axis, so that every block's product can be cropped on its own. With
    ``product_per_position``, a block's product also holds at most about PRODUCT_BLOCK values.
    """
    positions = SHIFTED_BLOCK // per_position
    if product_per_position:
        positions = min(positions, PRODUCT_BLOCK // product_per_position)
    if length <= positions:
        # at least one block per core, so that parallel.parallel_blocks can use them all
        step = max(1, min(positions // length, -(-batch // parallel.cores())))
        return [(start, min(batch, start + step), 0, length) for start in range(0, batch, step)]
    span = slab * max(1, positions // slab)
    return [
        (start, start + 1, first, min(length, first + span))
        for start in range(batch)
        for first in range(0, length, span)
    ]


def flat_padded(x, before, after, need, slot=None):
    """x (B, G, C, *spatial) zero-padded and flattened to (B, G, C, >= need), in one pass.

    With ``slot``, the padded copy is made in that reusable scratch buffer of this thread.
    """
    import numpy as np

    lead, spatial = tuple(x.shape[:3]), tuple(x.shape[3:])
    padded = tuple(n + a + b for n, a, b in zip(spatial, before, after))
    total = math.prod(padded)
    if not any(before) and not any(after) and need <= total and x.flags.c_contiguous:
        return x.reshape(lead + (total,))
    shape = lead + (max(total, need),)
    if slot is None:
        flat = np.zeros(shape, dtype=x.dtype)
    else:
        flat = _im2col.scratch(slot, shape, x.dtype)
        flat.fill(0)
    # splitting the last axis is always a view, so this writes into ``flat``
    interior = tuple(slice(b, b + n) for b, n in zip(before, spatial))
    flat[..., :total].reshape(lead + padded)[(Ellipsis,) + interior] = x
    return flat


def correlate_shifted_numpy(x, w, dilation, before=None, after=None, bias=None):
    """Stride-1 correlation of x (B, G, C, *spatial), zero-padded by before/after, with w (G, O, C, *k).

    ``bias`` (G, O), if given, is added to every position. Returns a new (B, G, O, *out) array.

    The product is computed on the whole padded plane (positions whose window runs off its edge
    are computed too and thrown away) so that every tap's columns are one contiguous slice. Each
    block pads its samples (blocks of rows of large samples share one padded copy), gathers their
    columns (the bias as a row of ones), multiplies them into a scratch product and crops that
    into the result, all on its own thread: padding, cropping and the bias are parallel,
    cache-warm passes instead of serial passes over the whole output (they were a sixth of the
    32x64x56x56 case of docs/benchmarks-nn.md).
    """
    import numpy as np

    nd = w.ndim - 3
    before, after = before or (0,) * nd, after or (0,) * nd
    kernel = tuple(w.shape[3:])
    spatial = tuple(n + a + b for n, a, b in zip(x.shape[3:], before, after))
    offsets, out, length = shifted_layout(spatial, kernel, dilation)
    batch, groups, channels = x.shape[:3]
    out_channels, rows = w.shape[1], channels * len(offsets)
    depth = rows + (bias is not None)
    matrix = _im2col.weight_matrix(w, rows, bias)
    x = np.asarray(x)
    result = np.empty((batch, groups, out_channels) + out, dtype=x.dtype)
    slab = math.prod(spatial[1:])
    crop = (Ellipsis,) + tuple(slice(0, o) for o in out[1:])

    blocks = shifted_blocks(batch, groups * depth, length, slab, groups * out_channels)
    # blocks of whole samples pad their own; blocks of rows share one padded copy of the input
    shared = None if blocks[0][2:] == (0, length) else flat_padded(x, before, after, offsets[-1] + length)

    def block(bounds):
        start, stop, first, last = bounds
        if shared is None:
            flat = flat_padded(x[start:stop], before, after, offsets[-1] + length, slot="flat")
        else:
            flat = shared[start:stop]
        columns = _im2col.scratch("columns", (stop - start, groups, depth, last - first), x.dtype)
        shifted_columns(flat, offsets, 0, stop - start, first, last, columns)
        if bias is not None:
            columns[:, :, rows] = 1
        product = _im2col.scratch("product", (stop - start, groups, out_channels, last - first), x.dtype)
        np.matmul(matrix, columns, out=product)
        planes = product.reshape((stop - start, groups, out_channels, (last - first) // slab) + spatial[1:])
        result[start:stop, :, :, first // slab : last // slab] = planes[crop]

    products = batch * groups * out_channels * depth * length
    parallel.parallel_blocks(block, blocks, products)
    return result


def weight_correlate_shifted_numpy(x, g, kernel, dilation, before=None, after=None):
    import numpy as np

    nd = len(kernel)
    before, after = before or (0,) * nd, after or (0,) * nd
    spatial = tuple(n + a + b for n, a, b in zip(x.shape[3:], before, after))
    offsets, out, length = shifted_layout(spatial, kernel, dilation)
    batch, groups, channels = x.shape[:3]
    out_channels, taps = g.shape[2], len(offsets)
    flat = flat_padded(np.asarray(x), before, after, offsets[-1] + length)
    # the upstream gradient laid out on the padded plane, zero where no output position is
    spread = np.zeros((batch, groups, out_channels, out[0]) + spatial[1:], dtype=x.dtype)
    spread[(Ellipsis, slice(None)) + tuple(slice(0, o) for o in out[1:])] = g
    spread = spread.reshape(batch, groups, out_channels, length)

    def block(bounds):
        start, stop, first, last = bounds
        columns = shifted_columns(flat, offsets, start, stop, first, last)
        upstream = spread[start:stop, :, :, first:last]
        return np.matmul(upstream, columns.transpose(0, 1, 3, 2)).sum(axis=0)

    products = batch * groups * out_channels * channels * taps * length
    slab = math.prod(spatial[1:])
    parts = parallel.parallel_blocks(block, shifted_blocks(batch, groups * channels * taps, length, slab), products)
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total.reshape((groups, out_channels, channels) + tuple(kernel))
