"""One grouped correlation, by the engine the cost model chooses and its fastest form.

NumPy calls of the direct engine take a fast path when one applies: the shifted engine for
stride 1 when the columns dominate, the small windows engine when one sample's columns fit
a block; everything else runs the generic engines, written once against the array API.
"""

from __future__ import annotations

import math

from convalg import backends
from convalg.nn import _cost, _fft_engine, _geometry, _im2col, _layout, _shifted


def correlate(xp, x, w, stride, dilation, method, before, after, bias=None, *, what):
    """Correlate x (B, G, C, *spatial), zero-padded by before/after, with w (G, O, C, *kernel).

    ``bias`` (G, O), if given, is added to every position of the result. ``what`` (a
    ``_cost.Naming``) names the public operation in a MemoryError.
    """
    kernel = tuple(w.shape[3:])
    padded = tuple(n + a + b for n, a, b in zip(x.shape[3:], before, after))
    out = _geometry.output_shape(padded, kernel, stride, dilation)
    sizes = (x.shape[0], x.shape[1], x.shape[2], w.shape[1], padded, kernel, out)
    method = _cost.engine(xp, method, (x, w), sizes, what)
    if method == "direct" and backends.is_numpy(xp):
        # the shifted fast path saves on gathering columns (channels * taps rows) but computes the
        # output on the padded plane and crops it (out_channels rows): it wins when columns dominate
        if all(s == 1 for s in stride) and x.shape[2] * math.prod(kernel) > w.shape[1]:
            return _shifted.correlate_shifted_numpy(x, w, dilation, before, after, bias)
        if _im2col.windows_fit(x.shape[1], x.shape[2], kernel, out):
            return _im2col.correlate_windows_numpy(_layout.pad(xp, x, before, after), w, stride, dilation, bias)
    engine = _fft_engine.correlate_fft if method == "fft" else _im2col.correlate_windows
    result = engine(xp, _layout.pad(xp, x, before, after), w, stride, dilation)
    return result if bias is None else _layout.add_bias(xp, result, bias)


def weight_correlate(xp, x, g, kernel, stride, dilation, method, before, after, what):
    """sum_b correlation of x[b] (zero-padded by before/after) with g[b]: -> (G, O, C, *kernel)."""
    padded = tuple(n + a + b for n, a, b in zip(x.shape[3:], before, after))
    # the upstream gradient plays the kernel (its extent decides, as in the forward pass) and the
    # batch is summed over, like the channels of a forward pass
    sizes = (x.shape[2], x.shape[1], x.shape[0], g.shape[2], padded, tuple(g.shape[3:]), kernel)
    # the upstream gradient laid out on the padded plane (the direct engine) or dilated (FFT)
    spread = x.shape[0] * x.shape[1] * g.shape[2] * math.prod(padded)
    method = _cost.engine(xp, method, (x, g), sizes, what, extra=spread)
    if method == "direct" and backends.is_numpy(xp) and all(s == 1 for s in stride):
        import numpy as np

        total = _shifted.weight_correlate_shifted_numpy(x, g, kernel, dilation, before, after)
        # its columns also hold the positions past each row's last window, against a zero
        # upstream gradient: a NaN or infinity there (0 * inf is NaN) would reach taps whose
        # windows never read it, so a non-finite result is computed again from the windows alone
        if np.isfinite(total).all():
            return total
    engine = _fft_engine.weight_correlate_fft if method == "fft" else _im2col.weight_correlate_direct
    return engine(xp, _layout.pad(xp, x, before, after), g, kernel, stride, dilation)
