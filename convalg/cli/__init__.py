"""The ``convalg`` command line: one subcommand per module, loaded when the parser is built.

Each subcommand module defines ``register(subparsers)``, which adds its parser and sets
``run=`` to a function ``run(args) -> int`` (the exit status). Command modules keep their
heavy imports inside ``run`` so that ``convalg --help`` stays fast. What the commands share
(exit codes, the parser class, ``--out`` and ``--backend``) is in :mod:`convalg.cli._common`.

Exit status, the same for every command: 0 success, 1 a check failed (a bound exceeded, a
statement refuted, a violation found), 2 a usage or environment error (argparse's own
convention; also a path that cannot be written, an unusable backend, output closed early),
3 unknown (``convalg verify`` and ``convalg prove``: a verdict that could not be confirmed).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from convalg.cli._common import EXIT_CODES, USAGE, CommandError, CommandParser

# subcommand -> module that registers it, in the order `convalg --help` lists them (the main job first)
_COMMANDS = {
    "tour": "convalg.cli._tour",
    "prove": "convalg.cli._prove",
    "verify": "convalg.cli._verify",
    "check": "convalg.cli._check",
    "learn": "convalg.cli._learn",
    "backends": "convalg.cli._backends",
}

#: 128 + SIGINT, as a shell reports a command stopped by Ctrl-C.
_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    from convalg import __version__

    parser = argparse.ArgumentParser(
        prog="convalg",
        description="Verify convolution, symbolically and numerically, and compute it fast.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"convalg {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=CommandParser)
    for module in _COMMANDS.values():
        importlib.import_module(module).register(subparsers)
    return parser


def _stdout_is_closed() -> bool:
    """True when nobody reads standard output any more (``convalg ... | head -1``)."""
    import select

    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(event & (select.POLLERR | select.POLLHUP) for _, event in poller.poll(0))
    except (AttributeError, OSError, ValueError):  # no poll (Windows) or no real descriptor
        return True


def main(argv: list[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    name = "convalg"
    try:
        try:
            args = parser.parse_args(sys.argv[1:] if argv is None else argv)
            if args.command is None:
                parser.print_help()
                return USAGE
            name = f"convalg {args.command}"
            return int(args.run(args))
        finally:
            sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit (also after --help)
    except CommandError as error:
        print(f"{name}: error: {error}", file=sys.stderr)
        return USAGE
    except BrokenPipeError:
        if not _stdout_is_closed():
            raise
        # the reader went away (convalg ... | head -1): say nothing more, and keep Python from
        # complaining when it flushes standard output at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return USAGE
    except KeyboardInterrupt:
        print(f"\n{name}: interrupted", file=sys.stderr)
        return _INTERRUPTED
