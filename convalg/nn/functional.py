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

This module holds the public operations and these identities; the engines live behind them,
each in a module named for what it is: :mod:`~convalg.nn._geometry` (options and shapes),
:mod:`~convalg.nn._correlate` (one grouped correlation, sent to an engine), :mod:`~convalg.nn._im2col`
(windows gathered into columns and contracted by BLAS, with NumPy fast paths),
:mod:`~convalg.nn._shifted` (NumPy's stride-1 engine from contiguous slices) and
:mod:`~convalg.nn._fft_engine` (the correlation theorem), chosen by :mod:`~convalg.nn._cost`
(a documented operation count, the memory guard, finiteness). Threads, BLAS limits, FFTs and
the memory guard come from convalg's shared runtime (:mod:`convalg._runtime`), as for
:mod:`convalg.signal`.

'auto' never takes the FFT for non-finite data; an explicit ``method='fft'`` on such data
warns as scipy.signal does.
"""

from __future__ import annotations

import math

from convalg import backends
from convalg._runtime import fft as runtime_fft
from convalg._typing import Array, LayerMethod, Padding
from convalg.nn import _correlate, _cost, _geometry, _im2col, _layout

__all__ = [
    "conv1d",
    "conv2d",
    "conv3d",
    "conv1d_grad",
    "conv2d_grad",
    "conv3d_grad",
]


def _warn_if_fft_spreads_nonfinite(xp, method, *arrays) -> None:
    """scipy.signal's RuntimeWarning when an explicit 'fft' meets a NaN or an infinity."""
    if method == "fft" and not _cost.all_finite(xp, *arrays):
        runtime_fft.warn_nonfinite(method, stacklevel=4)  # -> _forward/_backward -> conv*d -> caller


def _forward(nd, input, weight, bias, stride, padding, dilation, groups, method):
    _geometry.check_method(method)
    xp, arrays = _geometry.arrays(nd, input, weight, bias)
    x, w = arrays["input"], arrays["weight"]
    geometry = _geometry.geometry(x.shape, w.shape, stride, padding, dilation, groups, nd)
    out_channels = w.shape[0]
    if bias is not None:
        b = arrays["bias"]
        if tuple(b.shape) != (out_channels,):
            raise ValueError(f"bias must have shape ({out_channels},) (one per output channel); got {tuple(b.shape)}")
    _warn_if_fft_spreads_nonfinite(xp, method, x, w)
    batch, channels = x.shape[:2]
    groups = geometry.groups
    grouped = xp.reshape(x, (batch, groups, channels // groups) + geometry.spatial)
    kernels = xp.reshape(w, (groups, out_channels // groups, channels // groups) + geometry.kernel)
    grouped_bias = None if bias is None else xp.reshape(arrays["bias"], (groups, out_channels // groups))
    result = _correlate.correlate(
        xp,
        grouped,
        kernels,
        geometry.stride,
        geometry.dilation,
        method,
        geometry.pad_before,
        geometry.pad_after,
        bias=grouped_bias,
        what=_cost.Naming(f"conv{nd}d", input=x, weight=w),
    )
    return _layout.contiguous(xp, xp.reshape(result, (batch, out_channels) + geometry.out))


def _backward(nd, grad_output, input, weight, stride, padding, dilation, groups, method, input_grad=True):
    _geometry.check_method(method)
    xp, arrays = _geometry.arrays(nd, input, weight, grad_output=grad_output)
    x, w, g = arrays["input"], arrays["weight"], arrays["grad_output"]
    geometry = _geometry.geometry(x.shape, w.shape, stride, padding, dilation, groups, nd)
    batch, channels = x.shape[:2]
    out_channels = w.shape[0]
    expected = (batch, out_channels) + geometry.out
    if tuple(g.shape) != expected:
        raise ValueError(f"grad_output must have the output's shape {expected}; got {tuple(g.shape)}")
    _warn_if_fft_spreads_nonfinite(xp, method, g, x, w)
    groups = geometry.groups
    per_group, out_per_group = channels // groups, out_channels // groups
    grouped_g = xp.reshape(g, (batch, groups, out_per_group) + geometry.out)
    kernels = xp.reshape(w, (groups, out_per_group, per_group) + geometry.kernel)
    what = _cost.Naming(f"conv{nd}d_grad", input=x, weight=w)

    # grad_input: full convolution of the stride-dilated upstream gradient with the kernel,
    # i.e. correlation with the flipped kernel whose in/out channels are swapped.
    grad_input = _input_gradient(xp, grouped_g, kernels, geometry, method, what) if input_grad else None

    # grad_weight: correlation of the padded input with the upstream gradient.
    grouped_x = xp.reshape(x, (batch, groups, per_group) + geometry.spatial)
    grad_weight = _correlate.weight_correlate(
        xp,
        grouped_x,
        grouped_g,
        geometry.kernel,
        geometry.stride,
        geometry.dilation,
        method,
        geometry.pad_before,
        geometry.pad_after,
        what,
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
    if method != "fft" and (per_group < out_per_group or not _cost.all_finite(xp, kernels)):
        # the padded gradient and its cropped copy, and per core a block of columns and its col2im
        taps = math.prod(geometry.kernel)
        row = groups * per_group * taps * math.prod(geometry.out[1:])
        columns = _cost.column_entries(row, batch * geometry.out[0])
        entries = 2 * batch * channels * padded + 2 * columns
        _cost.guard_memory(entries * (xp.finfo(grouped_g.dtype).bits // 8), what.using("direct"))
        return _im2col.input_gradient_shift_add(xp, grouped_g, kernels, geometry)
    reach = tuple(d * (k - 1) for k, d in zip(geometry.kernel, geometry.dilation))
    dilated = tuple(s * (o - 1) + 1 for s, o in zip(geometry.stride, geometry.out))
    # the dilated gradient, zero-padded by the reach on both sides (and on the right up to the
    # padded input's extent, for positions no window reached), correlates to the padded input
    sizes = (
        batch,
        groups,
        out_per_group,
        per_group,
        tuple(p + r for p, r in zip(geometry.padded, reach)),
        geometry.kernel,
        geometry.padded,
    )
    extra = batch * groups * out_per_group * math.prod(dilated) + batch * channels * math.prod(geometry.spatial)
    method = _cost.engine(xp, method, (grouped_g, kernels), sizes, what, extra)
    spread = _layout.dilate(xp, grouped_g, geometry.stride, nd)
    tail = tuple(p - (n + r) for p, n, r in zip(geometry.padded, dilated, reach))
    flipped = xp.flip(kernels, axis=tuple(range(3, 3 + nd)))
    adjoint = xp.permute_dims(flipped, (0, 2, 1) + tuple(range(3, 3 + nd)))
    grad_padded = _correlate.correlate(
        xp,
        spread,
        adjoint,
        (1,) * nd,
        geometry.dilation,
        method,
        reach,
        tuple(r + t for r, t in zip(reach, tail)),
        what=what,
    )
    crop = tuple(slice(b, b + n) for b, n in zip(geometry.pad_before, geometry.spatial))
    return _layout.contiguous(xp, xp.reshape(grad_padded, (batch, channels) + geometry.padded)[(...,) + crop])


def _dask_route(function, input, weight, bias, stride, padding, dilation, groups, method):
    from convalg import chunked

    return chunked.apply(
        function,
        input,
        weight,
        bias=bias,
        stride=stride,
        padding=padding,
        dilation=dilation,
        groups=groups,
        method=method,
    )


def conv1d(
    input: Array,
    weight: Array,
    bias: Array | None = None,
    stride: int | tuple[int, ...] = 1,
    padding: Padding = 0,
    dilation: int | tuple[int, ...] = 1,
    groups: int = 1,
    *,
    method: LayerMethod = "auto",
) -> Array:
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

    Warns
    -----
    RuntimeWarning
        For ``method='fft'`` on input or weight holding NaN or Inf, which the FFT spreads over
        every output (the warning scipy.signal gives).

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


def conv2d(
    input: Array,
    weight: Array,
    bias: Array | None = None,
    stride: int | tuple[int, ...] = 1,
    padding: Padding = 0,
    dilation: int | tuple[int, ...] = 1,
    groups: int = 1,
    *,
    method: LayerMethod = "auto",
) -> Array:
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


def conv3d(
    input: Array,
    weight: Array,
    bias: Array | None = None,
    stride: int | tuple[int, ...] = 1,
    padding: Padding = 0,
    dilation: int | tuple[int, ...] = 1,
    groups: int = 1,
    *,
    method: LayerMethod = "auto",
) -> Array:
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


def conv1d_grad(
    grad_output: Array,
    input: Array,
    weight: Array,
    *,
    stride: int | tuple[int, ...] = 1,
    padding: Padding = 0,
    dilation: int | tuple[int, ...] = 1,
    groups: int = 1,
    method: LayerMethod = "auto",
    input_grad: bool = True,
) -> tuple[Array, Array, Array]:
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


def conv2d_grad(
    grad_output: Array,
    input: Array,
    weight: Array,
    *,
    stride: int | tuple[int, ...] = 1,
    padding: Padding = 0,
    dilation: int | tuple[int, ...] = 1,
    groups: int = 1,
    method: LayerMethod = "auto",
    input_grad: bool = True,
) -> tuple[Array, Array, Array]:
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


def conv3d_grad(
    grad_output: Array,
    input: Array,
    weight: Array,
    *,
    stride: int | tuple[int, ...] = 1,
    padding: Padding = 0,
    dilation: int | tuple[int, ...] = 1,
    groups: int = 1,
    method: LayerMethod = "auto",
    input_grad: bool = True,
) -> tuple[Array, Array, Array]:
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
