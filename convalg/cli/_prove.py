"""``convalg prove``: prove or refute convolution identities and named laws, symbolically.

Exit status: 0 every statement proved, 1 one refuted, 3 one undecided (and none refuted),
2 a malformed statement or a bad argument (a malformed statement is one line on stderr with a
caret under the position; a misspelled law name gets the nearest names; an option argparse
refuses comes with ``convalg prove``'s usage). With ``--all`` or ``--notes``: 0 only when every
verdict is the one convalg records, 1 when one is the other verdict, 3 when none is but one is undecided; ``--all`` ends
with a count line.

Each explicit statement is decided in a worker process that is stopped at ``--timeout``, so
that no statement can hang the command; the decision itself also watches the clock and answers
``unknown`` with the reason when its time is up.
"""

from __future__ import annotations

import argparse
import multiprocessing
import re
import sys
import time
from typing import Any

from convalg.cli._common import FAILED, SUCCESS, UNKNOWN, USAGE, CommandError

DEFAULT_TIMEOUT = 30.0


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"--timeout must be a positive number of seconds, got {text!r}")
    return value


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "prove",
        help="prove or refute convolution identities (sympy), e.g. convalg prove 'f*g == g*f'",
        description=(
            "Prove or refute identities of finitely supported sequences of any length. A STATEMENT "
            "is either a law name (see --list) or an identity such as 'f*(g+h) == f*g + f*h' with "
            '*, corr(a,b), circ(a,b,N), conv(a,b,mode="same"), down(a,s), shift(a,k), flip(a), '
            "conj(a), delta, dft(a,N), hadamard(a,b), scalars alpha, beta and numbers."
        ),
        epilog=(
            "Exit status: 0 all proved, 1 one refuted, 3 one undecided, 2 malformed statement or bad "
            "argument. With --all or --notes: 0 only when every verdict is the recorded one, 1 when one "
            "differs, 3 when one is undecided."
        ),
    )
    parser.add_argument("statements", nargs="*", metavar="STATEMENT", help="identities or law names")
    parser.add_argument(
        "--operator",
        choices=("convolution", "correlation", "circular"),
        default=None,
        help="the operator a law name refers to (default: convolution); law names only",
    )
    parser.add_argument(
        "--dims",
        type=int,
        choices=(1, 2),
        default=1,
        help="dimension of the sequences: on Z (1) or Z^2 (2); the laws are stated in 1-D and 2-D "
        "(default: %(default)s)",
    )
    parser.add_argument("--all", action="store_true", help="every named law, every operator, 1-D and 2-D")
    parser.add_argument("--notes", action="store_true", help="the verdicts on the lecture notes' claims")
    parser.add_argument("--list", action="store_true", help="list the named laws")
    parser.add_argument(
        "--format",
        choices=("text", "markdown", "latex"),
        default="text",
        help="how the verdicts and proofs are printed: plain text, Markdown with $$ math, or a "
        "LaTeX document body (default: %(default)s)",
    )
    parser.add_argument("--no-certificate", action="store_true", help="skip the exhaustive symbolic check")
    parser.add_argument(
        "--timeout",
        type=_positive_seconds,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"time allowed per statement (default: {DEFAULT_TIMEOUT:g}); past it the verdict is UNKNOWN",
    )
    parser.set_defaults(run=run)


def _decide(text: str, dims: int, operator: str, certify: bool, timeout: float, fmt: str):
    """``(exit code, rendered verdict)`` of one statement or law name (runs in the worker)."""
    from convalg.symbolic import laws
    from convalg.symbolic.decide import check, prove_law
    from convalg.symbolic.render import render_verdict

    # the decision watches the clock itself, and leaves the worker a margin to report
    budget = max(timeout * 0.85, timeout - 3.0)
    if text in laws.names(operator):
        verdict = prove_law(text, operator, dims, certify=certify, timeout=budget)
    else:
        verdict = check(text, dims, certify=certify, timeout=budget)
    return verdict.exit_status, render_verdict(verdict, fmt)


def _worker(connection, *arguments) -> None:
    try:
        connection.send(("ok", _decide(*arguments)))
    except Exception as error:  # noqa: BLE001 - reported by the parent as one line, exit 2 or 3
        from convalg.symbolic.language import StatementError

        kind = "malformed" if isinstance(error, StatementError) else "error"
        connection.send((kind, f"{type(error).__name__}: {error}" if kind == "error" else str(error)))
    finally:
        connection.close()


def _context():
    # fork shares the already imported sympy and convalg; elsewhere a fresh interpreter starts
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if sys.platform.startswith("linux") and "fork" in methods else "spawn")


