"""convalg.signal gives scipy.signal's shapes and dtypes, and values within the error bound
its plan names, on every backend, over grids of shapes, dtypes, modes, methods and axes."""

from __future__ import annotations

import numpy as np
import pytest
from signal_oracle import check

import convalg

SHAPES = [
    ((1,), (1,)),
    ((5,), (3,)),
    ((3,), (5,)),
    ((8,), (4,)),
    ((17,), (17,)),
    ((64,), (7,)),
    ((6, 5), (3, 2)),
    ((4, 4), (4, 4)),
    ((2, 9), (1, 4)),
    ((30, 40), (3, 3)),
    ((5, 4, 3), (2, 3, 2)),
]
MODES = ["full", "same", "valid"]
METHODS = ["auto", "direct", "fft", "oa"]


def _data(shape, dtype, seed):
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return rng.random(shape) < 0.5
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(max(info.min, -50), min(info.max, 50), size=shape, endpoint=True).astype(dtype)
    if dtype.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def _valid_ok(s1, s2):
    return all(a >= b for a, b in zip(s1, s2)) or all(b >= a for a, b in zip(s1, s2))


@pytest.mark.parametrize("dtype", ["f8", "c16"])
@pytest.mark.parametrize("function", ["convolve", "correlate"])
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("s1", "s2"), SHAPES, ids=str)
def test_every_shape_mode_and_method_matches_scipy_within_bound(backend, function, method, mode, s1, s2, dtype):
    a, b = _data(s1, dtype, 1), _data(s2, dtype, 2)
    if mode == "valid" and not _valid_ok(s1, s2):
        with pytest.raises(ValueError, match="at least as large"):  # as scipy
            getattr(convalg, function)(a, b, mode=mode, method=method, backend=backend)
        return
    result = getattr(convalg, function)(a, b, mode=mode, method=method, backend=backend)
    check(function, a, b, result, mode=mode, method=method, backend=backend)


DTYPES = [
    "f8",
    "f4",
    "c16",
    "c8",
    "i1",
    "i8",
    "u1",
    "u8",
    "?",
    "f2",
    ("f4", "i2"),
    ("c8", "f8"),
    ("i8", "u8"),
    ("?", "i4"),
]


@pytest.mark.parametrize("function", ["convolve", "correlate"])
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtypes", DTYPES, ids=str)
@pytest.mark.parametrize(("s1", "s2"), [((23,), (6,)), ((7, 6), (3, 4))], ids=str)
def test_dtypes_match_scipy_or_exact_rule(backend, function, method, dtypes, s1, s2):
    d1, d2 = (dtypes, dtypes) if isinstance(dtypes, str) else dtypes
    a, b = _data(s1, d1, 3), _data(s2, d2, 4)
    if backend == "array_api_strict" and "f2" in (d1, d2):
        with pytest.raises(TypeError, match="float16"):  # the library has no float16
            getattr(convalg, function)(a, b, mode="full", method=method, backend=backend)
        return
    result = getattr(convalg, function)(a, b, mode="full", method=method, backend=backend)
    check(function, a, b, result, mode="full", method=method, backend=backend)


@pytest.mark.parametrize("function", ["fftconvolve", "oaconvolve"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("s1", "s2", "axes"),
    [
        ((300,), (9,), None),
        ((9,), (300,), None),
        ((40, 3), (5, 3), 0),
        ((40, 3), (5, 1), [0]),
        ((3, 200), (1, 12), -1),
        ((3, 200), (3, 12), [1]),
        ((1, 50), (4, 7), [1]),
        ((64, 64), (5, 5), None),
        ((100, 30), (10, 3), (0, 1)),
        ((20, 6, 5), (3, 6, 2), [0, 2]),
    ],
    ids=str,
)
@pytest.mark.parametrize("dtype", ["f8", "f4", "c16", "i4"])
def test_frequency_domain_matches_scipy_within_bound(backend, function, mode, s1, s2, axes, dtype):
    conv = range(len(s1)) if axes is None else [ax % len(s1) for ax in np.atleast_1d(axes)]
    a, b = _data(s1, dtype, 5), _data(s2, dtype, 6)
    if mode == "valid" and not _valid_ok([s1[i] for i in conv], [s2[i] for i in conv]):
        with pytest.raises(ValueError, match="at least as large"):
            getattr(convalg, function)(a, b, mode=mode, axes=axes, backend=backend)
        return
    result = getattr(convalg, function)(a, b, mode=mode, axes=axes, backend=backend)
    check(function, a, b, result, mode=mode, axes=axes, backend=backend)


@pytest.mark.parametrize("function", ["convolve2d", "correlate2d"])
@pytest.mark.parametrize("boundary", ["fill", "wrap", "symm"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("s1", "s2"), [((6, 7), (3, 2)), ((5, 5), (4, 4)), ((2, 3), (5, 6)), ((9, 4), (2, 1))], ids=str
)
@pytest.mark.parametrize(("dtype", "fillvalue"), [("f8", 0), ("f8", 1.5), ("c16", 2 - 1j), ("i2", 3)])
def test_2d_boundaries_match_scipy(backend, function, boundary, mode, s1, s2, dtype, fillvalue):
    a, b = _data(s1, dtype, 7), _data(s2, dtype, 8)
    result = getattr(convalg, function)(a, b, mode=mode, boundary=boundary, fillvalue=fillvalue, backend=backend)
    check(function, a, b, result, mode=mode, boundary=boundary, fillvalue=fillvalue, backend=backend)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("n1", "n2"), [(1, 1), (5, 3), (3, 5), (6, 6), (7, 2), (2, 8)])
def test_correlation_lags_match_scipy(mode, n1, n2):
    import scipy.signal as ss

    assert np.array_equal(convalg.correlation_lags(n1, n2, mode), ss.correlation_lags(n1, n2, mode))
    # and they index the outputs of correlate: the lag of the peak of a shifted copy is the shift
    assert convalg.correlation_lags(n1, n2, mode).shape == convalg.correlate(np.ones(n1), np.ones(n2), mode=mode).shape


def test_correlation_lags_on_another_backend():
    lags = convalg.correlation_lags(4, 2, backend="array_api_strict")
    assert type(lags).__module__.startswith("array_api_strict")


def test_zero_rank_inputs_multiply_like_scipy(backend):
    out = convalg.correlate(np.array(2.0), np.array(3j), backend=backend)
    assert complex(convalg.backends.to_numpy(out)) == -6j
    out = convalg.convolve(np.array(100, np.int8), np.array(100, np.int8), backend=backend)
    assert int(convalg.backends.to_numpy(out)) == 10000


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "kernel",
    [
        np.outer([1.0, 2, 1], [1.0, 0, -1]),
        np.outer([1, 4, 6, 4, 1], [1, 2, 1]).astype(np.int64),
        np.multiply.outer(np.outer([1.0, 2], [3.0, 1, 0.5]), [1.0, -1]),
    ],
    ids=["sobel", "int-binomial", "3d"],
)
def test_separable_kernels_match_scipy_on_every_backend(backend, mode, kernel):
    from convalg.signal import plan

    a = _data((17, 12, 9)[: kernel.ndim], kernel.dtype, 9)
    assert plan("convolve", a, kernel, mode=mode, method="direct", backend=backend).method == "direct"
    for function in ("convolve", "correlate"):
        for method in ("auto", "direct"):  # auto also prices the separable passes
            result = getattr(convalg, function)(a, kernel, mode=mode, method=method, backend=backend)
            check(function, a, kernel, result, mode=mode, method=method, backend=backend)
