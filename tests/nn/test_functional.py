"""conv1d/conv2d/conv3d compute PyTorch's convolution (a cross-correlation) on every backend."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from convalg import backends
from convalg._runtime import parallel as runtime_parallel
from convalg.nn import _cost, _geometry, _im2col, _layout, _shifted
from convalg.nn import functional as F

from ._reference import direct_bound, fft_bound, padding_amounts, reference_conv

CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
SPATIAL = {1: (9,), 2: (7, 6), 3: (5, 6, 4)}
KERNEL = {1: (3,), 2: (3, 2), 3: (2, 3, 2)}


def _settings():
    for nd, stride, padding, dilation, groups in itertools.product(
        (1, 2, 3), (1, 2), (0, 1, "same", "valid"), (1, 2), (1, 2)
    ):
        if padding == "same" and stride != 1:
            continue
        yield pytest.param(
            nd, stride, padding, dilation, groups, id=f"{nd}d-s{stride}-p{padding}-d{dilation}-g{groups}"
        )


SETTINGS = list(_settings())


def _case(rng, nd, groups, dtype="float64", bias=True):
    x = rng.standard_normal((2, 4) + SPATIAL[nd]).astype(dtype)
    w = rng.standard_normal((6, 4 // groups) + KERNEL[nd]).astype(dtype)
    b = rng.standard_normal(6).astype(dtype) if bias else None
    return x, w, b


@pytest.mark.parametrize(("nd", "stride", "padding", "dilation", "groups"), SETTINGS)
def test_direct_engine_matches_the_definition_within_the_direct_bound(rng, nd, stride, padding, dilation, groups):
    x, w, b = _case(rng, nd, groups)
    options = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    result = CONV[nd](x, w, b, method="direct", **options)
    reference = reference_conv(x, w, b, **options)
    bound = direct_bound(x, w, b, "float64", **options)
    assert result.shape == reference.shape
    assert bound.holds(result, reference), bound.ratio(result, reference)


@pytest.mark.parametrize(("nd", "stride", "padding", "dilation", "groups"), SETTINGS[::3])
def test_fft_engine_matches_the_definition_within_the_fft_bound(rng, nd, stride, padding, dilation, groups):
    x, w, _ = _case(rng, nd, groups)
    options = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    result = CONV[nd](x, w, method="fft", **options)
    reference = reference_conv(x, w, **options)
    pads = padding_amounts(padding, w.shape[2:], (dilation,) * nd)
    padded = tuple(n + a + c for n, (a, c) in zip(x.shape[2:], pads))
    import scipy.fft

    fft_shape = tuple(scipy.fft.next_fast_len(n, real=True) for n in padded)
    tolerance = fft_bound(x, w, "float64", fft_shape, groups) + float(
        np.linalg.norm(direct_bound(x, w, None, "float64", **options).value)
    )
    assert np.linalg.norm((result - reference).ravel()) <= tolerance


def test_float32_inputs_give_float32_results_within_the_float32_bound(rng):
    x, w, b = _case(rng, 2, 1, dtype="float32")
    result = F.conv2d(x, w, b, padding=1)
    assert result.dtype == np.float32
    reference = reference_conv(x, w, b, padding=1)
    assert direct_bound(x, w, b, "float32", padding=1).holds(result, reference)


def test_auto_chooses_fft_for_a_large_kernel_and_direct_for_a_small_one():
    assert _cost.choose_method(1, 1, 1, 1, (512, 512), (63, 63), (450, 450)) == "fft"
    assert _cost.choose_method(32, 1, 64, 64, (58, 58), (3, 3), (56, 56)) == "direct"


def test_numpy_window_fast_path_equals_the_generic_gathering(rng):
    import array_api_compat.numpy as xp

    x = rng.standard_normal((3, 2, 2, 11, 9))
    for kernel, stride, dilation in [((3, 2), (1, 1), (1, 1)), ((2, 3), (2, 3), (2, 1)), ((5, 5), (1, 1), (2, 2))]:
        out = _geometry.output_shape(x.shape[3:], kernel, stride, dilation)
        fast = _im2col.windows_numpy(x, kernel, stride, dilation, out)
        generic = _im2col.windows_generic(xp, x, kernel, stride, dilation, out)
        assert np.array_equal(fast, generic)


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("block", [2**21, 1])
def test_numpy_shifted_engine_equals_the_generic_windows_engine(rng, nd, block, monkeypatch):
    """The stride-1 NumPy fast path (contiguous shifted slices) against the generic im2col."""
    import array_api_compat.numpy as xp

    monkeypatch.setattr(_shifted, "SHIFTED_BLOCK", block)  # 1: one sample per chunk
    x = rng.standard_normal((3, 2, 2) + SPATIAL[nd])
    w = rng.standard_normal((2, 3, 2) + KERNEL[nd])
    for dilation in [(1,) * nd, (2,) + (1,) * (nd - 1)]:
        generic = _im2col.correlate_windows(xp, x, w, (1,) * nd, dilation)
        fast = _shifted.correlate_shifted_numpy(x, w, dilation)
        np.testing.assert_allclose(fast, generic, rtol=1e-13, atol=1e-13)
        out = generic.shape[3:]
        g = rng.standard_normal(generic.shape)
        columns = _im2col.windows_generic(xp, x, KERNEL[nd], (1,) * nd, dilation, out)
        expected = np.einsum("bgop,bgkp->gok", g.reshape(g.shape[:3] + (-1,)), columns).reshape(w.shape)
        weight_fast = _shifted.weight_correlate_shifted_numpy(x, g, KERNEL[nd], dilation)
        np.testing.assert_allclose(weight_fast, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("blocks", [(2**21, 2**18), (1, 2**18), (2**21, 1)])  # samples, rows by columns, by product
@pytest.mark.parametrize("parallel", [False, True])
def test_numpy_shifted_engine_pads_crops_and_adds_the_bias_inside_its_blocks(rng, nd, blocks, parallel, monkeypatch):
    """Padding, the bias (a row of ones in the product) and cropping happen per block, on the
    blocks' threads; whatever the blocking, the result is compact and equals the generic engine
    on the zero-padded input plus the bias, and the input is left untouched."""
    import array_api_compat.numpy as xp

    monkeypatch.setattr(_shifted, "SHIFTED_BLOCK", blocks[0])
    monkeypatch.setattr(_shifted, "PRODUCT_BLOCK", blocks[1])
    if parallel:
        monkeypatch.setattr(runtime_parallel, "PARALLEL_MIN_PRODUCTS", 0)
    x = rng.standard_normal((3, 2, 2) + SPATIAL[nd])
    w = rng.standard_normal((2, 3, 2) + KERNEL[nd])
    bias = rng.standard_normal((2, 3))
    before, after = (1,) + (2,) * (nd - 1), (2,) + (0,) * (nd - 1)
    original = x.copy()
    for dilation in [(1,) * nd, (2,) + (1,) * (nd - 1)]:
        padded = _layout.pad(xp, x, before, after)
        generic = _im2col.correlate_windows(xp, padded, w, (1,) * nd, dilation)
        fast = _shifted.correlate_shifted_numpy(x, w, dilation, before, after, bias)
        assert fast.flags.c_contiguous and fast.shape == generic.shape
        np.testing.assert_allclose(fast, generic + bias.reshape((1, 2, 3) + (1,) * nd), rtol=1e-13, atol=1e-13)
    assert np.array_equal(x, original)


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("parallel", [False, True])
@pytest.mark.parametrize("column_block", [2**23, 200])  # 200: the batch's columns do not fit one block
def test_numpy_small_windows_engine_equals_the_generic_windows_engine(rng, nd, parallel, column_block, monkeypatch):
    """The NumPy engine for calls whose columns fit one block (one sliding_window_view copy and one
    product per sample block, the bias folded into the product) against the generic im2col."""
    import array_api_compat.numpy as xp

    if parallel:  # blocks on every core from the smallest call
        monkeypatch.setattr(_im2col, "SMALL_PARALLEL_MIN_PRODUCTS", 0)
    x = rng.standard_normal((5, 2, 2) + SPATIAL[nd])
    w = rng.standard_normal((2, 3, 2) + KERNEL[nd])
    bias = rng.standard_normal((2, 3))
    ones = (1,) * nd
    for stride, dilation in [(ones, ones), ((2,) * nd, ones), ((1,) + (2,) * (nd - 1), (2,) + ones[1:])]:
        generic = _im2col.correlate_windows(xp, x, w, stride, dilation)
        monkeypatch.setattr(_im2col, "COLUMN_BLOCK", column_block)
        fast = _im2col.correlate_windows_numpy(x, w, stride, dilation)
        np.testing.assert_allclose(fast, generic, rtol=1e-13, atol=1e-13)
        with_bias = _im2col.correlate_windows_numpy(x, w, stride, dilation, bias)
        np.testing.assert_allclose(with_bias, generic + bias.reshape((1, 2, 3) + ones), rtol=1e-13, atol=1e-13)
        assert with_bias.flags.c_contiguous
        monkeypatch.setattr(_im2col, "COLUMN_BLOCK", 2**23)


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_two_pass_window_copy_equals_the_generic_gathering(rng, nd):
    import array_api_compat.numpy as xp

    x = rng.standard_normal((2, 2, 3) + (11, 10, 9)[:nd])
    for kernel, stride, dilation in [
        ((3, 2, 2), (1, 1, 1), (1, 1, 1)),
        ((2, 3, 1), (2, 3, 1), (2, 1, 3)),
        ((1, 3, 2), (1, 2, 2), (3, 2, 1)),
    ]:
        kernel, stride, dilation = kernel[:nd], stride[:nd], dilation[:nd]
        out = _geometry.output_shape(x.shape[3:], kernel, stride, dilation)
        destination = np.full(x.shape[:3] + kernel + out, np.nan)
        _im2col.copy_windows_numpy(x, kernel, stride, dilation, out, destination)
        generic = _im2col.windows_generic(xp, x, kernel, stride, dilation, out)
        assert np.array_equal(destination.reshape(generic.shape), generic)


def test_small_images_with_few_taps_per_output_channel_take_the_small_windows_engine(rng, monkeypatch):
    """The benchmark's MNIST shape (1 input channel, 5x5 taps, 32 outputs: the shifted path does
    not pay) runs on the small windows engine, bias included, and matches the definition."""
    calls = []
    engine = _im2col.correlate_windows_numpy
    monkeypatch.setattr(_im2col, "correlate_windows_numpy", lambda *a: calls.append(a[-1]) or engine(*a))
    x = rng.standard_normal((4, 1, 12, 12)).astype("float32")
    w = rng.standard_normal((32, 1, 5, 5)).astype("float32")
    b = rng.standard_normal(32).astype("float32")
    result = F.conv2d(x, w, b)
    assert len(calls) == 1 and calls[0] is not None  # the bias went into the product
    assert result.dtype == np.float32
    assert direct_bound(x, w, b, "float32").holds(result, reference_conv(x, w, b))


def test_a_product_part_whose_worker_never_starts_is_computed_by_the_calling_thread(rng, monkeypatch):
    """The small engine splits its product by samples over the cores; with every worker busy the
    calling thread takes the parts back instead of waiting, and the result is unchanged."""
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    x = rng.standard_normal((6, 1, 2, 9, 8))
    w = rng.standard_normal((1, 3, 2, 3, 3))
    bias = rng.standard_normal((1, 3))
    expected = _im2col.correlate_windows_numpy(x, w, (1, 1), (1, 1), bias)
    pool = ThreadPoolExecutor(max_workers=1)
    release = threading.Event()
    pool.submit(release.wait, 10.0)  # the only worker is busy for up to 10 s
    monkeypatch.setattr(runtime_parallel, "_POOL", pool)
    monkeypatch.setattr(runtime_parallel, "_CORES", 3)
    monkeypatch.setattr(_im2col, "SMALL_PARALLEL_MIN_PRODUCTS", 0)
    try:
        start = time.perf_counter()
        result = _im2col.correlate_windows_numpy(x, w, (1, 1), (1, 1), bias)
        assert time.perf_counter() - start < 5.0
    finally:
        release.set()
        pool.shutdown()
    np.testing.assert_allclose(result, expected, rtol=1e-13, atol=1e-13)


def test_generic_gathering_by_positions_equals_gathering_by_taps(rng):
    """When the output is smaller than the kernel, windows are gathered per position instead."""
    import array_api_compat.numpy as xp

    x = rng.standard_normal((2, 1, 3, 12, 10))
    kernel, out = (10, 9), (3, 2)
    by_positions = _im2col.windows_generic(xp, x, kernel, (1, 1), (1, 1), out)
    fast = _im2col.windows_numpy(x, kernel, (1, 1), (1, 1), out)
    assert np.array_equal(by_positions, fast)


def _small_integers(rng, shape):
    """Floats that are small integers: every product and partial sum of a convolution of them is
    exact, so any summation order (BLAS kernels differ by CPU and by block shape) gives the same
    bits, and results can be compared for equality with each other and with the definition."""
    return rng.integers(-8, 9, shape).astype(np.float64)


def test_batches_are_chunked_without_changing_the_result(rng, monkeypatch):
    x, w, b = (_small_integers(rng, a.shape) for a in _case(rng, 2, 2))
    options = dict(groups=2, padding=1)
    whole = F.conv2d(x, w, b, **options)
    g = _small_integers(rng, whole.shape)
    whole_grads = F.conv2d_grad(g, x, w, **options)
    monkeypatch.setattr(_im2col, "COLUMN_BLOCK", 1)  # one sample per chunk
    monkeypatch.setattr(_shifted, "SHIFTED_BLOCK", 1)
    np.testing.assert_array_equal(F.conv2d(x, w, b, **options), whole)
    np.testing.assert_array_equal(whole, reference_conv(x, w, b, **options))
    for chunked, whole_grad in zip(F.conv2d_grad(g, x, w, **options), whole_grads):
        np.testing.assert_array_equal(chunked, whole_grad)


@pytest.mark.parametrize("method", ["direct", "fft"])
def test_every_backend_computes_the_numpy_result(backend, rng, method):
    x, w, b = _case(rng, 2, 2)
    options = dict(stride=(2, 1), padding=1, dilation=(1, 2), groups=2)
    expected = F.conv2d(x, w, b, method=method, **options)
    _, (xb, wb, bb) = backends.namespace(x, w, b, backend=backend)
    result = F.conv2d(xb, wb, bb, method=method, **options)
    assert backends.library_name(__import__("array_api_compat").array_namespace(result)) == backend
    np.testing.assert_allclose(backends.to_numpy(result), expected, rtol=1e-12, atol=1e-12)
    g = np.ones(expected.shape)
    _, (gb,) = backends.namespace(g, backend=backend)
    for got, want in zip(
        F.conv2d_grad(gb, xb, wb, method=method, **options), F.conv2d_grad(g, x, w, method=method, **options)
    ):
        np.testing.assert_allclose(backends.to_numpy(got), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("stride", [1, (2, 3)])
def test_blocking_samples_and_rows_keeps_every_result(backend, rng, monkeypatch, stride):
    """With a tiny column budget the engines split samples and output rows; nothing changes."""
    x, w, b = _case(rng, 2, 2)
    x = np.concatenate([x, x[:, :, ::-1]], axis=2)  # 14 rows, so there are several row blocks
    options = dict(stride=stride, padding=1, dilation=(2, 1), groups=2)
    expected = F.conv2d(x, w, b, method="direct", **options)
    g = rng.standard_normal(expected.shape)
    expected_grads = F.conv2d_grad(g, x, w, method="direct", **options)
    wide = np.concatenate([w] * 2, axis=0)  # 12 outputs: the shift-and-add input gradient
    g_wide = rng.standard_normal((2, 12) + expected.shape[2:])
    expected_wide = F.conv2d_grad(g_wide, x, wide, method="direct", **options)
    monkeypatch.setattr(_im2col, "COLUMN_BLOCK", 40)
    monkeypatch.setattr(_shifted, "SHIFTED_BLOCK", 40)
    _, (xb, wb, bb, gb, wideb, g_wideb) = backends.namespace(x, w, b, g, wide, g_wide, backend=backend)
    np.testing.assert_allclose(
        backends.to_numpy(F.conv2d(xb, wb, bb, method="direct", **options)), expected, rtol=1e-12, atol=1e-12
    )
    for got, want in zip(F.conv2d_grad(gb, xb, wb, method="direct", **options), expected_grads):
        np.testing.assert_allclose(backends.to_numpy(got), want, rtol=1e-12, atol=1e-12)
    for got, want in zip(F.conv2d_grad(g_wideb, xb, wideb, method="direct", **options), expected_wide):
        np.testing.assert_allclose(backends.to_numpy(got), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("with_bias", [False, True])
def test_numpy_results_are_compact_arrays_not_views_of_a_padded_buffer(rng, with_bias):
    x, w, b = _case(rng, 2, 1)
    y = F.conv2d(x, w, b if with_bias else None, padding=1)
    gx, gw, gb = F.conv2d_grad(np.ones_like(y), x, w, padding=1)
    for a in (y, gx, gw, gb):
        assert a.flags.c_contiguous and (a.base is None or a.base.size == a.size)


@pytest.mark.parametrize("controller", ["threadpoolctl", "absent"])
@pytest.mark.parametrize(("stride", "out_channels"), [(1, 6), ((2, 1), 6), (1, 2)])
def test_blocks_on_every_core_give_the_results_of_blocks_in_turn(rng, monkeypatch, controller, stride, out_channels):
    """Large calls run their blocks on a thread per core (single-threaded BLAS each); without
    threadpoolctl they run in turn. Either way the results are those of the same blocks run in
    turn (stride 1: the shifted fast path; stride 2: the windows engine; 6 outputs from 4
    inputs: the shift-and-add input gradient; 2 outputs: the flipped-kernel correlation), bit
    for bit: the data are small integers, exact in any summation order, so a block computed
    twice, lost or written to the wrong place shows on any CPU and BLAS."""
    x = _small_integers(rng, (6, 4, 7, 6))
    w = _small_integers(rng, (out_channels, 2, 3, 2))
    b = _small_integers(rng, (out_channels,))
    options = dict(padding=1, groups=2, stride=stride)
    g = _small_integers(rng, F.conv2d(x, w, b, **options).shape)
    monkeypatch.setattr(_shifted, "SHIFTED_BLOCK", 100)  # many blocks
    monkeypatch.setattr(_im2col, "COLUMN_BLOCK", 200)
    monkeypatch.setattr(runtime_parallel, "_CORES", 1)
    in_turn = F.conv2d(x, w, b, method="direct", **options), F.conv2d_grad(g, x, w, method="direct", **options)
    monkeypatch.setattr(runtime_parallel, "_CORES", 2)
    monkeypatch.setattr(runtime_parallel, "PARALLEL_MIN_PRODUCTS", 0)
    if controller == "absent":
        monkeypatch.setattr(runtime_parallel, "_CONTROLLER", False)
    np.testing.assert_array_equal(F.conv2d(x, w, b, method="direct", **options), in_turn[0])
    for got, want in zip(F.conv2d_grad(g, x, w, method="direct", **options), in_turn[1]):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(in_turn[0], reference_conv(x, w, b, **options))


def test_inputs_are_not_modified(rng):
    x, w, b = _case(rng, 2, 1)
    copies = [a.copy() for a in (x, w, b)]
    y = F.conv2d(x, w, b, padding=2, dilation=2)
    F.conv2d_grad(np.ones_like(y), x, w, padding=2, dilation=2)
    for original, copy in zip((x, w, b), copies):
        assert np.array_equal(original, copy)


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        (dict(input=np.ones((1, 2, 5))), ValueError, "input must have 4 dimensions"),
        (dict(weight=np.ones((3, 2, 3))), ValueError, "weight must have 4 dimensions"),
        (dict(weight=np.ones((3, 1, 3, 3))), ValueError, "weight.shape[1] must be 2"),
        (dict(groups=2, weight=np.ones((3, 1, 3, 3))), ValueError, "groups=2 must divide"),
        (dict(groups=0), ValueError, "groups must be a positive int"),
        (dict(groups=2.0), TypeError, "groups must be a positive int; got 2.0"),
        (dict(groups=True), TypeError, "groups must be a positive int; got True"),
        (dict(groups=np.True_), TypeError, "groups must be a positive int"),
        (dict(stride=0), ValueError, "stride must be >= 1"),
        (dict(stride=(1, 2, 3)), ValueError, "stride must be an int or a tuple of 2 ints"),
        (dict(stride=1.5), TypeError, "stride must be an int"),
        (dict(stride=True), TypeError, "stride must be an int or a tuple of 2 ints; got True"),
        (dict(stride=(1, np.True_)), TypeError, "stride must be an int or a tuple of 2 ints"),
        (dict(stride=np.array([1, 1])), TypeError, "stride must be an int or a tuple of 2 ints"),
        (dict(dilation=False), TypeError, "dilation must be an int or a tuple of 2 ints; got False"),
        (dict(padding=True), TypeError, "padding must be an int or a tuple of 2 ints; got True"),
        (dict(padding=-1), ValueError, "padding must be >= 0"),
        (dict(padding=(np.int64(-1), 0)), ValueError, "padding must be >= 0"),
        (dict(padding="full"), ValueError, "padding must be an int, a tuple, 'same' or 'valid'"),
        (dict(padding="same", stride=2), ValueError, "padding='same' needs stride 1"),
        (dict(dilation=9), ValueError, "larger than the padded input"),
        (dict(input=np.ones((1, 2, 5, 5), dtype=np.int64)), TypeError, "input must be a real floating-point"),
        (dict(bias=np.ones(4)), ValueError, "bias must have shape (3,)"),
        (dict(method="winograd"), ValueError, "method must be one of"),
    ],
)
def test_bad_input_raises_a_typed_error_naming_the_argument(kwargs, error, words):
    arguments = dict(input=np.ones((1, 2, 5, 5)), weight=np.ones((3, 2, 3, 3)), bias=None)
    arguments.update(kwargs)
    with pytest.raises(error) as info:
        F.conv2d(**arguments)
    assert words in str(info.value)


def test_numpy_integer_options_are_python_ints_to_every_operation(rng):
    """PyTorch takes NumPy integers for stride, padding, dilation and groups; so do the
    operations, their gradients and the layers, with the results of the Python ints."""
    x, w, b = (_small_integers(rng, a.shape) for a in _case(rng, 2, 2))
    plain = dict(stride=(2, 1), padding=1, dilation=(1, 2), groups=2)
    numpy_ints = dict(
        stride=(np.int64(2), np.uint8(1)), padding=np.int32(1), dilation=[np.int16(1), 2], groups=np.int64(2)
    )
    expected = F.conv2d(x, w, b, **plain)
    np.testing.assert_array_equal(F.conv2d(x, w, b, **numpy_ints), expected)
    g = _small_integers(rng, expected.shape)
    for got, want in zip(F.conv2d_grad(g, x, w, **numpy_ints), F.conv2d_grad(g, x, w, **plain)):
        np.testing.assert_array_equal(got, want)
    from convalg import nn

    layer = nn.Conv2d(np.int64(4), np.int32(6), (np.int64(3), 2), seed=0, **numpy_ints)
    assert layer(x).shape == expected.shape
    with pytest.raises(TypeError, match="in_channels must be a positive int; got True"):
        nn.Conv2d(True, 6, 3)


def test_grad_output_of_the_wrong_shape_is_rejected():
    with pytest.raises(ValueError, match=r"grad_output must have the output's shape \(1, 3, 3, 3\)"):
        F.conv2d_grad(np.ones((1, 3, 4, 4)), np.ones((1, 2, 5, 5)), np.ones((3, 2, 3, 3)))


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize(("nd", "stride", "padding", "dilation", "groups"), SETTINGS[::2])
def test_forward_and_gradients_agree_with_torch_autograd(rng, nd, stride, padding, dilation, groups):
    torch = pytest.importorskip("torch", reason="torch is the optional oracle (pip install 'convalg[torch]')")
    x, w, b = _case(rng, nd, groups)
    options = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    ty = getattr(torch.nn.functional, f"conv{nd}d")(tx, tw, tb, **options)
    g = rng.standard_normal(tuple(ty.shape))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(CONV[nd](x, w, b, **options), ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    grads = getattr(F, f"conv{nd}d_grad")(g, x, w, **options)
    for ours, theirs in zip(grads, (tx.grad, tw.grad, tb.grad)):
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-12, atol=1e-12)


@st.composite
def _convolutions(draw):
    """A random valid convolution call: shapes, stride, padding, dilation and groups."""
    nd = draw(st.integers(1, 3))
    groups = draw(st.integers(1, 3))
    channels = groups * draw(st.integers(1, 2))
    out_channels = groups * draw(st.integers(1, 2))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    padding = draw(st.one_of(st.sampled_from(["valid", "same"]), st.integers(0, 2)))
    if padding == "same":
        stride = (1,) * nd
    pads = padding_amounts(padding, kernel, dilation)
    spatial = tuple(
        draw(st.integers(max(1, d * (k - 1) + 1 - a - b), 7)) for k, d, (a, b) in zip(kernel, dilation, pads)
    )
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((draw(st.integers(1, 2)), channels) + spatial)
    w = rng.standard_normal((out_channels, channels // groups) + kernel)
    b = rng.standard_normal(out_channels) if draw(st.booleans()) else None
    options = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    return nd, x, w, b, options


@given(_convolutions())
def test_any_valid_call_matches_the_definition_within_the_direct_bound(call):
    nd, x, w, b, options = call
    result = CONV[nd](x, w, b, method="direct", **options)
    reference = reference_conv(x, w, b, **options)
    bound = direct_bound(x, w, b, "float64", **options)
    assert result.shape == reference.shape
    assert bound.holds(result, reference), bound.ratio(result, reference)
