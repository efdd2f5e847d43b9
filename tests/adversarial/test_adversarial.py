"""The adversarial suite: hostile but well-formed calls of every convalg.signal function,
each checked against the exact oracle of ``adversarial_oracle`` (Python ints and Fractions,
written from the definitions), never against convalg or scipy.

For every call:

* an exact integer (or boolean, or object) result equals the exact result; an
  ``OverflowError`` is allowed only when an exact output is outside the result dtype;
* a floating result has the documented dtype and shape and is within the bound its own
  ``convalg.signal.plan`` names (componentwise for 'direct', normwise for 'fft'/'oa') of
  the exact result of the inputs as converted to that dtype; NaN and Inf stay where IEEE's
  extended reals put them (direct method), and outputs beyond the range are infinite;
* the inputs are left exactly as they were (values, layout, writeability);
* errors are typed (ValueError/TypeError) and only where the call is invalid.

Profiles (``HYPOTHESIS_PROFILE``, tests/conftest.py): ``ci`` (20 examples per property, a
few hundred calls), ``dev`` (60), ``thorough`` for nightly runs (1000 per property; about
ten thousand calls). ``CONVALG_ADVERSARIAL_COUNTS=path`` writes the number of calls made
and their outcomes to ``path.<worker>.json``.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import threading
import warnings
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction

import numpy as np
import pytest
from adversarial_calls import ARRAY_API_DTYPES, Call, calls, snapshot
from adversarial_oracle import NAN, is_finite, oracle, to_float, valid_compatible
from hypothesis import example, given, note
from hypothesis import strategies as st

import convalg
from convalg import backends, errorbounds
from convalg.backends import BackendUnavailableError

BACKENDS = ["numpy", "array_api_strict"] + (["cupy"] if backends.available()["cupy"].usable else [])
FREQUENCY = ("fftconvolve", "oaconvolve")
COUNTS: Counter = Counter()
_COUNT_LOCK = threading.Lock()


@pytest.fixture(scope="module", autouse=True)
def _write_counts():
    yield
    target = os.environ.get("CONVALG_ADVERSARIAL_COUNTS")
    if target:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        with open(f"{target}.{worker}.json", "w") as stream:
            json.dump(dict(COUNTS), stream, indent=1, sort_keys=True)


def _count(key: str) -> None:
    with _COUNT_LOCK:
        COUNTS[key] += 1


# ------------------------------------------------------------------ expectations


def _native(dtype) -> np.dtype:
    dtype = np.dtype(dtype)
    return dtype.newbyteorder("=") if dtype.byteorder not in "=|" else dtype


def expected_dtype(function: str, d1, d2, convolved_axes: int = 1) -> np.dtype:
    """The README's dtype rules: scipy's result type, integers exact (int64/uint64).

    fftconvolve/oaconvolve give floats, except where no axis is convolved (every axis has
    a length-1 input): scipy returns ``in1 * in2`` there, and convalg its exact version.
    """
    d1, d2 = _native(d1), _native(d2)
    if function in FREQUENCY and convolved_axes:

        def promoted(d):
            return np.dtype(np.float64) if d.kind in "biuO" else (np.dtype(np.float32) if d == np.float16 else d)

        return np.result_type(promoted(d1), promoted(d2))
    kinds = {d1.kind, d2.kind}
    if kinds == {"b"}:
        return np.dtype(bool)
    if kinds <= set("biu"):
        return np.dtype(np.uint64) if kinds <= {"b", "u"} and np.dtype(np.uint64) in (d1, d2) else np.dtype(np.int64)
    if "O" in kinds:
        return np.dtype(object)
    return np.result_type(d1, d2)


def _convolved_axes(call: Call) -> int:
    a, b = np.asarray(call.in1), np.asarray(call.in2)
    axes = call.kwargs.get("axes")
    axes = range(a.ndim) if axes is None else axes
    return sum(1 for ax in axes if a.shape[ax] != 1 and b.shape[ax] != 1)


def _dtype_of(call: Call) -> np.dtype:
    return expected_dtype(call.function, np.asarray(call.in1).dtype, np.asarray(call.in2).dtype, _convolved_axes(call))


def expected_refusal(call: Call):
    """The exception type a valid implementation must raise for this call, or None."""
    a, b = np.asarray(call.in1), np.asarray(call.in2)
    backend = call.kwargs.get("backend", "numpy")
    if backend != "numpy" and any(_native(x.dtype) not in ARRAY_API_DTYPES for x in (a, b)):
        return TypeError  # the array library has no such dtype (or no objects)
    fill = call.kwargs.get("fillvalue", 0)
    dtype = _dtype_of(call)
    if dtype.kind == "u" and fill < 0:
        return ValueError  # README: an exact unsigned result cannot hold a negative fill
    if call.kwargs["mode"] == "valid":
        if call.function in FREQUENCY:
            axes = call.kwargs.get("axes")
            axes = range(a.ndim) if axes is None else axes
            conv = [ax for ax in axes if a.shape[ax] != 1 and b.shape[ax] != 1]
            shapes = [a.shape[ax] for ax in conv], [b.shape[ax] for ax in conv]
        else:
            shapes = a.shape, b.shape
        if not valid_compatible(*shapes):
            return ValueError
    return None


def _threshold(dtype) -> Fraction:
    """The magnitude from which round-to-nearest gives infinity in ``dtype``."""
    info = np.finfo(np.empty(0, dtype).real.dtype)
    return Fraction(*info.max.as_integer_ratio()) + Fraction(2) ** (int(info.maxexp) - int(info.nmant) - 2)


def _exact_out(value):
    """A computed element as exact parts (Fractions or non-finite markers)."""
    from adversarial_oracle import exact

    v = exact(value)
    return v if isinstance(v, tuple) else (v,)


def _parts(c):
    return c if isinstance(c, tuple) else (c,)


# ------------------------------------------------------------------ the check


def run_and_check(call: Call, main_thread: bool = True) -> None:
    """Call convalg and hold the outcome to the oracle (see the module docstring).

    Only in the test's own thread is the call added to hypothesis's report and are its
    warnings checked (the warnings filters are process-wide, not per thread).
    """
    if main_thread:
        note(repr(call))
    before = snapshot(call.in1), snapshot(call.in2)
    refusal = expected_refusal(call)
    function = getattr(convalg, call.function)
    _count(f"call {call.function}")
    try:
        with warnings.catch_warnings(record=True) if main_thread else _no_record() as caught:
            if main_thread:
                warnings.simplefilter("always")
            result = function(call.in1, call.in2, **call.kwargs)
    except Exception as exc:  # noqa: BLE001 - judged below: the type must be the one the call earns
        assert (snapshot(call.in1), snapshot(call.in2)) == before, "an input was modified"
        _count(f"refused {type(exc).__name__}")
        _check_refusal(call, exc, refusal)
        return
    assert (snapshot(call.in1), snapshot(call.in2)) == before, "an input was modified"
    assert refusal is None, f"expected {refusal.__name__}, got a result"
    _count("returned")
    _check_result(call, backends.to_numpy(result), caught if main_thread else None)


@contextlib.contextmanager
def _no_record():
    yield None


def _check_refusal(call: Call, exc: Exception, refusal) -> None:
    if refusal is not None:
        assert isinstance(exc, refusal), f"expected {refusal.__name__}, got {exc!r}"
        return
    if isinstance(exc, OverflowError):
        dtype = _dtype_of(call)
        assert dtype.kind in "iu", f"OverflowError for a {dtype} result: {exc}"
        exact = oracle(call.function, call.in1, call.in2, **_oracle_kwargs(call))
        info = np.iinfo(dtype)
        outside = [v for v in exact.values.ravel() if not info.min <= v <= info.max]
        assert outside, f"OverflowError although every exact output fits {dtype}: {exc}"
        assert str(int(outside[0])) in str(exc) or "too large to check" in str(exc), exc
        return
    raise AssertionError(f"unexpected {type(exc).__name__}: {exc}") from exc


def _oracle_kwargs(call: Call) -> dict:
    return {k: v for k, v in call.kwargs.items() if k in ("mode", "axes", "boundary", "fillvalue")}


def _check_result(call: Call, out: np.ndarray, caught) -> None:
    a, b = np.asarray(call.in1), np.asarray(call.in2)
    dtype = _dtype_of(call)
    assert out.dtype == dtype, f"dtype {out.dtype}, expected {dtype}"
    options = _oracle_kwargs(call)
    if dtype.kind in "fc":
        # the reference is the exact result of the inputs (and fill value) as the engines
        # see them: converted to the computing dtype (the result's; float32 for float16)
        engine = np.dtype(np.float32) if dtype == np.float16 else dtype
        with np.errstate(over="ignore", under="ignore"):
            a, b = (
                a.astype(engine if a.dtype.kind != "O" else np.float64),
                b.astype(engine if b.dtype.kind != "O" else np.float64),
            )
            if "fillvalue" in options:
                options["fillvalue"] = np.asarray(options["fillvalue"]).astype(engine)[()]
    exact = oracle(call.function, a, b, **options)
    assert out.shape == exact.values.shape, f"shape {out.shape}, expected {exact.values.shape}"
    if dtype.kind == "b":
        _count("checked exact (bool)")
        assert (
            out.tolist() == [[v != 0 for v in row] for row in exact.values.tolist()]
            if out.ndim == 2
            else (out == np.vectorize(lambda v: v != 0, otypes=[bool])(exact.values)).all()
        )
        return
    if dtype.kind in "iuO":
        _count("checked exact")
        computed = [Fraction(v) for v in out.ravel().tolist()]
        assert computed == list(exact.values.ravel()), "not the exact result"
        return
    _count("checked within bound")
    kwargs = {k: v for k, v in call.kwargs.items() if k != "backend"}
    plan = convalg.signal.plan(call.function, call.in1, call.in2, backend=call.kwargs.get("backend"), **kwargs)
    assert plan.dtype == dtype
    finite_inputs = all(np.isfinite(x).all() for x in (a, b))
    explicit_fft = call.kwargs.get("method") in ("fft", "oa") and plan.method in ("fft", "oa")
    if explicit_fft and not finite_inputs and caught is not None:
        assert any(issubclass(w.category, RuntimeWarning) and "NAN or inf" in str(w.message) for w in caught), (
            "no RuntimeWarning for an FFT of NaN/Inf input"
        )
    if plan.method == "direct":
        assert exact.terms <= plan.terms, f"plan.terms {plan.terms} < {exact.terms} products"
        _check_componentwise(out, exact.values, _direct_bounds(exact.magnitude, plan), dtype)
    elif finite_inputs:
        _check_normwise(out, exact.values, _fft_bound(a, b, plan), dtype)


def _direct_bounds(magnitude: np.ndarray, plan) -> np.ndarray:
    """errorbounds.direct's bound per output as Fractions: it is ``coefficient * magnitude +
    underflow``, evaluated exactly so that magnitudes beyond the float range keep a finite
    bound."""
    underflow = Fraction(float(errorbounds.direct(np.zeros(1), terms=plan.terms, dtype=plan.dtype).value[0]))
    unit = Fraction(float(errorbounds.direct(np.ones(1), terms=plan.terms, dtype=plan.dtype).value[0]))
    coefficient = unit - underflow
    out = np.empty(magnitude.shape, dtype=object)
    for index in np.ndindex(*magnitude.shape):
        out[index] = coefficient * magnitude[index] + underflow
    return out


def _fft_bound(a, b, plan) -> float:
    wide = np.complex128 if np.iscomplexobj(a) or np.iscomplexobj(b) else np.float64
    with np.errstate(over="ignore"):  # long doubles beyond float64: an infinite (vacuous) bound
        a, b = a.astype(wide), b.astype(wide)
    if plan.method == "oa":
        main = errorbounds.overlap_add(a, b, block_fft_shape=plan.fft_shape, overlaps=plan.overlaps, dtype=plan.dtype)
        blocks = max(1, a.size)
    else:
        main = errorbounds.fft(a, b, fft_shape=plan.fft_shape, dtype=plan.dtype)
        blocks = 1
    under = errorbounds.fft_underflow(a, b, fft_shape=plan.fft_shape, dtype=plan.dtype, blocks=blocks)
    return float(main.value) + float(under.value)


def _check_componentwise(out, exact, bound, dtype) -> None:
    threshold = _threshold(dtype)
    for index in np.ndindex(*out.shape):
        c, o, e = exact[index], _exact_out(out[index]), bound[index]
        if not is_finite(c):
            _check_nonfinite(c, o, index)
            continue
        parts = _parts(c)
        if not all(isinstance(p, Fraction) for p in o):
            near = all(abs(p) + e >= threshold for p, q in zip(parts, o) if not isinstance(q, Fraction))
            assert near, (
                f"output {index} is {out[index]} where the exact value "
                f"{[to_float(p) for p in parts]} is representable (bound {to_float(e):.3g})"
            )
            continue
        deviation = sum((p - q) ** 2 for p, q in zip(parts, o))
        assert deviation <= e * e, (
            f"output {index}: {out[index]} is {math.sqrt(to_float(deviation)):.3g} from the exact "
            f"{[to_float(p) for p in parts]}, beyond the bound {float(e):.3g}"
        )


def _check_nonfinite(c, o, index) -> None:
    if isinstance(c, tuple):  # complex: IEEE leaves the components to the algorithm
        assert not all(isinstance(q, Fraction) for q in o), f"output {index} is finite, exact {c}"
        return
    (q,) = o
    if c == NAN:
        assert q == NAN, f"output {index}: {q} where IEEE gives NaN"
    else:
        assert q == c, f"output {index}: {q} where IEEE gives {c}"


def _check_normwise(out, exact, bound: float, dtype) -> None:
    threshold = _threshold(dtype)
    e = Fraction(bound) if math.isfinite(bound) else None
    total = Fraction(0)
    for index in np.ndindex(*out.shape):
        parts, o = _parts(exact[index]), _exact_out(out[index])
        if not all(isinstance(q, Fraction) for q in o):
            assert e is None or any(abs(p) + e >= threshold for p in parts), (
                f"output {index} is {out[index]} where the exact value is representable"
            )
            continue
        total += sum((p - q) ** 2 for p, q in zip(parts, o))
    assert e is None or total <= e * e, f"normwise error {to_float(total) ** 0.5:.3g} > bound {bound:.3g}"


# ------------------------------------------------------------------ the properties


@given(call=calls("biuO", BACKENDS))
def test_integer_boolean_and_object_results_are_exact_or_refused_exactly(call):
    run_and_check(call)


@given(call=calls("fc", BACKENDS))
@example(  # found by the random profile: a fill value that float32 rounds to zero, and an Inf tap
    call=Call(
        "convolve2d",
        np.zeros((6, 7), np.float16),
        np.array([[0.0, np.inf]], np.float16),
        {"mode": "full", "boundary": "fill", "fillvalue": 1.4667394085089735e-176},
    )
)
def test_floating_results_are_within_their_plans_bound_of_the_exact_result(call):
    run_and_check(call)


def _found(function, in1, in2, **kwargs) -> Call:
    return Call(function, in1, in2, {"mode": "full", **kwargs})


@given(call=calls("biufcO", BACKENDS))
# what earlier runs of this suite found (each also has a regression test in tests/signal)
@example(
    call=_found(
        "convolve", np.array([3, 2**64 - 1, 3], ">u8"), np.array([1, 1], np.uint64), mode="valid", method="auto"
    )
)
@example(call=_found("convolve", np.zeros((2, 3), bool), np.full((2, 2), -(2**63)), method="auto"))
@example(
    call=_found(
        "convolve",
        np.array([[[0, 0]], [[0, 0]], [[0, -(2**31)]]], np.int32),
        np.array([[[-(2**31), -(2**31)]]], np.int32),
        method="fft",
    )
)
@example(
    call=_found(
        "convolve",
        np.zeros((1, 5), np.complex64),
        np.pad(np.full((1, 5), 8.5070587e37j, np.complex64), ((2, 1), (0, 0))),
        method="fft",
    )
)
@example(call=_found("convolve", np.array([0], ">i2"), np.ones(20, bool), method="auto", backend="array_api_strict"))
@example(
    call=_found(
        "convolve2d",
        np.pad([[4.4942328371557893e307j]], ((4, 0), (4, 2))),
        np.array([[np.longdouble(5)]]),
        boundary="fill",
        fillvalue=0,
    )
)
def test_any_mix_of_dtypes_and_layouts_is_exact_within_bound_or_a_typed_refusal(call):
    run_and_check(call)


# NumPy's IEEE warning for an output that rounds to inf (an exact value beyond the range);
# the other properties record warnings per call, which threads cannot (filters are global)
@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
@given(batch=st.lists(calls("biufc", ["numpy"], nonfinite_allowed=False), min_size=2, max_size=5))
def test_concurrent_calls_give_what_calls_in_turn_give(batch):
    """Every call checked against the oracle while the others run in other threads."""
    for call in batch:
        note(repr(call))
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda call: run_and_check(call, main_thread=False), batch * 2))


BAD_ARGUMENTS = [
    {"mode": "bad"},
    {"mode": None},
    {"mode": 3},
    {"method": "bad"},
    {"method": None},
    {"axes": [0.5]},
    {"axes": [5]},
    {"axes": [0, 0]},
    {"axes": []},
    {"axes": "a"},
    {"boundary": "bad"},
    {"fillvalue": "x"},
    {"fillvalue": [1, 2]},
    {"fillvalue": 1j},
    {"fillvalue": np.nan},
    {"fillvalue": 2**70},
    {"backend": "jax"},
    {"backend": 3},
]


@given(
    function=st.sampled_from(["convolve", "correlate", "fftconvolve", "oaconvolve", "convolve2d", "correlate2d"]),
    bad=st.sampled_from(BAD_ARGUMENTS),
    inputs=st.sampled_from(
        [
            (np.ones((3, 3), np.int64), np.ones((2, 2), np.int64)),
            (np.ones((3, 3)), np.ones((2, 2))),
            (np.ones(3), np.ones((2, 2))),
            (np.array(["a", "b"]), np.ones(2)),
            (np.array([1, 2], dtype="datetime64[s]"), np.ones(2)),
            (None, np.ones(2)),
            ([[1, 2], [3]], np.ones(2)),
            (np.ones((2, 5)), np.ones((5, 2))),
        ]
    ),
)
def test_bad_arguments_get_a_typed_error_naming_them(function, bad, inputs):
    """Whatever is wrong, the answer is a ValueError or TypeError (or a result, where the
    argument does not apply to the function), never another exception."""
    import inspect

    parameters = inspect.signature(getattr(convalg, function)).parameters
    kwargs = {k: v for k, v in bad.items() if k in parameters}
    _count(f"call {function} (bad arguments)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            getattr(convalg, function)(*inputs, **kwargs)
    except (ValueError, TypeError) as exc:
        # a result or a refusal may both be right here; a refusal must be typed and say why
        assert not isinstance(exc, BackendUnavailableError)  # noqa: PT017
        assert str(exc), "an error without a message"  # noqa: PT017
    except OverflowError:
        pass  # an exact integer result out of range: the integer properties check these
