"""Integer convolution is exact and never wraps: widened to int64 (uint64), checked against
exact Python-integer arithmetic, and an OverflowError before computing when even int64
could overflow."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.signal
from signal_oracle import crop_like_scipy, exact_full

import convalg
from convalg.signal import plan


@pytest.mark.parametrize("method", ["auto", "direct", "fft", "oa"])
@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int16, np.int32, np.uint32])
def test_narrow_integers_widen_to_int64_and_never_wrap(backend, method, dtype):
    info = np.iinfo(dtype)
    a = np.full(40, info.max, dtype=dtype)
    b = np.full(5, min(info.max, 2**20), dtype=dtype)  # 2**31 * 2**20 * 5 fits in int64
    out = convalg.backends.to_numpy(convalg.convolve(a, b, method=method, backend=backend))
    assert out.dtype == np.int64
    expected = crop_like_scipy(exact_full(a, b), a.shape, b.shape, "full")
    assert out.tolist() == expected.tolist()


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize(("s1", "s2"), [((30,), (4,)), ((9, 8), (3, 2)), ((4, 5, 3), (2, 2, 2))])
def test_int64_near_the_limit_equals_python_integers(backend, mode, s1, s2):
    rng = np.random.default_rng(0)
    kernel_size = int(np.prod(s2))
    big = (2**62) // (kernel_size * 3)
    a = rng.integers(-big, big, size=s1, dtype=np.int64)
    b = rng.integers(-3, 4, size=s2, dtype=np.int64)
    for function in ("convolve", "correlate"):
        out = getattr(convalg, function)(a, b, mode=mode, backend=backend)
        kernel = b if function == "convolve" else np.flip(b)
        expected = crop_like_scipy(exact_full(a, kernel), a.shape, b.shape, mode)
        assert convalg.backends.to_numpy(out).tolist() == expected.tolist()


def test_uint64_stays_uint64_and_exact():
    a = np.array([2**63, 3, 2**62], dtype=np.uint64)
    b = np.array([1, 1], dtype=np.uint64)
    out = convalg.convolve(a, b)
    assert out.dtype == np.uint64
    assert out.tolist() == [2**63, 2**63 + 3, 3 + 2**62, 2**62]


def test_overflow_error_names_the_first_exact_output_out_of_range():
    a = np.full(10, 2**40, dtype=np.int64)
    b = np.full(10, 2**30, dtype=np.int64)
    with pytest.raises(OverflowError, match=rf"output at index \(0,\) is {2**70}, outside the int64 range"):
        convalg.convolve(a, b)
    assert plan("convolve", a, b).method == "direct", "the exact check needs direct integer sums"


def test_integer_fft_only_with_a_proof_of_exactness():
    small = np.arange(1000, dtype=np.int64) % 7
    p = plan("convolve", small, small[:500], method="fft")
    assert p.method == "fft" and p.exact
    huge = np.full(2000, 2**40, dtype=np.int64)
    p = plan("convolve", huge, np.full(1000, 2**10, dtype=np.int64), method="fft")
    assert p.method == "fft" and p.certificate.centres == (2**40, 2**10), "centred to zeros: certified"
    out = convalg.convolve(huge, np.full(1000, 2**10, dtype=np.int64), method="fft")
    assert int(out[1500]) == 1000 * 2**50


def test_integer_fft_without_a_certificate_computes_directly(monkeypatch):
    from convalg.signal import _exact_fft

    monkeypatch.setattr(_exact_fft, "certify", lambda *args: None)
    a = np.arange(1000, dtype=np.int64) % 7
    assert plan("convolve", a, a[:500], method="fft").method == "direct"
    assert plan("convolve", a, a[:500], method="fft").certificate is None
    assert convalg.convolve(a, a[:500], method="fft").tolist() == exact_full(a, a[:500]).tolist()


def test_fft_result_of_integers_is_exact_when_proven():
    rng = np.random.default_rng(1)
    a = rng.integers(-1000, 1000, size=3000)
    b = rng.integers(-1000, 1000, size=2000)
    assert plan("convolve", a, b, method="fft").method == "fft"
    out = convalg.convolve(a, b, method="fft")
    assert out.tolist() == exact_full(a, b).tolist()


def test_booleans_give_boolean_or_of_ands():
    a = np.array([True, False, False, True])
    b = np.array([True, True])
    out = convalg.convolve(a, b)
    assert out.dtype == bool
    assert out.tolist() == np.convolve(a, b).tolist()


def test_object_arrays_of_fractions_are_exact():
    from fractions import Fraction

    a = np.array([Fraction(1, 3), Fraction(1, 2)], dtype=object)
    b = np.array([Fraction(3, 1), Fraction(1, 7)], dtype=object)
    out = convalg.convolve(a, b)
    assert out.tolist() == [Fraction(1), Fraction(1, 21) + Fraction(3, 2), Fraction(1, 14)]
    out2d = convalg.convolve(a.reshape(1, 2), b.reshape(2, 1))
    assert out2d.tolist() == [[Fraction(1), Fraction(3, 2)], [Fraction(1, 21), Fraction(1, 14)]]


@pytest.mark.parametrize("function", ["fftconvolve", "oaconvolve"])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize(("shape1", "shape2"), [((1, 4), (2, 1)), ((1,), (2,)), ((3,), (1,)), ((1, 3), (4, 1))])
def test_frequency_domain_functions_with_no_convolved_axis_return_the_exact_integer_product(
    function, mode, shape1, shape2
):
    """Found by ``convalg check``: scipy returns ``in1 * in2`` (integer, cut to the mode's
    window) when every axis has a length-1 input; convalg does too, exact and widened."""
    a = (np.arange(math.prod(shape1)) - 3).reshape(shape1).astype(np.int8)
    b = (np.arange(math.prod(shape2)) * 50 + 20).reshape(shape2).astype(np.int8)
    out = getattr(convalg, function)(a, b, mode=mode)
    expected = getattr(scipy.signal, function)(a.astype(np.int64), b.astype(np.int64), mode=mode)
    assert out.dtype == np.int64 and out.shape == expected.shape
    assert out.tolist() == expected.tolist()


def test_separable_integer_kernels_of_narrow_types_factor_without_wrapping():
    """Found by ``convalg check``: with three long axes the factor search's scale (a product
    of two entries) once overflowed int8 and crashed."""
    rng = np.random.default_rng(0)
    signal = rng.integers(-128, 128, (9, 8, 7)).astype(np.int8)
    general = rng.integers(-128, 128, (4, 3, 3)).astype(np.int8)
    rank_one = np.multiply.outer(np.multiply.outer([1, -2, 2, 1], [1, 2, 1]), [3, 0, -3]).astype(np.int8)
    assert convalg.signal._direct.separable_factors(rank_one) is not None
    for kernel in (general, rank_one):
        out = convalg.convolve(signal, kernel)
        exact = scipy.signal.convolve(signal.astype(np.int64), kernel.astype(np.int64), method="direct")
        assert out.dtype == np.int64 and out.tolist() == exact.tolist()


@pytest.mark.parametrize("function", ["convolve2d", "correlate2d"])
@pytest.mark.parametrize("boundary", ["wrap", "symm"])
def test_an_extended_boundary_never_wraps_around(backend, function, boundary):
    """Defect 1 of issue 13: the check paired max|b| with sum|a|, which does not bound sums
    over an extended signal (one sample used several times): 0 and -2**63 came back for
    2**64 and 2**63."""
    a = np.zeros((3, 3), np.int64)
    a[0, 0] = 2**62
    with pytest.raises(OverflowError, match=f"is {2**64}, outside the int64 range"):
        getattr(convalg, function)(a, np.ones((3, 3), np.int64), boundary="symm", mode="same", backend=backend)
    with pytest.raises(OverflowError, match=f"is {2**64}, outside"):
        getattr(convalg, function)(
            np.array([[2**62]]), np.ones((1, 4), np.int64), boundary=boundary, mode="same", backend=backend
        )
    # at the edge every output fits and is exact: symm reads a[0, 0] four times at (0, 0)
    a[0, 0] = (2**63 - 1) // 4
    b = np.ones((2, 2), np.int64)
    out = getattr(convalg, function)(a, b, boundary=boundary, mode="same", backend=backend)
    expected = getattr(scipy.signal, function)(a, b, boundary=boundary, mode="same")  # no wrap here
    assert convalg.backends.to_numpy(out).tolist() == expected.tolist()
    if function == "convolve2d":  # (correlate2d's 'same' window reads a[0, 0] fewer times)
        assert int(np.max(expected)) == (4 if boundary == "symm" else 1) * a[0, 0]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (np.array([2**63 - 1]), np.array([1]), [2**63 - 1]),
        (np.array([-(2**63)]), np.array([1]), [-(2**63)]),
        (np.array([2**64 - 1], np.uint64), np.array([1], np.uint64), [2**64 - 1]),
        (np.array([2**32 - 1], np.uint32), np.array([2**31 - 1], np.int32), [(2**32 - 1) * (2**31 - 1)]),
        (np.array([2**62, 2**62]), np.array([1, -1]), [2**62, 0, -(2**62)]),  # terms cancel
        (np.array([2**62, 2**62, 2**62]), np.array([1, -1, 1]), [2**62, 0, 2**62, 0, 2**62]),
    ],
    ids=["int64-max", "int64-min", "uint64-max", "uint32-x-int32", "cancelling", "cancelling-3"],
)
def test_results_that_fit_are_computed_even_when_their_bound_does_not(backend, a, b, expected):
    """Defect 8 of issue 13: a float-inflated norm bound raised OverflowError for exact
    results that fit; the check is now exact at the edge (residues modulo 2**64 and primes)."""
    out = convalg.backends.to_numpy(convalg.convolve(a, b, backend=backend))
    assert out.tolist() == expected
    assert out.dtype == (np.uint64 if a.dtype == b.dtype == np.uint64 else np.int64)


def test_one_output_past_the_edge_is_named_exactly():
    with pytest.raises(OverflowError, match=f"index \\(2,\\) is {2**63}, outside the int64 range"):
        convalg.convolve(np.array([2**62, 2**62, 2**62]), np.array([1, 0, 1]))
    with pytest.raises(OverflowError, match=f"index \\(1,\\) is {-(2**63) - 1}, outside"):
        convalg.convolve(np.array([-(2**62), -(2**62) - 1]), np.array([1, 1]))
    with pytest.raises(OverflowError, match=f"is {2**64}, outside the uint64 range"):
        convalg.convolve(np.array([2**63, 2**63], np.uint64), np.array([1, 1], np.uint64))


def test_big_endian_uint64_never_wraps_around_in_the_exact_check():
    """Found by the adversarial suite: the residues read a big-endian uint64 as int64, so
    2**64 + 2 passed the exact check as 2 (mode 'valid' crops the outputs that disagreed)."""
    a = np.array([3, 2**64 - 1, 3], dtype=">u8")
    with pytest.raises(OverflowError, match=f"is {2**64 + 2}, outside the uint64 range"):
        convalg.convolve(a, np.array([1, 1], np.uint64), mode="valid")
    fits = np.array([3, 2**63, 3], dtype=">u8")
    assert convalg.convolve(fits, np.array([1, 1], np.uint64), mode="valid").tolist() == [2**63 + 3] * 2


def test_a_rank_one_kernel_whose_factors_leave_int64_is_not_factored():
    """Found by the adversarial suite: the factors of [[-2**63] * 2] * 2 include 2**63, and
    converting them raised numpy's 'Python int too large to convert to C long'."""
    kernel = np.full((2, 2), -(2**63))
    out = convalg.convolve(np.zeros((2, 3), bool), kernel)
    assert out.dtype == np.int64 and not out.any()
    with pytest.raises(OverflowError, match=f"is {-(2**63) * 2}, outside the int64 range"):
        convalg.convolve(np.ones((3, 3), bool), kernel)


