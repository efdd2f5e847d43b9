"""The direct method: each output summed from the products it needs, written once against the array API.

The generic path is *shifted accumulation*: for every kernel tap ``b[j]`` the output gains
``b[j]`` times a shifted view of the (boundary-extended) input, so a call costs one
multiply-add over the output per tap, with no Python loop over outputs. It runs unchanged
on NumPy, CuPy and array-api-strict.

Special cases, each small and tested against the generic path:

* separable kernels (exactly an outer product of 1-D vectors, e.g. Sobel) run as one 1-D
  pass per axis: ``sum(k_i)`` instead of ``prod(k_i)`` taps per output;
* NumPy-only fast paths (``numpy.convolve``, Toeplitz BLAS products, in-place slabs on the
  idle cores) live in :mod:`convalg.signal._direct_numpy`.

All functions take a *region*: per axis, ``(start, length)`` of the wanted outputs in the
coordinates of the full convolution (length ``n + k - 1``), so 'same' and 'valid' never
compute outputs they throw away.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from types import ModuleType
from typing import Any

import numpy as np

from convalg import backends
from convalg._runtime.devices import device
from convalg.signal._dtypes import numpy_dtype

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
        indices = xp.asarray(_boundary_indices(lo, hi, n, boundary), device=device(x))
        return xp.take(x, indices, axis=axis)
    inside = x[(slice(None),) * axis + (slice(max(lo, 0), min(hi, n)), ...)]
    parts = []
    for count in (max(0, -lo), max(0, hi - n)):
        shape = list(x.shape)
        shape[axis] = count
        parts.append(_filled(xp, tuple(shape), fillvalue, x))
    pieces = [p for p in (parts[0], inside, parts[1]) if p.shape[axis] > 0]
    return xp.concat(pieces, axis=axis) if len(pieces) > 1 else pieces[0]


def _filled(xp: ModuleType, shape: tuple[int, ...], value: Any, like: Any) -> Any:
    if value == 0:
        return xp.zeros(shape, dtype=like.dtype, device=device(like))
    return xp.full(shape, value, dtype=like.dtype, device=device(like))


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
    prescale: int = 0,
) -> Any:
    """The generic direct convolution: one multiply-add of a shifted window per tap of ``b``.

    ``skip_zero_taps`` may be set only when ``a`` is finite (``0 * inf`` is NaN).
    ``prescale = s > 0`` computes ``2**-s`` times the convolution, every product prescaled
    without rounding (:func:`_prescaled_products`), and scales the sum back: for floating
    data whose partial sums would overflow although the outputs do not.
    """
    lengths = tuple(length for _, length in region)
    out = xp.zeros(lengths, dtype=a.dtype, device=device(a))
    taps = backends.to_numpy(b) if (skip_zero_taps or prescale) else None

    def product(tap, x):
        if not prescale:
            return b[tap] * x
        assert taps is not None  # set whenever prescale is
        return _prescaled_products(taps[tap], x, prescale)

    if boundary == "fill" and fillvalue == 0:
        # Zero padding adds nothing in exact arithmetic, so it is never multiplied: a NaN or
        # Inf tap must reach only the outputs it touches (NaN * 0 would be NaN).
        for tap in np.ndindex(*b.shape):
            if taps is not None and skip_zero_taps and taps[tap] == 0:
                continue
            overlap = _tap_overlap(tap, a.shape, region)
            if overlap is not None:
                target, source = overlap
                out[target] += product(tap, a[source])
    else:
        win = window(xp, a, b.shape, region, boundary, fillvalue)
        for tap in np.ndindex(*b.shape):
            if taps is not None and skip_zero_taps and taps[tap] == 0:
                continue
            out += product(tap, win[_window_view(tap, b.shape, lengths)])
    if prescale:
        from convalg.signal._ranges import scaled

        out = scaled(xp, out, prescale)
    return out


def _window_view(tap: tuple[int, ...], kernel_shape, lengths) -> tuple[slice, ...]:
    """The slice of :func:`window` that tap ``j`` multiplies: outputs read ``k - 1 - j`` on."""
    return tuple(slice(k - 1 - j, k - 1 - j + n) for j, k, n in zip(tap, kernel_shape, lengths))


def _prescaled_products(value: Any, x: Any, scale: int) -> Any:
    """``value * x * 2**-scale`` with no rounding beyond the product's own (and underflow).

    A real tap ``v`` becomes ``w = v 2**-t`` with the largest ``t <= scale`` that keeps
    ``w`` a normal number (so ``w`` is exact), and ``w x`` is multiplied by ``2**-(scale -
    t)`` (exact unless the result is subnormal). A complex tap is the sum of its real part
    times ``x`` and ``1j`` times its imaginary part times ``x``, each prescaled so; that
    is the rounding pattern of one complex product (two products and one addition per
    component). The magnitudes never exceed those of the unscaled products.
    """
    value = np.asarray(value)
    real = np.empty(0, value.dtype).real.dtype
    minexp = int(np.finfo(real).minexp)
    parts = [(value.real[()], 1), (value.imag[()], 1j)] if value.dtype.kind == "c" else [(value[()], 1)]
    total = None
    for part, unit in parts:
        if part == 0:
            continue
        shift = scale
        if np.isfinite(part):
            shift = max(0, min(scale, int(np.frexp(part)[1]) - 1 - minexp))
        weight = _exact_scalar(np.ldexp(part, -shift))  # a normal number: exact
        term = weight * x
        rest = scale - shift
        while rest:  # factors 2**-k with k <= -minexp are normal: exact in x's dtype
            k = min(rest, -minexp, 1000)
            term = term * 2.0**-k
            rest -= k
        if unit != 1:
            term = term * unit
        total = term if total is None else total + term
    return total if total is not None else x * 0


def _exact_scalar(value: Any) -> Any:
    """A Python float for float32/float64 values (what every array library accepts; exact),
    the NumPy scalar itself for long double (NumPy only)."""
    return float(value) if value.dtype.itemsize <= 8 else value


def _tap_overlap(
    tap: tuple[int, ...], shape: Sequence[int], region: Region
) -> tuple[tuple[slice, ...], tuple[slice, ...]] | None:
    """Output and input slices where tap ``j`` meets real input: full output ``o`` reads
    input ``o - j``, which exists for ``j <= o < j + n``; None where they do not meet."""
    target, source = [], []
    for j, n, (start, length) in zip(tap, shape, region):
        lo, hi = max(j, start), min(j + n, start + length)
        if lo >= hi:
            return None
        target.append(slice(lo - start, hi - start))
        source.append(slice(lo - j, hi - j))
    return tuple(target), tuple(source)


def modular_accumulation(
    xp: ModuleType,
    a: Any,
    b: Any,
    region: Region,
    modulus: int,
    *,
    boundary: str = "fill",
    fillvalue: int = 0,
) -> Any:
    """The direct convolution of integer inputs modulo ``modulus`` (below 2**31), as int64.

    Inputs are reduced first and the sum after every tap, so every value stays below
    ``2**62``: the residues are exact whatever the size of the exact result.
    """
    taps = backends.to_numpy(b)
    lengths = tuple(length for _, length in region)
    win = window(xp, reduced(xp, a, modulus), b.shape, region, boundary, int(fillvalue) % modulus)
    out = xp.zeros(lengths, dtype=xp.int64, device=device(win))
    for tap in np.ndindex(*b.shape):
        weight = int(taps[tap]) % modulus
        if weight:
            out = xp.remainder(out + weight * win[_window_view(tap, b.shape, lengths)], modulus)
    return out


def reduced(xp: ModuleType, x: Any, modulus: int) -> Any:
    """Integer ``x`` modulo ``modulus`` in ``[0, modulus)``, as int64 (exact for any integer dtype)."""
    dtype = numpy_dtype(x.dtype)
    # uint64 stays unsigned in any byte order: as int64 its upper half would turn negative
    x = xp.astype(x, xp.uint64 if (dtype.kind, dtype.itemsize) == ("u", 8) else xp.int64)
    return xp.astype(xp.remainder(x, xp.asarray(modulus, dtype=x.dtype, device=device(x))), xp.int64)


def separable_factors(kernel: np.ndarray) -> list[np.ndarray | None] | None:
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
    integer = kernel.dtype.kind in "iu"
    if integer:
        # Python integers: the scale and remainders below must not wrap in int8 (or any width)
        kernel = kernel.astype(object)
    pivot = np.unravel_index(np.argmax(np.abs(kernel)), kernel.shape)
    pivot_value = kernel[pivot]
    if pivot_value == 0:
        return None
    factors: list[np.ndarray | None] = [None] * kernel.ndim
    scale = 1
    for number, axis in enumerate(long_axes):
        line = tuple(slice(None) if i == axis else pivot[i] for i in range(kernel.ndim))
        vector = kernel[line]
        if number > 0:
            if integer:
                # a primitive integer factor (gcd 1) leaves an integer first factor
                divisor = int(np.gcd.reduce(np.abs(vector)))
                vector = vector // divisor
                scale *= int(vector[pivot[axis]])
            else:
                vector = vector / pivot_value
        factors[axis] = vector
    if integer:
        first = factors[long_axes[0]]
        assert first is not None  # every long axis has its factor
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
        slice(start, start + length) if factors[i] is None else slice(None) for i, (start, length) in enumerate(region)
    )
    return a[crop]


def taps_cost(kernel_shape: Sequence[int], factors: list | None) -> int:
    """Multiply-adds per output: the kernel size, or the sum of factor lengths if separable."""
    if factors is None:
        return math.prod(kernel_shape)
    return sum(int(f.shape[0]) for f in factors if f is not None)
