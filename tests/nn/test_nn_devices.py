"""The layer operations keep their results on the input's device and refuse inputs on two,
shown on array-api-strict's second device (it refuses any operation mixing it with the default
one, so an allocation without ``device=`` in an engine fails the call)."""

from __future__ import annotations

import numpy as np
import pytest

from convalg import backends
from convalg.nn import functional as F

strict = pytest.importorskip("array_api_strict", reason="the devices come from array-api-strict")
DEVICE = strict.Device("device1")
CONV = {1: (F.conv1d, F.conv1d_grad), 2: (F.conv2d, F.conv2d_grad), 3: (F.conv3d, F.conv3d_grad)}
SPATIAL = {1: (11,), 2: (7, 6), 3: (5, 4, 4)}


def _on_device(x):
    return strict.asarray(x, device=DEVICE)


@pytest.mark.parametrize("options", [{}, {"stride": 2, "padding": 1, "groups": 2}, {"padding": "same", "dilation": 2}])
@pytest.mark.parametrize("method", ["direct", "fft"])
@pytest.mark.parametrize("nd", [1, 2, 3])
def test_results_and_gradients_land_on_the_inputs_device(rng, nd, method, options):
    forward, backward = CONV[nd]
    per_group = 4 // options.get("groups", 1)
    x, w, b = (
        rng.standard_normal((2, 4) + SPATIAL[nd]),
        rng.standard_normal((6, per_group) + (3,) * nd),
        rng.standard_normal(6),
    )
    out = forward(_on_device(x), _on_device(w), _on_device(b), method=method, **options)
    assert out.device == DEVICE
    np.testing.assert_allclose(
        backends.to_numpy(out), forward(x, w, b, method=method, **options), rtol=1e-10, atol=1e-12
    )
    g = rng.standard_normal(tuple(out.shape))
    expected = backward(g, x, w, method=method, **options)
    for got, want in zip(backward(_on_device(g), _on_device(x), _on_device(w), method=method, **options), expected):
        assert got.device == DEVICE
        np.testing.assert_allclose(backends.to_numpy(got), want, rtol=1e-10, atol=1e-12)


def test_a_weight_on_another_device_is_a_type_error_naming_both():
    with pytest.raises(TypeError, match=r"input is on .*device1.*, weight is on .*CPU_DEVICE"):
        F.conv2d(_on_device(np.ones((1, 1, 4, 4))), strict.ones((1, 1, 2, 2), dtype=strict.float64))
