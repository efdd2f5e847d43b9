"""The schedule reaches real sizes and edge values within the default budget; the shrinker ends at thresholds."""

from __future__ import annotations

import numpy as np
import pytest

from convalg.testing._schedule import DTYPE_PAIRS, schedule
from convalg.testing._shrink import shrink

DEFAULT = 100


def _cases(dims=1, pairs=DTYPE_PAIRS, **options):
    return list(schedule(dims, pairs, max_examples=options.pop("max_examples", DEFAULT), **options))


def test_the_default_budget_draws_long_signals_in_every_dtype():
    longest = {}
    for case in _cases():
        pair = (case.signal.dtype.name, case.kernel.dtype.name)
        longest[pair] = max(longest.get(pair, 0), case.signal.size)
    assert set(longest) == set(DTYPE_PAIRS)
    assert all(n >= 1000 for n in longest.values()), longest


def test_the_default_budget_draws_long_kernels_kernels_longer_than_signals_and_one_sample_inputs():
    cases = _cases()
    assert max(c.kernel.size for c in cases) >= 300
    assert sum(c.kernel.size >= 64 for c in cases) >= 8
    assert any(c.kernel.size > c.signal.size for c in cases)
    assert any(c.signal.size == 1 for c in cases) and any(c.kernel.size == 1 for c in cases)


@pytest.mark.parametrize(("dims", "side"), [(2, 64), (3, 16)])
def test_images_and_volumes_reach_real_sides(dims, side):
    assert max(max(c.signal.shape) for c in _cases(dims)) >= side


def test_max_size_widens_the_long_tiers():
    assert max(c.signal.size for c in _cases(max_size=16384)) > 4096
    assert max(c.signal.size for c in _cases(max_size=64)) <= 64


def test_structured_values_are_drawn():
    cases = _cases()
    floats = [c for c in cases if c.signal.dtype.kind == "f"]
    assert any(np.isnan(c.signal[0]) or np.isnan(c.kernel[0]) for c in floats if c.signal.size and c.kernel.size)
    assert any(np.isinf(c.signal).any() or np.isinf(c.kernel).any() for c in floats)
    assert any(np.all(c.kernel == 1) for c in cases)  # ones
    assert any(c.signal[-1] != 0 and not c.signal[:-1].any() for c in cases)  # an impulse at the end
    int64 = [c for c in cases if c.signal.dtype == np.int64]
    assert any(np.abs(c.signal).max() >= 2**61 for c in int64)  # integer extremes
    assert any(c.signal.dtype == np.int8 and np.abs(c.signal).max() >= 32 for c in cases)
    huge = max(np.abs(c.signal[np.isfinite(c.signal)]).max() for c in floats if c.signal.dtype == np.float64)
    assert huge > 1e70
    tiny = min(np.abs(c.signal[c.signal != 0]).min() for c in floats if np.any(c.signal != 0))
    assert tiny < 1e-150


def test_the_schedule_is_reproducible_from_its_seed():
    first, again, other = (
        _cases(seed=1, max_examples=30),
        _cases(seed=1, max_examples=30),
        _cases(seed=2, max_examples=30),
    )
    assert all(np.array_equal(a.signal, b.signal, equal_nan=True) for a, b in zip(first, again))
    assert not all(a.signal.shape == b.signal.shape for a, b in zip(first, other))


def test_shapes_a_contract_leaves_undefined_are_not_drawn():
    cases = _cases(defined=lambda s, k: all(kk <= nn for nn, kk in zip(s, k)))
    assert all(c.kernel.size <= c.signal.size for c in cases)


@pytest.mark.parametrize("threshold", [1, 17, 64, 1000])
def test_a_size_threshold_shrinks_to_exactly_the_threshold(threshold):
    result = shrink((np.arange(4000.0),), lambda a: len(a[0]) >= threshold)
    assert len(result.arrays[0]) == threshold
    assert not result.exhausted and result.calls < 120
    assert not result.arrays[0].any()  # values simplified to zeros


def test_values_shrink_towards_zeros_and_ones_and_stop():
    # fails while some element is at least 1: the minimal input is one sample of value 1
    result = shrink((np.array([3.7, -2.2, 9.1]), np.array([5.0])), lambda a: a[0].max() >= 1)
    assert result.arrays[0].tolist() == [1.0] and result.arrays[1].tolist() == [0.0]
    always = shrink((np.arange(10.0), np.arange(3.0)), lambda a: True)
    assert [a.tolist() for a in always.arrays] == [[0.0], [0.0]] and not always.exhausted


def test_complex_inputs_become_real_when_the_failure_does_not_need_the_imaginary_part():
    result = shrink((np.array([2 + 0j, 3 + 1j]),), lambda a: a[0].size >= 1 and a[0].real.max() >= 2)
    assert result.arrays[0].dtype.kind == "f"


def test_the_budget_bounds_the_calls():
    calls = []

    def fails(arrays):
        calls.append(1)
        return True

    result = shrink((np.arange(10_000.0),), fails, max_calls=7)
    assert len(calls) == 7 and result.exhausted
    assert "stopped by the budget" in result.words((np.arange(10_000.0),))
