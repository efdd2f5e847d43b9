"""Helpers of the chunked tests: the functions under test, data, and the error bounds a result must meet.

The bounds compare a chunked result with the whole-array result. Both are within a derived
bound of the exact convolution, so they are within the sum of the two bounds of each other:

* direct summation: each is within ``convalg.errorbounds.direct`` (componentwise) of exact;
* FFT: the chunked result is a set of independent FFT convolutions, one per output block of
  a zero-padded input piece, so its error is within the 2-norm of the per-block
  ``convalg.errorbounds.fft`` bounds; the whole result within one such bound.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.fft
import scipy.signal

from convalg import errorbounds
from convalg.nn import functional

#: The scipy.signal-compatible functions the chunked path is tested with, by name.
SIGNAL_FUNCTIONS = {
    "convolve": scipy.signal.convolve,
    "correlate": scipy.signal.correlate,
    "fftconvolve": scipy.signal.fftconvolve,
    "oaconvolve": scipy.signal.oaconvolve,
}


#: The PyTorch-semantics layer functions (convalg.nn.functional), by spatial rank.
NN_FUNCTIONS = {1: functional.conv1d, 2: functional.conv2d, 3: functional.conv3d}


def integers(rng, shape, dtype=np.int64):
    return rng.integers(-9, 10, size=shape).astype(dtype)


def floats(rng, shape, dtype=np.float64):
    dtype = np.dtype(dtype)
    if dtype.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def direct_difference_bound(func, x, k, *, mode, dtype) -> errorbounds.Bound:
    """Twice the direct-summation bound: both results are within one bound of the exact result."""
    magnitude = func(np.abs(x).astype(np.float64), np.abs(k).astype(np.float64), mode=mode, method="direct")
    single = errorbounds.direct(magnitude, terms=math.prod(k.shape), dtype=dtype)
    return errorbounds.Bound(
        "componentwise", 2 * single.value, f"twice [{single.description}]: chunked and whole result"
    )


def fft_difference_bound(x, k, chunked_result, *, mode, dtype) -> errorbounds.Bound:
    """Per-block FFT bounds of the chunked result (in the 2-norm) plus the whole result's bound.

    An output block ``[o, o + count)`` of the full-coordinate result ``t = o + offset`` reads
    the inputs ``t - (K - 1) ... t``, i.e. the piece ``[t, t + count + K - 1)`` of ``x``
    zero-padded by ``K - 1`` on each side; its FFT has length ``next_fast_len(count + 2K - 2)``.
    """
    offsets = [{"full": 0, "same": (kn - 1) // 2, "valid": kn - 1}[mode] for kn in k.shape]
    padded = np.pad(x, [(kn - 1, kn - 1) for kn in k.shape])
    squares = 0.0
    block_starts = [np.cumsum((0,) + c[:-1]) for c in chunked_result.chunks]
    for index in np.ndindex(*[len(c) for c in chunked_result.chunks]):
        piece, shape = [], []
        for axis, i in enumerate(index):
            count = chunked_result.chunks[axis][i]
            start = int(block_starts[axis][i]) + offsets[axis]
            piece.append(slice(start, start + count + k.shape[axis] - 1))
            shape.append(scipy.fft.next_fast_len(count + 2 * k.shape[axis] - 2, real=True))
        squares += float(errorbounds.fft(padded[tuple(piece)], k, fft_shape=shape, dtype=dtype).value) ** 2
    whole_shape = [scipy.fft.next_fast_len(n + kn - 1, real=True) for n, kn in zip(x.shape, k.shape)]
    whole = errorbounds.fft(x, k, fft_shape=whole_shape, dtype=dtype)
    return errorbounds.Bound(
        "normwise",
        math.sqrt(squares) + float(whole.value),
        f"2-norm of per-block FFT bounds + whole FFT bound [{whole.description}]",
    )


def nn_difference_bound(func, x, w, b, *, dtype, **options) -> errorbounds.Bound:
    """Twice the direct bound of a layer: ``C_in/groups * prod(k)`` products and a bias per output.

    It bounds results computed with ``method='direct'`` (the chunked and the whole one).
    """
    magnitude = func(
        np.abs(x).astype(np.float64), np.abs(w).astype(np.float64),
        None if b is None else np.abs(b).astype(np.float64), method="direct", **options,
    )
    terms = math.prod(w.shape[1:]) + (b is not None)
    single = errorbounds.direct(magnitude, terms=terms, dtype=dtype)
    return errorbounds.Bound(
        "componentwise", 2 * single.value, f"twice [{single.description}]: chunked and whole result"
    )


def assert_within(bound: errorbounds.Bound, result, reference) -> None:
    assert bound.holds(result, reference), (
        f"deviation {bound.deviation(result, reference):.3g} exceeds {bound.description} "
        f"(ratio {bound.ratio(result, reference):.3g})"
    )
