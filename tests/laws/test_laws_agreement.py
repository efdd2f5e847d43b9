"""convalg agrees with the exact oracle and with scipy.signal within the error bound its plan names."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
import scipy.fft
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st
from law_helpers import (
    DIMS,
    MAX_SIDE,
    METHODS,
    OA_SHAPES,
    assert_law,
    examples,
    method_and_pair,
    run,
)

from convalg import errorbounds
from convalg.backends import to_numpy
from convalg.testing import assert_within_bound, reference, strategies, tolerance

DTYPES = strategies.DTYPES


@examples()
@given(data=st.data(), op=st.sampled_from(["convolution", "correlation"]), mode=st.sampled_from(["full", "same"]))
def test_agrees_with_the_exact_oracle_within_the_planned_bound(backend, data, op, mode):
    method, (a, b) = method_and_pair(data)
    function = "convolve" if op == "convolution" else "correlate"
    result, plan = run(function, a, b, backend, mode=mode, method=method)
    bound = tolerance(a, b, op=op, mode=mode, plan=plan)
    assert_within_bound(result, reference(a, b, op=op, mode=mode), bound, context=f"{function} {method} {plan}")
    assert result.dtype == plan.dtype


@examples(0.5)
@given(data=st.data())
def test_valid_mode_agrees_with_the_exact_oracle(backend, data):
    dims = data.draw(st.sampled_from(DIMS))
    a, b = data.draw(
        strategies.signal_kernel_pairs(strategies.dtypes(), dims=dims, max_side=MAX_SIDE[dims], kernel_fits=True)
    )
    method = data.draw(st.sampled_from(METHODS))
    result, plan = run("correlate", a, b, backend, mode="valid", method=method)
    assert_within_bound(
        result,
        reference(a, b, op="correlation", mode="valid"),
        tolerance(a, b, op="correlation", mode="valid", plan=plan),
    )


@pytest.mark.parametrize("method", ["auto", "direct"])
def test_rational_inputs_give_the_exact_rational_result(method):
    a = np.array([Fraction(1, 3), Fraction(-2, 7), Fraction(5, 11)], dtype=object)
    b = np.array([Fraction(3, 5), Fraction(1, 9)], dtype=object)
    result, _plan = run("convolve", a, b, "numpy", method=method)
    assert result.tolist() == reference(a, b).tolist()
    assert all(isinstance(v, Fraction) for v in result.tolist())


def _scipy_and_bound(function: str, a, b, mode: str):
    """scipy.signal's result and the bound of the method it used."""
    if function in ("convolve", "correlate", "convolve2d", "correlate2d"):
        op = "correlation" if function.startswith("correlate") else "convolution"
        if function in ("convolve", "correlate"):
            expected = getattr(scipy.signal, function)(a, b, mode=mode, method="direct")
        else:
            expected = getattr(scipy.signal, function)(a, b, mode=mode)
        return expected, _either_centring(tolerance(a, b, method="direct", op=op, mode="full"), a, b, mode, op)
    # fftconvolve and oaconvolve are both compared with scipy's fftconvolve, whose FFT
    # lengths are known (next_fast_len of the full shape)
    expected = scipy.signal.fftconvolve(a, b, mode=mode)
    real = a.dtype.kind != "c" and b.dtype.kind != "c"
    fft_shape = tuple(scipy.fft.next_fast_len(n + k - 1, real=real) for n, k in zip(a.shape, b.shape))
    dtype = np.result_type(a.dtype, b.dtype, np.float32) if a.dtype.kind in "fc" else np.float64
    return expected, tolerance(a, b, method="fft", fft_shape=fft_shape, dtype=dtype, mode=mode)


