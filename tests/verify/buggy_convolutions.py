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


# ------------------------------------------------------------------ the misses of issue 12


def conjugated_kernel(signal, kernel):
    """A convolution that conjugates its kernel (a correlation routine's habit)."""
    return np.convolve(signal, np.conj(kernel))  # BUG: conj


def conjugated_output(signal, kernel):
    """Conjugates the result, as when the output is built from conj(F a) conj(F b)."""
    return np.conj(np.convolve(signal, kernel))  # BUG


def reversed_output(signal, kernel):
    """Convolves the reversed inputs: the output comes out reversed."""
    return np.convolve(signal[::-1], kernel[::-1])  # BUG: conv(a[::-1], b[::-1]) = conv(a, b)[::-1]


def correlate_swapped_full(signal, kernel):
    """Calls scipy.signal.correlate(kernel, signal): the arguments in the wrong order."""
    import scipy.signal

    return scipy.signal.correlate(kernel, signal)  # BUG: swapped


def correlate_swapped_valid(signal, kernel):
    """The swapped correlation in 'valid' mode."""
    import scipy.signal

    return scipy.signal.correlate(kernel, signal, mode="valid")  # BUG: swapped


def correlation_without_conjugate(signal, kernel):
    """A correlation as the convolution with the reversed kernel, forgetting to conjugate it."""
    return np.convolve(signal, kernel[::-1])  # BUG: no conj


def real_part_only(signal, kernel):
    """Returns .real, so a complex input loses its imaginary part (without raising)."""
    return np.convolve(signal, kernel).real  # BUG


def wrong_from_eight_columns_2d(signal, kernel):
    """Processes columns in groups of eight and drops the last group's overlap with the next."""
    import scipy.signal

    out = scipy.signal.convolve2d(signal, kernel)
    if signal.shape[1] >= 8:
        out[:, 7 + kernel.shape[1] - 1] = 0  # BUG: a seam between column groups
    return out


def overlap_add_wrong_after_16(signal, kernel):
    """Overlap-add in blocks of 16 that forgets to add the tail of each block into the next."""
    n, k = len(signal), len(kernel)
    out = np.zeros(n + k - 1, dtype=np.result_type(signal, kernel, 1.0))
    for start in range(0, n, 16):
        piece = np.convolve(signal[start : start + 16], kernel)
        out[start : start + len(piece)] = piece  # BUG: = instead of +=
    return out


def drops_taps_from_64(signal, kernel):
    """A fixed-size tap buffer of 63 entries: kernels of 64 taps or more lose the rest."""
    return np.convolve(signal, kernel[:63]) if len(kernel) >= 64 else np.convolve(signal, kernel)  # BUG


def float32_long_signal_path(signal, kernel):
    """A 'fast' float32 path for long signals that sums pairs of outputs in the wrong place."""
    out = np.convolve(signal, kernel)
    if signal.dtype == np.float32 and len(signal) >= 1000:
        out[1:] = out[1:] + np.float32(1e-3) * out[:-1]  # BUG: leaks into the next output
    return out


def nan_as_zero(signal, kernel):
    """Treats NaN as a missing sample: replaced by zero, so no NaN reaches the output."""
    clean = np.where(np.isnan(signal), 0, signal) if signal.dtype.kind in "fc" else signal  # BUG
    return np.convolve(clean, kernel)


def returns_its_input_for_a_unit_kernel(signal, kernel):
    """A shortcut: convolving with [1] returns the signal itself (the caller's object)."""
    if kernel.size == 1 and kernel[0] == 1:
        return signal  # BUG: aliasing, the output is the input
    return np.convolve(signal, kernel)


def scales_in_place_for_one_tap(signal, kernel):
    """A shortcut for one-tap kernels that scales the signal in place and returns it."""
    if kernel.size == 1:
        signal *= kernel[0]  # BUG: mutates and returns the input
        return signal
    return np.convolve(signal, kernel)


def hangs_on_long_signals(signal, kernel):
    """Waits forever on a condition that long signals never meet."""
    if len(signal) > 300:
        import time

        while True:  # BUG
            time.sleep(0.05)
    return np.convolve(signal, kernel)


def hangs_in_a_busy_loop(signal, kernel):
    """An iterative refinement that never converges for kernels of five taps (a busy loop)."""
    if len(kernel) == 5:
        x = 0
        while x >= 0:  # BUG: never ends
            x += 1
    return np.convolve(signal, kernel)


