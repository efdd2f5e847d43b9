"""A NaN or an infinity reaches exactly the outputs and gradients whose sums it enters, as in the
definition and in PyTorch, whichever engine 'auto' or 'direct' takes: the FFT, which spreads one
NaN to every output, is never taken for non-finite data."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from convalg.nn import _fft_engine
from convalg.nn import functional as F

from ._reference import direct_bound, grads_bound, reference_conv, reference_grads
from .test_functional import CONV, _convolutions

GRAD = {1: F.conv1d_grad, 2: F.conv2d_grad, 3: F.conv3d_grad}

# IEEE arithmetic on purpose: inf * 0 and inf - inf are NaN (numpy says so in a RuntimeWarning)
pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")


def _finite_part(a):
    """The operand for the bound's magnitudes: an output that a non-finite entry reaches must
    match the definition's NaN or infinity exactly, and the others never read that entry."""
    return None if a is None else np.nan_to_num(a, nan=0.0, posinf=0.0, neginf=0.0)


def _spoil(rng, a, count):
    """A copy of ``a`` with ``count`` entries (at random places) NaN, +inf or -inf."""
    a = np.array(a, dtype=np.float64)
    flat = a.reshape(-1)
    for index in rng.choice(flat.size, size=min(count, flat.size), replace=False):
        flat[index] = rng.choice([np.nan, np.inf, -np.inf])
    return a


def _assert_like_the_definition(nd, x, w, b, g, method, options):
    """Forward pass and both gradients: non-finite entries in the definition's places with its
    values, finite entries within the direct bound of the definition."""
    result = CONV[nd](x, w, b, method=method, **options)
    bound = direct_bound(_finite_part(x), _finite_part(w), _finite_part(b), "float64", **options)
    reference = reference_conv(x, w, b, **options)
    assert bound.holds(result, reference), _places(result, reference)
    grad_input, grad_weight, _ = GRAD[nd](g, x, w, method=method, **options)
    bounds = grads_bound(_finite_part(x), _finite_part(w), _finite_part(g), "float64", **options)
    for name, got, want, bound in zip(
        ("grad_input", "grad_weight"), (grad_input, grad_weight), reference_grads(x, w, g, **options), bounds
    ):
        assert bound.holds(got, want), (name, _places(got, want))


def _places(result, reference):
    ours, theirs = np.argwhere(np.isnan(result)).tolist(), np.argwhere(np.isnan(reference)).tolist()
    return f"NaN at {ours}, the definition's at {theirs}"


def _assert_same_places(got, want, name):
    for kind in (np.isnan, np.isposinf, np.isneginf):
        np.testing.assert_array_equal(kind(got), kind(want), err_msg=f"{name}: {kind.__name__}")


# Shapes for which 'auto' runs the FFT engines on finite data (checked in the test): the forward
# pass, the input gradient (flipped-kernel correlation) and the weight gradient; with stride 2
# only the forward pass.
FFT_CASES = [
    ((2, 3, 32, 32), (3, 3, 13, 13), {}),
    ((2, 4, 30, 30), (4, 2, 13, 11), {"groups": 2, "padding": 2}),
    ((2, 2, 120), (2, 2, 61), {"padding": "same"}),
    ((1, 2, 14, 14, 14), (2, 2, 9, 9, 9), {}),
    ((2, 2, 36, 36), (2, 2, 13, 13), {"stride": 2}),
]
FFT_ENGINES = ("correlate_fft", "weight_correlate_fft")


@pytest.mark.parametrize("where", ["input", "weight", "upstream"])
@pytest.mark.parametrize(("shape", "weight_shape", "options"), FFT_CASES, ids=lambda v: str(v).replace(" ", ""))
def test_auto_runs_the_fft_on_finite_data_only(rng, monkeypatch, shape, weight_shape, options, where):
    nd = len(shape) - 2
    seen = []  # (engine, whether its operands were finite)
    for name in FFT_ENGINES:
        engine = getattr(_fft_engine, name)
        monkeypatch.setattr(
            _fft_engine,
            name,
            lambda xp, a, b, *rest, _engine=engine, _name=name: (
                seen.append((_name, bool(np.isfinite(a).all() and np.isfinite(b).all()))) or _engine(xp, a, b, *rest)
            ),
        )
    x, w = rng.standard_normal(shape), rng.standard_normal(weight_shape)
    g = rng.standard_normal(CONV[nd](x, w, **options).shape)
    GRAD[nd](g, x, w, **options)
    assert seen and all(finite for _, finite in seen)  # finite data: 'auto' takes the FFT here
    seen.clear()
    x, w, g = (_spoil(rng, a, 2) if name == where else a for name, a in (("input", x), ("weight", w), ("upstream", g)))
    # the FFT may still compute what only finite operands enter (its finite values are checked
    # elsewhere against its own bound): here the places of NaN and infinities are the point
    ours = (CONV[nd](x, w, **options),) + GRAD[nd](g, x, w, **options)[:2]
    definition = (reference_conv(x, w, **options),) + reference_grads(x, w, g, **options)
    for name, got, want in zip(("output", "grad_input", "grad_weight"), ours, definition):
        _assert_same_places(got, want, name)
    assert all(finite for _, finite in seen), seen


