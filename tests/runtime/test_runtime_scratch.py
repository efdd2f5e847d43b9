"""The scratch pool (convalg._runtime.scratch): lends only buffers nothing refers to, stays bounded.

The oracle of every convolution here is NumPy's own integer ``numpy.convolve`` (direct sums,
exact for the small values used), which shares no code with convalg's certified transforms.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

import convalg
from convalg._runtime import scratch

LARGE = (400, 400)  # 1.2 MiB of float64: above scratch.SMALL


@pytest.fixture(autouse=True)
def _empty_pool(monkeypatch):
    monkeypatch.delenv(scratch.LIMIT_ENV, raising=False)
    scratch.release()
    yield
    scratch.release()


def test_a_lent_array_has_the_shape_and_dtype_asked_for():
    x = scratch.empty(LARGE, np.complex128)
    assert x.shape == LARGE and x.dtype == np.complex128
    assert x.flags.c_contiguous and x.flags.aligned and x.flags.writeable
    z = scratch.zeros(LARGE, np.int64)
    z_values = z.copy()
    assert not z_values.any()


def test_a_buffer_in_use_is_not_lent_again_and_an_idle_one_is():
    x = scratch.empty(LARGE, np.float64)
    y = scratch.empty(LARGE, np.float64)
    assert not np.shares_memory(x, y)
    held = scratch.held()
    del x, y
    for _ in range(5):  # the two idle buffers serve every later request
        scratch.empty(LARGE, np.float64)
    assert scratch.held() == held


def test_a_view_keeps_its_buffer_in_use():
    window = scratch.empty(LARGE, np.float64)[10:20, 5:7]  # only the view is kept
    window[...] = 7.0
    others = [scratch.empty(LARGE, np.float64) for _ in range(3)]
    for other in others:
        assert not np.shares_memory(window, other)
        other.fill(-1.0)
    assert (window == 7.0).all()


@pytest.mark.parametrize(
    ("source", "target"),
    [(np.int64, np.float64), (np.uint8, np.float64), (np.int32, np.int64), (np.float32, np.complex128)],
)
def test_a_conversion_equals_numpys_and_is_pooled_where_large(source, target):
    """scratch.astype converts as ndarray.astype does (the same values, negative and large
    ones included), into a pooled buffer for large arrays only; an array already of the
    dtype is returned as it is."""
    rng = np.random.default_rng(1)
    info = np.iinfo(source) if np.dtype(source).kind in "iu" else None
    for shape in (LARGE, (7, 5)):
        if info is not None:
            x = rng.integers(info.min, info.max, shape, dtype=source, endpoint=True)
        else:
            x = rng.standard_normal(shape).astype(source)
        converted = scratch.astype(x, target)
        assert converted.dtype == target and np.array_equal(converted, x.astype(target))
        pooled = scratch.held() >= converted.nbytes
        assert pooled == (shape == LARGE)  # (LARGE is above scratch.SMALL in every target dtype)
        assert scratch.astype(converted, target) is converted
        del converted
        scratch.release()


def test_small_and_object_arrays_are_not_pooled():
    scratch.empty((10, 10), np.float64)
    objects = scratch.empty(LARGE, object)  # NumPy fills a fresh object array with None
    assert objects[0, 0] is None and objects[-1, -1] is None
    assert scratch.held() == 0


@pytest.mark.parametrize(
    ("shape1", "shape2", "method"),
    [
        ((20000,), (300,), "oa"),  # blocks added into integer strips, returned as a view
        ((20000,), (300,), "fft"),  # one transform, rounded in its own memory
        ((300, 300), (9, 9), "fft"),  # 2-D, a compact kernel
        ((300, 300), (9, 9), "oa"),
    ],
)
def test_results_kept_by_the_caller_survive_later_calls(shape1, shape2, method):
    rng = np.random.default_rng(5)
    kept, expected = [], []
    for _ in range(6):
        a = rng.integers(-1000, 1000, shape1)
        b = rng.integers(-1000, 1000, shape2)
        kept.append(convalg.convolve(a, b, method=method))
        expected.append(_direct(a, b))
    assert convalg.signal.plan("convolve", a, b, method=method).certificate is not None
    for result, truth in zip(kept, expected):
        np.testing.assert_array_equal(result, truth)


@pytest.mark.parametrize(("shape1", "shape2"), [((300, 300), (15, 15)), ((40, 40, 40), (5, 5, 5)), ((30000,), (999,))])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
def test_float_results_kept_by_the_caller_are_not_overwritten(shape1, shape2, dtype):
    rng = np.random.default_rng(7)
    kept = []
    for _ in range(5):
        a = rng.standard_normal(shape1).astype(dtype)
        b = rng.standard_normal(shape2).astype(dtype)
        result = convalg.convolve(a, b, method="fft")
        kept.append((result, result.copy()))
    for result, snapshot in kept:
        np.testing.assert_array_equal(result, snapshot)


def test_concurrent_calls_get_their_own_workspace():
    rng = np.random.default_rng(6)
    jobs = [(rng.integers(-999, 999, 20000), rng.integers(-999, 999, 300)) for _ in range(8)]
    results: dict[int, list[np.ndarray]] = {}

    def work(index: int) -> None:
        a, b = jobs[index]
        results[index] = [convalg.convolve(a, b, method=method) for method in ("oa", "fft") * 3]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for index, (a, b) in enumerate(jobs):
        truth = _direct(a, b)
        for result in results[index]:
            np.testing.assert_array_equal(result, truth)


def test_the_pool_stays_within_its_limit(monkeypatch):
    monkeypatch.setenv(scratch.LIMIT_ENV, str(3 << 20))
    kept = []
    for n in range(200, 700, 25):  # ever larger buffers, some kept in use
        x = scratch.empty((n, n), np.float64)
        if n % 100 == 0:
            kept.append(x)
        assert scratch.held() <= 3 << 20
    assert len(scratch._BUFFERS) <= scratch.MOST_BUFFERS


def test_idle_buffers_make_room_for_new_ones(monkeypatch):
    monkeypatch.setenv(scratch.LIMIT_ENV, str(4 << 20))
    for n in (300, 310, 320, 330):  # 2.9 MiB of idle buffers, none kept
        scratch.empty((n, n), np.float64)
    big = scratch.empty((600, 600), np.float64)  # 2.7 MiB more: idle ones must go
    assert scratch.held() <= 4 << 20
    assert any(np.shares_memory(big, buffer) for buffer in scratch._BUFFERS)  # pooled, not bypassed


def test_a_limit_of_zero_turns_the_pool_off(monkeypatch):
    monkeypatch.setenv(scratch.LIMIT_ENV, "0")
    a, b = np.arange(20000) % 7, np.ones(300, dtype=int)
    np.testing.assert_array_equal(convalg.convolve(a, b, method="fft"), _direct(a, b))
    assert scratch.held() == 0


@pytest.mark.parametrize("value", ["lots", "-1", "nan"])
def test_a_bad_limit_is_refused_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv(scratch.LIMIT_ENV, value)
    with pytest.raises(ValueError, match=scratch.LIMIT_ENV):
        scratch.empty(LARGE, np.float64)


def test_release_keeps_the_buffers_in_use():
    kept = scratch.empty(LARGE, np.float64)
    scratch.empty((500, 500), np.float64)
    scratch.release()
    assert scratch.held() == kept.nbytes


def _direct(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The exact convolution by direct integer sums: numpy.convolve in 1-D, else a sum of shifted copies."""
    if a.ndim == 1:
        return np.convolve(a, b)
    out = np.zeros(tuple(m + n - 1 for m, n in zip(a.shape, b.shape)), dtype=np.int64)
    for i, j in np.ndindex(*b.shape):
        out[i : i + a.shape[0], j : j + a.shape[1]] += b[i, j] * a
    return out
