"""Batched multi-channel convolution (PyTorch semantics) and its gradients, on any array backend.

``conv1d``, ``conv2d`` and ``conv3d`` compute what deep-learning libraries call convolution,
which is *cross-correlation*: ``out[n, o, j] = bias[o] + sum_{c, i} weight[o, c, i] *
input_padded[n, c, j * stride + i * dilation]`` with channels split into ``groups``.

Their gradients are again correlations and convolutions of the upstream gradient:

* ``grad_input`` is the *full convolution* of the (stride-dilated) upstream gradient with the
  kernel, i.e. a correlation with the flipped, channel-transposed kernel: the adjoint of
  correlation is convolution;
* ``grad_weight`` is the correlation of the padded input with the upstream gradient (the
  gradient plays the kernel, the stride becomes its dilation);
* ``grad_bias`` is the upstream gradient summed over the batch and space.

Everything is written once against the array API (NumPy, CuPy, array-api-strict). Two engines
compute a correlation: *direct* gathers the strided windows (im2col, blocked over samples and
output rows so only a bounded block of columns exists at a time) and contracts them by matrix
multiplication (BLAS); *fft* uses the correlation theorem and wins for large kernels
(``method='auto'`` chooses by a documented operation count). NumPy has small, explicit fast
paths, each tested against the generic code: ``sliding_window_view`` gathers the windows in one
copy; for stride 1 the columns are contiguous shifted slices of the flattened padded input
(no strided gather at all) multiplied straight into the result; and calls whose per-sample
columns fit one block (small images) split the batch over the cores, each thread gathering
its samples' columns in a two-pass copy into a reused buffer and multiplying them straight into
the result, with the bias folded into the product. NumPy calls with enough work run their blocks
on one thread per core, each with a single-threaded BLAS (threadpoolctl, in the ``learn`` extra; without it
the blocks run in turn).

Before an engine allocates, convalg.signal's memory guard checks the result and the engine's
workspace (a ``MemoryError`` names the size); 'auto' never takes the FFT for non-finite data.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import numbers
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from convalg import backends
from convalg.signal import _validate

__all__ = [
    "conv1d",
    "conv2d",
    "conv3d",
    "conv1d_grad",
    "conv2d_grad",
    "conv3d_grad",
]

_METHODS = ("auto", "direct", "fft")

# Upper bound on the number of im2col entries the generic engine holds at one time (2**23
# float32 values are 32 MiB): the matrix products stay large enough for BLAS to run near its
# peak while memory stays bounded whatever the input size.
_COLUMN_BLOCK = 2**23

# Cost-model constants of ``_choose_method``, in units of one multiply-add of the BLAS matrix
# product, fitted to timings of the cases of benchmarks/bench_nn.py on a quiet 2-core AMD EPYC
# (OpenBLAS, scipy.fft with 2 workers); they only need to be right within a factor of ~2:
# writing one im2col entry costs about 16 multiply-adds (it is memory bound, and each entry
# serves out_channels products); one element of an FFT costs about 20 per log2(length); one
# complex multiply-add of the spectral contraction (many small batched products) about 8.
_COLUMN_UNIT = 16.0
_FFT_UNIT = 20.0
_SPECTRAL_UNIT = 8.0


@dataclass(frozen=True)
class _Geometry:
    """The validated shape parameters of one convolution call."""

    nd: int
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    pad_before: tuple[int, ...]
    pad_after: tuple[int, ...]
    groups: int
    kernel: tuple[int, ...]
    spatial: tuple[int, ...]

    @property
    def padded(self) -> tuple[int, ...]:
        return tuple(n + a + b for n, a, b in zip(self.spatial, self.pad_before, self.pad_after))

    @property
    def out(self) -> tuple[int, ...]:
        return _output_shape(self.padded, self.kernel, self.stride, self.dilation)


def _output_shape(padded, kernel, stride, dilation) -> tuple[int, ...]:
    return tuple((p - d * (k - 1) - 1) // s + 1 for p, k, s, d in zip(padded, kernel, stride, dilation))


# --------------------------------------------------------------------------- validation


def _is_integer(value: Any) -> bool:
    """A Python or NumPy integer, as PyTorch accepts; never a bool (``True`` is no stride)."""
    # the ABC check costs a microsecond; most calls pass plain ints
    return type(value) is int or (isinstance(value, numbers.Integral) and not isinstance(value, bool))


def _positive_int(value: Any, name: str) -> int:
    """``value`` as an int >= 1: TypeError for a non-integer (or a bool), ValueError below 1."""
    if not _is_integer(value):
        raise TypeError(f"{name} must be a positive int; got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be a positive int; got {value!r}")
    return int(value)


def _int_tuple(value: Any, nd: int, name: str, minimum: int) -> tuple[int, ...]:
    """An int or a sequence of ``nd`` ints as a tuple of ``nd`` Python ints, each >= ``minimum``.

    TypeError for anything else (a float, a bool, a string, an array); ValueError for a
    sequence of the wrong length or a value below ``minimum``.
    """
    expected = f"{name} must be an int or a tuple of {nd} ints; got {value!r}"
    if _is_integer(value):
        values = (int(value),) * nd
    elif isinstance(value, (tuple, list)) and all(_is_integer(v) for v in value):
        if len(value) != nd:
            raise ValueError(expected)
        values = tuple(int(v) for v in value)
    else:
        raise TypeError(expected)
    if any(v < minimum for v in values):
        raise ValueError(f"{name} must be >= {minimum} in every dimension; got {values!r}")
    return values


@dataclass(frozen=True)
class _Options:
    """The validated layer options: ``padding`` is 'same', 'valid' or one int per axis."""

    stride: tuple[int, ...]
    padding: str | tuple[int, ...]
    dilation: tuple[int, ...]
    groups: int


def _layer_options(nd: int, stride: Any, padding: Any, dilation: Any, groups: Any) -> _Options:
    """Check the options that do not depend on the arrays' shapes (the eager and the dask path).

    Wrong types raise TypeError, wrong values ValueError, with the same message on both paths.
    """
    groups = _positive_int(groups, "groups")
    stride = _int_tuple(stride, nd, "stride", 1)
    dilation = _int_tuple(dilation, nd, "dilation", 1)
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise ValueError(f"padding must be an int, a tuple, 'same' or 'valid'; got {padding!r}")
        if padding == "same" and any(s != 1 for s in stride):
            raise ValueError(f"padding='same' needs stride 1 in every dimension; got stride={stride}")
    else:
        padding = _int_tuple(padding, nd, "padding", 0)
    return _Options(stride, padding, dilation, groups)


def _geometry(input_shape, weight_shape, stride, padding, dilation, groups, nd) -> _Geometry:
    options = _layer_options(nd, stride, padding, dilation, groups)
    stride, dilation, groups = options.stride, options.dilation, options.groups
    if len(input_shape) != nd + 2:
        raise ValueError(
            f"input must have {nd + 2} dimensions (N, C_in, {nd} spatial); got shape {tuple(input_shape)}"
        )
    if len(weight_shape) != nd + 2:
        raise ValueError(
            f"weight must have {nd + 2} dimensions (C_out, C_in/groups, {nd} kernel); "
            f"got shape {tuple(weight_shape)}"
        )
    channels, out_channels = input_shape[1], weight_shape[0]
    if channels % groups or out_channels % groups:
        raise ValueError(
            f"groups={groups} must divide both the input channels ({channels}) and the output "
            f"channels ({out_channels})"
        )
    if weight_shape[1] * groups != channels:
        raise ValueError(
            f"weight has {weight_shape[1]} input channels per group but input has {channels} "
            f"channels in {groups} group(s); weight.shape[1] must be {channels // groups}"
        )
    kernel = tuple(int(k) for k in weight_shape[2:])
    if any(k < 1 for k in kernel):
        raise ValueError(f"weight must have a non-empty kernel; got kernel shape {kernel}")
    if options.padding == "valid":
        before = after = (0,) * nd
    elif options.padding == "same":
        total = [d * (k - 1) for k, d in zip(kernel, dilation)]
        before = tuple(t // 2 for t in total)
        after = tuple(t - b for t, b in zip(total, before))
    else:
        before = after = options.padding
    spatial = tuple(int(n) for n in input_shape[2:])
    geometry = _Geometry(nd, stride, dilation, before, after, groups, kernel, spatial)
    reach = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(r > p for r, p in zip(reach, geometry.padded)):
        raise ValueError(
            f"the dilated kernel (extent {reach}) is larger than the padded input "
            f"(shape {geometry.padded}); use more padding or a smaller kernel/dilation"
        )
    if input_shape[0] < 1 or channels < 1 or out_channels < 1:
        raise ValueError(
            f"input and weight must have a non-empty batch and channels; got input shape "
            f"{tuple(input_shape)} and weight shape {tuple(weight_shape)}"
        )
    return geometry


def _check_floating(xp, name: str, x) -> None:
    if not xp.isdtype(x.dtype, "real floating"):
        raise TypeError(f"{name} must be a real floating-point array; got dtype {x.dtype}")


def _check_method(method: str) -> None:
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}; got {method!r}")


def _arrays(nd, input, weight, bias=None, grad_output=None):
    named = {"input": input, "weight": weight}
    if bias is not None:
        named["bias"] = bias
    if grad_output is not None:
        named["grad_output"] = grad_output
    xp, arrays = backends.namespace(*named.values())
    for name, array in zip(named, arrays):
        _check_floating(xp, name, array)
    dtype = xp.result_type(*arrays)
    arrays = tuple(xp.astype(a, dtype, copy=False) for a in arrays)
    return xp, dict(zip(named, arrays))


# --------------------------------------------------------------------------- building blocks


def _pad(xp, x, before, after):
    """Zero-pad the trailing ``len(before)`` axes of ``x``."""
    if not any(before) and not any(after):
        return x
    nd = len(before)
    lead = x.shape[: x.ndim - nd]
    shape = lead + tuple(n + a + b for n, a, b in zip(x.shape[x.ndim - nd :], before, after))
    padded = xp.zeros(shape, dtype=x.dtype, device=x.device)
    inner = tuple(slice(b, b + n) for b, n in zip(before, x.shape[x.ndim - nd :]))
    padded[(...,) + inner] = x
    return padded


def _dilate(xp, x, factor, nd):
    """Insert ``factor - 1`` zeros between neighbours along the trailing ``nd`` axes."""
    if all(f == 1 for f in factor):
        return x
    spatial = x.shape[x.ndim - nd :]
    shape = x.shape[: x.ndim - nd] + tuple(f * (n - 1) + 1 for f, n in zip(factor, spatial))
    dilated = xp.zeros(shape, dtype=x.dtype, device=x.device)
    dilated[(...,) + tuple(slice(None, None, f) for f in factor)] = x
    return dilated


def _windows_generic(xp, x, kernel, stride, dilation, out):
    """im2col: ``x`` (B, G, C, *spatial) -> (B, G, C * prod(kernel), prod(out)).

    Loops over whichever is shorter, the kernel taps or the output positions, so the number of
    Python-level slices is min(prod(kernel), prod(out)), never one per pixel and tap.
    """
    lead = x.shape[:3]
    taps, positions = math.prod(kernel), math.prod(out)
    if taps <= positions:
        pieces = []
        for tap in _indices(kernel):
            window = tuple(
                slice(i * d, i * d + s * (o - 1) + 1, s) for i, d, s, o in zip(tap, dilation, stride, out)
            )
            pieces.append(xp.reshape(x[(...,) + window], lead + (positions,)))
        columns = xp.stack(pieces, axis=3)
    else:
        pieces = []
        for position in _indices(out):
            window = tuple(
                slice(j * s, j * s + d * (k - 1) + 1, d) for j, s, d, k in zip(position, stride, dilation, kernel)
            )
            pieces.append(xp.reshape(x[(...,) + window], lead + (taps,)))
        columns = xp.stack(pieces, axis=4)  # (B, G, C, taps, positions)
    return xp.reshape(columns, lead[:2] + (lead[2] * taps, positions))


def _windows_numpy(x, kernel, stride, dilation, out):
    """The NumPy fast path of ``_windows_generic``: one strided view, one copy."""
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


def _windows(xp, x, kernel, stride, dilation, out):
    if backends.is_numpy(xp):
        return _windows_numpy(x, kernel, stride, dilation, out)
    return _windows_generic(xp, x, kernel, stride, dilation, out)


def _windows_adjoint(xp, columns, shape, kernel, stride, dilation, out):
    """col2im, the adjoint of ``_windows``: add every column entry back where it was gathered from.

    ``columns`` (B, G, C * prod(kernel), prod(out)) -> array of ``shape`` (B, G, C, *spatial).
    """
    lead = tuple(shape[:3])
    taps = math.prod(kernel)
    columns = xp.reshape(columns, lead + (taps,) + tuple(out))
    result = xp.zeros(tuple(shape), dtype=columns.dtype, device=columns.device)
    for t, tap in enumerate(_indices(kernel)):
        window = (...,) + tuple(
            slice(i * d, i * d + s * (o - 1) + 1, s) for i, d, s, o in zip(tap, dilation, stride, out)
        )
        result[window] = result[window] + columns[:, :, :, t, ...]
    return result


def _indices(shape):
    if not shape:
        yield ()
        return
    for i in range(shape[0]):
        for rest in _indices(shape[1:]):
            yield (i,) + rest


def _batch_chunks(batch, per_item):
    step = max(1, _COLUMN_BLOCK // max(per_item, 1))
    return [(start, min(batch, start + step)) for start in range(0, batch, step)]


# --------------------------------------------------------------------------- engines
# Every engine works on grouped arrays: x (B, G, C, *spatial) already padded and w
# (G, O, C, *kernel); a correlation returns (B, G, O, *out).


def _row_blocks(per_item, rows):
    """Split the first output axis so that one sample's columns stay near _COLUMN_BLOCK values."""
    if per_item <= _COLUMN_BLOCK:
        return [(0, rows)]
    step = max(1, _COLUMN_BLOCK // (per_item // rows))
    return [(first, min(rows, first + step)) for first in range(0, rows, step)]


def _input_rows(first, last, kernel, stride, dilation):
    """The slice of the first spatial axis that output rows [first, last) read."""
    return slice(first * stride[0], (last - 1) * stride[0] + dilation[0] * (kernel[0] - 1) + 1)


def _correlate_windows(xp, x, w, stride, dilation):
    """The generic direct engine: im2col of strided windows, one matrix product per block."""
    kernel = tuple(w.shape[3:])
    out = _output_shape(x.shape[3:], kernel, stride, dilation)
    batch, groups, channels = x.shape[:3]
    out_channels = w.shape[1]
    matrix = xp.reshape(w, (groups, out_channels, channels * math.prod(kernel)))
    per_item = groups * channels * math.prod(kernel) * math.prod(out)

    def chunk(bounds):
        start, stop = bounds
        rows = []
        for first, last in _row_blocks(per_item, out[0]):
            part = (last - first,) + out[1:]
            block = x[start:stop, :, :, _input_rows(first, last, kernel, stride, dilation), ...]
            columns = _windows(xp, block, kernel, stride, dilation, part)
            rows.append(xp.reshape(xp.matmul(matrix, columns), (stop - start, groups, out_channels) + part))
        return rows[0] if len(rows) == 1 else xp.concat(rows, axis=3)

    results = _map_chunks(xp, chunk, _batch_chunks(batch, per_item), per_item * batch * out_channels)
    return results[0] if len(results) == 1 else xp.concat(results, axis=0)


# NumPy fast path of the windows engine for calls whose per-sample columns fit in one block
# (small images, e.g. 64x1x28x28 with 32 5x5 filters): there, fixed per-call costs dominate the
# few hundred microseconds of work. When the columns of the whole batch fit one block, the batch
# is split by samples, one part per core, and each thread gathers its part's columns (a two-pass
# copy, _copy_windows_numpy) and multiplies them straight into the result (``out=``). Each part
# holds the GIL only for a few microseconds of Python around its two copies and its product, all
# three of which release it: on the 2-vCPU benchmark machine a thread waiting for the GIL is
# woken tens of microseconds late, so the Python between the releasing calls is kept to a few
# ``as_strided`` views (0.42 ms for the call, against 0.65 ms when the calling thread gathered
# everything first and only the products were split). Larger batches gather and multiply block
# by block (bounded memory). The bias rides in the product as one more column row of ones
# against a bias column of the weight matrix (4% more multiply-adds on 25 taps), because adding
# it afterwards with broadcasting is a separate pass over the whole output (measured 0.2 ms of
# the 1 ms call).
_SMALL_PARALLEL_MIN_PRODUCTS = 2**22


# Scratch buffers reused across calls, one set per thread: the columns of a small call are
# megabytes that glibc hands back to the system after each call (their size is near its mmap
# threshold), and touching fresh pages cost 2-3 us each on the benchmark machine (a virtual
# machine): ~1000 page faults, 2.5 ms, for a 0.6 ms convolution. Buffers above the limit are
# allocated per call, where the work amortises the faults.
_SCRATCH = threading.local()
_SCRATCH_LIMIT = 2**23  # bytes kept per slot and thread (8 MiB)


def _scratch(slot, shape, dtype):
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


def _weight_matrix(w, rows, bias=None):
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


def _windows_fit(groups, channels, kernel, out):
    return groups * (channels * math.prod(kernel) + 1) * math.prod(out) <= _COLUMN_BLOCK


def _correlate_windows_numpy(x, w, stride, dilation, bias=None):
    """x (B, G, C, *spatial) already padded, w (G, O, C, *kernel), bias (G, O) -> (B, G, O, *out)."""
    import numpy as np

    kernel = tuple(w.shape[3:])
    out = _output_shape(x.shape[3:], kernel, stride, dilation)
    batch, groups, channels = x.shape[:3]
    out_channels, rows, positions = w.shape[1], channels * math.prod(kernel), math.prod(out)
    depth = rows + (bias is not None)
    matrix = _weight_matrix(w, rows, bias)
    result = np.empty((batch, groups, out_channels, positions), dtype=x.dtype)
    per_item = groups * depth * positions
    products = batch * groups * out_channels * depth * positions
    threshold = min(_SMALL_PARALLEL_MIN_PRODUCTS, _PARALLEL_MIN_PRODUCTS)

    def gather(start, stop, columns=None):
        if columns is None:
            columns = _scratch("columns", (stop - start, groups, depth, positions), x.dtype)
        _copy_windows_numpy(x[start:stop], kernel, stride, dilation, out,
                            columns[:, :, :rows].reshape((stop - start, groups, channels) + kernel + out))
        if bias is not None:
            columns[:, :, rows] = 1
        return columns

    if batch * per_item <= _COLUMN_BLOCK:
        columns = _scratch("columns", (batch, groups, depth, positions), x.dtype)
        _gather_and_multiply(matrix, columns, result, gather, products >= threshold)
    else:
        step = max(1, _COLUMN_BLOCK // per_item)

        def block(bounds):
            np.matmul(matrix, gather(*bounds), out=result[bounds[0] : bounds[1]])

        _parallel_blocks(block, [(start, min(batch, start + step)) for start in range(0, batch, step)],
                         products, threshold)
    return result.reshape((batch, groups, out_channels) + out)


def _gather_and_multiply(matrix, columns, result, gather, parallel):
    """Fill ``columns`` (B, ...) by ``gather`` and multiply them into ``result``, part by part.

    On several cores the batch is split by samples, one part per core; each part is gathered
    (``gather(start, stop, columns[start:stop])``) and multiplied by the thread that computes it,
    the first (slightly larger) part by the calling thread. A part whose worker has not started
    by the time the calling thread is done is taken back and computed here, so a worker the
    system wakes late is never waited for.
    """
    import numpy as np

    batch = columns.shape[0]

    def compute(part):
        start, stop = part
        np.matmul(matrix, gather(start, stop, columns[start:stop]), out=result[start:stop])

    controller = _blas_controller() if parallel and _CORES > 1 and batch > 1 else None
    if controller is None:
        compute((0, batch))
        return
    pool = _pool()
    # the calling thread starts at once, a worker only once woken: give the caller 1/16 more
    lead = batch // 16
    step = -(-(batch - lead) // _CORES)
    parts = [(0, step + lead)] + [(start, min(batch, start + step)) for start in range(step + lead, batch, step)]
    with _single_threaded_blas(controller):
        pending = [(part, pool.submit(compute, part)) for part in parts[1:]]
        compute(parts[0])
        for part, task in pending:
            if task.cancel():  # never started: compute it here rather than wait for a worker
                compute(part)
            else:
                task.result()


def _copy_windows_numpy(x, kernel, stride, dilation, out, destination):
    """Write the windows of x (B, G, C, *spatial) into ``destination`` (B, G, C, *kernel, *out).

    In two passes when there are several axes: first the taps along the last axis (a gather of
    rows out[-1] long), then the taps along the other axes, which are whole contiguous planes of
    the first pass's result (for stride 1): memory copies instead of short strided rows (0.09 ms
    instead of 0.13 ms for 32 28x28 images and 5x5 taps, where one strided copy copies 24-value
    rows). The views are built by ``as_strided`` from the strides ``sliding_window_view`` would
    give (the tests compare both with the generic gathering): it costs 3 us where
    ``sliding_window_view`` plus the axis moves cost 35 us, Python that holds the GIL while the
    other cores' parts wait for it (see ``_gather_and_multiply``).
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
    first = _scratch("rows", rows_shape, x.dtype)
    np.copyto(first, rows)
    # (B, G, C, *kernel[:-1], kernel[-1], *out[:-1], out[-1]) out of the first pass's planes
    planes = first.strides[4:-1]
    view = as_strided(first, lead + kernel + out,
                      first.strides[:3] + tuple(d * p for d, p in zip(dilation[:-1], planes)) + (first.strides[3],)
                      + tuple(s * p for s, p in zip(stride[:-1], planes)) + (first.strides[-1],),
                      writeable=False)
    np.copyto(destination, view)


def _weight_correlate_direct(xp, x, g, kernel, stride, dilation):
    """sum_b correlation of x[b] with g[b]: x (B, G, C, *sp), g (B, G, O, *out) -> (G, O, C, *kernel)."""
    out = tuple(g.shape[3:])
    batch, groups, channels = x.shape[:3]
    out_channels = g.shape[2]
    per_item = groups * channels * math.prod(kernel) * math.prod(out)
    total = None
    for start, stop in _batch_chunks(batch, per_item):
        for first, last in _row_blocks(per_item, out[0]):
            part = (last - first,) + out[1:]
            block = x[start:stop, :, :, _input_rows(first, last, kernel, stride, dilation), ...]
            columns = _windows(xp, block, kernel, stride, dilation, part)
            upstream = xp.reshape(g[start:stop, :, :, first:last, ...],
                                  (stop - start, groups, out_channels, math.prod(part)))
            piece = xp.sum(xp.matmul(upstream, xp.matrix_transpose(columns)), axis=0)
            total = piece if total is None else total + piece
    return xp.reshape(total, (groups, out_channels, channels) + tuple(kernel))


# NumPy fast path for stride 1: "shifted" im2col. In the row-major flattened padded input, the
# window of output position p starts at flat index p + offset(tap), so every column block is one
# *contiguous* slice (a memcpy, not a strided gather), and one matrix product computes the output
# on the whole padded plane; the positions past the output's extent in the trailing axes are
# computed and cropped away (for 3x3 on 56x56 that is 4% extra work). The column blocks are
# small enough to stay in cache and the product writes straight into the result (``out=``).
_SHIFTED_BLOCK = 2**21  # column entries per block: 8 MiB of float32, cache-sized for the product
# Product entries per block of the forward pass: a 1 MiB float32 product stays in a core's L2
# cache while BLAS writes it. Measured with OpenBLAS on the benchmark machine, 64 output channels
# and 148 rows of columns: 95-99 GFLOP/s for 3,000-7,000 columns, 84 for 14,000, 69 for 51,000.
_PRODUCT_BLOCK = 2**18


def _shifted_layout(spatial, kernel, dilation):
    nd = len(spatial)
    steps = [math.prod(spatial[i + 1 :]) for i in range(nd)]
    offsets = [sum(t * d * s for t, d, s in zip(tap, dilation, steps)) for tap in _indices(kernel)]
    out = _output_shape(spatial, kernel, (1,) * nd, dilation)
    length = out[0] * steps[0]  # every flat position of the first out[0] leading-axis slabs
    return offsets, out, length


def _shifted_columns(flat, offsets, start, stop, first, last, columns=None):
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


def _shifted_blocks(batch, per_position, length, slab, product_per_position=0):
    """(start, stop, first, last) blocks whose columns hold at most about _SHIFTED_BLOCK values.

    ``first`` and ``last`` are flat positions at whole slabs (``slab`` positions each) of the
    first axis, so that every block's product can be cropped on its own. With
    ``product_per_position``, a block's product also holds at most about _PRODUCT_BLOCK values.
    """
    positions = _SHIFTED_BLOCK // per_position
    if product_per_position:
        positions = min(positions, _PRODUCT_BLOCK // product_per_position)
    if length <= positions:
        # at least one block per core, so that _parallel_blocks can use them all
        step = max(1, min(positions // length, -(-batch // _CORES)))
        return [(start, min(batch, start + step), 0, length) for start in range(0, batch, step)]
    span = slab * max(1, positions // slab)
    return [(start, start + 1, first, min(length, first + span))
            for start in range(batch) for first in range(0, length, span)]


def _flat_padded(x, before, after, need, slot=None):
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
        flat = _scratch(slot, shape, x.dtype)
        flat.fill(0)
    # splitting the last axis is always a view, so this writes into ``flat``
    interior = tuple(slice(b, b + n) for b, n in zip(before, spatial))
    flat[..., :total].reshape(lead + padded)[(Ellipsis,) + interior] = x
    return flat


def _correlate_shifted_numpy(x, w, dilation, before=None, after=None, bias=None):
    """Stride-1 correlation of x (B, G, C, *spatial), zero-padded by before/after, with w (G, O, C, *k).

    ``bias`` (G, O), if given, is added to every position. Returns a new (B, G, O, *out) array.

    The product is computed on the whole padded plane (positions whose window runs off its edge
    are computed too and thrown away) so that every tap's columns are one contiguous slice. Each
    block pads its samples (blocks of rows of large samples share one padded copy), gathers their
    columns (the bias as a row of ones), multiplies them into a scratch product and crops that
    into the result, all on its own thread: padding, cropping and the bias are parallel,
    cache-warm passes instead of serial passes over the whole output (9 of the 58 ms of the
    32x64x56x56 case of benchmarks/bench_nn.py were serial).
    """
    import numpy as np

    nd = w.ndim - 3
    before, after = before or (0,) * nd, after or (0,) * nd
    kernel = tuple(w.shape[3:])
    spatial = tuple(n + a + b for n, a, b in zip(x.shape[3:], before, after))
    offsets, out, length = _shifted_layout(spatial, kernel, dilation)
    batch, groups, channels = x.shape[:3]
    out_channels, rows = w.shape[1], channels * len(offsets)
    depth = rows + (bias is not None)
    matrix = _weight_matrix(w, rows, bias)
    x = np.asarray(x)
    result = np.empty((batch, groups, out_channels) + out, dtype=x.dtype)
    slab = math.prod(spatial[1:])
    crop = (Ellipsis,) + tuple(slice(0, o) for o in out[1:])

    blocks = _shifted_blocks(batch, groups * depth, length, slab, groups * out_channels)
    # blocks of whole samples pad their own; blocks of rows share one padded copy of the input
    shared = None if blocks[0][2:] == (0, length) else _flat_padded(x, before, after, offsets[-1] + length)

    def block(bounds):
        start, stop, first, last = bounds
        if shared is None:
            flat = _flat_padded(x[start:stop], before, after, offsets[-1] + length, slot="flat")
        else:
            flat = shared[start:stop]
        columns = _scratch("columns", (stop - start, groups, depth, last - first), x.dtype)
        _shifted_columns(flat, offsets, 0, stop - start, first, last, columns)
        if bias is not None:
            columns[:, :, rows] = 1
        product = _scratch("product", (stop - start, groups, out_channels, last - first), x.dtype)
        np.matmul(matrix, columns, out=product)
        planes = product.reshape((stop - start, groups, out_channels, (last - first) // slab) + spatial[1:])
        result[start:stop, :, :, first // slab : last // slab] = planes[crop]

    products = batch * groups * out_channels * depth * length
    _parallel_blocks(block, blocks, products)
    return result


def _weight_correlate_shifted_numpy(x, g, kernel, dilation, before=None, after=None):
    import numpy as np

    nd = len(kernel)
    before, after = before or (0,) * nd, after or (0,) * nd
    spatial = tuple(n + a + b for n, a, b in zip(x.shape[3:], before, after))
    offsets, out, length = _shifted_layout(spatial, kernel, dilation)
    batch, groups, channels = x.shape[:3]
    out_channels, taps = g.shape[2], len(offsets)
    flat = _flat_padded(np.asarray(x), before, after, offsets[-1] + length)
    # the upstream gradient laid out on the padded plane, zero where no output position is
    spread = np.zeros((batch, groups, out_channels, out[0]) + spatial[1:], dtype=x.dtype)
    spread[(Ellipsis, slice(None)) + tuple(slice(0, o) for o in out[1:])] = g
    spread = spread.reshape(batch, groups, out_channels, length)

    def block(bounds):
        start, stop, first, last = bounds
        columns = _shifted_columns(flat, offsets, start, stop, first, last)
        upstream = spread[start:stop, :, :, first:last]
        return np.matmul(upstream, columns.transpose(0, 1, 3, 2)).sum(axis=0)

    products = batch * groups * out_channels * channels * taps * length
    slab = math.prod(spatial[1:])
    parts = _parallel_blocks(block, _shifted_blocks(batch, groups * channels * taps, length, slab), products)
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total.reshape((groups, out_channels, channels) + tuple(kernel))


# Blocks run on one thread per core, each calling a single-threaded BLAS, rather than one after
# the other on a multi-threaded BLAS: OpenBLAS's threads wait for each other inside every
# product, so on a busy machine one descheduled thread stalls them all (the 32x64x56x56 case of
# benchmarks/bench_nn.py ran 6x slower than with independent blocks, which only stall their own
# share). Below this many multiply-adds a call is too small to be worth the threads.
_PARALLEL_MIN_PRODUCTS = 2**27
_CORES = os.cpu_count() or 1  # read once: os.cpu_count() costs ~10 us a call here
_POOL = None
_POOL_LOCK = threading.Lock()


def _pool():
    """The module's thread pool, one worker per core, made on first use."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=_CORES, thread_name_prefix="convalg-nn")
        return _POOL


def _blas_controller():
    """threadpoolctl's controller of the loaded BLAS (cached), or None without threadpoolctl."""
    global _CONTROLLER
    if _CONTROLLER is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # an optional speed-up ('learn' extra): run the blocks in turn
            _CONTROLLER = False
        else:
            _CONTROLLER = ThreadpoolController()
    return _CONTROLLER or None


_CONTROLLER = None

# Held by the one call that has set the process's BLAS to one thread. OpenBLAS's thread count is
# process-wide, so limits entered from several threads do not nest: a second call would save
# the first call's 1 as "the original" and restore it last, leaving every later product in the
# process single-threaded. And since threadpoolctl 3.8 only one "controlling" thread at a time
# may change OpenBLAS's count (the others are silently ignored), so a limit must be set and
# restored by the same thread. Hence one holder at a time: a call that finds the limit held runs
# without touching it (it gains while the holder's limit lasts; afterwards its BLAS calls share
# the cores, which is slower, never wrong).
_BLAS_LIMIT = threading.Lock()


@contextlib.contextmanager
def _single_threaded_blas(controller):
    """Run the body with the process's BLAS on one thread, restored to what it was afterwards."""
    if not _BLAS_LIMIT.acquire(blocking=False):
        yield
        return
    try:
        with controller.limit(limits=1, user_api="blas"):
            yield
    finally:
        _BLAS_LIMIT.release()


def _parallel_blocks(function, blocks, products, min_products=None):
    """``[function(b) for b in blocks]``, on every core when the work is large (see above).

    ``min_products`` (default ``_PARALLEL_MIN_PRODUCTS``) is the work from which threads pay.
    Calls below ``_PARALLEL_MIN_PRODUCTS`` (sub-millisecond ones, admitted by a lower
    ``min_products``) are drained by the calling thread too, which returns as soon as every block
    is done: a worker the system wakes late (on a busy or virtualised machine that can take
    longer than the whole call) then finds nothing left to do instead of being waited for.
    Larger calls keep the calling thread out of the way (measured 5% faster on the 32x64x56x56
    case of benchmarks/bench_nn.py).
    """
    workers = min(len(blocks), _CORES)
    threshold = _PARALLEL_MIN_PRODUCTS if min_products is None else min_products
    controller = _blas_controller() if workers > 1 and products >= threshold else None
    if controller is None:
        return [function(b) for b in blocks]
    pool = _pool()
    if products >= _PARALLEL_MIN_PRODUCTS:
        # one task per block: an idle worker takes the next block, so a worker the system holds
        # back delays only the blocks it has, and ``map`` keeps the results in block order
        with _single_threaded_blas(controller):
            return list(pool.map(function, blocks))
    results = [None] * len(blocks)
    claims = itertools.count()  # next() on it is atomic: each block is claimed once
    remaining = [len(blocks)]
    failures = []
    lock = threading.Lock()
    finished = threading.Event()

    def drain():
        for index in iter(claims.__next__, None):
            if index >= len(blocks):
                return
            try:
                results[index] = function(blocks[index])
            except BaseException as error:  # re-raised in the calling thread
                failures.append(error)
            with lock:
                remaining[0] -= 1
                if remaining[0] == 0:
                    finished.set()

    with _single_threaded_blas(controller):
        for _ in range(workers - 1):
            pool.submit(drain)
        drain()
        finished.wait()
    if failures:
        raise failures[0]
    return results


def _map_chunks(xp, function, chunks, products):
    """``[function(c) for c in chunks]``; NumPy's run on every core as ``_parallel_blocks`` does."""
    if backends.is_numpy(xp):
        return _parallel_blocks(function, chunks, products)
    return [function(c) for c in chunks]


def _fft_shape(xp, shape):
    if backends.is_numpy(xp) or backends.library_name(xp) == "cupy":
        fft = backends.fft_module(xp)
        return tuple(fft.next_fast_len(n, real=True) for n in shape)
    return tuple(shape)


def _rfftn(xp, x, shape):
    fft = backends.fft_module(xp)
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    if backends.is_numpy(xp):
        return fft.rfftn(x, s=shape, axes=axes, workers=-1)
    return fft.rfftn(x, s=shape, axes=axes)


def _irfftn(xp, x, shape):
    fft = backends.fft_module(xp)
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    if backends.is_numpy(xp):
        return fft.irfftn(x, s=shape, axes=axes, workers=-1)
    return fft.irfftn(x, s=shape, axes=axes)


def _spectral_contract(xp, a, b, a_axes, b_axes, result_order):
    """Contract spectra with a batched matrix product over the frequency axis (no einsum in the standard)."""
    left = xp.permute_dims(a, a_axes)
    right = xp.permute_dims(b, b_axes)
    return xp.permute_dims(xp.matmul(left, right), result_order)


def _correlate_fft(xp, x, w, stride, dilation):
    """Correlation theorem: valid correlation of length n - reach + 1 never wraps in a length-n cyclic one."""
    nd = w.ndim - 3
    kernel = tuple(w.shape[3:])
    spatial = tuple(x.shape[3:])
    out = _output_shape(spatial, kernel, stride, dilation)
    shape = _fft_shape(xp, spatial)
    x_hat = _rfftn(xp, x, shape)  # (B, G, C, *F)
    w_hat = xp.conj(_rfftn(xp, _dilate(xp, w, dilation, nd), shape))  # (G, O, C, *F)
    f_axes = tuple(range(3, 3 + nd))
    # (G, *F, B, C) @ (G, *F, C, O) -> (G, *F, B, O) -> (B, G, O, *F)
    product = _spectral_contract(
        xp,
        x_hat,
        w_hat,
        (1,) + f_axes + (0, 2),
        (0,) + f_axes + (2, 1),
        (nd + 1, 0, nd + 2) + tuple(range(1, nd + 1)),
    )
    full = _irfftn(xp, product, shape)
    keep = tuple(slice(0, s * (o - 1) + 1, s) for s, o in zip(stride, out))
    return full[(...,) + keep]


def _weight_correlate_fft(xp, x, g, kernel, stride, dilation):
    nd = len(kernel)
    spatial = tuple(x.shape[3:])
    shape = _fft_shape(xp, spatial)
    x_hat = _rfftn(xp, x, shape)  # (B, G, C, *F)
    g_hat = xp.conj(_rfftn(xp, _dilate(xp, g, stride, nd), shape))  # (B, G, O, *F)
    f_axes = tuple(range(3, 3 + nd))
    # (G, *F, O, B) @ (G, *F, B, C) -> (G, *F, O, C) -> (G, O, C, *F)
    product = _spectral_contract(
        xp,
        g_hat,
        x_hat,
        (1,) + f_axes + (2, 0),
        (1,) + f_axes + (0, 2),
        (0, nd + 1, nd + 2) + tuple(range(1, nd + 1)),
    )
    full = _irfftn(xp, product, shape)
    keep = tuple(slice(0, d * (k - 1) + 1, d) for d, k in zip(dilation, kernel))
    return full[(...,) + keep]


def _choose_method(batch, groups, channels, out_channels, spatial, kernel, out) -> str:
    """Pick the cheaper engine by a documented operation count (see the constants above)."""
    products = batch * groups * out_channels * channels * math.prod(kernel) * math.prod(out)
    direct = products * (1 + _COLUMN_UNIT / out_channels)
    length = math.prod(spatial)
    transforms = (batch * channels + out_channels * channels + batch * out_channels) * groups
    fft = _FFT_UNIT * transforms * length * math.log2(max(length, 2))
    fft += _SPECTRAL_UNIT * batch * groups * out_channels * channels * length / 2
    return "fft" if fft < direct else "direct"


def _engine(xp, method, arrays, sizes, what, extra=0):
    """The engine for a correlation of the given sizes, once its memory is known to fit.

    ``sizes`` are ``_choose_method``'s arguments (batch, groups, channels, out_channels, padded,
    kernel, out) and ``extra`` counts entries the caller allocates besides the engine's. 'auto'
    takes the cheaper engine by operation count if it fits in memory, else the other one; but
    never the FFT when one of ``arrays`` holds a NaN or an infinity: every output of a spectral
    product depends on every input, so one NaN would spread to the whole result, where a direct
    sum keeps it in the outputs whose window holds it (as PyTorch and convalg.signal do).
    """
    itemsize = xp.finfo(arrays[0].dtype).bits // 8

    def need(engine):
        return _memory_need(xp, engine, sizes, extra) * itemsize

    if method == "auto":
        preferred = _choose_method(*sizes)
        for candidate in (preferred, "direct" if preferred == "fft" else "fft"):
            # the memory first: it costs nothing, the finiteness a pass over the data
            if _fits(need(candidate)) and (candidate == "direct" or _all_finite(xp, *arrays)):
                return candidate
        method = "direct"  # nothing fits (the check says how much it needs), or only an FFT on NaN
    _guard_memory(need(method), what.using(method))
    return method


def _memory_need(xp, method, sizes, extra=0) -> int:
    """The real entries an engine holds at its peak, counted as convalg.signal counts its own.

    The result, the zero-padded input, ``extra``, and the engine's workspace: for 'direct' one
    block of columns per core (a block holds at least one output row of one sample), for 'fft'
    the spectra (two reals each) of the input, the kernel and their product, the matrix
    product's copies of the first two, and the inverse transform before cropping.
    """
    batch, groups, channels, out_channels, padded, kernel, out = sizes
    entries = batch * groups * (out_channels * math.prod(out) + channels * math.prod(padded)) + extra
    if method == "fft":
        shape = _fft_shape(xp, padded)
        spectrum = math.prod(shape[:-1]) * (shape[-1] // 2 + 1)
        spectra = 2 * (batch * channels + out_channels * channels) + batch * out_channels
        entries += 2 * groups * spectra * spectrum + batch * groups * out_channels * math.prod(shape)
    else:
        row = groups * channels * math.prod(kernel) * math.prod(out[1:])
        entries += min(row * batch * out[0], _CORES * max(_COLUMN_BLOCK, row))
    return entries


def _all_finite(xp, *arrays) -> bool:
    return all(bool(xp.all(xp.isfinite(a))) for a in arrays)


def _guard_memory(nbytes: int, what: _Naming) -> None:
    """convalg.signal's MemoryError naming the call and the size, when ``nbytes`` will not fit."""
    if not _fits(nbytes):
        _validate.check_memory(nbytes, str(what))


def _fits(nbytes: int) -> bool:
    try:
        _validate.check_memory(nbytes, "")
    except MemoryError:
        return False
    return True


class _Naming:
    """How a MemoryError names a call: ``conv2d of input 1x1x5x5 and weight 3x1x3x3 (float64)
    with method='direct'``, written out only when one is raised (formatting the shapes would
    cost a small call more than its memory check)."""

    def __init__(self, name, method=None, **arrays):
        self.name, self.method, self.arrays = name, method, arrays

    def using(self, method):
        return _Naming(self.name, method, **self.arrays)

    def __str__(self):
        shapes = " and ".join(f"{label} {'x'.join(map(str, a.shape))}" for label, a in self.arrays.items())
        text = f"{self.name} of {shapes} ({next(iter(self.arrays.values())).dtype})"
        return text if self.method is None else f"{text} with method={self.method!r}"


def _correlate(xp, x, w, stride, dilation, method, before, after, bias=None, *, what):
    """Correlate x (B, G, C, *spatial), zero-padded by before/after, with w (G, O, C, *kernel).

    ``bias`` (G, O), if given, is added to every position of the result. ``what`` (a
    ``_Naming``) names the public operation in a MemoryError.
    """
    kernel = tuple(w.shape[3:])
    padded = tuple(n + a + b for n, a, b in zip(x.shape[3:], before, after))
    out = _output_shape(padded, kernel, stride, dilation)
    sizes = (x.shape[0], x.shape[1], x.shape[2], w.shape[1], padded, kernel, out)
    method = _engine(xp, method, (x, w), sizes, what)
    if method == "direct" and backends.is_numpy(xp):
        # the shifted fast path saves on gathering columns (channels * taps rows) but computes the
        # output on the padded plane and crops it (out_channels rows): it wins when columns dominate
        if all(s == 1 for s in stride) and x.shape[2] * math.prod(kernel) > w.shape[1]:
            return _correlate_shifted_numpy(x, w, dilation, before, after, bias)
        if _windows_fit(x.shape[1], x.shape[2], kernel, out):
            return _correlate_windows_numpy(_pad(xp, x, before, after), w, stride, dilation, bias)
    engine = _correlate_fft if method == "fft" else _correlate_windows
    result = engine(xp, _pad(xp, x, before, after), w, stride, dilation)
    return result if bias is None else _add_bias(xp, result, bias)


def _weight_correlate(xp, x, g, kernel, stride, dilation, method, before, after, what):
    """sum_b correlation of x[b] (zero-padded by before/after) with g[b]: -> (G, O, C, *kernel)."""
    padded = tuple(n + a + b for n, a, b in zip(x.shape[3:], before, after))
    # the upstream gradient plays the kernel (its extent decides, as in the forward pass) and the
    # batch is summed over, like the channels of a forward pass
    sizes = (x.shape[2], x.shape[1], x.shape[0], g.shape[2], padded, tuple(g.shape[3:]), kernel)
    # the upstream gradient laid out on the padded plane (the direct engine) or dilated (FFT)
    spread = x.shape[0] * x.shape[1] * g.shape[2] * math.prod(padded)
    method = _engine(xp, method, (x, g), sizes, what, extra=spread)
    if method == "direct" and backends.is_numpy(xp) and all(s == 1 for s in stride):
        import numpy as np

        total = _weight_correlate_shifted_numpy(x, g, kernel, dilation, before, after)
        # its columns also hold the positions past each row's last window, against a zero
        # upstream gradient: a NaN or infinity there (0 * inf is NaN) would reach taps whose
        # windows never read it, so a non-finite result is computed again from the windows alone
        if np.isfinite(total).all():
            return total
    engine = _weight_correlate_fft if method == "fft" else _weight_correlate_direct
    return engine(xp, _pad(xp, x, before, after), g, kernel, stride, dilation)


# --------------------------------------------------------------------------- public operations


def _forward(nd, input, weight, bias, stride, padding, dilation, groups, method):
    _check_method(method)
    xp, arrays = _arrays(nd, input, weight, bias)
    x, w = arrays["input"], arrays["weight"]
    geometry = _geometry(x.shape, w.shape, stride, padding, dilation, groups, nd)
    out_channels = w.shape[0]
    if bias is not None:
        b = arrays["bias"]
        if tuple(b.shape) != (out_channels,):
            raise ValueError(f"bias must have shape ({out_channels},) (one per output channel); got {tuple(b.shape)}")
    batch, channels = x.shape[:2]
    groups = geometry.groups
    grouped = xp.reshape(x, (batch, groups, channels // groups) + geometry.spatial)
    kernels = xp.reshape(w, (groups, out_channels // groups, channels // groups) + geometry.kernel)
    grouped_bias = None if bias is None else xp.reshape(arrays["bias"], (groups, out_channels // groups))
    result = _correlate(xp, grouped, kernels, geometry.stride, geometry.dilation, method,
                        geometry.pad_before, geometry.pad_after, bias=grouped_bias,
                        what=_Naming(f"conv{nd}d", input=x, weight=w))
    return _contiguous(xp, xp.reshape(result, (batch, out_channels) + geometry.out))


def _add_bias(xp, result, bias):
    """``result`` (B, G, O, *out) plus ``bias`` (G, O) broadcast over the batch and positions."""
    bias = xp.reshape(bias, (1,) + tuple(bias.shape) + (1,) * (result.ndim - 3))
    if backends.is_numpy(xp):
        import numpy as np

        if result.flags.c_contiguous:  # a fresh product of ours: add in place
            result += bias
            return result
        # one pass that adds the bias and compacts a cropped view (the FFT engine's)
        return np.add(result, bias, out=np.empty(result.shape, dtype=result.dtype))
    return result + bias


def _contiguous(xp, x):
    """Cropped views (the FFT engine's, the input gradient's) made compact, as NumPy users expect."""
    if backends.is_numpy(xp):
        import numpy as np

        return np.ascontiguousarray(x)
    return x


def _backward(nd, grad_output, input, weight, stride, padding, dilation, groups, method, input_grad=True):
    _check_method(method)
    xp, arrays = _arrays(nd, input, weight, grad_output=grad_output)
    x, w, g = arrays["input"], arrays["weight"], arrays["grad_output"]
    geometry = _geometry(x.shape, w.shape, stride, padding, dilation, groups, nd)
    batch, channels = x.shape[:2]
    out_channels = w.shape[0]
    expected = (batch, out_channels) + geometry.out
    if tuple(g.shape) != expected:
        raise ValueError(f"grad_output must have the output's shape {expected}; got {tuple(g.shape)}")
    groups = geometry.groups
    per_group, out_per_group = channels // groups, out_channels // groups
    grouped_g = xp.reshape(g, (batch, groups, out_per_group) + geometry.out)
    kernels = xp.reshape(w, (groups, out_per_group, per_group) + geometry.kernel)
    what = _Naming(f"conv{nd}d_grad", input=x, weight=w)

    # grad_input: full convolution of the stride-dilated upstream gradient with the kernel,
    # i.e. correlation with the flipped kernel whose in/out channels are swapped.
    grad_input = _input_gradient(xp, grouped_g, kernels, geometry, method, what) if input_grad else None

    # grad_weight: correlation of the padded input with the upstream gradient.
    grouped_x = xp.reshape(x, (batch, groups, per_group) + geometry.spatial)
    grad_weight = _weight_correlate(
        xp, grouped_x, grouped_g, geometry.kernel, geometry.stride, geometry.dilation, method,
        geometry.pad_before, geometry.pad_after, what,
    )
    grad_weight = xp.reshape(grad_weight, tuple(w.shape))
    grad_bias = xp.sum(g, axis=(0,) + tuple(range(2, 2 + nd)))
    return grad_input, grad_weight, grad_bias


def _input_gradient(xp, grouped_g, kernels, geometry, method, what):
    """The full convolution of the upstream gradient with the kernel, cropped by the padding.

    Two forms of the same convolution: a correlation of the stride-dilated, padded upstream
    gradient with the flipped, channel-transposed kernel (its columns have one row per output
    channel and tap), or shift-and-add, ``sum_t shift_t(W_t^T g)`` (one matrix product, then each
    tap's block added back at its offset: col2im; its columns have one row per *input* channel
    and tap). The smaller column matrix decides; the FFT engine uses the first form.
    """
    nd = geometry.nd
    batch, groups, out_per_group = grouped_g.shape[:3]
    per_group = kernels.shape[2]
    channels = groups * per_group
    padded = math.prod(geometry.padded)
    # A NaN or infinite weight would also meet the zeros put between and around the upstream
    # gradient's samples in the first form (0 * inf is NaN) and reach input positions no window
    # of that tap covers; shift-and-add only adds what each output's window receives.
    if method != "fft" and (per_group < out_per_group or not _all_finite(xp, kernels)):
        # the padded gradient and its cropped copy, and per core a block of columns and its col2im
        taps = math.prod(geometry.kernel)
        row = groups * per_group * taps * math.prod(geometry.out[1:])
        columns = min(row * batch * geometry.out[0], _CORES * max(_COLUMN_BLOCK, row))
        entries = 2 * batch * channels * padded + 2 * columns
        _guard_memory(entries * (xp.finfo(grouped_g.dtype).bits // 8), what.using("direct"))
        return _input_gradient_shift_add(xp, grouped_g, kernels, geometry)
    reach = tuple(d * (k - 1) for k, d in zip(geometry.kernel, geometry.dilation))
    dilated = tuple(s * (o - 1) + 1 for s, o in zip(geometry.stride, geometry.out))
    # the dilated gradient, zero-padded by the reach on both sides (and on the right up to the
    # padded input's extent, for positions no window reached), correlates to the padded input
    sizes = (batch, groups, out_per_group, per_group, tuple(p + r for p, r in zip(geometry.padded, reach)),
             geometry.kernel, geometry.padded)
    extra = batch * groups * out_per_group * math.prod(dilated) + batch * channels * math.prod(geometry.spatial)
    method = _engine(xp, method, (grouped_g, kernels), sizes, what, extra)
    spread = _dilate(xp, grouped_g, geometry.stride, nd)
    tail = tuple(p - (n + r) for p, n, r in zip(geometry.padded, dilated, reach))
    flipped = xp.flip(kernels, axis=tuple(range(3, 3 + nd)))
    adjoint = xp.permute_dims(flipped, (0, 2, 1) + tuple(range(3, 3 + nd)))
    grad_padded = _correlate(xp, spread, adjoint, (1,) * nd, geometry.dilation, method,
                             reach, tuple(r + t for r, t in zip(reach, tail)), what=what)
    crop = tuple(slice(b, b + n) for b, n in zip(geometry.pad_before, geometry.spatial))
    return _contiguous(xp, xp.reshape(grad_padded, (batch, channels) + geometry.padded)[(...,) + crop])


def _input_gradient_shift_add(xp, grouped_g, kernels, geometry):
    batch, groups, out_per_group = grouped_g.shape[:3]
    per_group = kernels.shape[2]
    kernel, stride, dilation, out = geometry.kernel, geometry.stride, geometry.dilation, geometry.out
    taps = math.prod(kernel)
    # (G, O, C, *k) -> (G, C * taps, O): row (c, t) of W^T
    matrix = xp.matrix_transpose(xp.reshape(kernels, (groups, out_per_group, per_group * taps)))
    grad_padded = xp.zeros((batch, groups, per_group) + geometry.padded, dtype=grouped_g.dtype,
                           device=grouped_g.device)
    per_item = groups * per_group * taps * math.prod(out)

    def chunk(bounds):
        # the row blocks of one chunk overlap in their halos, so they are added in turn; chunks
        # write disjoint samples and may run side by side
        start, stop = bounds
        for first, last in _row_blocks(per_item, out[0]):
            part = (last - first,) + out[1:]
            upstream = xp.reshape(grouped_g[start:stop, :, :, first:last, ...],
                                  (stop - start, groups, out_per_group, math.prod(part)))
            columns = xp.matmul(matrix, upstream)
            rows = _input_rows(first, last, kernel, stride, dilation)
            region = (slice(start, stop), slice(None), slice(None), rows, ...)
            extent = (rows.stop - rows.start,) + geometry.padded[1:]
            grad_padded[region] = grad_padded[region] + _windows_adjoint(
                xp, columns, (stop - start, groups, per_group) + extent, kernel, stride, dilation, part
            )

    _map_chunks(xp, chunk, _batch_chunks(batch, per_item), per_item * batch * out_per_group)
    crop = tuple(slice(b, b + n) for b, n in zip(geometry.pad_before, geometry.spatial))
    return _contiguous(xp, xp.reshape(grad_padded, (batch, groups * per_group) + geometry.padded)[(...,) + crop])


def _dask_route(function, input, weight, bias, stride, padding, dilation, groups, method):
    from convalg import chunked

    return chunked.apply(
        function, input, weight, bias=bias, stride=stride, padding=padding, dilation=dilation,
        groups=groups, method=method,
    )


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, *, method="auto"):
    """1-D convolution layer operation (cross-correlation, as in PyTorch) over a batch of signals.

    ``out[n, o, j] = bias[o] + sum_{c, i} weight[o, c, i] * x[n, g*C/G + c, j*stride + i*dilation]``
    where ``x`` is ``input`` zero-padded and ``g`` the group of output channel ``o``.

    Parameters
    ----------
    input : array, shape (N, C_in, L)
    weight : array, shape (C_out, C_in / groups, K)
    bias : array, shape (C_out,), optional
    stride, dilation : int or tuple of 1 int, optional
        Step between output positions, and between kernel taps. Both >= 1. Python or NumPy
        integers, as in PyTorch (not bools).
    padding : int, tuple of 1 int, 'same' or 'valid', optional
        Zeros added on both sides; 'same' (stride 1 only) keeps the length, putting any odd
        extra zero on the right, as PyTorch does.
    groups : int, optional
        Input and output channels are split into this many groups, connected group by group.
    method : {'auto', 'direct', 'fft'}, optional
        The engine: matrix products over gathered windows (BLAS), or the correlation theorem
        (cheaper for large kernels). 'auto' chooses by operation count among the engines whose
        memory fits, and never takes the FFT when an array holds a NaN or an infinity: with
        'auto' and 'direct' one reaches exactly the outputs (and gradients) whose sums it
        enters, as in PyTorch, where 'fft' spreads it to every output.

    Returns
    -------
    array, shape (N, C_out, L_out)
        ``L_out = (L + 2 * padding - dilation * (K - 1) - 1) // stride + 1``, in the inputs'
        library and common floating dtype.

    Raises
    ------
    TypeError
        If an array is not real floating point, or stride/padding/dilation/groups is not an
        int (a bool is not) or a tuple of ints.
    ValueError
        If shapes, channels and groups disagree, a tuple has the wrong length, a value is out
        of range, or the dilated kernel exceeds the padded input.
    MemoryError
        If the result and the engine's workspace would not fit in the available memory (or
        ``CONVALG_MEMORY_LIMIT`` bytes), before anything is allocated; it names the size.

    Examples
    --------
    >>> import numpy as np
    >>> from convalg.nn.functional import conv1d
    >>> x = np.array([[[1.0, 2.0, 3.0, 4.0]]])
    >>> conv1d(x, np.array([[[1.0, -1.0]]]))  # correlation: x[j] - x[j + 1]
    array([[[-1., -1., -1.]]])
    """
    if backends.is_dask(input, weight, bias):
        return _dask_route(conv1d, input, weight, bias, stride, padding, dilation, groups, method)
    return _forward(1, input, weight, bias, stride, padding, dilation, groups, method)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, *, method="auto"):
    """2-D convolution layer operation (cross-correlation, as in PyTorch) over a batch of images.

    Same parameters as :func:`conv1d` with two spatial axes: ``input`` (N, C_in, H, W),
    ``weight`` (C_out, C_in / groups, KH, KW), and ``stride``, ``padding``, ``dilation`` an
    int or a pair (or ``padding`` 'same'/'valid').

    Returns
    -------
    array, shape (N, C_out, H_out, W_out)

    Examples
    --------
    >>> import numpy as np
    >>> from convalg.nn.functional import conv2d
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> sobel_x = np.array([[[[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]]]])
    >>> conv2d(x, sobel_x)  # the ramp rises by 1 per column
    array([[[[-8., -8.],
             [-8., -8.]]]])
    >>> conv2d(x, sobel_x, padding="same", stride=1).shape
    (1, 1, 4, 4)
    """
    if backends.is_dask(input, weight, bias):
        return _dask_route(conv2d, input, weight, bias, stride, padding, dilation, groups, method)
    return _forward(2, input, weight, bias, stride, padding, dilation, groups, method)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, *, method="auto"):
    """3-D convolution layer operation (cross-correlation, as in PyTorch) over a batch of volumes.

    Same parameters as :func:`conv1d` with three spatial axes: ``input`` (N, C_in, D, H, W),
    ``weight`` (C_out, C_in / groups, KD, KH, KW).

    Returns
    -------
    array, shape (N, C_out, D_out, H_out, W_out)

    Examples
    --------
    >>> import numpy as np
    >>> from convalg.nn.functional import conv3d
    >>> x = np.ones((2, 3, 4, 4, 4))
    >>> w = np.ones((5, 3, 2, 2, 2))
    >>> y = conv3d(x, w, stride=2)
    >>> y.shape, float(y[0, 0, 0, 0, 0])
    ((2, 5, 2, 2, 2), 24.0)
    """
    if backends.is_dask(input, weight, bias):
        return _dask_route(conv3d, input, weight, bias, stride, padding, dilation, groups, method)
    return _forward(3, input, weight, bias, stride, padding, dilation, groups, method)


def conv1d_grad(grad_output, input, weight, *, stride=1, padding=0, dilation=1, groups=1, method="auto",
                input_grad=True):
    """Gradients of :func:`conv1d` with respect to its input, weight and bias.

    The adjoint of correlation is convolution: ``grad_input`` is the full *convolution* of the
    upstream gradient (zeros inserted between its samples when ``stride > 1``) with the kernel,
    computed as a correlation with the flipped kernel whose input and output channels are
    swapped, then cropped by the padding. ``grad_weight`` is the *correlation* of the padded
    input with the upstream gradient, which plays the kernel with dilation ``stride``.
    ``grad_bias`` sums the upstream gradient over the batch and the positions.

    Parameters
    ----------
    grad_output : array, shape (N, C_out, L_out)
        The gradient of a scalar loss with respect to ``conv1d(input, weight, ...)``.
    input, weight : arrays
        As passed to :func:`conv1d`.
    stride, padding, dilation, groups, method
        As passed to :func:`conv1d`.
    input_grad : bool, optional
        False skips ``grad_input`` (returned as None): a network's first layer needs no
        gradient for its input, and this saves one full convolution per step.

    Returns
    -------
    grad_input : array, shape of ``input``
    grad_weight : array, shape of ``weight``
    grad_bias : array, shape (C_out,)

    Examples
    --------
    >>> import numpy as np
    >>> from convalg.nn.functional import conv1d_grad
    >>> x = np.array([[[1.0, 2.0, 3.0, 4.0]]])
    >>> w = np.array([[[1.0, -1.0]]])
    >>> gx, gw, gb = conv1d_grad(np.ones((1, 1, 3)), x, w)
    >>> gx  # the full convolution of [1, 1, 1] with [1, -1]
    array([[[ 1.,  0.,  0., -1.]]])
    >>> gw, gb  # correlation of x with [1, 1, 1]; the sum of the upstream gradient
    (array([[[6., 9.]]]), array([3.]))
    """
    return _backward(1, grad_output, input, weight, stride, padding, dilation, groups, method, input_grad)


def conv2d_grad(grad_output, input, weight, *, stride=1, padding=0, dilation=1, groups=1, method="auto",
                input_grad=True):
    """Gradients of :func:`conv2d` with respect to its input, weight and bias.

    As :func:`conv1d_grad` with two spatial axes: ``grad_input`` is the full convolution of the
    (stride-dilated) upstream gradient with the kernel (the adjoint of correlation is
    convolution), ``grad_weight`` the correlation of the padded input with the upstream gradient.

    Examples
    --------
    >>> import numpy as np
    >>> from convalg.nn.functional import conv2d, conv2d_grad
    >>> rng = np.random.default_rng(0)
    >>> x, w = rng.standard_normal((2, 4, 6, 6)), rng.standard_normal((6, 2, 3, 3))
    >>> g = rng.standard_normal(conv2d(x, w, stride=2, padding=1, groups=2).shape)
    >>> gx, gw, gb = conv2d_grad(g, x, w, stride=2, padding=1, groups=2)
    >>> # adjoint identity: <conv(x), g> == <x, grad_input> for the linear map x -> conv(x)
    >>> bool(np.isclose(np.vdot(conv2d(x, w, stride=2, padding=1, groups=2), g), np.vdot(x, gx)))
    True
    """
    return _backward(2, grad_output, input, weight, stride, padding, dilation, groups, method, input_grad)


def conv3d_grad(grad_output, input, weight, *, stride=1, padding=0, dilation=1, groups=1, method="auto",
                input_grad=True):
    """Gradients of :func:`conv3d` with respect to its input, weight and bias.

    As :func:`conv1d_grad` with three spatial axes (the adjoint of correlation is convolution).

    Examples
    --------
    >>> import numpy as np
    >>> from convalg.nn.functional import conv3d_grad
    >>> gx, gw, gb = conv3d_grad(np.ones((1, 1, 1, 1, 1)), np.ones((1, 1, 2, 2, 2)), np.ones((1, 1, 2, 2, 2)))
    >>> gx.shape, float(gw.sum()), gb
    ((1, 1, 2, 2, 2), 8.0, array([1.]))
    """
    return _backward(3, grad_output, input, weight, stride, padding, dilation, groups, method, input_grad)
