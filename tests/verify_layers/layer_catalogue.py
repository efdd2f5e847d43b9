"""Every layer fixture verify_layer is measured on: the functions, how they are called, and whether they are buggy.

``options`` are the keyword arguments of :func:`convalg.testing.verify_layer` that state
how the author's function is called (layer, backward, template, layouts, fixed options,
int8 accumulator). ``benchmarks/bench_verify_layers.py`` runs verify_layer on all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import buggy_layers as buggy
import correct_layers as correct
import torch_layers as torchs


@dataclass(frozen=True)
class LayerFixture:
    name: str
    fn: object
    buggy: bool
    options: dict = field(default_factory=dict)
    torch: bool = False
    #: words the report must contain (the bug named), for the buggy ones
    named: str = ""


def _ok(name, fn, torch=False, **options):
    return LayerFixture(name, fn, False, options, torch)


def _bug(name, fn, named="", torch=False, **options):
    return LayerFixture(name, fn, True, options, torch, named)


CORRECT = [
    _ok("loops-conv2d", correct.loops_conv2d, max_examples=24),
    _ok("im2col-conv1d", correct.im2col_conv, layer="conv1d", backward=correct.im2col_conv_backward),
    _ok("im2col-conv2d", correct.im2col_conv, backward=correct.im2col_conv_backward),
    _ok("im2col-conv3d", correct.im2col_conv, layer="conv3d", backward=correct.im2col_conv_backward),
    _ok("fft-conv2d", correct.fft_conv),
    _ok("fft-conv1d", correct.fft_conv, layer="conv1d"),
    _ok("convalg-nn-conv2d", correct.nn_conv2d),
    _ok(
        "nhwc-hwio-conv2d",
        correct.nhwc_conv2d,
        takes="x=input, w=weight, b=bias, strides=stride, pad=padding",
        layout="NHWC",
        weight_layout="HWIO",
    ),
    _ok("int8-conv2d", correct.int8_conv2d, accumulator="int32"),
    _ok(
        "fixed-stride2-conv1d",
        correct.stride2_conv1d,
        layer="conv1d",
        takes="input, weight, bias",
        fixed={"stride": 2, "padding": 1},
    ),
    _ok("backward-only-im2col", None, backward=correct.im2col_conv_backward),
    _ok("torch-conv2d", torchs.torch_conv, torch=True, backward=torchs.torch_autograd_backward),
    _ok("torch-conv1d", torchs.torch_conv, torch=True, layer="conv1d", backward=torchs.torch_autograd_backward),
    _ok("torch-conv3d", torchs.torch_conv, torch=True, layer="conv3d", backward=torchs.torch_autograd_backward),
]

BUGGY = [
    _bug("padding-after-dilation", buggy.padding_after_dilation, "padding applied after dilation"),
    _bug("stride-not-dividing", buggy.stride_not_dividing, "rounds up where the stride does not divide"),
    _bug("groups-channel-order", buggy.groups_interleaved, "groups are read interleaved"),
    _bug("bias-wrong-axis", buggy.bias_on_last_axis, ""),
    _bug("transposed-weight-layout", buggy.transposed_weight, "transposed layout"),
    _bug("int8-without-widening", buggy.int8_without_widening, "accumulation without widening", accumulator="int32"),
    _bug("same-padding-wrong-side", buggy.same_padding_wrong_side, "odd extra zero before"),
    _bug("true-convolution", buggy.true_convolution, "flips the kernel"),
    _bug("im2col-tap-order", buggy.im2col_tap_order, "ordered (taps, channels)"),
    _bug("float32-accumulation", buggy.float32_accumulation, "computes in float32"),
    _bug("padding-axes-swapped", buggy.padding_axes_swapped, "axes in reverse order"),
    _bug("stride-of-first-axis", buggy.stride_of_first_axis, "stride 1 on axis 0 passes"),
    _bug("backward-missing-flip", correct.im2col_conv, "misses the kernel flip", backward=buggy.backward_missing_flip),
    _bug(
        "grad-weight-off-by-one",
        correct.im2col_conv,
        "zeros inserted before each upstream sample",
        backward=buggy.grad_weight_off_by_one,
    ),
    _bug("grad-bias-mean", correct.im2col_conv, "grad_bias", backward=buggy.grad_bias_mean),
    _bug(
        "backward-missing-flip-conv1d",
        correct.im2col_conv,
        "misses the kernel flip",
        layer="conv1d",
        backward=buggy.backward_missing_flip,
    ),
    _bug("torch-flipped-kernel", torchs.torch_conv_flipped, "flips the kernel", torch=True),
    _bug(
        "torch-backward-extra-flip",
        torchs.torch_conv,
        "adjoint identity <conv(x, w), g> = <x, grad_input>: BROKEN",
        torch=True,
        backward=torchs.torch_backward_no_flip,
    ),
]

ALL = CORRECT + BUGGY


def by_name(name: str) -> LayerFixture:
    for fixture in ALL:
        if fixture.name == name:
            return fixture
    raise KeyError(name)
