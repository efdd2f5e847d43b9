"""Method choice for method='auto': a cost model in seconds, and the rules that override it.

Rules first (they are about correctness, not speed):

* a NaN or Inf in an input rules out 'fft' and 'oa' (they would spread it over every output);
* exact integer results may use 'fft'/'oa' only with the error-bound proof (``_plan``);
* object arrays (e.g. Fractions) are only computed directly.

Then the cheapest method under the model wins. Each method's time is modelled in
seconds as a per-call overhead plus per-operation costs::

    direct, numpy.convolve (1-D NumPy):  DIRECT_1D_CALL + outputs * taps * DIRECT_1D_MAC
    direct, Toeplitz BLAS (1-D float):   DIRECT_1D_CALL + calls * BLAS_CALL + outputs * (R+1) B * BLAS_MAC
    direct, N-D NumPy, one slab:         DIRECT_ND_CALL + (calls * DIRECT_ROW_CALL + macs * DIRECT_1D_MAC)
                                         (times COMPLEX_ROWS for complex data)
    direct, shifted accumulation:        taps * (slabs * DIRECT_TAP_CALL + outputs * DIRECT_TAP_ELEMENT)
                                         (times COMPLEX_DIRECT for complex data)
    fft / oa:                            FFT_CALL (+ OA_CALL) + FFT_ELEMENT * (work of every transform)

``taps`` is the kernel size, or the sum of its 1-D factors when it is separable (zero taps
of a finite problem are skipped); ``slabs`` are the cache-sized pieces of
``_direct_numpy.numpy_nd`` (one per 32k outputs). An output of one slab NumPy computes as
1-D correlations over the flattened window (``calls`` of them, ``macs`` multiply-adds in
all: ``_direct_numpy.one_slab_work``), the other backends and larger outputs tap by tap.
The work of an N-D transform is, per axis,
``rows * (N log2 N * c(N) + FFT_ROW)`` where ``c(N)`` is 2.5 once a 1-D line of ``N``
complex values leaves a 512 KiB cache (else 1); three transforms per FFT convolution,
``2 * blocks + 1`` (and ``OA_CALL``) for overlap-add. Complex data cost twice real data.

The constants are medians of timings of the issue's benchmark cases (``benchmarks/
bench_signal.py`` and per-method timings of each case) on the development machine: a
shared 2-core AMD EPYC VM, NumPy 2.4 (OpenBLAS), scipy 1.17 (pocketfft). They need only the
right order of magnitude: near a crossover either method is about as fast.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

#: seconds per call of numpy.convolve, and per multiply-add inside it
DIRECT_1D_CALL = 5e-6
DIRECT_1D_MAC = 3e-10
#: seconds per output of numpy.correlate with more than SHORT_TAPS taps (one BLAS dot
#: product each), and per multiply-add in it (measured on float64, 1e3 to 5e4 outputs of
#: 16 to 1000 taps: 7-15 ns per output up to 100 taps, 31-39 at 300, 51-98 at 1000)
SHORT_TAPS = 8
DOT_CALL = 1e-8
DOT_MAC = 8e-11
#: seconds per call of ``numpy_blas_1d`` beyond numpy.convolve's (the Toeplitz blocks), per
#: small matrix product and per multiply-add inside it (measured: 23-47 us for 1000 outputs
#: of 16 to 100 taps, where numpy.correlate takes 7-16)
BLAS_SETUP = 1.2e-5
BLAS_CALL = 1.5e-6
BLAS_MAC = 1.2e-10
#: complex data: numpy.correlate's seconds per output (a complex dot product) and per
#: multiply-add (measured 18-23 ns per output up to 24 taps, 41-50 at 32-64, 99 at 256),
#: and complex BLAS rows against real ones (complex matrix products: four real ones)
COMPLEX_DOT_CALL = 1.8e-8
COMPLEX_DOT_MAC = 3e-10
COMPLEX_BLAS = 4.0
#: seconds per tap and slab (two NumPy calls), and per output element per tap
DIRECT_TAP_CALL = 3e-6
DIRECT_TAP_ELEMENT = 1e-9
#: seconds of a one-slab call of NumPy's N-D engine (window, output), and per 1-D
#: correlation in it (measured on 2-D and 3-D calls from 8x8 * 3x3 to 128x128 * 5x5)
DIRECT_ND_CALL = 8e-6
DIRECT_ROW_CALL = 2e-6
#: complex one-slab sums against real ones (four real accumulations by real parts and their
#: combination; measured 3.6-4x on 64x64 * 7x7, 8^3 * 3^3 and 16^3 * 3^3)
COMPLEX_ROWS = 4.0
#: seconds per FFT-based call, per unit of transform work, and work per 1-D line (refit on
#: 2-D and 3-D transforms from 10x10 to 540x540 and on 1-D ones of 1e3 to 1e5 points:
#: 0.25-0.35 ns per unit in cache, so that N-D calls get the method that is faster)
FFT_CALL = 5e-5
FFT_ELEMENT = 0.3e-9
FFT_ROW = 64
#: seconds an overlap-add call takes beyond one FFT call (cutting and padding the blocks,
#: adding the strips back): measured 1-D, 1000 x 7 and 2000 x 31, 110-120 us against 55-70
OA_CALL = 5e-5
#: outputs per slab of the shifted accumulation (``_direct_numpy.numpy_nd``)
SLAB = 1 << 15
#: complex data's direct N-D sums against real data's (four real accumulations and their
#: combination; measured 2.5-3x on 64x64 * 7x7, 16^3 * 3^3 and 128x128 * 5x5)
COMPLEX_DIRECT = 2.5


def blas_1d_cost(outputs: int, taps: int, complex_data: bool = False) -> float:
    """Modelled seconds of ``_direct_numpy.numpy_blas_1d`` (Toeplitz rows times small matrices)."""
    from convalg.signal._direct_numpy import toeplitz_block

    block = toeplitz_block(taps)
    reach = -(-(taps - 1) // block)
    rows = -(-outputs // block)
    calls = (reach + 1) * -(-rows // max(1, (1 << 18) // (block * block) - 1))
    products = calls * BLAS_CALL + outputs * (reach + 1) * block * BLAS_MAC
    return DIRECT_1D_CALL + BLAS_SETUP + products * (COMPLEX_BLAS if complex_data else 1.0)


def correlate_1d_cost(outputs: int, taps: int, complex_data: bool = False) -> float:
    """Modelled seconds of numpy.correlate with more than ``SHORT_TAPS`` taps: a dot product
    per output. :func:`direct_cost` takes it where it is below the plain per-multiply-add
    rule (long real kernels), so that the small-call fast path's threshold, set by that
    rule, still bounds the direct cost."""
    if complex_data:
        return DIRECT_1D_CALL + outputs * (COMPLEX_DOT_CALL + taps * COMPLEX_DOT_MAC)
    return DIRECT_1D_CALL + outputs * (DOT_CALL + taps * DOT_MAC)


def use_blas_1d(outputs: int, taps: int, complex_data: bool = False) -> bool:
    """Whether the 1-D direct method should run as matrix products rather than numpy.convolve."""
    return taps >= 16 and blas_1d_cost(outputs, taps, complex_data) < correlate_1d_cost(outputs, taps, complex_data)


def direct_cost(
    outputs: int,
    taps: int,
    numpy_1d: bool,
    blas: bool = False,
    complex_data: bool = False,
    slab_work: tuple[int, int] | None = None,
) -> float:
    """Modelled seconds of the direct method (``blas``: finite floating data, BLAS allowed;
    ``slab_work``: the calls and multiply-adds of NumPy's N-D engine for a one-slab output,
    ``_direct_numpy.one_slab_work``)."""
    if slab_work is not None:
        calls, macs = slab_work
        factor = COMPLEX_ROWS if complex_data else 1.0
        return DIRECT_ND_CALL + (calls * DIRECT_ROW_CALL + macs * DIRECT_1D_MAC) * factor
    if numpy_1d:
        plain = DIRECT_1D_CALL + outputs * taps * DIRECT_1D_MAC
        if not blas:
            return plain
        plain = min(plain, correlate_1d_cost(outputs, taps, complex_data))  # long real kernels
        return min(plain, blas_1d_cost(outputs, taps, complex_data)) if taps >= 16 else plain
    slabs = -(-outputs // SLAB)
    return taps * (slabs * DIRECT_TAP_CALL + outputs * DIRECT_TAP_ELEMENT) * (COMPLEX_DIRECT if complex_data else 1.0)


def line_cost(n: int) -> float:
    """Work of one 1-D transform of length ``n``."""
    in_cache = 16 * n <= 512 * 1024
    return n * math.log2(max(n, 2)) * (1.0 if in_cache else 2.5) + FFT_ROW


def transform_work(shape: Sequence[int]) -> float:
    """Work of one N-D transform: every axis's 1-D lines."""
    points = math.prod(shape)
    return sum(points // n * line_cost(n) for n in shape if n > 1)


def fft_cost(batch: int, fft_shape: Sequence[int], complex_data: bool, transforms: int = 3) -> float:
    """Modelled seconds of ``transforms`` transforms of shape ``fft_shape`` for ``batch`` signals."""
    factor = 2.0 if complex_data else 1.0
    return FFT_CALL + FFT_ELEMENT * factor * transforms * batch * transform_work(fft_shape)


def oa_cost(batch: int, block_counts: Sequence[int], block_shape: Sequence[int], complex_data: bool) -> float:
    """Modelled seconds of overlap-add: forward+inverse of every block, one kernel transform."""
    blocks = math.prod(block_counts)
    factor = 2.0 if complex_data else 1.0
    work = batch * (2 * blocks + 1) * transform_work(block_shape)
    return FFT_CALL + OA_CALL + FFT_ELEMENT * factor * work


def cheapest(costs: dict[str, float]) -> str:
    """The method with the smallest modelled cost (ties go to 'direct', the most accurate)."""
    order = {"direct": 0, "fft": 1, "oa": 2}
    return min(costs, key=lambda method: (costs[method], order[method]))
