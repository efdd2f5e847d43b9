"""The main job, ``convalg tour``: every part of convalg run once, end to end, into one report.

The tour is a list of independent steps (:data:`STEPS`). Each step calls one part's public
API -- the symbolic layer proves and refutes the laws, the cross-checks hold every backend and
method to its error bound against scipy.signal, the law suite runs its quick profile,
``verify`` classifies and checks well-known convolutions, the learning demos recover kernels
by ERM -- and returns what it found: a verdict, tables and figures. A step whose part is not
installed is reported as *missing* and fails the tour; a step that raises fails with the
error. Nothing is skipped silently.

The report folder holds ``index.html`` (self-contained: styles and figures inline, opens in
any browser), ``report.md`` and every figure as a PNG under ``figures/``.

Examples
--------
>>> from convalg.tour import STEPS
>>> [step.key for step in STEPS]
['backends', 'laws', 'crosscheck', 'law-suite', 'verify', 'learn']
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import platform
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from convalg.tour._model import Context, Figure, PartMissing, Step, StepResult, Table
from convalg.tour._steps import STEPS

__all__ = ["run_tour", "TourReport", "STEPS", "Step", "StepResult", "Context", "Figure", "Table", "PartMissing"]


@dataclass
class TourReport:
    """The whole tour: each step's result, the environment, and where the report was written."""

    results: list[StepResult]
    backend: str
    environment: dict[str, str]
    seconds: float
    out: Path | None = None

    @property
    def ok(self) -> bool:
        """True when every step passed."""
        return all(result.status == "passed" for result in self.results)

    @property
    def exit_status(self) -> int:
        """0 when every step passed, else 1."""
        return 0 if self.ok else 1


def _module_exists(name: str) -> bool:
    # A folder without __init__.py is only a namespace, not an installed part of convalg.
    try:
        spec = importlib.util.find_spec(name)
    except ModuleNotFoundError:
        return False
    return spec is not None and spec.origin is not None


def _environment(backend: str) -> dict[str, str]:
    import numpy
    import scipy

    from convalg import __version__
    from convalg.backends import available

    environment = {
        "convalg": __version__,
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
        "backend": backend,
    }
    for package in ("sympy", "hypothesis", "matplotlib", "torch"):
        try:
            environment[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            environment[package] = "not installed"
    for status in available().values():
        environment[f"backend {status.name}"] = ("usable, " if status.usable else "not usable, ") + status.detail
    return environment


def _run_step(step: Step, context: Context) -> StepResult:
    started = time.perf_counter()
    missing = [name for name in step.requires if not _module_exists(name)]
    if missing:
        result = StepResult(
            step.key,
            step.title,
            "missing",
            f"MISSING: {', '.join(missing)} is not installed ({step.issue}); this step did not run, so the tour fails.",
        )
    else:
        try:
            result = step.run(context)
        except PartMissing as exc:
            result = StepResult(step.key, step.title, "missing", f"MISSING: {exc}")
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - a failing part must not hide the others' results
            result = StepResult(
                step.key,
                step.title,
                "failed",
                f"FAILED with {type(exc).__name__}: {exc}",
                notes=["```\n" + traceback.format_exc(limit=8).rstrip() + "\n```"],
            )
    result.seconds = time.perf_counter() - started
    return result


def run_tour(
    out: str | Path | None = "convalg-report",
    *,
    backend: str = "numpy",
    quick: bool = False,
    steps: list[str] | None = None,
    console=None,
) -> TourReport:
    """Run every step of the tour and write the report folder.

    Parameters
    ----------
    out : path or None
        The report folder (created before any step runs; files in it are replaced). None writes
        nothing.
    backend : str
        The array backend to compute on; ``'cupy'`` runs the tour on the GPU.
    quick : bool
        A smaller run of every step, for tests.
    steps : list of str, optional
        Run only these steps (by key); all by default.
    console : rich.console.Console, optional
        Where the progress display goes; None shows none.

    Returns
    -------
    TourReport
        Each step's result; ``exit_status`` is 0 only if every step passed.

    Raises
    ------
    ValueError
        If ``out`` is a file or cannot be created, or a step or backend is unknown (before any
        step runs).

    Examples
    --------
    >>> report = run_tour(None, steps=["backends"])
    >>> [(r.key, r.status) for r in report.results]
    [('backends', 'passed')]
    """
    from convalg.backends import require_usable
    from convalg.tour import _steps  # looked up at call time, so tests can replace the steps

    require_usable(backend)
    chosen = [step for step in _steps.STEPS if steps is None or step.key in steps]
    if steps is not None:
        unknown = sorted(set(steps) - {step.key for step in _steps.STEPS})
        if unknown:
            known = ", ".join(step.key for step in _steps.STEPS)
            raise ValueError(f"steps must be among {known}; got {unknown}")
    if out is not None:
        from convalg.tour._report import prepare_folder

        prepare_folder(Path(out))  # a path that cannot hold the report is refused before minutes of work
    started = time.perf_counter()
    results: list[StepResult] = []
    with tempfile.TemporaryDirectory(prefix="convalg-tour-") as scratch, _progress(console) as bar:
        for step in chosen:
            task = bar.add_task(step.title, total=1.0) if bar else None

            def progress(done, total, description="", _task=task, _title=step.title):
                if bar is not None:
                    label = f"{_title}: {description}" if description else _title
                    bar.update(_task, completed=done / total if total else 1.0, description=label)

            context = Context(backend, quick, Path(scratch) / step.key, progress)
            context.workdir.mkdir()
            result = _run_step(step, context)
            results.append(result)
            if bar is not None:
                mark = {"passed": "[green]passed", "failed": "[red]FAILED", "missing": "[red]MISSING"}
                bar.update(task, completed=1.0, description=f"{step.title}: {mark[result.status]}")
    report = TourReport(results, backend, _environment(backend), time.perf_counter() - started)
    if out is not None:
        from convalg.tour._report import write_report

        report.out = write_report(report, Path(out))
    return report


class _NoProgress:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def _progress(console):
    if console is None:
        return _NoProgress()
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
    )
