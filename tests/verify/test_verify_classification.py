"""verify names the convention of the well-known convolution functions correctly."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
import scipy.ndimage
import scipy.signal

from convalg import errorbounds
from convalg.testing import detect_convention, verify

CONV, CORR = "convolution (conj neither)", "correlation (conj kernel)"

# function, dims, the detected convention's label
KNOWN = [
    pytest.param(partial(np.convolve, mode="full"), 1, f"{CONV}, full", id="numpy.convolve-full"),
    pytest.param(partial(np.convolve, mode="same"), 1, f"{CONV}, same [(k-1)//2, longer]", id="numpy.convolve-same"),
    pytest.param(partial(np.convolve, mode="valid"), 1, f"{CONV}, valid", id="numpy.convolve-valid"),
    pytest.param(partial(np.correlate, mode="full"), 1, f"{CORR}, full", id="numpy.correlate-full"),
    pytest.param(
        partial(np.correlate, mode="same"), 1, f"{CORR}, same [(k-1)//2, n//2 if k > n, longer]",
        id="numpy.correlate-same",
    ),
    pytest.param(partial(np.correlate, mode="valid"), 1, f"{CORR}, valid", id="numpy.correlate-valid"),
    pytest.param(scipy.signal.convolve, 1, f"{CONV}, full", id="scipy.signal.convolve"),
    pytest.param(partial(scipy.signal.convolve, mode="same"), 1, f"{CONV}, same [(k-1)//2, signal]",
                 id="scipy.signal.convolve-same"),
    pytest.param(scipy.signal.correlate, 1, f"{CORR}, full", id="scipy.signal.correlate"),
    pytest.param(partial(scipy.signal.correlate, mode="same"), 1, f"{CORR}, same [(k-1)//2, signal]",
                 id="scipy.signal.correlate-same"),
    pytest.param(scipy.signal.fftconvolve, 1, f"{CONV}, full", id="scipy.signal.fftconvolve"),
    pytest.param(scipy.signal.oaconvolve, 1, f"{CONV}, full", id="scipy.signal.oaconvolve"),
    pytest.param(scipy.signal.convolve2d, 2, f"{CONV}, full", id="scipy.signal.convolve2d"),
    pytest.param(scipy.signal.correlate2d, 2, f"{CORR}, full", id="scipy.signal.correlate2d"),
    pytest.param(partial(scipy.signal.convolve2d, mode="same"), 2, f"{CONV}, same [(k-1)//2, signal]",
                 id="scipy.signal.convolve2d-same"),
    pytest.param(scipy.ndimage.convolve1d, 1, f"{CONV}, same [k//2, signal], boundary reflect",
                 id="scipy.ndimage.convolve1d"),
    pytest.param(scipy.ndimage.correlate1d, 1, f"{CORR}, same [(k-1)//2, signal], boundary reflect",
                 id="scipy.ndimage.correlate1d"),
    pytest.param(partial(scipy.ndimage.convolve1d, mode="constant"), 1, f"{CONV}, same [k//2, signal]",
                 id="scipy.ndimage.convolve1d-constant"),
    pytest.param(partial(scipy.ndimage.correlate1d, mode="wrap"), 1,
                 f"{CORR}, same [(k-1)//2, signal], boundary wrap", id="scipy.ndimage.correlate1d-wrap"),
]


@pytest.mark.parametrize("fn, dims, label", KNOWN)
def test_detects_the_convention_of_known_functions(fn, dims, label):
    detection = detect_convention(fn, dims=dims)
    assert detection.problems == []
    assert detection.convention.short() == label
    assert detection.explained == len(detection.probes)


@pytest.mark.parametrize(
    "fn, dims",
    [
        pytest.param(np.convolve, 1, id="numpy.convolve"),
        pytest.param(partial(np.correlate, mode="same"), 1, id="numpy.correlate-same"),
        pytest.param(scipy.signal.fftconvolve, 1, id="scipy.signal.fftconvolve"),
        pytest.param(scipy.signal.correlate2d, 2, id="scipy.signal.correlate2d"),
        pytest.param(scipy.ndimage.convolve1d, 1, id="scipy.ndimage.convolve1d"),
    ],
)
def test_known_functions_are_consistent_with_their_convention(fn, dims):
    report = verify(fn, dims=dims, max_examples=8)
    assert report.consistent, str(report)
    assert report.exit_status == 0
    assert report.checks and all(check.passed for check in report.checks)
    assert set(report.accepted) == {"float64", "float32", "complex128", "complex64", "int64"}


def test_ndimage_convolve1d_same_window_differs_from_scipy_signal_for_even_kernels():
    convolve1d = detect_convention(partial(scipy.ndimage.convolve1d, mode="constant")).convention
    signal_same = detect_convention(partial(scipy.signal.convolve, mode="same")).convention
    assert convolve1d.window.start_and_length(9, 4) == (2, 9)
    assert signal_same.window.start_and_length(9, 4) == (1, 9)
    assert convolve1d.window.start_and_length(9, 3) == signal_same.window.start_and_length(9, 3)
    report = verify(partial(scipy.ndimage.convolve1d, mode="constant"), mode="same", max_examples=5)
    assert not report.consistent
    counterexample = report.violations[0]
    assert len(counterexample.kernel) % 2 == 0


def test_description_says_which_argument_is_conjugated_and_the_window_in_words():
    words = detect_convention(scipy.signal.correlate).convention.describe()
    assert "cross-correlation" in words and "conjugates kernel" in words and "'full'" in words


def test_a_real_only_function_is_reported_as_unable_to_show_conjugation():
    def real_only(signal, kernel):
        if np.iscomplexobj(signal) or np.iscomplexobj(kernel):
            raise TypeError("complex inputs are not supported")
        return np.correlate(signal, kernel, "full")

    report = verify(real_only, max_examples=5)
    assert report.convention.real_only
    assert "conjugation cannot be told" in report.convention.describe()
    assert report.consistent
    assert any(d.startswith("complex128") for d in report.declined)


@pytest.mark.torch
def test_torch_conv1d_is_an_unconjugated_valid_correlation(torch_conv1d):
    report = verify(torch_conv1d, max_examples=8)
    assert report.convention.short() == "correlation (conj neither), valid"
    assert report.convention.kernel_longer_declined
    assert report.consistent, str(report)
    assert "complex128" in report.accepted  # so 'conjugates neither' was observed, not assumed


def test_fft_methods_are_reported_to_spread_nan_and_direct_ones_not():
    fft_notes = verify(scipy.signal.fftconvolve, max_examples=3).notes
    direct_notes = verify(np.convolve, max_examples=3).notes
    assert any("spreads" in note for note in fft_notes)
    assert any("stays local" in note for note in direct_notes)


def test_given_examples_expose_ndimage_treating_nearly_symmetric_kernels_as_symmetric():
    # found by a 300-example run of verify: scipy.ndimage's 1-D filters take taps that differ
    # by less than an absolute epsilon for equal, so a kernel of tiny taps gets the symmetric
    # shortcut; the bound of the exact result exposes it (and stays quiet once scipy fixes it)
    signal, kernel = np.ones(5), np.array([0.0, 1e-88, 1e-88])
    exact = np.full(5, 2e-88)  # every output sees taps 0, 1e-88, 1e-88 of a constant signal
    bound = errorbounds.direct(exact, terms=3, dtype="float64")
    scipy_is_wrong = not bound.holds(scipy.ndimage.convolve1d(signal, kernel), exact)
    report = verify(scipy.ndimage.convolve1d, examples=[(signal, kernel)], max_examples=3)
    assert report.consistent is not scipy_is_wrong
    if scipy_is_wrong:
        assert "given examples" in report.checks[0].law and not report.checks[0].passed
        assert "VIOLATED" in report.violations[0].message


@pytest.mark.parametrize(
    "fn, label, words",
    [
        pytest.param(lambda s, k: scipy.signal.correlate(k, s), "correlation swapped (conj signal), full",
                     "arguments swapped", id="swapped-correlation"),
        pytest.param(lambda s, k: np.convolve(np.conj(s), k), "convolution (conj signal), full",
                     "conjugates signal", id="conjugated-signal"),
        pytest.param(lambda s, k: np.conj(np.convolve(s, k)), "convolution (conj both), full",
                     "conjugates both", id="conjugated-output"),
    ],
)
def test_detects_swapped_arguments_and_which_argument_is_conjugated(fn, label, words):
    convention = detect_convention(fn).convention
    assert convention.short() == label
    assert words in convention.describe()
