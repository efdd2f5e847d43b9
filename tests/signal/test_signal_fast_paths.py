"""Every fast path computes what the generic path computes: numpy.convolve for 1-D,
separable passes, overlap-add against one FFT; and hypothesis properties of the API."""

from __future__ import annotations

import array_api_compat.numpy
import numpy as np
import pytest
import scipy.signal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from signal_oracle import check, crop_like_scipy, exact_full

import convalg
from convalg import errorbounds
from convalg.signal import _direct, _direct_numpy, plan

xp_numpy = array_api_compat.numpy


def _regions(n, k):
    full = n + k - 1
    return [
        [(0, full)],
        [((k - 1) // 2, n)],
        [(k - 1, n - k + 1)] if n >= k else [(0, full)],
        [(full - 1, 1)],
        [(0, 1)],
    ]


@pytest.mark.parametrize(("n", "k"), [(1, 1), (10, 3), (3, 10), (50, 8), (9, 9)])
@pytest.mark.parametrize("boundary", ["fill", "wrap", "symm"])
def test_numpy_1d_fast_path_equals_shifted_accumulation_exactly_on_integers(n, k, boundary):
    rng = np.random.default_rng(n * k)
    a = rng.integers(-100, 100, n)
    b = rng.integers(-100, 100, k)
    for region in _regions(n, k):
        fast = _direct_numpy.numpy_1d(a, b, region, boundary=boundary, fillvalue=7)
        generic = _direct.shifted_accumulation(xp_numpy, a, b, region, boundary=boundary, fillvalue=7)
        assert np.array_equal(fast, generic)


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("shape", [(40, 30), (7, 9, 11)])
def test_separable_passes_equal_the_full_kernel_exactly_on_integers(mode, shape):
    rng = np.random.default_rng(5)
    a = rng.integers(-1000, 1000, shape)
    vectors = [rng.integers(-4, 5, 3) for _ in shape]
    vectors = [np.where(v == 0, 1, v) for v in vectors]
    kernel = vectors[0]
    for v in vectors[1:]:
        kernel = np.multiply.outer(kernel, v)
    factors = _direct.separable_factors(kernel)
    assert factors is not None
    full_region = [(0, n + k - 1) for n, k in zip(shape, kernel.shape)]
    generic = _direct.shifted_accumulation(xp_numpy, a, kernel, full_region)
    fast = _direct.separable(xp_numpy, a, factors, full_region)
    assert np.array_equal(fast, generic)
    out = convalg.convolve(a, kernel, mode=mode, method="direct")
    assert np.array_equal(out, crop_like_scipy(exact_full(a, kernel), a.shape, kernel.shape, mode).astype(np.int64))


def test_sobel_is_separable_and_a_generic_kernel_is_not():
    sobel = np.array([[1.0, 0, -1], [2, 0, -2], [1, 0, -1]])
    factors = _direct.separable_factors(sobel)
    assert np.array_equal(np.outer(factors[0], factors[1]), sobel)
    assert _direct.separable_factors(np.array([[1.0, 2], [3, 4]])) is None
    # rank one only after rounding: 0.1 * 3 != 0.3 exactly, so not used
    assert _direct.separable_factors(np.outer([1.0, 3.0], [0.1, 0.7])) is None or np.array_equal(
        np.multiply.outer(*list(_direct.separable_factors(np.outer([1.0, 3.0], [0.1, 0.7])))),
        np.outer([1.0, 3.0], [0.1, 0.7]),
    )


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize(("n", "k"), [(50000, 100), (200000, 9), (100000, 31)])
def test_overlap_add_agrees_with_one_fft_within_both_bounds(mode, n, k):
    rng = np.random.default_rng(k)
    a, b = rng.standard_normal(n), rng.standard_normal(k)
    p = plan("convolve", a, b, mode=mode, method="oa")
    assert p.method == "oa"
    oa = convalg.convolve(a, b, mode=mode, method="oa")
    fft = convalg.convolve(a, b, mode=mode, method="fft")
    q = plan("convolve", a, b, mode=mode, method="fft")
    bound_oa = errorbounds.overlap_add(a, b, block_fft_shape=p.fft_shape, overlaps=p.overlaps, dtype=np.float64)
    bound_fft = errorbounds.fft(a, b, fft_shape=q.fft_shape, dtype=np.float64)
    assert np.linalg.norm(oa - fft) <= float(bound_oa.value) + float(bound_fft.value)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    a=hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=12),
        elements=st.floats(-1e6, 1e6, allow_subnormal=False),
    ),
    data=st.data(),
    mode=st.sampled_from(["full", "same", "valid"]),
    method=st.sampled_from(["auto", "direct", "fft", "oa"]),
    function=st.sampled_from(["convolve", "correlate"]),
)
def test_any_float_arrays_match_scipy_within_bound(backend, a, data, mode, method, function):
    kshape = data.draw(hnp.array_shapes(min_dims=a.ndim, max_dims=a.ndim, min_side=1, max_side=6))
    b = data.draw(hnp.arrays(np.float64, kshape, elements=st.floats(-1e3, 1e3, allow_subnormal=False)))
    if mode == "valid" and not (
        all(x >= y for x, y in zip(a.shape, b.shape)) or all(y >= x for x, y in zip(a.shape, b.shape))
    ):
        with pytest.raises(ValueError, match="valid"):
            getattr(convalg, function)(a, b, mode=mode, method=method, backend=backend)
        return
    check(
        function,
        a,
        b,
        getattr(convalg, function)(a, b, mode=mode, method=method, backend=backend),
        mode=mode,
        method=method,
        backend=backend,
    )


