"""Which engine computes a correlation: an operation count, the memory it needs, finiteness.

'auto' takes the engine with the smaller documented operation count among those whose memory
fits (:mod:`convalg._runtime.memory`), and never the FFT for data holding a NaN or an infinity.
"""

from __future__ import annotations

import math

from convalg._runtime import fft as runtime_fft
from convalg._runtime import memory, parallel
from convalg.nn import _im2col

# Cost-model constants of ``choose_method``, in units of one multiply-add of the BLAS matrix
# product, fitted to timings of the cases of benchmarks/bench_nn.py on a quiet 2-core AMD EPYC
# (OpenBLAS, scipy.fft with 2 workers); they only need to be right within a factor of ~2:
# writing one im2col entry costs about 16 multiply-adds (it is memory bound, and each entry
# serves out_channels products); one element of an FFT costs about 20 per log2(length); one
# complex multiply-add of the spectral contraction (many small batched products) about 8.
COLUMN_UNIT = 16.0
FFT_UNIT = 20.0
SPECTRAL_UNIT = 8.0


def choose_method(batch, groups, channels, out_channels, spatial, kernel, out) -> str:
    """Pick the cheaper engine by a documented operation count (see the constants above)."""
    products = batch * groups * out_channels * channels * math.prod(kernel) * math.prod(out)
    direct = products * (1 + COLUMN_UNIT / out_channels)
    length = math.prod(spatial)
    transforms = (batch * channels + out_channels * channels + batch * out_channels) * groups
    fft = FFT_UNIT * transforms * length * math.log2(max(length, 2))
    fft += SPECTRAL_UNIT * batch * groups * out_channels * channels * length / 2
    return "fft" if fft < direct else "direct"


def engine(xp, method, arrays, sizes, what, extra=0):
    """The engine for a correlation of the given sizes, once its memory is known to fit.

    ``sizes`` are ``choose_method``'s arguments (batch, groups, channels, out_channels, padded,
    kernel, out) and ``extra`` counts entries the caller allocates besides the engine's. 'auto'
    takes the cheaper engine by operation count if it fits in memory, else the other one; but
    never the FFT when one of ``arrays`` holds a NaN or an infinity: every output of a spectral
    product depends on every input, so one NaN would spread to the whole result, where a direct
    sum keeps it in the outputs whose window holds it (as PyTorch and convalg.signal do).
    """
    itemsize = xp.finfo(arrays[0].dtype).bits // 8

    def need(engine):
        return memory_need(xp, engine, sizes, extra) * itemsize

    if method == "auto":
        preferred = choose_method(*sizes)
        for candidate in (preferred, "direct" if preferred == "fft" else "fft"):
            # the memory first: it costs nothing, the finiteness a pass over the data
            if memory.fits(need(candidate)) and (candidate == "direct" or all_finite(xp, *arrays)):
                return candidate
        method = "direct"  # nothing fits (the check says how much it needs), or only an FFT on NaN
    guard_memory(need(method), what.using(method))
    return method


def memory_need(xp, method, sizes, extra=0) -> int:
    """The real entries an engine holds at its peak, counted as convalg.signal counts its own.

    The result, the zero-padded input, ``extra``, and the engine's workspace: for 'direct' one
    block of columns per core (a block holds at least one output row of one sample), for 'fft'
    the spectra (two reals each) of the input, the kernel and their product, the matrix
    product's copies of the first two, and the inverse transform before cropping.
    """
    batch, groups, channels, out_channels, padded, kernel, out = sizes
    entries = batch * groups * (out_channels * math.prod(out) + channels * math.prod(padded)) + extra
    if method == "fft":
        shape = runtime_fft.fast_shape(padded)
        spectrum = math.prod(shape[:-1]) * (shape[-1] // 2 + 1)
        spectra = 2 * (batch * channels + out_channels * channels) + batch * out_channels
        entries += 2 * groups * spectra * spectrum + batch * groups * out_channels * math.prod(shape)
    else:
        row = groups * channels * math.prod(kernel) * math.prod(out[1:])
        entries += column_entries(row, batch * out[0])
    return entries


def column_entries(row: int, rows: int) -> int:
    """The im2col entries held at once: ``rows`` rows of ``row`` entries, one block per core at most."""
    return min(row * rows, parallel.cores() * max(_im2col.COLUMN_BLOCK, row))


def all_finite(xp, *arrays) -> bool:
    """Whether every entry of every array is finite (a pass over the data)."""
    return all(bool(xp.all(xp.isfinite(a))) for a in arrays)


def guard_memory(nbytes: int, what: Naming) -> None:
    """The runtime's MemoryError naming the call and the size, when ``nbytes`` will not fit."""
    memory.check_memory(nbytes, what)


class Naming:
    """How a MemoryError names a call: ``conv2d of input 1x1x5x5 and weight 3x1x3x3 (float64)
    with method='direct'``, written out only when one is raised (formatting the shapes would
    cost a small call more than its memory check)."""

    def __init__(self, name, method=None, **arrays):
        self.name, self.method, self.arrays = name, method, arrays

    def using(self, method):
        return Naming(self.name, method, **self.arrays)

    def __str__(self):
        shapes = " and ".join(f"{label} {'x'.join(map(str, a.shape))}" for label, a in self.arrays.items())
        text = f"{self.name} of {shapes} ({next(iter(self.arrays.values())).dtype})"
        return text if self.method is None else f"{text} with method={self.method!r}"
