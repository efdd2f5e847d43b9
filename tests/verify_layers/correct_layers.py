"""Correct convolution layers written the ways people write them (the no-false-alarm side of the catalogue).

Each computes PyTorch's ``conv{1,2,3}d(input, weight, bias, stride, padding, dilation, groups)``
(cross-correlation, zero padding, 'same' with the odd extra zero after, groups as
consecutive channel blocks), and the backwards return ``(grad_input, grad_weight, grad_bias)``.
They are written from the definition, apart from convalg.
"""

from __future__ import annotations

import itertools

import numpy as np
import scipy.fft


def _tuple(value, dims):
    return tuple(value) if isinstance(value, tuple | list) else (value,) * dims


def _pads(padding, kernel, dilation, dims):
    if padding == "valid":
        return (0,) * dims, (0,) * dims
    if padding == "same":
        total = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return tuple(t // 2 for t in total), tuple(t - t // 2 for t in total)
    p = _tuple(padding, dims)
    return p, p


def _setup(x, w, stride, padding, dilation):
    dims = x.ndim - 2
    stride, dilation = _tuple(stride, dims), _tuple(dilation, dims)
    before, after = _pads(padding, w.shape[2:], dilation, dims)
    xp = np.pad(x, [(0, 0), (0, 0)] + list(zip(before, after)))
    extent = [d * (k - 1) + 1 for k, d in zip(w.shape[2:], dilation)]
    out = tuple((p - e) // s + 1 for p, e, s in zip(xp.shape[2:], extent, stride))
    return dims, stride, dilation, before, xp, out


def loops_conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Seven nested loops, one product at a time (float64 accumulator per output)."""
    _, (sh, sw), (dh, dw), _, xp, (oh, ow) = _setup(input, weight, stride, padding, dilation)
    n_, _c_in = input.shape[:2]
    c_out, cg, kh, kw = weight.shape
    og = c_out // groups
    out = np.zeros((n_, c_out, oh, ow), dtype=np.result_type(input, weight))
    for n in range(n_):
        for o in range(c_out):
            first = (o // og) * cg
            for i in range(oh):
                for j in range(ow):
                    total = 0.0
                    for c in range(cg):
                        for a in range(kh):
                            for b in range(kw):
                                total += xp[n, first + c, i * sh + a * dh, j * sw + b * dw] * weight[o, c, a, b]
                    out[n, o, i, j] = total + (bias[o] if bias is not None else 0)
    return out


def _columns(xp, kernel, stride, dilation, out):
    """im2col: (N, C, *kernel, *out) windows by strided slicing, one slice per tap."""
    n, c = xp.shape[:2]
    cols = np.empty((n, c, *kernel, *out), dtype=xp.dtype)
    for tap in itertools.product(*(range(k) for k in kernel)):
        where = tuple(slice(t * d, t * d + s * (o - 1) + 1, s) for t, d, s, o in zip(tap, dilation, stride, out))
        cols[(slice(None), slice(None), *tap)] = xp[(slice(None), slice(None), *where)]
    return cols


def im2col_conv(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """im2col + one matrix product per group (any dimension)."""
    dims, stride, dilation, _, xp, out = _setup(input, weight, stride, padding, dilation)
    n, _c_in = input.shape[:2]
    c_out, _cg = weight.shape[:2]
    og = c_out // groups
    cols = _columns(xp, weight.shape[2:], stride, dilation, out).reshape(n, groups, -1, int(np.prod(out)))
    w = weight.reshape(groups, og, -1)
    y = np.einsum("gok,ngkp->ngop", w, cols).reshape(n, c_out, *out)
    if bias is not None:
        y = y + bias.reshape((1, -1) + (1,) * dims)
    return y.astype(np.result_type(input, weight), copy=False)


def im2col_conv_backward(grad_output, input, weight, stride=1, padding=0, dilation=1, groups=1):
    """col2im backward: grad_weight = g . cols^T, grad_input = scatter of w^T . g into the padded input."""
    dims, stride, dilation, before, xp, out = _setup(input, weight, stride, padding, dilation)
    n = input.shape[0]
    c_out, cg = weight.shape[:2]
    kernel = weight.shape[2:]
    og = c_out // groups
    cols = _columns(xp, kernel, stride, dilation, out).reshape(n, groups, -1, int(np.prod(out)))
    g = grad_output.reshape(n, groups, og, -1)
    grad_weight = np.einsum("ngop,ngkp->gok", g, cols).reshape(weight.shape)
    dcols = np.einsum("gok,ngop->ngkp", weight.reshape(groups, og, -1), g).reshape(n, groups * cg, *kernel, *out)
    gxp = np.zeros_like(xp)
    for tap in itertools.product(*(range(k) for k in kernel)):
        where = tuple(slice(t * d, t * d + s * (o - 1) + 1, s) for t, d, s, o in zip(tap, dilation, stride, out))
        gxp[(slice(None), slice(None), *where)] += dcols[(slice(None), slice(None), *tap)]
    crop = tuple(slice(b, b + m) for b, m in zip(before, input.shape[2:]))
    grad_bias = grad_output.sum(axis=(0, *range(2, 2 + dims)))
    return gxp[(slice(None), slice(None), *crop)], grad_weight, grad_bias


def fft_conv(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Correlation theorem: dilate the kernel, multiply spectra, accumulate channels, subsample."""
    dims, stride, dilation, _, xp, out = _setup(input, weight, stride, padding, dilation)
    n = input.shape[0]
    c_out, cg = weight.shape[:2]
    og = c_out // groups
    kernel = weight.shape[2:]
    extent = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    wd = np.zeros((c_out, cg, *extent), dtype=weight.dtype)
    wd[(slice(None), slice(None), *(slice(None, None, d) for d in dilation))] = weight
    shape = tuple(scipy.fft.next_fast_len(p + e - 1, real=True) for p, e in zip(xp.shape[2:], extent))
    axes = tuple(range(2, 2 + dims))
    fx = scipy.fft.rfftn(xp, shape, axes=axes)
    fx = fx.reshape(n, groups, cg, *fx.shape[2:])
    flip = (slice(None), slice(None), *(slice(None, None, -1),) * dims)
    fw = scipy.fft.rfftn(wd[flip], shape, axes=axes)
    fw = fw.reshape(groups, og, cg, *fw.shape[2:])
    full = scipy.fft.irfftn(np.einsum("ngc...,goc...->ngo...", fx, fw), shape, axes=tuple(range(3, 3 + dims)))
    start = tuple(e - 1 for e in extent)
    where = tuple(slice(s0, s0 + s * (o - 1) + 1, s) for s0, s, o in zip(start, stride, out))
    y = full[(slice(None), slice(None), slice(None), *where)].reshape(n, c_out, *out)
    if bias is not None:
        y = y + bias.reshape((1, -1) + (1,) * dims)
    return y.astype(np.result_type(input, weight))


def nn_conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """convalg's own layer, as a user would call it."""
    from convalg.nn.functional import conv2d

    return conv2d(input, weight, bias, stride, padding, dilation, groups)


def nhwc_conv2d(x, w, b=None, *, strides=1, pad=0):
    """A channels-last layer with TensorFlow's weight layout (kh, kw, in, out), no dilation or groups."""
    y = im2col_conv(np.moveaxis(x, -1, 1), np.transpose(w, (3, 2, 0, 1)), b, strides, pad)
    return np.moveaxis(y, 1, -1)


def int8_conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """The quantised path: int8 operands widened to int32 before any product (floats pass through)."""
    if input.dtype.kind != "i":
        return im2col_conv(input, weight, bias, stride, padding, dilation, groups)
    return im2col_conv(input.astype(np.int32), weight.astype(np.int32), bias, stride, padding, dilation, groups)


def stride2_conv1d(input, weight, bias=None):
    """A layer hard-wired to stride 2 and padding 1 (a downsampling block)."""
    return im2col_conv(input, weight, bias, 2, 1)