def exits_with_status_0(signal, kernel):
    """Calls sys.exit(0) on an even kernel length (an argument check gone wrong)."""
    if len(kernel) % 2 == 0:
        raise SystemExit(0)  # BUG
    return np.convolve(signal, kernel)


def kills_its_process(signal, kernel):
    """os._exit for a kernel of three taps: the interpreter dies without an exception."""
    if len(kernel) == 3:
        import os

        os._exit(3)  # BUG
    return np.convolve(signal, kernel)


def recursion_too_deep(signal, kernel):
    """A recursive divide step that recurses once per sample: deep recursion on long signals."""

    def conv(s):
        if len(s) <= 1:
            return np.convolve(s, kernel)
        head = conv(s[:-1])  # BUG: depth len(signal)
        out = np.zeros(len(s) + len(kernel) - 1, dtype=head.dtype)
        out[: len(head)] = head
        out[len(s) - 1 :] += s[-1] * kernel
        return out

    return conv(signal)


# ------------------------------------------------------------------ windows, boundaries and lengths


def valid_one_short(signal, kernel):
    """'valid' with range(n - k) instead of range(n - k + 1): the last window is lost."""
    big, small = (signal, kernel) if len(signal) >= len(kernel) else (kernel, signal)
    return np.array([np.dot(big[i : i + len(small)], small[::-1]) for i in range(len(big) - len(small))])  # BUG


def valid_without_swapping(signal, kernel):
    """'valid' as full[k-1 : n]: empty when the kernel is the longer input (numpy swaps)."""
    return np.convolve(signal, kernel)[len(kernel) - 1 : len(signal)]  # BUG for k > n


def same_for_even_kernels_like_ndimage(signal, kernel):
    """scipy's 'same' meant, but centred at k // 2 (ndimage's centring) for even kernels."""
    full = np.convolve(signal, kernel)
    start = len(kernel) // 2  # BUG: (len(kernel) - 1) // 2
    return full[start : start + len(signal)]


def same_of_the_longer_input(signal, kernel):
    """numpy.convolve(mode='same') where scipy's 'same' (the signal's length) was meant."""
    return np.convolve(signal, kernel, mode="same")  # BUG for k > n


def same_length_of_the_kernel_when_longer(signal, kernel):
    """'same' that returns max(n, k) outputs centred on the kernel."""
    full = np.convolve(signal, kernel)
    length = max(len(signal), len(kernel))  # BUG: the signal's length
    start = (len(full) - length) // 2
    return full[start : start + length]


def same_one_short_for_even_kernels(signal, kernel):
    """'same' whose slice end is off by one for even kernels."""
    import scipy.signal

    out = scipy.signal.convolve(signal, kernel, mode="same")
    return out[:-1] if len(kernel) % 2 == 0 else out  # BUG


def full_drops_the_last_output(signal, kernel):
    """Allocates n + k - 2 outputs."""
    return np.convolve(signal, kernel)[:-1] if len(signal) > 1 else np.convolve(signal, kernel)  # BUG


def ignores_the_last_signal_sample(signal, kernel):
    """Loops over range(len(signal) - 1)."""
    out = np.zeros(len(signal) + len(kernel) - 1, dtype=np.result_type(signal, kernel))
    for i in range(len(signal) - 1):  # BUG
        out[i : i + len(kernel)] += signal[i] * kernel
    return out


def mirror_instead_of_reflect(signal, kernel):
    """ndimage's 'mirror' boundary where the default 'reflect' was meant."""
    import scipy.ndimage

    return scipy.ndimage.convolve1d(signal, kernel, mode="mirror")  # BUG


def wraps_instead_of_zero_padding(signal, kernel):
    """A 'same' convolution that pads periodically (np.pad mode 'wrap') instead of with zeros."""
    k = len(kernel)
    left = (k - 1) // 2
    padded = np.pad(signal, (k - 1 - left, left), mode="wrap")  # BUG: zeros were meant
    return np.convolve(padded, kernel, mode="valid")[: len(signal)]


def edge_instead_of_reflect(signal, kernel):
    """Repeats the edge sample ('nearest') where half-sample reflection was meant."""
    import scipy.ndimage

    return scipy.ndimage.convolve1d(signal, kernel, mode="nearest")  # BUG


