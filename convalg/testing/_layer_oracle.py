"""Two references for a convolution layer and its gradients, written from the definition alone.

``out[n, o, j] = bias[o] + sum_{c, t} weight[o, c, t] * x_padded[n, g(o) * C/G + c, j * stride + t * dilation]``

* the *fast* reference (:func:`forward`, :func:`gradients`) loops over the kernel taps and
  sums strided slices of the zero-padded input in ``numpy.longdouble`` (floats) or int64
  (integers); it judges every call;
* the *exact* reference (:func:`exact_forward`, :func:`exact_gradients`) enumerates the
  layer's connections, ``(output, input, weight)`` index triples, one at a time, and sums
  exact integers (each array is an integer times a power of two); it confirms every
  violation before it is reported and a sample of the passing calls before CONSISTENT.

Neither shares code with :mod:`convalg.nn.functional` nor with each other, beyond
:class:`~convalg.testing._layer_geometry.Geometry`'s padding and output-size formulas.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np

from convalg.testing._layer_geometry import Geometry

__all__ = ["Exact", "exact_forward", "exact_gradients", "forward", "gradients", "wide"]


def wide(dtype) -> np.dtype:
    """The dtype the fast reference computes in: int64 for integers, long double for floats."""
    return np.dtype(np.int64) if np.dtype(dtype).kind in "iub" else np.dtype(np.longdouble)


def _tap_slices(geom: Geometry, tap) -> tuple[slice, ...]:
    """The strided slice of the padded input that tap ``tap`` multiplies, one per spatial axis."""
    return tuple(
        slice(t * d, t * d + s * (o - 1) + 1, s)
        for t, d, s, o in zip(tap, geom.dilations, geom.strides, geom.out_spatial)
    )


def _padded(geom: Geometry, x: np.ndarray, dtype) -> np.ndarray:
    before, after = geom.pads
    return np.pad(np.asarray(x).astype(dtype), [(0, 0), (0, 0)] + list(zip(before, after)))


def forward(geom: Geometry, x, w, b=None, dtype=None) -> np.ndarray:
    """The layer's output by its definition, in ``dtype`` (default :func:`wide` of the geometry's dtype)."""
    dtype = wide(geom.dtype) if dtype is None else np.dtype(dtype)
    xp = _padded(geom, x, dtype)
    w = np.asarray(w).astype(dtype)
    n, g = geom.batch, geom.groups
    cg, og = geom.in_channels // g, geom.out_channels // g
    out = np.zeros((n, g, og, *geom.out_spatial), dtype=dtype)
    grouped_w = w.reshape(g, og, cg, *geom.kernel)
    for tap in itertools.product(*(range(k) for k in geom.kernel)):
        window = xp[(slice(None), slice(None), *_tap_slices(geom, tap))].reshape(n, g, cg, *geom.out_spatial)
        taps = grouped_w[(slice(None), slice(None), slice(None), *tap)]  # (g, og, cg)
        out += np.einsum("ngc...,goc->ngo...", window, taps)
    out = out.reshape(geom.output_shape)
    if b is not None:
        out += np.asarray(b).astype(dtype).reshape((1, -1) + (1,) * geom.dims)
    return out


def gradients(geom: Geometry, grad_output, x, w, dtype=None):
    """``(grad_input, grad_weight, grad_bias)`` of ``sum(forward * grad_output)`` by the definition."""
    dtype = wide(geom.dtype) if dtype is None else np.dtype(dtype)
    xp = _padded(geom, x, dtype)
    w = np.asarray(w).astype(dtype)
    gy = np.asarray(grad_output).astype(dtype)
    n, g = geom.batch, geom.groups
    cg, og = geom.in_channels // g, geom.out_channels // g
    grouped_w = w.reshape(g, og, cg, *geom.kernel)
    grouped_g = gy.reshape(n, g, og, *geom.out_spatial)
    gxp = np.zeros(xp.shape, dtype=dtype)
    gw = np.zeros((g, og, cg, *geom.kernel), dtype=dtype)
    spatial_axes = "".join("xyz"[: geom.dims])
    for tap in itertools.product(*(range(k) for k in geom.kernel)):
        where = (slice(None), slice(None), *_tap_slices(geom, tap))
        window = xp[where].reshape(n, g, cg, *geom.out_spatial)
        taps = grouped_w[(slice(None), slice(None), slice(None), *tap)]
        # each tap reads distinct input positions: the strided slice can be added to in place
        gxp[where] += np.einsum(f"ngo{spatial_axes},goc->ngc{spatial_axes}", grouped_g, taps).reshape(
            n, geom.in_channels, *geom.out_spatial
        )
        tap_index: tuple[slice | int, ...] = (slice(None), slice(None), slice(None), *tap)
        gw[tap_index] = np.einsum(f"ngo{spatial_axes},ngc{spatial_axes}->goc", grouped_g, window)
    before, _ = geom.pads
    crop = tuple(slice(b, b + s) for b, s in zip(before, geom.spatial))
    return (
        gxp[(slice(None), slice(None), *crop)],
        gw.reshape(geom.weight_shape),
        gy.sum(axis=(0, *range(2, 2 + geom.dims))),
    )


# ---------------------------------------------------------------- exact


class Exact:
    """Exact values ``numerator / denominator`` (Python ints, flat in C order) of a shape."""

    def __init__(self, shape, numerators: list[int], denominator: int):
        self.shape, self.numerators, self.denominator = tuple(shape), numerators, denominator

    def error_of(self, computed: np.ndarray) -> np.ndarray:
        """``|computed - exact|`` elementwise, each computed exactly and then rounded to float64."""
        computed = np.asarray(computed)
        flat = computed.ravel().tolist()
        errors = [
            abs(Fraction(v) - Fraction(e, self.denominator))
            if isinstance(v, float) and math.isfinite(v)
            else (abs(Fraction(int(v)) - Fraction(e, self.denominator)) if isinstance(v, int) else math.inf)
            for v, e in zip(flat, self.numerators)
        ]
        return np.array([float(e) for e in errors], dtype=np.float64).reshape(self.shape)

    def values(self) -> np.ndarray:
        """The exact values rounded to float64 (for printing)."""
        return np.array([float(Fraction(e, self.denominator)) for e in self.numerators]).reshape(self.shape)

    def integers(self) -> list[int] | None:
        """The exact values as Python ints, or None if one is not an integer."""
        if any(e % self.denominator for e in self.numerators):
            return None
        return [e // self.denominator for e in self.numerators]


def _integers(x) -> tuple[list[int], int]:
    """Flat exact integers and the power-of-two denominator they share."""
    flat = np.asarray(x).ravel().tolist()
    if np.asarray(x).dtype.kind in "iub":
        return [int(v) for v in flat], 1
    ratios = [float(v).as_integer_ratio() for v in flat]
    denominator = max((d for _, d in ratios), default=1)
    return [p * (denominator // d) for p, d in ratios], denominator


def connections(geom: Geometry):
    """Every product of the layer: ``(output index, input index, weight index)``, flat in C order.

    Read straight off the definition: output ``(n, o, j)`` multiplies weight ``(o, c, t)``
    with input ``(n, g(o) C/G + c, j s + t d - before)`` when that index lies inside the input.
    """
    before, _ = geom.pads
    og, cg = geom.out_channels // geom.groups, geom.in_channels // geom.groups
    out_shape, in_shape, w_shape = geom.output_shape, geom.input_shape, geom.weight_shape
    out_positions = list(itertools.product(*(range(o) for o in geom.out_spatial)))
    taps = list(itertools.product(*(range(k) for k in geom.kernel)))
    flat = np.ravel_multi_index
    for n in range(geom.batch):
        for o in range(geom.out_channels):
            first = (o // og) * cg
            for j in out_positions:
                out_index = int(flat((n, o, *j), out_shape))
                for c in range(cg):
                    for t in taps:
                        i = tuple(
                            jj * s + tt * d - b for jj, tt, s, d, b in zip(j, t, geom.strides, geom.dilations, before)
                        )
                        if all(0 <= ii < size for ii, size in zip(i, geom.spatial)):
                            yield out_index, int(flat((n, first + c, *i), in_shape)), int(flat((o, c, *t), w_shape))


def exact_forward(geom: Geometry, x, w, b=None) -> Exact:
    """The layer's output, exactly."""
    xs, dx = _integers(x)
    ws, dw = _integers(w)
    bs, db = _integers(b) if b is not None else ([0] * geom.out_channels, 1)
    sums = [0] * math.prod(geom.output_shape)
    for out_index, in_index, w_index in connections(geom):
        sums[out_index] += xs[in_index] * ws[w_index]
    per_channel = math.prod(geom.out_spatial)
    numerators = [s * db + bs[(k // per_channel) % geom.out_channels] * dx * dw for k, s in enumerate(sums)]
    return Exact(geom.output_shape, numerators, dx * dw * db)


def exact_gradients(geom: Geometry, grad_output, x, w) -> tuple[Exact, Exact, Exact]:
    """``(grad_input, grad_weight, grad_bias)``, exactly."""
    gs, dg = _integers(grad_output)
    xs, dx = _integers(x)
    ws, dw = _integers(w)
    gx = [0] * math.prod(geom.input_shape)
    gw = [0] * math.prod(geom.weight_shape)
    for out_index, in_index, w_index in connections(geom):
        gx[in_index] += gs[out_index] * ws[w_index]
        gw[w_index] += gs[out_index] * xs[in_index]
    per_channel = math.prod(geom.out_spatial)
    gb = [0] * geom.out_channels
    for k, v in enumerate(gs):
        gb[(k // per_channel) % geom.out_channels] += v
    return (
        Exact(geom.input_shape, gx, dg * dw),
        Exact(geom.weight_shape, gw, dg * dx),
        Exact((geom.out_channels,), gb, dg),
    )