def _either_centring(full_bound: errorbounds.Bound, a, b, mode: str, op: str) -> errorbounds.Bound:
    """A componentwise bound for 'same'/'valid' windows that holds for either centring of even kernels.

    scipy's correlate2d centres 'same' one sample differently from correlate along each
    axis; the bound over every candidate window holds for whichever is used.
    """
    if full_bound.kind != "componentwise" or mode == "full":
        return full_bound
    from convalg.testing._oracle import scipy_window

    kernel = b if op == "convolution" else b[(slice(None, None, -1),) * b.ndim]
    starts, shape = scipy_window(a.shape, kernel.shape, mode)
    value = np.pad(full_bound.value, [(1, 1)] * a.ndim)
    candidates = [
        value[tuple(slice(s + 1 + d, s + 1 + d + n) for s, n, d in zip(starts, shape, shifts))]
        for shifts in itertools.product((-1, 0, 1), repeat=a.ndim)
    ]
    return errorbounds.Bound("componentwise", np.maximum.reduce(candidates), full_bound.description)


@examples()
@given(data=st.data(), mode=st.sampled_from(["full", "same", "valid"]))
def test_agrees_with_scipy_signal_within_the_bound(backend, data, mode):
    function = data.draw(
        st.sampled_from(["convolve", "correlate", "fftconvolve", "oaconvolve", "convolve2d", "correlate2d"])
    )
    dims = 2 if function.endswith("2d") else data.draw(st.sampled_from(DIMS))
    a, b = data.draw(
        strategies.signal_kernel_pairs(
            strategies.dtypes(), dims=dims, max_side=MAX_SIDE[dims], kernel_fits=mode == "valid"
        )
    )
    kwargs = {"mode": mode}
    if function in ("convolve", "correlate"):
        kwargs["method"] = data.draw(st.sampled_from(METHODS))
    result, plan = run(function, a, b, backend, **kwargs)
    expected, scipy_bound = _scipy_and_bound(function, a, b, mode)
    op = "correlation" if function.startswith("correlate") else "convolution"
    ours = (
        _either_centring(tolerance(a, b, op=op, mode="full", plan=plan), a, b, mode, op)
        if plan.method == "direct" and not plan.exact
        else tolerance(a, b, op=op, mode=mode, plan=plan)
    )
    assert_law(result, expected, ours, scipy_bound, law=f"convalg.{function} == scipy.signal.{function} ({mode})")


