"""``convalg learn DEMO --out DIR``: run an ERM demo (edges, channels, digits, params) and write its report."""

from __future__ import annotations

import argparse

_DEMO_NAMES = ("edges", "channels", "digits", "params")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "learn",
        help="run a learning demo: kernels recovered by ERM, a CNN on digits, conv vs dense",
        description=(
            "Run an empirical-risk-minimisation demo and write PNG figures, report.txt and "
            "report.json into --out. Exit status 1 if the demo's promises do not hold."
        ),
    )
    parser.add_argument("demo", choices=_DEMO_NAMES, help="which demo to run")
    parser.add_argument("--out", required=True, help="folder for the figures and reports (created)")
    parser.add_argument("--backend", default=None, choices=("numpy", "cupy", "array_api_strict"),
                        help="array backend the layers compute on (default numpy)")
    parser.add_argument("--quick", action="store_true", help="a reduced run (smaller images, fewer epochs)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the initial weights, noise and shuffling")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from convalg.backends import available
    from convalg.nn import demos

    if args.backend is not None and not available()[args.backend].usable:
        print(f"convalg learn: backend {args.backend!r} is not usable here: {available()[args.backend].detail}")
        return 2
    report = demos.run(args.demo, Path(args.out), backend=args.backend, quick=args.quick, seed=args.seed,
                       progress=True)
    print((Path(args.out) / "report.txt").read_text(), end="")
    return 0 if report["holds"] else 1
