"""The small-call fast path (convalg.signal._fast): same answers, same promises, as the
general path it short-cuts, on inputs drawn well past what it accepts."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from signal_oracle import check

import convalg
from convalg.signal import _fast, plan

DTYPES = [np.float64, np.float32, np.complex128, np.complex64]


def _general(function, a, b, **kwargs):
    """The result of the general path alone (the fast path switched off)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_fast, "convolve_1d", lambda *args: None)
        return getattr(convalg, function)(a, b, **kwargs)


def _values(dtype):
    # huge values make sums overflow (the fast path must hand over), NaN and Inf test locality
    huge = float(np.finfo(dtype).max) / 2
    floats = st.one_of(st.floats(-1e3, 1e3, width=32), st.sampled_from([np.nan, np.inf, -np.inf, huge, -huge, 0.0]))
    if np.dtype(dtype).kind == "c":
        return st.builds(complex, floats, floats)
    return floats


@given(
    dtype=st.sampled_from(DTYPES),
    sizes=st.tuples(st.integers(1, 60), st.integers(1, 20)),
    data=st.data(),
    mode=st.sampled_from(["full", "same", "valid"]),
    method=st.sampled_from(["auto", "direct"]),
    function=st.sampled_from(["convolve", "correlate"]),
)
@example(dtype=np.float64, sizes=(3, 17), data=None, mode="valid", method="auto", function="correlate")
def test_fast_path_gives_the_general_paths_answer(dtype, sizes, data, mode, method, function):
    if data is None:  # the @example: the larger second input of 'valid' correlation
        a = np.arange(1.0, 4.0)
        b = np.arange(17.0) ** 2
    else:
        a = data.draw(hnp.arrays(dtype, sizes[0], elements=_values(dtype)))
        b = data.draw(hnp.arrays(dtype, sizes[1], elements=_values(dtype)))
    kwargs = {"mode": mode, "method": method}
    with np.errstate(all="ignore"):
        out = getattr(convalg, function)(a, b, **kwargs)
        general = _general(function, a, b, **kwargs)
    assert type(out) is np.ndarray and out.dtype == general.dtype == plan(function, a, b, **kwargs).dtype
    # both run numpy.convolve on the same operands in one process: the same values, and NaN
    # exactly where the general path (NaN locality, overflow rescue) puts it
    np.testing.assert_array_equal(out, general)
    if np.isfinite(a).all() and np.isfinite(b).all() and np.abs(a).max() < 1e4 and np.abs(b).max() < 1e4:
        check(function, a, b, out, **kwargs)


@pytest.mark.parametrize(("n", "k", "mode"), [(100, 3, "full"), (1000, 7, "full"), (300, 4, "same"), (5, 9, "valid")])
@pytest.mark.parametrize("function", ["convolve", "correlate"])
def test_the_issues_small_calls_take_the_fast_path_and_plan_reports_it(monkeypatch, n, k, mode, function):
    rng = np.random.default_rng(n + k)
    a, b = rng.standard_normal(n), rng.standard_normal(k)
    answered = []
    original = _fast.convolve_1d
    monkeypatch.setattr(_fast, "convolve_1d", lambda *args: answered.append(original(*args)) or answered[-1])
    out = getattr(convalg, function)(a, b, mode=mode)
    assert answered and answered[-1] is out
    p = plan(function, a, b, mode=mode)
    assert (p.method, p.terms, p.dtype, p.exact, p.scale) == ("direct", min(n, k), np.float64, False, 0)
    check(function, a, b, out, mode=mode)


@pytest.mark.parametrize(
    "inputs",
    [
        (np.full(10, 2**62), np.ones(3, dtype=np.int64)),  # a sum that might not fit int64
        (np.ones(10, dtype=np.uint64), np.ones(3, dtype=np.uint8)),  # a uint64 result
        (np.ones(10, dtype=bool), np.ones(3, dtype=bool)),  # a boolean result
        (np.ones(10, dtype=np.float16), np.ones(3)),  # computed in another dtype than its result
        (np.ones(10, dtype=object), np.ones(3)),  # Python objects
        (np.r_[np.inf, np.ones(2000)], np.ones(64)),  # BLAS rows (the planner's pick) on an Inf
        (np.ones(10**6), np.ones(3)),  # threads
        (np.ones((4, 4)), np.ones((2, 2))),  # N-D
        (np.ones(10).astype(">f8"), np.ones(3).astype(">f8")),  # foreign byte order
        (np.ma.masked_array(np.ones(10)), np.ones(3)),  # a subclass
        ([1.0, 2.0, 3.0], np.ones(3)),  # not an array
    ],
)
def test_everything_else_takes_the_general_path(inputs):
    assert _fast.convolve_1d("convolve", *inputs, "full", "auto") is None


INTEGERS = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64, np.bool_]


def _definition(function, a, b, mode):
    """scipy's window of the convolution (or correlation) of two sequences, summed in Python
    numbers from the definition (apart from every convalg and NumPy loop): exact for
    integers, and for floating data with small integer values."""
    a, b = [x.item() for x in a], [x.item() for x in b]
    if function == "correlate":  # correlating is convolving with the reversed conjugate
        b = [x.conjugate() for x in reversed(b)]
    n, k = len(a), len(b)
    full = [sum(a[i] * b[m - i] for i in range(max(0, m - k + 1), min(n, m + 1))) for m in range(n + k - 1)]
    if mode == "full":
        return full
    if mode == "same":
        start = (k - 1) // 2
        return full[start : start + n]
    return full[min(n, k) - 1 : max(n, k)]  # 'valid': the outputs every product of the shorter reaches


def _any_values(dtype):
    dtype = np.dtype(dtype)
    return _values(dtype) if dtype.kind in "fc" else None  # integers: hypothesis's own, extremes included


@given(
    dtypes=st.tuples(*[st.sampled_from(INTEGERS + DTYPES + [np.float16])] * 2),
    sizes=st.tuples(st.integers(1, 40), st.integers(1, 20)),
    data=st.data(),
    mode=st.sampled_from(["full", "same", "valid"]),
    function=st.sampled_from(["convolve", "correlate"]),
)
@example(dtypes=(np.int64, np.int64), sizes=(9, 3), data=None, mode="full", function="convolve")
def test_any_dtype_pair_gives_the_general_paths_answer(dtypes, sizes, data, mode, function):
    """Integers (every width, signed and unsigned, extremes included), mixed and
    floating dtypes: the fast path's answer, dtype and errors are the general path's, and
    integer results are the sums of Python ints."""
    if data is None:  # the @example: sums just past int64, which must not wrap
        a, b = np.full(sizes[0], 2**62 - 1), np.array([1, 1, 2])
    else:
        a = data.draw(hnp.arrays(dtypes[0], sizes[0], elements=_any_values(dtypes[0])))
        b = data.draw(hnp.arrays(dtypes[1], sizes[1], elements=_any_values(dtypes[1])))
    with np.errstate(all="ignore"):
        try:
            general = _general(function, a, b, mode=mode)
        except OverflowError as exc:  # an exact output beyond int64: the same error, the same message
            with pytest.raises(OverflowError, match=re.escape(str(exc))):
                getattr(convalg, function)(a, b, mode=mode)
            return
        out = getattr(convalg, function)(a, b, mode=mode)
    assert type(out) is np.ndarray and out.dtype == general.dtype
    np.testing.assert_array_equal(out, general)
    if out.dtype.kind in "iu":
        assert out.tolist() == _definition(function, a, b, mode)


