"""verify catches real bugs, each with a minimal counterexample and a snippet that reproduces it."""

from __future__ import annotations

import numpy as np
import pytest

import buggy_convolutions as buggy
from convalg.testing import verify

EXAMPLES = 25


def _only_violation(report):
    assert report.exit_status == 1, str(report)
    return report.violations[0]


def test_circular_aliasing_of_an_fft_without_enough_padding():
    violation = _only_violation(verify(buggy.fft_without_enough_padding, max_examples=EXAMPLES))
    assert "VIOLATED" in violation.message and "normwise FFT" in violation.message
    # the smallest case that aliases: a one-sample signal and a two-tap kernel
    assert violation.signal.shape == (1,) and violation.kernel.shape == (2,)


def test_same_window_off_by_one_for_even_kernels():
    report = verify(buggy.same_window_off_by_one, mode="same", max_examples=EXAMPLES)
    violation = _only_violation(report)
    assert report.convention.window.centre == "k//2"
    assert len(violation.kernel) % 2 == 0
    assert "expected convolution (conj neither), same [(k-1)//2, signal]" in violation.law


def test_same_window_off_by_one_is_not_flagged_without_a_mode_expectation():
    # Without --mode it is a consistent convention (ndimage's centring), and is named so.
    report = verify(buggy.same_window_off_by_one, max_examples=10)
    assert report.consistent
    assert "one later than scipy.signal for even kernels" in report.convention.describe()


def test_accumulation_in_lower_precision_than_the_inputs():
    report = verify(buggy.float32_accumulator, max_examples=EXAMPLES)
    by_dtype = {v.signal.dtype.name: v for v in report.violations}
    assert len(by_dtype) == 3 and {"float64", "complex128", "int64"} >= set(by_dtype) >= {"float64"}
    assert "float32" not in by_dtype and "complex64" not in by_dtype  # correct in its own precision
    assert "componentwise gamma_1" in by_dtype["float64"].message
    assert by_dtype["float64"].signal.size == 1 and by_dtype["float64"].kernel.size == 1


def test_silent_integer_overflow():
    report = verify(buggy.int32_accumulator, max_examples=EXAMPLES)
    violation = _only_violation(report)
    assert violation.signal.dtype == np.int64
    assert "exact equality" in violation.message and "overflow" in violation.message
    exact = int(violation.signal[0]) * int(violation.kernel[0])
    assert exact > 2**31 - 1  # the shrunk example is just past int32's range
    assert [v.signal.dtype.name for v in report.violations] == ["int64"]


def test_a_kernel_tap_dropped_for_long_kernels():
    violation = _only_violation(verify(buggy.drops_a_tap_of_long_kernels, max_examples=EXAMPLES))
    assert violation.kernel.shape == (9,)  # the shortest kernel the bug affects
    assert violation.signal.shape == (1,)


def test_a_flipped_kernel_when_a_convolution_is_expected():
    report = verify(buggy.flipped_kernel, expect="convolution", max_examples=EXAMPLES)
    violation = _only_violation(report)
    assert report.convention.operation == "correlation"
    assert "expected convolution" in violation.law
    assert violation.kernel.tolist() in ([0.0, 1.0], [1.0, 0.0])


@pytest.mark.parametrize(
    "fn, words",
    [
        (buggy.crashes_on_single_tap, "raises IndexError"),
        (buggy.mutates_its_kernel, "mutates its inputs"),
        (buggy.returns_single_precision, "precision is lost"),
        (buggy.wrong_length_for_even_kernels, "returns shape"),
    ],
    ids=["crash", "mutation", "dtype", "shape"],
)
def test_crashes_mutation_wrong_dtype_and_shape_are_violations(fn, words):
    report = verify(fn, max_examples=EXAMPLES)
    assert not report.consistent
    assert any(words in v.message for v in report.violations), str(report)


def test_the_snippet_reproduces_the_violation():
    violation = _only_violation(verify(buggy.int32_accumulator, max_examples=EXAMPLES))
    printed = []
    namespace = {"print": printed.append}
    exec(violation.snippet, namespace)
    assert np.array_equal(printed[0], buggy.int32_accumulator(violation.signal, violation.kernel))
    expected_line = violation.snippet.splitlines()[-1]
    assert expected_line.startswith("# expected (convolution (conj neither), full): [")
    assert str(int(violation.signal[0]) * int(violation.kernel[0])) in expected_line


def test_verify_is_deterministic_by_default():
    first = str(verify(buggy.int32_accumulator, max_examples=10))
    second = str(verify(buggy.int32_accumulator, max_examples=10))
    assert first == second
