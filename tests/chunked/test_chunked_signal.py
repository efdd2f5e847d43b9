"""Chunked scipy.signal-style convolution equals the whole-array result, lazily, for any chunking."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

da = pytest.importorskip("dask.array", reason="the chunked path needs the dask extra: pip install 'convalg[dask]'")

from chunked_support import (  # noqa: E402
    SIGNAL_FUNCTIONS,
    assert_chunked_within_bounds,
    assert_within,
    floats,
    integers,
)

import convalg  # noqa: E402
from convalg import chunked, errorbounds  # noqa: E402
from convalg.testing import reference, tolerance  # noqa: E402

MODES = ("full", "same", "valid")

# (signal shape, kernel shape, chunks): uneven chunks, chunks smaller than the kernel, one chunk
CASES = {
    1: [((23,), (5,), (4, 7, 1, 6, 5)), ((17,), (6,), 2), ((9,), (4,), -1)],
    2: [((13, 11), (3, 4), ((5, 1, 7), (2, 6, 3))), ((9, 10), (5, 2), 3)],
    3: [((7, 6, 5), (3, 2, 3), ((3, 4), (1, 2, 3), 2)), ((5, 6, 7), (2, 3, 2), (5, (4, 2), (3, 4)))],
}
SHAPES = [pytest.param(nd, *case, id=f"{nd}d-{i}") for nd, cases in CASES.items() for i, case in enumerate(cases)]


@pytest.mark.parametrize("name", ["convolve", "correlate"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("ndim", "shape", "kernel_shape", "chunks"), SHAPES)
def test_integer_results_equal_the_whole_array_result_exactly(name, mode, ndim, shape, kernel_shape, chunks):
    rng = np.random.default_rng(ndim)
    func = SIGNAL_FUNCTIONS[name]
    x, k = integers(rng, shape, np.int32), integers(rng, kernel_shape, np.int16)
    result = func(da.from_array(x, chunks=chunks), k, mode=mode)
    expected = func(x, k, mode=mode)
    assert isinstance(result, da.Array)
    assert result.shape == expected.shape and result.dtype == expected.dtype == np.int64
    assert errorbounds.exact(expected.dtype).holds(result.compute(scheduler="synchronous"), expected)


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("convolve", "auto"),
        ("correlate", "auto"),
        ("convolve", "direct"),
        ("correlate", "fft"),
        ("fftconvolve", None),
        ("oaconvolve", None),
    ],
)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", ["float32", "complex128"])
@pytest.mark.parametrize(("ndim", "shape", "kernel_shape", "chunks"), SHAPES)
def test_float_blocks_are_within_their_plans_bounds_of_exact_and_of_the_whole_result(
    name, method, mode, dtype, ndim, shape, kernel_shape, chunks
):
    """Each block's bound is that of the plan convalg makes for the block's own input piece."""
    rng = np.random.default_rng(10 + ndim)
    func = SIGNAL_FUNCTIONS[name]
    x, k = floats(rng, shape, dtype), floats(rng, kernel_shape, dtype)
    options = {} if method is None else {"method": method}
    result = func(da.from_array(x, chunks=chunks), k, mode=mode, **options)
    expected = func(x, k, mode=mode, **options)
    assert result.shape == expected.shape and result.dtype == expected.dtype
    computed = result.compute(scheduler="synchronous")
    assert_chunked_within_bounds(name, x, k, computed, result.chunks, expected, mode=mode, **options)


@pytest.mark.parametrize("name", ["convolve", "correlate"])
@pytest.mark.parametrize("mode", MODES)
def test_a_larger_dask_second_operand_gives_the_same_result(name, mode):
    """``convolve(small, big)``: the roles swap, and the mode's window is cut from the full result."""
    rng = np.random.default_rng(3)
    func = SIGNAL_FUNCTIONS[name]
    small, big = integers(rng, (4, 3)), integers(rng, (15, 12))
    result = func(small, da.from_array(big, chunks=(4, 5)), mode=mode)
    expected = func(small, big, mode=mode)
    assert result.shape == expected.shape
    assert errorbounds.exact(np.int64).holds(result.compute(scheduler="synchronous"), expected)
    # complex: correlation's reversal and conjugation; direct sums have one order-free bound
    small = small + 1j * integers(rng, (4, 3))
    result = func(small, da.from_array(big, chunks=(4, 5)), mode=mode, method="direct")
    op = "correlation" if name == "correlate" else "convolution"
    bound = tolerance(small, big, op=op, mode=mode, method="direct")
    assert_within(bound, result.compute(scheduler="synchronous"), reference(small, big, op=op, mode=mode))