@pytest.mark.parametrize("taps", [1, 2, 3, 4])
@pytest.mark.parametrize("function", ["convolve", "correlate", "convolve2d", "correlate2d"])
def test_direct_integer_sums_near_2_53_are_exact_in_float64_or_computed_as_integers(backend, function, taps):
    """Direct int64 sums run in float64 where every partial sum is an integer below 2**53
    (_plan.floats_are_exact). Odd products of 2**52 + 2**27 + 1 make sums just past 2**53
    odd, which float64 cannot hold: a bound that let them through would be caught here."""
    big = 2**26 + 1
    two_d = function.endswith("2d")
    shape, kernel = ((3, 6), (1, taps)) if two_d else ((1000,), (taps,))  # 1-D: floats from 3000 terms
    a = np.full(shape, big, dtype=np.int64)
    a.reshape(-1)[::4] = big - 2  # sums of three or four such products are odd, past 2**53
    b = np.full(kernel, big, dtype=np.int64)
    out = convalg.backends.to_numpy(getattr(convalg, function)(a, b, mode="valid", backend=backend))
    flipped = b if function.startswith("correlate") else b[(slice(None, None, -1),) * b.ndim]
    windows = np.lib.stride_tricks.sliding_window_view(a, kernel)
    expected = [
        sum(int(x) * int(y) for x, y in zip(w.reshape(-1), flipped.reshape(-1))) for w in windows.reshape(-1, b.size)
    ]
    assert out.reshape(-1).tolist() == expected
    assert out.dtype == np.int64


