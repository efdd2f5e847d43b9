"""``convalg learn DEMO``: run an ERM demo (edges, channels, digits, params) and write its report."""

from __future__ import annotations

import argparse

from convalg.cli._common import (
    FAILED,
    SUCCESS,
    add_backend_option,
    output_folder,
    prepare_folder,
    require_backend,
    require_extra,
)

_DEMO_NAMES = ("edges", "channels", "digits", "params")

#: What the demos need beyond convalg's own dependencies (module -> package of the ``learn`` extra).
_LEARN_EXTRA = {"matplotlib": "matplotlib", "skimage": "scikit-image", "sklearn": "scikit-learn"}


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
    parser.add_argument(
        "--out",
        default=None,
        type=output_folder,
        metavar="DIR",
        help="folder for the figures and reports (created if needed; default: convalg-learn-DEMO)",
    )
    add_backend_option(parser, "numpy", "array backend the layers compute on")
    parser.add_argument("--quick", action="store_true", help="a reduced run (smaller images, fewer epochs)")
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        metavar="N",
        help="seed of the initial weights, noise and shuffling (default: %(default)s)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    require_extra("learn", _LEARN_EXTRA)
    require_backend(args.backend)
    out = prepare_folder(args.out or Path(f"convalg-learn-{args.demo}"), "--out")

    from convalg.nn import demos

    report = demos.run(args.demo, out, backend=args.backend, quick=args.quick, seed=args.seed, progress=True)
    print((out / "report.txt").read_text(), end="")
    return SUCCESS if report["holds"] else FAILED
