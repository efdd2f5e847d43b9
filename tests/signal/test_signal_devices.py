"""Results land on the input's device, and inputs on two devices are refused: shown without a
GPU on array-api-strict's second device, which refuses any operation mixing it with the default
one (so a single allocation without ``device=`` anywhere in the core fails the call).

The values are checked against the extended-precision scipy reference (``signal_oracle``).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from signal_oracle import check, crop_like_scipy, exact_full

import convalg
from convalg import backends

strict = pytest.importorskip("array_api_strict", reason="the devices come from array-api-strict")
DEVICE = strict.Device("device1")

FUNCTIONS = ["convolve", "correlate", "fftconvolve", "oaconvolve", "convolve2d", "correlate2d"]
DTYPES = ["bool", "int8", "int64", "uint8", "uint64", "float32", "float64", "complex64", "complex128"]


def _on_device(x):
    return strict.asarray(np.asarray(x), device=DEVICE)


def _data(rng, shape, dtype):
    values = rng.integers(-9, 10, size=shape)
    if dtype == "bool":
        return values > 0
    if dtype.startswith("uint"):
        values = np.abs(values)
    if dtype.startswith("complex"):
        values = values + 1j * rng.integers(-9, 10, size=shape)
    return values.astype(dtype)


def _calls(function):
    modes = ["full", "same", "valid"]
    if function in ("convolve", "correlate"):
        extra = [{"method": m} for m in ("auto", "direct", "fft", "oa")]
    elif function.endswith("2d"):
        extra = [{"boundary": b, "fillvalue": f} for b, f in (("fill", 0), ("fill", 3), ("wrap", 0), ("symm", 0))]
    else:
        extra = [{}]
    return [dict(mode=mode, **options) for mode, options in itertools.product(modes, extra)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_result_lands_on_the_inputs_device(function, dtype):
    rng = np.random.default_rng([FUNCTIONS.index(function), DTYPES.index(dtype)])
    shapes = [((40,), (5,)), ((9, 7), (3, 4))] if not function.endswith("2d") else [((9, 7), (3, 4))]
    for (s1, s2), options in itertools.product(shapes, _calls(function)):
        if dtype == "bool" and options.get("fillvalue"):
            continue
        a, b = _data(rng, s1, dtype), _data(rng, s2, dtype)
        out = getattr(convalg, function)(_on_device(a), _on_device(b), **options)
        assert out.device == DEVICE, (function, options)
        check(function, a, b, out, backend="array_api_strict", **options)  # the bound of this call's plan


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # integer sums past the int64 bound, confirmed modulo primes (_ranges, _direct.reduced)
        (np.array([2**62, 2**62, 2**62 - 1, 5]), np.array([1, -1])),
        (np.full((2, 3), 2**62), np.array([[1, -1], [-1, 1]])),
        # floating outputs whose partial sums overflow: prescaled, complex by components (_ranges.scaled)
        (np.array([1e308 + 1e308j, 1e308, -1e308]), np.array([1.0 + 0j, 1.0])),
        (np.array([1e308, 1e308, -1e308]), np.array([1.0, 1.0])),
    ],
)
def test_the_range_rescue_paths_stay_on_the_device(a, b):
    for function in ("convolve", "correlate", "fftconvolve"):
        if function == "fftconvolve" and a.dtype.kind in "iu":
            continue
        expected = getattr(convalg, function)(a, b)
        out = getattr(convalg, function)(_on_device(a), _on_device(b))
        assert out.device == DEVICE
        np.testing.assert_array_equal(backends.to_numpy(out), expected)
    if a.dtype.kind == "i":
        exact = crop_like_scipy(exact_full(a, b), a.shape, b.shape, "full")
        assert backends.to_numpy(convalg.convolve(_on_device(a), _on_device(b))).tolist() == exact.tolist()


def test_a_separable_kernel_runs_its_passes_on_the_device():
    image = np.arange(42.0).reshape(6, 7)
    kernel = np.array([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0]])
    out = convalg.convolve2d(_on_device(image), _on_device(kernel))
    assert out.device == DEVICE
    check("convolve2d", image, kernel, out)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_inputs_on_two_devices_are_a_type_error_naming_both(function):
    a, b = np.ones((4, 4)), np.ones((2, 2))
    with pytest.raises(TypeError, match=r"in1 is on .*device1.*, in2 is on .*CPU_DEVICE"):
        getattr(convalg, function)(_on_device(a), strict.asarray(b))
    with pytest.raises(TypeError, match=r"in1 is on .*CPU_DEVICE.*, in2 is on .*device1"):
        getattr(convalg, function)(strict.asarray(a), _on_device(b))


def test_forcing_the_backend_moves_other_inputs_to_the_device_of_its_own():
    out = convalg.convolve(_on_device(np.ones(4)), np.ones(2), backend="array_api_strict")
    assert out.device == DEVICE and backends.to_numpy(out).tolist() == [1, 2, 2, 2, 1]
    with pytest.raises(TypeError, match="different devices"):
        convalg.convolve(_on_device(np.ones(4)), strict.ones(2), backend="array_api_strict")


def test_plan_and_method_choice_accept_inputs_on_a_device():
    a, b = _on_device(np.ones(500)), _on_device(np.ones(200))
    assert convalg.choose_conv_method(a, b) == convalg.signal.plan("convolve", a, b).method
