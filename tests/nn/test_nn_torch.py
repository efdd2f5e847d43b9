"""convalg.nn on torch tensors: the layer operations return tensors on the input's device, a
model's own weights can be checked under ``torch.no_grad()``, and the layers train on tensors.

Oracles: the loop-by-definition reference of ``_reference`` (with its rigorous bounds) and
torch's own ``torch.nn.functional`` and autograd.
"""

from __future__ import annotations

import numpy as np
import pytest

from convalg import backends, nn
from convalg.nn import functional as F

from ._reference import direct_bound, grads_bound, reference_conv, reference_grads

torch = pytest.importorskip("torch", reason="torch is not installed (pip install torch)")
pytestmark = pytest.mark.torch

CONV = {1: (F.conv1d, F.conv1d_grad), 2: (F.conv2d, F.conv2d_grad), 3: (F.conv3d, F.conv3d_grad)}
SPATIAL = {1: (11,), 2: (7, 6), 3: (5, 4, 4)}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("method", ["auto", "direct", "fft"])
@pytest.mark.parametrize("nd", [1, 2, 3])
def test_layer_operations_and_gradients_on_tensors_match_the_definition(rng, nd, method, dtype):
    forward, backward = CONV[nd]
    x = rng.standard_normal((2, 4) + SPATIAL[nd])
    w = rng.standard_normal((6, 2) + (3,) * nd)
    b = rng.standard_normal(6)
    options = dict(stride=2, padding=1, dilation=1, groups=2)
    tx, tw, tb = (torch.asarray(v.astype(dtype)) for v in (x, w, b))
    kept = [t.clone() for t in (tx, tw, tb)]
    out = forward(tx, tw, tb, method=method, **options)
    assert isinstance(out, torch.Tensor) and out.device == tx.device and out.dtype == tx.dtype
    exact = [v.astype(dtype).astype(np.float64) for v in (x, w, b)]
    reference = reference_conv(*exact, **options)
    tolerance = 1e-10 if dtype == "float64" else 1e-3  # the direct bound below is the sharp check
    np.testing.assert_allclose(out.numpy(), reference, rtol=tolerance, atol=tolerance)
    if method == "direct":
        assert direct_bound(*exact, dtype, **options).holds(out.numpy(), reference)
    g = torch.asarray(rng.standard_normal(tuple(out.shape)).astype(dtype))
    grads = backward(g, tx, tw, method=method, **options)
    assert all(isinstance(t, torch.Tensor) and t.dtype == tx.dtype for t in grads)
    expected = reference_grads(exact[0], exact[1], g.numpy().astype(np.float64), **options)
    bounds = grads_bound(exact[0], exact[1], g.numpy().astype(np.float64), dtype, **options)
    for got, want, bound in zip(grads[:2], expected, bounds):
        if method == "direct":
            assert bound.holds(got.numpy(), want)
        np.testing.assert_allclose(got.numpy(), want, rtol=tolerance, atol=tolerance)
    np.testing.assert_allclose(grads[2].numpy(), g.numpy().sum(axis=(0,) + tuple(range(2, 2 + nd))), rtol=1e-5)
    assert all(torch.equal(t, k) for t, k in zip((tx, tw, tb), kept)), "an input was modified"


def test_a_torch_models_own_layer_is_checked_under_no_grad(rng):
    """A user checks a model's layer without converting: its parameters require grad, so the
    call is made under torch.no_grad(), as torch's own evaluation is."""
    layer = torch.nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2, dtype=torch.float64)
    x = torch.asarray(rng.standard_normal((3, 4, 9, 8)))
    with pytest.raises(TypeError, match=r"weight is a torch tensor that requires grad.*weight\.detach\(\)"):
        F.conv2d(x, layer.weight, layer.bias, stride=2, padding=1, groups=2)
    with torch.no_grad():
        ours = F.conv2d(x, layer.weight, layer.bias, stride=2, padding=1, groups=2)
        theirs = layer(x)
    assert not ours.requires_grad
    torch.testing.assert_close(ours, theirs, rtol=1e-12, atol=1e-12)


def test_mixed_libraries_in_a_layer_call_are_a_type_error_naming_them():
    with pytest.raises(TypeError, match=r"input is torch, weight is numpy"):
        F.conv1d(torch.ones((1, 1, 5), dtype=torch.float64), np.ones((1, 1, 2)))
    with pytest.raises(TypeError, match=r"input is torch, weight is torch, bias is numpy"):
        F.conv1d(torch.ones((1, 1, 5)), torch.ones((1, 1, 2)), np.ones(1))
    with pytest.raises(TypeError, match=r"grad_output is numpy"):
        F.conv1d_grad(np.ones((1, 1, 4)), torch.ones((1, 1, 5)), torch.ones((1, 1, 2)))


def test_the_layers_train_on_tensors_as_on_numpy_arrays(rng):
    """The same seeded model, one loss and one step, on tensors and on NumPy arrays (losses
    included: MSELoss's gradient divided by a method, torch's ``.size``, before the fix)."""

    def step(backend, x, target, labels):
        model = nn.Sequential(
            nn.Conv2d(2, 4, 3, padding=1, seed=1, backend=backend),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(4 * 3 * 3, 5, seed=2, backend=backend),
        )
        _, (xb, tb, lb) = backends.namespace(x, target, labels, backend=backend)
        out = model(xb)
        mse, entropy = nn.MSELoss(), nn.CrossEntropyLoss()
        values = float(mse(out, tb)), float(entropy(out, lb))
        model.backward(mse.backward() + entropy.backward())
        return values, [backends.to_numpy(p.grad) for p in model.parameters()], model

    x, target, labels = rng.standard_normal((3, 2, 6, 6)), rng.standard_normal((3, 5)), np.array([0, 4, 2])
    on_numpy, grads_numpy, _ = step("numpy", x, target, labels)
    on_torch, grads_torch, model = step("torch", x, target, labels)
    assert all(isinstance(p.value, torch.Tensor) for p in model.parameters())
    np.testing.assert_allclose(on_torch, on_numpy, rtol=1e-12)
    for got, want in zip(grads_torch, grads_numpy):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