@given(call=_convolutions(), data=st.data())
def test_non_finite_entries_reach_the_outputs_of_the_definition_on_every_direct_path(call, data):
    """Random geometries reach every direct path (shifted slices, small-image windows, generic
    im2col, shift-and-add), whose padding, cropping and bias must not spread a NaN either."""
    nd, x, w, b, options = call
    where = data.draw(st.sampled_from(["input", "weight", "bias", "upstream"]), label="where")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16), label="seed"))
    g = rng.standard_normal(CONV[nd](x, w, b, **options).shape)
    if where == "bias" and b is None:
        b = rng.standard_normal(w.shape[0])
    count = data.draw(st.integers(1, 3), label="count")
    x, w, b, g = (
        _spoil(rng, a, count) if name == where else a
        for name, a in (("input", x), ("weight", w), ("bias", b), ("upstream", g))
    )
    _assert_like_the_definition(nd, x, w, b, g, "direct", options)


def test_a_nan_in_the_input_reaches_only_the_weight_gradient_taps_whose_windows_read_it(rng):
    """The shifted weight-gradient engine also multiplies positions past each row's last window
    by a zero upstream gradient; 0 * NaN there must not reach the other taps (it did)."""
    x = rng.standard_normal((1, 1, 8, 8))
    x[0, 0, 3, 0] = np.nan  # first column: only the taps of the kernel's first column read it
    w = rng.standard_normal((2, 1, 3, 3))
    _, grad_weight, _ = F.conv2d_grad(np.ones((1, 2, 6, 6)), x, w, method="direct")
    assert np.isnan(grad_weight[:, :, :, 0]).all() and np.isfinite(grad_weight[:, :, :, 1:]).all()


def test_a_nan_weight_reaches_only_the_input_positions_its_tap_touches(rng):
    """With stride 2 and a NaN first tap, the odd input positions never meet that tap: their
    gradient stays finite (the flipped-kernel form met it through the zeros between samples)."""
    x, w = rng.standard_normal((1, 1, 9)), rng.standard_normal((1, 1, 3))
    w[0, 0, 0] = np.nan
    grad_input = F.conv1d_grad(np.ones((1, 1, 4)), x, w, stride=2, method="direct")[0]
    assert np.isnan(grad_input[0, 0, 0:8:2]).all() and np.isfinite(grad_input[0, 0, 1::2]).all()


@pytest.mark.torch
@pytest.mark.parametrize("where", ["input", "weight", "upstream"])
@pytest.mark.parametrize(
    ("shape", "weight_shape", "options"), FFT_CASES[:2] + FFT_CASES[4:], ids=lambda v: str(v).replace(" ", "")
)
def test_non_finite_places_agree_with_torch_autograd(rng, shape, weight_shape, options, where):
    torch = pytest.importorskip("torch", reason="torch is the optional oracle (pip install 'convalg[torch]')")
    nd = len(shape) - 2
    x, w = rng.standard_normal(shape), rng.standard_normal(weight_shape)
    g = rng.standard_normal(CONV[nd](x, w, **options).shape)
    x, w, g = (_spoil(rng, a, 2) if name == where else a for name, a in (("input", x), ("weight", w), ("upstream", g)))
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    ty = getattr(torch.nn.functional, f"conv{nd}d")(tx, tw, **options)
    ty.backward(torch.tensor(g))
    ours = (CONV[nd](x, w, **options),) + GRAD[nd](g, x, w, **options)[:2]
    for name, got, theirs in zip(("output", "grad_input", "grad_weight"), ours, (ty, tx.grad, tw.grad)):
        _assert_same_places(got, theirs.detach().numpy(), name)


@pytest.mark.parametrize("where", ["input", "weight", "upstream"])
def test_an_explicit_fft_on_non_finite_data_warns_as_scipy_signal_does(rng, where):
    """method='fft' spreads a NaN over every output: the layer operations say so with the very
    RuntimeWarning convalg.convolve (and scipy.signal) gives, at the caller's line."""
    import warnings

    import convalg

    x, w = rng.standard_normal((1, 2, 9, 9)), rng.standard_normal((3, 2, 3, 3))
    g = rng.standard_normal((1, 3, 7, 7))
    with warnings.catch_warnings():
        # finite data, or a non-finite one under 'auto'/'direct': no warning that the FFT spreads it
        warnings.filterwarnings("error", message="Use of fft convolution")
        F.conv2d(x, w, method="fft")
        F.conv2d_grad(g, x, w, method="fft")
    x, w, g = (_spoil(rng, a, 1) if name == where else a for name, a in (("input", x), ("weight", w), ("upstream", g)))
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="Use of fft convolution")
        for method in ("auto", "direct"):
            F.conv2d(x, w, method=method)
            F.conv2d_grad(g, x, w, method=method)
    with pytest.warns(RuntimeWarning) as signal_warning:
        convalg.convolve(np.array([np.nan, 1.0]), np.ones(2), method="fft")
    calls = [lambda: F.conv2d_grad(g, x, w, method="fft")]
    if where != "upstream":
        calls.append(lambda: F.conv2d(x, w, method="fft"))
    for call in calls:
        with pytest.warns(RuntimeWarning) as caught:
            call()
        spread = [r for r in caught if "fft convolution on input with NAN" in str(r.message)]
        assert [str(r.message) for r in spread] == [str(signal_warning[0].message)]
        assert spread[0].filename == __file__
