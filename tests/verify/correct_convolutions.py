"""Correct convolutions written in every style people use, kept as fixtures verify must pass.

Each is right for every shape and dtype the contract it is stated with defines (kernels
longer than signals, one-sample inputs, integers, complex numbers, NaN and infinity). None
of them shares code with convalg: they are what a user would write, and verify must not
raise a false alarm on any of them.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.ndimage
import scipy.signal
from numpy.lib.stride_tricks import sliding_window_view


def _accumulator(signal, kernel):
    return np.zeros(0, dtype=np.result_type(signal, kernel)).dtype


# ------------------------------------------------------------------ 1-D, loops


def loops_full_convolution(signal, kernel):
    """out[i + j] += signal[i] * kernel[j], the definition as two loops."""
    out = np.zeros(len(signal) + len(kernel) - 1, dtype=_accumulator(signal, kernel))
    for i in range(len(signal)):
        for j in range(len(kernel)):
            out[i + j] += signal[i] * kernel[j]
    return out


def loops_full_correlation(signal, kernel):
    """scipy.signal.correlate's definition: z[m] = sum_l signal[l + m - (k - 1)] * conj(kernel[l])."""
    n, k = len(signal), len(kernel)
    out = np.zeros(n + k - 1, dtype=_accumulator(signal, kernel))
    conj = np.conj(kernel) if np.iscomplexobj(kernel) else kernel
    for m in range(n + k - 1):
        for j in range(k):
            i = j + m - (k - 1)
            if 0 <= i < n:
                out[m] += signal[i] * conj[j]
    return out


def loops_same_convolution(signal, kernel):
    """'same' as scipy.signal: the len(signal) central outputs, starting at (k - 1) // 2."""
    full = loops_full_convolution(signal, kernel)
    start = (len(kernel) - 1) // 2
    return full[start : start + len(signal)]


def loops_valid_convolution(signal, kernel):
    """'valid' as numpy: only complete overlaps, the longer input slides under the shorter."""
    if len(kernel) > len(signal):
        signal, kernel = kernel, signal
    n, k = len(signal), len(kernel)
    out = np.zeros(n - k + 1, dtype=_accumulator(signal, kernel))
    for i in range(n - k + 1):
        for j in range(k):
            out[i] += signal[i + k - 1 - j] * kernel[j]
    return out


def output_side_loop(signal, kernel):
    """Gather form: out[i] = sum over j of signal[i - j] * kernel[j] with bounds checks."""
    n, k = len(signal), len(kernel)
    out = np.zeros(n + k - 1, dtype=_accumulator(signal, kernel))
    for i in range(n + k - 1):
        acc = out.dtype.type(0)
        for j in range(max(0, i - n + 1), min(i, k - 1) + 1):
            acc += signal[i - j] * kernel[j]
        out[i] = acc
    return out


def shifted_copies(signal, kernel):
    """One vectorised add per tap: out[j : j + n] += kernel[j] * signal."""
    out = np.zeros(len(signal) + len(kernel) - 1, dtype=_accumulator(signal, kernel))
    for j, tap in enumerate(kernel):
        out[j : j + len(signal)] += tap * signal
    return out


# ------------------------------------------------------------------ 1-D, FFT and friends


def fft_with_enough_padding(signal, kernel):
    """FFT of length >= n + k - 1 (a power of two), so nothing wraps around."""
    n = len(signal) + len(kernel) - 1
    nfft = 1 << (n - 1).bit_length()
    if np.iscomplexobj(signal) or np.iscomplexobj(kernel):
        return np.fft.ifft(np.fft.fft(signal, nfft) * np.fft.fft(kernel, nfft))[:n]
    return np.fft.irfft(np.fft.rfft(signal, nfft) * np.fft.rfft(kernel, nfft), nfft)[:n]


def fft_correlation(signal, kernel):
    """Correlation by FFT: the convolution with the kernel reversed and conjugated."""
    return fft_with_enough_padding(signal, np.conj(kernel[::-1]) if np.iscomplexobj(kernel) else kernel[::-1])


def overlap_add_by_hand(signal, kernel, block=16):
    """Overlap-add: FFT-convolve blocks of 16 samples and add the overlapping tails."""
    n, k = len(signal), len(kernel)
    out = np.zeros(n + k - 1, dtype=np.result_type(signal, kernel, 1.0))
    for start in range(0, n, block):
        piece = fft_with_enough_padding(signal[start : start + block], kernel)
        out[start : start + len(piece)] += piece
    return out


def toeplitz_product(signal, kernel):
    """The (n + k - 1) x n Toeplitz matrix of the kernel times the signal."""
    matrix = scipy.linalg.convolution_matrix(kernel, len(signal), mode="full")
    return matrix @ signal


def toeplitz_by_hand(signal, kernel):
    """The convolution matrix built with scipy.linalg.toeplitz, then one matrix product."""
    n = len(signal)
    column = np.concatenate([kernel, np.zeros(n - 1, kernel.dtype)])
    row = np.zeros(n, kernel.dtype)
    row[0] = kernel[0]
    return scipy.linalg.toeplitz(column, row) @ signal


