"""Exact integers through a certified float64 FFT (convalg.signal._exact_fft).

Three kinds of test, each against oracles apart from convalg's engines:

* exactness on adversarial inputs that maximise rounding error (extreme values, alternating
  signs, impulses, lengths next to powers of two and odd ones, both signs, int64/uint64
  near and beyond 2**53), compared with Python-integer sums, NumPy's own integer
  ``numpy.convolve`` or closed forms;
* the theorem itself: the a-posteriori bound of :func:`convalg.errorbounds.fft_spectral`
  is at least the error actually made (measured in exact rational arithmetic), and its
  value is the one the theorem of docs/exact-integers.md states (re-derived here), so a
  weakened constant cannot pass unnoticed;
* the plumbing: the plan reports the certificate, the memory guard covers the limbs,
  array-api-strict and dask give the same exact results.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import scipy.fft
import scipy.signal
from hypothesis import Phase, example, given, settings
from hypothesis import strategies as st
from signal_oracle import crop_like_scipy, exact_full

import convalg
from convalg import backends, errorbounds
from convalg.signal import _exact_fft, _fft, plan

METHODS = ("fft", "oa", "auto")


def alternating_full(n: int, k: int, m: int) -> np.ndarray:
    """The full convolution of ``m (-1)**i`` (length n) with ``m (-1)**j`` (length k), in closed
    form: ``c[t] = m**2 (-1)**t #{(i, j): i + j = t}``."""
    t = np.arange(n + k - 1)
    count = np.minimum.reduce([t + 1, np.full_like(t, n), np.full_like(t, k), n + k - 1 - t])
    return (m * m) * count * (-1) ** t


def python_full(a, b) -> list[int]:
    return [int(v) for v in exact_full(a, b).ravel()]


# ---------------------------------------------------------------- adversarial exactness


