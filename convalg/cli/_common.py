"""What every ``convalg`` command shares: exit codes, the parser class, and the options and checks
that mean the same thing in every command (``--out``, ``--backend``, output files).

Every command checks its arguments, its backend and its output paths *before* it works, so a
wrong ``--out`` is refused in a second, not after a tour of minutes. A problem found then is a
:class:`CommandError`: :func:`convalg.cli.main` prints it as one line and exits with
:data:`USAGE`.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

#: Exit codes, the same for every command.
SUCCESS, FAILED, USAGE, UNKNOWN = 0, 1, 2, 3

EXIT_CODES = f"""\
exit status, the same for every command:
  {SUCCESS}  success: every check passed, every statement proved, the function is consistent
  {FAILED}  a check failed: a bound exceeded, a statement refuted, a violation found, a demo's promise broken
  {USAGE}  usage or environment error: a bad argument or path, an unusable backend, a missing extra,
     output closed early (e.g. | head -1)
  {UNKNOWN}  unknown (verify, prove): a verdict that could not be confirmed, or no verdict in time
"""


class CommandError(Exception):
    """A bad argument, path or environment found before the work (exit status :data:`USAGE`)."""


class CommandParser(argparse.ArgumentParser):
    """A subcommand's parser: an argument it does not know is refused with *its* usage.

    argparse hands a subcommand's unknown options up to the top-level parser, which would print
    ``convalg``'s usage instead of the subcommand's.
    """

    def parse_known_args(self, args=None, namespace=None):
        namespace, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return namespace, extras


def _path_argument(text: str, kind: str) -> Path:
    """The checks on a path that need no side effect: it is named, and is not of the other kind."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"must name a {kind}; got an empty path")
    path = Path(text)
    other = path.is_file() if kind == "folder" else path.is_dir()
    if other:
        raise argparse.ArgumentTypeError(f"{text!r} is a {'file' if kind == 'folder' else 'folder'}, not a {kind}")
    ancestor = path.absolute().parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise argparse.ArgumentTypeError(f"cannot create {text!r}: {str(ancestor)!r} is a file")
    return path


def output_folder(text: str) -> Path:
    """argparse type of an output folder: a named path that is not a file."""
    return _path_argument(text, "folder")


def output_file(text: str) -> Path:
    """argparse type of an output file: a named path that is not a folder."""
    return _path_argument(text, "file")


def prepare_folder(path: Path, option: str) -> Path:
    """Create the output folder ``path`` and make sure files can be written into it."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".convalg-write-test-{os.getpid()}"
        probe.touch()
        probe.unlink()
    except OSError as error:
        raise CommandError(f"{option} {str(path)!r}: cannot write there ({error.strerror or error})") from None
    return path


def prepare_file(path: Path, option: str) -> Path:
    """Make sure the output file ``path`` can be written (its folder is created; the file is not)."""
    existed = path.exists()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a"):
            pass
        if not existed:
            path.unlink()
    except OSError as error:
        raise CommandError(f"{option} {str(path)!r}: cannot write there ({error.strerror or error})") from None
    return path


def backend_names() -> tuple[str, ...]:
    from convalg.backends import KNOWN_BACKENDS

    return KNOWN_BACKENDS


def add_backend_option(parser: argparse.ArgumentParser, default: str | None, meaning: str) -> None:
    """``--backend NAME``: the same choices in every command; ``meaning`` says what it selects."""
    parser.add_argument(
        "--backend",
        default=default,
        choices=backend_names(),
        help=f"{meaning} (default: {default or 'every usable one'})",
    )


def require_backend(name: str | None) -> None:
    """Refuse a backend that cannot compute here, with the reason (not installed, no device)."""
    if name is None:
        return
    from convalg.backends import status as backend_status

    status = backend_status(name)
    if not status.usable:
        raise CommandError(f"--backend {name!r} is not usable here: {status.detail}")


def add_out_option(parser: argparse.ArgumentParser, default: str, what: str) -> None:
    """``--out DIR``: the folder a command writes into, created if needed, checked before the work."""
    parser.add_argument(
        "--out",
        default=default,
        type=output_folder,
        metavar="DIR",
        help=f"folder for {what} (created if needed; default: %(default)s)",
    )


def require_extra(extra: str, modules: dict[str, str]) -> None:
    """Refuse to start when a package of the ``extra`` is missing (``modules``: module -> package)."""
    import importlib.util

    missing = [package for module, package in modules.items() if importlib.util.find_spec(module) is None]
    if missing:
        raise CommandError(f"needs {', '.join(missing)}: pip install 'convalg[{extra}]'")


def stdout_console(**options):
    """A rich ``Console`` on standard output that leaves a closed pipe to :func:`convalg.cli.main`
    (rich's own handling exits with status 1, which means "a check failed" here)."""
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            raise BrokenPipeError("standard output was closed")

    return _Console(**options)
