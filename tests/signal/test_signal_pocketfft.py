"""convalg.signal._fft's direct pocketfft calls are scipy.fft's transforms, to the last bit:
the same C functions with the same arguments, on every shape, axis, length and dtype."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.fft
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import convalg
from convalg.signal import _fft

pytestmark = pytest.mark.skipif(_fft._pocketfft is None, reason="this scipy keeps pocketfft elsewhere")


@given(
    dtype=st.sampled_from([np.float32, np.float64, np.complex64, np.complex128]),
    shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=9),
    data=st.data(),
    workers=st.sampled_from([1, 2]),
)
def test_each_transform_is_scipy_ffts(dtype, shape, data, workers):
    axis = data.draw(st.integers(0, len(shape) - 1))
    n = data.draw(st.integers(1, 2 * shape[axis] + 3))  # cut, kept or zero-padded
    x = data.draw(hnp.arrays(dtype, shape, elements=st.floats(-1e3, 1e3, width=32)))
    if np.dtype(dtype).kind == "f":
        spectrum = scipy.fft.rfft(x, n=n, axis=axis)
        np.testing.assert_array_equal(_fft._PocketFFT.rfft(x, n, axis, workers), spectrum)
        inverse = scipy.fft.irfft(spectrum, n=n, axis=axis)
        np.testing.assert_array_equal(_fft._PocketFFT.irfft(spectrum, n, axis, workers), inverse)
    else:
        np.testing.assert_array_equal(_fft._PocketFFT.fft(x, n, axis, workers), scipy.fft.fft(x, n=n, axis=axis))
        np.testing.assert_array_equal(_fft._PocketFFT.ifft(x, n, axis, workers), scipy.fft.ifft(x, n=n, axis=axis))
        before = x.copy()
        _fft._PocketFFT.fft(x, n, axis, workers)  # without overwrite_x the input is left alone
        np.testing.assert_array_equal(x, before)


def test_unaligned_inputs_go_through_scipy_fft(monkeypatch):
    """pocketfft reads arrays as they are: an unaligned input takes scipy.fft's own path,
    which copies it first (a byte-swapped one is converted to native order before any
    transform, by the dtype rules)."""
    raw = np.zeros(8 * 100 + 1, np.uint8)[1:].view(np.float64)  # unaligned float64
    raw[:] = np.arange(100.0)
    assert not raw.flags.aligned and not _fft._plain(raw)
    assert not _fft._plain(np.arange(100.0).astype(">f8"))
    calls = []
    original = _fft._PocketFFT.rfft
    monkeypatch.setattr(_fft._PocketFFT, "rfft", staticmethod(lambda *a, **k: calls.append(1) or original(*a, **k)))
    kernel = np.ones(5)
    expected = np.convolve(np.arange(100.0), kernel)
    np.testing.assert_allclose(convalg.fftconvolve(raw, kernel), expected, atol=1e-9)
    assert not calls
    for x in (np.arange(100.0), np.arange(100.0).astype(">f8")):
        np.testing.assert_allclose(convalg.fftconvolve(x, kernel), expected, atol=1e-9)
    assert len(calls) == 4  # two forward transforms per call
