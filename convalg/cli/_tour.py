"""``convalg tour``: the main job -- every part of convalg run once, written to one report folder."""

from __future__ import annotations

import argparse

from convalg.cli._common import (
    CommandError,
    add_backend_option,
    add_out_option,
    prepare_folder,
    require_backend,
    require_extra,
    stdout_console,
)

#: What the tour needs beyond convalg's own dependencies (module -> package of the ``tour`` extra).
_TOUR_EXTRA = {
    "matplotlib": "matplotlib",
    "rich": "rich",
    "hypothesis": "hypothesis",
    "skimage": "scikit-image",
    "sklearn": "scikit-learn",
}


def register(subparsers) -> None:
    from convalg.tour import STEPS

    parser = subparsers.add_parser(
        "tour",
        help="prove, cross-check, test, verify and learn, and write one report folder",
        description=(
            "Run every part of convalg once: prove and refute the laws, cross-check every "
            "backend and method against scipy.signal within the derived error bounds, run the "
            "law suite's quick profile, verify well-known convolutions, and run the ERM demos. "
            "Writes DIR/index.html (self-contained), DIR/report.md and DIR/figures/*.png. "
            "Exit status 0 only if every step passed."
        ),
    )
    add_out_option(parser, "convalg-report", "the report")
    add_backend_option(parser, "numpy", "array backend to compute on; cupy runs the tour on the GPU")
    parser.add_argument("--quick", action="store_true", help="a smaller run of every step (for tests)")
    parser.add_argument(
        "--step",
        action="append",
        dest="steps",
        metavar="STEP",
        choices=[step.key for step in STEPS],
        help=f"run only this step (repeatable): {', '.join(step.key for step in STEPS)}",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    require_extra("tour", _TOUR_EXTRA)
    require_backend(args.backend)
    prepare_folder(args.out, "--out")

    from rich.console import Console
    from rich.table import Table

    from convalg.backends import BackendUnavailableError
    from convalg.tour import run_tour

    console = Console(stderr=True)
    try:
        report = run_tour(args.out, backend=args.backend, quick=args.quick, steps=args.steps, console=console)
    except (ValueError, BackendUnavailableError) as exc:
        raise CommandError(str(exc)) from None
    table = Table(title=f"convalg tour ({report.backend}, {report.seconds:.1f} s)")
    for column in ("step", "status", "seconds", "summary"):
        table.add_column(column, overflow="fold")
    colour = {"passed": "green", "failed": "red", "missing": "red"}
    for r in report.results:
        word = r.status if r.status == "passed" else r.status.upper()
        table.add_row(r.title, f"[{colour[r.status]}]{word}", f"{r.seconds:.1f}", r.summary)
    screen = stdout_console()
    screen.print(table)
    verdict = "every step passed" if report.ok else "FAILED: see the steps marked FAILED or MISSING"
    where = f"report: {report.out / 'index.html'}  {report.out / 'report.md'}" if report.out else "no report written"
    screen.print(f"{verdict}\n{where}")
    return report.exit_status
