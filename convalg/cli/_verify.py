"""``convalg verify``: detect and check the convention of a convolution function we did not write."""

from __future__ import annotations

import argparse
import ast
import importlib
import os
import sys


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="detect the convention of a convolution function and check it against an exact oracle",
        description=(
            "Call TARGET as fn(signal, kernel) on random probes, name its convention "
            "(convolution or correlation, conjugation, argument order, output window, boundary), "
            "then search with hypothesis for inputs where it breaks the error bound or a law. "
            "Exit status: 0 consistent, 1 a violation was found, 2 usage error."
        ),
    )
    parser.add_argument("target", metavar="package.module:function", help="the function to check")
    parser.add_argument("--expect", choices=("convolution", "correlation"), help="what it is meant to compute")
    parser.add_argument("--mode", choices=("full", "same", "valid"), help="the output window it is meant to return")
    parser.add_argument("--dims", type=int, choices=(1, 2, 3), default=1, help="dimension of the inputs (default 1)")
    parser.add_argument(
        "--max-examples", type=int, default=50, metavar="N", help="hypothesis examples per law (default 50)"
    )
    parser.add_argument(
        "-k",
        "--kwarg",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="keyword argument passed on every call, e.g. --kwarg mode=same (VALUE is a Python literal)",
    )
    parser.add_argument("--random", action="store_true", help="fresh randomness instead of the reproducible search")
    parser.set_defaults(run=run)


def _load(target: str):
    """Import ``package.module:function``; raise ValueError with a message for any problem."""
    module_name, colon, attribute = target.partition(":")
    if not colon or not module_name or not attribute:
        raise ValueError(f"target must look like package.module:function; got {target!r}")
    # like `python -m`, find modules in the current directory (a console script does not)
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        obj = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"cannot import module {module_name!r}: {exc}") from None
    for part in attribute.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise ValueError(f"module {module_name!r} has no attribute {attribute!r}") from None
    if not callable(obj):
        raise ValueError(f"{target} is a {type(obj).__name__}, not a function")
    return obj


def _keywords(pairs: list[str]) -> dict:
    keywords = {}
    for pair in pairs:
        name, equals, text = pair.partition("=")
        if not equals or not name.isidentifier():
            raise ValueError(f"--kwarg must look like NAME=VALUE; got {pair!r}")
        try:
            keywords[name] = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            keywords[name] = text  # a bare word such as mode=same
    return keywords


def run(args: argparse.Namespace) -> int:
    try:
        fn = _load(args.target)
        keywords = _keywords(args.kwarg)
        if args.max_examples < 1:
            raise ValueError(f"--max-examples must be at least 1; got {args.max_examples}")
    except ValueError as exc:
        print(f"convalg verify: error: {exc}", file=sys.stderr)
        return 2
    try:
        import hypothesis  # noqa: F401
    except ImportError:
        print("convalg verify: error: needs hypothesis (pip install 'convalg[verify]')", file=sys.stderr)
        return 2
    import functools

    from convalg.testing import verify

    call = functools.partial(fn, **keywords) if keywords else fn
    report = verify(
        call,
        expect=args.expect,
        mode=args.mode,
        dims=args.dims,
        max_examples=args.max_examples,
        derandomize=not args.random,
        name=args.target,
    )
    print(report)
    return report.exit_status
