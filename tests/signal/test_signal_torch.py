"""torch tensors as a backend of every convalg.signal function.

Every result is checked on NumPy copies against the extended-precision scipy reference and the
bound its plan names (``signal_oracle.check``; exact integers: equality), and must be a tensor
of the expected dtype on the input's device, with the inputs left as they were. The shared
``backend`` fixture also runs the scipy-parity, exact-integer and law suites on torch; here
are the dtypes, the boundaries and the rules that belong to torch alone.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from signal_oracle import check, crop_like_scipy, exact_full, expected_dtype
from test_signal_scipy_parity import _data as sample  # the parity grid's seeded inputs

import convalg
from convalg import backends

torch = pytest.importorskip("torch", reason="torch is not installed (pip install torch)")
pytestmark = pytest.mark.torch

DTYPES = [
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "float32",
    "float64",
    "complex64",
    "complex128",
]
FUNCTIONS = ["convolve", "correlate", "fftconvolve", "oaconvolve", "convolve2d", "correlate2d"]
MODES = ["full", "same", "valid"]


def _options(function):
    """Every method (or boundary and fill value) the function takes."""
    if function in ("convolve", "correlate"):
        return [{"method": m} for m in ("auto", "direct", "fft", "oa")]
    if function.endswith("2d"):
        return [{"boundary": b, "fillvalue": f} for b, f in (("fill", 0), ("fill", 2), ("wrap", 0), ("symm", 0))]
    return [{}]


def _shapes(rng, function):
    """Random shapes, the larger input first or second (scipy's 'valid' swap). Axes of length 1
    are left out: fftconvolve multiplies along them, with dtype rules of its own."""
    if function.endswith("2d"):
        big, small = tuple(rng.integers(5, 14, 2)), tuple(rng.integers(1, 5, 2))
    else:
        ndim = int(rng.integers(1, 3))
        big, small = tuple(rng.integers(8, 60 if ndim == 1 else 12, ndim)), tuple(rng.integers(2, 6, ndim))
    return (big, small) if rng.random() < 0.5 else (small, big)


def _assert_tensor_result(out, like, numpy_result_dtype):
    assert isinstance(out, torch.Tensor), type(out)
    assert out.device == like.device
    assert not out.requires_grad
    assert backends.to_numpy(out).dtype == numpy_result_dtype


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_function_mode_and_method_on_tensors_matches_the_oracle(function, dtype):
    rng = np.random.default_rng([FUNCTIONS.index(function), DTYPES.index(dtype)])
    s1, s2 = _shapes(rng, function)
    a, b = sample(s1, dtype, int(rng.integers(2**32))), sample(s2, dtype, int(rng.integers(2**32)))
    ta, tb = torch.asarray(a), torch.asarray(b)
    before = (ta.clone(), tb.clone())
    for mode, options in itertools.product(MODES, _options(function)):
        if function == "correlate2d" and dtype.startswith("complex") and mode == "valid" and s1 < s2:
            continue  # scipy conjugates the other input here (a documented difference, README)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", np.exceptions.ComplexWarning)  # scipy's own 2-D fill check
            out = getattr(convalg, function)(ta, tb, mode=mode, **options)
        _assert_tensor_result(out, ta, expected_dtype(function, a, b))
        check(function, a, b, out, mode=mode, backend="torch", **options)  # the bound of the tensors' plan
    assert torch.equal(ta, before[0]) and torch.equal(tb, before[1]), "an input was modified"


@pytest.mark.parametrize("function", ["convolve", "correlate"])
def test_exact_integers_past_the_int64_bound_equal_python_integers_or_overflow(function):
    """Sums that may leave int64 are confirmed modulo 2**64 (through NumPy: torch has no uint64
    arithmetic); the exact value decides between a tensor and an OverflowError."""
    rng = np.random.default_rng(7)
    for _ in range(20):
        n, k = int(rng.integers(1, 40)), int(rng.integers(1, 6))
        top = 2 ** int(rng.integers(58, 63))
        a = rng.integers(-top, top, size=n, dtype=np.int64)
        b = rng.integers(-4, 5, size=k, dtype=np.int64)
        kernel = b if function == "convolve" else b[::-1]
        exact = crop_like_scipy(exact_full(a, kernel), a.shape, b.shape, "full")
        fits = all(-(2**63) <= int(v) < 2**63 for v in exact)
        ta, tb = torch.asarray(a), torch.asarray(b)
        if fits:
            out = getattr(convalg, function)(ta, tb)
            _assert_tensor_result(out, ta, np.dtype(np.int64))
            assert backends.to_numpy(out).tolist() == [int(v) for v in exact]
        else:
            with pytest.raises(OverflowError, match="outside the int64 range"):
                getattr(convalg, function)(ta, tb)


@pytest.mark.parametrize(("dtype1", "dtype2"), [("uint64", "uint64"), ("uint32", "uint64"), ("uint16", "int8")])
def test_wide_unsigned_tensors_compute_exactly_and_return_tensors(dtype1, dtype2):
    a = np.array([2**63 if dtype1 == "uint64" else 60000, 3, 1], dtype=dtype1)
    b = np.array([1, 1], dtype=dtype2)
    out = convalg.convolve(torch.asarray(a), torch.asarray(b))
    _assert_tensor_result(out, torch.asarray(a), expected_dtype("convolve", a, b))
    assert backends.to_numpy(out).tolist() == [int(v) for v in exact_full(a, b)]


@pytest.mark.parametrize("kernel", [[[1, 2, 1], [2, 4, 2]], [[1.0, -2.0], [0.5, -1.0]]])
def test_separable_kernels_run_as_passes_on_tensors_without_warnings(kernel):
    """Found here: integer factors (Python ints) could not become tensors, and float factors
    (read-only NumPy memory) made torch warn."""
    image = torch.arange(42).reshape(6, 7)
    weights = torch.asarray(kernel)
    image = image.to(weights.dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = convalg.convolve2d(image, weights, mode="same")
    check("convolve2d", image.numpy(), weights.numpy(), out, mode="same")


def test_views_with_conjugate_and_negative_bits_and_strides_compute_their_values():
    x = torch.arange(24, dtype=torch.float64).reshape(4, 6) * (1 + 2j)
    views = {
        "conj": torch.conj(x),  # a lazy conjugate bit
        "neg": torch.neg(torch.conj(x)).conj(),
        "transposed": x.T,
        "stepped": x[::2, 1::2],
        "flipped": torch.flip(x, (1,)),
    }
    k = torch.asarray([[1.0 + 1j, 2.0], [0.5, -1j]])
    for name, view in views.items():
        values = view.resolve_conj().resolve_neg().numpy().copy()
        for function in ("convolve", "correlate", "fftconvolve", "correlate2d"):
            out = getattr(convalg, function)(view, k)
            check(function, values, k.numpy(), out)
        assert np.array_equal(view.resolve_conj().resolve_neg().numpy(), values), name


def test_zero_rank_empty_and_nonfinite_tensors_follow_the_numpy_rules():
    for a, b, options in [
        (torch.tensor(2.0), torch.tensor(3.0), {}),
        (torch.zeros(0), torch.ones(3), {"mode": "valid"}),
        (torch.tensor([1.0, float("nan"), 2.0, 0.0, 0.0]), torch.ones(2), {}),
        (torch.tensor([1e308, 1e308, -1e308], dtype=torch.float64), torch.ones(2, dtype=torch.float64), {}),
    ]:
        expected = convalg.convolve(a.numpy(), b.numpy(), **options)
        out = convalg.convolve(a, b, **options)
        _assert_tensor_result(out, a, expected.dtype)
        np.testing.assert_array_equal(out.numpy(), expected)


def test_plan_choice_and_lags_accept_tensors():
    a, b = torch.ones(1000), torch.ones(300)
    # the cost model knows NumPy's fast paths: the plan is the one of the torch backend
    assert convalg.signal.plan("convolve", a, b) == convalg.signal.plan(
        "convolve", a.numpy(), b.numpy(), backend="torch"
    )
    assert convalg.choose_conv_method(a, b) == convalg.signal.plan("convolve", a, b).method
    lags = convalg.correlation_lags(4, 3, backend="torch")
    assert isinstance(lags, torch.Tensor) and lags.tolist() == [-2, -1, 0, 1, 2, 3]


def test_numpy_and_torch_inputs_are_a_type_error_naming_both_unless_a_backend_is_forced():
    with pytest.raises(TypeError, match=r"in1 is torch, in2 is numpy"):
        convalg.convolve(torch.ones(3), np.ones(2))
    with pytest.raises(TypeError, match=r"in1 is numpy, in2 is torch"):
        convalg.correlate2d(np.ones((3, 3)), torch.ones((2, 2)))
    flipped = np.arange(5.0)[::-1]  # negative strides, which torch.asarray refuses
    flipped.flags.writeable = False
    forced = convalg.convolve(torch.ones(3, dtype=torch.float64), flipped, backend="torch")
    assert isinstance(forced, torch.Tensor) and forced.tolist() == np.convolve(np.ones(3), flipped).tolist()
    host = convalg.convolve(torch.ones(3), torch.ones(2), backend="numpy")
    assert isinstance(host, np.ndarray) and host.tolist() == [1, 2, 2, 1]


def test_a_tensor_that_requires_grad_is_refused_outside_no_grad_naming_it():
    x = torch.ones(4, requires_grad=True)
    with pytest.raises(TypeError, match=r"in2 is a torch tensor that requires grad.*in2\.detach\(\)"):
        convalg.convolve(torch.ones(3), x)
    with torch.no_grad():
        out = convalg.convolve(torch.ones(3), x)
    assert out.tolist() == [1, 2, 3, 3, 2, 1] and not out.requires_grad
    with torch.inference_mode():
        assert convalg.fftconvolve(x, x).shape == (7,)
    assert convalg.convolve(torch.ones(3), x.detach()).tolist() == [1, 2, 3, 3, 2, 1]


@pytest.mark.filterwarnings("ignore:ComplexHalf support is experimental:UserWarning")
@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: torch.ones(3, dtype=torch.bfloat16), "in1 has dtype torch.bfloat16, which has no NumPy equivalent"),
        (lambda: torch.ones(3, dtype=torch.complex32), "in1 has dtype torch.complex32"),
        (lambda: torch.ones(3).to_sparse(), "in1 is a torch tensor of layout torch.sparse_coo"),
    ],
)
def test_tensors_without_a_numpy_equivalent_are_refused_naming_the_argument(make, words):
    with pytest.raises(TypeError, match=words):
        convalg.convolve(make(), torch.ones(2))


def test_backends_report_torch_with_its_version_and_devices():
    status = backends.available()["torch"]
    assert status.usable and torch.__version__ in status.detail
    assert f"{torch.cuda.device_count()} CUDA device(s)" in status.detail
    assert backends.status("torch") == status


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here; CPU tensors run the same code")
@pytest.mark.parametrize("function", FUNCTIONS)
def test_cuda_tensors_give_cuda_results(function):
    for dtype in ("int64", "float32", "complex128", "uint64"):
        a, b = sample((9, 8), dtype, 1), sample((3, 2), dtype, 2)
        ta, tb = torch.asarray(a, device="cuda"), torch.asarray(b, device="cuda")
        out = getattr(convalg, function)(ta, tb)
        _assert_tensor_result(out, ta, expected_dtype(function, a, b))
        check(function, a, b, out)
    with pytest.raises(TypeError, match="in1 is on cuda:0, in2 is on cpu"):
        convalg.convolve(torch.ones(3, device="cuda"), torch.ones(2))
