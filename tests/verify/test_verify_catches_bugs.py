"""verify catches every buggy fixture at its default settings, with a minimal, confirmed counterexample.

The misses of issue 12 each have a test that states what must be found (the kind of
violation, the size the counterexample shrinks to); every other buggy fixture of the
catalogue must at least be reported as a violation.
"""

from __future__ import annotations

import buggy_convolutions as buggy
import catalogue
import numpy as np
import pytest

from convalg.testing import verify

# A hang costs the time limit on every try: the tests give the hanging fixtures one second.
FAST_TIMEOUT = 1.0


def _report(name: str, **options):
    fixture = catalogue.by_name(name)
    if fixture.torch:
        pytest.importorskip("torch", reason="torch is an optional oracle (pip install 'convalg[torch]')")
    return verify(fixture.fn, dims=fixture.dims, **fixture.contract, **options)


def _only(report, kind: str):
    assert report.status == "violation", str(report)
    found = [v for v in report.violations if v.kind == kind]
    assert found, str(report)
    return found[0]


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("conjugated_kernel", "conjugates the kernel"),
        ("conjugated_output", "conjugates both"),
        ("reversed_output", "the output comes out reversed"),
        ("correlate_swapped_full", "slides the signal over the kernel"),
        ("correlate_swapped_valid", "slides the signal over the kernel"),
        ("correlation_without_conjugate", "conjugates neither argument"),
    ],
)
def test_an_expected_product_is_checked_in_full_not_only_by_its_name(name, words):
    # issue 12, item 1: --expect compared only the word 'convolution' / 'correlation'
    violation = _only(_report(name), "convention")
    assert any(words in line for line in violation.diagnosis), str(violation)
    assert (
        np.iscomplexobj(violation.signal)
        or np.iscomplexobj(violation.kernel)
        or "reversed" in words
        or "slides" in words
    )
    assert violation.signal.size <= 2 and violation.kernel.size <= 2  # shrunk to the smallest witness
    assert violation.confirmed.startswith("confirmed by the independent exact evaluation")


def test_returning_the_real_part_of_a_complex_result_is_a_violation_not_a_declined_dtype():
    # issue 12, item 2
    report = _report("real_part_only")
    violation = _only(report, "dtype")
    assert "imaginary part is lost" in violation.message
    assert not any(d.startswith("complex") for d in report.declined)


def test_a_2d_function_wrong_from_eight_columns_is_caught_and_the_counterexample_has_eight():
    # issue 12, item 3: the probe that disagreed used to be dropped
    violation = _only(_report("wrong_from_eight_columns_2d"), "values")
    assert violation.signal.shape[1] == 8


@pytest.mark.parametrize(
    ("name", "axis", "threshold", "dtype"),
    [
        ("overlap_add_wrong_after_16", "signal", 17, None),
        ("drops_taps_from_64", "kernel", 64, None),
        ("float32_long_signal_path", "signal", 1000, "float32"),
    ],
)
def test_bugs_that_live_only_at_real_sizes_are_caught_and_shrunk_to_the_threshold(name, axis, threshold, dtype):
    # issue 12, item 4: the search never left toy sizes
    report = _report(name)
    assert report.status == "violation", str(report)
    violation = report.violations[0]
    assert len(getattr(violation, axis)) == threshold, str(violation)
    if dtype:
        assert violation.signal.dtype == dtype


def test_nan_treated_as_zero_breaks_the_non_finite_rule():
    # issue 12, item 5
    report = _report("nan_as_zero")
    violation = _only(report, "nonfinite")
    assert "NaN or infinity enters its sum" in violation.message
    assert violation.signal.size == 1 and np.isnan(violation.signal).all()
    assert not any("stays local" in note for note in report.notes)


@pytest.mark.parametrize("name", ["returns_its_input_for_a_unit_kernel", "returns_a_view_of_the_signal"])
def test_returning_the_input_or_a_view_of_it_is_aliasing(name):
    # issue 12, item 6
    violation = _only(_report(name), "aliased")
    assert violation.kernel.tolist() == [1.0]


def test_a_function_that_hangs_is_a_violation_and_verify_returns():
    report = _report("hangs_on_long_signals", timeout=FAST_TIMEOUT)
    violation = _only(report, "timeout")
    assert len(violation.signal) > 300
    assert report.seconds < 60


