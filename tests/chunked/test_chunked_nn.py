"""Chunked PyTorch-style layers: stride, dilation, padding and groups hold across chunk boundaries."""

from __future__ import annotations

import numpy as np
import pytest

da = pytest.importorskip("dask.array", reason="the chunked path needs the dask extra: pip install 'convalg[dask]'")

from chunked_support import NN_FUNCTIONS, assert_within, floats, nn_difference_bound  # noqa: E402

from convalg import chunked  # noqa: E402

# spatial rank, input shape, weight shape, input chunks, options
CASES = [
    (1, (2, 3, 29), (4, 3, 5), (1, 3, (6, 2, 9, 5, 7)), {"stride": 3, "padding": 2, "dilation": 2}),
    (1, (3, 4, 20), (4, 2, 3), (2, 2, 3), {"padding": "same", "dilation": 3, "groups": 2}),
    (1, (3, 4, 17), (2, 4, 4), (2, 4, 5), {"stride": 2, "padding": "valid"}),
    (2, (2, 2, 15, 13), (3, 2, 3, 4), (1, 2, (4, 4, 7), 5), {"stride": (2, 3), "padding": (1, 2)}),
    (2, (1, 4, 12, 14), (4, 1, 3, 3), (1, 1, 2, (3, 11)), {"padding": "same", "groups": 4}),
    (2, (2, 1, 11, 9), (2, 1, 2, 3), (1, 1, 5, 4), {"stride": 2, "dilation": (2, 1), "padding": 1}),
    (3, (1, 2, 7, 8, 9), (2, 2, 3, 2, 3), (1, 1, 3, (5, 3), 2), {"stride": (1, 2, 2), "padding": 1}),
    (3, (2, 1, 6, 6, 6), (1, 1, 2, 2, 2), (1, 1, 2, 4, 5), {"padding": "same", "dilation": 2}),
]


@pytest.mark.parametrize("with_bias", [False, True], ids=["no-bias", "bias"])
@pytest.mark.parametrize(
    ("spatial", "shape", "weight_shape", "chunks", "options"),
    [pytest.param(*case, id=f"{case[0]}d-{i}") for i, case in enumerate(CASES)],
)
def test_layer_results_are_within_the_direct_bound(spatial, shape, weight_shape, chunks, options, with_bias):
    rng = np.random.default_rng(spatial)
    func = NN_FUNCTIONS[spatial]
    x, w = floats(rng, shape), floats(rng, weight_shape)
    b = floats(rng, weight_shape[:1]) if with_bias else None
    result = chunked.apply(func, da.from_array(x, chunks=chunks), w, bias=b, method="direct", **options)
    expected = func(x, w, b, method="direct", **options)
    assert isinstance(result, da.Array)
    assert result.shape == expected.shape and result.dtype == expected.dtype
    bound = nn_difference_bound(func, x, w, b, dtype="float64", **options)
    assert_within(bound, result.compute(scheduler="synchronous"), expected)


def test_batch_chunks_stay_chunks_and_channels_become_one_chunk():
    func = NN_FUNCTIONS[2]
    x = da.zeros((6, 4, 20, 20), chunks=(2, 1, 10, 10))
    result = chunked.apply(func, x, np.zeros((5, 4, 3, 3)), padding=1)
    assert result.dtype == np.float64
    assert result.chunks[0] == (2, 2, 2) and result.chunks[1] == (5,)
    assert result.shape == (6, 5, 20, 20)


def test_a_dask_weight_and_bias_are_broadcast():
    rng = np.random.default_rng(7)
    func = NN_FUNCTIONS[1]
    x, w, b = floats(rng, (2, 2, 30)), floats(rng, (3, 2, 4)), floats(rng, (3,))
    result = chunked.apply(
        func,
        da.from_array(x, chunks=(1, 2, 7)),
        da.from_array(w, chunks=(1, 2, 4)),
        bias=da.from_array(b, chunks=1),
        stride=2,
        method="direct",
    )
    bound = nn_difference_bound(func, x, w, b, dtype="float64", stride=2)
    assert_within(bound, result.compute(scheduler="synchronous"), func(x, w, b, stride=2, method="direct"))