def _decide_bounded(text: str, args) -> tuple[str, Any]:
    """Decide in a worker process stopped after ``args.timeout`` seconds."""
    context = _context()
    parent, child = context.Pipe(duplex=False)
    arguments = (text, args.dims, args.operator, not args.no_certificate, args.timeout, args.format)
    process = context.Process(target=_worker, args=(child, *arguments), daemon=True)
    started = time.monotonic()
    process.start()
    child.close()
    try:
        if parent.poll(args.timeout):
            return parent.recv()
        return "timeout", time.monotonic() - started
    except EOFError:  # the worker died without a word (e.g. killed for memory)
        return "error", f"the worker process ended with exit code {process.exitcode}"
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        parent.close()


def _timed_out(text: str, args, seconds: float) -> str:
    from convalg.symbolic.language import parse
    from convalg.symbolic.render import render_verdict
    from convalg.symbolic.verdict import Verdict

    try:
        statement = str(parse(text, args.dims))
    except Exception:  # noqa: BLE001 - not a statement: a law name
        statement = text
    verdict = Verdict(
        statement,
        args.dims,
        "unknown",
        reason=f"stopped after {seconds:.0f} s (--timeout {args.timeout:g}): no verdict in time",
    )
    return render_verdict(verdict, args.format)


_LAW_NAME = re.compile(r"[A-Za-z][A-Za-z-]*")


def _check_law_names(args) -> str | None:
    """The one-line error for a word that is not a law of the operator, or for --operator given
    with a statement; None when every STATEMENT is fine."""
    from difflib import get_close_matches

    from convalg.symbolic import laws

    operator = args.operator or "convolution"
    for text in args.statements:
        is_name = _LAW_NAME.fullmatch(text.strip()) is not None
        if is_name and text.strip() not in laws.names(operator):
            name = text.strip()
            others = [op for op in laws.OPERATORS if name in laws.names(op)]
            if others:
                return (
                    f"the law {name!r} is not stated for {operator}; it is for {', '.join(others)} "
                    f"(add --operator {others[0]})"
                )
            close = get_close_matches(name, laws.names(), n=3, cutoff=0.6)
            hint = f"did you mean {' or '.join(close)}? " if close else ""
            return f"no law named {name!r}; {hint}convalg prove --list shows every law"
        if not is_name and args.operator is not None:
            return (
                f"--operator names the operator of a law name; {text!r} is a statement, whose operators "
                "are written in it (*, corr, circ, conv(..., mode=...))"
            )
    return None


def _print(text: str, end: str = "\n") -> None:
    print(text, end=end, flush=True)


def run(args: argparse.Namespace) -> int:
    from convalg.symbolic import laws
    from convalg.symbolic.decide import battery
    from convalg.symbolic.render import render_document

    certify = not args.no_certificate
    modes = [
        name
        for name, given in (
            ("--list", args.list),
            ("--notes", args.notes),
            ("--all", args.all),
            ("STATEMENT", bool(args.statements)),
        )
        if given
    ]
    if len(modes) > 1:
        raise CommandError(f"give one of STATEMENT, --all, --notes or --list, not {' and '.join(modes)}")
    if args.operator is not None and (args.list or args.notes or args.all):
        raise CommandError("--operator names the operator of a law name; --all, --notes and --list cover them all")
    if args.list:
        for law in laws.LAWS:
            _print(f"{law.operator:12s} {law.name:36s} {law.expected:8s} {law.summary}")
        return SUCCESS
    if args.notes:
        from convalg.symbolic.notes import audit, render_audit

        rows = audit()
        _print(render_audit(rows, args.format), end="")
        if any(row.status != row.expected for row in rows if row.status not in ("skipped", "unknown")):
            return FAILED
        return UNKNOWN if any(row.status == "unknown" for row in rows) else SUCCESS
    if args.all:
        results = battery(certify=certify, timeout=args.timeout)
        _print(render_document(results, args.format), end="")
        differ = [v for law, _, v, _ in results if v.status != law.expected]
        if any(v.status != "unknown" for v in differ):
            return FAILED
        return UNKNOWN if differ else SUCCESS
    if not args.statements:
        raise CommandError("give a STATEMENT, a law name, --all, --notes or --list")
    problem = _check_law_names(args)
    if problem is not None:
        raise CommandError(problem)
    args.operator = args.operator or "convolution"
    codes = []
    for text in args.statements:
        kind, payload = _decide_bounded(text, args)
        if kind == "malformed":
            print(f"convalg prove: malformed statement: {payload}", file=sys.stderr)
            return USAGE
        if kind == "error":
            print(f"convalg prove: internal error on {text!r}: {payload}", file=sys.stderr)
            codes.append(UNKNOWN)
            continue
        if kind == "timeout":
            _print(_timed_out(text, args, payload))
            codes.append(UNKNOWN)
            continue
        code, rendered = payload
        _print(rendered)
        codes.append(code)
    if FAILED in codes:
        return FAILED
    return UNKNOWN if UNKNOWN in codes else SUCCESS
