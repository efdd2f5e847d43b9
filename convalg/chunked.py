"""Convolution of chunked dask arrays: a lazy ``map_overlap`` graph whose chunks convalg computes.

The public functions (``convalg.convolve``, ``correlate``, ``fftconvolve``, ``oaconvolve``,
``convolve2d``, ``correlate2d`` and ``convalg.nn.functional.conv1d/2d/3d``) send any call with a
dask array here. The big operand
(the *signal*) stays chunked; the small one (the *kernel*, and a bias) is broadcast to every
chunk as one shared graph node. Nothing is computed until the caller asks for it.

How a chunk becomes its part of the output, along each convolved axis:

1. Every mode (or ``padding=``) is a padding ``p`` before the signal: output ``o`` reads the
   inputs ``[o s - p, o s - p + E)``, zeros outside the array, where ``E`` is the kernel
   extent (``dilation (k - 1) + 1``) and ``s`` the stride (1 for scipy.signal functions).
   Full mode pads ``k - 1``, same ``k // 2``, valid nothing.
2. Output ``o`` belongs to the chunk that holds input ``o s`` (the last chunk takes the outputs
   past the end). So mode ``'same'`` keeps the signal's chunks, and a chunk needs ``p`` inputs
   of its left neighbour and ``E - 1 - p`` of its right one: ``map_overlap`` adds exactly that
   halo (``boundary='none'``; the zeros beyond the array are added by the edge chunks).
   Chunks smaller than the halo or the stride are first merged with their neighbours.
3. Each chunk is computed by the public function itself on the NumPy or CuPy chunk, in
   ``mode='valid'`` (or ``padding=0``), so the per-chunk method is convalg's own ``auto``
   choice for that chunk's size, and integers stay exact. No trimming is needed afterwards.

When the dask operand is the *second* argument and the larger one (``convolve(small, big)``),
the full result is built with the roles swapped (convolution commutes; correlation reverses
and conjugates) and the mode's window is cut out of it by lazy slicing.

``convolve2d``/``correlate2d`` extend ``in1`` by their ``boundary`` rule before step 1: the
rows and columns the mode's window reads beyond ``in1`` are added lazily (``fillvalue``
blocks, or ``in1``'s own rows and columns taken periodically for ``'wrap'`` and mirrored with
the edge repeated for ``'symm'``, for any kernel size), and the extended array is convolved in
``'valid'`` mode as above. ``in1`` is therefore the chunked operand in ``'full'`` and
``'same'`` mode, whichever is larger; ``'valid'`` mode reads no extension and takes the
path of ``convolve``.

A kernel that is itself a dask array is accepted when it is small (at most
:data:`MAX_KERNEL_BYTES`): it becomes one block that every chunk reads. A larger dask kernel is
refused with a ``ValueError``: each chunk would need all of it, so the work would not split.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from convalg._runtime import validation
from convalg._runtime import windows as mode_windows

__all__ = ["apply", "MAX_KERNEL_BYTES"]

#: The largest dask kernel (or bias) accepted, in bytes: it is gathered into one block that
#: every chunk's task reads, so it must fit comfortably in one worker's memory many times.
MAX_KERNEL_BYTES = 64 * 2**20

_SIGNAL_FUNCTIONS = ("convolve", "correlate", "fftconvolve", "oaconvolve", "convolve2d", "correlate2d")
_AXES_FUNCTIONS = ("fftconvolve", "oaconvolve")
_BOUNDARY_FUNCTIONS = ("convolve2d", "correlate2d")
_CORRELATIONS = ("correlate", "correlate2d")
_NN_FUNCTIONS = {"conv1d": 1, "conv2d": 2, "conv3d": 3}


def apply(func: Callable, a: Any, b: Any, **kwargs: Any) -> Any:
    """Convolve when an operand is a dask array: a lazy dask array computed chunk by chunk.

    Parameters
    ----------
    func : callable
        The public function that was called: ``convolve``, ``correlate``, ``fftconvolve``,
        ``oaconvolve``, ``convolve2d``, ``correlate2d`` (scipy.signal semantics) or ``conv1d``, ``conv2d``, ``conv3d``
        (PyTorch semantics). It is recognised by its ``__name__`` and called on every chunk.
    a, b : dask.array.Array or array_like
        The two operands as passed to ``func`` (``in1, in2`` or ``input, weight``). At least
        one is a dask array with NumPy or CuPy chunks.
    **kwargs
        The other arguments of ``func`` (``mode``, ``method``, ``axes``, ``boundary``,
        ``fillvalue``, ``backend``;
        ``bias``, ``stride``, ``padding``, ``dilation``, ``groups``), with its defaults.

    Returns
    -------
    dask.array.Array
        The result, lazily: equal to ``func`` on the whole computed arrays.

    Raises
    ------
    ValueError
        If ``func`` is not one of the functions above, a mode or padding is invalid, the shapes
        do not fit, or a dask kernel is larger than :data:`MAX_KERNEL_BYTES`.

    Examples
    --------
    ``convalg.convolve`` calls it for a dask input; the result is lazy:

    >>> import dask.array as da
    >>> import numpy as np
    >>> import convalg
    >>> x = da.arange(10, chunks=3)
    >>> y = convalg.convolve(x, np.array([1, 1, 1]), mode="same")
    >>> type(y).__name__, y.chunks == x.chunks  # 'same' keeps the signal's chunks
    ('Array', True)
    >>> y.compute()
    array([ 1,  3,  6,  9, 12, 15, 18, 21, 24, 17])

    Calling it directly does the same:

    >>> from convalg import chunked
    >>> chunked.apply(convalg.correlate, x, np.array([1, 2]), mode="valid").compute()
    array([ 2,  5,  8, 11, 14, 17, 20, 23, 26])

    ``convolve2d`` extends the chunked ``in1`` by its boundary rule:

    >>> image = da.arange(16, chunks=2).reshape(4, 4)
    >>> convalg.convolve2d(image, np.ones((1, 3), int), mode="same", boundary="wrap").compute()
    array([[ 4,  3,  6,  5],
           [16, 15, 18, 17],
           [28, 27, 30, 29],
           [40, 39, 42, 41]])
    """
    name = getattr(func, "__name__", None)
    if name in _SIGNAL_FUNCTIONS:
        return _apply_signal(func, name, a, b, dict(kwargs))
    if name in _NN_FUNCTIONS:
        return _apply_nn(func, _NN_FUNCTIONS[name], a, b, dict(kwargs))
    known = ", ".join(_SIGNAL_FUNCTIONS + tuple(_NN_FUNCTIONS))
    raise ValueError(f"func must be one of convalg's {known}; got {name or func!r}")


# --------------------------------------------------------------------------- operands


def _dask():
    try:
        import dask.array as da
    except ImportError as exc:  # pragma: no cover - only without the extra
        raise ImportError("dask arrays need the dask extra: pip install 'convalg[dask]'") from exc
    return da


def _is_dask(x: Any) -> bool:
    return type(x).__module__.split(".")[0] == "dask"


def _as_array(x: Any) -> Any:
    """Dask, NumPy and CuPy arrays as they are; lists and scalars as NumPy arrays."""
    if _is_dask(x) or hasattr(x, "__array_namespace__") or hasattr(x, "__cuda_array_interface__"):
        return x
    return np.asarray(x)


def _known_shape(x: Any, argument: str) -> tuple[int, ...]:
    shape = tuple(x.shape)
    if any(isinstance(n, float) and math.isnan(n) for n in shape):
        raise ValueError(f"{argument} has unknown chunk sizes {shape}; call {argument}.compute_chunk_sizes() first")
    return tuple(int(n) for n in shape)


def _broadcast_operand(x: Any, argument: str) -> Any:
    """A small operand every chunk reads: a concrete array, or one shared graph node if dask."""
    if x is None:
        return None
    if not _is_dask(x):
        import dask

        return dask.delayed(x, traverse=False)  # one graph node, not a copy in every task
    _known_shape(x, argument)
    if x.nbytes > MAX_KERNEL_BYTES:
        raise ValueError(
            f"{argument} is a dask array of shape {x.shape} ({x.nbytes / 2**20:.0f} MiB); a chunked "
            f"convolution broadcasts it to every chunk, so it must be at most "
            f"{MAX_KERNEL_BYTES / 2**20:.0f} MiB (convalg.chunked.MAX_KERNEL_BYTES). Convolve the "
            "larger operand in chunks against a smaller kernel, or compute() it if it fits in memory"
        )
    import dask

    # delayed() of a dask array depends on the whole array, gathered once
    return dask.delayed(_whole, pure=True)(x)


def _whole(x: Any) -> Any:
    return x


def _signal_chunks(x: Any) -> Any:
    da = _dask()
    return x if _is_dask(x) else da.from_array(x, chunks="auto")


def _sample(x: Any, shape: tuple[int, ...]) -> Any:
    """Ones of ``shape`` in the chunk library and dtype of ``x`` (a dask array or an array)."""
    meta = x._meta if _is_dask(x) else x
    return np.ones(shape, dtype=x.dtype, like=meta)


def _empty_like_result(result: Any) -> Any:
    return result[(slice(0, 0),) * result.ndim]


# --------------------------------------------------------------------------- the engine


@dataclass(frozen=True)
class _Window:
    """One convolved axis: output ``o`` reads inputs ``[o stride - pad_before, ... + extent)``.

    Inputs outside the array are zeros; ``pad_after`` only sets how many outputs there are.
    """

    pad_before: int
    pad_after: int
    extent: int
    stride: int = 1

    def outputs(self, length: int) -> int:
        padded = length + self.pad_before + self.pad_after
        return (padded - self.extent) // self.stride + 1 if padded >= self.extent else 0

    def halo(self) -> tuple[int, int]:
        """Inputs a chunk needs beyond its own, before and after it."""
        return self.pad_before, max(self.extent - 1 - self.pad_before, 0)


@dataclass(frozen=True)
class _AxisPlan:
    """How one convolved axis is split: per chunk its input range, first output and output count."""

    starts: tuple[int, ...]
    stops: tuple[int, ...]
    first_outputs: tuple[int, ...]
    counts: tuple[int, ...]
    depth: tuple[int, int]


def _starts(chunks: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(s) for s in np.cumsum((0,) + tuple(chunks[:-1])))


def _at_least(chunks: tuple[int, ...], smallest: int) -> list[int]:
    """Merge neighbouring chunks until each holds ``smallest`` elements (a halo comes from one neighbour)."""
    merged: list[int] = []
    pending = 0
    for size in chunks:
        pending += size
        if pending >= smallest:
            merged.append(pending)
            pending = 0
    if pending:
        if merged:
            merged[-1] += pending
        else:
            merged.append(pending)
    return merged


def _plan_axis(chunks: tuple[int, ...], window: _Window, length: int) -> _AxisPlan:
    """Give output ``o`` to the chunk holding input ``o stride`` (the last chunk takes the rest).

    With this anchor, ``'same'`` outputs keep the input's chunks and strided outputs shrink
    them by the stride. A chunk that would get no output is merged into its neighbour.
    """
    total = window.outputs(length)
    before, after = window.halo()
    sizes = _at_least(chunks, max(before, after, window.stride, 1))
    while True:
        starts = _starts(tuple(sizes))
        firsts, counts = [], []
        for i, (start, size) in enumerate(zip(starts, sizes)):
            first = -(-start // window.stride)
            stop = total if i == len(sizes) - 1 else min(-(-(start + size) // window.stride), total)
            firsts.append(first)
            counts.append(max(stop - first, 0))
        if all(counts):
            break
        empty = counts.index(0)
        sizes[empty - 1 if empty else 1] += sizes.pop(empty)
    depth = (before, after) if len(sizes) > 1 else (0, 0)
    return _AxisPlan(starts, tuple(a + b for a, b in zip(starts, sizes)), tuple(firsts), tuple(counts), depth)


def _sliding(
    signal: Any,
    windows: dict[int, _Window],
    block_op: Callable,
    meta: Any,
    out_chunks: dict[int, tuple[int, ...]],
    operands: dict[str, Any],
) -> Any:
    """Apply ``block_op(piece, block_id, **operands)`` to every chunk's windows, lazily.

    ``windows`` gives the convolved axes; ``out_chunks`` the output chunks of other axes whose
    size changes (by default an unconvolved axis keeps the signal's chunks).
    """
    da = _dask()
    library = type(meta).__module__.split(".")[0]
    if library not in ("numpy", "cupy"):
        raise ValueError(
            f"backend={library!r} cannot compute dask chunks: dask arrays hold NumPy or CuPy "
            "chunks; use backend=None, 'numpy' or 'cupy'"
        )
    lengths = _known_shape(signal, "the signal")
    plans = {axis: _plan_axis(signal.chunks[axis], w, lengths[axis]) for axis, w in windows.items()}
    wanted = {axis: tuple(b - a for a, b in zip(p.starts, p.stops)) for axis, p in plans.items()}
    if any(wanted[axis] != signal.chunks[axis] for axis in plans):
        signal = signal.rechunk(wanted)
    chunks = tuple(
        plans[axis].counts if axis in plans else out_chunks.get(axis, signal.chunks[axis])
        for axis in range(signal.ndim)
    )
    depth = {axis: plans[axis].depth if axis in plans else 0 for axis in range(signal.ndim)}
    return da.map_overlap(
        functools.partial(_windows_of_chunk, block_op=block_op, windows=windows, plans=plans, dtype=meta.dtype),
        signal,
        depth=depth,
        boundary="none",
        trim=False,
        allow_rechunk=False,
        chunks=chunks,
        dtype=meta.dtype,
        meta=meta,
        **operands,
    )


def _windows_of_chunk(piece, *, block_op, windows, plans, dtype, block_id=None, **operands):
    """One chunk with its halo -> exactly the inputs of its outputs (zeros beyond the array)."""
    index, zeros = [], []
    for axis in range(piece.ndim):
        if axis not in windows:
            index.append(slice(None))
            zeros.append((0, 0))
            continue
        w, plan, i = windows[axis], plans[axis], block_id[axis]
        have_from = plan.starts[i] - (plan.depth[0] if i > 0 else 0)
        have_to = plan.stops[i] + (plan.depth[1] if i < len(plan.starts) - 1 else 0)
        need_from = plan.first_outputs[i] * w.stride - w.pad_before
        need_to = need_from + (plan.counts[i] - 1) * w.stride + w.extent
        index.append(slice(max(need_from - have_from, 0), max(need_to - have_from, 0)))
        zeros.append((max(have_from - need_from, 0), max(need_to - have_to, 0)))
    piece = piece[tuple(index)]
    if any(any(z) for z in zeros):
        piece = np.pad(piece, zeros)  # dispatches to the chunk's library (NEP 18)
    return _checked_dtype(block_op(piece, block_id, **operands), dtype)


def _checked_dtype(result: Any, dtype: np.dtype) -> Any:
    """The chunk's result in the graph's dtype; widening is safe, anything else is a bug."""
    if result.dtype == dtype:
        return result
    if np.can_cast(result.dtype, dtype, casting="safe"):
        return result.astype(dtype)
    raise RuntimeError(
        f"a chunk's result has dtype {result.dtype} but the whole result was planned as {dtype}; "
        "narrowing it could lose values, so the computation stops"
    )


# --------------------------------------------------------------------------- scipy.signal


def _apply_signal(func, name, in1, in2, kwargs):
    """convolve, correlate, fftconvolve, oaconvolve: validate as the eager path does, then build the graph.

    The checks are the eager path's own (:mod:`convalg._runtime.validation` and
    :func:`convalg.signal._plan.check_shapes`), in its order, so a bad argument gets the same
    exception and message with or without dask.
    """
    from convalg.signal._plan import METHODS, check_shapes

    mode = validation.check_mode(kwargs.pop("mode", "full"))
    if name in ("convolve", "correlate"):
        validation.check_method(kwargs.get("method", "auto"), METHODS)
    in1, in2 = _as_array(in1), _as_array(in2)
    shape1, shape2 = _known_shape(in1, "in1"), _known_shape(in2, "in2")
    if name in _BOUNDARY_FUNCTIONS:
        # mode, boundary, dtypes, ranks and fillvalue: the eager checks, on stand-ins of the
        # inputs' dtypes and ranks (no value is read)
        func(_sample(in1, (1,) * in1.ndim), _sample(in2, (1,) * in2.ndim), mode=mode, **kwargs)
    validation.same_rank(len(shape1), len(shape2))
    ndim = len(shape1)
    if math.prod(shape1) == 0 or math.prod(shape2) == 0:
        return _computed_directly(func, in1, in2, mode, kwargs)
    _, conv_axes, _ = check_shapes(name, shape1, shape2, mode, kwargs.get("axes"))
    if name in _BOUNDARY_FUNCTIONS:
        boundary, fillvalue = kwargs.pop("boundary", "fill"), kwargs.pop("fillvalue", 0)
        if mode != "valid":
            return _extended_result(func, name, in1, in2, shape1, shape2, mode, boundary, fillvalue, kwargs)
    # convolve/correlate slide along every axis (a length-1 one too: correlation reverses it);
    # as scipy.signal, fftconvolve/oaconvolve broadcast an axis where an operand has length 1
    axes = tuple(sorted(conv_axes)) if name in _AXES_FUNCTIONS else tuple(range(ndim))

    result = _signal_result(func, name, in1, in2, shape1, shape2, axes, mode, kwargs)
    if mode == "same" and name in _AXES_FUNCTIONS:
        # as scipy.signal: 'same' centres every axis on in1, broadcast ones included
        result = result[
            tuple(
                slice(None)
                if a in axes
                else _slice(mode_windows.axis_window(shape1[a], shape2[a], "same", convolved=False))
                for a in range(ndim)
            )
        ]
    return result


def _slice(window: tuple[int, int]) -> slice:
    start, length = window
    return slice(start, start + length)


def _signal_result(func, name, in1, in2, shape1, shape2, axes, mode, kwargs):
    """The larger operand is the chunked signal; the smaller one the broadcast kernel."""
    ndim = len(shape1)
    swapped = math.prod(shape2) > math.prod(shape1)
    signal, kernel = (in2, in1) if swapped else (in1, in2)
    kernel_shape = shape1 if swapped else shape2
    fits = all(signal.shape[axis] >= kernel_shape[axis] for axis in axes)
    if not swapped and (mode != "valid" or fits):
        return _signal_graph(func, _signal_chunks(signal), kernel, kernel_shape, axes, mode, kwargs)

    # The roles are swapped (or 'valid' asks for the other operand to be the larger, as
    # check_shapes allowed): build the full result from the larger operand's chunks and cut the
    # mode's window out of it.
    full = _signal_graph(func, _signal_chunks(signal), kernel, kernel_shape, axes, "full", kwargs)
    if swapped and name in _CORRELATIONS:
        # correlate(a, b) is correlate(b, a) reversed and conjugated
        full = full[tuple(slice(None, None, -1) if a in axes else slice(None) for a in range(ndim))]
        if np.issubdtype(full.dtype, np.complexfloating):
            full = full.conj()
    return full[
        tuple(mode_windows.window_slice(shape1[a], shape2[a], mode) if a in axes else slice(None) for a in range(ndim))
    ]


def _computed_directly(func, in1, in2, mode, kwargs):
    """An empty operand: the result, one lazy block computed by ``func`` on the whole operands.

    The result is empty, or it sums no products (zeros), or for ``convolve2d``/``correlate2d``
    it may read the other operand's values (a nonzero ``fillvalue`` times the kernel).
    """
    import dask

    da = _dask()
    # zero-strided stand-ins of the right shape and type give the result's shape and dtype
    # without computing a dask operand
    stand_ins = [np.broadcast_to(_sample(x, ()), x.shape) if _is_dask(x) else x for x in (in1, in2)]
    like = func(*stand_ins, mode=mode, **kwargs)
    block = dask.delayed(func, pure=True)(in1, in2, mode=mode, **kwargs)
    return da.from_delayed(block, shape=like.shape, dtype=like.dtype, meta=_empty_like_result(like))


def _extended_result(func, name, in1, in2, shape1, shape2, mode, boundary, fillvalue, kwargs):
    """convolve2d/correlate2d in 'full' or 'same' mode: ``in1`` extended, then 'valid'.

    Output ``j`` of the full result reads ``in1[j - k + 1 : j + 1]`` along an axis (kernel
    length ``k``), so the mode's window ``[start, start + length)`` reads ``in1`` from
    ``start - k + 1`` to ``start + length``: that range, with the boundary's values where it
    leaves ``in1``, convolved in 'valid' mode, is the result.
    """
    from convalg.signal import _dtypes

    whole = func(_sample(in1, (1, 1)), _sample(in2, (1, 1)), mode="valid", **kwargs)  # the result's dtype
    signal = _signal_chunks(in1)
    boundary = validation.check_boundary(boundary)
    fillvalue = validation.check_fillvalue(fillvalue, whole.dtype) if boundary == "fill" else 0
    if fillvalue != 0:
        # the fillvalue must keep every digit: in the dtype the sums are computed in, as eagerly
        compute = _dtypes.convolve_rule(np.dtype(in1.dtype), np.dtype(in2.dtype)).compute
        signal = signal.astype(np.result_type(signal.dtype, compute))
    chunks = signal.chunks
    for axis in range(2):
        start, length = mode_windows.axis_window(shape1[axis], shape2[axis], mode, centre_up=(name == "correlate2d"))
        before, after = shape2[axis] - 1 - start, start + length - shape1[axis]
        # output o is owned by the chunk holding extended input o: the extension joins the last
        # chunk, so that mode 'same' keeps in1's chunks
        extended = chunks[axis][:-1] + (chunks[axis][-1] + before + after,)
        signal = _extend(signal, axis, before, after, boundary, fillvalue).rechunk({axis: extended})
    result = _signal_graph(func, signal, in2, shape2, (0, 1), "valid", kwargs)
    # a fill computed in a wider dtype is rounded once to the result's, as the eager path does
    return result if result.dtype == whole.dtype else result.astype(whole.dtype)


def _extend(x, axis, before, after, boundary, fillvalue):
    """``x`` with ``before``/``after`` more entries along ``axis``, taken by the boundary rule.

    'wrap' repeats ``x`` periodically and 'symm' mirrors it with the edge repeated (period
    ``2 n``), for any length of extension: ``dask.array.pad`` repeats only once.
    """
    da = _dask()
    if before == after == 0:
        return x
    if boundary == "fill":
        widths = [(0, 0)] * x.ndim
        widths[axis] = (before, after)
        return da.pad(x, widths, mode="constant", constant_values=fillvalue)
    n = x.shape[axis]

    def taken(indices):
        if boundary == "wrap":
            source = indices % n
        else:
            folded = indices % (2 * n)
            source = np.where(folded < n, folded, 2 * n - 1 - folded)
        return da.take(x, source, axis=axis)

    pieces = [taken(np.arange(-before, 0))] if before else []
    pieces.append(x)
    if after:
        pieces.append(taken(np.arange(n, n + after)))
    return da.concatenate(pieces, axis=axis)


def _signal_graph(func, signal, kernel, kernel_shape, axes, mode, kwargs):
    """The lazy result of ``func(signal, kernel, mode)`` when the signal fits the mode."""
    windows = {
        axis: _Window(*mode_windows.padding(signal.shape[axis], kernel_shape[axis], mode), extent=kernel_shape[axis])
        for axis in axes
    }
    out_chunks: dict[int, tuple[int, ...]] = {}
    kernel_starts = {}
    for axis in set(range(signal.ndim)) - set(axes):
        if signal.shape[axis] == 1 and kernel_shape[axis] > 1:
            out_chunks[axis] = (kernel_shape[axis],)  # the signal broadcasts along this axis
        elif kernel_shape[axis] > 1:
            kernel_starts[axis] = _starts(signal.chunks[axis])  # each chunk takes its slice
    probe_shape = tuple(
        kernel_shape[a] if a in axes else (1 if signal.shape[a] == 1 else kernel_shape[a]) for a in range(signal.ndim)
    )
    probe = func(_sample(signal, probe_shape), _concrete_sample(kernel), mode="valid", **kwargs)
    block_op = functools.partial(_signal_block, func=func, kernel_starts=kernel_starts, kwargs=kwargs)
    return _sliding(
        signal,
        windows,
        block_op,
        _empty_like_result(probe),
        out_chunks,
        {"kernel": _broadcast_operand(kernel, "the kernel")},
    )


def _concrete_sample(kernel):
    """The kernel itself, or (for a dask kernel) ones of its shape, to probe the result type."""
    return _sample(kernel, tuple(kernel.shape)) if _is_dask(kernel) else kernel


def _signal_block(piece, block_id, *, kernel, func, kernel_starts, kwargs):
    for axis, starts in kernel_starts.items():
        start = starts[block_id[axis]]
        index = [slice(None)] * kernel.ndim
        index[axis] = slice(start, start + piece.shape[axis])
        kernel = kernel[tuple(index)]
    return func(piece, kernel, mode="valid", **kwargs)


# --------------------------------------------------------------------------- torch-style layers


def _apply_nn(func, spatial, x, weight, kwargs):
    """conv1d/2d/3d: padding, stride and dilation become windows; channels one chunk."""
    from convalg.nn._geometry import geometry as _geometry  # the eager checks: the same errors and messages

    bias = kwargs.pop("bias", None)
    x, weight = _as_array(x), _as_array(weight)
    shape = _known_shape(x, "input")
    weight_shape = _known_shape(weight, "weight")
    geometry = _geometry(
        shape,
        weight_shape,
        kwargs.pop("stride", 1),
        kwargs.pop("padding", 0),
        kwargs.pop("dilation", 1),
        kwargs.pop("groups", 1),
        spatial,
    )
    stride, dilation, groups = geometry.stride, geometry.dilation, geometry.groups
    extents = tuple(d * (k - 1) + 1 for d, k in zip(dilation, geometry.kernel))
    channel_axis, first_spatial = 1, 2
    windows = {
        first_spatial + i: _Window(geometry.pad_before[i], geometry.pad_after[i], extent=extents[i], stride=stride[i])
        for i in range(spatial)
    }
    signal = _signal_chunks(x).rechunk({channel_axis: -1})  # every output channel needs all inputs
    options = dict(kwargs, stride=stride, padding=0, dilation=dilation, groups=groups)
    probe_shape = (1,) * channel_axis + (shape[channel_axis],) + extents  # one output position
    probe = func(
        _sample(signal, probe_shape),
        _concrete_sample(weight),
        bias=None if bias is None else _concrete_sample(_as_array(bias)),
        **options,
    )
    block_op = functools.partial(_nn_block, func=func, options=options)
    return _sliding(
        signal,
        windows,
        block_op,
        _empty_like_result(probe),
        {channel_axis: (weight_shape[0],)},
        {
            "weight": _broadcast_operand(weight, "weight"),
            "bias": _broadcast_operand(None if bias is None else _as_array(bias), "bias"),
        },
    )


def _nn_block(piece, block_id, *, weight, bias, func, options):
    return func(piece, weight, bias=bias, **options)
