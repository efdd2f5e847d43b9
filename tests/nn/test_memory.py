"""A call whose arrays would not fit in memory gets convalg.signal's MemoryError, naming the
call and the size, before anything is allocated or computed; 'auto' takes the direct engine
when only the FFT's workspace would not fit."""

from __future__ import annotations

import numpy as np
import pytest

from convalg.nn import _cost, _fft_engine, _im2col
from convalg.nn import functional as F

from ._reference import direct_bound, fft_bound, reference_conv

# A broadcast view: 80 GB of float64 as an input that takes no memory at all.
HUGE = (1, 1, 100_000, 100_000)


@pytest.fixture
def eight_gib(monkeypatch):
    """The same limit on every machine (without it the guard allows the available memory), and
    no pass over the data: the refusal must come from the shapes alone."""
    monkeypatch.setenv("CONVALG_MEMORY_LIMIT", str(8 * 2**30))
    check = _cost.all_finite

    def all_finite(xp, *arrays):
        if max(a.size for a in arrays) > 10**8:
            pytest.fail("a pass over 10**10 entries")
        return check(xp, *arrays)

    monkeypatch.setattr(_cost, "all_finite", all_finite)


def test_a_huge_broadcast_input_is_refused_before_computing(eight_gib):
    x = np.broadcast_to(np.float64(1.0), HUGE)
    with pytest.raises(
        MemoryError,
        match=r"conv2d of input 1x1x100000x100000 and weight 1x1x3x3 \(float64\) "
        r"with method='direct' would need about [0-9.]+ GiB, more than the 8.0 GiB",
    ):
        F.conv2d(x, np.ones((1, 1, 3, 3)))


@pytest.mark.parametrize("out_channels", [1, 2], ids=["flipped-kernel", "shift-and-add"])
@pytest.mark.parametrize("input_grad", [True, False])
def test_huge_gradients_are_refused_before_computing(eight_gib, out_channels, input_grad):
    """Each gradient engine checks: the input gradient in either form, the weight gradient."""
    x = np.broadcast_to(np.float64(1.0), HUGE)
    g = np.broadcast_to(np.float64(1.0), (1, out_channels, 99_998, 99_998))
    with pytest.raises(MemoryError, match=r"conv2d_grad of input 1x1x100000x100000 .* would need about"):
        F.conv2d_grad(g, x, np.ones((out_channels, 1, 3, 3)), input_grad=input_grad)


def test_the_limit_counts_every_call_when_set(monkeypatch, rng):
    monkeypatch.setenv("CONVALG_MEMORY_LIMIT", "100000")  # 100 kB
    with pytest.raises(MemoryError, match=r"conv1d of input 4x4x4096 .* would need about"):
        F.conv1d(rng.standard_normal((4, 4, 4096)), rng.standard_normal((2, 4, 3)))
    x, w = rng.standard_normal((1, 2, 6, 6)), rng.standard_normal((3, 2, 3, 3))
    assert direct_bound(x, w, None, "float64").holds(F.conv2d(x, w), reference_conv(x, w))


def _needs(sizes):
    import array_api_compat.numpy as xp

    return {method: _cost.memory_need(xp, method, sizes) * 8 for method in ("direct", "fft")}


def _spy_fft(monkeypatch):
    ran = []
    engine = _fft_engine.correlate_fft
    monkeypatch.setattr(_fft_engine, "correlate_fft", lambda *a: ran.append("fft") or engine(*a))
    return ran


def test_auto_takes_the_direct_engine_when_only_it_fits(monkeypatch, rng):
    x, w = rng.standard_normal((2, 3, 32, 32)), rng.standard_normal((3, 3, 13, 13))
    sizes = (2, 1, 3, 3, (32, 32), (13, 13), (20, 20))
    assert _cost.choose_method(*sizes) == "fft"  # the cheaper engine by operation count
    monkeypatch.setattr(_im2col, "COLUMN_BLOCK", 1000)  # small blocks of columns: direct needs less
    needs = _needs(sizes)
    assert needs["direct"] < needs["fft"]
    monkeypatch.setenv("CONVALG_MEMORY_LIMIT", str((needs["direct"] + needs["fft"]) // 2))
    ran = _spy_fft(monkeypatch)
    assert direct_bound(x, w, None, "float64").holds(F.conv2d(x, w), reference_conv(x, w))
    assert ran == []
    with pytest.raises(MemoryError, match="method='fft'"):
        F.conv2d(x, w, method="fft")


def test_auto_takes_the_fft_when_only_it_fits_and_the_data_are_finite(monkeypatch, rng):
    x, w = rng.standard_normal((2, 3, 24, 24)), rng.standard_normal((3, 3, 5, 5))
    sizes = (2, 1, 3, 3, (24, 24), (5, 5), (20, 20))
    assert _cost.choose_method(*sizes) == "direct"
    needs = _needs(sizes)
    assert needs["fft"] < needs["direct"]
    monkeypatch.setenv("CONVALG_MEMORY_LIMIT", str((needs["direct"] + needs["fft"]) // 2))
    ran = _spy_fft(monkeypatch)
    tolerance = fft_bound(x, w, "float64", (24, 24)) + float(np.linalg.norm(direct_bound(x, w, None, "float64").value))
    assert np.linalg.norm(F.conv2d(x, w) - reference_conv(x, w)) <= tolerance
    assert ran == ["fft"]
    x[0, 0, 5, 5] = np.nan  # the FFT would spread it to every output: refused rather than spread
    with pytest.raises(MemoryError, match="method='direct'"):
        F.conv2d(x, w)
