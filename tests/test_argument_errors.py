"""A bad argument gets the same exception type and message on every path convalg has for it.

Each call below goes once through convalg's eager path (NumPy arrays), once through its
dask path (:mod:`convalg.chunked`, which builds a lazy graph) and, where torch is installed,
once with torch tensors; each must refuse it at the call itself, with the same exception type
and the same message (convalg._runtime.validation is the one place the rules live).
"""

from __future__ import annotations

import numpy as np
import pytest

import convalg
from convalg.backends import BackendUnavailableError, available
from convalg.nn import functional as F

da = pytest.importorskip("dask.array", reason="the dask path needs the dask extra")

X1, W1 = np.ones((2, 2, 12)), np.ones((3, 2, 3))
X2, W2 = np.ones((1, 2, 8, 8)), np.ones((4, 2, 3, 3))

LAYER_CALLS = {
    "stride float": (F.conv1d, X1, W1, {"stride": 1.5}),
    "stride bool": (F.conv1d, X1, W1, {"stride": True}),
    "stride zero": (F.conv1d, X1, W1, {"stride": 0}),
    "stride string": (F.conv1d, X1, W1, {"stride": "2"}),
    "stride tuple too long": (F.conv1d, X1, W1, {"stride": (1, 2)}),
    "stride tuple of floats": (F.conv2d, X2, W2, {"stride": (1.0, 2.0)}),
    "stride array": (F.conv2d, X2, W2, {"stride": np.array([1, 1])}),
    "padding unknown word": (F.conv1d, X1, W1, {"padding": "full"}),
    "padding float": (F.conv1d, X1, W1, {"padding": 0.5}),
    "padding negative": (F.conv2d, X2, W2, {"padding": (1, -1)}),
    "padding same with stride": (F.conv2d, X2, W2, {"padding": "same", "stride": 2}),
    "dilation zero": (F.conv1d, X1, W1, {"dilation": 0}),
    "dilation bool": (F.conv2d, X2, W2, {"dilation": False}),
    "groups zero": (F.conv1d, X1, W1, {"groups": 0}),
    "groups float": (F.conv1d, X1, W1, {"groups": 2.0}),
    "groups bool": (F.conv1d, X1, W1, {"groups": True}),
    "groups not dividing": (F.conv2d, X2, W2, {"groups": 3}),
    "groups against weight": (F.conv2d, X2, W2, {"groups": 2}),
    "method unknown": (F.conv1d, X1, W1, {"method": "oa"}),
    "method none": (F.conv2d, X2, W2, {"method": None}),
    "kernel too large": (F.conv1d, X1, np.ones((3, 2, 13)), {}),
    "weight of another rank": (F.conv2d, X2, np.ones((4, 2, 3)), {}),
    "weight channels": (F.conv2d, X2, np.ones((4, 3, 3, 3)), {}),
    "bias shape": (F.conv2d, X2, W2, {"bias": np.ones(3)}),
    "integer input": (F.conv1d, X1.astype(np.int64), W1, {}),
}

A, B = np.arange(24.0).reshape(4, 6), np.ones((2, 3))
SIGNAL_CALLS = {
    "mode unknown": (convalg.convolve, A, B, {"mode": "middle"}),
    "mode number": (convalg.correlate, A, B, {"mode": 3}),
    "mode none (fftconvolve)": (convalg.fftconvolve, A, B, {"mode": None}),
    "method unknown": (convalg.convolve, A, B, {"method": "winograd"}),
    "method number": (convalg.correlate, A, B, {"method": 1}),
    "axes out of range": (convalg.fftconvolve, A, B, {"axes": 5}),
    "axes float": (convalg.fftconvolve, A, B, {"axes": 1.5}),
    "axes repeated": (convalg.oaconvolve, A, B, {"axes": (0, -2)}),
    "axes empty": (convalg.fftconvolve, A, B, {"axes": []}),
    "axes of strings": (convalg.oaconvolve, A, B, {"axes": ["x"]}),
    "ranks differ": (convalg.convolve, A, np.ones(3), {}),
    "valid with neither larger": (convalg.convolve, A, np.ones((5, 2)), {"mode": "valid"}),
    "valid with neither larger (fft)": (convalg.fftconvolve, A, np.ones((5, 2)), {"mode": "valid"}),
    "unconvolved axes that do not broadcast": (convalg.fftconvolve, A, np.ones((3, 3)), {"axes": 1}),
    "backend unknown": (convalg.convolve, A, B, {"backend": "jax"}),
    "backend not a name": (convalg.oaconvolve, A, B, {"backend": 3}),
    "string input": (convalg.convolve, A.astype(str), B, {}),
}
if not available()["cupy"].usable:
    SIGNAL_CALLS["backend unusable here"] = (convalg.convolve, A, B, {"backend": "cupy"})


