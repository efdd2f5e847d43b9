"""The one FFT path: which module transforms a namespace's arrays, with how many threads, how long.

NumPy arrays go through ``scipy.fft`` with ``workers`` set to the idle cores
(:func:`convalg._runtime.parallel.workers`: a transform split over a busy core waits for it),
CuPy arrays through ``cupyx.scipy.fft``, any other namespace through the array API's
``xp.fft``. Transform lengths are rounded up to 5-smooth ones by ``scipy.fft.next_fast_len``
whatever the backend (any length at least the needed one is correct).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from convalg import backends
from convalg._runtime import parallel


def transforms(
    xp: ModuleType, points: int | None = None, small: int = 0, axes: int = 1
) -> tuple[ModuleType, dict[str, Any]]:
    """The FFT module for ``xp`` and the keywords every transform call takes (``workers``).

    A call that transforms fewer than ``small`` real ``points`` in all runs on one worker:
    the hand-over to a second thread costs more than it saves (each caller measured its own
    threshold: :data:`SMALL_TRANSFORM` for batches, ``_fft.PARALLEL_LENGTH`` in convalg.signal).
    A call along more than one of its ``axes`` hands over once per axis: it runs on one
    worker below :data:`SMALL_MULTI_AXIS` points whatever ``small``.

    Examples
    --------
    >>> import array_api_compat.numpy as xp
    >>> module, keywords = transforms(xp)
    >>> module.__name__, sorted(keywords)
    ('scipy.fft', ['workers'])
    >>> transforms(xp, points=100, small=8192)[1]
    {'workers': 1}
    """
    module = backends.fft_module(xp)
    if backends.is_numpy(xp):
        return module, {"workers": numpy_workers(points, small, axes)}
    return module, {}


def numpy_workers(points: int | None = None, small: int = 0, axes: int = 1) -> int:
    """The ``workers`` of a NumPy transform call (:func:`transforms`' rule).

    Examples
    --------
    >>> numpy_workers(100, small=8192)
    1
    """
    if axes > 1:
        small = max(small, SMALL_MULTI_AXIS)
    return 1 if points is not None and points < small else parallel.workers()


@functools.lru_cache(maxsize=1024)  # planning asks for the same few lengths on every call
def fast_length(n: int, real: bool = True) -> int:
    """The smallest 5-smooth length >= ``n`` (``scipy.fft.next_fast_len``).

    Examples
    --------
    >>> fast_length(97)
    100
    """
    from scipy.fft import next_fast_len

    return int(next_fast_len(int(n), real))


def fast_shape(shape: Sequence[int], real: bool = True) -> tuple[int, ...]:
    """:func:`fast_length` of every entry of ``shape``."""
    return tuple(fast_length(n, real) for n in shape)


#: Real points below which a batch of transforms runs on one worker. Measured with
#: convalg.nn's FFT engine on the 2-core machine: (8, 3, 32, 32) inputs take 1.5 ms on two
#: workers and 0.86 ms on one; (8, 8, 64, 64) inputs, 2**18 points, 9.5 ms on two and 11.2 on one.
SMALL_TRANSFORM = 1 << 16

#: Real points below which one transform call along two or more axes runs on one worker.
#: pocketfft hands each axis over to its threads in turn: on the 2-core VM (medians of
#: alternating calls, ``r2c`` of an n x n array along both axes) two workers took 382 us
#: against 272 on one at 270 x 270, 666 against 552 at 400 x 400, and 1320 against 1756 at
#: 546 x 546 (about 2**18 points); a batch of 1-D transforms pays once (4 x 32000 points:
#: 431 us on two, 725 on one).
SMALL_MULTI_AXIS = 1 << 18


def _keywords(xp: ModuleType, x: Any, shape: Sequence[int]) -> tuple[ModuleType, dict[str, Any]]:
    points = math.prod(x.shape[: x.ndim - len(shape)]) * math.prod(shape)
    return transforms(xp, points, SMALL_TRANSFORM, axes=len(shape))


def rfftn(xp: ModuleType, x: Any, shape: Sequence[int]) -> Any:
    """Real N-D transform of the trailing ``len(shape)`` axes of ``x``, zero-padded to ``shape``."""
    module, keywords = _keywords(xp, x, shape)
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    return module.rfftn(x, s=tuple(shape), axes=axes, **keywords)


def irfftn(xp: ModuleType, x: Any, shape: Sequence[int]) -> Any:
    """Inverse of :func:`rfftn`: real arrays of ``shape`` on the trailing axes."""
    module, keywords = _keywords(xp, x, shape)
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    return module.irfftn(x, s=tuple(shape), axes=axes, **keywords)


def warn_nonfinite(method: str, stacklevel: int) -> None:
    """scipy.signal's RuntimeWarning for an explicit FFT method on data holding NaN or Inf.

    A spectral product mixes every input into every output, so one NaN or infinity spreads
    over the whole result; 'direct' and 'auto' keep it in the outputs whose sums it enters.
    ``stacklevel`` counts from the caller of this function, as :func:`warnings.warn` does.
    """
    import warnings

    warnings.warn(
        f"Use of fft convolution on input with NAN or inf results in NAN or inf output "
        f"(method={method!r} spreads them over every output). Consider using "
        "method='direct' or 'auto' instead, which keep them local.",
        RuntimeWarning,
        stacklevel=stacklevel + 1,
    )
