"""The direct method: each output summed from the products it needs, written once against the array API.

The generic path is *shifted accumulation*: for every kernel tap ``b[j]`` the output gains
``b[j]`` times a shifted view of the (boundary-extended) input, so a call costs one
multiply-add over the output per tap, with no Python loop over outputs. It runs unchanged
on NumPy, CuPy and array-api-strict.

Special cases, each small and tested against the generic path:

* separable kernels (exactly an outer product of 1-D vectors, e.g. Sobel) run as one 1-D
  pass per axis: ``sum(k_i)`` instead of ``prod(k_i)`` taps per output;
* on NumPy, 1-D problems use ``numpy.convolve`` (a compiled dot-product loop).

All functions take a *region*: per axis, ``(start, length)`` of the wanted outputs in the
coordinates of the full convolution (length ``n + k - 1``), so 'same' and 'valid' never
compute outputs they throw away.
"""

from __future__ import annotations

import math
from fractions import Fraction
from types import ModuleType
from typing import Any, Sequence

import numpy as np

from convalg import backends
from convalg.signal._parallel import parallel_map, workers

Region = Sequence[tuple[int, int]]


def _boundary_indices(lo: int, hi: int, n: int, boundary: str) -> np.ndarray:
    """Source indices of positions ``lo..hi-1`` of a length-``n`` axis extended by ``boundary``."""
    positions = np.arange(lo, hi)
    if boundary == "wrap":
        return positions % n
    # symmetric: ... a1 a0 | a0 a1 ... a(n-1) | a(n-1) a(n-2) ..., period 2n
    folded = positions % (2 * n)
    return np.where(folded < n, folded, 2 * n - 1 - folded)


def extend_axis(
    xp: ModuleType,
    x: Any,
    axis: int,
    lo: int,
    hi: int,
    boundary: str = "fill",
    fillvalue: Any = 0,
) -> Any:
    """Positions ``lo..hi-1`` of ``x`` along ``axis``, where positions outside ``0..n-1``
    are filled by ``boundary`` ('fill' with ``fillvalue``, 'wrap' or 'symm')."""
    n = x.shape[axis]
    if lo >= 0 and hi <= n:
        if lo == 0 and hi == n:
            return x
        return x[(slice(None),) * axis + (slice(lo, hi), ...)]
    if boundary != "fill":
        indices = xp.asarray(_boundary_indices(lo, hi, n, boundary), device=_device(x))
        return xp.take(x, indices, axis=axis)
    inside = x[(slice(None),) * axis + (slice(max(lo, 0), min(hi, n)), ...)]
    parts = []
    for count in (max(0, -lo), max(0, hi - n)):
        shape = list(x.shape)
        shape[axis] = count
        parts.append(_filled(xp, tuple(shape), fillvalue, x))
    pieces = [p for p in (parts[0], inside, parts[1]) if p.shape[axis] > 0]
    return xp.concat(pieces, axis=axis) if len(pieces) > 1 else pieces[0]


def _device(x: Any) -> Any:
    import array_api_compat

    return array_api_compat.device(x)


def _filled(xp: ModuleType, shape: tuple[int, ...], value: Any, like: Any) -> Any:
    if value == 0:
        return xp.zeros(shape, dtype=like.dtype, device=_device(like))
    return xp.full(shape, value, dtype=like.dtype, device=_device(like))


def window(
    xp: ModuleType,
    a: Any,
    kernel_shape: Sequence[int],
    region: Region,
    boundary: str = "fill",
    fillvalue: Any = 0,
) -> Any:
    """The part of ``a`` (boundary-extended) that the outputs in ``region`` read.

    Along each axis the outputs ``start .. start+length-1`` of the full convolution with a
    kernel of length ``k`` read input positions ``start-k+1 .. start+length-1``.
    """
    for axis, ((start, length), k) in enumerate(zip(region, kernel_shape)):
        a = extend_axis(xp, a, axis, start - k + 1, start + length, boundary, fillvalue)
    return a