def _refusal(call):
    """The exception ``call()`` raises (failing the test if it raises none)."""
    with pytest.raises(Exception) as caught:  # noqa: PT011 - the callers compare type and message  # noqa: PT011 - the callers compare type and message
        call()
    return caught.value


def _assert_same_refusal(function, first, second, options):
    eager = _refusal(lambda: function(first, second, **options))
    assert isinstance(eager, (TypeError, ValueError, BackendUnavailableError)), repr(eager)
    lazy = _refusal(lambda: function(da.from_array(first, chunks=3), second, **options))
    assert (type(lazy), str(lazy)) == (type(eager), str(eager))


@pytest.mark.parametrize("case", LAYER_CALLS)
def test_layer_operations_refuse_a_bad_argument_alike_eagerly_and_on_dask(case):
    function, x, w, options = LAYER_CALLS[case]
    _assert_same_refusal(function, x, w, options)


@pytest.mark.parametrize("case", SIGNAL_CALLS)
def test_signal_functions_refuse_a_bad_argument_alike_eagerly_and_on_dask(case):
    function, a, b, options = SIGNAL_CALLS[case]
    _assert_same_refusal(function, a, b, options)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1.5, TypeError),
        (True, TypeError),
        ("1", TypeError),
        (None, TypeError),
        ([1, 1.0], TypeError),
        (0, ValueError),
        (-2, ValueError),
        ((1, 2), ValueError),
    ],
)
def test_a_wrong_type_is_a_type_error_and_a_wrong_value_a_value_error_naming_both(value, expected):
    with pytest.raises(expected) as caught:
        F.conv1d(X1, W1, stride=value)
    assert str(caught.value).startswith("stride must be") and repr(value) in str(caught.value)


def _assert_same_refusal_on_torch(function, first, second, options):
    torch = pytest.importorskip("torch", reason="the torch column needs torch (pip install torch)")
    if first.dtype.kind not in "biufc":
        pytest.skip(f"torch has no tensors of dtype {first.dtype}: no torch call to compare")
    eager = _refusal(lambda: function(first, second, **options))

    def tensor(x):
        return torch.asarray(x) if isinstance(x, np.ndarray) else x

    tensors = {name: tensor(value) if name == "bias" else value for name, value in options.items()}
    on_torch = _refusal(lambda: function(tensor(first), tensor(second), **tensors))
    assert (type(on_torch), str(on_torch)) == (type(eager), str(eager))


@pytest.mark.torch
@pytest.mark.parametrize("case", LAYER_CALLS)
def test_layer_operations_refuse_a_bad_argument_alike_on_torch_tensors(case):
    function, x, w, options = LAYER_CALLS[case]
    _assert_same_refusal_on_torch(function, x, w, options)


@pytest.mark.torch
@pytest.mark.parametrize("case", SIGNAL_CALLS)
def test_signal_functions_refuse_a_bad_argument_alike_on_torch_tensors(case):
    function, a, b, options = SIGNAL_CALLS[case]
    _assert_same_refusal_on_torch(function, a, b, options)


def test_an_unusable_backend_is_the_same_exception_type_in_every_entry():
    cupy = available()["cupy"]
    if cupy.usable:
        pytest.skip("cupy is usable on this machine: no unusable backend to ask for")
    entries = {
        "convolve": lambda: convalg.convolve(A, B, backend="cupy"),
        "crosscheck": lambda: convalg.crosscheck("convolve", A, B, backend="cupy"),
        "correlation_lags": lambda: convalg.correlation_lags(4, 3, backend="cupy"),
    }
    for call in entries.values():
        with pytest.raises(BackendUnavailableError, match="backend 'cupy' is not usable here"):
            call()


@pytest.mark.parametrize(
    "call",
    [
        lambda x: convalg.choose_conv_method(x, B),
        lambda x: convalg.signal.plan("convolve", x, B),
    ],
    ids=["choose_conv_method", "plan"],
)
def test_functions_without_a_dask_path_refuse_dask_arrays_naming_those_with_one(call):
    with pytest.raises(TypeError, match=r"computed in chunks only by .*convolve2d, correlate2d.* cannot work chunk"):
        call(da.from_array(A, chunks=2))
