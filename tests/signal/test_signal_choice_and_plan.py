"""choose_conv_method and plan: valid answers, the correctness rules (non-finite inputs,
integer exactness), the plan is what the call executes, and calls are thread-safe."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import convalg
from convalg import backends
from convalg.signal import Plan, plan


def test_choose_returns_a_known_method_for_many_shapes():
    rng = np.random.default_rng(0)
    for n, k in [(10, 3), (1000, 1000), (10**5, 31), (10**5, 3000)]:
        method = convalg.choose_conv_method(rng.random(n), rng.random(k))
        assert method in ("direct", "fft", "oa")


def test_long_signal_with_long_kernel_is_not_computed_directly():
    rng = np.random.default_rng(0)
    assert convalg.choose_conv_method(rng.random(10**5), rng.random(10**4)) in ("fft", "oa")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_auto_never_picks_fft_when_an_input_is_not_finite(bad):
    rng = np.random.default_rng(0)
    a = rng.random(20000)
    a[123] = bad
    b = rng.random(5000)
    assert convalg.choose_conv_method(a, b) == "direct"
    out = convalg.convolve(a, b, mode="full")
    touched = np.zeros(a.size + b.size - 1, dtype=bool)
    touched[123 : 123 + b.size] = True
    assert np.all(np.isfinite(out[~touched])), "a NaN/Inf must stay within the outputs it touches"
    assert not np.any(np.isfinite(out[touched]) & (bad != bad))


def test_auto_keeps_nan_local_in_2d():
    a = np.ones((200, 200))
    a[50, 60] = np.nan
    out = convalg.convolve(a, np.ones((31, 31)), mode="same")
    assert np.isnan(out).sum() == 31 * 31


@pytest.mark.parametrize("shape", [(2,), (3, 3), (2, 3, 2)])
def test_a_nan_in_the_kernel_does_not_reach_outputs_through_the_zero_padding(backend, shape):
    """Found by the law suite: padding zeros times a NaN tap must not make NaN outputs."""
    a = np.zeros(shape)
    b = np.zeros(tuple(2 for _ in shape))
    b[(0,) * len(shape)] = np.nan
    out = np.asarray(backends.to_numpy(convalg.convolve(a, b, method="direct", backend=backend)))
    touched = np.zeros(out.shape, dtype=bool)
    touched[tuple(slice(0, n) for n in shape)] = True  # outputs that read the NaN tap
    assert np.all(np.isnan(out[touched]))
    assert np.all(out[~touched] == 0)


def test_integers_use_fft_only_with_a_certificate():
    # a constant input centres to zeros: certified, with the centring in the plan
    big = np.full(4000, 2**40, dtype=np.int64)
    kernel = np.full(3000, 3, dtype=np.int64)
    executed = convalg.signal.plan("convolve", big, kernel)
    assert executed.method in ("fft", "oa") and executed.certificate.centres == (2**40, 3)
    assert executed.certificate.bound < 0.5
    # outputs that may not fit int64 need the direct sums' wrap-around and the CRT check
    rng = np.random.default_rng(0)
    huge = rng.integers(-(2**40), 2**40, 4000)
    assert convalg.choose_conv_method(huge, rng.integers(-(2**30), 2**30, 3000)) == "direct"
    small = np.arange(4000, dtype=np.int64) % 5
    assert convalg.choose_conv_method(small, small) in ("fft", "oa")


def test_measure_returns_the_fastest_with_timings():
    method, times = convalg.choose_conv_method(np.ones(200), np.ones(20), measure=True)
    assert method in times and set(times) >= {"direct", "fft"}
    assert times[method] == min(times.values())


def test_plan_is_what_the_call_executes(monkeypatch):
    from convalg.signal import _api

    seen = []
    original = _api.execute

    def spy(recipe):
        seen.append(recipe.plan)
        return original(recipe)

    monkeypatch.setattr(_api, "execute", spy)
    # the small-call fast path answers without a recipe: the general path's plan is 'direct'
    fast = _api._fast.convolve_1d

    def fast_spy(function, a, b, mode, method):
        out = fast(function, a, b, mode, method)
        if out is not None:
            seen.append(Plan("direct", min(a.size, b.size), None, 1, out.dtype, False))
        return out

    monkeypatch.setattr(_api._fast, "convolve_1d", fast_spy)
    rng = np.random.default_rng(2)
    cases = [
        ("convolve", rng.random(10**4), rng.random(900), {}),
        ("correlate", rng.random(300), rng.random(4), {"mode": "same"}),
        ("oaconvolve", rng.random(5000), rng.random(20), {}),
        ("fftconvolve", rng.random((5, 40)), rng.random((1, 7)), {"axes": 1}),
        ("convolve2d", rng.random((9, 9)), rng.random((3, 3)), {"boundary": "wrap"}),
    ]
    for name, a, b, kwargs in cases:
        getattr(convalg, name)(a, b, **kwargs)
        assert seen[-1] == plan(name, a, b, **kwargs)


def test_plan_fields_follow_the_contract():
    p = plan("oaconvolve", np.ones(100000), np.ones(20))
    assert isinstance(p, Plan)
    assert p.method == "oa" and p.overlaps >= 2 and len(p.fft_shape) == 1
    assert p.terms == 20 and p.dtype == np.float64 and not p.exact
    d = plan("convolve", np.ones((4, 5), np.int16), np.ones((2, 9), np.int16), method="direct")
    assert (d.method, d.terms, d.fft_shape, d.overlaps, d.exact) == ("direct", 2 * 5, None, 1, True)
    with pytest.raises(TypeError, match="unexpected keyword"):
        plan("convolve", np.ones(3), np.ones(2), axes=0)
    with pytest.raises(ValueError, match="func_name"):
        plan("medfilt", np.ones(3), np.ones(2))


def test_separable_kernels_are_planned_directly_and_match_the_full_kernel():
    sobel = np.array([[1.0, 0, -1], [2, 0, -2], [1, 0, -1]])
    image = np.random.default_rng(3).random((300, 300))
    from convalg.signal import _direct

    assert _direct.separable_factors(sobel) is not None
    assert _direct.separable_factors(np.array([[1.0, 2], [3, 4]])) is None
    p = plan("convolve", image, sobel)
    assert p.method == "direct"


def test_calls_are_thread_safe_and_give_identical_results():
    rng = np.random.default_rng(4)
    cases = [
        (rng.random(5000), rng.random(40)),
        (rng.random((60, 50)), rng.random((5, 5))),
        (rng.integers(-9, 9, 3000), rng.integers(-9, 9, 700)),
    ]
    expected = [convalg.convolve(a, b) for a, b in cases]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda i: convalg.convolve(*cases[i % 3]), range(24)))
    for i, result in enumerate(results):
        assert np.array_equal(result, expected[i % 3])