def shifted_accumulation(
    xp: ModuleType,
    a: Any,
    b: Any,
    region: Region,
    *,
    boundary: str = "fill",
    fillvalue: Any = 0,
    skip_zero_taps: bool = False,
) -> Any:
    """The generic direct convolution: one multiply-add of a shifted window per tap of ``b``.

    ``skip_zero_taps`` may be set only when ``a`` is finite (``0 * inf`` is NaN).
    """
    lengths = tuple(length for _, length in region)
    win = window(xp, a, b.shape, region, boundary, fillvalue)
    out = xp.zeros(lengths, dtype=a.dtype, device=_device(a))
    taps = backends.to_numpy(b) if skip_zero_taps else None
    for tap in np.ndindex(*b.shape):
        if taps is not None and taps[tap] == 0:
            continue
        view = tuple(
            slice(k - 1 - j, k - 1 - j + length) for j, k, length in zip(tap, b.shape, lengths)
        )
        out += b[tap] * win[view]
    return out


def numpy_1d(a: np.ndarray, b: np.ndarray, region: Region, *, boundary="fill", fillvalue=0):
    """NumPy fast path for 1-D: ``numpy.convolve`` of the window with the kernel.

    Long outputs are split into one piece per core, computed in the shared thread pool
    (``numpy.convolve`` releases the GIL).
    """
    (start, length), = region
    k = b.shape[0]
    pieces = [(start + lo, start + hi) for lo, hi in _pieces(length, length * k, PARALLEL_WORK)]
    if boundary == "fill" and fillvalue == 0:
        # no window copy: each piece convolves just the input it reads, zeros are implicit
        n = a.shape[0]

        def piece_of_full(piece: tuple[int, int]) -> np.ndarray:
            lo, hi = piece
            first = max(0, lo - k + 1)
            full = np.convolve(a[first:min(n, hi)], b, mode="full")
            return full[lo - first:hi - first]
    else:
        win = np.asarray(window(backends_numpy(), a, b.shape, region, boundary, fillvalue))

        def piece_of_full(piece: tuple[int, int]) -> np.ndarray:
            lo, hi = piece[0] - start, piece[1] - start
            return np.convolve(win[lo:hi + k - 1], b, mode="valid")

    parts = parallel_map(piece_of_full, pieces)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def toeplitz_block(k: int) -> int:
    """Row length ``B`` of :func:`numpy_blas_1d` for a kernel of length ``k`` (measured best)."""
    return 16 if k <= 200 else 32


