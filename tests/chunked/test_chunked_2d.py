"""Chunked convolve2d/correlate2d: every boundary rule, mode and chunking against a brute-force oracle.

The oracle is written apart from convalg: Python-integer sums over the definition, with the
boundary rule read from scipy's documentation (``'fill'`` pads with ``fillvalue``, ``'wrap'``
repeats ``in1`` periodically, ``'symm'`` mirrors it with the edge sample repeated), and the
mode's window as scipy centres it (``correlate2d`` centres 'same' half a sample later).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

da = pytest.importorskip("dask.array", reason="the chunked path needs the dask extra: pip install 'convalg[dask]'")

import convalg  # noqa: E402

FUNCTIONS = {"convolve2d": convalg.convolve2d, "correlate2d": convalg.correlate2d}
MODES = ("full", "same", "valid")
BOUNDARIES = (("fill", 0), ("fill", -7), ("wrap", 0), ("symm", 0))


def _source(i: int, n: int, boundary: str) -> int | None:
    """The index of ``in1`` that position ``i`` (possibly outside ``[0, n)``) reads; None for fill."""
    if 0 <= i < n:
        return i
    if boundary == "fill":
        return None
    if boundary == "wrap":
        return i % n
    i %= 2 * n  # 'symm': ... c b a | a b c | c b a ... has period 2n
    return i if i < n else 2 * n - 1 - i


def _oracle(name, in1, in2, mode, boundary, fillvalue):
    """convolve2d/correlate2d by the definition, in Python integers."""
    a = [[int(v) for v in row] for row in in1.tolist()]
    k = [[int(v) for v in row] for row in in2.tolist()]
    (n0, n1), (k0, k1) = in1.shape, in2.shape
    if mode == "valid" and (k0 > n0 or k1 > n1):
        return _oracle_swapped_valid(name, in1, in2)
    if name == "correlate2d":
        k = [row[::-1] for row in k[::-1]]  # integer inputs: the conjugate is the value itself

    def window(n, m):
        full = n + m - 1
        if mode == "full":
            return 0, full
        if mode == "valid":
            return m - 1, n - m + 1
        start = (full - n) // 2  # 'same': centred on in1's length
        if name == "correlate2d" and (full - n) % 2:
            start += 1
        return start, n

    (s0, l0), (s1, l1) = window(n0, k0), window(n1, k1)
    out = np.zeros((l0, l1), dtype=object)
    for o0 in range(l0):
        for o1 in range(l1):
            total = 0
            for j0 in range(k0):
                for j1 in range(k1):
                    i0, i1 = _source(s0 + o0 - j0, n0, boundary), _source(s1 + o1 - j1, n1, boundary)
                    value = fillvalue if i0 is None or i1 is None else a[i0][i1]
                    total += value * k[j0][j1]
            out[o0, o1] = total
    return out


def _oracle_swapped_valid(name, in1, in2):
    """'valid' with the larger ``in2``: scipy swaps the inputs (a correlation is also reversed)."""
    swapped = _oracle(name, in2, in1, "valid", "fill", 0)
    return swapped if name == "convolve2d" else swapped[::-1, ::-1]


def _chunks(rng, n):
    sizes, left = [], n
    while left:
        sizes.append(int(rng.integers(1, left + 1)))
        left -= sizes[-1]
    return tuple(sizes)


def _call(func, in1, in2, order, chunks1, chunks2, **options):
    a = da.from_array(in1, chunks=chunks1) if order in ("dask in1", "both") else in1
    b = da.from_array(in2, chunks=chunks2) if order in ("dask in2", "both") else in2
    return func(a, b, **options)


# (in1 shape, in2 shape, in1 chunks): uneven chunks, chunks smaller than the kernel, a kernel
# larger than the image (the boundary extension then repeats the image several times)
CASES = [
    ((9, 11), (3, 4), ((4, 1, 4), (2, 6, 3))),
    ((7, 8), (5, 2), 1),
    ((3, 2), (7, 6), (2, 1)),
    ((6, 6), (6, 6), -1),
]


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("boundary", "fillvalue"), BOUNDARIES)
@pytest.mark.parametrize("order", ["dask in1", "dask in2", "both"])
@pytest.mark.parametrize(("shape1", "shape2", "chunks"), CASES)
def test_integer_results_equal_the_definition_exactly(name, mode, boundary, fillvalue, order, shape1, shape2, chunks):
    rng = np.random.default_rng(len(shape1) + shape1[0] * 7 + shape2[1])
    in1 = rng.integers(-50, 50, size=shape1).astype(np.int16)
    in2 = rng.integers(-50, 50, size=shape2).astype(np.int8)
    expected = _oracle(name, in1, in2, mode, boundary, fillvalue)
    result = _call(FUNCTIONS[name], in1, in2, order, chunks, 2, mode=mode, boundary=boundary, fillvalue=fillvalue)
    assert isinstance(result, da.Array)
    assert result.dtype == np.int64 and result.shape == expected.shape
    assert np.array_equal(result.compute(scheduler="synchronous"), expected.astype(np.int64))


@given(
    shapes=st.tuples(*[st.integers(1, 7)] * 4),
    name=st.sampled_from(sorted(FUNCTIONS)),
    mode=st.sampled_from(MODES),
    boundary=st.sampled_from(["fill", "wrap", "symm", "circular", "symmetric"]),
    fillvalue=st.integers(-(2**40), 2**40),
    order=st.sampled_from(["dask in1", "dask in2", "both"]),
    seed=st.integers(0, 2**16),
)
@example(shapes=(1, 1, 5, 5), name="correlate2d", mode="same", boundary="symm", fillvalue=0, order="dask in1", seed=0)
def test_any_chunking_and_boundary_gives_the_exact_integer_result(shapes, name, mode, boundary, fillvalue, order, seed):
    """A fillvalue far outside int8 must not wrap: the chunked path pads in the exact result type."""
    rng = np.random.default_rng(seed)
    in1 = rng.integers(-100, 100, size=shapes[:2]).astype(np.int8)
    in2 = rng.integers(-100, 100, size=shapes[2:]).astype(np.int8)
    func = FUNCTIONS[name]
    options = {"mode": mode, "boundary": boundary, "fillvalue": fillvalue}
    chunks1, chunks2 = (_chunks(rng, n) for n in shapes[:2]), (_chunks(rng, n) for n in shapes[2:])
    canonical = {"circular": "wrap", "symmetric": "symm"}.get(boundary, boundary)
    if (
        mode == "valid"
        and not (shapes[0] >= shapes[2] and shapes[1] >= shapes[3])
        and not (shapes[0] <= shapes[2] and shapes[1] <= shapes[3])
    ):
        with pytest.raises(ValueError, match="valid"):
            _call(func, in1, in2, order, tuple(chunks1), tuple(chunks2), **options)
        return
    expected = _oracle(name, in1, in2, mode, canonical, fillvalue if canonical == "fill" else 0)
    result = _call(func, in1, in2, order, tuple(chunks1), tuple(chunks2), **options)
    assert np.array_equal(result.compute(scheduler="synchronous"), expected.astype(np.int64))


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("boundary", "fillvalue"), [("fill", 0.25 - 0.5j), ("wrap", 0), ("symm", 0)])
@pytest.mark.parametrize("order", ["dask in1", "dask in2"])
def test_complex_results_agree_with_scipy_and_the_whole_array_result(name, mode, boundary, fillvalue, order):
    scipy_signal = pytest.importorskip("scipy.signal")
    rng = np.random.default_rng(3)
    in1 = rng.standard_normal((10, 9)) + 1j * rng.standard_normal((10, 9))
    in2 = rng.standard_normal((4, 3)) + 1j * rng.standard_normal((4, 3))
    options = {"mode": mode, "boundary": boundary, "fillvalue": fillvalue}
    chunked = _call(FUNCTIONS[name], in1, in2, order, ((3, 4, 3), (5, 4)), (1, 3), **options)
    result = chunked.compute(scheduler="synchronous")
    whole = FUNCTIONS[name](in1, in2, **options)
    expected = getattr(scipy_signal, name)(in1, in2, **options)
    assert result.dtype == whole.dtype == np.complex128
    scale = np.abs(in1).max() * np.abs(in2).sum() * 1e-13
    np.testing.assert_allclose(result, whole, rtol=0, atol=scale)
    np.testing.assert_allclose(result, expected, rtol=0, atol=scale)


def test_a_float16_fill_is_computed_in_float32_and_rounded_once_as_eagerly():
    rng = np.random.default_rng(4)
    in1, in2 = rng.standard_normal((12, 7)).astype(np.float16), rng.standard_normal((3, 3)).astype(np.float16)
    options = {"mode": "same", "boundary": "fill", "fillvalue": 0.1}
    result = convalg.convolve2d(da.from_array(in1, chunks=4), in2, **options)
    expected = convalg.convolve2d(in1, in2, **options)
    assert result.dtype == expected.dtype == np.float16
    # both round the same float32 sums once; the sums' order may differ by a float32 ulp
    np.testing.assert_allclose(result.compute(scheduler="synchronous"), expected, rtol=2e-3, atol=2e-3)


def test_the_result_is_lazy_and_keeps_the_image_chunks_in_same_mode():
    image = da.from_array(np.arange(80).reshape(8, 10), chunks=(3, 4))
    computed = []

    def refuse(*_args, **_kwargs):
        computed.append(True)
        raise AssertionError("the graph was computed while it was being built")

    import dask

    with dask.config.set(scheduler=refuse):
        result = convalg.correlate2d(image, np.ones((3, 5), int), mode="same", boundary="symm")
    assert not computed
    assert result.chunks == image.chunks


def test_an_empty_operand_with_a_fillvalue_reads_the_other_operand_lazily():
    kernel = np.arange(4).reshape(2, 2)
    result = convalg.convolve2d(da.ones((0, 3), chunks=2), da.from_array(kernel, chunks=1), "full", "fill", 2)
    expected = convalg.convolve2d(np.ones((0, 3)), kernel, "full", "fill", 2)
    assert isinstance(result, da.Array)
    assert np.array_equal(result.compute(scheduler="synchronous"), expected)
    assert np.array_equal(expected, [[12.0, 12.0, 12.0, 12.0]])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"boundary": "reflect"}, "boundary must be 'fill', 'wrap'"),
        ({"fillvalue": 1.5}, "fillvalue 1.5 is not an integer but the inputs are integers"),
        ({"fillvalue": 2.0**70}, "is outside the int64 range"),
        ({"mode": "middle"}, "Mode middle is invalid"),
    ],
)
def test_bad_arguments_get_the_eager_paths_error(options, message):
    image, kernel = np.arange(12).reshape(3, 4), np.ones((2, 2), int)
    with pytest.raises(ValueError, match=message) as eager:
        convalg.convolve2d(image, kernel, **options)
    with pytest.raises(ValueError, match=message) as chunked:
        convalg.convolve2d(da.from_array(image, chunks=2), kernel, **options)
    assert str(chunked.value) == str(eager.value)


def test_inputs_that_are_not_two_dimensional_are_refused_as_eagerly():
    with pytest.raises(ValueError, match="convolve2d inputs must both be 2-D arrays"):
        convalg.convolve2d(da.ones(5, chunks=2), np.ones(2))
