"""``convalg verify``: check a convolution function we did not write against the contract its author states.

The command only parses and prints: :func:`convalg.testing.verify` does the work, so the
command line and the Python API agree by construction.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import os
import sys

from convalg.cli._common import CommandError

_FIELD_OPTIONS = {
    # option: (contract field, choices or None, help)
    "--expect": (
        "expect",
        ("convolution", "correlation"),
        "the product (alone it states scipy's: a correlation conjugates the kernel)",
    ),
    "--conjugate": ("conjugate", ("neither", "kernel", "signal", "both"), "which argument is conjugated"),
    "--order": (
        "order",
        ("signal-kernel", "kernel-signal"),
        "'kernel-signal': fn(signal, kernel) computes op(kernel, signal)",
    ),
    "--mode": ("mode", ("full", "same", "valid"), "the output window (with --like: that library's version)"),
    "--same-start": (
        "same_start",
        ("(k-1)//2", "k//2"),
        "where 'same' starts in the full product: numpy/scipy (k-1)//2, ndimage.convolve/torch k//2",
    ),
    "--same-length": ("same_length", ("signal", "longer"), "'same' as long as the signal, or the longer input"),
    "--boundary": ("boundary", None, "zero, constant (scipy's fill), reflect (symm), mirror, wrap, nearest"),
    "--nonfinite": (
        "nonfinite",
        ("local", "spread"),
        (
            "NaN/Inf reach exactly the outputs they enter (local), "
            "or at least those (spread, FFT methods); default: spread"
        ),
    ),
    "--integers": (
        "integers",
        ("wrap", "exact", "float64"),
        "integer results: exact or wrapped like numpy (default), exact, or float64 cast back",
    ),
    "--precision": (
        "precision",
        ("promote", "signal", "lowest"),
        (
            "the precision the output keeps: the inputs' result type (default), the signal's dtype "
            "(ndimage), the less precise input's (scipy's FFT methods)"
        ),
    ),
}


def register(subparsers) -> None:
    from convalg.testing._presets import preset_names

    parser = subparsers.add_parser(
        "verify",
        help="check a convolution function against the contract you state (or the one it follows)",
        description=(
            "Call the function named package.module:function as fn(signal, kernel), each call in a worker "
            "process with a time limit, on "
            "convention probes and a schedule of inputs up to real sizes (thousands of samples, hundreds of "
            "taps, NaN and infinity, integer extremes), and check every output against the contract: a preset "
            "(--like) and/or the fields below; what you do not state is detected and reported. Each violation "
            "comes with a shrunk counterexample and a snippet. Exit status: 0 consistent, 1 a violation, "
            "2 usage or environment error, 3 unknown (a verdict that could not be confirmed)."
        ),
        epilog="presets: " + ", ".join(preset_names()),
    )
    parser.add_argument("target", metavar="package.module:function", help="the function to check")
    parser.add_argument(
        "--like",
        metavar="PRESET",
        help="the whole contract of a known function, e.g. numpy.convolve, scipy.ndimage.convolve1d, torch.conv2d",
    )
    for option, (dest, choices, text) in _FIELD_OPTIONS.items():
        parser.add_argument(option, dest=dest, choices=choices, help=text)
    parser.add_argument(
        "--dims",
        type=int,
        choices=(1, 2, 3),
        default=1,
        help="dimension of the signal and kernel (default: %(default)s)",
    )
    parser.add_argument(
        "--max-examples", type=int, default=100, metavar="N", help="inputs drawn by the schedule (default: %(default)s)"
    )
    parser.add_argument(
        "--max-size",
        type=int,
        default=4096,
        metavar="N",
        help="elements of the largest signal drawn (default: %(default)s)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="time limit per call (default: %(default)g); 0 runs the calls in this process, without a limit",
    )
    parser.add_argument(
        "-k",
        "--kwarg",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="keyword argument passed on every call, e.g. -k mode=same (VALUE is a Python literal)",
    )
    parser.add_argument(
        "--seed", type=int, default=0, metavar="N", help="seed of the probes and the schedule (default: %(default)s)"
    )
    parser.add_argument("--random", action="store_true", help="a fresh seed (printed in the notes)")
    from convalg.cli import _verify_layer

    _verify_layer.register_options(parser)
    parser.set_defaults(run=run)


class _TargetError(ValueError):
    """The target or a --kwarg cannot be used (a usage error)."""


def _load(target: str):
    """Import ``package.module:function``; raise _TargetError with a message for any problem."""
    module_name, colon, attribute = target.partition(":")
    if not colon or not module_name or not attribute:
        raise _TargetError(f"target must look like package.module:function; got {target!r}")
    # like `python -m`, find modules in the current directory (a console script does not)
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        obj = importlib.import_module(module_name)
    except ImportError as exc:
        raise _TargetError(f"cannot import module {module_name!r}: {exc}") from None
    for part in attribute.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise _TargetError(f"module {module_name!r} has no attribute {attribute!r}") from None
    if not callable(obj):
        raise _TargetError(f"{target} is a {type(obj).__name__}, not a function")
    return obj


def _keywords(pairs: list[str]) -> dict:
    keywords = {}
    for pair in pairs:
        name, equals, text = pair.partition("=")
        if not equals or not name.isidentifier():
            raise _TargetError(f"--kwarg must look like NAME=VALUE; got {pair!r}")
        try:
            keywords[name] = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            keywords[name] = text  # a bare word such as mode=same
    return keywords


def run(args: argparse.Namespace) -> int:
    from convalg.testing._verify import UsageError, verify

    if getattr(args, "layer", None):
        from convalg.cli import _verify_layer

        return _verify_layer.run(args, _load, (UsageError, _TargetError))

    try:
        fn = _load(args.target)
        keywords = _keywords(args.kwarg)
        fields = {dest: getattr(args, dest) for dest, _, _ in _FIELD_OPTIONS.values()}
        report = verify(
            fn,
            like=args.like,
            **fields,
            dims=args.dims,
            max_examples=args.max_examples,
            max_size=args.max_size,
            timeout=None if args.timeout == 0 else args.timeout,
            keywords=keywords,
            seed=args.seed,
            derandomize=not args.random,
            name=args.target,
        )
    except (UsageError, _TargetError) as exc:
        raise CommandError(str(exc)) from None
    print(report)
    return report.exit_status