@pytest.mark.parametrize("dtypes", [(d, d) for d in DTYPES] + [(np.float32, np.complex64), (np.int16, np.float32)])
@pytest.mark.parametrize("sizes", [(30, 7), (7, 30), (12, 12), (1, 5), (2000, 64), (64, 2000)])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("function", ["convolve", "correlate"])
def test_the_1d_fast_path_is_the_definition(dtypes, sizes, mode, function):
    """Small integer values (every sum exact in every dtype), either input the longer,
    complex data: conjugation, reversal and the inputs' order against the definition, in
    NumPy's loop and in the BLAS rows (2000 x 64, where the cost model picks them)."""
    rng = np.random.default_rng(sum(sizes))

    def draw(dtype, n):
        x = rng.integers(-9, 10, n).astype(dtype)
        return x + 1j * rng.integers(-9, 10, n).astype(dtype) if np.dtype(dtype).kind == "c" else x

    a, b = draw(dtypes[0], sizes[0]), draw(dtypes[1], sizes[1])
    out = _fast.convolve_1d(function, a, b, mode, "auto")
    assert out is not None and out.tolist() == _definition(function, a, b, mode)


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32])
def test_small_integer_calls_take_the_fast_path_exactly(dtype):
    """Integer calls whose sums provably fit int64 are answered by the fast path, exactly:
    from the dtype alone for 8- and 16-bit data, from the extremes of the data otherwise."""
    info = np.iinfo(dtype)
    rng = np.random.default_rng(np.dtype(dtype).itemsize)
    a = rng.integers(info.min, info.max, 100, dtype=dtype, endpoint=True)
    a[:2] = info.min, info.max
    b = rng.integers(info.min, info.max, 7, dtype=dtype, endpoint=True)
    for function in ("convolve", "correlate"):
        for mode in ("full", "same", "valid"):
            out = _fast.convolve_1d(function, a, b, mode, "auto")
            if np.dtype(dtype).itemsize >= 4:  # 7 * 2**31 * 2**31 may not fit: left to the range analysis
                assert out is None
                continue
            assert out is not None and out.dtype == np.int64
            assert out.tolist() == _definition(function, a, b, mode)
    if np.dtype(dtype).itemsize < 4:
        return
    # data whose extremes leave room: fast, and exact (int64: 3 * 2**60 * 2 < 2**63)
    big = np.array([info.max // 8, info.min // 8, info.max // 8 - 1, 7], dtype=dtype)
    taps = np.array([2, 0, 1], dtype=dtype)
    out = _fast.convolve_1d("convolve", big, taps, "full", "auto")
    assert out is not None and out.tolist() == _definition("convolve", big, taps, "full")
    if dtype == np.int64:
        assert _fast.convolve_1d("convolve", big, taps * 4, "full", "auto") is None  # 3 * 2**60 * 8 may not fit


@pytest.mark.parametrize("dtypes", [(np.uint8, np.int8), (np.int16, np.int16), (np.int32, np.int64)])
@pytest.mark.parametrize("function", ["convolve2d", "correlate2d", "convolve", "correlate"])
@pytest.mark.parametrize("boundary", ["fill", "wrap", "symm"])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_small_2d_integer_calls_are_exact_on_the_fast_path(dtypes, function, boundary, mode):
    """Images and small integer kernels: the planner's exact recipe, and the general path's
    exact integers (which tests/signal/test_signal_exact_integers.py holds to Python ints)."""
    if boundary != "fill" and not function.endswith("2d"):
        return
    rng = np.random.default_rng(11)
    a = rng.integers(0, 100, (20, 17)).astype(dtypes[0])
    a[0, 0] = np.iinfo(dtypes[0]).max
    b = rng.integers(-100, 100, (3, 4)).astype(dtypes[1])
    b[0, 0] = max(np.iinfo(dtypes[1]).min, -(2**20))  # 12 * 2**31 * 2**20 < 2**63: provably fits
    kwargs = {"mode": mode} | ({"boundary": boundary} if function.endswith("2d") else {})
    extra = {"boundary": boundary} if function.endswith("2d") else {"method": "direct"}
    recipe = _fast.recipe_nd(function, a, b, mode, **extra)
    assert recipe is not None and recipe.plan == plan(
        function, a, b, **kwargs, **({} if function.endswith("2d") else {"method": "direct"})
    )
    out = getattr(convalg, function)(a, b, **kwargs)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, _general_2d(function, a, b, **kwargs))
    check(function, a, b, out, **kwargs)


def test_2d_mixed_integer_and_float_inputs_are_checked_in_the_float_dtype():
    """Found by the random profile: int8 [[63]] with float32 [[0]] computes in float32; the
    finiteness check squared the int8 data in int8 (63**2 wrapped negative)."""
    a, b = np.array([[63]], dtype=np.int8), np.array([[0.0]], dtype=np.float32)
    for function in ("convolve2d", "correlate2d", "convolve"):
        out = getattr(convalg, function)(a, b)
        assert out.dtype == np.float32 and out.tolist() == [[0.0]]
    out = convalg.convolve2d(np.full((3, 3), 100, np.int8), np.ones((2, 2), np.float32))
    np.testing.assert_array_equal(
        out, _general_2d("convolve2d", np.full((3, 3), 100, np.int8), np.ones((2, 2), np.float32))
    )


@pytest.mark.parametrize("function", ["convolve2d", "correlate2d", "convolve"])
def test_2d_integer_sums_past_int64_never_wrap(function):
    """2**61 * 4 = 2**63 does not fit int64: not computed in int64 by the fast path, but
    refused by the general path's exact check, naming the output."""
    with pytest.raises(OverflowError, match=str(2**63)):
        getattr(convalg, function)(np.full((4, 4), 2**61), np.ones((2, 2), dtype=np.int64))
    fits = getattr(convalg, function)(np.full((4, 4), 2**60), np.ones((2, 2), dtype=np.int64))
    assert fits.max() == 2**62


def test_the_memory_guard_holds_on_the_fast_path(monkeypatch):
    a, b = np.ones(2000), np.ones(5)
    monkeypatch.setenv("CONVALG_MEMORY_LIMIT", "1000")
    with pytest.raises(MemoryError, match="convolve"):
        convalg.convolve(a, b)
    monkeypatch.delenv("CONVALG_MEMORY_LIMIT")
    assert convalg.convolve(a, b).shape == (2004,)


def test_nan_stays_local_and_overflow_is_rescued():
    a = np.ones(50)
    a[20] = np.nan
    out = convalg.convolve(a, np.ones(3))
    assert np.flatnonzero(np.isnan(out)).tolist() == [20, 21, 22]
    # numpy.convolve's partial sum 1.5e308 + 1.5e308 overflows; the exact outputs are
    # -1.5e308 + 1.5e308 - 1.5e308 and -1.5e308 + 1.5e308 + 1.5e308, both finite
    big = np.array([1.5e308, 1.5e308, -1.5e308, -1.5e308])
    kernel = np.array([1.0, -1.0, 1.0])
    assert not np.isfinite(np.convolve(big, kernel, mode="valid")).all()
    with np.errstate(all="raise"):  # and no floating-point flag escapes to the caller
        out = convalg.convolve(big, kernel, mode="valid")
    assert out.tolist() == [-1.5e308, 1.5e308]


def test_errors_are_the_general_paths():
    with pytest.raises(ValueError, match="Mode"):
        convalg.convolve(np.ones(5), np.ones(3), mode="middle")
    with pytest.raises(ValueError, match="method"):
        convalg.convolve(np.ones(5), np.ones(3), method="fastest")
    with pytest.raises(ValueError, match="dimensionality"):
        convalg.convolve(np.ones(5), np.ones((3, 1)))
    with pytest.raises(ValueError, match="empty"):
        convalg.convolve(np.ones(5), np.ones(0))


@given(
    shape=st.lists(st.integers(1, 9), min_size=1, max_size=3),
    data=st.data(),
    mode=st.sampled_from(["full", "same", "valid"]),
    centre_up=st.booleans(),
    fillvalue=st.sampled_from([0, 0.0, 2.5, -1, np.nan, np.inf]),
)
def test_fill_window_is_the_generic_window(shape, data, mode, centre_up, fillvalue):
    from convalg._runtime.windows import axis_window
    from convalg.signal._direct import window
    from convalg.signal._direct_numpy import _numpy_namespace, fill_window

    kernel = data.draw(st.lists(st.integers(1, 12), min_size=len(shape), max_size=len(shape)))
    a = np.arange(1.0, 1.0 + np.prod(shape)).reshape(shape)
    if mode == "valid":  # the larger input first, as the planner has it
        kernel = [min(k, n) for k, n in zip(kernel, shape)]
    region = tuple(axis_window(n, k, mode, centre_up=centre_up) for n, k in zip(shape, kernel))
    expected = np.asarray(window(_numpy_namespace(), a, kernel, region, "fill", fillvalue))
    got = fill_window(a, kernel, region, fillvalue)
    assert got.dtype == a.dtype
    np.testing.assert_array_equal(got, expected)


@given(
    shape=st.lists(st.integers(1, 8), min_size=2, max_size=3),
    data=st.data(),
    boundary=st.sampled_from(["fill", "wrap", "symm"]),
    nan_at=st.one_of(st.none(), st.integers(0, 10**6)),
)
def test_flat_accumulation_equals_the_generic_shifted_accumulation(shape, data, boundary, nan_at):
    """numpy_nd's one-slab path (taps as slices of the flattened window) against the generic
    engine: equal on integer-valued floats, and a NaN reaches the same outputs."""
    import array_api_compat.numpy as xp_numpy

    from convalg.signal import _direct, _direct_numpy

    kshape = data.draw(st.lists(st.integers(1, 5), min_size=len(shape), max_size=len(shape)))
    rng = np.random.default_rng(len(shape) * 100 + sum(kshape))
    a = rng.integers(-50, 50, shape).astype(np.float64)
    if nan_at is not None:
        a.reshape(-1)[nan_at % a.size] = np.nan
    b = rng.integers(-3, 4, kshape).astype(np.float64)
    region = tuple(
        data.draw(st.tuples(st.integers(0, n + k - 2), st.integers(1, n + k - 1))) for n, k in zip(shape, kshape)
    )
    region = tuple((start, min(length, n + k - 1 - start)) for (start, length), n, k in zip(region, shape, kshape))
    fast = _direct_numpy.numpy_nd(a, b, region, boundary=boundary, fillvalue=-2.0)
    generic = _direct.shifted_accumulation(xp_numpy, a, b, region, boundary=boundary, fillvalue=-2.0)
    np.testing.assert_array_equal(fast, np.asarray(generic))


# ---------------------------------------------------------------------------- the 2-D fast path
# (and the edges of both fast paths: layouts, byte order, thresholds, the memory guard)


def _general_2d(function, a, b, **kwargs):
    """The result of the general path alone for 2-D calls."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_fast, "direct_nd", lambda *args, **kwargs: None)
        return getattr(convalg, function)(a, b, **kwargs)


def _assert_the_general_paths_values(function, a, b, out, general, kwargs):
    """``out`` (the fast path's) is ``general`` (the general path's) to the last bit, except
    where an input holds a NaN or Inf that no kept output reads ('same' and 'valid' crop its
    window away): the fast engine never reads it, while the general path sums data that is
    not finite with its generic engine, in another order. Both are then finite where the
    other is, and within the direct bound of the exact result (found by CI's profile:
    a (1, 3) * (3, 3) 'same' call with a NaN in the corner, 2.8e-14 apart)."""
    if (np.isfinite(a).all() and np.isfinite(b).all()) or not np.isfinite(out).all():
        np.testing.assert_array_equal(out, general)
        return
    np.testing.assert_array_equal(np.isfinite(out), np.isfinite(general))
    clean = [np.where(np.isfinite(x), x, 0) for x in (a, b)]
    if max(np.abs(x).max() for x in clean) < 1e4:
        for result in (out, general):
            check(function, *clean, result, **kwargs)


def _fast_and_general_2d(function, a, b, kwargs):
    """``(out, general)``: the call with its fast path and on the general path alone, or None
    when the general path refuses it (then the fast path raises the same, checked here)."""
    with np.errstate(all="ignore"):
        try:
            general = _general_2d(function, a, b, **kwargs)
        except ValueError as exc:
            _raises_the_same(exc, lambda: getattr(convalg, function)(a, b, **kwargs))
            return None
        return getattr(convalg, function)(a, b, **kwargs), general


def _raises_the_same(exc, call):
    """The fast paths' calls raise what the general path raised, with its message."""
    with pytest.raises(type(exc), match=re.escape(str(exc))):
        call()


def _layout(x, how):
    """``x`` as a view of another layout: the fast paths take any plain ndarray."""
    if how == "strided":
        doubled = np.repeat(x, 2, axis=-1)
        return doubled[..., ::2]
    if how == "reversed":
        return x[..., ::-1].copy()[..., ::-1]
    if how == "fortran":
        return np.asfortranarray(x)
    if how == "read-only":
        x = x.copy()
        x.flags.writeable = False
    return x


@given(
    dtype=st.sampled_from(DTYPES),
    shapes=st.tuples(st.integers(1, 12), st.integers(1, 12), st.integers(1, 6), st.integers(1, 6)),
    data=st.data(),
    mode=st.sampled_from(["full", "same", "valid"]),
    boundary=st.sampled_from(["fill", "wrap", "symm", "circular", "symmetric", "pad"]),
    fillvalue=st.sampled_from([0, 0.0, -0.0, 1.5]),
    function=st.sampled_from(["convolve2d", "correlate2d"]),
    layout=st.sampled_from(["plain", "strided", "reversed", "fortran", "read-only"]),
)
@example(
    dtype=np.float64,
    shapes=(3, 2, 5, 4),
    data=None,
    mode="valid",
    boundary="fill",
    fillvalue=0,
    function="correlate2d",
    layout="plain",
)  # neither input the larger in every dimension: the general path's ValueError
@example(
    dtype=np.float64,
    shapes=(1, 3, 3, 3),
    data="nan in the corner",
    mode="same",
    boundary="fill",
    fillvalue=0,
    function="convolve2d",
    layout="plain",
)  # a NaN no kept output reads: finite outputs, summed in another order on the general path
def test_2d_fast_path_gives_the_general_paths_answer(dtype, shapes, data, mode, boundary, fillvalue, function, layout):
    if data is None:
        a, b = np.ones(shapes[:2], dtype), np.ones(shapes[2:], dtype)
    elif data == "nan in the corner":  # CI's derandomised draw
        a, b = np.array([[111.0, 1.149999976158142, 1.149999976158142]]), np.full((3, 3), 1.149999976158142)
        b[0, 0] = np.nan
    else:
        a = data.draw(hnp.arrays(dtype, shapes[:2], elements=_values(dtype)))
        b = data.draw(hnp.arrays(dtype, shapes[2:], elements=_values(dtype)))
    a, b = _layout(a, layout), _layout(b, layout)
    a_before, b_before = a.copy(), b.copy()
    kwargs = {"mode": mode, "boundary": boundary, "fillvalue": fillvalue}
    if (results := _fast_and_general_2d(function, a, b, kwargs)) is None:
        return
    out, general = results
    assert type(out) is np.ndarray and out.dtype == general.dtype
    _assert_the_general_paths_values(function, a, b, out, general, kwargs)  # NaN where it has NaN
    np.testing.assert_array_equal(a, a_before)
    np.testing.assert_array_equal(b, b_before)
    taken = _fast.recipe_nd(function, a, b, mode, boundary, fillvalue) is not None
    finite = np.isfinite(a).all() and np.isfinite(b).all()
    moderate = finite and np.abs(a).max() < 1e4 and np.abs(b).max() < 1e4
    assert not taken or (finite and fillvalue == 0), "the fast path takes only finite calls with a zero fill"
    assert taken or not (moderate and fillvalue == 0), "a finite call with a zero fill left to the planner"
    if moderate:
        check(function, a, b, out, **kwargs)


@given(
    dtype=st.sampled_from(DTYPES),
    shapes=st.tuples(st.integers(1, 12), st.integers(1, 12), st.integers(1, 6), st.integers(1, 6)),
    data=st.data(),
    mode=st.sampled_from(["full", "same", "valid"]),
    method=st.sampled_from(["auto", "direct"]),
    function=st.sampled_from(["convolve", "correlate"]),
    layout=st.sampled_from(["plain", "strided", "fortran"]),
)
@example(
    dtype=np.float64,
    shapes=(12, 12, 6, 6),
    data=None,
    mode="same",
    method="direct",
    function="correlate",
    layout="plain",
)
def test_2d_inputs_of_the_nd_functions_take_the_planners_recipe(dtype, shapes, data, mode, method, function, layout):
    """convolve/correlate on small 2-D inputs: the fast recipe is the planner's (the same
    plan, engine and values); 'auto' only where the planner is sure to pick 'direct'."""
    if data is None:  # the @example: an even kernel, 'same' centred as scipy's N-D correlate
        a, b = np.arange(144.0).reshape(12, 12), np.arange(36.0).reshape(6, 6) - 17
    else:
        a = data.draw(hnp.arrays(dtype, shapes[:2], elements=_values(dtype)))
        b = data.draw(hnp.arrays(dtype, shapes[2:], elements=_values(dtype)))
    _assert_the_fast_call_is_the_planners(function, _layout(a, layout), _layout(b, layout), mode, method)


def _assert_the_fast_call_is_the_planners(function, a, b, mode, method):
    """The N-D functions' fast call gives the general path's values and dtype, its recipe
    is the planner's plan, a finite small call with method='direct' is not left to the
    planner, and the values are within the bound of that plan."""
    kwargs = {"mode": mode, "method": method}
    if (results := _fast_and_general_2d(function, a, b, kwargs)) is None:
        return
    out, general = results
    _assert_the_general_paths_values(function, a, b, out, general, kwargs)
    assert out.dtype == general.dtype
    recipe = _fast.recipe_nd(function, a, b, mode, method=method)
    finite = np.isfinite(a).all() and np.isfinite(b).all() and np.abs(a).max() < 1e4 and np.abs(b).max() < 1e4
    if recipe is not None:
        assert recipe.plan == plan(function, a, b, **kwargs)
    elif finite and method == "direct":
        raise AssertionError("a finite small call with method='direct' left to the planner")
    if finite:
        check(function, a, b, out, **kwargs)


@given(
    dtype=st.sampled_from(DTYPES + [np.int64, np.uint8]),
    shapes=st.lists(st.tuples(st.integers(1, 7), st.integers(1, 4)), min_size=3, max_size=4),
    data=st.data(),
    mode=st.sampled_from(["full", "same", "valid"]),
    method=st.sampled_from(["auto", "direct"]),
    function=st.sampled_from(["convolve", "correlate"]),
    layout=st.sampled_from(["plain", "strided", "fortran"]),
)
def test_3d_and_4d_inputs_take_the_planners_recipe_or_its_engine(dtype, shapes, data, mode, method, function, layout):
    """convolve/correlate on small 3-D and 4-D inputs: the fast path's values are the
    general path's to the last bit (the same engine on the same operands), its recipe is
    the planner's plan, and NaN, Inf and overflowing sums go to the general path."""
    s1, s2 = tuple(n for n, _ in shapes), tuple(k for _, k in shapes)
    if np.dtype(dtype).kind in "iu":
        info = np.iinfo(dtype)
        elements = st.integers(int(max(info.min, -(2**26))), int(min(info.max, 2**26)))  # sums fit int64
    else:
        elements = _values(dtype)
    a = _layout(data.draw(hnp.arrays(dtype, s1, elements=elements)), layout)
    b = _layout(data.draw(hnp.arrays(dtype, s2, elements=elements)), layout)
    _assert_the_fast_call_is_the_planners(function, a, b, mode, method)


def test_complex_1d_direct_sums_are_priced_as_complex_products():
    """Complex BLAS rows are four real matrix products, and numpy.correlate's complex dot
    products cost more per output than real ones: priced as real, complex 3000 x 300 ran
    direct as BLAS rows in 374 us where a transform takes 155 (scipy 289)."""
    from convalg.signal import _choose

    rng = np.random.default_rng(3)
    a = rng.standard_normal(3000) + 1j * rng.standard_normal(3000)
    b = rng.standard_normal(300) + 1j * rng.standard_normal(300)
    assert plan("convolve", a, b).method != "direct"
    assert _choose.use_blas_1d(30049, 50) and not _choose.use_blas_1d(30049, 50, complex_data=True)


def test_auto_is_left_to_the_planner_where_a_transform_may_be_cheaper():
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((64, 64)), rng.standard_normal((15, 15))
    assert plan("convolve", a, b).method == "fft"  # the planner's pick: not the fast path's to make
    assert _fast.recipe_nd("convolve", a, b, "full", method="auto") is None
    recipe = _fast.recipe_nd("convolve", a, b, "full", method="direct")
    assert recipe is not None and recipe.plan == plan("convolve", a, b, method="direct")
    np.testing.assert_array_equal(
        convalg.convolve(a, b, method="direct"), _general_2d("convolve", a, b, method="direct")
    )


@given(
    shapes=st.tuples(st.integers(2, 96), st.integers(2, 96), st.integers(1, 11), st.integers(1, 11)),
    complex_data=st.booleans(),
    mode=st.sampled_from(["full", "same", "valid"]),
    function=st.sampled_from(["convolve", "correlate"]),
)
@example(shapes=(64, 64, 7, 7), complex_data=True, mode="full", function="convolve")  # 'fft' by the model
@example(shapes=(64, 64, 7, 7), complex_data=False, mode="same", function="correlate")  # 'direct', above FFT_CALL
def test_auto_takes_the_2d_fast_path_only_where_the_planner_picks_direct(shapes, complex_data, mode, function):
    """Up to sizes where the transforms' modelled cost decides (not only the fixed cost of
    one), method='auto' is computed on the fast path exactly where the planner's plan is
    'direct', and then gives the general path's values."""
    rng = np.random.default_rng(list(shapes))
    a, b = rng.standard_normal(shapes[:2]), rng.standard_normal(shapes[2:])
    if complex_data:
        a, b = a + 1j * rng.standard_normal(shapes[:2]), b - 1j * rng.standard_normal(shapes[2:])
    if mode == "valid" and not (shapes[0] >= shapes[2] and shapes[1] >= shapes[3]):
        return  # neither is the larger on both axes: an error on either path
    fast = _fast.direct_nd(function, a, b, mode, method="auto")
    if fast is None:
        return
    assert plan(function, a, b, mode=mode).method == "direct"
    out = getattr(convalg, function)(a, b, mode=mode)
    np.testing.assert_array_equal(out, _general_2d(function, a, b, mode=mode))


def test_the_2d_calls_take_the_fast_path_and_agree_with_plan():
    rng = np.random.default_rng(7)
    a, b = rng.standard_normal((64, 64)), rng.standard_normal((3, 3))
    for boundary in ("fill", "wrap", "symm"):
        recipe = _fast.recipe_nd("convolve2d", a, b, "same", boundary, 0)
        assert recipe is not None
        p = plan("convolve2d", a, b, mode="same", boundary=boundary)
        assert recipe.plan == p
    sobel = np.outer([1.0, 2.0, 1.0], [1.0, 0.0, -1.0])
    recipe = _fast.recipe_nd("convolve2d", a, sobel, "same", "fill", 0)
    assert recipe is not None and recipe.factors is not None  # separable, as the planner has it
    out = convalg.convolve2d(a, sobel, mode="same")
    np.testing.assert_array_equal(out, _general_2d("convolve2d", a, sobel, mode="same"))
    check("convolve2d", a, sobel, out, mode="same")


@pytest.mark.parametrize(
    "inputs",
    [
        (np.full((4, 4), 2**61), np.ones((2, 2), dtype=np.int64)),  # integer sums that might not fit
        (np.ones((4, 4), dtype=np.uint64), np.ones((2, 2), dtype=np.uint64)),  # a uint64 result
        (np.ones((4, 4), dtype=np.float16), np.ones((2, 2))),  # computed in another dtype than its result
        (np.ones((4, 4)).astype(">f8"), np.ones((2, 2)).astype(">f8")),  # foreign byte order
        (np.ma.masked_array(np.ones((4, 4))), np.ones((2, 2))),  # a subclass
        (np.ones((4, 4)), np.ones((0, 2))),  # empty
        (np.ones((4, 4, 1)), np.ones((2, 2, 1))),  # 3-D
        (np.full((4, 4), 1e200), np.full((2, 2), 1e200)),  # sums may overflow: range analysis
        (np.full((4, 4), np.nan), np.ones((2, 2))),  # not finite
        (np.ones((1500, 1500)), np.ones((3, 3))),  # threads
    ],
)
def test_everything_else_takes_the_general_path_in_2d(inputs):
    assert _fast.recipe_nd("convolve2d", *inputs, "full", "fill", 0) is None


def test_the_memory_guard_holds_on_the_2d_fast_path(monkeypatch):
    a, b = np.ones((100, 100)), np.ones((3, 3))
    monkeypatch.setenv("CONVALG_MEMORY_LIMIT", "50000")
    with pytest.raises(MemoryError, match="convolve2d"):
        convalg.convolve2d(a, b)
    monkeypatch.delenv("CONVALG_MEMORY_LIMIT")
    assert convalg.convolve2d(a, b).shape == (102, 102)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("n", "taps"), [(200, 1), (200, 15), (200, 16), (2000, 64), (3000, 40)])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_1d_fast_path_edges_agree_with_the_general_path(dtype, n, taps, mode):
    """Thresholds (the BLAS rows from 16 taps, where the cost model picks them), layouts,
    subnormals."""
    rng = np.random.default_rng(taps)
    tiny = np.finfo(dtype).smallest_subnormal
    a = (rng.standard_normal(n) * tiny * 4).astype(dtype)  # subnormal values
    b = rng.standard_normal(taps).astype(dtype)
    for layout in ("plain", "strided", "reversed", "read-only"):
        x, y = _layout(a, layout), _layout(b, layout)
        for function in ("convolve", "correlate"):
            out = getattr(convalg, function)(x, y, mode=mode)
            np.testing.assert_array_equal(out, _general(function, x, y, mode=mode))
            assert _fast.convolve_1d(function, x, y, mode, "auto") is not None
    if dtype == np.float64:
        check("convolve", a, b, convalg.convolve(a, b, mode=mode), mode=mode)