def test_a_busy_loop_is_stopped_too():
    report = _report("hangs_in_a_busy_loop", timeout=FAST_TIMEOUT)
    violation = _only(report, "timeout")
    assert len(violation.kernel) == 5


def test_system_exit_from_the_function_is_a_violation_not_the_exit_of_verify():
    violation = _only(_report("exits_with_status_0"), "raised")
    assert "SystemExit" in violation.message
    assert len(violation.kernel) == 2  # the shortest even kernel


def test_a_function_that_kills_its_process_is_a_violation():
    violation = _only(_report("kills_its_process"), "died")
    assert len(violation.kernel) == 3
    assert "exit status 3" in violation.message


def test_a_crash_is_shrunk_too():
    violation = _only(_report("crashes_on_single_tap"), "raised")
    assert violation.signal.size == 1 and violation.kernel.size == 1
    assert "IndexError" in violation.message


def test_a_reused_output_buffer_is_caught_with_both_calls_in_the_snippet():
    violation = _only(_report("returns_an_internal_buffer"), "stale")
    assert violation.earlier is not None
    assert "first = returns_an_internal_buffer(first_signal, first_kernel)" in violation.snippet


def test_one_wrong_convention_is_reported_once_with_the_other_inputs_as_also_seen():
    report = _report("conjugated_kernel")
    assert len(report.violations) == 1
    assert len(report.violations[0].also_seen) > 5


OTHER_BUGS = [
    f.name
    for f in catalogue.BUGGY
    if f.name
    not in {
        "conjugated_kernel",
        "conjugated_output",
        "reversed_output",
        "correlate_swapped_full",
        "correlate_swapped_valid",
        "correlation_without_conjugate",
        "real_part_only",
        "wrong_from_eight_columns_2d",
        "overlap_add_wrong_after_16",
        "drops_taps_from_64",
        "float32_long_signal_path",
        "nan_as_zero",
        "returns_its_input_for_a_unit_kernel",
        "returns_a_view_of_the_signal",
        "hangs_on_long_signals",
        "hangs_in_a_busy_loop",
        "exits_with_status_0",
        "kills_its_process",
        "crashes_on_single_tap",
        "returns_an_internal_buffer",
    }
]


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.torch) if catalogue.by_name(n).torch else n for n in OTHER_BUGS]
)
def test_every_other_buggy_fixture_is_a_confirmed_violation(name):
    # 40 examples visit every slot of the schedule twice; benchmarks/bench_verify.py runs them at the defaults
    report = _report(name, max_examples=40)
    assert report.status == "violation", str(report)
    for violation in report.violations:
        assert violation.confirmed, str(violation)
        assert violation.snippet


def test_the_snippet_reproduces_the_violation():
    report = _report("int32_accumulator")
    violation = report.violations[0]
    printed = []
    exec(violation.snippet, {"print": printed.append})
    assert np.array_equal(printed[0], buggy.int32_accumulator(violation.signal, violation.kernel))
    assert printed[1].tolist() != printed[0].tolist()  # the expected line differs from the output
    assert [int(v) for v in printed[1].tolist()] == [int(violation.signal[0]) * int(violation.kernel[0])]


def test_verify_is_deterministic_by_default():
    first, second = ([str(v) for v in _report("int32_accumulator").violations] for _ in range(2))
    assert first == second


def _wrong_for_nine_samples(signal, kernel):
    """Right everywhere except on signals of exactly nine samples (the first convention probe's length)."""
    out = np.convolve(signal, kernel)
    if len(signal) == 9:
        out[0] += 1.0
    return out


def test_a_convention_probe_that_disagrees_is_a_counterexample_not_dropped_evidence():
    # issue 12, item 3: with one scheduled input (never nine samples long) only the probe shows the bug
    report = verify(_wrong_for_nine_samples, like="numpy.convolve", max_examples=1)
    violation = _only(report, "values")
    assert violation.found_by.startswith("found by: convention probe")
    assert len(violation.signal) == 9


def test_when_no_convention_fits_the_report_shows_the_output_the_contract_and_the_nearest():
    report = _report("flips_only_the_rows_2d")
    violation = report.violations[0]
    assert violation.diagnosis[0].startswith("no convention explains this output")
    assert violation.output is not None and violation.expected is not None
    assert violation.nearest is not None and "relative distance" in violation.nearest[0]
    text = str(violation)
    assert "the function returns:" in text and "the contract gives:" in text and "nearest convention:" in text