@pytest.mark.parametrize("dims", DIMS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("method", METHODS)
def test_every_method_dtype_and_dimension_is_exercised_on_every_backend(backend, method, dtype, dims):
    # deterministic inputs, so CI covers each combination whatever hypothesis draws
    rng = np.random.default_rng(dims * 100 + DTYPES.index(dtype))
    shapes = OA_SHAPES[dims] if method == "oa" else ((6, 5, 4)[:dims], (3, 2, 2)[:dims])
    a, b = (rng.integers(-50, 50, shape) for shape in shapes)
    if np.dtype(dtype).kind == "c":
        a = a + 1j * rng.integers(-50, 50, shapes[0])
        b = b + 1j * rng.integers(-50, 50, shapes[1])
    a, b = a.astype(dtype) / (1 if np.dtype(dtype).kind == "i" else 7), b.astype(dtype)
    a = a.astype(dtype)
    result, plan = run("convolve", a, b, backend, method=method)
    if method != "auto":
        # exact integers may be routed to direct sums, and overlap-add may fall back to one
        # FFT when blocking does not pay; the bound follows whatever the plan says
        assert plan.method == method or plan.exact or (method == "oa" and plan.method == "fft")
    assert_within_bound(result, reference(a, b), tolerance(a, b, plan=plan), context=str(plan))


def _reach(nonfinite_mask: np.ndarray, partner: np.ndarray) -> np.ndarray:
    return np.asarray(reference(nonfinite_mask.astype(np.int64), partner.astype(np.int64)), dtype=np.int64) > 0


# Inf times a zero tap is NaN by IEEE 754: the warning is the very input under test, not a defect.
@pytest.mark.filterwarnings("ignore:invalid value encountered in multiply:RuntimeWarning")
@examples()
@given(data=st.data(), method=st.sampled_from(["auto", "direct"]))
def test_nan_and_inf_stay_local_under_auto_and_direct(backend, data, method):
    dims = data.draw(st.sampled_from(DIMS))
    pairs = strategies.signal_kernel_pairs(
        strategies.dtypes("fc"), dims=dims, max_side=MAX_SIDE[dims], magnitude="moderate"
    )
    a, b, which, _index = data.draw(strategies.with_nonfinite(pairs))
    result, plan = run("convolve", a, b, backend, method=method)
    assert plan.method == "direct", f"method={method!r} chose {plan.method} for non-finite inputs"
    bad = ~np.isfinite(a if which == 0 else b)
    other = b if which == 0 else a
    may = _reach(bad, np.ones(other.shape))  # outputs the value touches
    must = _reach(bad, other != 0)  # outputs where it meets a nonzero partner
    nonfinite = ~np.isfinite(result)
    assert not np.any(nonfinite & ~may), "a non-finite value spread beyond the outputs it touches"
    assert np.all(nonfinite[must]), "a non-finite value vanished where it met a nonzero value"
    clean_a, clean_b = np.where(np.isfinite(a), a, 0), np.where(np.isfinite(b), b, 0)
    exact = np.asarray(reference(clean_a, clean_b))
    bound = tolerance(clean_a, clean_b, plan=plan)
    outside = np.where(may, 0, result)
    assert_within_bound(outside, np.where(may, 0, exact), bound, context="outputs the non-finite value cannot reach")


@pytest.mark.parametrize("dtype", ["int64", "float64"])
def test_separable_kernels_work_on_array_api_strict(dtype):
    # regression: found by the law suite (len() of an array-api-strict Array in the cost model)
    a, b = np.ones((2, 2), dtype=dtype), np.ones((2, 2), dtype=dtype)
    result, plan = run("convolve", a, b, "array_api_strict")
    assert_within_bound(result, reference(a, b), tolerance(a, b, plan=plan))


@pytest.mark.parametrize("backend_name", ["numpy", "array_api_strict"])
def test_correlation_is_neither_commutative_nor_associative(backend_name):
    # the lecture notes call convolution a commutative, associative product; correlation is not
    a, b, c = np.array([1, 2]), np.array([1, 1]), np.array([1, 3])
    ab, _ = run("correlate", a, b, backend_name)
    ba, _ = run("correlate", b, a, backend_name)
    assert ab.tolist() == [1, 3, 2] and ba.tolist() == [2, 3, 1]
    lhs, _ = run("correlate", ab, c, backend_name)
    rhs, _ = run("correlate", a, run("correlate", b, c, backend_name)[0], backend_name)
    assert lhs.tolist() == reference(reference(a, b, op="correlation"), c, op="correlation").tolist() == [3, 10, 9, 2]
    assert rhs.tolist() == [1, 6, 11, 6]


@examples(0.5)
@given(data=st.data())
def test_inputs_generated_in_array_api_strict_agree_with_the_oracle(data):
    # generated natively by hypothesis.extra.array_api, never through NumPy
    import array_api_strict

    dtype = data.draw(st.sampled_from(DTYPES))
    dims = data.draw(st.sampled_from(DIMS))
    method = data.draw(st.sampled_from(METHODS))
    a, b = data.draw(strategies.array_api_pairs(array_api_strict, dtype, dims=dims, max_side=MAX_SIDE[dims]))
    import convalg.signal

    result = convalg.signal.convolve(a, b, method=method)
    assert type(result).__module__.split(".")[0] == "array_api_strict"
    plan = convalg.signal.plan("convolve", a, b, method=method)
    na, nb = np.asarray(to_numpy(a)), np.asarray(to_numpy(b))
    assert_within_bound(result, reference(na, nb), tolerance(na, nb, plan=plan), context=str(plan))