@pytest.mark.parametrize(("n", "taps"), [(200, 16), (1000, 51), (2000, 64), (3000, 40)])
def test_the_1d_fast_path_runs_the_engine_the_planner_picks(n, taps):
    """NumPy's loop and the BLAS rows sum in different orders: on normal data the fast path's
    values equal the general path's only if it picked the same engine."""
    rng = np.random.default_rng(n + taps)
    a, b = rng.standard_normal(n), rng.standard_normal(taps)
    for function in ("convolve", "correlate"):
        for mode in ("full", "same", "valid"):
            out = _fast.convolve_1d(function, a, b, mode, "auto")
            assert out is not None
            np.testing.assert_array_equal(out, _general(function, a, b, mode=mode))


def test_the_1d_work_threshold_is_below_the_cost_models_fft_cost():
    """Every call the 1-D fast path takes is one the cost model gives to 'direct'."""
    from convalg.signal import _choose

    taps = _fast._MAX_TAPS
    outputs = (_fast._MAX_WORK_1D - 1) // taps
    assert _choose.direct_cost(outputs, taps, numpy_1d=True) < _choose.FFT_CALL
    a = np.ones(outputs - taps + 1)
    assert plan("convolve", a, np.ones(taps)).method == "direct"
    assert _fast.convolve_1d("convolve", a, np.ones(taps), "full", "auto") is not None
    longer = np.ones(_fast._MAX_WORK_1D // taps + 1)  # from here the planner's costs decide
    taken = _fast.convolve_1d("convolve", longer, np.ones(taps), "full", "auto") is not None
    assert taken == (plan("convolve", longer, np.ones(taps)).method == "direct")


@given(
    n=st.integers(2_000, 140_000),
    k=st.integers(2, 400),
    dtype=st.sampled_from([np.float64, np.float32, np.complex128, np.int64, np.int16]),
    mode=st.sampled_from(["full", "same", "valid"]),
    function=st.sampled_from(["convolve", "correlate"]),
    swap=st.booleans(),
)
@example(n=10_000, k=31, dtype=np.float64, mode="full", function="convolve", swap=False)  # direct, BLAS rows
@example(n=20_000, k=400, dtype=np.float64, mode="full", function="convolve", swap=False)  # a transform
@example(n=200_000, k=1, dtype=np.float64, mode="same", function="convolve", swap=False)  # no convolved axis
@example(n=2000, k=194, dtype=np.complex128, mode="full", function="convolve", swap=False)  # complex: no dot model
def test_medium_1d_auto_calls_take_the_fast_path_only_where_the_planner_picks_direct(n, k, dtype, mode, function, swap):
    """Between the fast path's work threshold and the work of threads, method='auto' is
    computed on the fast path exactly where the planner's plan is 'direct' (its costs,
    BLAS rows and certified transforms included), with the general path's values."""
    if (n + k - 1) * min(n, k) >= 1 << 21:
        k = max(1, (1 << 21) // (n + k) - 1)
    rng = np.random.default_rng([n, k])
    a, b = rng.standard_normal(n), rng.standard_normal(k)
    if np.dtype(dtype).kind in "iu":
        a, b = rng.integers(-(2**12), 2**12, n), rng.integers(-(2**12), 2**12, k)
    elif np.dtype(dtype).kind == "c":
        a, b = a + 1j * rng.standard_normal(n), b - 1j
    a, b = a.astype(dtype), b.astype(dtype)
    if swap:
        a, b = b, a
    fast = _fast.convolve_1d(function, a, b, mode, "auto")
    if fast is None:
        return
    assert plan(function, a, b, mode=mode).method == "direct"
    np.testing.assert_array_equal(fast, _general(function, a, b, mode=mode))


@given(n=st.integers(1, 80), k=st.integers(1, 20), data=st.data(), dtype=st.sampled_from(DTYPES + [np.int64]))
def test_full_piece_is_a_slice_of_numpy_convolve(n, k, data, dtype):
    """Every window of the full convolution, through each of full_piece's three cases."""
    from convalg.signal._direct_numpy import full_piece

    k = min(k, n)
    lo = data.draw(st.integers(0, n + k - 2))
    hi = data.draw(st.integers(lo + 1, n + k - 1))
    rng = np.random.default_rng(n * 100 + k)
    a = rng.integers(-9, 10, n).astype(dtype)
    b = rng.integers(-9, 10, k).astype(dtype)
    np.testing.assert_array_equal(full_piece(a, b, lo, hi), np.convolve(a, b)[lo:hi])


def test_the_memory_limit_is_read_on_every_call(monkeypatch):
    """memory.fits reads CONVALG_MEMORY_LIMIT through os.environ's own storage: a value set
    or removed between two calls is seen by the next."""
    from convalg._runtime import memory

    assert memory.fits(10**6)
    monkeypatch.setenv("CONVALG_MEMORY_LIMIT", "1000")
    assert not memory.fits(10**6) and memory.fits(999)
    monkeypatch.setenv("CONVALG_MEMORY_LIMIT", "1e9")
    assert memory.fits(10**6)
    monkeypatch.delenv("CONVALG_MEMORY_LIMIT")
    assert memory.fits(10**6)


@given(
    dtype=st.sampled_from(DTYPES),
    shape=st.lists(st.tuples(st.integers(1, 40), st.integers(1, 12)), min_size=1, max_size=2),
    data=st.data(),
    mode=st.sampled_from(["full", "same", "valid"]),
    function=st.sampled_from(["fftconvolve", "oaconvolve"]),
    layout=st.sampled_from(["plain", "strided", "read-only"]),
)
def test_fft_fast_path_gives_the_general_paths_answer_and_plan(dtype, shape, data, mode, function, layout):
    """fftconvolve/oaconvolve small calls: the fast recipe is the planner's (same plan, so
    the same engine and the same values), and every call it does not take is planned in full."""
    s1, s2 = tuple(n for n, _ in shape), tuple(k for _, k in shape)
    a = _layout(data.draw(hnp.arrays(dtype, s1, elements=_values(dtype))), layout)
    b = _layout(data.draw(hnp.arrays(dtype, s2, elements=_values(dtype))), layout)
    with np.errstate(all="ignore"):
        try:
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(_fast, "recipe_fft", lambda *args: None)
                general = getattr(convalg, function)(a, b, mode=mode)
        except ValueError as exc:
            _raises_the_same(exc, lambda: getattr(convalg, function)(a, b, mode=mode))
            return
        out = getattr(convalg, function)(a, b, mode=mode)
    np.testing.assert_array_equal(out, general)
    assert out.dtype == general.dtype
    recipe = _fast.recipe_fft(function, a, b, mode, None)
    if recipe is not None:
        assert recipe.plan == plan(function, a, b, mode=mode)
        assert np.isfinite(a).all() and np.isfinite(b).all()
    elif min(s1 + s2) > 1 and np.abs(a).max() < 1e4 and np.abs(b).max() < 1e4:
        assert mode == "valid"  # neither input the larger: the general path's ValueError
    if recipe is not None and np.abs(a).max() < 1e4 and np.abs(b).max() < 1e4:
        check(function, a, b, out, mode=mode)


@given(
    shapes=st.lists(st.tuples(st.integers(2, 12), st.integers(2, 6)), min_size=2, max_size=3),
    complex_data=st.booleans(),
    mode=st.sampled_from(["full", "same", "valid"]),
    axes_drawn=st.sampled_from([None, (0, 1), (1,), (-1,)]),
    data=st.data(),
)
def test_small_nd_transforms_over_every_axis_at_once_are_within_the_bounds(
    shapes, complex_data, mode, axes_drawn, data
):
    """Small N-D FFT convolutions transform every axis in one call (_fft._whole_transforms):
    within the FFT bound of the exact result, as close to the axis by axis route as two
    roundings of it, on any axes, broadcast axes of length 1 included."""
    from convalg.signal import _fft

    s1, s2 = tuple(n for n, _ in shapes), tuple(k for _, k in shapes)
    if axes_drawn is not None and data.draw(st.booleans()):  # axis 0 not convolved: broadcast
        s2 = (1,) + s2[1:]
    dtype = np.complex128 if complex_data else np.float64
    finite = st.floats(-1e3, 1e3, allow_subnormal=False)
    elements = st.complex_numbers(max_magnitude=1e3, allow_subnormal=False) if complex_data else finite
    a = data.draw(hnp.arrays(dtype, s1, elements=elements))
    b = data.draw(hnp.arrays(dtype, s2, elements=elements))
    try:
        whole = convalg.fftconvolve(a, b, mode=mode, axes=axes_drawn)
    except ValueError:
        return  # 'valid' with neither input the larger: refused on either route
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_fft, "WHOLE_TRANSFORM", 0)
        by_axis = convalg.fftconvolve(a, b, mode=mode, axes=axes_drawn)
    assert whole.shape == by_axis.shape and whole.dtype == by_axis.dtype
    check("fftconvolve", a, b, whole, mode=mode, axes=axes_drawn)
    check("fftconvolve", a, b, by_axis, mode=mode, axes=axes_drawn)


@pytest.mark.parametrize("function", ["fftconvolve", "oaconvolve"])
def test_subnormal_products_are_within_the_fft_bounds_with_their_underflow_term(function):
    """Found by the random profile: float32 values near 1e-23 have products below the
    smallest subnormal, an absolute error the relative FFT bound alone does not cover."""
    a = np.full(2, 2.7189344e-23, dtype=np.float32)
    out = getattr(convalg, function)(a, a)
    check(function, a, a, out)


@pytest.mark.parametrize(
    "dtypes", [(np.int64, np.int64), (np.int16, np.uint8), (np.float32, np.int32), (np.float32, np.float64)]
)
@pytest.mark.parametrize("function", ["fftconvolve", "oaconvolve"])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_fft_fast_path_takes_integer_and_mixed_inputs_as_the_planner_does(dtypes, function, mode):
    """Integers are transformed as float64 and mixed inputs in their result dtype, on the
    fast path as on the general one: the same plan, the same values, inputs untouched."""
    rng = np.random.default_rng(3)
    a = rng.integers(-100, 100, 1000).astype(dtypes[0])
    b = rng.integers(0, 100, 7).astype(dtypes[1])
    before = a.copy(), b.copy()
    recipe = _fast.recipe_fft(function, a, b, mode, None)
    assert recipe is not None and recipe.plan == plan(function, a, b, mode=mode)
    out = getattr(convalg, function)(a, b, mode=mode)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_fast, "recipe_fft", lambda *args: None)
        general = getattr(convalg, function)(a, b, mode=mode)
    np.testing.assert_array_equal(out, general)
    assert out.dtype == general.dtype == recipe.plan.dtype
    np.testing.assert_array_equal(a, before[0])
    np.testing.assert_array_equal(b, before[1])
    check(function, a, b, out, mode=mode)


