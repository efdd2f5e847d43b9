"""The references verify_layer judges with, tested against oracles written apart from them.

* a brute force in exact rationals written here from PyTorch's formula (its own index
  arithmetic, its own padding), on random geometries well past the schedule's tiny ones;
* the adjoint identities ``<conv(x, w), g> = <x, grad_input> = <w, grad_weight>``, which
  hold exactly for the exact references and involve no second implementation at all;
* the allowances: correct layers computed other ways (FFT, float32 im2col) stay within them.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import correct_layers
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from convalg.testing._layer_bounds import forward_allowance, gradient_allowances
from convalg.testing._layer_geometry import Geometry
from convalg.testing._layer_oracle import (
    exact_forward,
    exact_gradients,
    forward,
    gradients,
)


@st.composite
def geometries(draw, max_side=9):
    dims = draw(st.integers(1, 3))
    groups = draw(st.integers(1, 3))
    kernel = tuple(draw(st.lists(st.integers(1, 3), min_size=dims, max_size=dims)))
    dilation = tuple(draw(st.lists(st.integers(1, 3), min_size=dims, max_size=dims)))
    stride = tuple(draw(st.lists(st.integers(1, 3), min_size=dims, max_size=dims)))
    padding = draw(st.one_of(st.just("same"), st.just("valid"), st.tuples(*[st.integers(0, 4)] * dims)))
    if padding == "same":
        stride = (1,) * dims
    side = max_side if dims < 3 else 5
    extent = [d * (k - 1) + 1 for d, k in zip(dilation, kernel)]
    pads = [0] * dims if isinstance(padding, str) else padding
    spatial = tuple(draw(st.integers(max(1, e - 2 * p), max(1, e - 2 * p) + side)) for e, p in zip(extent, pads))
    geom = Geometry(
        dims,
        draw(st.integers(1, 2)),
        groups * draw(st.integers(1, 2)),
        groups * draw(st.integers(1, 2)),
        groups,
        spatial,
        kernel,
        stride,
        padding,
        dilation,
        draw(st.booleans()),
    )
    return geom if geom.defined() else geom.but(padding="same", stride=1)


def _arrays(geom, seed, scale=1.0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(geom.input_shape) * scale
    w = rng.standard_normal(geom.weight_shape)
    b = rng.standard_normal(geom.out_channels) if geom.bias else None
    g = rng.standard_normal(geom.output_shape)
    return x, w, b, g


def _brute_force(geom, x, w, b):
    """PyTorch's formula, one output at a time, in Fractions (written apart from the references)."""
    if geom.padding == "same":
        before = [d * (k - 1) // 2 for d, k in zip(geom.dilations, geom.kernel)]
    elif geom.padding == "valid":
        before = [0] * geom.dims
    else:
        before = list(geom.padding)
    cg, og = geom.in_channels // geom.groups, geom.out_channels // geom.groups
    out = {}
    for n, o in itertools.product(range(geom.batch), range(geom.out_channels)):
        for j in itertools.product(*(range(m) for m in geom.out_spatial)):
            total = Fraction(b[o]) if b is not None else Fraction(0)
            for c, t in itertools.product(range(cg), itertools.product(*(range(k) for k in geom.kernel))):
                i = [jj * s + tt * d - p for jj, s, tt, d, p in zip(j, geom.strides, t, geom.dilations, before)]
                if all(0 <= ii < size for ii, size in zip(i, geom.spatial)):
                    total += Fraction(x[(n, (o // og) * cg + c, *i)]) * Fraction(w[(o, c, *t)])
            out[(n, o, *j)] = total
    return out


@given(geometries(), st.integers(0, 2**32 - 1))
@example(Geometry(2, 1, 2, 2, 1, (3, 4), (2, 3), 1, "same", (2, 1), True), 0)  # even dilated extent: extra after
@example(Geometry(1, 2, 4, 6, 2, (7,), (3,), 3, (2,), 2, False), 1)  # stride not dividing, groups
def test_the_exact_reference_is_pytorchs_formula(geom, seed):
    x, w, b, _ = _arrays(geom, seed)
    exact = exact_forward(geom, x, w, b)
    brute = _brute_force(geom, x, w, b)
    assert exact.shape == geom.output_shape
    assert len(brute) == math.prod(geom.output_shape)  # the output size formula, counted
    for flat, index in enumerate(itertools.product(*(range(m) for m in geom.output_shape))):
        assert Fraction(exact.numerators[flat], exact.denominator) == brute[index]


@given(geometries(), st.integers(0, 2**32 - 1))
def test_the_fast_reference_agrees_with_the_exact_one(geom, seed):
    x, w, b, g = _arrays(geom, seed)
    fast = forward(geom, x, w, b)
    allowance = forward_allowance(geom, x, w, b)
    assert np.all(exact_forward(geom, x, w, b).error_of(fast.astype(np.float64)) <= allowance + 1e-300)
    for e, f in zip(exact_gradients(geom.but(bias=False), g, x, w), gradients(geom.but(bias=False), g, x, w)):
        assert np.all(e.error_of(f.astype(np.float64)) <= 1e-12 * (1 + np.abs(f.astype(np.float64))))


@given(geometries(max_side=6), st.integers(0, 2**32 - 1))
def test_the_exact_gradients_are_the_adjoints_of_the_exact_forward(geom, seed):
    geom = geom.but(bias=False)
    x, w, _, g = _arrays(geom, seed)
    y = exact_forward(geom, x, w)
    gx, gw, gb = exact_gradients(geom, g, x, w)

    def inner(exact, other):
        return sum(Fraction(n, exact.denominator) * Fraction(v) for n, v in zip(exact.numerators, other.ravel()))

    assert inner(y, g) == inner(gx, x) == inner(gw, w)
    per_channel = math.prod(geom.out_spatial)
    sums = [
        sum(Fraction(v) for k, v in enumerate(g.ravel()) if (k // per_channel) % geom.out_channels == o)
        for o in range(geom.out_channels)
    ]
    assert [Fraction(n, gb.denominator) for n in gb.numerators] == sums


@given(geometries(), st.integers(0, 2**32 - 1), st.sampled_from([1.0, 1e-200, 1e150]))
def test_correct_fft_and_float32_layers_stay_within_the_allowance(geom, seed, scale):
    x, w, b, g = _arrays(geom, seed, scale)
    exact = exact_forward(geom, x, w, b)
    fft = correct_layers.fft_conv(x, w, b, geom.stride, geom.padding, geom.dilation, geom.groups)
    assert np.all(exact.error_of(fft) <= forward_allowance(geom, x, w, b))
    geom32 = geom.but(dtype="float32")
    with np.errstate(over="ignore"):
        x32, w32 = x.astype(np.float32), w.astype(np.float32)
    b32 = None if b is None else b.astype(np.float32)
    if np.all(np.isfinite(x32)) and np.all(x32[x != 0] != 0):  # float32 range: the scales that fit
        out = correct_layers.im2col_conv(x32, w32, b32, geom.stride, geom.padding, geom.dilation, geom.groups)
        assert np.all(exact_forward(geom32, x32, w32, b32).error_of(out) <= forward_allowance(geom32, x32, w32, b32))
    plain = geom.but(bias=False)
    grads = correct_layers.im2col_conv_backward(g, x, w, geom.stride, geom.padding, geom.dilation, geom.groups)
    for e, got, a in zip(exact_gradients(plain, g, x, w), grads, gradient_allowances(plain, g, x, w)):
        assert np.all(e.error_of(got) <= a)


@pytest.mark.torch
def test_the_output_size_is_torchs():
    torch = pytest.importorskip("torch", reason="torch is an optional oracle (pip install 'convalg[torch]')")
    rng = np.random.default_rng(0)
    for _ in range(200):
        dims = int(rng.integers(1, 4))
        kernel = tuple(int(k) for k in rng.integers(1, 4, dims))
        dilation = tuple(int(d) for d in rng.integers(1, 4, dims))
        stride = tuple(int(s) for s in rng.integers(1, 4, dims))
        padding = tuple(int(p) for p in rng.integers(0, 4, dims))
        spatial = tuple(int(d * (k - 1) + 1 + rng.integers(0, 6)) for d, k in zip(dilation, kernel))
        geom = Geometry(dims, 1, 1, 1, 1, spatial, kernel, stride, padding, dilation)
        conv = getattr(torch.nn.functional, f"conv{dims}d")
        y = conv(torch.zeros(geom.input_shape), torch.zeros(geom.weight_shape), None, stride, padding, dilation)
        assert tuple(y.shape) == geom.output_shape
