"""Repeated exact integer calls (convalg.signal._fast.exact_alike): a call alike reuses the
planner's choice of certified transform (method, blocks, limb widths), never its
certificate, which is computed again from each call's own spectra.

Oracles apart from convalg's engines: NumPy's integer ``numpy.convolve`` in int64 (1-D) and
a sum of shifted copies in int64 (N-D; every sum here is below 2**63, so both are exact),
cropped as scipy.signal crops, and the closed form of alternating extremes.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from signal_oracle import crop_like_scipy

import convalg
from convalg import errorbounds
from convalg.signal import _api, _exact_fft, _fast, _plan, plan

DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32")


@pytest.fixture(autouse=True)
def _no_calls_alike():
    """Each test starts with no call recorded (the record is process-wide)."""
    _fast._CERTIFIED.clear()
    yield
    _fast._CERTIFIED.clear()


@pytest.fixture
def planned(monkeypatch) -> list[str]:
    """The functions of every call the general planner prepared, recorded."""
    calls: list[str] = []
    original = _plan.prepare

    def spy(function, *args, **keywords):
        calls.append(function)
        return original(function, *args, **keywords)

    monkeypatch.setattr(_fast, "prepare", spy)
    monkeypatch.setattr(_api, "prepare", spy)
    return calls


def oracle(function: str, a: np.ndarray, b: np.ndarray, mode: str) -> np.ndarray:
    """scipy.signal's result in exact int64: the full sum (numpy.convolve in 1-D, else a sum
    of shifted copies of the larger input, one per entry of the other), cropped."""
    a, b = a.astype(np.int64), b.astype(np.int64)
    if function == "correlate":
        b = b[(slice(None, None, -1),) * b.ndim]
    if a.ndim == 1:
        full = np.convolve(a, b)
    else:
        large, small = (a, b) if a.size >= b.size else (b, a)
        full = np.zeros(tuple(n + k - 1 for n, k in zip(a.shape, b.shape)), np.int64)
        for index in np.ndindex(small.shape):
            full[tuple(slice(i, i + n) for i, n in zip(index, large.shape))] += large * small[index]
    return crop_like_scipy(full, a.shape, b.shape, mode)


def data(rng, shape: int | tuple[int, ...], dtype: str, bits: int) -> np.ndarray:
    """Random integers of ``dtype`` whose largest magnitude has ``bits`` bits exactly (so
    that calls alike have the same magnitudes' bit lengths)."""
    info = np.iinfo(dtype)
    top = min(2**bits - 1, int(info.max))
    low = 0 if info.min == 0 else -top
    x = rng.integers(low, top, shape, endpoint=True)
    x.flat[rng.integers(x.size)] = top
    return x.astype(dtype)


@pytest.mark.parametrize("function", ["convolve", "correlate"])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize(
    ("n1", "n2"),
    [(8000, 1000), (1000, 8000), (20000, 2000), ((256, 256), (15, 15)), ((15, 9), (160, 200)), ((8, 9, 10), (4, 5, 6))],
)
def test_calls_alike_are_exact_and_skip_the_planner(planned, function, mode, n1, n2):
    rng = np.random.default_rng(n1 + n2)
    for call in range(3):
        a, b = data(rng, n1, "int64", 15), data(rng, n2, "int64", 15)
        out = getattr(convalg, function)(a, b, mode=mode)
        assert out.dtype == np.int64
        assert np.array_equal(out, oracle(function, a, b, mode)), call
    if plan(function, a, b, mode=mode).method != "direct":
        # the first call planned a certified transform; the two alike reused the choice
        assert planned == [function, function]  # (the first call's and plan's own)


@pytest.mark.parametrize("dtype1", DTYPES)
@pytest.mark.parametrize("dtype2", ["int8", "uint8", "int32"])
def test_calls_alike_are_exact_for_every_integer_dtype(planned, dtype1, dtype2):
    rng = np.random.default_rng(len(dtype1) * 7 + len(dtype2))
    bits = (min(8 * np.dtype(dtype1).itemsize, 20) - 1, 7)
    for call in range(2):
        a, b = data(rng, 8000, dtype1, bits[0]), data(rng, 1000, dtype2, bits[1])
        out = convalg.convolve(a, b)
        assert out.dtype == np.int64
        assert np.array_equal(out, oracle("convolve", a, b, "full")), call
    assert len(planned) == 1


@pytest.mark.parametrize("view", ["strided", "reversed"])
def test_calls_alike_of_views_are_exact(planned, view):
    """Views of other arrays (every other entry, reversed) are read as they are."""
    rng = np.random.default_rng(23)
    for call in range(2):
        long, short = data(rng, 16000, "int32", 15), data(rng, 2000, "int16", 12)
        a, b = (long[::2], short[::2]) if view == "strided" else (long[::-1][:8000], short[::-1][:1000])
        out = convalg.correlate(a, b, mode="same")
        assert np.array_equal(out, oracle("correlate", a, b, "same")), call
    assert len(planned) == 1


def test_every_call_alike_computes_its_own_certificate(planned, monkeypatch):
    """The bound of errorbounds.fft_spectral is evaluated once per call, from that call's
    spectra: a call alike takes the planner's choice, not its verdict."""
    peaks: list[float] = []
    original = errorbounds.fft_spectral

    def spy(norms_a, peaks_a, norms_b, peaks_b, **keywords):
        peaks.append(float(peaks_a[0]))
        return original(norms_a, peaks_a, norms_b, peaks_b, **keywords)

    monkeypatch.setattr(errorbounds, "fft_spectral", spy)
    rng = np.random.default_rng(3)
    convalg.convolve(data(rng, 8000, "int64", 15), data(rng, 1000, "int64", 15))
    own = []
    for call in range(3):
        del peaks[:]
        convalg.convolve(data(rng, 8000, "int64", 15), data(rng, 1000, "int64", 15))
        # (a call may evaluate the bound twice: with estimated, then measured norms)
        assert peaks and len(set(peaks)) == 1, call
        own.append(peaks[0])
    assert len(set(own)) == 3  # each call alike's own spectrum
    assert len(planned) == 1


def test_a_call_alike_whose_certificate_fails_goes_to_the_planner(planned, monkeypatch):
    """Alternating extremes (m, -m, m, ...) put the whole 1-norm in one spectral value: with
    the same bit lengths as the random call before, their certificate fails with its limbs.
    The call goes to the planner, which splits further, and the result is the closed form
    ``c[t] = m**2 (-1)**t #{(i, j): i + j = t}``."""
    certified: list[bool] = []
    original = _exact_fft.certify

    def spy(*args, **keywords):
        transform = original(*args, **keywords)
        certified.append(transform is not None)
        return transform

    monkeypatch.setattr(_exact_fft, "certify", spy)
    rng = np.random.default_rng(5)
    m, n, k = 2**15 - 1, 8000, 1000
    convalg.convolve(data(rng, n, "int64", 15), data(rng, k, "int64", 15))
    a = m * (-1) ** np.arange(n, dtype=np.int64)
    b = m * (-1) ** np.arange(k, dtype=np.int64)
    del certified[:]
    out = convalg.convolve(a, b)
    t = np.arange(n + k - 1)
    pairs = np.minimum(t, k - 1) - np.maximum(0, t - n + 1) + 1
    assert np.array_equal(out, m * m * (-1) ** t * pairs)
    assert certified[0] is False  # the call alike's own certificate failed ...
    assert planned == ["convolve", "convolve"]  # ... so the planner decided


@pytest.mark.parametrize("dtype", ["int64", "int16"])
@pytest.mark.parametrize("function", ["convolve", "correlate"])
@pytest.mark.parametrize(
    ("n1", "n2", "mode"),
    [
        (8000, 1000, "full"),
        (1000, 8000, "valid"),
        (1000, 20000, "full"),
        ((256, 256), (15, 15), "same"),
        ((31, 31), (300, 300), "valid"),
    ],
)
def test_a_call_alike_is_certified_as_the_planner_certifies_it(monkeypatch, dtype, function, n1, n2, mode):
    """The certificate of a call alike is the planner's for the same data (the same theorem
    from the same spectra and magnitudes: the data's own, not a narrow dtype's range; the
    'valid' swap swaps them too)."""
    certificates: list = []
    original = _exact_fft.certify

    def spy(*args, **keywords):
        transform = original(*args, **keywords)
        certificates.append(None if transform is None else transform.certificate)
        return transform

    monkeypatch.setattr(_exact_fft, "certify", spy)
    rng = np.random.default_rng(n1 * 3 + n2)
    bits = (14, 9) if np.prod(n1) > np.prod(n2) else (9, 14)
    call = getattr(convalg, function)
    call(data(rng, n1, dtype, bits[0]), data(rng, n2, dtype, bits[1]), mode=mode)
    a, b = data(rng, n1, dtype, bits[0]), data(rng, n2, dtype, bits[1])
    del certificates[:]
    out = call(a, b, mode=mode)
    assert np.array_equal(out, oracle(function, a, b, mode))
    assert len(certificates) == 1 and certificates[0] is not None  # the call alike's
    assert certificates[0] == plan(function, a, b, mode=mode).certificate


def test_a_call_alike_keeps_the_memory_guard(planned, monkeypatch):
    rng = np.random.default_rng(11)
    convalg.convolve(data(rng, 8000, "int64", 15), data(rng, 1000, "int64", 15))
    monkeypatch.setenv("CONVALG_MEMORY_LIMIT", "50000")
    with pytest.raises(MemoryError, match="convolve"):
        convalg.convolve(data(rng, 8000, "int64", 15), data(rng, 1000, "int64", 15))


def test_sums_that_might_not_fit_int64_are_left_to_range_analysis(planned):
    """taps * max|in1| * max|in2| >= 2**63: the planner's range analysis decides (here the
    outputs fit, and are exact)."""
    rng = np.random.default_rng(13)
    for _ in range(2):
        a, b = data(rng, 4000, "int64", 31), data(rng, 600, "int64", 31)
        a[:] = np.abs(a) % 5  # small outputs, large extremes
        a[0] = 2**31 - 1
        out = convalg.convolve(a, b)
        expected = [sum(int(a[i]) * int(b[t - i]) for i in range(max(0, t - 599), min(t, 3999) + 1)) for t in (0, 600)]
        assert [int(out[0]), int(out[600])] == expected
    assert _fast._CERTIFIED == {}


def test_the_record_of_calls_alike_is_bounded(planned):
    rng = np.random.default_rng(17)
    for n in range(8000, 8000 + _fast._MAX_CERTIFIED + 8):
        convalg.convolve(data(rng, n, "int16", 12), data(rng, 1000, "int16", 12))
    assert 0 < len(_fast._CERTIFIED) <= _fast._MAX_CERTIFIED


def test_calls_alike_in_threads_are_exact(planned):
    rng = np.random.default_rng(19)
    convalg.convolve(data(rng, 8000, "int64", 15), data(rng, 1000, "int64", 15))
    inputs = [(data(rng, 8000, "int64", 15), data(rng, 1000, "int64", 15)) for _ in range(8)]
    results: dict[int, np.ndarray] = {}

    def run(index: int) -> None:
        for _ in range(3):
            results[index] = convalg.convolve(*inputs[index])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for index, (a, b) in enumerate(inputs):
        assert np.array_equal(results[index], oracle("convolve", a, b, "full"))


@settings(max_examples=15, deadline=None)
@given(
    n1=st.integers(2000, 20000),
    n2=st.integers(40, 3000),
    bits=st.tuples(st.integers(1, 24), st.integers(1, 24)),
    function=st.sampled_from(["convolve", "correlate"]),
    mode=st.sampled_from(["full", "same", "valid"]),
    swap=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_calls_alike_of_any_size_and_magnitude_are_exact(n1, n2, bits, function, mode, swap, seed):
    """Sizes, magnitudes and modes drawn well past those the fast path was tuned on, either
    input the longer; each pair of calls alike is exact whatever each one's certificate or
    the planner decides."""
    if swap:
        n1, n2 = n2, n1
    rng = np.random.default_rng(seed)
    for _ in range(2):
        a, b = data(rng, n1, "int64", bits[0]), data(rng, n2, "int64", bits[1])
        out = getattr(convalg, function)(a, b, mode=mode)
        assert np.array_equal(out, oracle(function, a, b, mode))


@settings(max_examples=10, deadline=None)
@given(
    shapes=st.tuples(st.integers(2, 120), st.integers(2, 120), st.integers(2, 17), st.integers(2, 17)),
    bits=st.tuples(st.integers(1, 20), st.integers(1, 20)),
    function=st.sampled_from(["convolve", "correlate"]),
    mode=st.sampled_from(["full", "same", "valid"]),
    swap=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_2d_calls_alike_of_any_size_and_magnitude_are_exact(shapes, bits, function, mode, swap, seed):
    """2-D: images and kernels of any sizes (either the larger), magnitudes and modes."""
    s1, s2 = shapes[:2], shapes[2:]
    if swap:
        s1, s2 = s2, s1
    rng = np.random.default_rng(seed)
    for _ in range(2):
        a, b = data(rng, s1, "int64", bits[0]), data(rng, s2, "int64", bits[1])
        call = getattr(convalg, function)
        try:
            out = call(a, b, mode=mode)
        except ValueError:  # 'valid' with neither input the larger: scipy's error too
            assert mode == "valid"
            continue
        assert np.array_equal(out, oracle(function, a, b, mode))
