"""The FFT engine: correlation by the correlation theorem, cheaper than windows for large kernels.

Inputs and kernels are transformed once (:mod:`convalg._runtime.fft`), the channels contracted
frequency by frequency with a batched matrix product, and one inverse transform per output.
A valid correlation of length ``n - reach + 1`` never wraps in a length-``n`` cyclic one, so
the transforms need no padding beyond the (zero-padded) input's own length.
"""

from __future__ import annotations

from convalg._runtime import fft as runtime_fft
from convalg.nn import _geometry, _layout

def spectral_contract(xp, a, b, a_axes, b_axes, result_order):
    """Contract spectra with a batched matrix product over the frequency axis (no einsum in the standard)."""
    left = xp.permute_dims(a, a_axes)
    right = xp.permute_dims(b, b_axes)
    return xp.permute_dims(xp.matmul(left, right), result_order)


def correlate_fft(xp, x, w, stride, dilation):
    """Correlation theorem: valid correlation of length n - reach + 1 never wraps in a length-n cyclic one."""
    nd = w.ndim - 3
    kernel = tuple(w.shape[3:])
    spatial = tuple(x.shape[3:])
    out = _geometry.output_shape(spatial, kernel, stride, dilation)
    shape = runtime_fft.fast_shape(spatial)
    x_hat = runtime_fft.rfftn(xp, x, shape)  # (B, G, C, *F)
    w_hat = xp.conj(runtime_fft.rfftn(xp, _layout.dilate(xp, w, dilation, nd), shape))  # (G, O, C, *F)
    f_axes = tuple(range(3, 3 + nd))
    # (G, *F, B, C) @ (G, *F, C, O) -> (G, *F, B, O) -> (B, G, O, *F)
    product = spectral_contract(
        xp,
        x_hat,
        w_hat,
        (1,) + f_axes + (0, 2),
        (0,) + f_axes + (2, 1),
        (nd + 1, 0, nd + 2) + tuple(range(1, nd + 1)),
    )
    full = runtime_fft.irfftn(xp, product, shape)
    keep = tuple(slice(0, s * (o - 1) + 1, s) for s, o in zip(stride, out))
    return full[(...,) + keep]


def weight_correlate_fft(xp, x, g, kernel, stride, dilation):
    """sum_b correlation of x[b] with g[b] by the correlation theorem -> (G, O, C, *kernel)."""
    nd = len(kernel)
    spatial = tuple(x.shape[3:])
    shape = runtime_fft.fast_shape(spatial)
    x_hat = runtime_fft.rfftn(xp, x, shape)  # (B, G, C, *F)
    g_hat = xp.conj(runtime_fft.rfftn(xp, _layout.dilate(xp, g, stride, nd), shape))  # (B, G, O, *F)
    f_axes = tuple(range(3, 3 + nd))
    # (G, *F, O, B) @ (G, *F, B, C) -> (G, *F, O, C) -> (G, O, C, *F)
    product = spectral_contract(
        xp,
        g_hat,
        x_hat,
        (1,) + f_axes + (2, 0),
        (1,) + f_axes + (0, 2),
        (0, nd + 1, nd + 2) + tuple(range(1, nd + 1)),
    )
    full = runtime_fft.irfftn(xp, product, shape)
    keep = tuple(slice(0, d * (k - 1) + 1, d) for d, k in zip(dilation, kernel))
    return full[(...,) + keep]
