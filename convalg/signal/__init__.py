"""The numeric core: scipy.signal-compatible convolution and correlation on any array library.

A drop-in for ``scipy.signal``'s ``convolve``, ``correlate``, ``fftconvolve``,
``oaconvolve``, ``convolve2d``, ``correlate2d``, ``choose_conv_method`` and
``correlation_lags``, computed by convalg's own engines (direct, FFT, overlap-add),
written once against the array API. Every function takes ``backend=None``.
Where convalg deliberately differs from scipy (exact integers that never wrap, NaN/Inf
that stay local under method='auto') the README says so.

Examples
--------
>>> import numpy as np
>>> from convalg import signal
>>> signal.convolve(np.array([1, 2, 3], dtype=np.int8), np.array([100, 100], dtype=np.int8))
array([100, 300, 500, 300])
"""

from convalg.signal._api import (
    choose_conv_method,
    convolve,
    convolve2d,
    correlate,
    correlate2d,
    correlation_lags,
    fftconvolve,
    oaconvolve,
    plan,
)
from convalg.signal._exact_fft import Certificate
from convalg.signal._plan import Plan

__all__ = [
    "convolve",
    "correlate",
    "fftconvolve",
    "oaconvolve",
    "convolve2d",
    "correlate2d",
    "choose_conv_method",
    "correlation_lags",
    "plan",
    "Plan",
    "Certificate",
]
