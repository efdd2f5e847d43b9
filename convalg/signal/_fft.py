"""The FFT method: pointwise products of transforms, through the backend's FFT module.

Real inputs use real transforms (``rfftn``/``irfftn``), complex ones ``fftn``/``ifftn``;
on NumPy the transforms are ``scipy.fft`` with ``workers`` set to the idle cores
(:mod:`convalg._runtime.fft`). Axes that are not convolved broadcast, as in ``scipy.signal.fftconvolve``.

Only the wanted outputs must be free of wrap-around: for outputs ``s .. s+L-1`` of a full
convolution of length ``F`` a circular convolution of length ``N >= max(F - s, s + L)``
suffices, so mode='valid' needs transforms of only the larger input's length.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import numpy as np

from convalg import backends
from convalg._runtime import fft as runtime_fft
from convalg._runtime import scratch
from convalg._runtime.parallel import parallel_map, workers

#: Transform points from which a call uses a second core (pocketfft's workers; for 1-D, the
#: two inputs transformed side by side). Below, the hand-over to a thread costs more than it
#: saves, the batch rule of :data:`convalg._runtime.fft.SMALL_TRANSFORM`. Measured on the
#: 2-core machine, fftconvolve one worker / two: 10000 x 31 292 / 357 us, 128^2 x 5^2
#: 321 / 581 us, 256^2 x 9^2 0.90 / 1.29 ms, 32^3 x 3^3 0.85 / 1.28 ms; 512^2 x 9^2 (2**18
#: points) 8.5 / 8.2 ms, 250000 x 1001 14.7 / 11.6 ms.
PARALLEL_LENGTH = runtime_fft.SMALL_TRANSFORM


try:  # the C functions scipy.fft's transforms of NumPy arrays end in
    from scipy.fft._pocketfft import pypocketfft as _pocketfft
except ImportError:  # pragma: no cover - another scipy layout: scipy.fft's public functions
    _pocketfft = None


def _plain(x: Any) -> bool:
    """Whether pocketfft may read ``x`` as it is: native byte order, aligned (what scipy.fft
    would otherwise copy it to)."""
    return x.dtype.isnative and x.flags.aligned and x.dtype.kind in "fc" and x.dtype.itemsize in (4, 8, 16)


def _fitted(x: Any, n: int, axis: int) -> tuple[Any, bool]:
    """``x`` cut or zero-padded to length ``n`` along ``axis`` (scipy.fft's ``_fix_shape``),
    and whether that made a copy."""
    have = x.shape[axis]
    if have >= n:
        return (x if have == n else x[(slice(None),) * axis + (slice(0, n),)]), False
    shape = resized_shape(x.shape, axis, n)
    if x.nbytes < scratch.SMALL:  # (small: malloc's own memory, and a call less)
        padded = np.zeros(shape, x.dtype)
    else:
        padded = scratch.empty(shape, x.dtype)
        padded[_along(axis, slice(have, None))] = 0
    padded[_along(axis, slice(0, have))] = x
    return padded, True


def resized_shape(shape: tuple[int, ...], axis: int, n: int) -> tuple[int, ...]:
    """``shape`` with ``n`` in place of its length along ``axis``."""
    return shape[:axis] + (n,) + shape[axis + 1 :]


#: The complex dtype of a real transform's result, and the real one of its inverse's.
_COMPLEX = {np.dtype(real): np.dtype(full) for real, full in ((np.float32, np.complex64), (np.float64, np.complex128))}
_COMPLEX[np.dtype(np.longdouble)] = np.dtype(np.clongdouble)
_REAL = {full: real for real, full in _COMPLEX.items()}


class _PocketFFT:
    """scipy.fft's 1-D transforms of NumPy arrays as scipy.fft computes them: the same
    pocketfft functions with the same arguments and normalisation (so the same values), but
    without the dispatch and argument handling around them, about 5 us per transform, a
    fifth of a small FFT convolution. Used for arrays :func:`_plain` accepts. Their
    results and zero-padded copies are lent by :mod:`convalg._runtime.scratch` (fresh
    memory costs a page fault a page: float64 256x256 * 15x15, 532 faults a call)."""

    @staticmethod
    def rfft(x: Any, n: int, axis: int, workers: int = 1, overwrite_x: bool = False) -> Any:
        x = _fitted(x, n, axis)[0]
        # (a small result: pocketfft allocates it, where the pool's bookkeeping would cost more)
        out = (
            None
            if x.nbytes < scratch.SMALL
            else scratch.empty(resized_shape(x.shape, axis, n // 2 + 1), _COMPLEX[x.dtype])
        )
        return _pocketfft.r2c(x, (axis,), True, 0, out, workers)

    @staticmethod
    def irfft(x: Any, n: int, axis: int, workers: int = 1, overwrite_x: bool = False) -> Any:
        x = _fitted(x, n // 2 + 1, axis)[0]
        out = None if x.nbytes < scratch.SMALL else scratch.empty(resized_shape(x.shape, axis, n), _REAL[x.dtype])
        return _pocketfft.c2r(x, (axis,), n, False, 2, out, workers)

    # (in place where x is this call's own)
    @staticmethod
    def fft(x: Any, n: int, axis: int, workers: int = 1, overwrite_x: bool = False) -> Any:
        x, copied = _fitted(x, n, axis)
        out = x if overwrite_x or copied else None if x.nbytes < scratch.SMALL else scratch.empty(x.shape, x.dtype)
        return _pocketfft.c2c(x, (axis,), True, 0, out, workers)

    @staticmethod
    def ifft(x: Any, n: int, axis: int, workers: int = 1, overwrite_x: bool = False) -> Any:
        x, copied = _fitted(x, n, axis)
        out = x if overwrite_x or copied else None if x.nbytes < scratch.SMALL else scratch.empty(x.shape, x.dtype)
        return _pocketfft.c2c(x, (axis,), False, 2, out, workers)


def padded_transforms(xp: ModuleType, shape: tuple[int, ...], axes: tuple[int, ...], points: int):
    """The forward and inverse real transforms along ``axes`` (lengths ``shape``) of arrays
    already padded to those lengths (and of their spectra, as computed); one worker below
    :data:`convalg._runtime.fft.SMALL_TRANSFORM` real ``points`` per call (measured: 4
    blocks of 8000 points, 20000 x 2000 int64, took 108 us forward and 116 us back on one
    worker, 128 and 131 us on two). The exact-integer transforms and overlap-add's real
    blocks use them.

    NumPy arrays go straight to pocketfft's C functions, with the arguments and
    normalisation ``scipy.fft.rfftn``/``irfftn`` give them (so the same values), without
    their dispatch (a few microseconds per transform, which medium sizes feel), into
    memory lent by :mod:`convalg._runtime.scratch`. A forward transform's input whose
    leading transformed axes are shorter than ``shape`` is a kernel's rows: their spectra
    are zero-padded along each of those axes in turn before it is transformed (the rows of
    zeros would transform to zeros).
    """
    if _pocketfft is not None and backends.is_numpy(xp):
        threads = runtime_fft.numpy_workers(points, runtime_fft.SMALL_TRANSFORM, len(axes))
        return _pocketfft_transforms(tuple(shape), tuple(axes), threads)
    module, extra = runtime_fft.transforms(xp, points, runtime_fft.SMALL_TRANSFORM, axes=len(axes))
    inverse_keywords = dict(extra, overwrite_x=True) if backends.is_numpy(xp) else extra  # our own spectra
    return (
        lambda x: module.rfftn(x, s=shape, axes=axes, **extra),
        lambda spectrum, out=None: module.irfftn(spectrum, s=shape, axes=axes, **inverse_keywords),
    )


@functools.lru_cache(maxsize=64)  # a loop of calls transforms the same shapes
def _pocketfft_transforms(shape: tuple[int, ...], along: tuple[int, ...], threads: int):
    """:func:`padded_transforms` of NumPy arrays: pocketfft's C functions, results lent by
    the scratch pool."""
    pocketfft = _pocketfft

    def half_spectrum(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
        out = scratch.empty(resized_shape(x.shape, axes[-1], x.shape[axes[-1]] // 2 + 1), _COMPLEX[x.dtype])
        return pocketfft.r2c(x, axes, True, 0, out, threads)

    def forward(x: np.ndarray) -> np.ndarray:
        if all(x.shape[ax] == n for ax, n in zip(along[:-1], shape[:-1])):
            return half_spectrum(x, along)
        # a kernel's rows: their spectra, zero-padded axis by axis, each axis then
        # transformed (the same 1-D transforms as above, in another order)
        spectrum = half_spectrum(x, along[-1:])
        for ax, n in zip(reversed(along[:-1]), reversed(shape[:-1])):
            if spectrum.shape[ax] < n:
                rows = spectrum
                spectrum = scratch.empty(resized_shape(rows.shape, ax, n), rows.dtype)
                spectrum[_along(ax, slice(0, rows.shape[ax]))] = rows
                spectrum[_along(ax, slice(rows.shape[ax], None))] = 0
            pocketfft.c2c(spectrum, (ax,), True, 0, spectrum, threads)
        return spectrum

    def inverse(spectrum: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        if out is None:
            out = scratch.empty(resized_shape(spectrum.shape, along[-1], shape[-1]), _REAL[spectrum.dtype])
        return pocketfft.c2r(spectrum, along, shape[-1], False, 2, out, threads)

    return forward, inverse


def pooled_product(x: Any, y: Any, last_x: bool = True, last_y: bool = True, free: Any = None) -> Any:
    """``x * y`` of two spectra, the other broadcasting over blocks: in place in a factor
    used by no later product (``last_*``) whose shape is the product's, else into ``free``
    (a NumPy array no longer needed) where it has the product's shape, else (NumPy) into
    memory the scratch pool lends."""
    shape = tuple(max(m, n) for m, n in zip(x.shape, y.shape))
    if last_x and x.shape == shape:
        x *= y
        return x
    if last_y and y.shape == shape:
        y *= x
        return y
    if isinstance(free, np.ndarray) and free.shape == shape and free.dtype == np.result_type(x, y):
        return np.multiply(x, y, out=free)
    if isinstance(x, np.ndarray):
        return np.multiply(x, y, out=scratch.empty(shape, np.result_type(x, y)))
    return x * y


def transform_length(n1: int, n2: int, start: int, length: int, real: bool) -> int:
    """The FFT length for one convolved axis: no wrap-around into the wanted outputs."""
    full = n1 + n2 - 1
    needed = max(full - start, start + length, n1, n2)
    return runtime_fft.fast_length(needed, real)


def transform_shape(
    shape1: Sequence[int], shape2: Sequence[int], axes: Sequence[int], region, real: bool
) -> tuple[int, ...]:
    """The FFT lengths, one per convolved axis, in the order of ``axes``."""
    return tuple(transform_length(shape1[a], shape2[a], region[a][0], region[a][1], real) for a in axes)


def _transforms(xp: ModuleType, complex_data: bool, points: int | None = None, axes: int = 1):
    """The N-D forward and inverse transforms (and their keywords) for real or complex data
    along ``axes`` axes; one worker for fewer than :data:`PARALLEL_LENGTH` ``points`` (or
    :data:`convalg._runtime.fft.SMALL_MULTI_AXIS` along more than one axis)."""
    module, extra = runtime_fft.transforms(xp, points, PARALLEL_LENGTH, axes)
    if complex_data:
        return module.fftn, module.ifftn, extra
    return module.rfftn, module.irfftn, extra


def convolve(
    xp: ModuleType,
    a: Any,
    b: Any,
    axes: Sequence[int],
    fft_shape: Sequence[int],
    region,
    complex_data: bool,
) -> Any:
    """FFT convolution of ``a`` and ``b`` (same ndim, floating ``dtype``) cropped to ``region``.

    ``region`` covers every axis; on axes not in ``axes`` the full length is the broadcast
    length ``max(n1, n2)``. The transforms go one axis at a time, as an N-D FFT does
    internally, but skipping work that is known to be zero: a forward transform handles
    the last axis first while the other axes still have their unpadded lengths (a small
    kernel transforms a few lines, not the whole padded grid), and the inverse crops each
    axis to the wanted outputs before the next axis is transformed.
    """
    crop = tuple(slice(start, start + length) for start, length in region)
    if not axes:
        return (a * b)[crop]
    # a small transform on two threads waits for the second longer than it computes (a 10 x 10
    # complex transform: 90 us on two workers, a few us on one)
    module, extra = runtime_fft.transforms(xp, math.prod(int(n) for n in fft_shape), PARALLEL_LENGTH)
    pocketfft = backends.is_numpy(xp) and _pocketfft is not None and all(_plain(x) for x in (a, b))
    if pocketfft:
        module = _PocketFFT  # type: ignore[assignment]
    shape = dict(zip(axes, (int(n) for n in fft_shape)))
    order = sorted(axes)
    last = order[-1]
    if pocketfft and len(order) > 1 and math.prod(shape.values()) < WHOLE_TRANSFORM:
        whole = _whole_transforms(a, b, shape, tuple(order), complex_data)
        if whole is not None:
            return whole[crop]

    # our own intermediate arrays may be overwritten (never an input: the first transform)
    own = dict(extra, overwrite_x=True) if backends.is_numpy(xp) else extra

    def forward(x: Any) -> Any:
        if complex_data:
            x = module.fft(x, n=shape[last], axis=last, **extra)
        else:
            x = module.rfft(x, n=shape[last], axis=last, **extra)
        for axis in reversed(order[:-1]):
            x = module.fft(x, n=shape[axis], axis=axis, **own)
        return x

    if backends.is_numpy(xp) and len(order) == 1 and shape[last] >= PARALLEL_LENGTH and workers() > 1:
        # a 1-D transform uses one core: transform the two inputs side by side
        first, second = parallel_map(forward, [a, b])
    else:
        first, second = forward(a), forward(b)
    if first.shape == second.shape:
        first *= second  # in place: one large allocation fewer
        spectrum = first
    else:
        spectrum = first * second  # broadcasting over axes that are not convolved
    for axis in order[:-1]:
        spectrum = module.ifft(spectrum, n=shape[axis], axis=axis, **own)
        spectrum = spectrum[_along(axis, crop[axis])]
    if complex_data:
        result = module.ifft(spectrum, n=shape[last], axis=last, **own)
    else:
        result = module.irfft(spectrum, n=shape[last], axis=last, **own)
    others = tuple(crop[ax] if ax not in axes or ax == last else slice(None) for ax in range(result.ndim))
    return result[others]


#: Transform points below which an N-D convolution of NumPy arrays transforms every axis in
#: one pocketfft call per transform (:func:`_whole_transforms`): the zero lines the axis
#: by axis route skips cost less there than its more calls and copies (measured,
#: fftconvolve whole / by axis: 8x8 * 3x3 37 / 45 us, 8^3 * 3^3 95 / 111 us; from 66 x 66
#: points about even, 16^3 * 3^3 237 / 225 us).
WHOLE_TRANSFORM = 1 << 11


def _whole_transforms(a: Any, b: Any, shape: dict[int, int], axes: tuple[int, ...], complex_data: bool) -> Any:
    """The full circular convolution of NumPy arrays ``a`` and ``b`` over ``axes`` (lengths
    ``shape``; other axes broadcast), each transform one pocketfft call over every axis on
    one worker, with the arguments of scipy.fft's ``rfftn``/``irfftn`` (or ``fftn``/
    ``ifftn``); None where an input is longer than its transform (cut by the axis route)."""
    padded = []
    for x in (a, b):
        target = tuple(shape.get(ax, n) for ax, n in enumerate(x.shape))
        if any(n > t for n, t in zip(x.shape, target)):
            return None
        if target != x.shape:
            grown = np.zeros(target, x.dtype)
            grown[tuple(slice(0, n) for n in x.shape)] = x
            x = grown
        padded.append(x)
    if complex_data:
        first, second = (_pocketfft.c2c(x, axes, True, 0, None, 1) for x in padded)
    else:
        first, second = (_pocketfft.r2c(x, axes, True, 0, None, 1) for x in padded)
    spectrum = first * second  # broadcasting over axes that are not convolved
    if complex_data:
        return _pocketfft.c2c(spectrum, axes, False, 2, spectrum, 1)
    return _pocketfft.c2r(spectrum, axes, shape[axes[-1]], False, 2, None, 1)


def _along(axis: int, index: slice) -> tuple:
    return (slice(None),) * axis + (index, ...)
