"""``convalg tour``: the main job -- every part of convalg run once, written to one report folder."""

from __future__ import annotations

import argparse


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "tour",
        help="prove, cross-check, test, verify and learn, and write one report folder",
        description=(
            "Run every part of convalg once: prove and refute the laws, cross-check every "
            "backend and method against scipy.signal within the derived error bounds, run the "
            "law suite's quick profile, verify well-known convolutions, and run the ERM demos. "
            "Writes OUT/index.html (self-contained), OUT/report.md and OUT/figures/*.png. "
            "Exit status 0 only if every step passed."
        ),
    )
    parser.add_argument("--out", default="convalg-report", help="report folder (default: %(default)s)")
    parser.add_argument(
        "--backend",
        default="numpy",
        choices=("numpy", "cupy", "array_api_strict"),
        help="array backend to compute on; cupy runs the tour on the GPU (default: %(default)s)",
    )
    parser.add_argument("--quick", action="store_true", help="a smaller run of every step (for tests)")
    parser.add_argument(
        "--step",
        action="append",
        dest="steps",
        metavar="STEP",
        help="run only this step (repeatable): backends, laws, crosscheck, law-suite, verify, learn",
    )
    parser.set_defaults(run=run)


#: What the tour needs beyond convalg's own dependencies: the ``tour`` extra.
_TOUR_EXTRA = {"matplotlib": "matplotlib", "rich": "rich", "hypothesis": "hypothesis",
               "skimage": "scikit-image", "sklearn": "scikit-learn"}


def run(args: argparse.Namespace) -> int:
    import importlib.util
    import sys

    missing = [package for module, package in _TOUR_EXTRA.items() if importlib.util.find_spec(module) is None]
    if missing:
        print(f"convalg tour needs {', '.join(missing)}: pip install 'convalg[tour]'", file=sys.stderr)
        return 2

    from rich.console import Console
    from rich.table import Table

    from convalg.tour import run_tour

    console = Console(stderr=True)
    from convalg.backends import BackendUnavailableError

    try:
        report = run_tour(args.out, backend=args.backend, quick=args.quick, steps=args.steps, console=console)
    except (ValueError, BackendUnavailableError) as exc:
        console.print(f"[red]convalg tour: {exc}")
        return 2
    table = Table(title=f"convalg tour ({report.backend}, {report.seconds:.1f} s)")
    for column in ("step", "status", "seconds", "summary"):
        table.add_column(column, overflow="fold")
    colour = {"passed": "green", "failed": "red", "missing": "red"}
    for r in report.results:
        word = r.status if r.status == "passed" else r.status.upper()
        table.add_row(r.title, f"[{colour[r.status]}]{word}", f"{r.seconds:.1f}", r.summary)
    Console().print(table)
    verdict = "every step passed" if report.ok else "FAILED: see the steps marked FAILED or MISSING"
    Console().print(f"{verdict}\nreport: {report.out / 'index.html'}  {report.out / 'report.md'}")
    return report.exit_status
