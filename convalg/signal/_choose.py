"""Method choice for method='auto': a cost model in seconds, and the rules that override it.

Rules first (they are about correctness, not speed):

* a NaN or Inf in an input rules out 'fft' and 'oa' (they would spread it over every output);
* exact integer results may use 'fft'/'oa' only with the error-bound proof (``_plan``);
* object arrays (e.g. Fractions) are only computed directly.

Then the cheapest method under the model wins. Each method's time is modelled as a
per-call overhead plus a per-operation cost::

    direct (numpy.convolve, 1-D NumPy):  DIRECT_1D_CALL + outputs * taps * DIRECT_1D_MAC
    direct (shifted accumulation):       taps * (DIRECT_TAP_CALL + outputs * DIRECT_TAP_ELEMENT)
    fft / oa:                            FFT_CALL + FFT_ELEMENT * sum over transforms of P log2 P

where ``taps`` is the kernel size, or the sum of its 1-D factors when it is separable, and
the transforms are the two forward and one inverse transform (for 'oa': of every block).
The constants were measured by ``benchmarks/bench_signal.py`` style micro-timings on the
development machine (2-core x86-64 VM, NumPy 2.4 with OpenBLAS, scipy 1.17 pocketfft with
``workers=-1``); see docs/benchmarks.md. They only need the right order of magnitude: the
chooser compares methods whose costs differ by large factors except near the crossover.
"""

from __future__ import annotations

import math
from typing import Sequence

#: seconds per call of numpy.convolve, and per multiply-add inside it
DIRECT_1D_CALL = 2e-6
DIRECT_1D_MAC = 2.5e-10
#: seconds per tap (Python-level array operation) and per output element per tap
DIRECT_TAP_CALL = 6e-6
DIRECT_TAP_ELEMENT = 1.2e-9
#: seconds per FFT-based call, and per P*log2(P) of one transform (real; complex costs 2x)
FFT_CALL = 4e-5
FFT_ELEMENT = 1.0e-9


def direct_cost(outputs: int, taps: int, numpy_1d: bool) -> float:
    """Modelled seconds of the direct method."""
    if numpy_1d:
        return DIRECT_1D_CALL + outputs * taps * DIRECT_1D_MAC
    return taps * (DIRECT_TAP_CALL + outputs * DIRECT_TAP_ELEMENT)


def _transform(points: int) -> float:
    return points * math.log2(max(points, 2))


def fft_cost(batch: int, fft_shape: Sequence[int], complex_data: bool, transforms: int = 3) -> float:
    """Modelled seconds of ``transforms`` transforms of shape ``fft_shape`` for ``batch`` signals."""
    points = math.prod(fft_shape)
    factor = 2.0 if complex_data else 1.0
    return FFT_CALL + FFT_ELEMENT * factor * transforms * batch * _transform(points)


def oa_cost(batch: int, block_counts: Sequence[int], block_shape: Sequence[int],
            complex_data: bool) -> float:
    """Modelled seconds of overlap-add: forward+inverse of every block, one kernel transform."""
    points = math.prod(block_shape)
    blocks = math.prod(block_counts)
    factor = 2.0 if complex_data else 1.0
    work = batch * (2 * blocks + 1) * _transform(points)
    return FFT_CALL + FFT_ELEMENT * factor * work


def cheapest(costs: dict[str, float]) -> str:
    """The method with the smallest modelled cost (ties go to 'direct', the most accurate)."""
    order = {"direct": 0, "fft": 1, "oa": 2}
    return min(costs, key=lambda method: (costs[method], order[method]))
