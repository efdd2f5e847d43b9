"""``convalg check``: the battery of cross-checks (:mod:`convalg.testing.battery`), every result held to its bound.

Each case is one call of a scipy.signal-compatible function, run by :func:`convalg.crosscheck`
on every usable backend and method and on scipy.signal. The exit status is 0 only when every
deviation is within its bound.
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def register(subparsers) -> None:
    from convalg.cli._common import add_backend_option, output_file

    parser = subparsers.add_parser(
        "check",
        help="cross-check every backend and method against scipy.signal within rigorous error bounds",
        description=(
            "Run a fixed battery of cross-checks: each call is computed by convalg on every usable "
            "backend and method and by scipy.signal, and each result must lie within the rigorous "
            "error bound of the method that computed it (exact equality for integers). "
            "Exit status 0 only if every deviation is within its bound, 1 otherwise."
        ),
    )
    add_backend_option(parser, None, "check only this backend")
    parser.add_argument("--quick", action="store_true", help="a small subset of the battery (a few seconds)")
    parser.add_argument(
        "--json", type=output_file, metavar="FILE", help="also write every row of every check to FILE as JSON"
    )
    parser.add_argument("--verbose", action="store_true", help="print every row of every check, not only failures")
    parser.set_defaults(run=run)


def _progress(total: int):
    """A rich progress bar when rich is installed (on stderr), else a silent stand-in."""
    try:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    except ImportError:
        return None
    from rich.console import Console

    return Progress(
        TextColumn("[bold]convalg check"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=Console(stderr=True),
        transient=True,
    )


def _methods(check) -> str:
    chosen = []
    for row in check.rows:
        if row.engine == "convalg" and row.chosen not in chosen and row.chosen != "-":
            chosen.append(row.chosen)
    return ",".join(chosen) or "raises"


def _summary_table(results) -> Any:
    """One line per case: worst ratio over the counted rows and the methods convalg used."""
    lines = []
    for case, check, error in results:
        if error is not None:
            lines.append((case.label, "-", "-", "-", f"ERROR {type(error).__name__}"))
        else:
            counted = sum(1 for r in check.rows if r.counted)
            ratio = check.worst_ratio
            lines.append((case.label, _methods(check), str(counted), f"{ratio:.3g}", "ok" if check.ok else "FAIL"))
    return lines


def _print_table(lines, failures: int, total: int) -> None:
    header = ("case", "convalg methods", "rows", "worst ratio", "status")
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        widths = [max(len(str(r[i])) for r in [header, *lines]) for i in range(len(header))]
        for row in [header, *lines]:
            print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())
    else:
        table = Table(title="convalg check: worst deviation/bound ratio per call (<= 1 is within the bound)")
        for name in header:
            table.add_column(name, justify="right" if name in ("rows", "worst ratio") else "left")
        for row in lines:
            style = None if row[-1] == "ok" else "bold red"
            table.add_row(*row, style=style)
        from convalg.cli._common import stdout_console

        stdout_console(width=max(120, Console().width)).print(table)
    print(f"{total - failures} of {total} calls within their bounds; {failures} failed.")


def run(args: argparse.Namespace) -> int:
    from convalg.cli._common import FAILED, SUCCESS, prepare_file, require_backend
    from convalg.testing.battery import battery, run_case

    require_backend(args.backend)
    if args.json:
        prepare_file(args.json, "--json")
    cases = battery(args.quick)
    results: list[tuple] = []
    progress = _progress(len(cases))
    if progress is None:
        results.extend((case, *run_case(case, args.backend)) for case in cases)
    else:
        with progress:
            task = progress.add_task("", total=len(cases))
            for case in cases:
                progress.update(task, description=case.label)
                results.append((case, *run_case(case, args.backend)))
                progress.advance(task)
    failures = sum(1 for _, check, error in results if error is not None or not check.ok)
    _print_table(_summary_table(results), failures, len(results))
    print(
        "Bounds: componentwise gamma_m (|a|*|b|) for direct sums, normwise FFT / overlap-add bounds, "
        "exact equality for integers; the long-double reference's own bound is added (triangle inequality)."
    )
    for case, check, error in results:
        if error is not None:
            print(f"\n{case.label}: crosscheck raised {type(error).__name__}: {error}")
        elif args.verbose or not check.ok:
            print(f"\n{case.label}:\n{check}")
    if args.json:
        payload = {
            "ok": failures == 0,
            "calls": len(results),
            "failures": failures,
            "checks": [
                {"label": case.label, "error": None, **check.to_dict()}
                if error is None
                else {
                    "label": case.label,
                    "function": case.function,
                    "ok": False,
                    "error": f"{type(error).__name__}: {error}",
                    "rows": [],
                }
                for case, check, error in results
            ],
        }
        with open(args.json, "w") as handle:
            json.dump(payload, handle, indent=1)
        print(f"wrote {args.json}")
    return SUCCESS if failures == 0 else FAILED
