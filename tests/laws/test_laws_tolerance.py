"""The tolerances are sound (real computations meet them, subnormals included) and not vacuous."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import scipy.fft
import scipy.signal
from hypothesis import find, given
from hypothesis import strategies as st

from convalg import errorbounds
from convalg.testing import assert_within_bound, chain_tolerance, reference, strategies, tolerance


def _naive_direct(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A plain double loop in the inputs' precision: the computation the direct bound models."""
    dtype = np.result_type(a, b)
    out = np.zeros(len(a) + len(b) - 1, dtype=dtype)
    with np.errstate(all="ignore"):
        for i, x in enumerate(a):
            for j, y in enumerate(b):
                out[i + j] = out[i + j] + x * y
    return out


def _exact_fractions(a, b) -> np.ndarray:
    fa = np.array([Fraction(float(v)) for v in a], dtype=object)
    fb = np.array([Fraction(float(v)) for v in b], dtype=object)
    return reference(fa, fb)


@given(strategies.signal_kernel_pairs(strategies.dtypes("f"), max_side=10))
def test_direct_tolerance_holds_for_naive_sums_against_exact_rational_arithmetic(pair):
    a, b = pair
    computed = _naive_direct(a, b)
    exact = np.array([float(v) for v in _exact_fractions(a, b)], dtype=np.float64)
    # without the oracle's own error: the componentwise bound alone, against exact values
    m = min(len(a), len(b))
    magnitude = np.asarray(reference(np.abs(a).astype(np.float64), np.abs(b).astype(np.float64)), dtype=np.float64)
    bound = errorbounds.direct(magnitude, terms=m, dtype=a.dtype)
    exact_rounded_error = np.abs(exact) * 2.0**-53  # float(Fraction) rounds once, to nearest
    relaxed = errorbounds.Bound("componentwise", bound.value + exact_rounded_error, bound.description)
    assert relaxed.holds(computed, exact)
    assert_within_bound(computed, reference(a, b), tolerance(a, b, method="direct"))


@given(strategies.signal_kernel_pairs(strategies.dtypes("fc"), max_side=12))
def test_fft_tolerance_holds_for_scipy_fftconvolve_including_subnormals_and_huge_values(pair):
    a, b = pair
    computed = scipy.signal.fftconvolve(a, b)
    full = len(a) + len(b) - 1
    fft_shape = (scipy.fft.next_fast_len(full, real=a.dtype.kind == "f"),)
    bound = tolerance(a, b, method="fft", fft_shape=fft_shape)
    assert bound.kind == "normwise"
    assert_within_bound(computed, reference(a, b), bound, context=f"fftconvolve {a.dtype}")


def test_fft_tolerance_adds_an_underflow_term_that_scales_with_the_other_input():
    a = np.array([5e-324, 3e-323, 1e-322], dtype=np.float64)
    small, large = np.array([1.0, -0.5]), np.array([1e150, -5e149])
    term_small = errorbounds.fft_underflow(a, small, fft_shape=(4,), dtype=np.float64).value
    term_large = errorbounds.fft_underflow(a, large, fft_shape=(4,), dtype=np.float64).value
    assert term_large > 1e140 * term_small > 0
    relative_only = errorbounds.fft(a, large, fft_shape=(4,), dtype=np.float64).value
    assert tolerance(a, large, method="fft", fft_shape=(4,)).value > relative_only + term_large * 0.99


@given(strategies.signal_kernel_pairs("complex128", dims=2, max_side=5))
def test_componentwise_bound_follows_the_mode_window(pair):
    a, b = pair
    for mode in ("full", "same"):
        result = scipy.signal.convolve(a, b, mode=mode, method="direct")
        assert_within_bound(result, reference(a, b, mode=mode), tolerance(a, b, mode=mode))
        result = scipy.signal.correlate(a, b, mode=mode, method="direct")
        assert_within_bound(
            result, reference(a, b, op="correlation", mode=mode), tolerance(a, b, op="correlation", mode=mode)
        )


@pytest.mark.parametrize("method", ["direct", "fft"])
def test_tolerance_is_not_vacuous_twice_the_bound_fails(method):
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal(40), rng.standard_normal(7)
    exact = np.asarray(reference(a, b), dtype=np.float64)
    bound = tolerance(a, b, method=method)
    if bound.kind == "componentwise":
        perturbed = exact + 2 * bound.value
    else:
        perturbed = exact + 2 * bound.value / np.sqrt(exact.size)
    assert not bound.holds(perturbed, reference(a, b))
    # twice the bound, up to the rounding of the perturbed values themselves
    assert 1.5 < bound.ratio(perturbed, reference(a, b)) < 3


def test_integer_tolerance_is_exact_and_the_oracle_never_wraps():
    a = np.array([2**62, 2**62], dtype=np.int64)
    b = np.array([3, 4], dtype=np.int64)
    bound = tolerance(a, b)
    assert bound.kind == "exact" and "exact equality" in bound.description
    assert reference(a, b).tolist() == [3 * 2**62, 7 * 2**62, 4 * 2**62]
    with pytest.raises(AssertionError, match="exact equality"):
        assert_within_bound(np.convolve(a, b), reference(a, b), bound)