@given(
    a=hnp.arrays(np.int64, st.integers(1, 40), elements=st.integers(-(2**40), 2**40)),
    b=hnp.arrays(np.int64, st.integers(1, 40), elements=st.integers(-(2**15), 2**15)),
    method=st.sampled_from(["auto", "direct", "fft", "oa"]),
)
def test_any_int64_arrays_convolve_exactly(a, b, method):
    out = convalg.convolve(a, b, method=method)
    assert out.tolist() == exact_full(a, b).tolist()


@given(
    a=hnp.arrays(np.float64, st.integers(1, 30), elements=st.floats(-10, 10)),
    b=hnp.arrays(np.float64, st.integers(1, 30), elements=st.floats(-10, 10)),
)
def test_convolution_commutes_up_to_the_bound_and_correlate_is_convolve_of_the_flip(a, b):
    ab, ba = convalg.convolve(a, b), convalg.convolve(b, a)
    bound = errorbounds.direct(np.convolve(np.abs(a), np.abs(b)), terms=min(a.size, b.size), dtype=np.float64)
    assert bound.holds(ab, np.convolve(a, b)) and bound.holds(ba, np.convolve(a, b))
    assert np.array_equal(convalg.correlate(a, b, method="direct"), convalg.convolve(a, b[::-1], method="direct"))


