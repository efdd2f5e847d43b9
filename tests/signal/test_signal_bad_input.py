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
    with pytest.raises(ValueError, match=r"Mode bad is invalid: acceptable mode flags are .*mode='bad'"):
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
    with pytest.raises(ValueError, match="`fillvalue` must be scalar or an array with one"):
        f(np.ones((3, 3)), np.ones((2, 2)), fillvalue=[1, 2])
    with pytest.raises(ValueError, match=r"fillvalue .* complex"):
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
    [
        ([], ValueError, "axes cannot be empty"),
        ([1, 1], ValueError, "all axes must be unique"),
        ([2], ValueError, "axes exceeds dimensionality"),
        ([-3], ValueError, "axes exceeds dimensionality"),
        ([0.5], ValueError, "iterable of integers"),
        ("a", ValueError, "iterable of integers"),
    ],
)
def test_bad_axes_are_typed_errors(function, axes, error, match):
    with pytest.raises(error, match=match):
        getattr(convalg, function)(np.ones((3, 5)), np.ones((2, 2)), axes=axes)


def test_incompatible_broadcast_shapes_are_value_errors():
    with pytest.raises(ValueError, match="incompatible shapes"):
        convalg.fftconvolve(np.ones((3, 5)), np.ones((2, 2)), axes=[1])


@pytest.mark.parametrize("function", ALL)
@pytest.mark.parametrize(
    "bad",
    [
        np.array(["a", "b"]),
        np.array([b"a"]),
        np.array([1, 2], dtype="datetime64[s]"),
        np.array([1, 2], dtype="timedelta64[s]"),
    ],
    ids=["str", "bytes", "datetime", "timedelta"],
)
def test_non_numeric_dtypes_are_type_errors_naming_the_argument(function, bad):
    with pytest.raises(TypeError, match="in1 has dtype"):
        getattr(convalg, function)(bad, np.ones(2))
    with pytest.raises(TypeError, match="in2 has dtype"):
        getattr(convalg, function)(np.ones(2), bad)


@pytest.mark.parametrize("function", ["convolve", "correlate"])
def test_empty_inputs_are_value_errors_only_where_scipy_raises_too(function):
    """Defect 9 of issue 13: the error claimed scipy rejects every empty input; scipy returns
    an empty result in 'same' mode with an empty in1, and zeros (empty sums) in N-D 'valid'."""
    for a, b in [(np.array([]), np.ones(2)), (np.ones(2), np.zeros((0,))), (np.zeros((0, 3)), np.ones((2, 2)))]:
        with pytest.raises(ValueError):  # noqa: PT011 - scipy's own refusal, in scipy's words
            getattr(ss, function)(a, b)  # 'full': scipy raises for every empty input
        with pytest.raises(ValueError, match=r"an empty input has no mode='full' result.*scipy\.signal raises"):
            getattr(convalg, function)(a, b)
    with pytest.raises(ValueError, match="no mode='same' result"):
        getattr(convalg, function)(np.ones(3), np.array([]), mode="same")
    for a, b, mode in [
        (np.array([]), np.ones(2), "same"),
        (np.zeros((0, 3)), np.ones((2, 2)), "same"),
        (np.zeros((0, 3)), np.zeros((0, 2)), "valid"),
        (np.zeros((0, 3)), np.ones((2, 4)), "valid"),
        (np.ones((2, 4), np.int8), np.zeros((0, 3), np.int8), "valid"),
    ]:
        expected = getattr(ss, function)(a, b, mode=mode, method="direct")
        out = getattr(convalg, function)(a, b, mode=mode)
        assert out.shape == expected.shape and np.array_equal(out, expected)
    # numpy.convolve (scipy's 1-D path) raises here; the empty sums are zeros in any dimension
    assert getattr(convalg, function)(np.ones(3), np.array([]), mode="valid").tolist() == [0.0] * 4


@pytest.mark.parametrize("function", ["fftconvolve", "oaconvolve"])
def test_empty_inputs_give_scipys_empty_result_in_fftconvolve(backend, function):
    out = convalg.backends.to_numpy(getattr(convalg, function)(np.zeros((0, 3)), np.ones((2, 2)), backend=backend))
    expected = getattr(ss, function)(np.zeros((0, 3)), np.ones((2, 2)))
    assert out.shape == expected.shape and out.dtype == expected.dtype


@pytest.mark.parametrize("function", ["convolve2d", "correlate2d"])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_empty_inputs_give_scipys_result_in_convolve2d(backend, function, mode):
    for a, b in [
        (np.zeros((0, 3)), np.ones((2, 2))),
        (np.ones((3, 3)), np.ones((0, 2))),
        (np.zeros((0, 3)), np.ones((2, 4))),
        (np.ones((2, 4)), np.zeros((0, 3))),
    ]:
        for fillvalue in (0, 1.5):
            try:
                expected = getattr(ss, function)(a, b, mode=mode, fillvalue=fillvalue)
            except ValueError:
                with pytest.raises(ValueError):  # noqa: PT011 - parity: refused wherever scipy refuses
                    getattr(convalg, function)(a, b, mode=mode, fillvalue=fillvalue, backend=backend)
                continue
            out = getattr(convalg, function)(a, b, mode=mode, fillvalue=fillvalue, backend=backend)
            out = convalg.backends.to_numpy(out)
            assert out.shape == expected.shape and np.array_equal(out, expected), (a.shape, b.shape)


