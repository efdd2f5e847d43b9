"""The windows (im2col) engine: gather each output's window into columns, contract by BLAS.

*Direct* correlation gathers the strided windows (im2col, blocked over samples and output rows
so only a bounded block of columns exists at a time) and multiplies them by the weight matrix.
NumPy has small, explicit fast paths, each tested against the generic gathering:
``sliding_window_view`` gathers the windows in one copy; calls whose per-sample columns fit one
block (small images) split the batch over the cores, each thread gathering its samples' columns
in a two-pass copy into a reused buffer and multiplying them straight into the result, with the
bias folded into the product. Its adjoint, col2im, gives the input gradient by shift-and-add.

Every engine works on grouped arrays: x (B, G, C, *spatial) already padded and w
(G, O, C, *kernel); a correlation returns (B, G, O, *out).
"""

from __future__ import annotations

import math
import threading

from convalg import backends
from convalg._runtime import parallel
from convalg._runtime.devices import device
from convalg.nn import _geometry, _layout

# Upper bound on the number of im2col entries the generic engine holds at one time (2**23
# float32 values are 32 MiB): the matrix products stay large enough for BLAS to run near its
# peak while memory stays bounded whatever the input size.
COLUMN_BLOCK = 2**23


def batch_chunks(batch, per_item):
    """Split the batch so that a chunk's columns hold about COLUMN_BLOCK values (one sample at least)."""
    step = max(1, COLUMN_BLOCK // max(per_item, 1))
    return [(start, min(batch, start + step)) for start in range(0, batch, step)]


def row_blocks(per_item, rows):
    """Split the first output axis so that one sample's columns stay near COLUMN_BLOCK values."""
    if per_item <= COLUMN_BLOCK:
        return [(0, rows)]
    step = max(1, COLUMN_BLOCK // (per_item // rows))
    return [(first, min(rows, first + step)) for first in range(0, rows, step)]


def input_rows(first, last, kernel, stride, dilation):
    """The slice of the first spatial axis that output rows [first, last) read."""
    return slice(first * stride[0], (last - 1) * stride[0] + dilation[0] * (kernel[0] - 1) + 1)


def windows_generic(xp, x, kernel, stride, dilation, out):
    """im2col: ``x`` (B, G, C, *spatial) -> (B, G, C * prod(kernel), prod(out)).

    Loops over whichever is shorter, the kernel taps or the output positions, so the number of
    Python-level slices is min(prod(kernel), prod(out)), never one per pixel and tap.
    """
    lead = x.shape[:3]
    taps, positions = math.prod(kernel), math.prod(out)
    if taps <= positions:
        pieces = []
        for tap in _layout.indices(kernel):
            window = tuple(slice(i * d, i * d + s * (o - 1) + 1, s) for i, d, s, o in zip(tap, dilation, stride, out))
            pieces.append(xp.reshape(x[(...,) + window], lead + (positions,)))
        columns = xp.stack(pieces, axis=3)
    else:
        pieces = []
        for position in _layout.indices(out):
            window = tuple(
                slice(j * s, j * s + d * (k - 1) + 1, d) for j, s, d, k in zip(position, stride, dilation, kernel)
            )
            pieces.append(xp.reshape(x[(...,) + window], lead + (taps,)))
        columns = xp.stack(pieces, axis=4)  # (B, G, C, taps, positions)
    return xp.reshape(columns, lead[:2] + (lead[2] * taps, positions))


def windows_numpy(x, kernel, stride, dilation, out):
    """The NumPy fast path of ``windows_generic``: one strided view, one copy."""
    import numpy as np

    nd = len(kernel)
    reach = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    view = np.lib.stride_tricks.sliding_window_view(x, reach, axis=tuple(range(3, 3 + nd)))
    step = tuple(slice(None, s * (o - 1) + 1, s) for s, o in zip(stride, out))
    taps = tuple(slice(None, None, d) for d in dilation)
    view = view[(slice(None),) * 3 + step + taps]
    # (B, G, C, *out, *kernel) -> (B, G, C, *kernel, *out)
    order = (0, 1, 2) + tuple(range(3 + nd, 3 + 2 * nd)) + tuple(range(3, 3 + nd))
    columns = np.ascontiguousarray(view.transpose(order))
    return columns.reshape(x.shape[:2] + (x.shape[2] * math.prod(kernel), math.prod(out)))


def windows(xp, x, kernel, stride, dilation, out):
    """im2col by the NumPy fast path or the generic gathering."""
    if backends.is_numpy(xp):
        return windows_numpy(x, kernel, stride, dilation, out)
    return windows_generic(xp, x, kernel, stride, dilation, out)


def windows_adjoint(xp, columns, shape, kernel, stride, dilation, out):
    """col2im, the adjoint of ``windows``: add every column entry back where it was gathered from.

    ``columns`` (B, G, C * prod(kernel), prod(out)) -> array of ``shape`` (B, G, C, *spatial).
    """
    lead = tuple(shape[:3])
    taps = math.prod(kernel)
    columns = xp.reshape(columns, lead + (taps,) + tuple(out))
    result = xp.zeros(tuple(shape), dtype=columns.dtype, device=device(columns))
    for t, tap in enumerate(_layout.indices(kernel)):
        window = (...,) + tuple(
            slice(i * d, i * d + s * (o - 1) + 1, s) for i, d, s, o in zip(tap, dilation, stride, out)
        )
        result[window] = result[window] + columns[:, :, :, t, ...]
    return result


def correlate_windows(xp, x, w, stride, dilation):
    """The generic direct engine: im2col of strided windows, one matrix product per block."""
    kernel = tuple(w.shape[3:])
    out = _geometry.output_shape(x.shape[3:], kernel, stride, dilation)
    batch, groups, channels = x.shape[:3]
    out_channels = w.shape[1]
    matrix = xp.reshape(w, (groups, out_channels, channels * math.prod(kernel)))
    per_item = groups * channels * math.prod(kernel) * math.prod(out)

    def chunk(bounds):
        start, stop = bounds
        rows = []
        for first, last in row_blocks(per_item, out[0]):
            part = (last - first,) + out[1:]
            block = x[start:stop, :, :, input_rows(first, last, kernel, stride, dilation), ...]
            columns = windows(xp, block, kernel, stride, dilation, part)
            rows.append(xp.reshape(xp.matmul(matrix, columns), (stop - start, groups, out_channels) + part))
        return rows[0] if len(rows) == 1 else xp.concat(rows, axis=3)

    results = map_chunks(xp, chunk, batch_chunks(batch, per_item), per_item * batch * out_channels)
    return results[0] if len(results) == 1 else xp.concat(results, axis=0)


def weight_correlate_direct(xp, x, g, kernel, stride, dilation):
    """sum_b correlation of x[b] with g[b]: x (B, G, C, *sp), g (B, G, O, *out) -> (G, O, C, *kernel)."""
    out = tuple(g.shape[3:])
    batch, groups, channels = x.shape[:3]
    out_channels = g.shape[2]
    per_item = groups * channels * math.prod(kernel) * math.prod(out)
    total = None
    for start, stop in batch_chunks(batch, per_item):
        for first, last in row_blocks(per_item, out[0]):
            part = (last - first,) + out[1:]
            block = x[start:stop, :, :, input_rows(first, last, kernel, stride, dilation), ...]
            columns = windows(xp, block, kernel, stride, dilation, part)
            upstream = xp.reshape(
                g[start:stop, :, :, first:last, ...], (stop - start, groups, out_channels, math.prod(part))
            )
            piece = xp.sum(xp.matmul(upstream, xp.matrix_transpose(columns)), axis=0)
            total = piece if total is None else total + piece
    return xp.reshape(total, (groups, out_channels, channels) + tuple(kernel))


def input_gradient_shift_add(xp, grouped_g, kernels, geometry):
    """The input gradient as shift-and-add: ``sum_t shift_t(W_t^T g)``, one product, then col2im."""
    batch, groups, out_per_group = grouped_g.shape[:3]
    per_group = kernels.shape[2]
    kernel, stride, dilation, out = geometry.kernel, geometry.stride, geometry.dilation, geometry.out
    taps = math.prod(kernel)
    # (G, O, C, *k) -> (G, C * taps, O): row (c, t) of W^T
    matrix = xp.matrix_transpose(xp.reshape(kernels, (groups, out_per_group, per_group * taps)))
    grad_padded = xp.zeros(
        (batch, groups, per_group) + geometry.padded, dtype=grouped_g.dtype, device=device(grouped_g)
    )
    per_item = groups * per_group * taps * math.prod(out)

    def chunk(bounds):
        # the row blocks of one chunk overlap in their halos, so they are added in turn; chunks
        # write disjoint samples and may run side by side
        start, stop = bounds
        for first, last in row_blocks(per_item, out[0]):
            part = (last - first,) + out[1:]
            upstream = xp.reshape(
                grouped_g[start:stop, :, :, first:last, ...], (stop - start, groups, out_per_group, math.prod(part))
            )
            columns = xp.matmul(matrix, upstream)
            rows = input_rows(first, last, kernel, stride, dilation)
            region = (slice(start, stop), slice(None), slice(None), rows, ...)
            extent = (rows.stop - rows.start,) + geometry.padded[1:]
            grad_padded[region] = grad_padded[region] + windows_adjoint(
                xp, columns, (stop - start, groups, per_group) + extent, kernel, stride, dilation, part
            )

    map_chunks(xp, chunk, batch_chunks(batch, per_item), per_item * batch * out_per_group)
    crop = tuple(slice(b, b + n) for b, n in zip(geometry.pad_before, geometry.spatial))
    return _layout.contiguous(xp, xp.reshape(grad_padded, (batch, groups * per_group) + geometry.padded)[(...,) + crop])


def map_chunks(xp, function, chunks, products):
    """``[function(c) for c in chunks]``; NumPy's run on every core as ``parallel.parallel_blocks`` does."""
    if backends.is_numpy(xp):
        return parallel.parallel_blocks(function, chunks, products)
    return [function(c) for c in chunks]


# NumPy fast path of the windows engine for calls whose per-sample columns fit in one block
# (small images, e.g. 64x1x28x28 with 32 5x5 filters): there, fixed per-call costs dominate the
# few hundred microseconds of work. When the columns of the whole batch fit one block, the batch
# is split by samples, one part per core, and each thread gathers its part's columns (a two-pass
# copy, copy_windows_numpy) and multiplies them straight into the result (``out=``). Each part
# holds the GIL only for a few microseconds of Python around its two copies and its product, all
# three of which release it: a thread waiting for the GIL may be woken tens of microseconds
# late, so the Python between the releasing calls is kept to a few ``as_strided`` views (faster
# than gathering everything on the calling thread and splitting only the products; the MNIST
# case of docs/benchmarks-nn.md). Larger batches gather and multiply block by block (bounded
# memory). The bias rides in the product as one more column row of ones against a bias column
# of the weight matrix (4% more multiply-adds on 25 taps), because adding it afterwards with
# broadcasting is a separate pass over the whole output.
SMALL_PARALLEL_MIN_PRODUCTS = 2**22


# Scratch buffers reused across calls, one set per thread: the columns of a small call are
# megabytes that glibc hands back to the system after each call (their size is near its mmap
# threshold), and touching fresh pages costs microseconds each on a virtual machine: about a
# thousand page faults per small call, more than the convolution itself (the page-fault column of
# docs/benchmarks-nn.md). Buffers above the limit are allocated per call, where the work
# amortises the faults.
_SCRATCH = threading.local()
_SCRATCH_LIMIT = 2**23  # bytes kept per slot and thread (8 MiB)


def scratch(slot, shape, dtype):
    """An uninitialised array of ``shape`` from this thread's reusable buffer ``slot``."""
    import numpy as np

    size = math.prod(shape) * np.dtype(dtype).itemsize
    if size > _SCRATCH_LIMIT:
        return np.empty(shape, dtype=dtype)
    buffers = _SCRATCH.__dict__.setdefault("buffers", {})
    buffer = buffers.get(slot)
    if buffer is None or buffer.size < size:
        buffer = buffers[slot] = np.empty(max(size, 2**16), dtype=np.uint8)
    return buffer[:size].view(dtype).reshape(shape)


def weight_matrix(w, rows, bias=None):
    """w (G, O, C, *kernel) as (G, O, rows), plus a last column holding ``bias`` (G, O) if given.

    The NumPy engines multiply it with columns whose extra last row is all ones, so that the bias
    is added inside the product instead of in a separate pass over the output.
    """
    import numpy as np

    groups, out_channels = w.shape[:2]
    matrix = np.empty((groups, out_channels, rows + (bias is not None)), dtype=w.dtype)
    matrix[:, :, :rows] = np.reshape(w, (groups, out_channels, rows))
    if bias is not None:
        matrix[:, :, rows] = bias
    return matrix


def windows_fit(groups, channels, kernel, out):
    """Whether one sample's columns (and a bias row) fit one block: the small NumPy engine's case."""
    return groups * (channels * math.prod(kernel) + 1) * math.prod(out) <= COLUMN_BLOCK


def correlate_windows_numpy(x, w, stride, dilation, bias=None):
    """x (B, G, C, *spatial) already padded, w (G, O, C, *kernel), bias (G, O) -> (B, G, O, *out)."""
    import numpy as np

    kernel = tuple(w.shape[3:])
    out = _geometry.output_shape(x.shape[3:], kernel, stride, dilation)
    batch, groups, channels = x.shape[:3]
    out_channels, rows, positions = w.shape[1], channels * math.prod(kernel), math.prod(out)
    depth = rows + (bias is not None)
    matrix = weight_matrix(w, rows, bias)
    result = np.empty((batch, groups, out_channels, positions), dtype=x.dtype)
    per_item = groups * depth * positions
    products = batch * groups * out_channels * depth * positions
    threshold = min(SMALL_PARALLEL_MIN_PRODUCTS, parallel.PARALLEL_MIN_PRODUCTS)

    def gather(start, stop, columns=None):
        if columns is None:
            columns = scratch("columns", (stop - start, groups, depth, positions), x.dtype)
        copy_windows_numpy(
            x[start:stop],
            kernel,
            stride,
            dilation,
            out,
            columns[:, :, :rows].reshape((stop - start, groups, channels) + kernel + out),
        )
        if bias is not None:
            columns[:, :, rows] = 1
        return columns

    if batch * per_item <= COLUMN_BLOCK:
        columns = scratch("columns", (batch, groups, depth, positions), x.dtype)
        gather_and_multiply(matrix, columns, result, gather, products >= threshold)
    else:
        step = max(1, COLUMN_BLOCK // per_item)

        def block(bounds):
            np.matmul(matrix, gather(*bounds), out=result[bounds[0] : bounds[1]])

        parallel.parallel_blocks(
            block, [(start, min(batch, start + step)) for start in range(0, batch, step)], products, threshold
        )
    return result.reshape((batch, groups, out_channels) + out)


def gather_and_multiply(matrix, columns, result, gather, threads):
    """Fill ``columns`` (B, ...) by ``gather`` and multiply them into ``result``, part by part.

    With ``threads`` on several cores the batch is split by samples, one part per core; each
    part is gathered (``gather(start, stop, columns[start:stop])``) and multiplied by the thread
    that computes it, the first (slightly larger) part by the calling thread
    (:func:`convalg._runtime.parallel.run_parts`).
    """
    import numpy as np

    batch = columns.shape[0]

    def compute(part):
        start, stop = part
        np.matmul(matrix, gather(start, stop, columns[start:stop]), out=result[start:stop])

    if threads and parallel.cores() > 1 and batch > 1 and parallel.blas_controller() is not None:
        parallel.run_parts(compute, parallel.split_batch(batch))
    else:
        compute((0, batch))


def copy_windows_numpy(x, kernel, stride, dilation, out, destination):
    """Write the windows of x (B, G, C, *spatial) into ``destination`` (B, G, C, *kernel, *out).

    In two passes when there are several axes: first the taps along the last axis (a gather of
    rows out[-1] long), then the taps along the other axes, which are whole contiguous planes of
    the first pass's result (for stride 1): memory copies instead of short strided rows. The views
    are built by ``as_strided`` from the strides ``sliding_window_view`` would give (the tests
    compare both with the generic gathering): a tenth of the Python of ``sliding_window_view``
    plus the axis moves, Python that holds the GIL while the other cores' parts wait for it
    (see ``gather_and_multiply``).
    """
    import numpy as np

    as_strided = np.lib.stride_tricks.as_strided
    nd = len(kernel)
    lead, lead_strides = x.shape[:3], x.strides[:3]
    steps = x.strides[3:]
    # (B, G, C, kernel[-1], *spatial[:-1], out[-1]): the taps along the last axis
    rows_shape = lead + (kernel[-1],) + x.shape[3:-1] + (out[-1],)
    rows_strides = lead_strides + (dilation[-1] * steps[-1],) + steps[:-1] + (stride[-1] * steps[-1],)
    rows = as_strided(x, rows_shape, rows_strides, writeable=False)
    if nd == 1:
        np.copyto(destination, rows)
        return
    first = scratch("rows", rows_shape, x.dtype)
    np.copyto(first, rows)
    # (B, G, C, *kernel[:-1], kernel[-1], *out[:-1], out[-1]) out of the first pass's planes
    planes = first.strides[4:-1]
    view = as_strided(
        first,
        lead + kernel + out,
        first.strides[:3]
        + tuple(d * p for d, p in zip(dilation[:-1], planes))
        + (first.strides[3],)
        + tuple(s * p for s, p in zip(stride[:-1], planes))
        + (first.strides[-1],),
        writeable=False,
    )
    np.copyto(destination, view)