def test_fft_fast_path_plans_overlap_add_as_the_planner_does():
    rng = np.random.default_rng(11)
    a, b = rng.standard_normal(1000), rng.standard_normal(7)  # scipy blocks this axis
    for function in ("fftconvolve", "oaconvolve"):
        recipe = _fast.recipe_fft(function, a, b, "full", None)
        assert recipe is not None and recipe.plan == plan(function, a, b)
    assert recipe.plan.method == "oa" and recipe.plan.overlaps > 1
    check("oaconvolve", a, b, convalg.oaconvolve(a, b))


def test_fft_fast_path_declines_axes_and_broadcasting(monkeypatch):
    a, b = np.ones((4, 8)), np.ones((4, 3))
    assert _fast.recipe_fft("fftconvolve", a, b, "full", None) is not None
    assert _fast.recipe_fft("fftconvolve", a, b, "full", 1) is None  # axes given
    assert _fast.recipe_fft("fftconvolve", a, np.ones((1, 3)), "full", None) is None  # broadcast axis
    assert _fast.recipe_fft("fftconvolve", np.ones(10**5), np.ones(10), "full", None) is not None
    monkeypatch.setattr(_fast, "_MAX_TRANSFORM", 10**4)
    assert _fast.recipe_fft("fftconvolve", np.ones(10**5), np.ones(10), "full", None) is None  # large