def test_the_oracle_is_exact_for_rationals():
    a = np.array([Fraction(1, 3), Fraction(-2, 7)], dtype=object)
    b = np.array([Fraction(3, 5), Fraction(1, 9), Fraction(5, 2)], dtype=object)
    assert reference(a, b).tolist() == [
        Fraction(1, 5),
        Fraction(1, 3) / 9 - Fraction(6, 35),
        Fraction(5, 6) - Fraction(2, 63),
        Fraction(-5, 7),
    ]


@given(strategies.signal_kernel_pairs(strategies.dtypes("f"), max_side=6, chained=True), st.data())
def test_chain_tolerance_holds_for_direct_chains(pair, data):
    a, b = pair
    c = data.draw(strategies.signal_kernel_pairs(a.dtype, max_side=6, chained=True))[0]
    lhs = _naive_direct(_naive_direct(a, b), c)
    exact = reference(reference(a, b), c)
    assert_within_bound(lhs, exact, chain_tolerance(a, b, c))


@given(strategies.signal_kernel_pairs(strategies.dtypes("fc"), max_side=8, chained=True), st.data())
def test_chain_tolerance_holds_for_fft_chains(pair, data):
    a, b = pair
    c = data.draw(strategies.signal_kernel_pairs(a.dtype, max_side=8, chained=True))[0]
    mid = scipy.signal.fftconvolve(a, b)
    lhs = scipy.signal.fftconvolve(mid, c)
    exact = reference(reference(a, b), c)
    bound = chain_tolerance(a, b, c, method="fft-any", intermediate=mid)
    assert bound.kind == "normwise" and "chain" in bound.description
    assert_within_bound(lhs, exact, bound)


def test_compose_direct_is_gamma_of_the_summed_terms():
    bound = errorbounds.compose_direct(np.array([1.0]), terms=(3, 4), dtype="float64", outer_norm1=1.0)
    assert float(bound.value[0]) == pytest.approx(errorbounds.gamma(7, "float64"), rel=1e-6)
    complex_bound = errorbounds.compose_direct(np.array([1.0]), terms=(3, 4), dtype="complex128", outer_norm1=1.0)
    assert "gamma_11" in complex_bound.description


def test_combine_adds_componentwise_bounds_and_turns_mixed_ones_normwise():
    one = errorbounds.Bound("componentwise", np.array([1.0, 2.0]), "one")
    two = errorbounds.Bound("componentwise", np.array([3.0, 4.0]), "two")
    assert errorbounds.combine(one, two).value.tolist() == [4.0, 6.0]
    mixed = errorbounds.combine(one, errorbounds.Bound("normwise", 1.0, "three"))
    assert mixed.kind == "normwise" and mixed.value == pytest.approx(1 + np.sqrt(5))
    with pytest.raises(ValueError, match="at least one bound"):
        errorbounds.combine()


@pytest.mark.parametrize(
    "condition",
    [
        pytest.param(lambda p: p[0].size == 1 and p[1].size == 1, id="length 1"),
        pytest.param(lambda p: p[1].shape[0] > p[0].shape[0], id="kernel longer than signal"),
        pytest.param(lambda p: p[0].shape[0] % 2 == 0 and p[1].shape[0] % 2 == 1, id="even signal, odd kernel"),
        pytest.param(lambda p: np.any(p[0] == 0) and np.any(p[0] != 0), id="zeros among values"),
        pytest.param(lambda p: np.any(np.abs(p[0]) > 1e30), id="huge magnitudes"),
        pytest.param(lambda p: np.any((p[0] != 0) & (np.abs(p[0]) < np.finfo(np.float64).tiny)), id="subnormals"),
    ],
)
def test_the_strategies_reach_the_edge_cases(condition):
    from hypothesis import HealthCheck, settings

    config = settings(max_examples=2000, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    find(strategies.signal_kernel_pairs("float64"), condition, settings=config)


def test_with_nonfinite_puts_exactly_one_nan_or_inf_where_it_says():
    from hypothesis import HealthCheck, settings

    config = settings(max_examples=50, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    signal, kernel, which, index = find(
        strategies.with_nonfinite(strategies.signal_kernel_pairs("float64", magnitude="moderate")),
        lambda drawn: True,
        settings=config,
    )
    target = (signal, kernel)[which]
    assert not np.isfinite(target[index])
    assert np.sum(~np.isfinite(target)) == 1 and np.all(np.isfinite((signal, kernel)[1 - which]))


def test_direct_bound_covers_rounding_of_subnormal_products():
    # each product lands in the subnormal range and may err by half a subnormal ulp;
    # relative terms vanish there, so only the underflow term m * eta covers it
    rng = np.random.default_rng(0)
    a = rng.integers(1, 1000, 6) * 5e-324  # subnormal multiples of the smallest subnormal
    b = rng.random(6)
    computed = _naive_direct(a, b)
    exact = reference(a, b)
    relative_part = errorbounds.gamma(6, "float64") * np.asarray(reference(np.abs(a), np.abs(b)), dtype=np.float64)
    assert np.any(np.abs(computed - np.asarray(exact, dtype=np.float64)) > relative_part)
    assert_within_bound(computed, exact, tolerance(a, b))
