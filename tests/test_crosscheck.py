"""convalg.crosscheck: every result is held to the bound of the method that computed it."""

from __future__ import annotations

import json
import math
import warnings
from fractions import Fraction

import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st

import convalg.signal as signal
from convalg.backends import BackendUnavailableError, available
from convalg.testing._crosscheck import FUNCTIONS, _as_objects, _oracle, _quiet_if_nonfinite, _reference, crosscheck
from convalg.testing.battery import battery, run_case

RNG = np.random.default_rng(20261125)


def _convalg_rows(check):
    return [row for row in check.rows if row.engine == "convalg"]


def _add_error(monkeypatch, function: str, error: float, *, where=0):
    """Make convalg's ``function`` return its own result plus ``error`` at one element."""
    original = getattr(signal, function)

    def wrong(*args, **kwargs):
        out = np.array(original(*args, **kwargs), copy=True)
        out.flat[where] += error
        return out

    monkeypatch.setattr(signal, function, wrong)


# --------------------------------------------------------------------------- passing calls


@pytest.mark.parametrize(
    ("function", "args", "options"),
    [
        ("convolve", (RNG.standard_normal(300), RNG.standard_normal(12)), {"mode": "same"}),
        ("correlate", (RNG.standard_normal((20, 16)) + 1j, RNG.standard_normal((5, 4))), {"mode": "valid"}),
        ("fftconvolve", (RNG.standard_normal((3, 200)), RNG.standard_normal((1, 17))), {"axes": 1}),
        ("oaconvolve", (RNG.standard_normal(1500), RNG.standard_normal(40)), {}),
        (
            "convolve2d",
            (RNG.standard_normal((15, 12)), RNG.standard_normal((4, 3))),
            {"mode": "same", "boundary": "symm"},
        ),
        (
            "correlate2d",
            (RNG.standard_normal((10, 9)), RNG.standard_normal((3, 3))),
            {"boundary": "fill", "fillvalue": 2.5},
        ),
        ("convolve", (RNG.integers(-50, 50, 200), RNG.integers(-50, 50, 31)), {}),
    ],
)
def test_crosscheck_passes_on_correct_results_of_every_function(function, args, options):
    check = crosscheck(function, *args, **options)
    assert check.ok, str(check)
    assert all(row.ratio <= 1 for row in check.rows if row.counted)
    assert {row.engine for row in check.rows} >= {"convalg", "scipy.signal"}


def test_crosscheck_runs_every_usable_backend_and_every_method():
    check = crosscheck("convolve", RNG.standard_normal(100), RNG.standard_normal(7))
    ran = {(row.backend, row.method) for row in _convalg_rows(check)}
    expected = {(b, m) for b in ("numpy", "array_api_strict") for m in FUNCTIONS["convolve"]}
    assert ran == expected
    assert [row.engine for row in check.rows].count("scipy.signal") == 1


def test_method_and_backend_keywords_narrow_the_check():
    check = crosscheck("correlate", RNG.standard_normal(50), RNG.standard_normal(5), method="fft", backend="numpy")
    assert [(r.backend, r.method) for r in _convalg_rows(check)] == [("numpy", "fft")]


# --------------------------------------------------------------------------- the bound follows the plan


@pytest.mark.parametrize("backend", ["numpy", "array_api_strict"])
@pytest.mark.parametrize("method", ["direct", "fft", "oa", "auto"])
def test_bound_is_the_one_for_the_method_the_plan_reports(method, backend):
    a, b = RNG.standard_normal(2000) + 1j * RNG.standard_normal(2000), RNG.standard_normal(35)
    check = crosscheck("convolve", a, b, mode="same", method=method, backend=backend)
    (row,) = _convalg_rows(check)
    plan = signal.plan("convolve", a, b, mode="same", method=method, backend=backend)
    assert row.chosen == plan.method
    expected = {"direct": "componentwise gamma_", "fft": "normwise FFT bound", "oa": "normwise overlap-add bound"}
    assert row.description.startswith(expected[plan.method])
    assert row.description.endswith("+ long-double reference bound")


