"""Independent references for the nn tests: convolution by explicit loops over output positions."""

from __future__ import annotations

import itertools
import math

import numpy as np

from convalg import errorbounds


def padding_amounts(padding, kernel, dilation):
    nd = len(kernel)
    if padding == "valid":
        return [(0, 0)] * nd
    if padding == "same":
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return [(t // 2, t - t // 2) for t in totals]
    padding = (padding,) * nd if isinstance(padding, int) else padding
    return [(p, p) for p in padding]


def _windows(x, w, stride, padding, dilation, groups):
    """The zero-padded input (float64), the padding, the output shape, and for every output
    channel and position the index of the window of the padded input that the position reads
    (all samples, the channels of the output channel's group)."""
    nd = x.ndim - 2
    stride = (stride,) * nd if isinstance(stride, int) else tuple(stride)
    dilation = (dilation,) * nd if isinstance(dilation, int) else tuple(dilation)
    kernel = w.shape[2:]
    pads = padding_amounts(padding, kernel, dilation)
    padded = np.pad(np.asarray(x, dtype=np.float64), [(0, 0), (0, 0)] + pads)
    out = tuple((p - d * (k - 1) - 1) // s + 1 for p, k, s, d in zip(padded.shape[2:], kernel, stride, dilation))
    cg, og = x.shape[1] // groups, w.shape[0] // groups

    def places():
        for o in range(w.shape[0]):
            channels = slice(o // og * cg, (o // og + 1) * cg)
            for pos in itertools.product(*map(range, out)):
                yield (
                    o,
                    pos,
                    (slice(None), channels)
                    + tuple(
                        slice(j * s, j * s + d * (k - 1) + 1, d) for j, s, d, k in zip(pos, stride, dilation, kernel)
                    ),
                )

    return padded, pads, out, places()


def reference_conv(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    """PyTorch's convolution by its definition, one output position at a time (float64)."""
    nd = x.ndim - 2
    padded, _, out, places = _windows(x, w, stride, padding, dilation, groups)
    y = np.zeros(x.shape[:1] + w.shape[:1] + out)
    for o, pos, window in places:
        y[(slice(None), o) + pos] = np.sum(padded[window] * w[o], axis=tuple(range(1, nd + 2)))
    if b is not None:
        y += np.reshape(b, (1, w.shape[0]) + (1,) * nd)
    return y


def direct_bound(x, w, b, dtype, **options):
    """Componentwise bound for a direct computation compared with the float64 reference."""
    magnitude = reference_conv(np.abs(x), np.abs(w), None if b is None else np.abs(b), **options)
    terms = w.shape[1] * math.prod(w.shape[2:]) + (b is not None)
    computed = errorbounds.direct(magnitude, terms=terms, dtype=dtype)
    oracle = errorbounds.direct(magnitude, terms=terms, dtype="float64")
    return errorbounds.combine(computed, oracle)


def fft_bound(x, w, dtype, fft_shape, groups=1):
    """Normwise bound for the spectral engine: one FFT product bound per channel pair, plus the
    rounding of the channel sum in the frequency domain (gamma_{C+2} of the pair's S)."""
    n, c = x.shape[:2]
    co = w.shape[0]
    cg, og = c // groups, co // groups
    total = 0.0
    g = errorbounds.gamma(cg + 2, dtype)
    for i in range(n):
        for o in range(co):
            grp = o // og
            for j in range(cg):
                a, k = x[i, grp * cg + j], w[o, j]
                bound = errorbounds.fft(a, k, fft_shape=fft_shape, dtype=dtype)
                a2, a1 = np.linalg.norm(a.ravel()), np.abs(a).sum()
                k2, k1 = np.linalg.norm(k.ravel()), np.abs(k).sum()
                total += float(bound.value) + g * (a2 * k1 + a1 * k2)
    return total


def reference_grads(x, w, g, stride=1, padding=0, dilation=1, groups=1):
    """The input and weight gradients of :func:`reference_conv` by their definition (float64).

    Each output position's upstream gradient, times the weights, is added to the window of the
    padded input that the position read (grad_input), and times that window to the weights
    (grad_weight); nothing else is touched, so a NaN or infinity reaches exactly the entries
    whose sums it enters, as in PyTorch.
    """
    nd = x.ndim - 2
    padded, pads, _, places = _windows(x, w, stride, padding, dilation, groups)
    grad_padded = np.zeros_like(padded)
    grad_weight = np.zeros(w.shape)
    for o, pos, window in places:
        upstream = np.reshape(g[(slice(None), o) + pos], (-1,) + (1,) * (nd + 1))
        grad_padded[window] += upstream * w[o]
        grad_weight[o] += np.sum(upstream * padded[window], axis=0)
    crop = tuple(slice(a, a + n) for (a, _), n in zip(pads, x.shape[2:]))
    return grad_padded[(slice(None), slice(None)) + crop], grad_weight


def grads_bound(x, w, g, dtype, **options):
    """Componentwise bounds of a direct computation of (grad_input, grad_weight) against the
    float64 :func:`reference_grads`: the same sums of magnitudes, with grad_input summing at most
    C_out/groups * prod(kernel) products and grad_weight N * prod(out) products."""
    magnitude_x, magnitude_w = reference_grads(np.abs(x), np.abs(w), np.abs(g), **options)
    bounds = []
    products = (w.shape[0] * math.prod(w.shape[2:]), g.shape[0] * math.prod(g.shape[2:]))
    for magnitude, terms in zip((magnitude_x, magnitude_w), products):
        computed = errorbounds.direct(magnitude, terms=terms, dtype=dtype)
        oracle = errorbounds.direct(magnitude, terms=terms, dtype="float64")
        bounds.append(errorbounds.combine(computed, oracle))
    return bounds