@pytest.mark.parametrize("mode", MODES)
def test_unconvolved_axes_broadcast_and_split_the_kernel_by_chunk(mode):
    """fftconvolve(axes=1): each row is its own 1-D convolution, in every chunk of rows."""
    rng = np.random.default_rng(4)
    func = SIGNAL_FUNCTIONS["fftconvolve"]
    x, k = floats(rng, (6, 40)), floats(rng, (6, 5))
    for kernel in (k, k[:1]):
        result = func(da.from_array(x, chunks=(4, 9)), kernel, mode=mode, axes=1)
        expected = func(x, kernel, mode=mode, axes=1)
        assert result.shape == expected.shape and result.chunks[0] == (4, 2)
        computed = result.compute(scheduler="synchronous")
        for row in range(6):
            row_kernel = kernel[min(row, len(kernel) - 1)][None]
            assert_chunked_within_bounds(
                "fftconvolve",
                x[row][None],
                row_kernel,
                computed[row][None],
                ((1,),) + result.chunks[1:],
                expected[row][None],
                mode=mode,
            )


def test_a_small_dask_kernel_is_broadcast_as_one_block():
    rng = np.random.default_rng(5)
    x, k = integers(rng, (30,)), integers(rng, (7,))
    func = SIGNAL_FUNCTIONS["convolve"]
    result = func(da.from_array(x, chunks=8), da.from_array(k, chunks=3))
    assert errorbounds.exact(np.int64).holds(result.compute(scheduler="synchronous"), func(x, k))


def test_a_dask_kernel_larger_than_the_limit_is_refused_with_its_size(monkeypatch):
    monkeypatch.setattr(chunked, "MAX_KERNEL_BYTES", 1000)
    x = da.zeros(10_000, chunks=1000)
    kernel = da.zeros(200, chunks=50)  # 1600 bytes
    with pytest.raises(ValueError, match=r"the kernel is a dask array of shape \(200,\).*MAX_KERNEL_BYTES"):
        SIGNAL_FUNCTIONS["convolve"](x, kernel)


def test_the_result_is_lazy_until_computed():
    computed = []

    def chunk(block_info=None):
        computed.append(block_info[None]["chunk-location"])
        return np.ones(block_info[None]["chunk-shape"])

    x = da.map_blocks(chunk, chunks=((5, 5, 5),), dtype=float, meta=np.empty(0))
    result = SIGNAL_FUNCTIONS["convolve"](x, np.ones(3), mode="same")
    assert isinstance(result, da.Array) and computed == []
    values = result.compute(scheduler="synchronous")
    assert len(computed) == 3
    assert errorbounds.exact(np.int64).holds(values.astype(np.int64), [2] + [3] * 13 + [2])


@pytest.mark.parametrize("name", ["oaconvolve", "convolve"])
def test_threaded_scheduler_results_are_within_the_block_bounds(name):
    rng = np.random.default_rng(12)
    x, k = floats(rng, (12, 10, 9), "float32"), floats(rng, (3, 2, 4), "float32")
    result = SIGNAL_FUNCTIONS[name](da.from_array(x, chunks=(5, (3, 7), 4)), k, mode="full")
    computed = result.compute(scheduler="threads", num_workers=2)
    expected = SIGNAL_FUNCTIONS[name](x, k, mode="full")
    assert_chunked_within_bounds(name, x, k, computed, result.chunks, expected, mode="full")