@pytest.mark.parametrize("function", ["fftconvolve", "oaconvolve"])
def test_fft_fast_path_gives_mid_sizes_the_planners_plan_values_and_memory_errors(monkeypatch, function):
    """Transforms of _SMALL_TRANSFORM points and more (the planner's own memory estimate)
    also take the fast recipe: the same plan and values as the general path, and under a
    memory limit the same refusal."""
    rng = np.random.default_rng(9)
    a, b = rng.standard_normal(_fast._SMALL_TRANSFORM + 1000), rng.integers(-9, 9, 31)
    recipe = _fast.recipe_fft(function, a, b, "same", None)
    assert recipe is not None and recipe.plan == plan(function, a, b, mode="same")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_fast, "recipe_fft", lambda *args: None)
        general = getattr(convalg, function)(a, b, mode="same")
    np.testing.assert_array_equal(getattr(convalg, function)(a, b, mode="same"), general)
    monkeypatch.setenv("CONVALG_MEMORY_LIMIT", "300000")
    with pytest.raises(MemoryError) as fast:
        getattr(convalg, function)(a, b)
    monkeypatch.setattr(_fast, "recipe_fft", lambda *args: None)
    with pytest.raises(MemoryError) as refused:
        getattr(convalg, function)(a, b)
    assert str(fast.value) == str(refused.value)


