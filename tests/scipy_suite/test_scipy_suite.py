"""scipy's own test_signaltools.py against convalg, through :mod:`run_scipy_suite`.

The default run checks, for NumPy, that every test listed in :mod:`deliberate_differences`
still fails the way it is listed (a few seconds: those tests only). Those tests pass on scipy
itself, so their failing here also shows that scipy's tests reached convalg's functions. The
whole selection, per library, is marked ``scipy_suite`` and deselected by default (several
minutes per library); CI runs it in a stage of its own, and ``pytest -m scipy_suite`` here.
"""

from __future__ import annotations

import collections

import pytest

pytest.importorskip("scipy.signal.tests.test_signaltools", reason="scipy's test files are not installed")

from deliberate_differences import DIFFERENCES, Difference, expected_failures
from run_scipy_suite import LIBRARIES, LibraryResult, _judge, run_library


def test_listed_differences_still_fail_as_listed_on_numpy():
    listed = expected_failures("numpy")
    result = run_library("numpy", tests=tuple(listed))
    assert result.ok, "\n".join(result.unexpected)
    assert result.counts == collections.Counter(listed=len(listed))


def test_every_listed_test_id_is_listed_once_with_a_reason():
    ids = [test for difference in DIFFERENCES for test in difference.tests]
    assert len(ids) == len(set(ids))
    assert all(difference.reason and difference.message for difference in DIFFERENCES)


def _judged(records, listed):
    result = LibraryResult("numpy", collections.Counter())
    _judge(result, records, listed)
    return result


def test_the_judge_refuses_unlisted_failures_listed_passes_and_other_messages():
    overflow = Difference("why", r"OverflowError", ("T::a[numpy]",))
    listed = {"T::a[numpy]": overflow}
    fine = _judged([{"test": "T::a[numpy]", "outcome": "failed", "message": "OverflowError: big"}], listed)
    assert fine.ok and fine.counts["listed"] == 1
    for records in (
        [{"test": "T::a[numpy]", "outcome": "passed", "message": ""}],  # a listed test passes: stale list
        [{"test": "T::a[numpy]", "outcome": "failed", "message": "ValueError: other"}],  # fails otherwise
        [{"test": "T::b[numpy]", "outcome": "failed", "message": "AssertionError"}],  # unlisted failure
        [{"test": "T::b[numpy]", "outcome": "xpassed", "message": ""}],  # scipy's xfail no longer holds
        [
            {"test": "T::b[numpy]", "outcome": "passed", "message": ""},
            {"test": "T::b[numpy]", "outcome": "failed", "message": "teardown"},
        ],
    ):
        assert not _judged(records, listed).ok, records


@pytest.mark.scipy_suite
@pytest.mark.parametrize("library", LIBRARIES)
def test_scipys_suite_passes_on_convalg_but_for_the_listed_differences(library):
    result = run_library(library)
    if result.skipped_reason:
        pytest.skip(result.skipped_reason)
    print(result.summary())
    assert result.ok, "\n".join(result.unexpected[:50])
    assert result.counts["passed"] > 1000  # the selection was collected and run