def test_threaded_scheduler_gives_the_synchronous_result():
    rng = np.random.default_rng(6)
    x, k = integers(rng, (40, 30)), integers(rng, (5, 4))
    result = SIGNAL_FUNCTIONS["correlate"](da.from_array(x, chunks=(7, 6)), k, mode="same")
    threaded = result.compute(scheduler="threads", num_workers=2)
    assert errorbounds.exact(np.int64).holds(threaded, result.compute(scheduler="synchronous"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mode": "middle"}, "Mode middle is invalid: acceptable mode flags are 'valid', 'same', or 'full'"),
        ({"mode": "full", "axes": (0, 0)}, "axes must be unique"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    func = SIGNAL_FUNCTIONS["fftconvolve" if "axes" in kwargs else "convolve"]
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        chunked.apply(func, da.zeros((8, 8), chunks=4), np.ones((2, 2)), **kwargs)


def test_a_backend_dask_cannot_hold_is_refused_and_numpy_is_accepted():
    x, k = da.arange(12, chunks=5), np.array([1, 2, 3])
    with pytest.raises(ValueError, match="backend='array_api_strict' cannot compute dask chunks"):
        convalg.convolve(x, k, backend="array_api_strict")
    result = convalg.convolve(x, k, backend="numpy")
    assert errorbounds.exact(np.int64).holds(
        result.compute(scheduler="synchronous"), convalg.convolve(np.arange(12), k)
    )


def test_valid_mode_needs_one_operand_larger_along_every_axis():
    with pytest.raises(ValueError, match="For 'valid' mode, one must be at least as large as the other"):
        chunked.apply(SIGNAL_FUNCTIONS["convolve"], da.zeros((8, 2), chunks=4), np.ones((3, 3)), mode="valid")


def test_operands_of_different_rank_are_refused():
    with pytest.raises(ValueError, match="same dimensionality"):
        chunked.apply(SIGNAL_FUNCTIONS["convolve"], da.zeros((8, 8), chunks=4), np.ones(3))


def test_an_unknown_function_is_refused_by_name():
    def smooth(a, b):
        return a

    with pytest.raises(ValueError, match=r"func must be one of .*; got .smooth."):
        chunked.apply(smooth, da.zeros(4, chunks=2), np.ones(2))


def test_same_mode_keeps_the_signal_chunks():
    x = da.zeros((20, 13), chunks=((6, 6, 8), (5, 8)))
    for name in ("convolve", "correlate", "fftconvolve", "oaconvolve"):
        assert SIGNAL_FUNCTIONS[name](x, np.ones((3, 4)), mode="same").chunks == x.chunks


@st.composite
def _chunked_problems(draw):
    """A signal with random (uneven, possibly tiny) chunks, a kernel, a mode and an argument order."""
    ndim = draw(st.integers(1, 3))
    shape = tuple(draw(st.lists(st.integers(1, 12 if ndim < 3 else 6), min_size=ndim, max_size=ndim)))
    kernel_shape = tuple(draw(st.lists(st.integers(1, 5), min_size=ndim, max_size=ndim)))
    chunks = []
    for n in shape:
        sizes, left = [], n
        while left:
            sizes.append(draw(st.integers(1, left)))
            left -= sizes[-1]
        chunks.append(tuple(sizes))
    return shape, kernel_shape, tuple(chunks), draw(st.sampled_from(MODES)), draw(st.booleans())


@given(problem=_chunked_problems(), name=st.sampled_from(["convolve", "correlate"]), seed=st.integers(0, 2**16))
def test_any_chunking_of_either_operand_gives_the_exact_integer_result(problem, name, seed):
    shape, kernel_shape, chunks, mode, dask_second = problem
    rng = np.random.default_rng(seed)
    func = SIGNAL_FUNCTIONS[name]
    x, k = integers(rng, shape), integers(rng, kernel_shape)
    args = (k, da.from_array(x, chunks=chunks)) if dask_second else (da.from_array(x, chunks=chunks), k)
    try:
        expected = func(*[np.asarray(a) for a in args], mode=mode)
    except ValueError as error:  # 'valid' with neither operand larger: the same refusal
        with pytest.raises(ValueError, match="valid"):
            func(*args, mode=mode)
        assert "valid" in str(error)  # noqa: PT017 - scipy's refusal, compared after convalg's
        return
    result = func(*args, mode=mode)
    assert result.shape == expected.shape
    assert errorbounds.exact(np.int64).holds(result.compute(scheduler="synchronous"), expected)


_CUPY = convalg.backends.available()["cupy"]


@pytest.mark.gpu
@pytest.mark.skipif(not _CUPY.usable, reason=_CUPY.detail)
@pytest.mark.parametrize("mode", MODES)
def test_cupy_chunks_stay_on_the_device_and_give_the_exact_result(mode):
    """The NumPy-chunk tests above run the same code path; this one needs a CUDA device."""
    import cupy

    rng = np.random.default_rng(13)
    x, k = cupy.asarray(integers(rng, (30, 17))), cupy.asarray(integers(rng, (4, 3)))
    result = convalg.convolve(da.from_array(x, chunks=(7, 5)), k, mode=mode)
    assert type(result._meta).__module__.startswith("cupy")
    computed = result.compute(scheduler="synchronous")
    assert isinstance(computed, cupy.ndarray)
    expected = convalg.convolve(x, k, mode=mode)
    assert errorbounds.exact(np.int64).holds(computed.get(), expected.get())
