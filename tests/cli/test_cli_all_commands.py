"""Every ``convalg`` command as a newcomer meets it: bad input is refused before any work with one
clear line and exit status 2, a closed pipe is quiet, flags that mean the same are the same.

The work of each command is replaced by a function that fails the test if it is reached, so
"refused before the work" is checked, not assumed.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from convalg.backends import available
from convalg.cli import _COMMANDS, build_parser, main

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
_CUPY = available()["cupy"]


def _exit_status(argv: list[str]) -> int:
    """What ``convalg ARGV`` exits with (argparse's refusals raise SystemExit)."""
    try:
        return main(argv)
    except SystemExit as exit_:
        return exit_.code


@pytest.fixture
def no_work(monkeypatch):
    """Make the work of tour, learn and check fail the test if it starts (verify and prove check their
    arguments in their own API, before their work, and answer bad ones in milliseconds)."""

    def reached(*args, **kwargs):
        raise AssertionError("the command started its work before refusing a bad argument")

    monkeypatch.setattr("convalg.tour.run_tour", reached)
    monkeypatch.setattr("convalg.nn.demos.run", reached)
    # the battery lives in convalg.testing once issue 14 moves it there; `check` looks it up when it runs
    owner = "convalg.testing.battery" if importlib.util.find_spec("convalg.testing.battery") else "convalg.cli._check"
    monkeypatch.setattr(f"{owner}.battery", reached)


@pytest.fixture
def a_file(tmp_path) -> Path:
    path = tmp_path / "afile"
    path.write_text("not a folder")
    return path


def _bad_paths(a_file: Path) -> list[tuple[list[str], str]]:
    folder = a_file.parent
    cases = [
        (["tour", "--out", str(a_file)], "is a file, not a folder"),
        (["tour", "--out", ""], "must name a folder; got an empty path"),
        (["tour", "--out", str(a_file / "sub")], "is a file"),
        (["learn", "params", "--out", str(a_file)], "is a file, not a folder"),
        (["learn", "params", "--out", ""], "must name a folder; got an empty path"),
        (["learn", "edges", "--out", str(a_file / "sub")], "is a file"),
        (["check", "--json", str(folder)], "is a folder, not a file"),
        (["check", "--json", ""], "must name a file; got an empty path"),
        (["check", "--json", str(a_file / "x.json")], "is a file"),
    ]
    if Path("/proc/self").is_dir():  # a folder nobody can create files in, even root
        cases += [
            (["tour", "--out", "/proc/nope"], "--out '/proc/nope': cannot write there"),
            (["learn", "params", "--out", "/proc/nope"], "--out '/proc/nope': cannot write there"),
            (["check", "--json", "/proc/x.json"], "--json '/proc/x.json': cannot write there"),
        ]
    return cases


def test_every_bad_output_path_is_refused_before_the_work_with_exit_status_2(no_work, a_file, capsys):
    for argv, words in _bad_paths(a_file):
        assert _exit_status(argv) == 2, argv
        err = capsys.readouterr().err
        assert words in err, (argv, err)
        assert err.strip().splitlines()[-1].startswith(f"convalg {argv[0]}: error:"), err
    assert a_file.read_text() == "not a folder"  # and nothing was written over


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["tour", "--backend", "jax"], "argument --backend: invalid choice: 'jax'"),
        (["learn", "edges", "--backend", "jax"], "argument --backend: invalid choice: 'jax'"),
        (["check", "--backend", "jax"], "argument --backend: invalid choice: 'jax'"),
        (["tour", "--step", "nope"], "argument --step: invalid choice: 'nope'"),
        (["learn", "nope"], "argument demo: invalid choice: 'nope'"),
        (["learn", "edges", "--seed", "x"], "argument --seed: invalid int value: 'x'"),
        (["verify", "numpy:convolve", "--dims", "4"], "argument --dims: invalid choice: 4"),
        (["verify", "numpy:convolve", "--timeout", "soon"], "argument --timeout: invalid float value"),
        (["verify", "numpy:convolve", "--max-examples", "0"], "max_examples must be an integer of at least 1"),
        (["verify", "numpy"], "must look like package.module:function"),
        (["prove", "--dims", "3", "f == f"], "argument --dims: invalid choice: 3"),
        (["prove", "--timeout", "0", "f == f"], "--timeout must be a positive number"),
        (["prove", "f * == g"], "at position 4"),
    ],
)
def test_every_bad_value_is_refused_with_exit_status_2_and_says_what_is_wrong(argv, words, no_work, capsys):
    assert _exit_status(argv) == 2
    assert words in capsys.readouterr().err


@pytest.mark.skipif(_CUPY.usable, reason="cupy is usable here; the refusal is for machines where it is not")
@pytest.mark.parametrize("argv", [["tour"], ["learn", "edges"], ["check"]])
def test_a_backend_that_cannot_compute_here_is_refused_before_the_work_with_its_reason(argv, no_work, tmp_path, capsys):
    out = ["--json", str(tmp_path / "x.json")] if argv == ["check"] else ["--out", str(tmp_path / "r")]
    assert _exit_status([*argv, "--backend", "cupy", *out]) == 2
    assert f"--backend 'cupy' is not usable here: {_CUPY.detail}" in capsys.readouterr().err


