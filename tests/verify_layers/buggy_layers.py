"""Buggy convolution layers: the mistakes people really make when they write conv2d and its backward.

Each is a few lines away from a correct layer of correct_layers.py, with the bug in its
docstring. ``verify_layer`` must report every one of them as a violation.
"""

from __future__ import annotations

import itertools

import numpy as np
from correct_layers import _columns, _setup, _tuple, im2col_conv, im2col_conv_backward


def padding_after_dilation(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Pads in dilated units (padding x dilation zeros), as if the padding were applied after dilating."""
    dims = input.ndim - 2
    if not isinstance(padding, str):
        padding = tuple(p * d for p, d in zip(_tuple(padding, dims), _tuple(dilation, dims)))
    return im2col_conv(input, weight, bias, stride, padding, dilation, groups)


def stride_not_dividing(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Output length ceil((L + 2p - extent) / s) + 1: one extra window where the stride does not divide."""
    dims = input.ndim - 2
    stride_, dilation_ = _tuple(stride, dims), _tuple(dilation, dims)
    if isinstance(padding, str):
        return im2col_conv(input, weight, bias, stride, padding, dilation, groups)
    p = _tuple(padding, dims)
    extra = []
    for n, pp, k, d, s in zip(input.shape[2:], p, weight.shape[2:], dilation_, stride_):
        rest = (n + 2 * pp - d * (k - 1) - 1) % s
        extra.append(s - rest if rest else 0)
    x = np.pad(input, [(0, 0), (0, 0)] + [(pp, pp + e) for pp, e in zip(p, extra)])
    return im2col_conv(x, weight, bias, stride, 0, dilation, groups)


def groups_interleaved(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Splits the input channels into groups by c % groups (a reshape in the wrong order)."""
    n, c = input.shape[:2]
    x = input.reshape(n, c // groups, groups, *input.shape[2:]).swapaxes(1, 2).reshape(input.shape)
    return im2col_conv(x, weight, bias, stride, padding, dilation, groups)


def bias_on_last_axis(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Adds the bias along the last axis (right for a channels-last port, wrong here)."""
    y = im2col_conv(input, weight, None, stride, padding, dilation, groups)
    return y if bias is None else y + bias


def transposed_weight(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Reads the weight buffer as (in/groups, out, *kernel), the layout of a transposed convolution."""
    w = np.ascontiguousarray(weight).reshape(weight.shape[1], weight.shape[0], *weight.shape[2:]).swapaxes(0, 1)
    return im2col_conv(input, np.ascontiguousarray(w), bias, stride, padding, dilation, groups)


def int8_without_widening(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Multiplies and sums int8 in int8 (wraps); only the bias is added in int32."""
    if input.dtype != np.int8:
        return im2col_conv(input, weight, bias, stride, padding, dilation, groups)
    y = im2col_conv(input, weight, None, stride, padding, dilation, groups).astype(np.int8)
    y = y.astype(np.int32)
    return y if bias is None else y + bias.reshape((1, -1) + (1,) * (input.ndim - 2))


def same_padding_wrong_side(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """'same' with the odd extra zero before the input (TensorFlow puts it after too; PyTorch after)."""
    if padding != "same":
        return im2col_conv(input, weight, bias, stride, padding, dilation, groups)
    dims = input.ndim - 2
    total = [d * (k - 1) for k, d in zip(weight.shape[2:], _tuple(dilation, dims))]
    x = np.pad(input, [(0, 0), (0, 0)] + [(t - t // 2, t // 2) for t in total])
    return im2col_conv(x, weight, bias, 1, 0, dilation, groups)


def true_convolution(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Flips the kernel: a textbook convolution where a layer computes a correlation."""
    flipped = weight[(slice(None), slice(None)) + (slice(None, None, -1),) * (weight.ndim - 2)]
    return im2col_conv(input, np.ascontiguousarray(flipped), bias, stride, padding, dilation, groups)


def im2col_tap_order(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Columns ordered (taps, channels) but the weight flattened (channels, taps)."""
    dims, stride_, dilation_, _, xp, out = _setup(input, weight, stride, padding, dilation)
    n = input.shape[0]
    c_out, _cg = weight.shape[:2]
    cols = _columns(xp, weight.shape[2:], stride_, dilation_, out)
    cols = np.moveaxis(cols, 1, 1 + dims).reshape(n, groups, -1, int(np.prod(out)))  # the bug
    y = np.einsum("gok,ngkp->ngop", weight.reshape(groups, c_out // groups, -1), cols).reshape(n, c_out, *out)
    return y if bias is None else y + bias.reshape((1, -1) + (1,) * dims)


def float32_accumulation(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Computes in float32 whatever the inputs (a GPU habit), then returns the input dtype."""
    y = im2col_conv(
        input.astype(np.float32),
        weight.astype(np.float32),
        None if bias is None else bias.astype(np.float32),
        stride,
        padding,
        dilation,
        groups,
    )
    return y.astype(input.dtype)


def padding_axes_swapped(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Applies a (pad_h, pad_w) tuple as (pad_w, pad_h)."""
    if isinstance(padding, tuple):
        padding = padding[::-1]
    return im2col_conv(input, weight, bias, stride, padding, dilation, groups)


def stride_of_first_axis(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Uses the first stride for every axis."""
    if isinstance(stride, tuple):
        stride = stride[0]
    return im2col_conv(input, weight, bias, stride, padding, dilation, groups)


# ---------------------------------------------------------------- backwards


def backward_missing_flip(grad_output, input, weight, stride=1, padding=0, dilation=1, groups=1):
    """grad_input as a correlation of the upstream gradient with the kernel: the flip is missing."""
    flipped = weight[(slice(None), slice(None)) + (slice(None, None, -1),) * (weight.ndim - 2)]
    grad_input, _, _ = im2col_conv_backward(
        grad_output, input, np.ascontiguousarray(flipped), stride, padding, dilation, groups
    )
    _, grad_weight, grad_bias = im2col_conv_backward(grad_output, input, weight, stride, padding, dilation, groups)
    return grad_input, grad_weight, grad_bias


def grad_weight_off_by_one(grad_output, input, weight, stride=1, padding=0, dilation=1, groups=1):
    """grad_weight from the stride-dilated upstream gradient, zeros inserted *before* each sample."""
    grad_input, _, grad_bias = im2col_conv_backward(grad_output, input, weight, stride, padding, dilation, groups)
    _dims, stride_, dilation_, _, xp, out = _setup(input, weight, stride, padding, dilation)
    n = input.shape[0]
    c_out, cg = weight.shape[:2]
    og = c_out // groups
    # the dilated gradient: s*out samples with g at s-1, 2s-1, ... (should be at 0, s, 2s, ...)
    gd = np.zeros((n, c_out, *(s * o for s, o in zip(stride_, out))), dtype=grad_output.dtype)
    gd[(slice(None), slice(None), *(slice(s - 1, None, s) for s in stride_))] = grad_output
    grad_weight = np.zeros(weight.shape, dtype=np.result_type(input, weight))
    for tap in itertools.product(*(range(k) for k in weight.shape[2:])):
        start = [t * d for t, d in zip(tap, dilation_)]
        window = [slice(a, a + m) for a, m in zip(start, gd.shape[2:])]
        xs = np.pad(xp, [(0, 0), (0, 0)] + [(0, m) for m in gd.shape[2:]])[(slice(None), slice(None), *window)]
        xs = xs.reshape(n, groups, cg, -1)
        grad_weight[(slice(None), slice(None), *tap)] = np.einsum(
            "ngop,ngcp->goc", gd.reshape(n, groups, og, -1), xs
        ).reshape(c_out, cg)
    return grad_input, grad_weight, grad_bias


def grad_bias_mean(grad_output, input, weight, stride=1, padding=0, dilation=1, groups=1):
    """grad_bias averaged over the batch instead of summed."""
    grad_input, grad_weight, grad_bias = im2col_conv_backward(
        grad_output, input, weight, stride, padding, dilation, groups
    )
    return grad_input, grad_weight, grad_bias / input.shape[0]
