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
    out = _geometry.output_shape(tuple(x.shape[3:]), tuple(w.shape[3:]), stride, dilation)
    shape, x_hat, w_hat = _spectra(xp, x, w, dilation)  # (B, G, C, *F), (G, O, C, *F)
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
    return _sampled(xp, product, shape, stride, out)


def weight_correlate_fft(xp, x, g, kernel, stride, dilation):
    """sum_b correlation of x[b] with g[b] by the correlation theorem -> (G, O, C, *kernel)."""
    nd = len(kernel)
    shape, x_hat, g_hat = _spectra(xp, x, g, stride)  # (B, G, C, *F), (B, G, O, *F)
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
    return _sampled(xp, product, shape, dilation, kernel)


def _spectra(xp, x, other, spacing):
    """The spectra of ``x`` and of the conjugated ``other`` (spread by ``spacing``) on x's fast shape."""
    shape = runtime_fft.fast_shape(tuple(x.shape[3:]))
    spread = _layout.dilate(xp, other, spacing, len(spacing))
    return shape, runtime_fft.rfftn(xp, x, shape), xp.conj(runtime_fft.rfftn(xp, spread, shape))


def _sampled(xp, product, shape, step, count):
    """The inverse transform of ``product``, every ``step``-th position, ``count`` of them per axis."""
    full = runtime_fft.irfftn(xp, product, shape)
    return full[(...,) + tuple(slice(0, s * (n - 1) + 1, s) for s, n in zip(step, count))]