def test_integer_inputs_are_checked_for_exact_equality():
    a, b = RNG.integers(-1000, 1000, 300), RNG.integers(-1000, 1000, 50)
    check = crosscheck("convolve", a, b, backend="numpy")
    assert check.ok, str(check)
    assert check.reference.startswith("reference: exact")
    for row in _convalg_rows(check):
        assert row.description.startswith("exact equality")
        assert row.deviation == 0 and row.ratio == 0


def test_an_integer_result_off_by_one_fails(monkeypatch):
    _add_error(monkeypatch, "convolve", 1, where=7)
    check = crosscheck("convolve", RNG.integers(-9, 9, 40), RNG.integers(-9, 9, 5), method="direct", backend="numpy")
    (row,) = _convalg_rows(check)
    assert not check.ok and not row.ok
    assert row.deviation == 1 and row.ratio == math.inf


def test_narrow_integer_inputs_may_be_widened_to_int64_but_scipy_wraps():
    a = RNG.integers(-128, 128, 200).astype(np.int8)
    b = RNG.integers(-128, 128, 31).astype(np.int8)
    check = crosscheck("convolve", a, b, method="direct", backend="numpy")
    (ours,) = _convalg_rows(check)
    (theirs,) = [row for row in check.rows if row.engine == "scipy.signal"]
    assert ours.ok and ours.dtype in ("int8", "int16", "int32", "int64")
    # scipy's int8 result wraps around; it is shown, but it does not count against convalg.
    assert not theirs.ok and not theirs.counted and check.ok


# --------------------------------------------------------------------------- detecting wrong results


def test_crosscheck_detects_an_error_above_the_direct_bound(monkeypatch):
    a, b = RNG.standard_normal(100), RNG.standard_normal(9)
    _add_error(monkeypatch, "convolve", 1e-11, where=50)
    check = crosscheck("convolve", a, b, method="direct", backend="numpy")
    (row,) = _convalg_rows(check)
    assert not check.ok and not row.ok
    assert row.ratio > 1 and row.deviation == pytest.approx(1e-11, rel=1e-3)


def test_crosscheck_detects_an_error_above_the_fft_bound(monkeypatch):
    a, b = RNG.standard_normal(500), RNG.standard_normal(60)
    _add_error(monkeypatch, "fftconvolve", 1e-8)
    check = crosscheck("fftconvolve", a, b, backend="numpy")
    (row,) = _convalg_rows(check)
    assert row.description.startswith("normwise FFT bound")
    assert not check.ok and row.ratio > 1


def test_crosscheck_detects_a_flipped_kernel(monkeypatch):
    original = signal.convolve2d
    monkeypatch.setattr(signal, "convolve2d", lambda a, b, *args, **kw: original(a, b[::-1, ::-1], *args, **kw))
    check = crosscheck("convolve2d", RNG.standard_normal((12, 12)), RNG.standard_normal((3, 3)), backend="numpy")
    assert not check.ok and _convalg_rows(check)[0].ratio > 1e6


def test_a_shape_or_dtype_other_than_scipys_fails(monkeypatch):
    original = signal.correlate
    monkeypatch.setattr(signal, "correlate", lambda *args, **kw: np.asarray(original(*args, **kw), np.complex128))
    check = crosscheck("correlate", RNG.standard_normal(30), RNG.standard_normal(4), method="direct", backend="numpy")
    (row,) = _convalg_rows(check)
    assert not row.ok and "dtype complex128 != scipy's float64" in row.note


def test_a_call_scipy_rejects_must_be_rejected_with_the_same_exception(monkeypatch):
    a, b = np.ones((3, 6)), np.ones((5, 4))  # 'valid' needs one input at least as large in every axis
    check = crosscheck("convolve", a, b, mode="valid", method="direct", backend="numpy")
    assert check.ok, str(check)
    monkeypatch.setattr(signal, "convolve", lambda *args, **kw: np.zeros(1))
    check = crosscheck("convolve", a, b, mode="valid", method="direct", backend="numpy")
    assert not check.ok and "convalg returned a result" in _convalg_rows(check)[0].description


