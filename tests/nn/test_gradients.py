"""Every gradient equals the central difference of its loss, in float64, for every op and setting."""

from __future__ import annotations

import numpy as np
import pytest

from convalg import nn
from convalg.nn import functional as F

from .test_functional import CONV, KERNEL, SETTINGS, SPATIAL, _case

GRAD = {1: F.conv1d_grad, 2: F.conv2d_grad, 3: F.conv3d_grad}
STEP = 1e-6


def _central(f, x, direction):
    return (f(x + STEP * direction) - f(x - STEP * direction)) / (2 * STEP)


def _agree(numeric, analytic, scale):
    # a central difference of a smooth function errs by O(h^2 f''') + O(u |f| / h)
    assert abs(numeric - analytic) <= 1e-7 * max(1.0, scale), (numeric, analytic)


# every setting with the direct engine; the FFT engine on every 1-D and 2-D setting and the
# stride-1, undilated 3-D ones (its 3-D strided code is the same code as in 1-D and 2-D)
ENGINE_SETTINGS = [pytest.param(*p.values, "direct", id=p.id + "-direct") for p in SETTINGS] + [
    pytest.param(*p.values, "fft", id=p.id + "-fft")
    for p in SETTINGS
    if p.values[0] < 3 or p.values[1] == p.values[3] == 1
]


@pytest.mark.parametrize(("nd", "stride", "padding", "dilation", "groups", "method"), ENGINE_SETTINGS)
def test_convolution_gradients_equal_central_differences(rng, nd, stride, padding, dilation, groups, method):
    x, w, b = _case(rng, nd, groups)
    options = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    g = rng.standard_normal(CONV[nd](x, w, b, **options).shape)

    def loss(x_, w_, b_):
        return float(np.vdot(CONV[nd](x_, w_, b_, method=method, **options), g))

    gx, gw, gb = GRAD[nd](g, x, w, method=method, **options)
    assert gx.shape == x.shape and gw.shape == w.shape and gb.shape == b.shape
    vx, vw, vb = (rng.standard_normal(a.shape) for a in (x, w, b))
    scale = float(np.abs(g).sum() * (np.abs(x).max() + np.abs(w).max() + 1))
    _agree(_central(lambda t: loss(t, w, b), x, vx), float(np.vdot(gx, vx)), scale)
    _agree(_central(lambda t: loss(x, t, b), w, vw), float(np.vdot(gw, vw)), scale)
    _agree(_central(lambda t: loss(x, w, t), b, vb), float(np.vdot(gb, vb)), scale)


