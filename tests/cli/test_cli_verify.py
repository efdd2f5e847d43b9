"""`convalg verify` prints what the Python API returns; exit 0 consistent, 1 violation, 2 usage, 3 unknown."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from convalg.cli import main
from convalg.testing import _verify, verify

ROOT = Path(__file__).resolve().parents[2]
VERIFY_TESTS = ROOT / "tests" / "verify"  # where buggy_convolutions.py lives


def _without_timings(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if "slowest" not in line and not line.startswith("result:"))


def test_cli_exit_status_is_0_for_a_consistent_function_and_prints_what_the_api_returns(capsys):
    assert main(["verify", "numpy:convolve", "--like", "numpy.convolve", "--max-examples", "20"]) == 0
    printed = capsys.readouterr().out
    report = verify(np.convolve, like="numpy.convolve", max_examples=20, name="numpy:convolve")
    assert _without_timings(printed) == _without_timings(str(report))
    assert "result: CONSISTENT" in printed


def test_cli_states_a_contract_field_by_field_and_passes_keywords(capsys):
    status = main(
        [
            "verify",
            "scipy.ndimage:convolve1d",
            "-k",
            "mode=constant",
            "--expect",
            "convolution",
            "--mode",
            "same",
            "--max-examples",
            "20",
        ]
    )
    out = capsys.readouterr().out
    assert status == 1
    assert "VIOLATION" in out and "convolve1d(signal, kernel, mode='constant')" in out
    assert "'same' start: it 'same' starts at full index k // 2" in out  # the detected difference, in words


def test_cli_exit_status_is_1_for_a_buggy_function_with_a_snippet_that_imports_it(capsys, monkeypatch):
    monkeypatch.chdir(VERIFY_TESTS)
    assert main(["verify", "buggy_convolutions:int32_accumulator", "--like", "numpy.convolve"]) == 1
    assert "from buggy_convolutions import int32_accumulator" in capsys.readouterr().out


def test_cli_exit_status_is_3_when_the_verdict_cannot_be_confirmed(capsys, monkeypatch):
    class Disagrees:
        agrees, reason = False, "a disagreement planted by this test"

    monkeypatch.setattr(_verify, "judge", lambda *args, **kwargs: Disagrees)
    assert main(["verify", "numpy:convolve", "--like", "numpy.convolve", "--max-examples", "5"]) == 3
    out = capsys.readouterr().out
    assert "UNKNOWN: the oracle passed" in out and "result: UNKNOWN" in out


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["verify", "no_such_module_xyz:f"], "cannot import module 'no_such_module_xyz'"),
        (["verify", "numpy:no_such_function"], "has no attribute 'no_such_function'"),
        (["verify", "numpy"], "must look like package.module:function"),
        (["verify", "numpy:pi"], "not a function"),
        (["verify", "numpy:convolve", "--kwarg", "mode"], "--kwarg must look like NAME=VALUE"),
        (["verify", "numpy:convolve", "-k", "mod=same"], "do not fit convolve"),
        (["verify", "numpy:convolve", "--max-examples", "0"], "max_examples must be an integer of at least 1"),
        (["verify", "numpy:convolve", "--max-size", "8"], "max_size must be an integer from 16"),
        (["verify", "numpy:convolve", "--timeout", "-1"], "timeout must be a positive number"),
        (["verify", "numpy:convolve", "--like", "numpy.convolv"], "like must name a preset: numpy.convolve"),
        (["verify", "numpy:convolve", "--like", "numpy.convolve", "--dims", "2"], "takes 1-D inputs"),
        (["verify", "numpy:convolve", "--boundary", "circle"], "boundary must be one of"),
    ],
)
def test_cli_usage_errors_exit_with_status_2_and_say_what_is_wrong(argv, words, capsys):
    assert main(argv) == 2
    assert words in capsys.readouterr().err


def test_cli_rejects_an_unknown_choice_through_argparse():
    with pytest.raises(SystemExit) as exit_info:
        main(["verify", "numpy:convolve", "--mode", "circular"])
    assert exit_info.value.code == 2


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"expect": "convolutoin"}, ValueError, "operation must be one of"),
        ({"mode": "middle"}, ValueError, "mode must be"),
        ({"dims": 4}, ValueError, "dims must be 1, 2 or 3"),
        ({"max_examples": 0}, ValueError, "max_examples must be an integer of at least 1"),
        ({"timeout": 0}, ValueError, "timeout must be a positive number"),
        ({"keywords": {"mod": "same"}}, TypeError, "do not fit convolve"),
        ({"keywords": "mode=same"}, TypeError, "keywords must be a dict"),
        ({"examples": [(np.ones((2, 2)), np.ones(2))]}, ValueError, r"examples\[0\] must be a \(signal, kernel\)"),
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
    assert "raises for every dtype" in report.violations[0].message


def test_the_command_leaves_no_hypothesis_database_in_the_working_directory(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(VERIFY_TESTS)])}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "convalg",
            "verify",
            "buggy_convolutions:flipped_kernel",
            "--expect",
            "convolution",
            "--max-examples",
            "10",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    assert "computes another convention" in done.stdout
    assert list(tmp_path.iterdir()) == []