def test_non_finite_values_spread_by_a_result_fail(monkeypatch):
    a = RNG.standard_normal(100)
    a[40] = np.nan
    b = RNG.standard_normal(5)
    assert crosscheck("convolve", a, b, method="auto", backend="numpy").ok
    original = signal.convolve

    def spread(*args, **kwargs):
        out = np.array(original(*args, **kwargs), copy=True)
        out[:] = np.nan
        return out

    monkeypatch.setattr(signal, "convolve", spread)
    check = crosscheck("convolve", a, b, method="direct", backend="numpy")
    assert not check.ok


NON_FINITE_CASES = [case for case in battery(quick=False) if "NaN" in case.label or "Inf" in case.label]


def test_convalg_check_has_cases_with_nan_and_with_inf():
    labels = " ".join(case.label for case in NON_FINITE_CASES)
    assert "NaN" in labels and "Inf" in labels, labels


@pytest.mark.parametrize("case", NON_FINITE_CASES, ids=lambda case: case.label)
def test_the_deliberate_non_finite_cases_of_convalg_check_raise_no_runtime_warning(case):
    errstate = np.geterr()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check, error = run_case(case, None)
    assert error is None and check.ok, error or check
    # The FFT rows ran: they are where an Inf * 0 or Inf - Inf warned before.
    assert any(row.chosen in ("fft", "oa") for row in _convalg_rows(check))
    assert [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)] == []
    assert np.geterr() == errstate  # silenced for those calls only, not globally