def test_the_public_layer_function_returns_a_lazy_chunked_result():
    """``conv2d`` itself routes a dask input here; small chunks keep its 'auto' on direct sums."""
    rng = np.random.default_rng(11)
    func = NN_FUNCTIONS[2]
    x, w, b = floats(rng, (2, 2, 16, 12)), floats(rng, (3, 2, 3, 3)), floats(rng, (3,))
    result = func(da.from_array(x, chunks=(1, 2, 5, 7)), w, b, stride=(1, 2), padding=1)
    assert isinstance(result, da.Array)
    bound = nn_difference_bound(func, x, w, b, dtype="float64", stride=(1, 2), padding=1)
    assert_within(bound, result.compute(scheduler="synchronous"), func(x, w, b, stride=(1, 2), padding=1))


BAD_OPTIONS = [
    {"stride": 0},
    {"stride": 1.5},
    {"stride": True},
    {"stride": (1, np.True_)},
    {"stride": (1, 2, 3)},
    {"dilation": (1,)},
    {"dilation": False},
    {"padding": "full"},
    {"padding": -1},
    {"padding": True},
    {"padding": "same", "stride": 2},
    {"groups": 0},
    {"groups": 2.0},
    {"groups": True},
    {"groups": 3},
    {"dilation": 9},
]


@pytest.mark.parametrize("options", BAD_OPTIONS, ids=repr)
def test_bad_layer_arguments_raise_the_eager_error_on_a_dask_input(options):
    """One validation for both paths: the same exception type and message."""
    func = NN_FUNCTIONS[2]
    x, w = np.zeros((1, 2, 8, 8)), np.ones((2, 2, 3, 3))
    with pytest.raises((TypeError, ValueError)) as eager:
        func(x, w, **options)
    with pytest.raises(eager.type) as lazy:
        chunked.apply(func, da.from_array(x, chunks=4), w, **options)
    assert str(lazy.value) == str(eager.value)


def test_numpy_integer_layer_arguments_are_taken_on_a_dask_input():
    rng = np.random.default_rng(5)
    func = NN_FUNCTIONS[2]
    x, w = floats(rng, (2, 2, 11, 9)), floats(rng, (4, 1, 3, 2))
    options = {"stride": (np.int64(2), 1), "padding": np.int32(1), "dilation": np.uint8(1), "groups": np.int64(2)}
    result = func(da.from_array(x, chunks=(1, 2, 5, 4)), w, method="direct", **options)
    bound = nn_difference_bound(func, x, w, None, dtype="float64", **options)
    assert_within(bound, result.compute(scheduler="synchronous"), func(x, w, method="direct", **options))


def test_an_input_smaller_than_the_kernel_is_refused_before_computing():
    with pytest.raises(ValueError, match="is larger than the padded input"):
        chunked.apply(NN_FUNCTIONS[1], da.zeros((1, 1, 4), chunks=2), np.ones((1, 1, 3)), dilation=2)


def test_the_public_layer_function_passes_its_method_to_every_chunk():
    """``method=`` reaches the chunk calls: a bad one is refused as the unchunked call refuses it."""
    func = NN_FUNCTIONS[2]
    x, w = da.zeros((1, 1, 8, 8), chunks=4), np.ones((1, 1, 3, 3))
    with pytest.raises(ValueError, match="method"):
        func(np.zeros((1, 1, 8, 8)), w, method="bogus")
    with pytest.raises(ValueError, match="method"):
        func(x, w, method="bogus")


def test_a_dask_bias_alone_routes_the_public_layer_function_to_dask():
    rng = np.random.default_rng(3)
    func = NN_FUNCTIONS[1]
    x, w, b = floats(rng, (2, 2, 12)), floats(rng, (3, 2, 3)), floats(rng, (3,))
    result = func(x, w, da.from_array(b, chunks=1))
    assert isinstance(result, da.Array)
    bound = nn_difference_bound(func, x, w, b, dtype="float64")
    assert_within(bound, result.compute(scheduler="synchronous"), func(x, w, b))