@pytest.mark.parametrize(("nd", "stride", "padding", "dilation", "groups"), SETTINGS[::2])
def test_both_forms_of_the_input_gradient_are_the_same_convolution(rng, nd, stride, padding, dilation, groups):
    """Correlation with the flipped kernel (chosen when the layer narrows channels) and
    shift-and-add (chosen when it widens them) give the same grad_input; check the first
    against central differences with fewer output than input channels."""
    x = rng.standard_normal((2, 4) + SPATIAL[nd])
    w = rng.standard_normal((2, 4 // groups) + KERNEL[nd])
    options = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    g = rng.standard_normal(CONV[nd](x, w, **options).shape)
    gx = GRAD[nd](g, x, w, method="direct", **options)[0]
    v = rng.standard_normal(x.shape)
    numeric = _central(lambda t: float(np.vdot(CONV[nd](t, w, **options), g)), x, v)
    _agree(numeric, float(np.vdot(gx, v)), float(np.abs(g).sum() * (np.abs(w).max() + 1)))
    # the same gradient by shift-and-add, forced through the wide-layer form
    wide = np.concatenate([w] * 3, axis=0)  # 6 outputs > 4 inputs: shift-and-add
    g_wide = np.concatenate(
        [g.reshape((2, groups, 2 // groups, -1))] + [np.zeros_like(g.reshape((2, groups, 2 // groups, -1)))] * 2, axis=2
    )
    g_wide = g_wide.reshape((2, 6) + g.shape[2:])
    np.testing.assert_allclose(GRAD[nd](g_wide, x, wide, method="direct", **options)[0], gx, rtol=1e-12, atol=1e-12)


def test_input_gradient_entries_equal_central_differences_entry_by_entry(rng):
    """Entry by entry, including input positions no window reaches (stride leaves a remainder)."""
    x = rng.standard_normal((1, 2, 9))
    w = rng.standard_normal((2, 2, 3))
    options = dict(stride=3, padding=1, dilation=1)
    g = rng.standard_normal(F.conv1d(x, w, **options).shape)
    gx, gw, _ = F.conv1d_grad(g, x, w, **options)
    for array, grad, f in ((x, gx, lambda t: F.conv1d(t, w, **options)), (w, gw, lambda t: F.conv1d(x, t, **options))):
        for index in np.ndindex(array.shape):
            e = np.zeros_like(array)
            e[index] = 1.0
            numeric = float(np.vdot(_central(f, array, e), g))
            assert abs(numeric - grad[index]) < 1e-8
    assert gx[0, 0, -1] == 0.0  # the last sample is never read with stride 3


def test_the_input_gradient_is_the_full_convolution_of_the_upstream_gradient(rng):
    """The adjoint of correlation is convolution: one channel, stride 1, no padding."""
    x = rng.standard_normal((1, 1, 10))
    w = rng.standard_normal((1, 1, 4))
    g = rng.standard_normal((1, 1, 7))
    gx, gw, _ = F.conv1d_grad(g, x, w)
    assert np.allclose(gx[0, 0], np.convolve(g[0, 0], w[0, 0], mode="full"), rtol=1e-13, atol=1e-13)
    assert np.allclose(gw[0, 0], np.correlate(x[0, 0], g[0, 0], mode="valid"), rtol=1e-13, atol=1e-13)


def _entrywise_check(layer_forward, layer_backward, x, rng, tolerance=1e-7):
    y = layer_forward(x)
    g = rng.standard_normal(np.shape(y))
    analytic = layer_backward(g)
    for index in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[index] = 1.0
        numeric = float(np.vdot(_central(layer_forward, x, e), g))
        assert abs(numeric - analytic[index]) < tolerance, (index, numeric, analytic[index])


@pytest.mark.parametrize(
    ("make", "shape"),
    [
        (lambda: nn.ReLU(), (3, 4)),
        (lambda: nn.MaxPool2d(2), (2, 2, 4, 6)),
        (lambda: nn.MaxPool2d(3, stride=2), (1, 2, 7, 5)),
        (lambda: nn.AvgPool2d(2), (2, 2, 4, 6)),
        (lambda: nn.AvgPool2d((2, 3), stride=1), (1, 2, 4, 5)),
        (lambda: nn.Flatten(), (2, 3, 2)),
        (lambda: nn.Linear(5, 3, seed=0), (4, 5)),
        (lambda: nn.Conv1d(2, 3, 3, stride=2, padding=1, seed=0), (2, 2, 7)),
        (lambda: nn.Conv2d(2, 4, (3, 2), dilation=(1, 2), groups=2, padding="same", seed=0), (2, 2, 5, 6)),
    ],
    ids=[
        "relu",
        "maxpool",
        "maxpool-overlapping",
        "avgpool",
        "avgpool-overlapping",
        "flatten",
        "linear",
        "conv1d-layer",
        "conv2d-layer",
    ],
)
def test_layer_input_gradients_equal_central_differences(rng, make, shape):
    layer = make()
    x = rng.standard_normal(shape)
    # maxima are unique and no input sits at the kink of ReLU, so the layers are differentiable here
    _entrywise_check(layer.forward, lambda g: (layer.forward(x), layer.backward(g))[1], x, rng)


@pytest.mark.parametrize(
    "make", [lambda: nn.Linear(5, 3, seed=0), lambda: nn.Conv2d(2, 3, 2, seed=0)], ids=["linear", "conv2d"]
)
def test_layer_parameter_gradients_equal_central_differences(rng, make):
    layer = make()
    x = rng.standard_normal((3, 5) if isinstance(layer, nn.Linear) else (3, 2, 4, 4))
    g = rng.standard_normal(np.shape(layer(x)))
    layer.backward(g)
    for parameter in layer.parameters():
        original = parameter.value.copy()
        for index in np.ndindex(original.shape):
            values = []
            for sign in (1, -1):
                changed = original.copy()
                changed[index] += sign * STEP
                parameter.value = changed
                values.append(float(np.vdot(layer.forward(x), g)))
            parameter.value = original
            assert abs((values[0] - values[1]) / (2 * STEP) - parameter.grad[index]) < 1e-7


@pytest.mark.parametrize(
    ("loss", "target"),
    [
        (nn.MSELoss(), lambda rng: rng.standard_normal((4, 3))),
        (nn.CrossEntropyLoss(), lambda rng: np.array([0, 2, 1, 2])),
    ],
    ids=["mse", "cross-entropy"],
)
def test_loss_gradients_equal_central_differences(rng, loss, target):
    prediction = rng.standard_normal((4, 3)) * 3
    t = target(rng)
    loss(prediction, t)
    analytic = loss.backward()
    for index in np.ndindex(prediction.shape):
        e = np.zeros_like(prediction)
        e[index] = STEP
        numeric = (float(loss(prediction + e, t)) - float(loss(prediction - e, t))) / (2 * STEP)
        assert abs(numeric - analytic[index]) < 1e-8


def test_a_small_cnn_backpropagates_the_central_difference_gradient(rng):
    model = nn.Sequential(
        nn.Conv2d(1, 3, 3, padding=1, seed=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(3, 2, 2, seed=2),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(2, 3, seed=3),
    )
    loss = nn.CrossEntropyLoss()
    x, labels = rng.standard_normal((2, 1, 4, 4)), np.array([0, 2])
    loss(model(x), labels)
    model.backward(loss.backward())
    first = model.parameters()[0]
    direction = rng.standard_normal(first.shape)
    original = first.value
    values = []
    for sign in (1, -1):
        first.value = original + sign * STEP * direction
        values.append(float(loss(model(x), labels)))
    first.value = original
    assert abs((values[0] - values[1]) / (2 * STEP) - float(np.vdot(first.grad, direction))) < 1e-7


@pytest.mark.torch
def test_a_small_cnn_has_torch_autograds_gradients(rng):
    torch = pytest.importorskip("torch", reason="torch is the optional oracle (pip install 'convalg[torch]')")
    model = nn.Sequential(
        nn.Conv2d(2, 4, 3, stride=1, padding=1, groups=2, seed=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(4, 3, 2, dilation=1, seed=2),
        nn.AvgPool2d(1),
        nn.Flatten(),
        nn.Linear(3 * 2 * 2, 5, seed=3),
    )
    x, labels = rng.standard_normal((3, 2, 6, 6)), np.array([0, 4, 2])
    loss = nn.CrossEntropyLoss()
    value = float(loss(model(x), labels))
    model.backward(loss.backward())

    tm = torch.nn.Sequential(
        torch.nn.Conv2d(2, 4, 3, padding=1, groups=2),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(4, 3, 2),
        torch.nn.AvgPool2d(1),
        torch.nn.Flatten(),
        torch.nn.Linear(12, 5),
    ).double()
    theirs = list(tm.parameters())
    with torch.no_grad():
        for t, ours in zip(theirs, model.parameters()):
            t.copy_(torch.tensor(ours.value))
    tl = torch.nn.functional.cross_entropy(tm(torch.tensor(x)), torch.tensor(labels))
    tl.backward()
    assert abs(value - tl.item()) < 1e-12
    for t, ours in zip(theirs, model.parameters()):
        np.testing.assert_allclose(ours.grad, t.grad.numpy(), rtol=1e-10, atol=1e-12)
