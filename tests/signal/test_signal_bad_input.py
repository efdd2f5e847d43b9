"""Every bad input of the issue gets scipy's result where scipy has one, else a typed error
that names the argument; inputs are never modified."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal as ss

import convalg

ALL = ["convolve", "correlate", "fftconvolve", "oaconvolve"]


@pytest.mark.parametrize("function", ALL + ["convolve2d", "correlate2d"])
def test_bad_mode_is_a_value_error_naming_mode(function):
    with pytest.raises(ValueError, match="mode must be one of"):
        getattr(convalg, function)(np.ones((3, 3)), np.ones((2, 2)), mode="bad")


@pytest.mark.parametrize("function", ["convolve", "correlate"])
@pytest.mark.parametrize("method", ["bad", None, 3])
def test_bad_method_is_a_value_error_naming_method(function, method):
    with pytest.raises(ValueError, match="method must be one of"):
        getattr(convalg, function)(np.ones(3), np.ones(2), method=method)


@pytest.mark.parametrize("function", ["convolve2d", "correlate2d"])
def test_bad_boundary_and_fillvalue_are_value_errors(function):
    f = getattr(convalg, function)
    with pytest.raises(ValueError, match="boundary must be"):
        f(np.ones((3, 3)), np.ones((2, 2)), boundary="x")
    with pytest.raises(ValueError, match="fillvalue must be a scalar"):
        f(np.ones((3, 3)), np.ones((2, 2)), fillvalue=[1, 2])
    with pytest.raises(ValueError, match="fillvalue .* complex"):
        f(np.ones((3, 3)), np.ones((2, 2)), fillvalue=1j)
    with pytest.raises(ValueError, match="2-D"):
        f(np.ones(3), np.ones(2))


@pytest.mark.parametrize("function", ALL)
def test_mismatched_ranks_are_value_errors(function):
    with pytest.raises(ValueError, match="same dimensionality"):
        getattr(convalg, function)(np.ones(3), np.ones((2, 2)))


@pytest.mark.parametrize("function", ["convolve", "correlate", "fftconvolve", "oaconvolve"])
def test_valid_mode_needs_one_input_larger_in_every_dimension(function):
    with pytest.raises(ValueError, match="at least as large"):
        getattr(convalg, function)(np.ones((2, 5)), np.ones((5, 2)), mode="valid")


@pytest.mark.parametrize("function", ["fftconvolve", "oaconvolve"])
@pytest.mark.parametrize(
    ("axes", "error", "match"),
    [([], ValueError, "must not be empty"), ([1, 1], ValueError, "unique"),
     ([2], ValueError, "out of range"), ([0.5], TypeError, "integers"), ("a", TypeError, "integers")],
)
def test_bad_axes_are_typed_errors(function, axes, error, match):
    with pytest.raises(error, match=match):
        getattr(convalg, function)(np.ones((3, 5)), np.ones((2, 2)), axes=axes)


def test_incompatible_broadcast_shapes_are_value_errors():
    with pytest.raises(ValueError, match="incompatible shapes"):
        convalg.fftconvolve(np.ones((3, 5)), np.ones((2, 2)), axes=[1])


@pytest.mark.parametrize("function", ALL)
@pytest.mark.parametrize(
    "bad", [np.array(["a", "b"]), np.array([b"a"]), np.array([1, 2], dtype="datetime64[s]"),
            np.array([1, 2], dtype="timedelta64[s]")], ids=["str", "bytes", "datetime", "timedelta"]
)
def test_non_numeric_dtypes_are_type_errors_naming_the_argument(function, bad):
    with pytest.raises(TypeError, match="in1 has dtype"):
        getattr(convalg, function)(bad, np.ones(2))
    with pytest.raises(TypeError, match="in2 has dtype"):
        getattr(convalg, function)(np.ones(2), bad)


@pytest.mark.parametrize("function", ["convolve", "correlate"])
def test_empty_inputs_are_value_errors_as_in_scipy(function):
    for a, b in [(np.array([]), np.ones(2)), (np.ones(2), np.zeros((0,))), (np.zeros((0, 3)), np.ones((2, 2)))]:
        with pytest.raises(ValueError):
            getattr(ss, function)(a, b)
        with pytest.raises(ValueError, match="must not be empty"):
            getattr(convalg, function)(a, b)


@pytest.mark.parametrize("function", ["fftconvolve", "oaconvolve"])
def test_empty_inputs_give_scipys_empty_result_in_fftconvolve(backend, function):
    out = convalg.backends.to_numpy(
        getattr(convalg, function)(np.zeros((0, 3)), np.ones((2, 2)), backend=backend))
    expected = getattr(ss, function)(np.zeros((0, 3)), np.ones((2, 2)))
    assert out.shape == expected.shape and out.dtype == expected.dtype


@pytest.mark.parametrize("function", ["convolve2d", "correlate2d"])
def test_empty_inputs_give_scipys_zero_result_in_convolve2d(backend, function):
    for a, b in [(np.zeros((0, 3)), np.ones((2, 2))), (np.ones((3, 3)), np.ones((0, 2)))]:
        out = convalg.backends.to_numpy(getattr(convalg, function)(a, b, backend=backend))
        expected = getattr(ss, function)(a, b)
        assert out.shape == expected.shape and np.array_equal(out, expected)


@pytest.mark.parametrize("function", ["convolve", "correlate"])
def test_float16_gives_float16_like_scipy(function):
    a = np.linspace(-1, 1, 20).astype(np.float16)
    b = np.array([0.5, 0.25, -1], dtype=np.float16)
    out = getattr(convalg, function)(a, b)
    reference = getattr(ss, function)(a.astype(np.float64), b.astype(np.float64))
    assert out.dtype == np.float16
    assert np.array_equal(out, reference.astype(np.float16)), "computed in float32, rounded once"
    out2d = getattr(convalg, function)(a.reshape(4, 5), b.reshape(1, 3))  # scipy: 'Unsupported type'
    assert out2d.dtype == np.float16


@pytest.mark.parametrize("function", ["convolve", "correlate", "fftconvolve", "convolve2d"])
def test_big_endian_and_strided_views_give_the_native_result(function):
    rng = np.random.default_rng(0)
    base = rng.standard_normal((12, 14))
    kernel = rng.standard_normal((3, 4))
    expected = getattr(convalg, function)(base[::-2, 1::3].copy(), kernel.copy())
    big_endian = base.astype(">f8")[::-2, 1::3]
    kernel_view = np.asarray(kernel.astype(">f8").T.copy().T)
    out = getattr(convalg, function)(big_endian, kernel_view)
    assert np.array_equal(out, expected)
    assert out.dtype == np.float64


@pytest.mark.parametrize("function", ALL + ["convolve2d", "correlate2d"])
def test_inputs_are_never_modified(function):
    rng = np.random.default_rng(1)
    a = rng.integers(-5, 5, size=(9, 8))
    b = (rng.standard_normal((3, 2)) + 1j).astype(np.complex128)
    a_copy, b_copy = a.copy(), b.copy()
    getattr(convalg, function)(a, b)
    assert np.array_equal(a, a_copy) and np.array_equal(b, b_copy)


def test_memory_error_names_the_size_before_allocating(monkeypatch):
    monkeypatch.setenv("CONVALG_MEMORY_LIMIT", str(10**6))
    with pytest.raises(MemoryError, match=r"would need about .*MiB"):
        convalg.convolve(np.ones(10**6), np.ones(3))
    # a zero-copy broadcast view whose full convolution is astronomically large
    huge = np.broadcast_to(np.ones(1), (10**10,))
    monkeypatch.delenv("CONVALG_MEMORY_LIMIT")
    with pytest.raises(MemoryError, match="GiB"):
        convalg.fftconvolve(huge, huge)


def test_mixing_array_libraries_is_a_type_error():
    import array_api_strict as xps

    with pytest.raises(TypeError, match="different array libraries"):
        convalg.convolve(np.ones(3), xps.ones(2))


def test_correlation_lags_reject_bad_arguments():
    with pytest.raises(ValueError, match="mode must be"):
        convalg.correlation_lags(3, 2, "x")
    with pytest.raises(TypeError, match="in1_len"):
        convalg.correlation_lags(3.5, 2)
    with pytest.raises(ValueError, match="in2_len"):
        convalg.correlation_lags(3, 0)


def test_complex_correlate2d_with_larger_second_input_follows_correlate():
    # scipy.signal.correlate2d conjugates the wrong input after its 'valid' swap; convalg
    # follows correlate's definition (documented in the README).
    a = np.array([[1 + 2j, 3 - 1j]])
    b = np.array([[1j, 2, 3 + 1j]])
    ours = convalg.correlate2d(a, b, "valid")
    assert np.allclose(ours, ss.correlate(a, b, "valid"))
    assert np.allclose(ours, np.conj(ss.correlate2d(a, b, "valid")))


@pytest.mark.parametrize("function", ["fftconvolve", "oaconvolve"])
def test_object_and_zero_rank_inputs_of_fftconvolve_follow_scipy(function):
    a, b = np.array([1, 2, 3], dtype=object), np.array([1, 1], dtype=object)
    ours, theirs = getattr(convalg, function)(a, b), getattr(ss, function)(a, b)
    assert ours.dtype == theirs.dtype == np.float64 and np.allclose(ours, theirs)
    ours = getattr(convalg, function)(np.array(3), np.array(4))
    assert np.asarray(ours).dtype == np.asarray(ss.fftconvolve(np.array(3), np.array(4))).dtype
    assert int(ours) == 12


def test_non_integer_fillvalue_for_integer_inputs_is_an_error_not_a_silent_truncation():
    # scipy truncates 1.5 to 1 without a word; convalg refuses (README: where convalg differs)
    with pytest.raises(ValueError, match="fillvalue 1.5 is not an integer"):
        convalg.convolve2d(np.ones((3, 3), int), np.ones((2, 2), int), fillvalue=1.5)
    assert convalg.convolve2d(np.ones((3, 3), int), np.ones((2, 2), int), fillvalue=2.0)[0, 0] == 7


def test_cupy_without_a_device_is_refused_by_name_and_numpy_still_works():
    from convalg import backends

    status = backends.available()["cupy"]
    if status.usable:
        pytest.skip("a CUDA device is present; the unusable case cannot be shown here")
    with pytest.raises(RuntimeError, match="cupy"):
        convalg.convolve(np.ones(3), np.ones(2), backend="cupy")
    assert convalg.convolve(np.ones(3), np.ones(2), backend=None).tolist() == [1, 2, 2, 1]


@pytest.mark.parametrize("method", ["direct", "fft", "oa"])
@pytest.mark.parametrize("shape", [(3000,), (40, 300), (6, 7, 300)])
@pytest.mark.parametrize("dtype", [np.float64, np.complex128, np.float32])
def test_no_method_modifies_its_inputs(method, shape, dtype):
    rng = np.random.default_rng(2)
    a = rng.standard_normal(shape).astype(dtype)
    b = rng.standard_normal(tuple(max(1, n // 20) for n in shape)).astype(dtype)
    if np.dtype(dtype).kind == "c":
        a = a + 1j
        b = b - 2j
    a_copy, b_copy = a.copy(), b.copy()
    for function in ("convolve", "correlate"):
        for mode in ("full", "same", "valid"):
            getattr(convalg, function)(a, b, mode=mode, method=method)
    convalg.fftconvolve(a, b)
    convalg.oaconvolve(a, b)
    assert np.array_equal(a, a_copy) and np.array_equal(b, b_copy)
