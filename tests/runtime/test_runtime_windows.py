"""The mode windows of convalg._runtime.windows are scipy.signal's: checked against scipy's own
results on random lengths, with numpy.convolve's full convolution as the independent whole."""

from __future__ import annotations

import numpy as np
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st

from convalg._runtime import windows

MODES = st.sampled_from(["full", "same", "valid"])
LENGTHS = st.integers(1, 70)


def _distinct(rng, n):
    """Integers whose every window sum differs, so a shifted window cannot match by chance."""
    return rng.integers(-(2**20), 2**20, n)


@given(n1=LENGTHS, n2=LENGTHS, mode=MODES, seed=st.integers(0, 2**16))
def test_the_window_of_the_full_convolution_is_scipy_signals_mode_result(n1, n2, mode, seed):
    rng = np.random.default_rng(seed)
    a, b = _distinct(rng, n1), _distinct(rng, n2)
    full = np.convolve(a, b)
    expected = scipy.signal.convolve(a, b, mode=mode, method="direct")
    assert np.array_equal(full[windows.window_slice(n1, n2, mode)], expected)
    starts, shape = windows.mode_window((n1,), (n2,), mode)
    assert np.array_equal(full[starts[0] : starts[0] + shape[0]], expected)
    if mode != "valid" or n1 >= n2:
        start, length = windows.axis_window(n1, n2, mode)
        assert np.array_equal(full[start : start + length], expected)
        before, after = windows.padding(n1, n2, mode)
        assert min(before, after) >= 0
        assert np.array_equal(np.convolve(np.pad(a, (before, after)), b, mode="valid"), expected)


@given(n1=LENGTHS, n2=LENGTHS, seed=st.integers(0, 2**16))
def test_correlate2d_centres_same_half_a_sample_later(n1, n2, seed):
    rng = np.random.default_rng(seed)
    a, b = _distinct(rng, (1, n1)), _distinct(rng, (1, n2))
    full = scipy.signal.correlate2d(a, b, mode="full")[0]
    start, length = windows.axis_window(n1, n2, "same", centre_up=True)
    assert np.array_equal(full[start : start + length], scipy.signal.correlate2d(a, b, mode="same")[0])


@given(shapes=st.lists(st.tuples(LENGTHS, LENGTHS), min_size=1, max_size=3), mode=MODES, seed=st.integers(0, 2**16))
def test_the_n_dimensional_window_is_scipy_signals_or_its_refusal(shapes, mode, seed):
    rng = np.random.default_rng(seed)
    shape1, shape2 = zip(*[(n1 // 10 + 1, n2 // 10 + 1) for n1, n2 in shapes])
    a, b = _distinct(rng, shape1), _distinct(rng, shape2)
    try:
        expected = scipy.signal.convolve(a, b, mode=mode, method="direct")
    except ValueError:  # 'valid' with neither input the larger everywhere
        assert mode == "valid"
        try:
            windows.mode_window(shape1, shape2, mode)
        except ValueError as error:
            assert "one must be at least as large as the other" in str(error)  # noqa: PT017 - else: below  # noqa: PT017 - else: below
        else:
            raise AssertionError("mode_window accepted what scipy.signal refuses")
        return
    starts, shape = windows.mode_window(shape1, shape2, mode)
    full = scipy.signal.convolve(a, b, mode="full", method="direct")
    assert np.array_equal(full[tuple(slice(s, s + n) for s, n in zip(starts, shape))], expected)