def same_centred_on_the_wrong_side_torch(signal, kernel):
    """torch-style 'same' correlation that puts the extra pad on the left for even kernels."""
    k = len(kernel)
    left = k // 2  # BUG: torch pads (k - 1) // 2 on the left
    padded = np.concatenate([np.zeros(left, signal.dtype), signal, np.zeros(k - 1 - left, signal.dtype)])
    from numpy.lib.stride_tricks import sliding_window_view

    return sliding_window_view(padded, k) @ kernel


# ------------------------------------------------------------------ values and dtypes


def polynomial_product(signal, kernel):
    """numpy.polymul on reversed coefficients: it strips leading zeros, so the length changes."""
    return np.polymul(signal[::-1], kernel[::-1])[::-1]  # BUG: poly1d drops zero coefficients


def fft_truncates_integers(signal, kernel):
    """FFT convolution cast back to integers with astype (truncation) instead of rounding."""
    n = len(signal) + len(kernel) - 1
    out = (
        np.fft.irfft(np.fft.rfft(signal, 2 * n) * np.fft.rfft(kernel, 2 * n), 2 * n)[:n]
        if not (np.iscomplexobj(signal) or np.iscomplexobj(kernel))
        else np.fft.ifft(np.fft.fft(signal, 2 * n) * np.fft.fft(kernel, 2 * n))[:n]
    )
    if signal.dtype.kind in "iu":
        return out.astype(signal.dtype)  # BUG: 2.9999999 becomes 2
    return out


def irfft_without_length(signal, kernel):
    """irfft without n: for an odd transform length the output is one sample short and wrong."""
    n = len(signal) + len(kernel) - 1
    if np.iscomplexobj(signal) or np.iscomplexobj(kernel):
        return np.fft.ifft(np.fft.fft(signal, n) * np.fft.fft(kernel, n))
    return np.fft.irfft(np.fft.rfft(signal, n) * np.fft.rfft(kernel, n))  # BUG: n missing


def int8_accumulated_in_int8(signal, kernel):
    """Sums int8 products in int8, then widens: the wrap-around is baked into an int64 result."""
    out = np.convolve(signal, kernel)
    return out.astype(np.int64) if signal.dtype == np.int8 else out  # BUG: widened after wrapping


def int8_saturates(signal, kernel):
    """Saturates int8 results (image-processing style) where numpy wraps and the contract says so."""
    if signal.dtype == np.int8 and kernel.dtype == np.int8:
        exact = np.convolve(signal.astype(np.int64), kernel.astype(np.int64))
        return np.clip(exact, -128, 127).astype(np.int8)  # BUG
    return np.convolve(signal, kernel)


def int64_through_float64(signal, kernel):
    """Integer inputs computed in float64 and cast back: wrong beyond 2**53."""
    if signal.dtype.kind in "iu":
        return np.convolve(signal.astype(np.float64), kernel.astype(np.float64)).astype(signal.dtype)  # BUG
    return np.convolve(signal, kernel)


def accumulates_in_the_signal_dtype(signal, kernel):
    """Accumulates in the signal's dtype: a float32 signal with a float64 kernel loses precision."""
    out = np.zeros(len(signal) + len(kernel) - 1, dtype=signal.dtype)  # BUG: result_type
    for j, tap in enumerate(kernel):
        out[j : j + len(signal)] += (tap * signal).astype(signal.dtype)
    return out


def rfft_for_real_signals(signal, kernel):
    """Uses rfft whenever the signal is real, dropping a complex kernel's imaginary part."""
    n = len(signal) + len(kernel) - 1
    nfft = 1 << (n - 1).bit_length()
    if not np.iscomplexobj(signal):
        return np.fft.irfft(np.fft.rfft(signal, nfft) * np.fft.rfft(kernel.real, nfft), nfft)[:n]  # BUG
    return np.fft.ifft(np.fft.fft(signal, nfft) * np.fft.fft(kernel, nfft))[:n]


def fft_in_single_precision(signal, kernel):
    """scipy.fft in float32 whatever the input precision."""
    import scipy.fft

    n = len(signal) + len(kernel) - 1
    low = np.complex64 if np.iscomplexobj(signal) or np.iscomplexobj(kernel) else np.float32
    a, b = signal.astype(low), kernel.astype(low)  # BUG
    if low == np.float32:
        return scipy.fft.irfft(scipy.fft.rfft(a, n) * scipy.fft.rfft(b, n), n)
    return scipy.fft.ifft(scipy.fft.fft(a, n) * scipy.fft.fft(b, n))


