"""Run the installed scipy's own convolution and correlation tests against convalg, per array library.

For each library a subprocess runs pytest on scipy's ``scipy/signal/tests/test_signaltools.py``
with scipy's rootdir (so its ``conftest.py``, ``xp`` fixture and markers are in effect), in
scipy's array-API mode (``SCIPY_ARRAY_API``, restricted to that library), with the plugin
:mod:`convalg_in_scipy` putting convalg's functions in place of scipy's. Every test must pass,
except the ones listed in :mod:`deliberate_differences`, which must fail the way listed.

Usage (from anywhere; exit status 0 when every library is as expected)::

    python tests/scipy_suite/run_scipy_suite.py -b numpy -b array_api_strict -b torch -b dask.array

A library that is not installed is reported as skipped with the reason; ``--require`` makes
that an error (CI's stage, where all four are installed).
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from deliberate_differences import Difference, expected_failures  # noqa: E402

LIBRARIES = ("numpy", "array_api_strict", "torch", "dask.array")

#: The tests of test_signaltools.py that exercise the replaced functions (convalg_in_scipy.REPLACED).
SELECTED = (
    "TestConvolve",
    "TestConvolve2d",
    "TestFFTConvolve",
    "TestOAConvolve",
    "TestAllFreqConvolves",
    "test_convolve_longdtype_input",
    "TestCorrelateReal",
    "TestCorrelate",
    "TestCorrelateComplex",
    "TestCorrelate2d",
    "test_correlation_lags",
    "test_correlation_lags_invalid_mode",
    "test_choose_conv_method",
    "test_choose_conv_method_2",
)


def scipy_test_file() -> Path:
    spec = importlib.util.find_spec("scipy")
    if spec is None or spec.origin is None:
        raise RuntimeError("scipy is not installed")
    path = Path(spec.origin).parent / "signal" / "tests" / "test_signaltools.py"
    if not path.exists():
        raise RuntimeError(f"scipy's tests are not installed with this scipy ({path} is missing)")
    return path


@dataclasses.dataclass
class LibraryResult:
    library: str
    counts: collections.Counter
    skipped_reason: str = ""
    unexpected: list[str] = dataclasses.field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.unexpected

    def summary(self) -> str:
        if self.skipped_reason:
            return f"{self.library:17s} skipped: {self.skipped_reason}"
        c = self.counts
        return (
            f"{self.library:17s} {c['passed']:6d} passed  {c['listed']:3d} failed as listed  "
            f"{c['failed']:3d} failed unlisted  {c['skipped']:4d} skipped  {c['xfailed']:3d} xfailed  "
            f"{c['xpassed']:2d} xpassed  ({self.seconds:.0f} s)"
        )


def _missing(library: str) -> str:
    module = library.split(".")[0]
    return "" if importlib.util.find_spec(module) else f"{module} is not installed"


def run_library(library: str, tests: tuple[str, ...] = SELECTED, jobs: str = "0") -> LibraryResult:
    """Run scipy's ``tests`` (class or function names, or full ids) against convalg on ``library``."""
    missing = _missing(library)
    if missing:
        return LibraryResult(library, collections.Counter(), skipped_reason=missing)
    path = scipy_test_file()
    import convalg

    convalg_root = str(Path(convalg.__file__).resolve().parent.parent)
    env = dict(os.environ, SCIPY_ARRAY_API=json.dumps([library]))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [convalg_root, str(HERE), env.get("PYTHONPATH")]))
    env.pop("PYTEST_ADDOPTS", None)  # convalg's own options (a hypothesis seed) mean nothing to scipy's tests
    with tempfile.TemporaryDirectory() as scratch:
        outcomes = Path(scratch) / "outcomes.jsonl"
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "convalg_in_scipy",
            f"--convalg-outcomes={outcomes}",
            f"--rootdir={path.parents[2]}",
            "-c",
            os.devnull,  # no ini file: convalg's pyproject options are not scipy's
            "-p",
            "no:cacheprovider",
            "-q",
            "--no-header",
            "-rN",
            *(["-n", jobs] if jobs != "0" else []),
            *[f"{path}::{test}" for test in tests],
        ]
        started = time.perf_counter()
        process = subprocess.run(command, env=env, cwd=scratch, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - started
        records = [json.loads(line) for line in outcomes.read_text().splitlines()] if outcomes.exists() else []
    result = LibraryResult(library, collections.Counter(), seconds=seconds)
    if process.returncode not in (0, 1) or not records:
        result.unexpected.append(f"pytest exited with status {process.returncode}:\n{process.stdout[-3000:]}")
        return result
    _judge(result, records, expected_failures(library))
    return result


def _judge(result: LibraryResult, records: list[dict], listed: dict[str, Difference]) -> None:
    outcomes: dict[str, tuple[str, str]] = {}
    for record in records:
        if outcomes.get(record["test"], ("",))[0] != "failed":  # a failing teardown wins
            outcomes[record["test"]] = (record["outcome"], record["message"])
    for test, (outcome, message) in outcomes.items():
        difference = listed.get(test)
        if outcome == "failed" and difference is not None:
            if difference.matches(message):
                result.counts["listed"] += 1
                continue
            result.unexpected.append(f"{test}: listed, but fails otherwise than /{difference.message}/: {message}")
        elif difference is not None and outcome != "skipped":
            result.unexpected.append(f"{test}: listed as a deliberate difference but {outcome}")
        elif outcome in ("failed", "xpassed"):
            result.unexpected.append(f"{test}: {outcome}: {message}")
        result.counts[outcome] += 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "-b",
        "--array-api-backend",
        dest="libraries",
        action="append",
        choices=LIBRARIES,
        help="a library to run scipy's tests with (repeatable; default: all four)",
    )
    parser.add_argument("-n", "--jobs", default="0", help="pytest-xdist processes per library: a number or 'auto'")
    parser.add_argument("--require", action="store_true", help="a library that is not installed is an error")
    args = parser.parse_args(argv)
    failed = False
    for library in args.libraries or LIBRARIES:
        result = run_library(library, jobs=args.jobs)
        print(result.summary(), flush=True)
        for line in result.unexpected:
            print(f"    {line}")
        failed |= not result.ok or (args.require and bool(result.skipped_reason))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
