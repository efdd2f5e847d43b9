"""Convolutions with the bugs ``convalg verify`` must catch, kept as fixtures.

Each is a plausible hand-written implementation with one realistic mistake, named by it.
"""

from __future__ import annotations

import numpy as np


def _shifted_sum(signal: np.ndarray, kernel: np.ndarray, taps: int, dtype) -> np.ndarray:
    out = np.zeros(len(signal) + len(kernel) - 1, dtype=dtype)
    for j in range(taps):
        out[j : j + len(signal)] += kernel[j] * signal.astype(dtype)
    return out


def fft_without_enough_padding(signal, kernel):
    """Circular aliasing: the FFT length covers the signal, not the n + k - 1 outputs."""
    n = len(signal) + len(kernel) - 1
    nfft = 1 << (len(signal) - 1).bit_length()  # BUG: should be at least n
    spectrum = np.fft.fft(signal, nfft) * np.fft.fft(kernel, nfft)
    circular = np.fft.ifft(spectrum)
    out = np.zeros(n, dtype=np.result_type(signal, kernel, 1.0))
    take = min(n, nfft)
    values = circular[:take] if out.dtype.kind == "c" else circular[:take].real
    out[:take] = values
    return out


def same_window_off_by_one(signal, kernel):
    """'same' mode starting one sample late for even kernels."""
    full = np.convolve(signal, kernel)
    start = len(kernel) // 2  # BUG: numpy and scipy start at (len(kernel) - 1) // 2
    return full[start : start + len(signal)]


def float32_accumulator(signal, kernel):
    """Accumulates in single precision whatever the inputs' precision."""
    dtype = np.result_type(signal, kernel)
    low = np.complex64 if dtype.kind == "c" else np.float32  # BUG: loses the inputs' precision
    return np.convolve(signal.astype(low), kernel.astype(low)).astype(dtype)


def int32_accumulator(signal, kernel):
    """Integer convolution accumulated in int32: wraps around silently for large values."""
    if signal.dtype.kind in "iu":
        return np.convolve(signal.astype(np.int32), kernel.astype(np.int32)).astype(signal.dtype)  # BUG
    return np.convolve(signal, kernel)


def drops_a_tap_of_long_kernels(signal, kernel):
    """A loop unrolled for kernels of up to 8 taps that forgets the last tap beyond that."""
    dtype = np.result_type(signal, kernel)
    taps = len(kernel) - 1 if len(kernel) > 8 else len(kernel)  # BUG: the last tap is lost
    return _shifted_sum(signal, kernel, taps, dtype)


def flipped_kernel(signal, kernel):
    """Meant as a convolution, but slides the kernel unreversed: a correlation."""
    return np.convolve(signal, kernel[::-1])  # BUG: the kernel is flipped twice


def crashes_on_single_tap(signal, kernel):
    """Special-cases kernels of one tap, wrongly."""
    if len(kernel) == 1:
        return signal * kernel[1]  # BUG: IndexError
    return np.convolve(signal, kernel)


def mutates_its_kernel(signal, kernel):
    """Reverses the kernel in place to reuse a correlation routine."""
    kernel[...] = kernel[::-1].copy()  # BUG: the caller's kernel changes
    return _slide_unreversed(signal, kernel)


def _slide_unreversed(signal, reversed_kernel):
    # sliding the reversed kernel without reversing it again is the convolution
    return np.convolve(signal, reversed_kernel[::-1])


def returns_single_precision(signal, kernel):
    """Returns float32 results for float64 inputs."""
    out = np.convolve(signal, kernel)
    return out.astype(np.complex64 if out.dtype.kind == "c" else np.float32) if out.dtype.kind in "fc" else out  # BUG


def wrong_length_for_even_kernels(signal, kernel):
    """Drops the last output when the kernel length is even."""
    out = np.convolve(signal, kernel)
    return out[:-1] if len(kernel) % 2 == 0 and len(kernel) > 2 else out  # BUG