def float16_path_for_float32(signal, kernel):
    """A half-precision path for float32 inputs."""
    if signal.dtype == np.float32:
        return np.convolve(signal.astype(np.float16), kernel.astype(np.float16)).astype(np.float32)  # BUG
    return np.convolve(signal, kernel)


def rounds_the_output(signal, kernel):
    """Rounds to six decimals 'to hide floating-point noise'."""
    return np.round(np.convolve(signal, kernel), 6)  # BUG


def adds_a_tiny_offset(signal, kernel):
    """Adds 1e-12 to every output (a leftover regulariser)."""
    return np.convolve(signal, kernel) + 1e-12  # BUG


def normalised_by_the_kernel_sum(signal, kernel):
    """Divides by the kernel's sum (a 'normalised filter'), which is not the convolution."""
    total = kernel.sum()
    return np.convolve(signal, kernel) / (total if total != 0 else 1)  # BUG


def biased_correlation(signal, kernel):
    """A correlation divided by the signal length (the 'biased estimate' of statistics)."""
    import scipy.signal

    return scipy.signal.correlate(signal, kernel) / len(signal)  # BUG


def nan_in_kernel_ignored(signal, kernel):
    """nan_to_num on the kernel: a NaN tap becomes 0."""
    return np.convolve(signal, np.nan_to_num(kernel, nan=0.0, posinf=0.0, neginf=0.0))  # BUG


def infinity_as_largest_float(signal, kernel):
    """nan_to_num on the signal turns infinities into 1.8e308."""
    return np.convolve(np.nan_to_num(signal, nan=np.nan), kernel)  # BUG: inf -> finfo.max


def skips_zero_taps(signal, kernel):
    """Skips zero taps to save time: a NaN or infinity under a zero tap no longer reaches the output."""
    out = np.zeros(len(signal) + len(kernel) - 1, dtype=np.result_type(signal, kernel))
    for j, tap in enumerate(kernel):
        if tap == 0:
            continue  # BUG: 0 * nan is nan
        out[j : j + len(signal)] += tap * signal
    return out


def fft_claimed_direct(signal, kernel):
    """An FFT convolution stated as numpy.convolve: NaN spreads to every output."""
    import scipy.signal

    return scipy.signal.fftconvolve(signal, kernel)


def kernel_fft_cached_by_length(signal, kernel, _cache={}):  # noqa: B006 - the shared cache is the bug under test
    """Caches the kernel's FFT keyed by its length only: a new kernel of the same length reuses the old one."""
    n = len(signal) + len(kernel) - 1
    nfft = 1 << (n - 1).bit_length()
    key = (len(kernel), nfft, np.iscomplexobj(kernel))
    if key not in _cache:
        _cache[key] = np.fft.fft(kernel, nfft)  # BUG: keyed without the values
    out = np.fft.ifft(np.fft.fft(signal, nfft) * _cache[key])[:n]
    return out if np.iscomplexobj(signal) or np.iscomplexobj(kernel) else out.real


def returns_an_internal_buffer(signal, kernel, _buffer=[None]):  # noqa: B006 - the shared buffer is the bug under test
    """Reuses one output buffer across calls: a result changes when the function is called again."""
    n = len(signal) + len(kernel) - 1
    dtype = np.result_type(signal, kernel)
    if _buffer[0] is None or _buffer[0].size < n or _buffer[0].dtype != dtype:
        _buffer[0] = np.zeros(max(n, 4096), dtype=dtype)
    out = _buffer[0][:n]  # BUG: the same memory every call
    out[...] = np.convolve(signal, kernel)
    return out


def returns_a_view_of_the_signal(signal, kernel):
    """For one-tap kernels of value 1 returns signal[:], a view sharing the caller's memory."""
    if kernel.size == 1 and kernel[0] == 1:
        return signal[:]  # BUG: a view of the input
    return np.convolve(signal, kernel)


def chunked_forgets_the_tail(signal, kernel):
    """Processes the signal in chunks of 256 samples and forgets the last partial chunk."""
    n, k = len(signal), len(kernel)
    out = np.zeros(n + k - 1, dtype=np.result_type(signal, kernel))
    stop = n if n <= 256 else n - n % 256  # BUG: the remainder is dropped
    for start in range(0, stop, 256):
        out[start : start + min(256, n - start) + k - 1] += np.convolve(signal[start : start + 256], kernel)
    return out


