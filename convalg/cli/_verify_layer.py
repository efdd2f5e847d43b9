"""``convalg verify --layer``: the options that check a convolution layer (and its backward).

:mod:`convalg.cli._verify` registers these options on ``convalg verify`` and hands the
parsed arguments here when ``--layer`` is given; :func:`convalg.testing.verify_layer`
does the work, so the command line and the Python API agree by construction.
"""

from __future__ import annotations

import argparse
import ast
import sys

# the plain-verify options that mean nothing for a layer
_PLAIN_ONLY = (
    "like",
    "expect",
    "conjugate",
    "order",
    "mode",
    "same_start",
    "same_length",
    "boundary",
    "nonfinite",
    "integers",
    "precision",
    "kwarg",
)


def register_options(parser: argparse.ArgumentParser) -> None:
    from convalg.testing._layer_contract import (
        LAYOUTS,
        TORCH_BACKWARD,
        TORCH_FORWARD,
        WEIGHT_LAYOUTS,
    )

    group = parser.add_argument_group(
        "layers",
        "check a convolution layer fn(input, weight, bias, stride, padding, dilation, groups) and its "
        "backward against PyTorch's semantics (see docs/verify-layers)",
    )
    group.add_argument(
        "--layer", choices=("conv1d", "conv2d", "conv3d"), help="TARGET is a convolution layer of this dimension"
    )
    group.add_argument(
        "--backward",
        metavar="package.module:function",
        help="its backward, returning (grad_input, grad_weight, grad_bias)",
    )
    group.add_argument("--backward-only", action="store_true", help="check the backward alone")
    group.add_argument(
        "--takes",
        default=TORCH_FORWARD,
        metavar="TEMPLATE",
        help=f"how TARGET is called: ROLE, NAME=ROLE or NAME=LITERAL items (default {TORCH_FORWARD!r})",
    )
    group.add_argument(
        "--backward-takes",
        default=TORCH_BACKWARD,
        metavar="TEMPLATE",
        help="how the backward is called (default: convalg.nn.functional.conv2d_grad's)",
    )
    group.add_argument("--layout", choices=LAYOUTS, default="NCHW", help="activations channels first or last")
    group.add_argument(
        "--weight-layout",
        choices=WEIGHT_LAYOUTS,
        default="OIHW",
        help="kernel axes: out, in, spatial (torch) or spatial, in, out (default OIHW)",
    )
    group.add_argument(
        "--fixed",
        action="append",
        default=[],
        metavar="ROLE=VALUE",
        help="an option the layer hard-wires, e.g. --fixed stride=2",
    )
    group.add_argument("--dtypes", default="float64,float32", help="floating dtypes to try (default float64,float32)")
    group.add_argument(
        "--accumulator",
        choices=("int16", "int32", "int64"),
        help="check the int8 path: int8 operands, bias and output in this dtype, exact",
    )


def _fixed(pairs: list[str]) -> dict:
    fixed = {}
    for pair in pairs:
        role, equals, text = pair.partition("=")
        if not equals:
            raise ValueError(f"--fixed must look like ROLE=VALUE; got {pair!r}")
        try:
            fixed[role] = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            fixed[role] = text  # a bare word: padding=same
    return fixed


def run(args: argparse.Namespace, load, usage_errors) -> int:
    """Check the layer named by ``args``; ``load`` imports a target, ``usage_errors`` are exit-2 exceptions."""
    from convalg.testing._layer_verify import verify_layer

    try:
        stray = [f"--{name.replace('_', '-')}" for name in _PLAIN_ONLY if getattr(args, name, None)]
        if stray:
            raise ValueError(f"{', '.join(stray)} describe(s) a plain convolution, not a layer; see --takes")
        fn = load(args.target)
        backward = load(args.backward) if args.backward else None
        if args.backward_only:
            if backward is None:
                raise ValueError("--backward-only needs --backward")
            fn = None
        report = verify_layer(
            fn,
            args.layer,
            backward=backward,
            takes=args.takes,
            backward_takes=args.backward_takes,
            layout=args.layout,
            weight_layout=args.weight_layout,
            fixed=_fixed(args.fixed),
            dtypes=tuple(d.strip() for d in args.dtypes.split(",") if d.strip()),
            accumulator=args.accumulator,
            max_examples=args.max_examples,
            timeout=None if args.timeout == 0 else args.timeout,
            seed=args.seed,
            derandomize=not args.random,
            name=None if fn is None else args.target,
            backward_name=args.backward,
        )
    except (*usage_errors, ValueError, TypeError) as exc:
        print(f"convalg verify: error: {exc}", file=sys.stderr)
        return 2
    print(report)
    return report.exit_status