def numpy_blas_1d(a: np.ndarray, b: np.ndarray, region: Region) -> np.ndarray:
    """NumPy fast path for 1-D floating data: the convolution as small matrix products (BLAS).

    The window ``w`` (length ``L + k - 1``) is cut into rows of ``B`` samples. Output row
    ``i`` (outputs ``iB .. iB+B-1``) reads window rows ``i .. i+R`` with
    ``R = ceil((k - 1) / B)``, so ``out = sum_r W[r : r + rows] @ M_r`` where ``M_r`` is the
    ``B x B`` slice of the banded Toeplitz matrix of the kernel that meets row ``r``. Every
    operand is a contiguous slice of the reshaped window (no copies), and the products are
    cut into chunks small enough (``m B^2 < 2**18``) that OpenBLAS keeps each on one
    thread: a busy machine does not stall on BLAS threads.

    The band's zeros give exact zero products, so each output is the same sum of ``k``
    products as the direct method; the inputs must be finite (``0 * inf`` is NaN).
    """
    (start, length), = region
    k = b.shape[0]
    block = toeplitz_block(k)
    reach = -(-(k - 1) // block)
    rows_out = -(-length // block)
    total = rows_out + reach
    win = np.zeros(total * block, dtype=np.result_type(a, b))
    part = np.asarray(window(backends_numpy(), a, b.shape, region))
    win[: part.shape[0]] = part
    rows = win.reshape(total, block)
    taps = b[::-1]
    t = np.arange(block)[:, None]
    offset = np.arange((reach + 1) * block)[None, :] - t
    band = np.where((offset >= 0) & (offset < k), taps[np.clip(offset, 0, k - 1)], 0).astype(win.dtype)
    matrices = [np.ascontiguousarray(band[:, r * block:(r + 1) * block].T) for r in range(reach + 1)]
    out = np.empty((rows_out, block), dtype=win.dtype)
    chunk = max(1, (1 << 18) // (block * block) - 1)
    for lo in range(0, rows_out, chunk):
        hi = min(rows_out, lo + chunk)
        target = out[lo:hi]
        np.matmul(rows[lo:hi], matrices[0], out=target)
        for r in range(1, reach + 1):
            target += rows[lo + r:hi + r] @ matrices[r]
    return out.reshape(-1)[:length]


def numpy_nd(
    a: np.ndarray,
    b: np.ndarray,
    region: Region,
    *,
    boundary: str = "fill",
    fillvalue: Any = 0,
    skip_zero_taps: bool = False,
) -> np.ndarray:
    """NumPy fast path for N-D shifted accumulation: in place, in cache-sized slabs, in parallel.

    The same sum as :func:`shifted_accumulation`, tap by tap, but the output is cut along
    its first axis into slabs of about 32k elements that stay in cache while every tap is
    added (``numpy.multiply``/``numpy.add`` with ``out=``, no temporaries per tap), and the
    slabs are spread over the cores.
    """
    win = np.asarray(window(backends_numpy(), a, b.shape, region, boundary, fillvalue))
    lengths = tuple(length for _, length in region)
    out = np.empty(lengths, dtype=np.result_type(win, b))
    taps = [(tap, b[tap]) for tap in np.ndindex(*b.shape) if not (skip_zero_taps and b[tap] == 0)]
    row = math.prod(lengths[1:])
    rows_per_slab = max(1, (1 << 15) // max(row, 1))
    slabs = [(lo, min(lo + rows_per_slab, lengths[0])) for lo in range(0, lengths[0], rows_per_slab)]
    k0 = b.shape[0]
    rest_kernel = b.shape[1:]

    def accumulate(slab: tuple[int, int]) -> None:
        lo, hi = slab
        target = out[lo:hi]
        scratch = np.empty_like(target)
        first = True
        for tap, weight in taps:
            view = (slice(k0 - 1 - tap[0] + lo, k0 - 1 - tap[0] + hi),) + tuple(
                slice(k - 1 - j, k - 1 - j + n) for j, k, n in zip(tap[1:], rest_kernel, lengths[1:])
            )
            if first:
                np.multiply(win[view], weight, out=target)
                first = False
            else:
                np.multiply(win[view], weight, out=scratch)
                target += scratch
        if first:
            target[...] = 0

    work = math.prod(lengths) * max(len(taps), 1)
    if work < PARALLEL_WORK or len(slabs) == 1:
        for slab in slabs:
            accumulate(slab)
    else:
        groups = _group(slabs, workers())
        parallel_map(lambda group: [accumulate(slab) for slab in group], groups)
    return out


#: multiply-adds below which a direct call stays on one thread (a pool hand-off costs ~50 us)
PARALLEL_WORK = 1 << 21

def _pieces(length: int, work: int, minimum_work: int) -> list[tuple[int, int]]:
    count = 1 if work < minimum_work else min(workers(), length)
    step = -(-length // count)
    return [(lo, min(lo + step, length)) for lo in range(0, length, step)]


def _group(slabs, count):
    step = -(-len(slabs) // count)
    return [slabs[i:i + step] for i in range(0, len(slabs), step)]


def backends_numpy() -> ModuleType:
    import array_api_compat.numpy

    return array_api_compat.numpy


def separable_factors(kernel: np.ndarray) -> list[np.ndarray] | None:
    """1-D factors whose outer product is *exactly* ``kernel``, or None.

    Only axes where the kernel is longer than 1 get a factor (others are None in the list).
    Exactness is checked in rational arithmetic, so the passes compute the same sums as
    the 2-D kernel would (up to the order of rounding, which the direct bound covers).
    """
    kernel = np.asarray(kernel)
    long_axes = [axis for axis, k in enumerate(kernel.shape) if k > 1]
    if len(long_axes) < 2 or kernel.dtype.kind not in "fiu" or kernel.size > 4096:
        return None
    if kernel.dtype.kind == "f" and not np.all(np.isfinite(kernel)):
        return None
    pivot = np.unravel_index(np.argmax(np.abs(kernel)), kernel.shape)
    pivot_value = kernel[pivot]
    if pivot_value == 0:
        return None
    factors: list[np.ndarray | None] = [None] * kernel.ndim
    integer = kernel.dtype.kind in "iu"
    scale = 1
    for number, axis in enumerate(long_axes):
        line = tuple(slice(None) if i == axis else pivot[i] for i in range(kernel.ndim))
        vector = kernel[line]
        if number > 0:
            if integer:
                # a primitive integer factor (gcd 1) leaves an integer first factor
                divisor = int(np.gcd.reduce(np.abs(vector.astype(np.int64))))
                vector = vector // divisor
                scale *= int(vector[pivot[axis]])
            else:
                vector = vector / pivot_value
        factors[axis] = vector
    if integer:
        first = factors[long_axes[0]]
        if np.any(first % scale):
            return None
        factors[long_axes[0]] = first // scale
    # cheap floating check first, then the exact one
    outer = _outer([f for f in factors if f is not None])
    if not np.array_equal(outer.reshape(kernel.shape), kernel):
        return None
    if kernel.dtype.kind == "f" and not _exact_outer(factors, kernel, long_axes):
        return None
    return factors


def _outer(vectors: list[np.ndarray]) -> np.ndarray:
    result = vectors[0]
    for vector in vectors[1:]:
        result = np.multiply.outer(result, vector)
    return result


def _exact_outer(factors, kernel: np.ndarray, long_axes: list[int]) -> bool:
    rational = [[Fraction(float(v)) for v in factors[axis]] for axis in long_axes]
    flat = kernel.reshape([kernel.shape[axis] for axis in long_axes])
    for index in np.ndindex(*flat.shape):
        product = Fraction(1)
        for vector, i in zip(rational, index):
            product *= vector[i]
        if product != Fraction(float(flat[index])):
            return False
    return True


def separable(
    xp: ModuleType,
    a: Any,
    factors: list[Any],
    region: Region,
    *,
    skip_zero_taps: bool = False,
    pass_function=None,
) -> Any:
    """Convolve with a separable kernel as successive 1-D passes (one per factor).

    ``factors[axis]`` is a 1-D array in ``xp`` (or None for axes of kernel length 1).
    Each pass computes only the wanted outputs of its own axis.
    """
    run = pass_function or shifted_accumulation
    ndim = a.ndim
    for axis in range(ndim):
        if factors[axis] is None:
            continue
        vector = factors[axis]
        shape = [1] * ndim
        shape[axis] = vector.shape[0]
        kernel = xp.reshape(vector, tuple(shape))
        pass_region = [(0, a.shape[i]) for i in range(ndim)]
        pass_region[axis] = region[axis]
        a = run(xp, a, kernel, pass_region, skip_zero_taps=skip_zero_taps)
    # axes with kernel length 1 keep their region as a plain crop
    crop = tuple(
        slice(start, start + length) if factors[i] is None else slice(None)
        for i, (start, length) in enumerate(region)
    )
    return a[crop]


def taps_cost(kernel_shape: Sequence[int], factors: list | None) -> int:
    """Multiply-adds per output: the kernel size, or the sum of factor lengths if separable."""
    if factors is None:
        return math.prod(kernel_shape)
    return sum(len(f) for f in factors if f is not None)