@pytest.mark.parametrize("dtype", [np.float64, np.complex128, np.int64])
@pytest.mark.parametrize("skip_zero_taps", [True, False])
@pytest.mark.parametrize("shape", [(9, 11), (60, 70)])
def test_flat_accumulation_rows_equal_the_generic_engine(dtype, skip_zero_taps, shape):
    """The one-slab path's row convolutions: complex (no conjugation; past
    COMPLEX_BY_PARTS_WORK by real parts), integer, a kernel with a row of zeros (skipped
    only where allowed), and with a NaN where not skipped."""
    import array_api_compat.numpy as xp_numpy

    from convalg.signal import _direct, _direct_numpy

    rng = np.random.default_rng(3)
    a = rng.integers(-50, 50, shape).astype(dtype)
    b = rng.integers(-3, 4, (3, 4)).astype(dtype)
    if np.dtype(dtype).kind == "c":
        a = a + 1j * rng.integers(-50, 50, a.shape)
        b = b - 1j * rng.integers(-3, 4, b.shape)
    b[1] = 0
    if not skip_zero_taps and np.dtype(dtype).kind != "i":
        a[4, 5] = np.nan  # reaches every output whose window holds it, through the zero row too
    (n0, n1), (k0, k1) = a.shape, b.shape
    full = ((0, n0 + k0 - 1), (0, n1 + k1 - 1))
    for region in (full, ((1, n0), (1, n1)), ((2, n0 - 2), (3, n1 - 3))):
        fast = _direct_numpy.numpy_nd(a, b, region, skip_zero_taps=skip_zero_taps)
        generic = _direct.shifted_accumulation(xp_numpy, a, b, region, skip_zero_taps=skip_zero_taps)
        np.testing.assert_array_equal(fast, np.asarray(generic))


