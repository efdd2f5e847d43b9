"""Finite input near the overflow threshold: outputs are finite wherever the exact result is
representable, within the bound the plan names, whatever path computes them."""

from __future__ import annotations

import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from signal_oracle import check

import convalg
from convalg import backends, errorbounds
from convalg.signal import plan

SOBEL = np.outer([1.0, 2.0, 1.0], [1.0, 0.0, -1.0])


def _numpy(x):
    return backends.to_numpy(x)


@pytest.mark.parametrize("method", ["auto", "direct"])
@pytest.mark.parametrize("function", ["convolve", "correlate"])
def test_separable_kernels_do_not_overflow_in_their_first_pass(backend, function, method):
    """Defect 2 of issue 13: the rank-one path's first pass (1, 2, 1) overflowed to inf and
    the second turned it into NaN, where scipy and the exact answer give 0."""
    a = np.full((5, 5), 6e307)
    assert plan(function, a, SOBEL, mode="valid", method=method, backend=backend).scale > 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning escapes either
        out = _numpy(getattr(convalg, function)(a, SOBEL, mode="valid", method=method, backend=backend))
    assert out.tolist() == [[0.0] * 3] * 3


def _exact(a, b):
    """The exact full convolution in Fractions (real and imaginary parts apart)."""

    def real(x, y):
        return np.convolve(
            np.array([Fraction(*v.as_integer_ratio()) for v in x], dtype=object),
            np.array([Fraction(*v.as_integer_ratio()) for v in y], dtype=object),
        )

    if np.iscomplexobj(a):
        return real(a.real, b), real(a.imag, b)
    return real(a, b), None


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128, np.longdouble, np.clongdouble])
def test_outputs_beyond_the_range_are_infinite_and_the_others_exact(backend, dtype):
    big = np.finfo(dtype).max * np.finfo(dtype).dtype.type(0.75)
    a = np.full(7, big * (1 - 0.5j) if np.dtype(dtype).kind == "c" else big, dtype=dtype)
    b = np.array([1, 1, -1, -1], dtype=np.float64)
    if (
        backend != "numpy"
        and np.dtype(dtype).itemsize > np.dtype(np.complex128 if np.dtype(dtype).kind == "c" else np.float64).itemsize
    ):
        with pytest.raises(TypeError):  # the array API has no long double
            convalg.convolve(a, b.astype(dtype), method="direct", backend=backend)
        return
    out = _numpy(convalg.convolve(a, b.astype(dtype), method="direct", backend=backend))
    limit = Fraction(*np.finfo(dtype).max.as_integer_ratio())
    for part, exact in zip((out.real, out.imag), _exact(a, b)):
        if exact is None:
            continue
        representable = np.array([abs(v) <= limit for v in exact])
        assert [Fraction(*v.as_integer_ratio()) for v in part[representable]] == list(exact[representable])
        assert np.all(np.isinf(part[~representable]))
        assert [v > 0 for v in part[~representable]] == [v > 0 for v in exact[~representable]]


@pytest.mark.parametrize("function", ["convolve", "fftconvolve", "oaconvolve"])
@pytest.mark.parametrize("dtype", ["f8", "f4", "c16"])
def test_fft_methods_transform_scaled_inputs_when_a_transform_could_overflow(backend, function, dtype):
    rng = np.random.default_rng(3)
    big = np.finfo(dtype).max / 8
    a = (np.sign(rng.standard_normal(600)) * big).astype(dtype)
    b = np.array([0.5, 0.25, -0.25, 0.5], dtype=dtype)
    kwargs = {"method": "fft"} if function == "convolve" else {}
    p = plan(function, a, b, backend=backend, **kwargs)
    assert p.method in ("fft", "oa") and p.scale > 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = getattr(convalg, function)(a, b, backend=backend, **kwargs)
    assert np.all(np.isfinite(_numpy(out)))
    check(function, a, b, out, backend=backend, **kwargs)


def test_auto_keeps_to_direct_sums_where_a_transform_could_overflow():
    a = np.full(100_000, 1e306)
    b = np.ones(5000)
    assert convalg.choose_conv_method(a / 1e306, b) != "direct", "FFT wins on ordinary data"
    assert convalg.choose_conv_method(a, b) == "direct"


def test_the_direct_bound_covers_a_prescaled_recomputation():
    """The rescued outputs obey the same componentwise bound (errorbounds.RESCALE_SLACK)."""
    rng = np.random.default_rng(4)
    a = rng.standard_normal(50) * 1e307
    a[::7] = 1e-310  # subnormal samples: the prescaled products underflow
    b = np.array([3.0, -2.0, 1e-300, 2.0])
    out = convalg.convolve(a, b, method="direct")
    exact = np.convolve(a.astype(object), b.astype(object))
    finite = np.abs(exact.astype(np.float64)) < np.finfo(np.float64).max
    magnitude = np.convolve(np.abs(a).astype(object), np.abs(b).astype(object)).astype(np.float64)
    bound = errorbounds.direct(magnitude, terms=4, dtype=np.float64)
    error = np.array(
        [abs(Fraction(float(o)) - Fraction(float(x))) if f else 0 for o, x, f in zip(out, exact, finite)], dtype=object
    )
    assert all(e <= Fraction(float(v)) for e, v, f in zip(error, bound.value, finite) if f)


def test_each_input_is_scaled_for_its_own_transform():
    """Found by the adversarial suite: with in1 all zeros the product bound is 0, but the
    transform of the huge in2 alone overflowed and 0 * inf made NaNs."""
    b = np.zeros((4, 5), np.complex64)
    b[2, :] = 8.5070587e37j
    a = np.zeros((1, 5), np.complex64)
    assert plan("convolve", a, b, method="fft").scale > 0
    out = convalg.convolve(a, b, method="fft")
    assert np.array_equal(out, np.zeros_like(out))


