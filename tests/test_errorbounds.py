"""The error bounds: sound on worst cases we can compute exactly, and not vacuous."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from convalg import errorbounds


def _exact_convolution(a, b):
    a = [Fraction(float(x)) for x in a]
    b = [Fraction(float(x)) for x in b]
    out = [Fraction(0)] * (len(a) + len(b) - 1)
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            out[i + j] += x * y
    return out


def _naive_float(a, b, dtype):
    out = np.zeros(len(a) + len(b) - 1, dtype=dtype)
    for i, x in enumerate(a.astype(dtype)):
        for j, y in enumerate(b.astype(dtype)):
            out[i + j] = dtype(out[i + j] + dtype(x * y))
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_direct_bound_holds_for_float_sums_against_rational_arithmetic(dtype):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(40).astype(dtype)
    b = rng.standard_normal(9).astype(dtype)
    exact = np.array([float(v) for v in _exact_convolution(a, b)])
    computed = _naive_float(a, b, dtype)
    magnitude = np.abs(np.convolve(np.abs(a.astype(np.float64)), np.abs(b.astype(np.float64))))
    bound = errorbounds.direct(magnitude, terms=9, dtype=dtype)
    assert bound.holds(computed, exact)
    assert 0 < bound.ratio(computed, exact) <= 1


def test_direct_bound_detects_an_error_larger_than_rounding():
    a = np.ones(5)
    b = np.ones(3)
    exact = np.convolve(a, b)
    wrong = exact.copy()
    wrong[2] += 1e-6
    bound = errorbounds.direct(np.convolve(a, b), terms=3, dtype=np.float64)
    assert not bound.holds(wrong, exact)


def test_fft_bound_holds_and_is_tight_enough_to_catch_float32_accumulation():
    import scipy.fft as sfft

    rng = np.random.default_rng(1)
    a = rng.standard_normal(1000)
    b = rng.standard_normal(31)
    n = sfft.next_fast_len(1030, real=True)
    computed = sfft.irfft(sfft.rfft(a, n) * sfft.rfft(b, n), n)[:1030]
    exact = np.convolve(a, b)
    bound = errorbounds.fft(a, b, fft_shape=(n,), dtype=np.float64)
    assert bound.holds(computed, exact)
    float32_result = np.convolve(a.astype(np.float32), b.astype(np.float32)).astype(np.float64)
    assert not bound.holds(float32_result, exact)


def test_integer_bound_is_exact_equality():
    bound = errorbounds.exact(np.int64)
    assert bound.holds(np.array([1, 2, 3]), np.array([1, 2, 3]))
    assert not bound.holds(np.array([1, 2, 4]), np.array([1, 2, 3]))


def test_non_finite_values_must_match_in_place():
    bound = errorbounds.direct(np.ones(3), terms=1, dtype=np.float64)
    assert bound.holds(np.array([np.nan, 1.0, np.inf]), np.array([np.nan, 1.0, np.inf]))
    assert not bound.holds(np.array([np.nan, np.nan, np.inf]), np.array([np.nan, 1.0, np.inf]))


def test_gamma_refuses_sums_too_long_for_the_precision():
    with pytest.raises(ValueError, match="m\\*u < 1"):
        errorbounds.gamma(2**24, np.float32)


def test_every_bound_names_what_it_applied():
    assert "gamma_3" in errorbounds.direct(np.ones(2), terms=3, dtype="float64").description
    assert "gamma_5" in errorbounds.direct(np.ones(2), terms=3, dtype="complex128").description
    assert "normwise" in errorbounds.fft(np.ones(4), np.ones(2), fft_shape=(8,), dtype="float32").description


def _exact_complex_product(x, y) -> tuple[Fraction, Fraction]:
    xr, xi, yr, yi = (Fraction(float(v)) for v in (x.real, x.imag, y.real, y.imag))
    return xr * yr - xi * yi, xr * yi + xi * yr


def test_direct_bound_covers_complex_products_under_gradual_underflow():
    """Defect 5 of issue 13: a complex product is two real products per component, each of
    which may underflow by eta; the bound allowed eta per complex product (error 1.05e-45 >
    bound 7.01e-46 for this complex64 pair)."""
    a = np.array([5.2983205e-23 - 2.964403e-23j], dtype=np.complex64)
    b = np.array([-9.6992775e-21 + 1.0190897e-23j], dtype=np.complex64)
    computed = (a * b)[0]
    re, im = _exact_complex_product(a[0], b[0])
    error = abs(complex(Fraction(float(computed.real)) - re, Fraction(float(computed.imag)) - im))
    assert error > 7.1e-46  # the case: beyond the old eta-per-product term
    magnitude = np.abs(a.astype(np.complex128)) * np.abs(b.astype(np.complex128))
    bound = errorbounds.direct(magnitude, terms=1, dtype=np.complex64)
    assert error <= float(bound.value[0])
    assert "2sqrt2 eta" in bound.description


def test_direct_bound_holds_for_random_subnormal_complex_products():
    rng = np.random.default_rng(7)
    tiny = float(np.finfo(np.float32).tiny)
    for _ in range(2000):
        parts = rng.standard_normal(4) * tiny * 2.0 ** rng.integers(-12, 40, 4)
        x, y = np.complex64(complex(*parts[:2])), np.complex64(complex(*parts[2:]))
        computed = x * y
        re, im = _exact_complex_product(x, y)
        error = abs(complex(Fraction(float(computed.real)) - re, Fraction(float(computed.imag)) - im))
        bound = errorbounds.direct(np.array([abs(complex(x)) * abs(complex(y))]), terms=1, dtype=np.complex64)
        assert error <= float(bound.value[0]), (x, y)


def test_bounds_of_huge_inputs_are_finite_where_the_bound_is_representable():
    a = np.full(600, 1e307)
    fft = errorbounds.fft(a, np.ones(4), fft_shape=(625,), dtype=np.float64)
    assert np.isfinite(fft.value) and fft.value > 1e290  # ||a||_2 ||b||_1 alone exceeds 1e308
    assert fft.holds(np.full(3, 1e300), np.full(3, 1e300) + 1e280)
    assert errorbounds.fft(np.full(4, 1e308), np.full(4, 1e308), fft_shape=(8,), dtype="float64").value == np.inf


def test_norms_of_the_most_negative_integers_are_their_magnitudes():
    """Found by the adversarial suite: abs(int32 -2**31) wraps to -2**31, so the FFT bound of
    such inputs was 0 and convolve(method='fft') 'proved' a wrong integer result exact."""
    a = np.array([0, -(2**31)], np.int32)
    bound = errorbounds.fft(a, a, fft_shape=(4,), dtype=np.float64)
    assert bound.value >= 2.0**62 * 2.0**-53
    import convalg

    x = np.array([[[0, 0]], [[0, 0]], [[0, -(2**31)]]], np.int32)
    y = np.array([[[-(2**31), -(2**31)]]], np.int32)
    out = convalg.convolve(x, y, method="fft")
    assert out.ravel().tolist() == [0, 0, 0, 0, 0, 0, 0, 2**62, 2**62]


def test_a_componentwise_bound_of_huge_values_stays_finite_in_a_normwise_sum():
    # found through the law suite's tolerance: near-overflow FFT checks summed |v|**2 in float64,
    # which overflowed to an infinite (vacuous) bound
    huge = errorbounds.Bound("componentwise", np.array([3e200, 4e200]), "huge")
    tiny = errorbounds.Bound("componentwise", np.array([3e-200, 4e-200]), "tiny")
    zero = errorbounds.Bound("normwise", 0.0, "zero")
    assert errorbounds.combine(zero, huge).value == pytest.approx(5e200, rel=1e-12)
    assert errorbounds.combine(zero, tiny).value == pytest.approx(5e-200, rel=1e-12)  # not lost to underflow
