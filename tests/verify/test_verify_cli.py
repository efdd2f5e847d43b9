"""`convalg verify`: exit status 0 consistent, 1 violation, 2 usage error; bad arguments are named."""

from __future__ import annotations

import numpy as np
import pytest

from convalg.cli import main
from convalg.testing import verify


def test_cli_exit_status_is_0_for_a_consistent_function(capsys):
    assert main(["verify", "numpy:convolve", "--max-examples", "5"]) == 0
    out = capsys.readouterr().out
    assert "convention: convolution" in out and "result: CONSISTENT" in out


def test_cli_passes_keyword_arguments_and_checks_the_expected_mode(capsys):
    status = main(["verify", "scipy.ndimage:convolve1d", "--kwarg", "mode=constant", "--mode", "same",
                   "--max-examples", "5"])
    out = capsys.readouterr().out
    assert status == 1
    assert "VIOLATION" in out and "convolve1d(signal, kernel, mode='constant')" in out


def test_cli_exit_status_is_1_for_a_buggy_function(capsys):
    assert main(["verify", "buggy_convolutions:int32_accumulator", "--max-examples", "20"]) == 1
    out = capsys.readouterr().out
    assert "from buggy_convolutions import int32_accumulator" in out


@pytest.mark.parametrize(
    "argv, words",
    [
        (["verify", "no_such_module_xyz:f"], "cannot import module 'no_such_module_xyz'"),
        (["verify", "numpy:no_such_function"], "has no attribute 'no_such_function'"),
        (["verify", "numpy"], "must look like package.module:function"),
        (["verify", "numpy:pi"], "not a function"),
        (["verify", "numpy:convolve", "--kwarg", "mode"], "--kwarg must look like NAME=VALUE"),
        (["verify", "numpy:convolve", "--max-examples", "0"], "--max-examples must be at least 1"),
    ],
)
def test_cli_usage_errors_exit_with_status_2_and_say_what_is_wrong(argv, words, capsys):
    assert main(argv) == 2
    assert words in capsys.readouterr().err


def test_cli_rejects_an_unknown_mode_through_argparse():
    with pytest.raises(SystemExit) as exit_info:
        main(["verify", "numpy:convolve", "--mode", "circular"])
    assert exit_info.value.code == 2


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"expect": "convolutoin"}, ValueError, "expect must be"),
        ({"mode": "middle"}, ValueError, "mode must be"),
        ({"dims": 4}, ValueError, "dims must be 1, 2 or 3"),
        ({"max_examples": 0}, ValueError, "max_examples must be at least 1"),
    ],
)
def test_verify_rejects_bad_arguments_with_typed_errors(kwargs, error, words):
    with pytest.raises(error, match=words):
        verify(np.convolve, **kwargs)


def test_verify_rejects_something_that_is_not_callable():
    with pytest.raises(TypeError, match="fn must be callable"):
        verify("numpy.convolve")


def test_a_function_that_crashes_on_every_input_is_a_violation_not_a_crash_of_verify():
    def broken(signal, kernel):
        raise ZeroDivisionError("oops")

    report = verify(broken, max_examples=3)
    assert report.exit_status == 1
    assert "crashes on float64 inputs" in report.violations[0].message
    assert "ZeroDivisionError" in report.violations[0].message
