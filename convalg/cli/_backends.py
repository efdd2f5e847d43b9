"""``convalg backends``: which array backends are usable here, and why the others are not."""

from __future__ import annotations

import argparse


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "backends",
        help="list the array backends and whether they are usable here",
        description="List the array backends convalg knows and why any is not usable.",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from convalg.backends import available

    for status in available().values():
        print(status)
    return 0
