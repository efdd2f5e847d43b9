"""convalg: verify convolution symbolically and numerically, and compute it fast.

The public functions are loaded on first use, so ``import convalg`` imports NumPy and
array-api-compat only; scipy, sympy, matplotlib, cupy and torch come in when the part of
convalg that needs them is used.

Examples
--------
>>> import convalg
>>> convalg.backends.available()["numpy"].usable
True
>>> convalg.convolve([1, 2, 3], [0, 1, 0.5])
array([0. , 1. , 2.5, 4. , 1.5])
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY_ATTRIBUTES = {
    "convolve": "convalg.signal",
    "correlate": "convalg.signal",
    "fftconvolve": "convalg.signal",
    "oaconvolve": "convalg.signal",
    "convolve2d": "convalg.signal",
    "correlate2d": "convalg.signal",
    "choose_conv_method": "convalg.signal",
    "correlation_lags": "convalg.signal",
    "crosscheck": "convalg.testing._crosscheck",
}
_LAZY_MODULES = ("backends", "errorbounds", "signal", "symbolic", "laws", "testing", "nn", "cli")

__all__ = sorted(_LAZY_ATTRIBUTES) + list(_LAZY_MODULES)


def __getattr__(name: str) -> Any:
    if name in _LAZY_ATTRIBUTES:
        value = getattr(importlib.import_module(_LAZY_ATTRIBUTES[name]), name)
    elif name in _LAZY_MODULES:
        value = importlib.import_module(f"convalg.{name}")
    else:
        raise AttributeError(f"module 'convalg' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
