"""Layers built on PyTorch, as users wrap them: a forward on NumPy arrays, and a backward from autograd."""

from __future__ import annotations

import numpy as np


def _functional(dims):
    import torch.nn.functional as F

    return {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[dims]


def torch_conv(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """torch.nn.functional.conv{1,2,3}d on NumPy arrays."""
    import torch

    b = None if bias is None else torch.from_numpy(bias)
    y = _functional(input.ndim - 2)(
        torch.from_numpy(input), torch.from_numpy(weight), b, stride, padding, dilation, groups
    )
    return y.numpy()


def torch_autograd_backward(grad_output, input, weight, stride=1, padding=0, dilation=1, groups=1):
    """(grad_input, grad_weight, grad_bias) of torch's conv by autograd, for an upstream gradient."""
    import torch

    x = torch.from_numpy(input).requires_grad_()
    w = torch.from_numpy(weight).requires_grad_()
    b = torch.zeros(weight.shape[0], dtype=w.dtype, requires_grad=True)
    y = _functional(input.ndim - 2)(x, w, b, stride, padding, dilation, groups)
    gx, gw, gb = torch.autograd.grad(y, (x, w, b), torch.from_numpy(grad_output))
    return gx.numpy(), gw.numpy(), gb.numpy()


def torch_conv_flipped(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """A torch wrapper that 'fixes' the correlation by flipping the kernel: now it is wrong."""
    flipped = np.ascontiguousarray(weight[(slice(None), slice(None)) + (slice(None, None, -1),) * (weight.ndim - 2)])
    return torch_conv(input, flipped, bias, stride, padding, dilation, groups)


def torch_backward_no_flip(grad_output, input, weight, stride=1, padding=0, dilation=1, groups=1):
    """A hand-written torch backward: grad_input by conv_transpose of the *flipped* kernel (one flip too many)."""
    import torch
    import torch.nn.functional as F

    gx, gw, gb = torch_autograd_backward(grad_output, input, weight, stride, padding, dilation, groups)
    if input.ndim == 4 and stride == 1 and dilation == 1 and groups == 1 and isinstance(padding, int):
        flipped = torch.from_numpy(np.ascontiguousarray(weight[:, :, ::-1, ::-1]))
        gx = F.conv_transpose2d(torch.from_numpy(grad_output), flipped, padding=padding).numpy()
    return gx, gw, gb
