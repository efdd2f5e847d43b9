"""verify states the contract of every numpy, scipy.signal, scipy.ndimage and torch convolution in one word
(``like=``) and raises no false alarm on them, nor on the correct hand-written styles of the catalogue."""

from __future__ import annotations

from functools import partial

import catalogue
import numpy as np
import pytest
import scipy.ndimage
import scipy.signal

from convalg.testing import detect_convention, verify

CONV, CORR = "convolution (conj neither)", "correlation (conj kernel)"


def _param(fixture):
    return pytest.param(fixture.name, marks=[pytest.mark.torch] if fixture.torch else [], id=fixture.name)


# Each preset's function in its default window at verify's default settings; the other windows, boundaries
# and methods of the libraries, and the hand-written styles, with 40 examples (every slot of the schedule
# twice). benchmarks/bench_verify.py runs them all at the defaults: those are the figures of the note.
AT_DEFAULTS = {
    "numpy.convolve-full",
    "numpy.correlate-valid",
    "scipy.signal.convolve-full-auto",
    "scipy.signal.correlate-full-auto",
    "scipy.signal.fftconvolve-full",
    "scipy.signal.oaconvolve-full",
    "scipy.signal.convolve2d-full-fill",
    "scipy.signal.correlate2d-full-fill",
    "scipy.signal.convolve-2d-full",
    "scipy.signal.correlate-3d-full",
    "scipy.ndimage.convolve1d-reflect",
    "scipy.ndimage.correlate1d-reflect",
    "scipy.ndimage.convolve-2d-reflect",
    "scipy.ndimage.correlate-3d-reflect",
    "torch.conv1d",
    "torch.conv2d",
    "torch.conv3d",
    "torch.conv1d-same",
}


@pytest.mark.parametrize("name", [_param(f) for f in catalogue.LIBRARY + catalogue.HAND_WRITTEN_CORRECT])
def test_correct_functions_are_consistent_with_the_contract_their_author_states(name):
    fixture = catalogue.by_name(name)
    if fixture.torch:
        pytest.importorskip("torch", reason="torch is an optional oracle (pip install 'convalg[torch]')")
    examples = {} if name in AT_DEFAULTS else {"max_examples": 40}
    report = verify(fixture.fn, dims=fixture.dims, **fixture.contract, **examples)
    assert report.status == "consistent", str(report)
    assert report.exit_status == 0
    assert any(
        "independent exact evaluation re-judged" in check and check.endswith("and agreed") for check in report.checks
    )


KNOWN = [
    pytest.param(partial(np.convolve, mode="full"), 1, f"{CONV}, full", id="numpy.convolve-full"),
    pytest.param(partial(np.convolve, mode="same"), 1, f"{CONV}, same [(k-1)//2, longer]", id="numpy.convolve-same"),
    pytest.param(partial(np.correlate, mode="valid"), 1, f"{CORR}, valid", id="numpy.correlate-valid"),
    pytest.param(
        partial(np.correlate, mode="same"),
        1,
        f"{CORR}, same [(k-1)//2, n//2 if k > n, longer]",
        id="numpy.correlate-same",
    ),
    pytest.param(
        partial(scipy.signal.convolve, mode="same"),
        1,
        f"{CONV}, same [(k-1)//2, signal]",
        id="scipy.signal.convolve-same",
    ),
    pytest.param(scipy.signal.correlate2d, 2, f"{CORR}, full", id="scipy.signal.correlate2d"),
    pytest.param(
        partial(scipy.signal.correlate2d, mode="same"),
        2,
        f"{CORR}, same [k//2, signal]",
        id="scipy.signal.correlate2d-same",
    ),
    pytest.param(
        scipy.ndimage.convolve1d, 1, f"{CONV}, same [k//2, signal], boundary reflect", id="scipy.ndimage.convolve1d"
    ),
    pytest.param(
        partial(scipy.ndimage.correlate1d, mode="wrap"),
        1,
        f"{CORR}, same [(k-1)//2, signal], boundary wrap",
        id="scipy.ndimage.correlate1d-wrap",
    ),
]