# ------------------------------------------------------------------ 2-D and 3-D


def flips_only_the_rows_2d(signal, kernel):
    """Convolves along one axis and correlates along the other."""
    import scipy.signal

    return scipy.signal.convolve2d(signal, kernel[::-1, :])  # BUG: flips axis 0 back


def transposes_square_kernels_2d(signal, kernel):
    """Transposes the kernel when it is square (a row/column-major mix-up)."""
    import scipy.signal

    k = kernel.T if kernel.shape[0] == kernel.shape[1] else kernel  # BUG
    return scipy.signal.convolve2d(signal, k)


def transposes_square_outputs_2d(signal, kernel):
    """Returns the transposed result when it is square."""
    import scipy.signal

    out = scipy.signal.convolve2d(signal, kernel)
    return out.T if out.shape[0] == out.shape[1] else out  # BUG


def valid_2d_one_row_short(signal, kernel):
    """2-D 'valid' that loses the last row of windows."""
    import scipy.signal

    return scipy.signal.convolve2d(signal, kernel, mode="valid")[:-1]  # BUG


def drops_the_last_kernel_row_2d(signal, kernel):
    """Loops over kernel rows with range(k0 - 1) once the kernel has more than three rows."""
    import scipy.signal

    rows = kernel.shape[0] - 1 if kernel.shape[0] > 3 else kernel.shape[0]  # BUG
    out = np.zeros(tuple(n + k - 1 for n, k in zip(signal.shape, kernel.shape)), np.result_type(signal, kernel))
    for j in range(rows):
        out[j : j + signal.shape[0]] += scipy.signal.convolve2d(signal, kernel[j : j + 1])
    return out


def tiles_of_32_without_halo_2d(signal, kernel):
    """Tiles of 32 x 32 convolved separately and pasted without adding the halos (wrong from side 33)."""
    import scipy.signal

    out = np.zeros(tuple(n + k - 1 for n, k in zip(signal.shape, kernel.shape)), np.result_type(signal, kernel))
    for r in range(0, signal.shape[0], 32):
        for c in range(0, signal.shape[1], 32):
            tile = scipy.signal.convolve2d(signal[r : r + 32, c : c + 32], kernel)
            out[r : r + tile.shape[0], c : c + tile.shape[1]] = tile  # BUG: = instead of +=
    return out


def wraps_2d_same(signal, kernel):
    """scipy.signal.convolve2d(mode='same') with boundary='wrap' where zero fill was meant."""
    import scipy.signal

    return scipy.signal.convolve2d(signal, kernel, mode="same", boundary="wrap")  # BUG


def flips_the_output_rows_2d(signal, kernel):
    """np.flipud on the result (an image-coordinates mix-up)."""
    import scipy.signal

    return np.flipud(scipy.signal.convolve2d(signal, kernel))  # BUG


def correlate2d_swapped(signal, kernel):
    """scipy.signal.correlate2d(kernel, signal): the arguments in the wrong order."""
    import scipy.signal

    return scipy.signal.correlate2d(kernel, signal)  # BUG


def wrong_from_depth_16_3d(signal, kernel):
    """A 3-D convolution tiled in slabs of 12 along the first axis without the slab overlaps."""
    import scipy.signal

    out = np.zeros(tuple(n + k - 1 for n, k in zip(signal.shape, kernel.shape)), np.result_type(signal, kernel))
    for start in range(0, signal.shape[0], 12):
        slab = scipy.signal.convolve(signal[start : start + 12], kernel, method="direct")
        out[start : start + slab.shape[0]] = slab  # BUG: = instead of +=
    return out


def swaps_axes_of_3d_outputs(signal, kernel):
    """Returns the result with its last two axes swapped when they have equal length."""
    import scipy.signal

    out = scipy.signal.convolve(signal, kernel, method="direct")
    return out.swapaxes(1, 2) if out.shape[1] == out.shape[2] else out  # BUG


def conjugated_kernel_3d(signal, kernel):
    """A 3-D convolution that conjugates its kernel."""
    import scipy.signal

    return scipy.signal.convolve(signal, np.conj(kernel), method="direct")  # BUG