@pytest.mark.parametrize("dtype", [np.complex128, np.clongdouble])
def test_a_component_beyond_the_range_leaves_the_other_component_alone(backend, dtype):
    """Found by the adversarial suite: scaling a rescued complex output back up (in steps of
    2**1000) multiplied it by 2**k + 0j, and once the imaginary part was infinite the real
    part became inf * 0, NaN."""
    if backend != "numpy" and dtype == np.clongdouble:
        return  # no long double outside NumPy (refused, see the test above)
    real = np.finfo(dtype).dtype.type
    big = np.finfo(dtype).max * real(0.75)
    scale = real("1e300") if dtype == np.complex128 else real("1e4800")
    a = np.full(3, scale, dtype=dtype)
    b = np.empty(3, dtype)
    b.real, b.imag = [big, -big, 1], [big, big, big]
    p = plan("convolve", a, b, method="direct", backend=backend)
    assert p.scale > 1000, "a rescale in more than one step"
    out = _numpy(convalg.convolve(a, b, method="direct", backend=backend))
    assert out[2].real == scale and np.isposinf(out[2].imag)  # exact: scale + 3 big scale j


@pytest.mark.parametrize("function", ["convolve", "fftconvolve", "oaconvolve"])
def test_a_complex_product_whose_terms_overflow_keeps_its_representable_component(backend, function):
    """Found by the random profile (the adversarial suite's concurrency test): a call with
    one output is one complex product, ``(2 + 5j) (c + cj) = -3c + 7cj`` with c = 8.507e37.
    In complex64 the terms ``5c`` overflow although ``-3c`` is representable: the product
    path recomputes it prescaled, as direct sums are (the imaginary part, 7c, is beyond the
    range: inf). No floating-point flag escapes."""
    a = np.array([2 + 5j], dtype=np.complex64)
    b = np.array([8.507e37 + 8.507e37j], dtype=np.complex64)
    exact_real = np.float32(-3 * np.float64(np.float32(8.507e37)))
    with np.errstate(all="raise"):
        out = _numpy(getattr(convalg, function)(a, b, backend=backend))
        scalar = _numpy(convalg.convolve(a[0], b[0], backend=backend))
    for value in (out[0], scalar[()]):
        assert value.real == exact_real and np.isposinf(value.imag)


def _exact_magnitudes(xp, a, b, *args):
    from convalg.signal import _ranges

    return _ranges.magnitude(xp, a), _ranges.magnitude(xp, b)


@given(
    dtype=st.sampled_from([np.float64, np.float32, np.complex64, np.complex128]),
    sizes=st.tuples(st.integers(1, 300), st.integers(1, 40)),
    exponents=st.tuples(st.integers(-1070, 1020), st.integers(-1070, 1020)),
    special=st.sampled_from([None, np.nan, np.inf, 0.0]),
    function=st.sampled_from(["convolve", "correlate", "fftconvolve", "oaconvolve"]),
    method=st.sampled_from(["auto", "direct", "fft"]),
)
@example(
    dtype=np.float64, sizes=(4, 4), exponents=(509, 509), special=None, function="convolve", method="auto"
)  # the norm bound (2 ||x||_2) needs a scale where the maximum may not: the exact reductions decide
def test_the_planner_decides_from_a_norm_bound_as_from_the_maximum(dtype, sizes, exponents, special, function, method):
    """The planner reads ``max |x|`` of float inputs from one BLAS pass (2 ||x||_2) where that
    shows no scaling is needed (_ranges.magnitudes): its plan (method, scalings, factors) and
    its values are those of the two exact reductions, near the range's edges too."""
    from convalg.signal import _ranges

    rng = np.random.default_rng(sum(sizes))
    finfo = np.finfo(dtype)
    scale = [min(float(finfo.max) / 4, 2.0**e) for e in exponents]
    # normal draws clipped to +-4: finite data at the range's edge (a draw beyond 4 times
    # finfo.max / 4 would overflow the cast), the special value alone not finite
    a = (np.clip(rng.standard_normal(sizes[0]), -4, 4) * scale[0]).astype(dtype)
    b = (np.clip(rng.standard_normal(sizes[1]), -4, 4) * scale[1]).astype(dtype)
    if special is not None:
        a[sizes[0] // 2] = special
    kwargs = {"mode": "full"} if function.endswith("convolve") and function != "convolve" else {"method": method}
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quick = (plan(function, a, b, **kwargs), getattr(convalg, function)(a, b, **kwargs))
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(_ranges, "magnitudes", _exact_magnitudes)
            exact = (plan(function, a, b, **kwargs), getattr(convalg, function)(a, b, **kwargs))
    assert quick[0] == exact[0]
    np.testing.assert_array_equal(quick[1], exact[1])


def test_only_small_inputs_are_bounded_by_a_blas_sum_of_squares():
    """A long BLAS dot product runs on OpenBLAS's threads, which wait for a core on a busy
    machine (milliseconds): inputs past NORM_PASS_ELEMENTS get the exact two reductions."""
    import array_api_compat.numpy as xp

    from convalg.signal import _ranges

    def largest(x):
        first = _ranges.magnitudes(xp, x, np.ones(1), np.dtype(np.float64), 1)[0]
        return first.largest if first.finite else None

    limit = _ranges.NORM_PASS_ELEMENTS
    assert largest(np.full(limit + 1, -3.0)) == 3.0
    assert largest(np.full(limit, -3.0)) == pytest.approx(2 * 3.0 * limit**0.5)
    assert largest(np.full(limit + 1, -3.0)[::2]) == 3.0  # not contiguous: exact
    assert largest(np.array([1.0, np.inf])) is None