@pytest.mark.parametrize(("fn", "dims", "label"), KNOWN)
def test_detects_the_convention_of_known_functions(fn, dims, label):
    detection = detect_convention(fn, dims=dims)
    assert detection.problems == []
    assert detection.convention.short() == label
    assert detection.explained == detection.answered == len(detection.probes)


def test_without_a_contract_the_detected_convention_is_checked_and_said_to_be_detected():
    report = verify(partial(np.convolve, mode="same"), max_examples=20)
    assert report.status == "consistent", str(report)
    assert report.sources["same_length"] == "detected" and report.sources["operation"] == "detected"
    assert report.sources["nonfinite"] == "default"


def test_unstated_rules_default_to_what_every_convolution_must_do_and_a_preset_states_ndimages():
    # ndimage returns the signal's dtype and sums integers in float64: fine for its preset, a
    # violation of the default rules (the result type's precision; integers exact or wrapped)
    unstated = verify(scipy.ndimage.convolve1d, max_examples=20)
    assert {v.kind for v in unstated.violations} == {"dtype", "integers"}, str(unstated)
    assert unstated.sources["boundary"] == "detected"
    stated = verify(scipy.ndimage.convolve1d, like="scipy.ndimage.convolve1d", max_examples=20)
    assert stated.status == "consistent", str(stated)
    assert stated.sources["boundary"] == "preset scipy.ndimage.convolve1d"


def test_scipy_2d_valid_refusal_of_mixed_shapes_is_scipys_contract_not_a_bug():
    # issue 12: convolve(..., mode='valid') and correlate2d raise when one input is larger on one
    # axis and smaller on another
    report = verify(
        partial(scipy.signal.correlate2d, mode="valid"),
        like="scipy.signal.correlate2d",
        mode="valid",
        dims=2,
        examples=[(np.ones((3, 5)), np.ones((4, 2)))],
        max_examples=20,
    )
    assert report.status == "consistent", str(report)
    assert any("undefined" in check for check in report.checks)


def test_a_real_only_function_says_conjugation_cannot_be_seen():
    def real_only(signal, kernel):
        if np.iscomplexobj(signal) or np.iscomplexobj(kernel):
            raise TypeError("complex inputs are not supported")
        return np.correlate(signal, kernel, "full")

    report = verify(real_only, max_examples=20)
    assert report.convention.real_only
    assert "conjugation cannot be told" in report.convention.describe()
    assert report.status == "consistent", str(report)
    assert any(d.startswith("complex128") for d in report.declined)


def test_stating_a_different_conjugation_than_the_function_has_is_a_violation_even_for_torch_style():
    # torch conjugates nothing: with scipy's correlation stated, the conjugation differs
    def torch_like(signal, kernel):
        return np.correlate(signal, np.conj(kernel), mode="valid")

    report = verify(torch_like, like="numpy.correlate", max_examples=20)
    assert report.status == "violation"
    assert any("conjugates neither argument" in line for line in report.violations[0].diagnosis)
    assert verify(torch_like, like="numpy.correlate", conjugate="neither", max_examples=20).consistent


def test_given_examples_expose_ndimage_treating_nearly_symmetric_kernels_as_symmetric():
    # scipy.ndimage's 1-D filters take taps that differ by less than DBL_EPSILON for equal and then
    # apply the symmetric formula: the exact contract (like='scipy.signal.convolve') disagrees, the
    # ndimage preset documents the rule and agrees
    signal, kernel = np.ones(5), np.array([0.0, 1e-88, 1e-88])
    as_math = verify(
        partial(scipy.ndimage.convolve1d, mode="constant"),
        mode="same",
        same_start="k//2",
        expect="convolution",
        boundary="constant",
        precision="signal",
        integers="float64",
        examples=[(signal, kernel)],
        max_examples=5,
    )
    assert as_math.status == "violation"
    assert as_math.violations[0].found_by == "found by: given example 1"
    as_ndimage = verify(
        partial(scipy.ndimage.convolve1d, mode="constant"),
        like="scipy.ndimage.convolve1d",
        boundary="constant",
        examples=[(signal, kernel)],
        max_examples=5,
    )
    assert as_ndimage.status == "consistent", str(as_ndimage)