@pytest.mark.parametrize("boundary", ["fill", "wrap", "symm"])
@pytest.mark.parametrize(("shape", "kshape"), [((9, 8), (3, 2)), ((300, 200), (5, 5)), ((6, 5, 7), (2, 3, 2))])
def test_numpy_nd_fast_path_equals_shifted_accumulation_exactly(boundary, shape, kshape):
    rng = np.random.default_rng(11)
    a = rng.integers(-100, 100, shape)
    b = rng.integers(-3, 3, kshape)
    full = [(0, n + k - 1) for n, k in zip(shape, kshape)]
    same = [((k - 1) // 2, n) for n, k in zip(shape, kshape)]
    corner = [(n + k - 2, 1) for n, k in zip(shape, kshape)]
    for region in (full, same, corner):
        for skip in (False, True):
            fast = _direct_numpy.numpy_nd(a, b, region, boundary=boundary, fillvalue=-2, skip_zero_taps=skip)
            generic = _direct.shifted_accumulation(xp_numpy, a, b, region, boundary=boundary, fillvalue=-2)
            assert np.array_equal(fast, generic)


def test_parallel_slabs_and_pieces_equal_the_serial_result(monkeypatch):
    from convalg._runtime import parallel as _parallel

    rng = np.random.default_rng(12)
    a2 = rng.integers(-50, 50, (400, 300))
    b2 = rng.integers(-3, 3, (5, 5))
    a1 = rng.integers(-50, 50, 200_000)
    b1 = rng.integers(-3, 3, 31)
    region2 = [((5 - 1) // 2, 400), (2, 300)]
    region1 = [(0, 200_030)]
    serial = (_direct_numpy.numpy_nd(a2, b2, region2), _direct_numpy.numpy_1d(a1, b1, region1))
    monkeypatch.setattr(_parallel, "workers", lambda: 2)
    monkeypatch.setattr(_direct_numpy, "workers", lambda: 2)
    parallel = (_direct_numpy.numpy_nd(a2, b2, region2), _direct_numpy.numpy_1d(a1, b1, region1))
    assert np.array_equal(serial[0], parallel[0]) and np.array_equal(serial[1], parallel[1])
    x, y = rng.standard_normal(20_000), rng.standard_normal(3_000)
    assert np.allclose(convalg.convolve(x, y, method="fft"), np.convolve(x, y))


@pytest.mark.parametrize(("n", "k"), [(1000, 16), (5000, 31), (300, 250), (4000, 700), (20, 40)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
def test_blas_toeplitz_fast_path_equals_shifted_accumulation_on_exact_data(n, k, dtype):
    # small integers in floating point: every product and partial sum is exact, so any
    # summation order gives the same result and the paths must agree exactly
    rng = np.random.default_rng(n + k)
    a = rng.integers(-8, 8, n).astype(dtype)
    b = rng.integers(-8, 8, k).astype(dtype)
    if np.dtype(dtype).kind == "c":
        a = a + 1j * rng.integers(-8, 8, n)
        b = b - 1j * rng.integers(-8, 8, k)
    full = n + k - 1
    for region in ([(0, full)], [((k - 1) // 2, n)], [(min(n, k) - 1, abs(n - k) + 1)], [(full - 1, 1)]):
        fast = _direct_numpy.numpy_blas_1d(a, b, region)
        generic = _direct.shifted_accumulation(xp_numpy, a, b, region)
        assert fast.dtype == generic.dtype and np.array_equal(fast, generic)


def test_blas_path_is_not_used_with_non_finite_data():
    from convalg.signal import _choose

    a = np.ones(100_000)
    a[500] = np.inf
    b = np.ones(31)
    assert _choose.use_blas_1d(a.size + 30, 31)
    out = convalg.convolve(a, b, method="direct")
    assert np.isinf(out[500:531]).all() and np.isfinite(out[:500]).all() and np.isfinite(out[531:]).all()


@pytest.mark.parametrize("method", ["oaconvolve", "convolve-oa"])
def test_overlap_add_keeps_errors_local_to_their_blocks(backend, method):
    """Defect 3 of issue 13: where blocking did not pay, oaconvolve ran one global FFT and the
    rounding error of a 1e30 sample reached every output (-2.6e12 where scipy gives 2.0)."""
    b = np.ones(230)
    b[0] = 1e30
    if method == "oaconvolve":
        out = convalg.oaconvolve(np.ones(2), b, "same", backend=backend)
        p = plan("oaconvolve", np.ones(2), b, mode="same")
    else:
        out = convalg.convolve(np.ones(2), b, "same", method="oa", backend=backend)
        p = plan("convolve", np.ones(2), b, mode="same", method="oa")
    assert p.method == "oa" and p.fft_shape == (3,)  # scipy's block: FFT length 3
    assert np.allclose(convalg.backends.to_numpy(out), [2.0, 2.0], rtol=1e-12, atol=0)


@pytest.mark.parametrize(
    ("s1", "s2"),
    [((4000,), (33,)), ((33,), (4000,)), ((120, 12), (12, 120)), ((300, 200), (5, 7)), ((3, 2000), (1, 31))],
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.longdouble])
def test_real_overlap_add_through_pooled_transforms_is_within_its_bound(s1, s2, dtype):
    """Real NumPy blocks are padded once and transformed by pocketfft into pooled memory:
    either input the long one, two blocked axes each with its own long input, a broadcast
    axis, every real precision; each result within the bound its plan names of the
    extended-precision reference, and held by the caller across later calls."""
    rng = np.random.default_rng(len(s1) * 100 + s1[0])
    a = rng.standard_normal(s1).astype(dtype)
    b = rng.standard_normal(s2).astype(dtype)
    assert plan("oaconvolve", a, b).method == "oa"
    kept = [convalg.oaconvolve(a, b, mode) for mode in ("full", "same")]
    for _ in range(3):
        convalg.oaconvolve(b, a)  # later calls may reuse the pool's memory, never kept results
    for mode, out in zip(("full", "same"), kept):
        check("oaconvolve", a, b, out, mode=mode)


@pytest.mark.parametrize(("s1", "s2"), [((300, 200), (5, 7)), ((4000,), (33,)), ((64, 640), (3, 9))])
def test_overlap_add_blocks_every_axis_scipy_blocks_so_far_samples_do_not_matter(s1, s2):
    """A huge sample in one corner leaves the outputs of blocks far from it near-exact."""
    rng = np.random.default_rng(6)
    a = rng.integers(-3, 4, s1).astype(np.float64)
    b = rng.integers(-3, 4, s2).astype(np.float64)
    exact = scipy.signal.convolve(a, b, method="direct")
    a[(0,) * a.ndim] = 1e30
    p = plan("oaconvolve", a, b)
    assert p.method == "oa"
    # every axis blocked (scipy blocks each of them): blocks shorter than the whole axis
    assert all(n < full for n, full in zip(p.fft_shape, exact.shape)), p
    out = convalg.oaconvolve(a, b)
    far = tuple(slice(n // 2, None) for n in exact.shape)
    assert np.array_equal(out[far].round(), exact[far]), "errors of the 1e30 block stay in its blocks"