@pytest.mark.parametrize("boundary", ["wrap", "symm"])
def test_an_empty_in1_cannot_be_extended_periodically(boundary):
    # scipy.signal.convolve2d dies of a floating point exception (SIGFPE) on this input
    with pytest.raises(ValueError, match=f"boundary='{boundary}' cannot extend an empty in1"):
        convalg.convolve2d(np.zeros((0, 3)), np.ones((2, 2)), boundary=boundary)


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
    with pytest.raises(ValueError, match="Mode x is invalid"):
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
    with pytest.raises(ValueError, match=r"fillvalue 1\.5 is not an integer"):
        convalg.convolve2d(np.ones((3, 3), int), np.ones((2, 2), int), fillvalue=1.5)
    assert convalg.convolve2d(np.ones((3, 3), int), np.ones((2, 2), int), fillvalue=2.0)[0, 0] == 7


def test_cupy_without_a_device_is_refused_by_name_and_numpy_still_works():
    from convalg import backends

    status = backends.available()["cupy"]
    if status.usable:
        pytest.skip("a CUDA device is present; the unusable case cannot be shown here")
    with pytest.raises(backends.BackendUnavailableError, match="backend 'cupy' is not usable here: cupy"):
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


def test_the_memory_guard_counts_the_conjugate_copy_of_a_complex_second_input(monkeypatch):
    """Defect 7 of issue 13: correlate copied conj(in2) before any check; a broadcast complex
    in2 of 10**10 elements (160 GB once copied) must be refused before it is touched."""
    monkeypatch.setenv("CONVALG_MEMORY_LIMIT", str(10**9))
    huge = np.broadcast_to(np.complex128(1 + 1j), (10**10,))
    with pytest.raises(MemoryError, match=r"would need about 149\.\d GiB"):
        convalg.correlate(huge, huge, mode="valid")  # a result of one element


@pytest.mark.parametrize("function", ["fftconvolve", "oaconvolve"])
def test_the_memory_guard_covers_the_product_when_no_axis_is_convolved(monkeypatch, function):
    """Defect 7 of issue 13: with a length-1 input on every axis the broadcast product was
    computed unchecked (10**12 elements here)."""
    monkeypatch.setenv("CONVALG_MEMORY_LIMIT", str(10**9))
    row = np.broadcast_to(1.0, (1, 10**6))
    with pytest.raises(MemoryError, match=r"would need about 7\.3 TiB"):
        getattr(convalg, function)(row, row.T)


def test_the_memory_guard_counts_input_conversions(monkeypatch):
    """An int8 view of 2**31 zero-stride elements becomes 16 GiB of int64 before summing."""
    monkeypatch.setenv("CONVALG_MEMORY_LIMIT", str(10**9))
    view = np.broadcast_to(np.int8(1), (2**31,))
    with pytest.raises(MemoryError, match=r"would need about 32\.0 GiB"):
        convalg.convolve(view, view[3:], mode="valid")


@pytest.mark.parametrize("value", ["lots", "-1", "0", "nan", ""])
def test_a_bad_memory_limit_names_the_environment_variable(monkeypatch, value):
    monkeypatch.setenv("CONVALG_MEMORY_LIMIT", value)
    if value == "":  # unset in effect: the available memory is the limit
        assert convalg.convolve(np.ones(3), np.ones(2)).tolist() == [1, 2, 2, 1]
        return
    with pytest.raises(ValueError, match=f"CONVALG_MEMORY_LIMIT must be a positive number of bytes.*got '{value}'"):
        convalg.convolve(np.ones(3), np.ones(2))


def test_an_infinite_memory_limit_means_no_limit(monkeypatch):
    monkeypatch.setenv("CONVALG_MEMORY_LIMIT", "inf")
    assert convalg.convolve(np.ones(3), np.ones(2)).tolist() == [1, 2, 2, 1]


@pytest.mark.parametrize(
    ("fillvalue", "match"),
    [
        (2**70, "fillvalue 1180591620717411303424 is outside the int64 range"),
        (-(2**63) - 1, "is outside the int64 range"),
        (np.nan, "fillvalue nan is not finite but the inputs are integers"),
        (np.inf, "fillvalue inf is not finite"),
        (2.5, "fillvalue 2.5 is not an integer"),
    ],
)
def test_integer_inputs_refuse_a_fillvalue_their_exact_result_cannot_hold(fillvalue, match):
    with pytest.raises(ValueError, match=match):
        convalg.convolve2d(np.ones((3, 3), int), np.ones((2, 2), int), fillvalue=fillvalue)


def test_unsigned_inputs_refuse_a_negative_fillvalue():
    with pytest.raises(ValueError, match="fillvalue -1 is outside the uint64 range"):
        convalg.convolve2d(np.ones((3, 3), np.uint64), np.ones((2, 2), np.uint64), fillvalue=-1)


def test_a_huge_integer_fillvalue_works_for_floating_inputs():
    out = convalg.convolve2d(np.ones((1, 1)), np.ones((1, 2)), fillvalue=2**70)
    assert out.tolist() == [[1 + 2.0**70, 1 + 2.0**70]]
    with pytest.raises(ValueError, match="outside the range of the float64 result"):
        convalg.convolve2d(np.ones((1, 1)), np.ones((1, 2)), fillvalue=10**400)
