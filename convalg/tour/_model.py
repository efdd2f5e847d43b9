"""What the tour's steps are made of: a step, its context, and the result it returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

__all__ = ["Figure", "Table", "StepResult", "PartMissing", "Context", "Step"]

Status = Literal["passed", "failed", "missing"]


@dataclass(frozen=True)
class Figure:
    """One figure of the report: a PNG and its caption.

    Attributes
    ----------
    name : str
        File stem, unique within its step (the file is ``figures/<step>-<name>.png``).
    caption : str
        What the figure shows.
    png : bytes
        The PNG file's contents.
    """

    name: str
    caption: str
    png: bytes


@dataclass(frozen=True)
class Table:
    """A table of the report: column names and rows of already formatted cells."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""


@dataclass
class StepResult:
    """What one step of the tour found.

    Attributes
    ----------
    key, title : str
        The step's short name and its heading in the report.
    status : {'passed', 'failed', 'missing'}
        ``missing`` when the part the step exercises is not installed.
    summary : str
        One sentence: the verdict and the numbers behind it.
    tables, figures : list
        The evidence.
    notes : list of str
        Further lines worth reading (failures first).
    headline : list of str
        What a newcomer should read first, shown under the verdict at the top of the report:
        what was proved, what was refuted or caught on purpose and why.
    seconds : float
        Wall-clock time of the step.
    """

    key: str
    title: str
    status: Status
    summary: str
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    headline: list[str] = field(default_factory=list)
    seconds: float = 0.0


class PartMissing(RuntimeError):
    """Raised by a step whose part of convalg is not installed."""


def _no_progress(done: float, total: float, description: str = "") -> None:
    """The default progress callback: it shows nothing."""


@dataclass
class Context:
    """What every step gets: the backend, the size of the run, and a progress callback.

    Attributes
    ----------
    backend : str
        The array backend the steps compute on (``'numpy'``, ``'cupy'``, ...).
    quick : bool
        A smaller run (for tests): fewer cases and examples, shorter training.
    workdir : pathlib.Path
        A scratch folder for parts that write files (the learning demos).
    progress : callable
        ``progress(done, total, description)`` updates the step's progress bar.
    """

    backend: str
    quick: bool
    workdir: Path
    progress: Callable[[float, float, str], None] = _no_progress


@dataclass(frozen=True)
class Step:
    """One step of the tour: the part it needs and the function that runs it."""

    key: str
    title: str
    requires: tuple[str, ...]
    run: Callable[[Context], StepResult]
    issue: str