@pytest.mark.parametrize("command", list(_COMMANDS))
def test_an_unknown_option_prints_that_commands_usage(command, capsys):
    argv = (
        [command, {"verify": "numpy:convolve", "learn": "edges"}[command]]
        if command in ("verify", "learn")
        else [command]
    )
    assert _exit_status([*argv, "--bogus"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"usage: convalg {command} "), err
    assert err.strip().splitlines()[-1] == f"convalg {command}: error: unrecognized arguments: --bogus"


def test_help_lists_the_exit_codes_every_command_uses(capsys):
    assert _exit_status(["--help"]) == 0
    text = capsys.readouterr().out
    for code, meaning in (
        ("0", "success"),
        ("1", "a check failed"),
        ("2", "usage or environment error"),
        ("3", "unknown (verify, prove)"),
    ):
        assert f"  {code}  {meaning}" in text


def _options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {action.option_strings[-1]: action for action in parser._actions if action.option_strings}


def test_flags_that_mean_the_same_are_spelled_and_defaulted_the_same_way():
    subparsers = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    commands = {name: _options(parser) for name, parser in subparsers.choices.items()}
    backends = {name: opts["--backend"] for name, opts in commands.items() if "--backend" in opts}
    assert set(backends) == {"tour", "learn", "check"}
    assert len({tuple(a.choices) for a in backends.values()}) == 1
    assert backends["tour"].default == backends["learn"].default == "numpy"
    outs = {name: opts["--out"] for name, opts in commands.items() if "--out" in opts}
    assert set(outs) == {"tour", "learn"} and {a.metavar for a in outs.values()} == {"DIR"}
    assert outs["tour"].type is outs["learn"].type
    dims = [opts["--dims"] for opts in commands.values() if "--dims" in opts]
    assert len(dims) == 2 and {a.default for a in dims} == {1} and all(a.type is int for a in dims)
    assert {opts["--seed"].metavar for opts in commands.values() if "--seed" in opts} == {"N"}
    assert {opts["--timeout"].metavar for opts in commands.values() if "--timeout" in opts} == {"SECONDS"}
    for name, opts in commands.items():
        for option, action in opts.items():
            assert action.help, f"convalg {name} {option} has no help"


def _run(argv: list[str], cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "convalg", *argv],
        cwd=cwd,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


def test_no_traceback_reaches_the_user_from_the_installed_command(a_file):
    """The same refusals through a real process: one error line, exit status 2, no traceback."""
    for argv, words in [
        *_bad_paths(a_file)[:2],
        (["check", "--json", str(a_file.parent)], "is a folder"),
        (["learn", "params", "--out", ""], "must name a folder"),
    ]:
        done = _run(argv, a_file.parent)
        assert done.returncode == 2, (argv, done.stderr)
        assert words in done.stderr and "Traceback" not in done.stderr, (argv, done.stderr)


def _closed_stdout(argv: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run ``convalg ARGV`` with its standard output closed by the reader before it writes."""
    process = subprocess.Popen(
        [sys.executable, "-m", "convalg", *argv],
        cwd=cwd,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    process.stdout.close()  # long before the interpreter has started and written its first line
    try:
        _, err = process.communicate(timeout=300)
    finally:
        process.kill()
    return subprocess.CompletedProcess(argv, process.returncode, "", err)


@pytest.mark.parametrize(
    "argv",
    [
        ["backends"],
        ["--help"],
        ["prove", "--list"],
        ["prove", "f*g == g*f", "--dims", "2"],
        ["check", "--quick", "--verbose", "--backend", "numpy"],
        ["verify", "numpy:convolve", "--max-examples", "5"],
        ["learn", "params", "--quick", "--out", "learned"],
        ["tour", "--quick", "--step", "backends", "--out", "report"],
    ],
    ids=lambda argv: " ".join(argv[:2]),
)
def test_a_closed_pipe_ends_the_command_quietly(argv, tmp_path):
    done = _closed_stdout(argv, tmp_path)
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr
    assert "BrokenPipeError" not in done.stderr, done.stderr
    # 2: a usage or environment error, here the output closed early (argparse prints --help itself and
    # ignores a failed write, so --help exits 0)
    assert done.returncode == (0 if argv == ["--help"] else 2), (done.returncode, done.stderr)


def test_piping_into_head_is_quiet(tmp_path):
    done = subprocess.run(
        f'"{sys.executable}" -m convalg prove "f*g == g*f" --dims 2 | head -1',
        shell=True,
        cwd=tmp_path,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.startswith("f * g == g * f") and done.stderr == "", done.stderr


def test_verify_needs_no_hypothesis_and_leaves_nothing_in_the_working_directory(tmp_path):
    blocked = (
        "import sys; sys.modules['hypothesis'] = None; from convalg.cli import main; "
        "raise SystemExit(main(['verify', 'numpy:convolve', '--like', 'numpy.convolve', "
        "'--max-examples', '10']))"
    )
    done = subprocess.run(
        [sys.executable, "-c", blocked], cwd=tmp_path, env=ENV, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "result: CONSISTENT" in done.stdout
    assert list(tmp_path.iterdir()) == []
