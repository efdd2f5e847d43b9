"""The ``convalg`` command line: one subcommand per module, loaded when the parser is built.

Each subcommand module defines ``register(subparsers)``, which adds its parser and sets
``run=`` to a function ``run(args) -> int`` (the exit status). Command modules keep their
heavy imports inside ``run`` so that ``convalg --help`` stays fast.

Exit status: 0 success, 1 a check or proof failed, 2 a usage error (argparse's own
convention), 3 undecided (``convalg prove``).
"""

from __future__ import annotations

import argparse
import importlib
import sys

# subcommand -> module that registers it
_COMMANDS = {
    "backends": "convalg.cli._backends",
    "learn": "convalg.cli._learn",
    "check": "convalg.cli._check",
    "verify": "convalg.cli._verify",
    "tour": "convalg.cli._tour",
    "prove": "convalg.cli._prove",
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    from convalg import __version__

    parser = argparse.ArgumentParser(
        prog="convalg",
        description="Verify convolution, symbolically and numerically, and compute it fast.",
    )
    parser.add_argument("--version", action="version", version=f"convalg {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _COMMANDS.values():
        importlib.import_module(module).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.command is None:
        parser.print_help()
        return 2
    return int(args.run(args))