# ----------------------------------------------- tiny 2-D calls: one correlation of the window


@given(
    shape=st.lists(st.integers(1, 7), min_size=2, max_size=3),
    data=st.data(),
    dtype=st.sampled_from([np.float64, np.complex128, np.int64]),
)
def test_spread_correlation_is_the_generic_shifted_accumulation(shape, data, dtype):
    """The kernel spread at the window's strides, in one 1-D correlation: exactly the
    generic engine's sums on integer values (so a misplaced tap, a wrong spread length or a
    missing conjugation shows), for any region of any mode."""
    import array_api_compat.numpy as xp_numpy

    from convalg.signal import _direct, _direct_numpy

    kshape = data.draw(st.lists(st.integers(1, 4), min_size=len(shape), max_size=len(shape)))
    rng = np.random.default_rng(sum(shape) * 10 + sum(kshape))
    a = rng.integers(-50, 50, shape).astype(dtype)
    b = rng.integers(-3, 4, kshape).astype(dtype)
    if np.dtype(dtype).kind == "c":
        a = a + 1j * rng.integers(-50, 50, shape)
        b = b - 2j * rng.integers(-3, 4, kshape)
    region = tuple(
        data.draw(st.tuples(st.integers(0, n + k - 2), st.integers(1, n + k - 1))) for n, k in zip(shape, kshape)
    )
    region = tuple((start, min(length, n + k - 1 - start)) for (start, length), n, k in zip(region, shape, kshape))
    lengths = tuple(length for _, length in region)
    window = _direct_numpy.fill_window(a, b.shape, region)
    spread = _direct_numpy.spread_correlation(window, b, lengths)
    generic = _direct.shifted_accumulation(xp_numpy, a, b, region)
    np.testing.assert_array_equal(spread, np.asarray(generic))
    through_nd = _direct_numpy.numpy_nd(a, b, region, finite=True)  # whichever engine pays
    np.testing.assert_array_equal(through_nd, np.asarray(generic))


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128, np.int64, np.int16, np.uint8])
@pytest.mark.parametrize("function", ["convolve2d", "correlate2d", "convolve", "correlate"])
@pytest.mark.parametrize(("shape", "kshape"), [((8, 8), (3, 3)), ((3, 40), (2, 5)), ((2, 2), (5, 4))])
def test_tiny_2d_calls_are_one_correlation_and_the_planners_values(dtype, function, shape, kshape):
    """The tiny 2-D calls of the scan (and a kernel larger than the input) take
    :func:`_fast.convolve_nd`, to the last bit the general path's values (the same engine
    on the same operands: a separable kernel is not factored there either), within the
    oracle's bound; a NaN sends the call to the general path, which keeps it local."""
    rng = np.random.default_rng(sum(shape) + sum(kshape))
    a = (rng.standard_normal(shape) * 20).astype(dtype)
    b = (rng.standard_normal(kshape) * 20).astype(dtype)
    if np.dtype(dtype).kind == "c":
        a, b = a + 1j * rng.standard_normal(shape), b - 1j * rng.standard_normal(kshape)
    separable = np.outer(np.arange(1.0, kshape[0] + 1) / 3, np.linspace(-1, 1, kshape[1]) * 0.7).astype(dtype)
    for kernel in (b, separable):
        for mode in ("full", "same", "valid"):
            kwargs = {"mode": mode}
            if (results := _fast_and_general_2d(function, a, kernel, kwargs)) is None:
                continue  # 'valid' with neither input the larger: the same error, checked
            out, general = results
            taken = _fast.convolve_nd(function, a, kernel, mode) is not None
            assert taken or shape != (8, 8), "a tiny call left to the planner"
            np.testing.assert_array_equal(out, general)
            assert out.dtype == general.dtype and out.flags.c_contiguous and out.flags.writeable
            check(function, a, kernel, out, **kwargs)
    if np.dtype(dtype).kind in "fc":
        a[1, 1] = np.nan
        assert _fast.convolve_nd(function, a, b, "full") is None
        out = getattr(convalg, function)(a, b)
        np.testing.assert_array_equal(np.isnan(out), np.isnan(_general_2d(function, a, b)))
        assert not np.isnan(out).all(), "the NaN stays where its window reaches"