def sliding_windows_einsum(signal, kernel):
    """torch's conv1d: windows of the signal times the kernel, unconjugated ('valid' only)."""
    return np.einsum("ij,j->i", sliding_window_view(signal, len(kernel)), kernel)


def sliding_windows_full_convolution(signal, kernel):
    """Pad by k - 1 zeros, take windows, and dot them with the reversed kernel."""
    k = len(kernel)
    padded = np.concatenate([np.zeros(k - 1, signal.dtype), signal, np.zeros(k - 1, signal.dtype)])
    return sliding_window_view(padded, k) @ kernel[::-1]


def ndimage_with_the_right_origin(signal, kernel):
    """scipy.signal's 'same' from scipy.ndimage: zero boundary, origin -1 for even kernels."""
    origin = -1 if len(kernel) % 2 == 0 else 0
    return scipy.ndimage.convolve1d(signal, kernel, mode="constant", origin=origin)


def valid_correlation_from_numpy(signal, kernel):
    """torch's conv1d from numpy: np.correlate conjugates the kernel, so conjugate it back."""
    if len(kernel) > len(signal):
        raise ValueError("kernel longer than the signal")
    return np.correlate(signal, np.conj(kernel), mode="valid")


def integer_exact_convolution(signal, kernel):
    """Python integers for integer inputs (never wraps; refuses a result that does not fit)."""
    if signal.dtype.kind not in "iu" or kernel.dtype.kind not in "iu":
        return np.convolve(signal, kernel)
    exact = [0] * (len(signal) + len(kernel) - 1)
    for i, a in enumerate(signal.tolist()):
        for j, b in enumerate(kernel.tolist()):
            exact[i + j] += a * b
    dtype = np.result_type(signal, kernel)
    info = np.iinfo(dtype)
    if any(v < info.min or v > info.max for v in exact):
        raise OverflowError(f"the exact result does not fit in {dtype}")
    return np.array(exact, dtype=dtype)


# ------------------------------------------------------------------ 2-D and 3-D


def loops_2d_full_convolution(signal, kernel):
    """Four loops over the output and the kernel."""
    (n0, n1), (k0, k1) = signal.shape, kernel.shape
    out = np.zeros((n0 + k0 - 1, n1 + k1 - 1), dtype=_accumulator(signal, kernel))
    for j0 in range(k0):
        for j1 in range(k1):
            out[j0 : j0 + n0, j1 : j1 + n1] += kernel[j0, j1] * signal
    return out


def im2col_2d_valid_correlation(signal, kernel):
    """im2col: every kernel-sized window of the signal as a row, times the kernel (torch's conv2d)."""
    windows = sliding_window_view(signal, kernel.shape)
    rows = windows.reshape(-1, kernel.size)
    return (rows @ kernel.ravel()).reshape(windows.shape[:2])


def fft_2d_full_convolution(signal, kernel):
    """numpy.fft.fftn with every axis padded to n + k - 1."""
    shape = tuple(n + k - 1 for n, k in zip(signal.shape, kernel.shape))
    spectrum = np.fft.fftn(signal, shape) * np.fft.fftn(kernel, shape)
    out = np.fft.ifftn(spectrum)
    return out if np.iscomplexobj(signal) or np.iscomplexobj(kernel) else out.real


def rows_then_columns_2d(signal, kernel):
    """A 2-D full convolution as 1-D convolutions: each kernel row along the signal's rows, summed down."""
    (n0, n1), (k0, k1) = signal.shape, kernel.shape
    out = np.zeros((n0 + k0 - 1, n1 + k1 - 1), dtype=_accumulator(signal, kernel))
    for j0 in range(k0):
        for i0 in range(n0):
            out[i0 + j0] += np.convolve(signal[i0], kernel[j0])
    return out


def loops_3d_full_convolution(signal, kernel):
    """Shifted copies over the three kernel axes."""
    n, k = signal.shape, kernel.shape
    out = np.zeros(tuple(a + b - 1 for a, b in zip(n, k)), dtype=_accumulator(signal, kernel))
    for j in np.ndindex(*k):
        out[j[0] : j[0] + n[0], j[1] : j[1] + n[1], j[2] : j[2] + n[2]] += kernel[j] * signal
    return out


def fft_3d_full_convolution(signal, kernel):
    """scipy.fft's real transforms, padded to n + k - 1 on every axis."""
    import scipy.fft

    shape = tuple(n + k - 1 for n, k in zip(signal.shape, kernel.shape))
    if np.iscomplexobj(signal) or np.iscomplexobj(kernel):
        return scipy.fft.ifftn(scipy.fft.fftn(signal, shape) * scipy.fft.fftn(kernel, shape))
    return scipy.fft.irfftn(scipy.fft.rfftn(signal, shape) * scipy.fft.rfftn(kernel, shape), shape)