def test_small_integer_images_are_summed_in_float64_and_large_ones_in_int64():
    import array_api_compat.numpy as xp

    from convalg.signal import _plan

    image, kernel = np.arange(64 * 64).reshape(64, 64) % 256, np.arange(49).reshape(7, 7) % 5
    assert _plan.prepare("convolve2d", xp, image.astype(np.uint8), kernel.astype(np.int8)).float_exact
    assert not _plan.prepare("convolve2d", xp, image * 2**40, kernel).float_exact
    assert _plan.floats_are_exact(np.dtype(np.int64), 2, 2**26, 2**26 - 1)
    assert not _plan.floats_are_exact(np.dtype(np.int64), 2, 2**26, 2**26)


@pytest.mark.parametrize("taps", [16, 31, 100])
@pytest.mark.parametrize("function", ["convolve", "correlate"])
@pytest.mark.parametrize("past_the_bound", [False, True])
def test_long_integer_kernels_summed_by_blas_rows_in_float64_are_exact(monkeypatch, function, taps, past_the_bound):
    """Exact int64 sums below 2**53 may run as float64 BLAS rows (_plan.blas_allowed: any
    order of exact integer sums is exact); sums past it must not (the products of values
    near ``sqrt(2**53 / taps)``, and four times that, are odd and need every bit)."""
    from convalg.signal import _direct_numpy

    calls = []
    blas = _direct_numpy.numpy_blas_1d
    monkeypatch.setattr(_direct_numpy, "numpy_blas_1d", lambda *args: calls.append(1) or blas(*args))
    rng = np.random.default_rng(taps)
    largest = math.isqrt(2**53 // taps) * (4 if past_the_bound else 1)
    a = largest - rng.integers(0, 4, 20_000)  # all near the largest: the sums reach the bound
    b = largest - rng.integers(0, 4, taps)
    out = getattr(convalg, function)(a, b, method="direct")
    flipped = b if function == "correlate" else b[::-1]
    padded = [0] * (taps - 1) + a.tolist() + [0] * (taps - 1)
    expected = [sum(x * y for x, y in zip(padded[i : i + taps], flipped.tolist())) for i in range(len(a) + taps - 1)]
    assert out.tolist() == expected
    assert bool(calls) != past_the_bound  # BLAS rows exactly where float64 sums are exact
