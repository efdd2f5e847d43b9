"""How far a correct layer's output (or gradient) may be from the exact one, element by element.

A correct layer sums each output directly (any order, any blocking: im2col, loops, BLAS)
or through FFTs (per channel, or accumulating the channels' spectra before one inverse
transform). Both are covered:

* direct: ``gamma_m (|x| * |w| + |b|)`` componentwise, ``m`` the products per output
  (:func:`convalg.errorbounds.direct`);
* FFT: per output map, the normwise bound of each channel's FFT correlation
  (:func:`convalg.errorbounds.fft` and ``fft_underflow`` at the longest transform a sane
  implementation uses), summed over the channels, with ``gamma_2`` of the pointwise product
  widened to ``gamma_{C+2}`` (accumulating ``C`` spectra), plus ``gamma_C`` of the
  channel sum times the 2-norm of the magnitudes. A normwise bound of a map bounds each of
  its elements.

The allowance of an element is the larger of the two, plus the fast reference's own error
(``gamma_m`` in long double). A correct implementation of either kind stays within it, and
the allowances of several calls add up to the allowance of a law relating them.
"""

from __future__ import annotations

import math

import numpy as np

from convalg import errorbounds
from convalg.testing._layer_geometry import Geometry
from convalg.testing._layer_oracle import _padded, forward, gradients

__all__ = ["forward_allowance", "gradient_allowances"]


def _longest_fft_shape(full_shape):
    from convalg.testing._tolerance import _longest_fft_shape as longest

    return longest(full_shape)


def _direct(magnitude, terms: int, dtype) -> np.ndarray:
    return np.array(errorbounds.direct(magnitude, terms=terms, dtype=dtype).value, dtype=np.float64)


def _with_reference_error(allowance, magnitude, terms: int) -> np.ndarray:
    """Add the fast reference's own error (a direct sum in long double)."""
    return allowance + _direct(magnitude, terms, np.longdouble)


def _normwise(pairs, full_shape, dtype, channels: int) -> float:
    """The FFT bound of ``sum_c a_c (*) b_c`` for the pairs ``(a_c, b_c)`` of one output map."""
    fft_shape = _longest_fft_shape(full_shape)
    widen = errorbounds.gamma(channels + 2, dtype) / errorbounds.gamma(2, dtype)
    total = 0.0
    for a, b in pairs:
        total += widen * float(errorbounds.fft(a, b, fft_shape=fft_shape, dtype=dtype).value)
        total += float(errorbounds.fft_underflow(a, b, fft_shape=fft_shape, dtype=dtype).value)
    return total * (1 + errorbounds.gamma(max(channels, 1), dtype))


def _channel_sum(magnitude_map, channels: int, dtype) -> float:
    if channels <= 1:
        return 0.0
    return errorbounds.gamma(channels, dtype) * float(np.sqrt(np.sum(np.square(magnitude_map, dtype=np.float64))))


def _within(error, allowance) -> bool:
    return error is not None and bool(np.all(np.asarray(error) <= allowance))


def forward_allowance(geom: Geometry, x, w, b=None, error=None) -> np.ndarray:
    """The largest error a correct layer may make at each output (zeros for integer layers).

    With ``error`` (the errors to be judged), the FFT bounds are computed only when the
    direct one does not already cover them: they cost a few bound evaluations per output map.
    """
    if np.dtype(geom.dtype).kind in "iub":
        return np.zeros(geom.output_shape)
    dtype = np.dtype(geom.dtype)
    magnitude = forward(geom, np.abs(x), np.abs(w), None if b is None else np.abs(b), dtype=np.float64)
    allowance = _direct(magnitude, geom.terms, dtype)
    if _within(error, _with_reference_error(allowance, magnitude, geom.terms)):
        return _with_reference_error(allowance, magnitude, geom.terms)
    xp = _padded(geom, np.abs(x), np.float64)
    w = np.abs(np.asarray(w, dtype=np.float64))
    cg, og = geom.in_channels // geom.groups, geom.out_channels // geom.groups
    full = tuple(p + e - 1 for p, e in zip(xp.shape[2:], geom.extent))
    for n in range(geom.batch):
        for o in range(geom.out_channels):
            first = (o // og) * cg
            pairs = [(xp[n, first + c], w[o, c]) for c in range(cg)]
            bound = _normwise(pairs, full, dtype, cg) + _channel_sum(magnitude[n, o], cg, dtype)
            np.maximum(allowance[n, o], bound, out=allowance[n, o])
    return _with_reference_error(allowance, magnitude, geom.terms)


def gradient_allowances(geom: Geometry, grad_output, x, w, errors=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The largest errors of a correct ``(grad_input, grad_weight, grad_bias)``, elementwise.

    With ``errors`` (the three errors to be judged, None for one not given), the FFT bounds
    are computed only when the direct ones do not already cover them.
    """
    dtype = np.dtype(geom.dtype)
    g, x, w = (np.abs(np.asarray(a, dtype=np.float64)) for a in (grad_output, x, w))
    mag_x, mag_w, mag_b = gradients(geom, g, x, w, dtype=np.float64)
    og, cg = geom.out_channels // geom.groups, geom.in_channels // geom.groups
    taps = math.prod(geom.kernel)
    positions = geom.batch * math.prod(geom.out_spatial)
    allow_x = _direct(mag_x, og * taps, dtype)
    allow_w = _direct(mag_w, positions, dtype)
    allow_b = _direct(mag_b, positions, dtype)
    direct = (
        _with_reference_error(allow_x, mag_x, og * taps),
        _with_reference_error(allow_w, mag_w, positions),
        _with_reference_error(allow_b, mag_b, positions),
    )
    if errors is not None and all(e is None or _within(e, a) for e, a in zip(errors, direct)):
        return direct
    # FFT-based gradients: grad_input is a full convolution of the (stride-dilated) upstream
    # gradient with the kernel, grad_weight a correlation of the padded input with it
    xp = _padded(geom, x, np.float64)
    full_x = tuple(o * s + e for o, s, e in zip(geom.out_spatial, geom.strides, geom.extent))
    for n in range(geom.batch):
        for c in range(geom.in_channels):
            group = c // cg
            pairs = [(g[n, group * og + o], w[group * og + o, c % cg]) for o in range(og)]
            bound = _normwise(pairs, full_x, dtype, og) + _channel_sum(mag_x[n, c], og, dtype)
            np.maximum(allow_x[n, c], bound, out=allow_x[n, c])
    full_w = tuple(p + o * s for p, o, s in zip(xp.shape[2:], geom.out_spatial, geom.strides))
    for o in range(geom.out_channels):
        for c in range(cg):
            pairs = [(xp[n, (o // og) * cg + c], g[n, o]) for n in range(geom.batch)]
            bound = _normwise(pairs, full_w, dtype, geom.batch) + _channel_sum(mag_w[o, c], geom.batch, dtype)
            np.maximum(allow_w[o, c], bound, out=allow_w[o, c])
    return (
        _with_reference_error(allow_x, mag_x, og * taps),
        _with_reference_error(allow_w, mag_w, positions),
        _with_reference_error(allow_b, mag_b, positions),
    )
