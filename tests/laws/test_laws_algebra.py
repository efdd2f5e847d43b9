"""The algebra of convolution holds for every backend, method, dtype and dimension, within the error bounds.

Each law compares two computed sides; each side is within its own rigorous bound of the same
exact value (chained convolutions use the composed bound), so the sides may differ by at most
the sum of the two bounds. Integer results must be exactly equal.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from convalg import errorbounds
from convalg.testing import chain_tolerance, reference, strategies
from law_helpers import assert_law, bound_of, examples, method_and_pair, padded, run, scaled


@examples()
@given(data=st.data())
def test_convolution_is_commutative(backend, data):
    method, (a, b) = method_and_pair(data)
    ab, plan_ab = run("convolve", a, b, backend, method=method)
    ba, plan_ba = run("convolve", b, a, backend, method=method)
    assert_law(ab, ba, bound_of(a, b, plan_ab), bound_of(b, a, plan_ba), law="a*b == b*a")


@examples()
@given(data=st.data())
def test_convolution_is_associative_within_the_composed_bound(backend, data):
    method, (a, b) = method_and_pair(data, chained=True)
    c = data.draw(strategies.signal_kernel_pairs(a.dtype, dims=a.ndim, max_side=3, chained=True))[1]
    ab, plan1 = run("convolve", a, b, backend, method=method)
    lhs, plan2 = run("convolve", ab, c, backend, method=method)
    bc, plan3 = run("convolve", b, c, backend, method=method)
    rhs, plan4 = run("convolve", a, bc, backend, method=method)
    lhs_bound = chain_tolerance(a, b, c, intermediate=ab, plans=(plan1, plan2))
    rhs_bound = chain_tolerance(b, c, a, intermediate=bc, plans=(plan3, plan4))
    assert_law(lhs, rhs, lhs_bound, rhs_bound, law="(a*b)*c == a*(b*c)")
    assert "exact" in lhs_bound.description or "chain" in lhs_bound.description


def _dyadic(dtype: np.dtype, shape, data):
    """Small integers times one power of two: sums of two such arrays are exact in dtype."""
    ints = data.draw(strategies.hnp.arrays(np.int64, shape, elements=st.integers(-1024, 1024)))
    if dtype.kind in "iu":
        return ints.astype(dtype)
    scale = 2.0 ** data.draw(st.integers(-30, 30) if dtype in (np.float32, np.complex64) else st.integers(-60, 60))
    values = ints * scale
    if dtype.kind == "c":
        values = values + 1j * data.draw(strategies.hnp.arrays(np.int64, shape, elements=st.integers(-1024, 1024))) * scale
    return values.astype(dtype)


@examples()
@given(data=st.data())
def test_convolution_distributes_over_addition(backend, data):
    method, (a, k) = method_and_pair(data)
    b, c = _dyadic(a.dtype, k.shape, data), _dyadic(a.dtype, k.shape, data)
    lhs, plan_l = run("convolve", a, b + c, backend, method=method)
    ab, plan_b = run("convolve", a, b, backend, method=method)
    ac, plan_c = run("convolve", a, c, backend, method=method)
    rhs = ab + ac
    rhs_bound = errorbounds.combine(bound_of(a, b, plan_b), bound_of(a, c, plan_c))
    if a.dtype.kind in "fc":
        # the sum of the two computed results is rounded once more: u |ab + ac|
        u = errorbounds.unit_roundoff(a.dtype)
        magnitude = np.asarray(reference(np.abs(a).astype(float), np.abs(b).astype(float) + np.abs(c).astype(float)),
                               dtype=np.float64)
        rounding = errorbounds.Bound("componentwise", u * (1 + u) * magnitude, "u |a*b + a*c| (output sum)")
        rhs_bound = errorbounds.combine(scaled(rhs_bound, 1 + u), rounding)
    assert_law(lhs, rhs, bound_of(a, b + c, plan_l), rhs_bound, law="a*(b+c) == a*b + a*c")


@examples()
@given(data=st.data())
def test_convolution_is_homogeneous(backend, data):
    method, (a, b) = method_and_pair(data)
    # scalings that are exact in the dtype, so both sides are exact multiples
    alpha = {"i": -3, "f": 4.0, "c": 1j}[a.dtype.kind]
    scaled_a = (a * a.dtype.type(alpha)).astype(a.dtype)
    lhs, plan_l = run("convolve", scaled_a, b, backend, method=method)
    base, plan_r = run("convolve", a, b, backend, method=method)
    rhs = base * base.dtype.type(alpha)
    assert_law(lhs, rhs, bound_of(scaled_a, b, plan_l), scaled(bound_of(a, b, plan_r), abs(alpha)),
               law=f"({alpha} a)*b == {alpha} (a*b)")


@examples()
@given(data=st.data())
def test_a_shifted_delta_is_an_identity_up_to_the_shift(backend, data):
    method, (a, k) = method_and_pair(data)
    delta = np.zeros(k.shape, dtype=a.dtype)
    where = tuple(n - 1 for n in k.shape)
    delta[where] = 1
    result, plan = run("convolve", a, delta, backend, method=method)
    expected = np.zeros(result.shape, dtype=a.dtype)
    expected[tuple(slice(w, w + n) for w, n in zip(where, a.shape))] = a
    bound = bound_of(a, delta, plan)
    assert_law(result, expected, bound, errorbounds.exact(a.dtype), law="a * delta_j == a shifted by j")


@examples()
@given(data=st.data())
def test_convolution_is_translation_equivariant(backend, data):
    method, (a, b) = method_and_pair(data)
    widths = [(1, 0)] * a.ndim
    shifted = np.pad(a, widths)
    lhs, plan_l = run("convolve", shifted, b, backend, method=method)
    base, plan_r = run("convolve", a, b, backend, method=method)
    assert_law(lhs, np.pad(base, widths), bound_of(shifted, b, plan_l), padded(bound_of(a, b, plan_r), widths),
               law="shift(a)*b == shift(a*b)")


def _inner(u: np.ndarray, v: np.ndarray):
    wide = np.clongdouble if np.iscomplexobj(u) or np.iscomplexobj(v) else np.longdouble
    if u.dtype.kind in "iu" and v.dtype.kind in "iu":
        return int(np.sum(u.astype(object) * v.astype(object)))
    return np.sum(u.astype(wide) * np.conjugate(v.astype(wide)))


def _inner_error(result_bound: errorbounds.Bound, other: np.ndarray):
    """|<r_hat - r, y>| given a bound on r_hat - r: sum v_i |y_i|, or ||v||_2 ||y||_2.

    Summed in long double: with subnormal results the terms are below float64's range.
    """
    y = np.abs(other).astype(np.longdouble)
    if result_bound.kind == "exact":
        return np.longdouble(0)
    if result_bound.kind == "componentwise":
        return np.sum(np.asarray(result_bound.value).astype(np.longdouble) * y)
    return np.longdouble(result_bound.value) * np.sqrt(np.sum(y * y))


@examples()
@given(data=st.data())
def test_correlation_is_the_adjoint_of_convolution(backend, data):
    # <conv(a, x), y> == <x, corr(y, a, 'valid')> for every y of the full output's shape
    method, (a, x) = method_and_pair(data, chained=True)
    full_shape = tuple(n + k - 1 for n, k in zip(a.shape, x.shape))
    y = data.draw(strategies.hnp.arrays(a.dtype, full_shape, elements=strategies.elements(a.dtype, chained=True)))
    conv, plan_c = run("convolve", a, x, backend, method=method)
    corr, plan_r = run("correlate", y, a, backend, mode="valid", method=method)
    lhs, rhs = _inner(conv, y), _inner(x, corr)
    if a.dtype.kind in "iu":
        assert lhs == rhs
        return
    conv_bound = bound_of(a, x, plan_c)
    corr_bound = bound_of(y, a, plan_r, op="correlation", mode="valid")
    # the inner products themselves are summed in long double
    g = errorbounds.gamma(conv.size + x.size, np.longdouble)
    wide = np.longdouble
    rounding = g * (np.sum(np.abs(conv).astype(wide) * np.abs(y).astype(wide))
                    + np.sum(np.abs(x).astype(wide) * np.abs(corr).astype(wide)))
    allowed = _inner_error(conv_bound, y) + _inner_error(corr_bound, x) + rounding
    assert abs(lhs - rhs) <= allowed, (
        f"<conv(a,x), y> - <x, corr(y,a)> = {abs(lhs - rhs):.3g} > {allowed:.3g} "
        f"[{conv_bound.description}; {corr_bound.description}]"
    )


@examples()
@given(data=st.data(), mode=st.sampled_from(["full", "same"]))
def test_convolution_is_correlation_with_the_kernel_reversed_and_conjugated(backend, data, mode):
    method, (a, b) = method_and_pair(data)
    flipped = np.conjugate(b[(slice(None, None, -1),) * b.ndim]) if b.dtype.kind == "c" else b[(slice(None, None, -1),) * b.ndim]
    flipped = np.ascontiguousarray(flipped)
    conv, plan_c = run("convolve", a, b, backend, mode=mode, method=method)
    corr, plan_r = run("correlate", a, flipped, backend, mode=mode, method=method)
    assert_law(conv, corr, bound_of(a, b, plan_c, mode=mode),
               bound_of(a, flipped, plan_r, op="correlation", mode=mode), law="conv(a, b) == corr(a, flip(conj b))")
