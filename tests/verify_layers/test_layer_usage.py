"""How a layer is stated, the usage errors, the command line, the harness's findings, and the snippets."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import correct_layers
import numpy as np
import pytest

from convalg.testing import verify_layer
from convalg.testing._layer_contract import parse_template

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def test_a_template_states_positional_keyword_and_constant_arguments():
    template = parse_template("input, w=weight, method='direct'")
    assert template.positional == ("input",)
    assert template.keywords == (("w", "weight"),)
    assert template.constants == (("method", "direct"),)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("input", "must pass weight"),
        ("input, weight, strid", "unknown role 'strid'"),
        ("input, weight, x=input", "passed twice"),
        ("x=input, weight", "cannot follow a keyword"),
        ("input, weight, k=not a literal", "neither a role"),
        ("", "non-empty"),
    ],
)
def test_a_bad_template_is_a_value_error_that_names_the_item(text, words):
    with pytest.raises(ValueError, match=words):
        parse_template(text)


@pytest.mark.parametrize(
    ("arguments", "error", "words"),
    [
        ({"layer": "conv4d"}, ValueError, "layer must be one of"),
        ({"layout": "NWHC"}, ValueError, "layout must be one of"),
        ({"fixed": {"stride": 0}}, ValueError, r"fixed\['stride'\]"),
        ({"fixed": {"bias": 1}}, ValueError, "cannot be fixed"),
        (
            {"takes": "input, weight, stride", "fixed": {"stride": 2}},
            ValueError,
            "both passed by the template and fixed",
        ),
        ({"dtypes": "float64"}, ValueError, "dtypes must be"),
        ({"accumulator": "int8"}, ValueError, "accumulator"),
        ({"max_examples": 0}, ValueError, "max_examples"),
        ({"timeout": -1}, ValueError, "timeout"),
        ({"seed": 1.5}, TypeError, "seed"),
    ],
)
def test_a_bad_argument_is_a_typed_error_naming_it(arguments, error, words):
    with pytest.raises(error, match=words):
        verify_layer(correct_layers.im2col_conv, **{"layer": "conv2d", **arguments})


def test_a_function_that_is_not_callable_is_a_type_error():
    with pytest.raises(TypeError, match="fn must be callable"):
        verify_layer("conv2d")


def _hangs(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    if input.shape[-1] > 20:
        time.sleep(60)
    return correct_layers.im2col_conv(input, weight, bias, stride, padding, dilation, groups)


def _pads_in_place(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    out = correct_layers.im2col_conv(input, weight, bias, stride, padding, dilation, groups)
    input *= 0  # "free" the activation early
    return out


def _two_gradients(grad_output, input, weight, stride=1, padding=0, dilation=1, groups=1):
    return correct_layers.im2col_conv_backward(grad_output, input, weight, stride, padding, dilation, groups)[:2]


@pytest.mark.parametrize(
    ("fn", "backward", "kind", "words"),
    [
        (_hangs, None, "timeout", "returns nothing within 1 s"),
        (_pads_in_place, None, "mutated", "changes its argument(s): input"),
        (correct_layers.im2col_conv, _two_gradients, "shape", "must return (grad_input, grad_weight, grad_bias)"),
    ],
)
def test_what_the_harness_sees_is_a_violation(fn, backward, kind, words):
    report = verify_layer(fn, "conv1d", backward=backward, timeout=1.0, max_examples=12)
    kinds = {v.kind: v for v in report.violations}
    assert kind in kinds, str(report)
    assert words in kinds[kind].message, str(report)


def test_a_failure_is_shrunk_to_the_geometry_it_needs():
    import buggy_layers

    report = verify_layer(correct_layers.im2col_conv, "conv2d", backward=buggy_layers.grad_weight_off_by_one)
    violation = report.violations[0]
    counterexample = violation.diagnosis[0]
    assert "stride=1," not in counterexample and "groups=1" in counterexample and "input (1, 1," in counterexample
    assert "stride 1 passes" in violation.diagnosis[1]


def _cli(*arguments, cwd=HERE):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(HERE)])}
    return subprocess.run(
        [sys.executable, "-m", "convalg", "verify", *arguments],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env=env,
        timeout=300,
    )


def test_the_command_line_reports_a_correct_layer_consistent_with_exit_0():
    done = _cli(
        "--layer",
        "conv2d",
        "correct_layers:im2col_conv",
        "--backward",
        "correct_layers:im2col_conv_backward",
        "--max-examples",
        "12",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "result: CONSISTENT" in done.stdout


def test_the_command_line_states_layouts_and_fixed_options():
    done = _cli(
        "--layer",
        "conv2d",
        "correct_layers:nhwc_conv2d",
        "--takes",
        "x=input, w=weight, b=bias, strides=stride, pad=padding",
        "--layout",
        "NHWC",
        "--weight-layout",
        "HWIO",
        "--max-examples",
        "12",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    done = _cli(
        "--layer",
        "conv1d",
        "correct_layers:stride2_conv1d",
        "--takes",
        "input, weight, bias",
        "--fixed",
        "stride=2",
        "--fixed",
        "padding=1",
        "--max-examples",
        "12",
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_snippet_of_a_violation_reproduces_it(tmp_path):
    done = _cli("--layer", "conv2d", "buggy_layers:same_padding_wrong_side", "--max-examples", "12")
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    start = lines.index("  reproduce with:") + 1
    script = "\n".join(line[4:] for line in lines[start:] if line.startswith("    "))
    (tmp_path / "snippet.py").write_text(script)
    run = subprocess.run(
        [sys.executable, str(tmp_path / "snippet.py")],
        capture_output=True,
        text=True,
        check=False,
        cwd=HERE,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(HERE)])},
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert float(run.stdout.split()[-1]) >= 1.0  # the printed difference from PyTorch's semantics


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (("--layer", "conv2d", "correct_layers:im2col_conv", "--like", "numpy.convolve"), "plain convolution"),
        (("--layer", "conv2d", "correct_layers:im2col_conv", "--takes", "input"), "must pass weight"),
        (("--layer", "conv2d", "correct_layers:nothing"), "has no attribute"),
        (("--layer", "conv2d", "correct_layers:im2col_conv", "--backward-only"), "needs --backward"),
        (("--layer", "conv2d", "correct_layers:im2col_conv", "--fixed", "stride"), "ROLE=VALUE"),
    ],
)
def test_a_command_line_usage_error_exits_2(arguments, words):
    done = _cli(*arguments)
    assert done.returncode == 2, done.stdout + done.stderr
    assert words in done.stderr


def test_an_int8_layer_is_checked_exactly_in_the_stated_accumulator():
    report = verify_layer(
        correct_layers.int8_conv2d, "conv2d", accumulator="int32", dtypes=("float64",), max_examples=12
    )
    assert report.consistent, str(report)
    assert "int8" in report.accepted

    def narrow(input, *args, **kwargs):  # int8 sums returned in int16: too narrow for the stated int32
        out = correct_layers.int8_conv2d(input, *args, **kwargs)
        return out.astype(np.int16) if input.dtype == np.int8 else out

    report = verify_layer(narrow, "conv2d", accumulator="int32", dtypes=("float64",), max_examples=12)
    assert report.violations[0].kind == "dtype", str(report)
    assert "the stated accumulator is int32" in report.violations[0].message
