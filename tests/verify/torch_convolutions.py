"""torch convolutions wrapped as fn(signal, kernel), correct and buggy (fixtures marked ``torch``).

torch is imported inside each function, so the catalogue imports without torch installed.
The wrappers are what a user writes: a batch and a channel axis added, one output channel.
"""

from __future__ import annotations


def _torch_call(name, signal, kernel, **options):
    import torch
    import torch.nn.functional as F

    # a copy, not ascontiguousarray: a reversed one-element view keeps its negative stride, which torch refuses
    x = torch.from_numpy(signal.copy())[None, None]
    w = torch.from_numpy(kernel.copy())[None, None]
    if x.dtype != w.dtype:  # torch does not promote between input and weight
        common = torch.promote_types(x.dtype, w.dtype)
        x, w = x.to(common), w.to(common)
    return getattr(F, name)(x, w, **options)[0, 0].numpy()


def torch_conv1d(signal, kernel):
    """torch.nn.functional.conv1d: unconjugated correlation, 'valid'."""
    return _torch_call("conv1d", signal, kernel)


def torch_conv1d_same(signal, kernel):
    """conv1d(padding='same'): torch pads (k - 1) // 2 on the left, the rest on the right."""
    return _torch_call("conv1d", signal, kernel, padding="same")


def torch_conv2d(signal, kernel):
    """torch.nn.functional.conv2d on one channel."""
    return _torch_call("conv2d", signal, kernel)


def torch_conv3d(signal, kernel):
    """torch.nn.functional.conv3d on one channel."""
    return _torch_call("conv3d", signal, kernel)


def torch_true_convolution_full(signal, kernel):
    """A true full convolution from conv1d: flip the kernel and pad by k - 1 on both sides."""
    return _torch_call("conv1d", signal, kernel[::-1], padding=len(kernel) - 1)


def torch_convolution_without_the_flip(signal, kernel):
    """Meant as a true full convolution, but the kernel is not flipped: a correlation."""
    return _torch_call("conv1d", signal, kernel, padding=len(kernel) - 1)  # BUG: no flip


def torch_conv2d_padding_one_for_same(signal, kernel):
    """padding=1 used for 'same' whatever the kernel size (right only for 3 x 3 kernels)."""
    return _torch_call("conv2d", signal, kernel, padding=1)  # BUG: padding='same'