@pytest.mark.parametrize("n", [255, 256, 257, 1023, 1024, 1025, 3001])
@pytest.mark.parametrize("sign", [1, -1])
@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int16, np.int32])
def test_extreme_values_at_lengths_around_powers_of_two(n, sign, dtype):
    info = np.iinfo(dtype)
    extreme = info.min if sign < 0 and info.min < 0 else info.max
    a = np.full(n, extreme, dtype=dtype)
    k = max(3, n // 7)
    b = np.full(k, int(np.sign(extreme)) * min(abs(int(extreme)), 2**20), dtype=dtype)  # int32: sums fit int64
    alternating = (np.array([1, -1] * n)[:n] * (info.max if info.min < 0 else 1)).astype(np.int64)
    for x, y in ((a, b), (alternating, b), (a, alternating[:k])):
        expected = np.convolve(x.astype(np.int64), y.astype(np.int64))  # NumPy's exact integer sums
        for method in METHODS:
            out = convalg.convolve(x, y, method=method)
            assert out.dtype == np.int64
            assert np.array_equal(out, expected), (method, n, dtype)


@pytest.mark.parametrize("n", [2**12 - 1, 2**12, 2**12 + 1, 2**16 + 3])
def test_alternating_extremes_need_limbs_and_stay_exact(n):
    m = 2**17 if n < 2**16 else 2**16
    a = m * (-1) ** np.arange(n)
    executed = plan("convolve", a, a, method="fft")
    assert executed.method == "fft" and executed.certificate.bound < 0.5
    assert executed.certificate.limbs != (1, 1), "one limb cannot be certified here"
    assert np.array_equal(convalg.convolve(a, a, method="fft"), alternating_full(n, n, m))


@pytest.mark.parametrize("position", [0, 1, 500, 1022, 1023])
@pytest.mark.parametrize("method", METHODS)
def test_impulses(position, method):
    rng = np.random.default_rng(position)
    impulse = np.zeros(1024, dtype=np.int64)
    impulse[position] = -(2**31)
    b = rng.integers(-(2**31), 2**31, 700)
    out = convalg.convolve(impulse, b, method=method)
    expected = np.zeros(1024 + 700 - 1, dtype=object)
    expected[position : position + 700] = [-(2**31) * int(v) for v in b]
    assert out.tolist() == expected.tolist()


@pytest.mark.parametrize("offset", [-3, 0, 1, 2**9, 2**10 + 7])
def test_int64_near_and_beyond_2_53_uses_limbs(offset):
    rng = np.random.default_rng(offset % 97)
    a = (2**53 + offset + rng.integers(-(2**20), 2**20, 600)).astype(np.int64)
    b = rng.integers(-3, 4, 100)  # 2**53 * 3 * 100 < 2**63: no range check needed
    executed = plan("convolve", a, b, method="fft")
    assert executed.method == "fft" and executed.certificate.limbs[0] > 1, "above 2**52 a limb must be split"
    assert convalg.convolve(a, b, method="fft").tolist() == python_full(a, b)
    big = rng.integers(2**58, 2**59, 200)  # sums of at most 11 of them fit int64
    small = rng.integers(0, 2, 11)
    assert convalg.convolve(big, small, method="fft").tolist() == python_full(big, small)
    assert convalg.convolve(-big, small, method="oa").tolist() == python_full(-big, small)


def test_uint64_beyond_int64_is_exact_modulo_and_in_range():
    rng = np.random.default_rng(3)
    a = rng.integers(2**63, 2**64 - 2**40, 500, dtype=np.uint64)
    b = np.zeros(64, dtype=np.uint64)
    b[rng.integers(0, 64)] = 1  # one product per output: fits uint64
    out = convalg.convolve(a, b, method="fft")
    assert out.dtype == np.uint64
    assert out.tolist() == python_full(a, b)
    with pytest.raises(OverflowError):
        convalg.convolve(a, np.ones(2, dtype=np.uint64), method="fft")  # 2 * 2**63 does not fit


@pytest.mark.parametrize(
    ("s1", "s2", "mode"),
    [
        ((40, 33), (5, 5), "same"),
        ((17, 64), (9, 3), "full"),
        ((12, 10, 9), (3, 4, 2), "valid"),
        ((1, 50), (4, 7), "full"),
    ],
)
@pytest.mark.parametrize("method", METHODS)
def test_n_dimensional_uint8_images_with_int8_kernels(s1, s2, mode, method):
    rng = np.random.default_rng(len(s1))
    image = rng.integers(200, 256, s1).astype(np.uint8)  # bright: centring takes the DC peak away
    kernel = rng.integers(-128, 128, s2).astype(np.int8)
    out = convalg.convolve(image, kernel, mode=mode, method=method)
    expected = crop_like_scipy(exact_full(image, kernel), s1, s2, mode)
    assert out.tolist() == expected.tolist()


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_broadcast_axes_and_correlation(mode):
    rng = np.random.default_rng(11)
    a = rng.integers(0, 2**14, (3, 300))
    b = rng.integers(0, 2**14, (1, 40))
    for function in ("convolve", "correlate"):
        out = getattr(convalg, function)(a, b, mode=mode, method="fft")
        kernel = b if function == "convolve" else np.flip(b)
        assert out.tolist() == crop_like_scipy(exact_full(a, kernel), a.shape, b.shape, mode).tolist()


# ---------------------------------------------------------------- the theorem


def _two_norm_up(x: np.ndarray) -> float:
    exact = sum(Fraction(int(v)) ** 2 for v in x.ravel())
    return math.sqrt(float(exact)) * (1 + 2.0**-50)


def _observed_error(a: np.ndarray, b: np.ndarray, n_fft: int) -> tuple[float, float]:
    """The largest error of ``irfft(rfft(a) rfft(b))`` against the exact convolution (exact
    rational arithmetic), and the bound of the theorem for it."""
    spectrum_a = scipy.fft.rfft(a.astype(np.float64), n_fft)
    spectrum_b = scipy.fft.rfft(b.astype(np.float64), n_fft)
    computed = scipy.fft.irfft(spectrum_a * spectrum_b, n_fft)[: a.size + b.size - 1]
    exact = exact_full(a, b)
    observed = max(abs(Fraction(float(c)) - int(e)) for c, e in zip(computed, exact))
    peak_a = float(np.abs(spectrum_a).max()) * (1 + 2.0**-50)
    peak_b = float(np.abs(spectrum_b).max()) * (1 + 2.0**-50)
    bound = errorbounds.fft_spectral([_two_norm_up(a)], [peak_a], [_two_norm_up(b)], [peak_b], fft_shape=(n_fft,))
    return float(observed), float(bound)


integers = st.sampled_from([2**7, 2**15, 2**20, 2**26])


@st.composite
def adversarial_pairs(draw):
    m = draw(integers)
    n = draw(st.sampled_from([1, 2, 3, 63, 64, 65, 255, 256, 257, 500, 511, 512, 513]))
    k = draw(st.integers(1, 300))
    kind = draw(st.sampled_from(["extreme", "alternating", "random", "impulse", "signs"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if kind == "extreme":
        a, b = np.full(n, m), np.full(k, -m)
    elif kind == "alternating":
        a, b = m * (-1) ** np.arange(n), m * (-1) ** np.arange(k)
    elif kind == "impulse":
        a, b = np.zeros(n, dtype=np.int64), rng.integers(-m, m + 1, k)
        a[rng.integers(0, n)] = m
    elif kind == "signs":
        a, b = m * rng.choice([-1, 1], n), m * rng.choice([-1, 1], k)
    else:
        a, b = rng.integers(-m, m + 1, n), rng.integers(-m, m + 1, k)
    return a.astype(np.int64), b.astype(np.int64)


@given(adversarial_pairs(), st.booleans())
@example((np.full(512, 2**26, dtype=np.int64), np.full(300, -(2**26), dtype=np.int64)), False)
@example((2**26 * (-1) ** np.arange(513), 2**26 * (-1) ** np.arange(300)), True)
def test_the_a_posteriori_bound_is_at_least_the_observed_error(pair, power_of_two):
    a, b = pair
    full = a.size + b.size - 1
    n_fft = 1 << (full - 1).bit_length() if power_of_two else scipy.fft.next_fast_len(full, real=True)
    observed, bound = _observed_error(a, b, n_fft)
    assert observed <= bound


def _theorem(norms_a, peaks_a, norms_b, peaks_b, fft_shape) -> float:
    """The bound exactly as docs/exact-integers.md states it, written apart from errorbounds."""
    u = 2.0**-53
    points = math.prod(fft_shape)
    stages, radix = errorbounds.fft_stages(fft_shape)

    def gamma(k):
        return k * u / (1 - k * u)

    eta = u + math.sqrt(radix) * gamma(radix + 2) + math.sqrt(2) * gamma(2)
    eps = stages * eta / (1 - stages * eta)
    g = math.sqrt(2) * gamma(2)
    eps_inv = (1 + eps) * (1 + gamma(2)) - 1
    pairs = len(norms_a)
    adds = gamma(pairs - 1)
    root = math.sqrt(points)
    total_products, total_magnitude = 0.0, 0.0
    for a2, ma, b2, mb in zip(norms_a, peaks_a, norms_b, peaks_b):
        e_a, e_b = eps * root * a2, eps * root * b2
        spectrum_b = root * b2 + e_b
        total_products += g * ma * spectrum_b + mb * e_a + (ma + e_a) * e_b
        total_magnitude += ma * spectrum_b
    return (total_products + (adds + eps_inv * (1 + adds)) * (1 + g) * total_magnitude) / root


@pytest.mark.parametrize("fft_shape", [(8,), (1000,), (4096,), (97,), (30, 64), (7, 11, 13)])
@pytest.mark.parametrize("pairs", [1, 2, 5])
def test_the_bound_is_the_theorem_and_not_less(fft_shape, pairs):
    rng = np.random.default_rng(pairs)
    args = [list(rng.uniform(1, 1e6, pairs)) for _ in range(4)]
    value = float(errorbounds.fft_spectral(*args, fft_shape=fft_shape))
    stated = _theorem(*args, fft_shape)
    assert stated <= value <= stated * (1 + 1e-11)


@pytest.mark.parametrize("seed", range(4))
def test_the_certificate_is_the_theorem_on_the_computed_spectra(seed):
    """The plan's bound, recomputed apart: centred inputs, their spectra, exact norms."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 2**10, 3000 + seed)
    b = rng.integers(-(2**10), 2**10, 257 * (seed + 1))
    executed = plan("convolve", a, b, method="fft")
    certificate = executed.certificate
    assert certificate.limbs == (1, 1)
    (n_fft,) = executed.fft_shape
    centred = [x - c for x, c in zip((a, b), certificate.centres)]
    peaks = [float(np.abs(scipy.fft.rfft(x.astype(np.float64), n_fft)).max()) for x in centred]
    norms = [math.sqrt(float(sum(Fraction(int(v)) ** 2 for v in x))) for x in centred]
    recomputed = _theorem([norms[0]], [peaks[0]], [norms[1]], [peaks[1]], (n_fft,))
    assert certificate.bound >= recomputed * (1 - 1e-9)


@pytest.mark.parametrize("loud", [0, 3, -1])
@pytest.mark.parametrize("method", ["oa", "auto"])
def test_the_overlap_add_certificate_is_the_theorem_on_its_loudest_block(loud, method):
    """Per block, recomputed apart: blocks of length ``N - k + 1`` cut from the (centred)
    long input, each block's exact norm and spectrum; the certificate covers the worst block.
    One block is 2**12 times louder than the others, so a certificate from another is less."""
    rng = np.random.default_rng(abs(loud))
    a = rng.integers(-(2**3), 2**3 + 1, 100_003)
    b = rng.integers(-(2**14), 2**14 + 1, 1000)
    (n_fft,) = plan("convolve", a, b, method=method).fft_shape
    block = n_fft - b.size + 1
    starts = range(0, a.size, block)
    first = list(starts)[loud]
    a[first : first + block] *= 2**12  # the loud block (the last one may be partial)
    executed = plan("convolve", a, b, method=method)
    assert executed.method == "oa" and executed.fft_shape == (n_fft,) and executed.certificate.limbs == (1, 1)
    a_centred, b_centred = (x - c for x, c in zip((a, b), executed.certificate.centres))
    peak_b = float(np.abs(scipy.fft.rfft(b_centred.astype(np.float64), n_fft)).max())
    norm_b = math.sqrt(float(sum(Fraction(int(v)) ** 2 for v in b_centred)))
    recomputed = max(
        _theorem(
            [math.sqrt(float(sum(Fraction(int(v)) ** 2 for v in a_centred[s : s + block])))],
            [float(np.abs(scipy.fft.rfft(a_centred[s : s + block].astype(np.float64), n_fft)).max())],
            [norm_b],
            [peak_b],
            (n_fft,),
        )
        for s in starts
    )
    assert executed.certificate.bound >= recomputed * (1 - 1e-9)
    assert np.array_equal(convalg.convolve(a, b, method=method), np.convolve(a, b))  # NumPy: exact integer sums


def test_a_weakened_certificate_gives_wrong_integers_on_adversarial_input(monkeypatch):
    """The adversarial inputs have teeth: with the bound divided by 2**20 (a Parseval slip of
    1/N for 1/sqrt(N) at N ~ 2**20) the certificate passes where the error exceeds 1/2."""
    original = errorbounds.fft_spectral
    monkeypatch.setattr(_exact_fft.errorbounds, "fft_spectral", lambda *a, **k: original(*a, **k) / 2**20)
    n, m = 2**16, 2**18
    a = m * (-1) ** np.arange(n)
    out = convalg.convolve(a, a, method="fft")
    assert not np.array_equal(out, alternating_full(n, n, m))


# ---------------------------------------------------------------- plan, guards, backends


def test_plan_reports_the_certificate():
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 2**12, 20_000), rng.integers(0, 2**12, 3000)
    executed = plan("convolve", a, b)
    assert executed.method in ("fft", "oa") and executed.exact
    certificate = executed.certificate
    assert certificate.method == executed.method and 0 <= certificate.bound < 0.5
    assert certificate.limbs == (1, 1) and certificate.centres[0] > 0 and certificate.centres[1] > 0
    assert "a-posteriori" in certificate.reason and "< 1/2" in certificate.reason
    assert plan("convolve", a.astype(float), b).certificate is None
    assert plan("convolve", a, b, method="direct").certificate is None


@pytest.mark.parametrize("cores", [1, 2])
def test_auto_cuts_long_kernels_into_blocks_of_3k_for_exact_integers(monkeypatch, cores):
    """Where the float rule transforms the whole axis, exact integers are cut into blocks of
    ``3k + 1`` (FFT length ``next_fast_len(4k)``): one whole transform would run its inverse on
    one core. The result is exact either way."""
    from convalg.signal import _plan

    monkeypatch.setattr(_plan, "workers", lambda: cores)
    rng = np.random.default_rng(cores)
    a, b = rng.integers(0, 2**12, 200_000), rng.integers(0, 2**12, 20_000)
    executed = plan("convolve", a, b)
    assert plan("convolve", a.astype(float), b.astype(float)).method == "fft"  # floats: one transform
    assert executed.method == "oa" and executed.certificate.method == "oa"
    assert executed.fft_shape == (scipy.fft.next_fast_len(4 * b.size, real=True),)
    assert np.array_equal(convalg.convolve(a, b), np.convolve(a, b))


def test_a_method_chosen_after_another_was_certified_runs_with_its_own_certificate(monkeypatch):
    """'auto' certifies the cheapest transform, then another when limbs made the first dearer;
    if the first is cheaper after all, it runs with its own certificate (certified again)."""
    from convalg.signal import _plan

    original = _exact_fft.cost_factor
    dearer = {"oa": 1e3, "fft": 1e4}  # both dearer once certified, 'oa' less so

    def factor(certificate, one_line, cores):
        return original(certificate, one_line, cores) * (dearer[certificate.method] if certificate else 1)

    monkeypatch.setattr(_exact_fft, "cost_factor", factor)
    monkeypatch.setattr(_plan, "workers", lambda: 2)
    rng = np.random.default_rng(4)
    a, b = rng.integers(0, 2**12, 200_000), rng.integers(0, 2**12, 20_000)
    xp, inputs = backends.namespace(a, b)
    executed = _plan.prepare("convolve", xp, *inputs)
    assert executed.plan.method == "direct" and executed.exact_transform is None  # both dearer than the sum
    dearer["fft"] = 1.0  # now: 'oa' certified, dearer than 'fft'; 'fft' certified is cheaper
    executed = _plan.prepare("convolve", xp, *inputs)
    assert executed.plan.method == executed.exact_transform.certificate.method == "fft"
    dearer.update(oa=1.5, fft=3.0)  # 'oa' dearer than uncertified 'fft'; 'fft' certified dearer still
    executed = _plan.prepare("convolve", xp, *inputs)
    assert executed.plan.method == executed.exact_transform.certificate.method == "oa"
    assert np.array_equal(convalg.convolve(a, b), np.convolve(a, b))


def test_no_memory_for_the_limbs_computes_directly(monkeypatch):
    monkeypatch.setattr(_exact_fft, "_fits_in_memory", lambda *args: False)
    a = np.arange(3000) % 11
    assert plan("convolve", a, a, method="fft").method == "direct"
    assert convalg.convolve(a, a, method="fft").tolist() == python_full(a, a)


@pytest.mark.parametrize("method", METHODS)
def test_backends_agree_exactly(backend, method):
    rng = np.random.default_rng(5)
    a = rng.integers(0, 256, (30, 41)).astype(np.uint8)
    b = rng.integers(-128, 128, (5, 4)).astype(np.int8)
    out = backends.to_numpy(convalg.convolve(a, b, method=method, backend=backend))
    assert out.tolist() == exact_full(a, b).tolist()
    x = rng.integers(-(2**40), 2**40, 700)
    y = rng.integers(-3, 4, 90)
    assert backends.to_numpy(convalg.convolve(x, y, method="fft", backend=backend)).tolist() == python_full(x, y)


def test_dask_chunks_are_exact():
    da = pytest.importorskip("dask.array")
    rng = np.random.default_rng(8)
    a = rng.integers(0, 2**12, 5000)
    b = rng.integers(0, 2**12, 300)
    out = convalg.convolve(da.from_array(a, chunks=1200), b).compute()
    assert out.tolist() == np.convolve(a, b).tolist()


@pytest.mark.parametrize("idle", [1, 2])
def test_centring_terms_alongside_the_inverse_transform(monkeypatch, idle):
    """With an idle core the centring terms are summed in a thread: the same exact result."""
    monkeypatch.setattr(_exact_fft, "workers", lambda: idle)
    monkeypatch.setattr(_exact_fft, "_CENTRING_ASIDE", 0)  # these sizes are summed inline otherwise
    monkeypatch.setattr(_exact_fft, "_centring_may_pay", lambda *args: True)  # certified uncentred too
    rng = np.random.default_rng(idle)
    a, b = rng.integers(0, 2**12, 9000), rng.integers(0, 2**12, 700)
    assert plan("convolve", a, b, method="fft").certificate.centres != (0, 0)
    assert np.array_equal(convalg.convolve(a, b, method="fft"), np.convolve(a, b))
    image = rng.integers(0, 256, (60, 50)).astype(np.uint8)
    kernel = rng.integers(-128, 128, (7, 5)).astype(np.int8)
    out = convalg.convolve(image, kernel, mode="same", method="fft")
    assert out.tolist() == crop_like_scipy(exact_full(image, kernel), image.shape, kernel.shape, "same").tolist()


# ---------------------------------------------------------------- fewer passes, fewer limbs


def sampled_full(a: np.ndarray, b: np.ndarray, count: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """``count`` random outputs of the full 1-D convolution (their indices and values), each an
    integer dot product by the definition ``c[t] = sum_j a[t - j] b[j]`` (int64 sums, exact
    for these magnitudes)."""
    rng = np.random.default_rng(a.size)
    index = rng.integers(0, a.size + b.size - 1, count)
    values = []
    for t in index:
        j = np.arange(max(0, t - a.size + 1), min(t, b.size - 1) + 1)
        values.append(int(np.dot(a[t - j].astype(np.int64), b[j].astype(np.int64))))
    return index, np.array(values)


@settings(max_examples=60)
@given(
    st.lists(st.integers(-(2**40), 2**40), min_size=1, max_size=300),
    st.integers(-(2**40), 2**40),
)
@example([5] * 50 + [7] * 50, 0)  # centred: mean 6, range 2
@example([200, 255, 0] * 40, 0)  # uint8-like: centred at 152
@example([-3, 3] * 40, 0)  # signed, mean 0: not centred
def test_centring_is_the_documented_rule_with_or_without_the_known_extremes(values, shift):
    """The centre is round(mean) exactly when that is nonzero and the DC coefficient n|mean|
    exceeds sqrt(n) times half the range (docs/exact-integers.md), written apart here; giving
    the operand its max|x| from range analysis (which skips passes) changes nothing."""
    import array_api_compat.numpy as xp

    x = np.array(values, dtype=np.int64) + shift
    ints = [int(v) for v in x]
    n, top, bottom = len(ints), max(ints), min(ints)
    mean = Fraction(sum(ints), n)
    centred = round(mean) != 0 and abs(mean) * math.sqrt(n) > Fraction(top - bottom, 2)
    centre = round(mean) if centred else 0
    largest = max(abs(top - centre), abs(bottom - centre))
    for operand in (_exact_fft._operand(xp, x), _exact_fft._operand(xp, x, max(abs(top), abs(bottom)))):
        assert (operand.centre, operand.largest) == (centre, largest)


def test_norms_are_measured_when_their_estimate_does_not_certify():
    """int16 of the whole range, 24000 x 2400: the bound from the estimated norms
    (sqrt(entries) max|x|) is not below 1/2, the one from the measured norms is: one limb each."""
    rng = np.random.default_rng(11)
    a = rng.integers(-(2**15), 2**15, 24_000).astype(np.int16)
    b = rng.integers(-(2**15), 2**15, 2400).astype(np.int16)
    executed = plan("convolve", a, b)
    assert executed.method == "oa" and executed.certificate.limbs == (1, 1)
    (n_fft,) = executed.fft_shape
    block = n_fft - b.size + 1
    estimated = _theorem(
        [math.sqrt(block) * 2**15],
        [float(np.abs(scipy.fft.rfft(a[:block].astype(np.float64), n_fft)).max())],
        [math.sqrt(b.size) * 2**15],
        [float(np.abs(scipy.fft.rfft(b.astype(np.float64), n_fft)).max())],
        (n_fft,),
    )
    assert estimated >= 0.5 > executed.certificate.bound
    index, expected = sampled_full(a, b)
    assert np.array_equal(convalg.convolve(a, b)[index], expected)


def test_one_input_is_split_where_that_suffices():
    """int16 of the whole range, 40000 x 4000, needs limbs: splitting the short input alone
    takes enough bits off (one more block transform and inverse) where splitting both would
    transform twice as many blocks."""
    rng = np.random.default_rng(12)
    a = rng.integers(-(2**15), 2**15, 40_000).astype(np.int16)
    b = rng.integers(-(2**15), 2**15, 4000).astype(np.int16)
    executed = plan("convolve", a, b)
    assert executed.method == "oa" and executed.certificate.limbs == (1, 2)
    index, expected = sampled_full(a, b)
    assert np.array_equal(convalg.convolve(a, b)[index], expected)


def _certifications(monkeypatch) -> list[tuple[str, int]]:
    """The (method, rounds) of every certification the planner starts, recorded."""
    calls: list[tuple[str, int]] = []
    original = _exact_fft.certify

    def spy(*args, **keywords):
        calls.append((args[7], keywords.get("rounds", args[9] if len(args) > 9 else _exact_fft.ROUNDS)))
        return original(*args, **keywords)

    monkeypatch.setattr(_exact_fft, "certify", spy)
    return calls


@pytest.mark.parametrize("cores", [1, 2])
def test_auto_first_tries_the_shorter_transform_without_limbs(monkeypatch, cores):
    """int64 +-2**15, 20000 x 2000, 'same': one whole transform (21600 points, modelled about
    as cheap) would need limbs; the blocks of 8000 do not. Only the blocks are certified."""
    from convalg.signal import _plan

    monkeypatch.setattr(_plan, "workers", lambda: cores)
    calls = _certifications(monkeypatch)
    rng = np.random.default_rng(1)
    a = rng.integers(-(2**15), 2**15 + 1, 20_000)
    b = rng.integers(-(2**15), 2**15 + 1, 2000)
    executed = plan("convolve", a, b, mode="same")
    assert executed.method == "oa" and executed.certificate.limbs == (1, 1)
    assert calls == [("oa", 1)]
    assert np.array_equal(convalg.convolve(a, b, mode="same"), np.convolve(a, b, mode="same"))


def test_limbs_go_on_from_the_first_round_and_skip_longer_transforms(monkeypatch):
    """int64 +-2**15, 50000 x 5000 needs limbs in blocks and whole: the whole transform (longer)
    is not tried, and the blocks' certification goes on from its first round."""
    calls = _certifications(monkeypatch)
    rng = np.random.default_rng(1)
    a = rng.integers(-(2**15), 2**15 + 1, 50_000)
    b = rng.integers(-(2**15), 2**15 + 1, 5000)
    executed = plan("convolve", a, b)
    assert executed.method == "oa" and executed.certificate.limbs == (1, 2)
    assert calls == [("oa", 1), ("oa", _exact_fft.ROUNDS)]
    index, expected = sampled_full(a, b)
    assert np.array_equal(convalg.convolve(a, b)[index], expected)


def test_a_whole_n_d_transform_that_needs_limbs_gives_way_to_scipys_blocks(monkeypatch):
    """int16 over its whole range, 256x256 * 31x31: one whole transform would need limbs
    (its bound about 1.5 times the limit), scipy's overlap-add blocks of 186 x 186 do not, and
    cost less than the least split. 'auto' guesses as much from samples of the data
    (:func:`_exact_fft.likely_excess`) and certifies the blocks first, without limbs; every
    output is the exact integer sum."""
    calls = _certifications(monkeypatch)
    rng = np.random.default_rng(7)
    a = rng.integers(-(2**15), 2**15, (256, 256), endpoint=True).astype(np.int16)
    b = rng.integers(-(2**15), 2**15, (31, 31), endpoint=True).astype(np.int16)
    assert plan("convolve", a, b, method="fft").certificate.limbs != (1, 1)
    assert 1.25 < _exact_fft.likely_excess(np, a, b, (288, 288), {}) < 2  # the certificate: about 1.5
    c = rng.integers(-(2**15), 2**15, (15, 15), endpoint=True).astype(np.int16)
    assert plan("convolve", a, c, method="fft").certificate.limbs == (1, 1)  # whose guess is not doomed
    assert _exact_fft.likely_excess(np, a, c, (270, 270), {}) < 1.25
    calls.clear()
    executed = plan("convolve", a, b)
    assert calls == [("oa", 1)]
    assert executed.method == "oa" and executed.certificate.limbs == (1, 1)
    assert executed.fft_shape == (216, 216)
    expected = scipy.signal.convolve(a.astype(np.int64), b.astype(np.int64), method="direct")  # integer sums
    assert np.array_equal(convalg.convolve(a, b), expected)
    assert np.array_equal(convalg.convolve(a, b, method="fft"), expected)  # int16 limbs, not copied as int64


def test_every_backend_skips_the_doomed_whole_transform_alike(backend):
    """The call above on each backend: the same guess dooms the whole transform, scipy's
    blocks are certified without limbs, and the integers are exact."""
    rng = np.random.default_rng(7)
    a = rng.integers(-(2**15), 2**15, (256, 256), endpoint=True).astype(np.int16)
    b = rng.integers(-(2**15), 2**15, (31, 31), endpoint=True).astype(np.int16)
    xp, (xa, xb) = backends.namespace(a, b, backend=backend)
    guess = _exact_fft.likely_excess(np, a, b, (288, 288), {})
    assert guess > 1.25
    assert _exact_fft.likely_excess(xp, xa, xb, (288, 288), {}) == pytest.approx(guess, rel=1e-9)  # (sums' order)
    executed = plan("convolve", a, b, backend=backend)
    assert executed.method == "oa" and executed.certificate.limbs == (1, 1)
    out = backends.to_numpy(convalg.convolve(a, b, backend=backend))
    assert np.array_equal(out, scipy.signal.convolve(a.astype(np.int64), b.astype(np.int64), method="direct"))


def test_blocks_dearer_than_the_least_split_are_not_tried(monkeypatch):
    """The same call, with the least split modelled as cheap as no split, and its whole
    transform not guessed to need limbs: it is tried, the blocks are not, and the whole
    transform is split into limbs instead."""
    calls = _certifications(monkeypatch)
    monkeypatch.setattr(_exact_fft, "split_factor", lambda one_line, cores: 1.0)
    monkeypatch.setattr(_exact_fft, "likely_excess", lambda *args: 0.0)
    rng = np.random.default_rng(7)
    a = rng.integers(-(2**15), 2**15, (256, 256), endpoint=True).astype(np.int16)
    b = rng.integers(-(2**15), 2**15, (31, 31), endpoint=True).astype(np.int16)
    executed = plan("convolve", a, b)
    assert calls == [("fft", 1), ("fft", _exact_fft.ROUNDS)]
    assert executed.method == "fft" and executed.certificate.limbs != (1, 1)


_DTYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32"]


@st.composite
def n_d_integer_calls(draw):
    """A random exact-integer N-D call: 1-3 axes, shapes up to 320, 48 or 12 per axis, each input of its
    own integer dtype over its whole range (at most +-2**30), or of a narrow range around a
    large offset (centring), or alternating extremes; a mode. Some sums leave int64."""
    ndim = draw(st.integers(1, 3))
    longest = {1: 320, 2: 48, 3: 12}[ndim]  # (1-D: long enough for blocks of limbs)
    shapes = [tuple(draw(st.integers(1, longest)) for _ in range(ndim)) for _ in range(2)]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    arrays = []
    for shape in shapes:
        dtype = np.dtype(draw(st.sampled_from(_DTYPES)))
        info = np.iinfo(dtype)
        low, high = max(info.min, -(2**30)), min(info.max, 2**30)
        kind = draw(st.sampled_from(["range", "offset", "alternating"]))
        if kind == "range":
            x = rng.integers(low, high, shape, endpoint=True)
        elif kind == "offset":  # a small spread far from zero: centred
            x = high - rng.integers(0, 4, shape)
        else:
            x = np.where(np.indices(shape).sum(axis=0) % 2 == 0, high, low)
        arrays.append(x.astype(dtype))
    return arrays[0], arrays[1], draw(st.sampled_from(["full", "same", "valid"]))


# no shrinking: a drawn seed shrinks into fresh random calls, each a Python-int oracle of up
# to 1e5 products, for many minutes; the failing call is printed as drawn
@settings(deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(n_d_integer_calls(), st.sampled_from(["fft", "oa", "auto"]))
def test_random_n_d_integer_calls_are_the_python_integer_sums(call, method):
    """Every certified path (whole transforms with compact kernels, blocks added into
    strips, limbs, centring, narrow dtypes read as they are) gives the sums of Python ints,
    or the documented OverflowError where one leaves int64."""
    a, b, mode = call
    if mode == "valid" and not (
        all(m >= n for m, n in zip(a.shape, b.shape)) or all(m <= n for m, n in zip(a.shape, b.shape))
    ):
        return  # scipy refuses such 'valid' calls; that refusal is tested elsewhere
    expected = crop_like_scipy(exact_full(a, b), a.shape, b.shape, mode)
    if any(not -(2**63) <= v < 2**63 for v in expected.ravel()):
        with pytest.raises(OverflowError, match="outside the int64 range"):
            convalg.convolve(a, b, mode=mode, method=method)
        return
    out = convalg.convolve(a, b, mode=mode, method=method)
    assert out.shape == expected.shape
    assert out.tolist() == expected.tolist()


@pytest.mark.parametrize(
    ("size", "fft_shape", "axes"),
    [((15, 15), (270, 270), (0, 1)), ((5, 4, 3), (40, 36, 30), (0, 1, 2)), ((3, 5, 9), (3, 20, 16), (1, 2))],
)
def test_a_compact_kernel_transforms_as_its_zero_padded_array(size, fft_shape, axes):
    """A kernel at most half the transform along the leading transformed axes is transformed
    from its rows (padded along the last axis only), its spectrum padded axis by axis: the
    same spectrum as that of the whole zero-padded array (the same 1-D transforms; in 3-D in
    another order, so within rounding), and the certified result stays exact. The third
    case leaves its first axis untransformed (a batch axis)."""
    rng = np.random.default_rng(11)
    kernel = rng.integers(-(2**15), 2**15, size).astype(np.float64)
    lengths = dict(zip(axes, [fft_shape[ax] for ax in axes]))
    full = np.zeros([lengths.get(ax, n) for ax, n in enumerate(size)])
    full[tuple(slice(0, n) for n in size)] = kernel
    compact = np.zeros([fft_shape[ax] if ax == axes[-1] else n for ax, n in enumerate(size)])
    compact[tuple(slice(0, n) for n in size)] = kernel
    transform_shape = tuple(fft_shape[ax] for ax in axes)
    assert _exact_fft._compact(np, size, axes, transform_shape, {})
    forward, _ = _fft.padded_transforms(np, tuple(transform_shape), tuple(axes), full.size)
    expected, spectrum = forward(full), forward(compact)
    assert spectrum.shape == expected.shape
    if len(axes) == 2:
        assert np.array_equal(spectrum, expected)
    else:
        assert np.allclose(spectrum, expected, rtol=0, atol=1e-12 * np.abs(expected).max())
    if len(axes) == len(size):  # the certified convolution through it (convolve's axes are all axes)
        signal = rng.integers(-(2**15), 2**15, [fft_shape[ax] - 2 * n for ax, n in enumerate(size)])
        out = convalg.convolve(signal, kernel.astype(np.int64), method="fft")
        assert out.tolist() == exact_full(signal, kernel.astype(np.int64)).tolist()


@pytest.mark.parametrize("shape", [(300, 257), (3, 260, 300), (7,), (5000, 300), (40, 30)])
def test_prefix_sums_along_every_axis_are_numpys_cumulative_sums(shape):
    """Centring's box sums: slice by slice along outer axes of wide slices, else NumPy's
    cumsum; either way the sums of the first 0 .. n entries, wrapping modulo 2**64."""
    import array_api_compat.numpy as xp

    rng = np.random.default_rng(len(shape))
    x = rng.integers(-(2**62), 2**62, shape)
    for axis in range(x.ndim):
        zero = np.zeros(shape[:axis] + (1,) + shape[axis + 1 :], dtype=np.int64)
        with np.errstate(over="ignore"):
            expected = np.concatenate([zero, np.cumsum(x, axis=axis)], axis=axis)
        assert np.array_equal(_exact_fft._prefix_sums(xp, x, axis), expected)


def test_centred_images_wider_than_the_sliced_sums_threshold_are_exact(monkeypatch):
    monkeypatch.setattr(_exact_fft, "_centring_may_pay", lambda *args: True)  # certified uncentred too
    rng = np.random.default_rng(13)
    image = rng.integers(0, 256, (300, 280)).astype(np.uint8)
    kernel = rng.integers(0, 128, (9, 7)).astype(np.int8)
    executed = plan("convolve", image, kernel, mode="same", method="fft")
    assert executed.certificate.centres != (0, 0)
    expected = scipy.signal.convolve2d(image.astype(np.int64), kernel.astype(np.int64), mode="same")
    assert np.array_equal(convalg.convolve(image, kernel, mode="same", method="fft"), expected)


def test_a_certified_transform_runs_once():
    """Its spectra are multiplied in place: a second run would square them, so it is refused
    rather than answered wrongly."""
    import array_api_compat.numpy as xp

    from convalg.signal import _api, _plan

    rng = np.random.default_rng(4)
    a, b = rng.integers(-(2**15), 2**15, 8000), rng.integers(-(2**15), 2**15, 1000)
    recipe = _plan.prepare("convolve", xp, a, b)
    assert recipe.exact_transform is not None
    np.testing.assert_array_equal(_api.execute(recipe), np.convolve(a, b))
    with pytest.raises(RuntimeError, match="runs once"):
        _api.execute(recipe)


@pytest.mark.parametrize(("dtype", "n", "k"), [("uint8", 3000, 3000), ("uint8", 300, 280), ("int16", 2000, 500)])
def test_inputs_certified_as_they_are_are_not_centred(dtype, n, k):
    """Centring costs the correction terms' passes: it is skipped where the bound of the
    inputs as they are, from their sizes and largest magnitudes alone, is below 1/2 (a speed
    rule: the certificate is still computed from the data), and the result stays exact."""
    rng = np.random.default_rng(n)
    info = np.iinfo(dtype)
    low = max(int(info.min), -(2**10)) if dtype == "int16" else 0
    a = rng.integers(low, int(info.max) + 1 if dtype == "uint8" else 2**10, n).astype(dtype)
    b = rng.integers(low, int(info.max) + 1 if dtype == "uint8" else 2**10, k).astype(dtype)
    executed = plan("convolve", a, b, method="fft")
    assert executed.certificate.centres == (0, 0) and executed.certificate.limbs == (1, 1)
    sizes, known = (a.size, b.size), (int(np.abs(a.astype(np.int64)).max()), int(np.abs(b.astype(np.int64)).max()))
    assert not _exact_fft._centring_may_pay(*sizes, known, executed.fft_shape)
    assert _exact_fft._centring_may_pay(*sizes, (2**20, 2**20), executed.fft_shape)  # wide values: may
    assert convalg.convolve(a, b, method="fft").tolist() == np.convolve(a.astype(np.int64), b.astype(np.int64)).tolist()