@pytest.mark.parametrize("function", ["convolve2d", "correlate2d", "convolve", "correlate"])
@pytest.mark.parametrize("zero_row", [0, 2])
def test_a_nan_only_a_zero_kernel_row_meets_stays_where_the_general_path_puts_it(function, zero_row):
    """The engine skips a kernel row of zeros for finite data: a NaN in a corner that, in
    'valid' mode, only such a row meets would vanish on the fast path. Such kernels take
    the recipe, whose range analysis sees the NaN (the general path keeps NaN * 0)."""
    rng = np.random.default_rng(zero_row)
    kernel = rng.standard_normal((3, 3))
    kernel[zero_row] = 0.0
    for corner in ((0, 0), (-1, -1)):
        a = rng.standard_normal((32, 32))
        a[corner] = np.nan
        out = getattr(convalg, function)(a, kernel, mode="valid")
        np.testing.assert_array_equal(np.isnan(out), np.isnan(_general_2d(function, a, kernel, mode="valid")))
    assert _fast.convolve_nd(function, rng.standard_normal((32, 32)), kernel, "valid") is None


@pytest.mark.parametrize("function", ["convolve", "correlate"])
@pytest.mark.parametrize("zero_row", [(0, 0), (2, 1)])
def test_a_nan_only_a_zero_row_of_a_3d_kernel_meets_stays_where_the_general_path_puts_it(function, zero_row):
    """The same for a 3-D kernel, whose rows are its 1-D lines along the last axis: one
    zero line (not a whole zero plane) is what the engine may skip."""
    rng = np.random.default_rng(sum(zero_row))
    kernel = rng.standard_normal((3, 3, 3))
    kernel[zero_row] = 0.0
    for corner in ((0, 0, 0), (-1, -1, -1)):
        a = rng.standard_normal((12, 12, 12))
        a[corner] = np.nan
        out = getattr(convalg, function)(a, kernel, mode="valid")
        np.testing.assert_array_equal(np.isnan(out), np.isnan(_general_2d(function, a, kernel, mode="valid")))
    assert _fast.convolve_nd(function, rng.standard_normal((12, 12, 12)), kernel, "valid") is None