def test_only_calls_on_non_finite_input_are_silenced():
    with pytest.warns(RuntimeWarning, match="invalid value"), _quiet_if_nonfinite(np.ones(3), np.ones(2)):
        np.zeros(1) / np.zeros(1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with _quiet_if_nonfinite(np.array([1.0, np.inf]), np.ones(2)):
            np.zeros(1) / np.zeros(1)


def test_large_magnitudes_are_measured_without_overflow():
    a, b = 1e140 * RNG.standard_normal(300), 1e140 * RNG.standard_normal(40)
    check = crosscheck("convolve", a, b, method="fft", backend="numpy")
    assert check.ok, str(check)
    assert all(math.isfinite(row.deviation) and row.bound > 0 for row in check.rows)


# --------------------------------------------------------------------------- the references themselves


@pytest.mark.parametrize("function", ["convolve", "correlate", "fftconvolve", "convolve2d", "correlate2d"])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_exact_oracle_equals_scipy_on_small_integers(function, mode):
    two_d = function.endswith("2d")
    for shape, kshape in [((6, 5), (3, 4)), ((4, 4), (4, 4)), ((3, 5), (5, 7)), ((2, 7), (4, 2))]:
        a = RNG.integers(-20, 20, shape)
        b = RNG.integers(-20, 20, kshape)
        for boundary in ("fill", "wrap", "symm") if two_d else ("fill",):
            options = {"mode": mode, **({"boundary": boundary, "fillvalue": 3} if two_d else {})}
            try:
                expected = getattr(scipy.signal, function)(a.astype(float), b.astype(float), **options)
                expected = np.rint(expected)  # fftconvolve rounds; the exact values are small integers
            except ValueError:
                continue
            got = _oracle(function, _as_objects(a), _as_objects(b), options)
            assert got.shape == expected.shape
            assert np.array_equal(got.astype(float), expected), (function, mode, boundary, shape, kshape)


def _fractions(x):
    out = np.empty(x.size, dtype=object)
    out[:] = [Fraction(*float(v).as_integer_ratio()) for v in x.ravel()]
    return out.reshape(x.shape)


@pytest.mark.parametrize(
    ("function", "shapes", "options"),
    [("convolve", ((80,), (13,)), {"mode": "same"}), ("convolve2d", ((9, 8), (3, 4)), {"fillvalue": 0.3})],
)
def test_long_double_reference_is_within_its_own_bound(function, shapes, options):
    a, b = RNG.standard_normal(shapes[0]), RNG.standard_normal(shapes[1])
    ref = _reference(function, a, b, options)
    fill = Fraction(*float(options.get("fillvalue", 0)).as_integer_ratio())
    exact = _oracle(function, _fractions(a), _fractions(b), options, fillvalue=fill)
    errors = np.array(
        [float(abs(Fraction(*v.as_integer_ratio()) - e)) for v, e in zip(ref.value.ravel(), exact.ravel())]
    )
    bound = np.broadcast_to(ref.bound.value, ref.value.shape).ravel()
    assert np.all(errors <= bound)
    assert errors.max() > 0  # the reference is not exact: its bound is needed


# --------------------------------------------------------------------------- the report and bad input


def test_report_is_a_table_and_serialises_to_json():
    check = crosscheck("oaconvolve", RNG.standard_normal(600), RNG.standard_normal(20))
    text = str(check)
    assert text.splitlines()[0].startswith("crosscheck oaconvolve(float64[600], float64[20]): ok")
    assert "triangle inequality" in text and "ratio" in text
    payload = json.loads(json.dumps(check.to_dict()))
    assert payload["ok"] is True and len(payload["rows"]) == len(check.rows)


def test_unknown_function_method_or_backend_is_a_clear_error():
    with pytest.raises(ValueError, match="function must be one of"):
        crosscheck("deconvolve", [1.0], [1.0])
    with pytest.raises(ValueError, match="method must be one of 'fft'"):
        crosscheck("fftconvolve", [1.0], [1.0], method="direct")
    with pytest.raises(ValueError, match="backend must be None or one of"):
        crosscheck("convolve", [1.0], [1.0], backend="jax")
    cupy = available()["cupy"]
    if not cupy.usable:  # without a GPU the reason is part of the message
        with pytest.raises(BackendUnavailableError, match="backend 'cupy' is not usable here: cupy"):
            crosscheck("convolve", [1.0], [1.0], backend="cupy")
    with pytest.raises(TypeError, match="scipy's signature"):
        crosscheck("convolve", [1.0], [1.0], boundary="wrap")


# --------------------------------------------------------------------------- documented differences from scipy


def test_correlate2d_follows_correlates_definition_where_scipy_conjugates():
    a = RNG.standard_normal((4, 5)) + 1j * RNG.standard_normal((4, 5))
    b = RNG.standard_normal((6, 9)) + 1j * RNG.standard_normal((6, 9))
    check = crosscheck("correlate2d", a, b, mode="valid", backend="numpy")
    assert check.ok, str(check)
    (theirs,) = [row for row in check.rows if row.engine == "scipy.signal"]
    assert not theirs.ok and not theirs.counted and "conjugates" in theirs.note


def test_boolean_results_say_whether_the_exact_sum_is_nonzero(monkeypatch):
    a, b = RNG.random(60) < 0.3, RNG.random(6) < 0.5
    assert crosscheck("convolve", a, b, method="direct", backend="numpy").ok
    original = signal.convolve

    def flipped(*args, **kwargs):
        out = np.array(original(*args, **kwargs), copy=True)
        out[3] = ~out[3]
        return out

    monkeypatch.setattr(signal, "convolve", flipped)
    assert not crosscheck("convolve", a, b, method="direct", backend="numpy").ok


def test_object_arrays_of_fractions_are_checked_exactly(monkeypatch):
    a = np.array([[Fraction(1, 3), Fraction(-2, 7)], [Fraction(5, 2), 4]], dtype=object)
    b = np.array([[Fraction(1, 9), 2, Fraction(3, 4)]], dtype=object)
    check = crosscheck("convolve", a, b, method="direct", backend="numpy")
    assert check.ok, str(check)
    assert check.reference.startswith("reference: exact") and _convalg_rows(check)[0].dtype == "object"
    _add_error(monkeypatch, "convolve", Fraction(1, 10**30))
    assert not crosscheck("convolve", a, b, method="direct", backend="numpy").ok


def test_float16_in_2d_is_held_to_its_bound_although_scipy_raises():
    a = RNG.standard_normal((12, 10)).astype(np.float16)
    b = RNG.standard_normal((3, 3)).astype(np.float16)
    with pytest.raises(ValueError):  # noqa: PT011 - scipy's own refusal, in scipy's words
        scipy.signal.convolve2d(a, b)
    check = crosscheck("convolve2d", a, b, mode="same", backend="numpy")
    (ours,) = _convalg_rows(check)
    assert check.ok and ours.dtype == "float16" and "float16" in ours.description and 0 < ours.ratio <= 1


# --------------------------------------------------------------------------- any small call


@st.composite
def _calls(draw):
    function = draw(st.sampled_from(sorted(FUNCTIONS)))
    ndim = 2 if function.endswith("2d") else draw(st.integers(1, 3))
    kind = draw(st.sampled_from(["float64", "float32", "complex128", "int64"]))
    shape1 = tuple(draw(st.lists(st.integers(1, 7), min_size=ndim, max_size=ndim)))
    shape2 = tuple(draw(st.lists(st.integers(1, 5), min_size=ndim, max_size=ndim)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))

    def array(shape):
        if kind == "int64":
            return rng.integers(-99, 100, shape)
        x = rng.standard_normal(shape)
        if kind == "complex128":
            x = x + 1j * rng.standard_normal(shape)
        return x.astype(kind)

    options = {"mode": draw(st.sampled_from(["full", "same", "valid"]))}
    if function.endswith("2d"):
        options["boundary"] = draw(st.sampled_from(["fill", "wrap", "symm"]))
        options["fillvalue"] = draw(st.sampled_from([0, 2, -1.5]))
    return function, array(shape1), array(shape2), options


@given(_calls())
def test_any_small_call_is_within_its_bounds_and_leaves_its_inputs_alone(call):
    function, a, b, options = call
    a_before, b_before = a.copy(), b.copy()
    check = crosscheck(function, a, b, **options)
    assert check.ok, str(check)
    assert np.array_equal(a, a_before) and np.array_equal(b, b_before)


def test_a_documented_rejection_is_required_where_scipy_truncates_the_fill_value(monkeypatch):
    a, b = RNG.integers(-9, 9, (6, 5)), RNG.integers(-9, 9, (2, 3))
    check = crosscheck("convolve2d", a, b, fillvalue=2.5, backend="numpy")
    assert check.ok, str(check)
    assert "raised ValueError" in _convalg_rows(check)[0].description
    monkeypatch.setattr(signal, "convolve2d", lambda *args, **kw: np.zeros((7, 7), np.int64))
    assert not crosscheck("convolve2d", a, b, fillvalue=2.5, backend="numpy").ok


def test_a_call_only_scipys_fft_accepts_is_compared_by_shape_and_dtype():
    # 'valid' where neither input is larger in every axis: fftconvolve answers, convolve raises.
    a, b = RNG.standard_normal((1, 6, 4)), RNG.standard_normal((5, 5, 2))
    check = crosscheck("fftconvolve", a, b, mode="valid", backend="numpy")
    assert check.ok, str(check)
    (ours,) = _convalg_rows(check)
    assert ours.description.startswith("no reference") and ours.shape == scipy.signal.fftconvolve(a, b, "valid").shape


def test_rows_with_numpy_scalars_are_written_as_json():
    """Found by the tour: the full battery's ``--json`` crashed on a numpy bool."""
    from convalg.testing import CheckRow

    row = CheckRow(
        engine="convalg",
        backend="numpy",
        method="fft",
        chosen="fft",
        dtype="float64",
        shape=(np.int64(3),),
        deviation=np.float64(0.5),
        bound=np.float64(np.inf),
        ratio=0.0,
        description="normwise",
        ok=np.bool_(True),
    )
    payload = json.loads(json.dumps(row.to_dict()))
    assert payload["ok"] is True and payload["shape"] == [3] and payload["bound"] == "inf"


def test_convalg_crosscheck_is_the_function_whatever_was_imported_first():
    # it was a module that swapped its own class to be callable; now the module is private
    import subprocess
    import sys

    code = (
        "import convalg.testing._crosscheck, convalg.testing.battery, types, convalg\n"
        "assert isinstance(convalg.crosscheck, types.FunctionType)\n"
        "assert convalg.crosscheck is convalg.testing.crosscheck\n"
        "assert type(convalg.testing._crosscheck) is types.ModuleType\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
