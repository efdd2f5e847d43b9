"""Testing tools for convolutions: tolerances from error analysis, strategies, and ``verify``.

Write a law test in a few lines:

>>> import numpy as np
>>> from hypothesis import given, settings
>>> from convalg.testing import assert_within_bound, reference, strategies, tolerance
>>> @settings(max_examples=10, derandomize=True, database=None)
... @given(strategies.signal_kernel_pairs(dtype="float64"))
... def test_numpy_convolve_is_accurate(pair):
...     a, b = pair
...     assert_within_bound(np.convolve(a, b), reference(a, b), tolerance(a, b))
>>> test_numpy_convolve_is_accurate()

Check somebody else's convolution against the contract you state (the ``convalg verify``
command runs the same):

>>> from convalg.testing import verify
>>> verify(np.convolve, like="numpy.convolve", max_examples=10).consistent
True

Check a convolution layer and its backward against PyTorch's semantics (``convalg verify
--layer conv2d`` runs the same):

>>> from convalg.nn.functional import conv2d, conv2d_grad
>>> from convalg.testing import verify_layer
>>> verify_layer(conv2d, "conv2d", backward=conv2d_grad, max_examples=4).consistent
True

Hypothesis is needed by ``strategies`` only (``pip install hypothesis``); ``verify``, the
tolerances and the oracle need NumPy alone.
"""

from __future__ import annotations

import importlib
from typing import Any

from convalg.testing._assertions import assert_within_bound, bound_report
from convalg.testing._oracle import reference
from convalg.testing._tolerance import chain_tolerance, tolerance

__all__ = [
    "tolerance",
    "chain_tolerance",
    "reference",
    "assert_within_bound",
    "bound_report",
    "strategies",
    "verify",
    "verify_layer",
    "VerifyReport",
    "LayerReport",
    "Violation",
    "Contract",
    "preset_names",
    "Convention",
    "detect_convention",
    "crosscheck",
    "CrossCheck",
    "CheckRow",
]

# names that need hypothesis, loaded on first use
_LAZY = {
    "strategies": ("convalg.testing.strategies", None),
    "verify": ("convalg.testing._verify", "verify"),
    "verify_layer": ("convalg.testing._layer_verify", "verify_layer"),
    "LayerReport": ("convalg.testing._layer_verify", "LayerReport"),
    "VerifyReport": ("convalg.testing._report", "VerifyReport"),
    "Violation": ("convalg.testing._report", "Violation"),
    "Contract": ("convalg.testing._contract", "Contract"),
    "preset_names": ("convalg.testing._presets", "preset_names"),
    "Convention": ("convalg.testing._convention", "Convention"),
    "detect_convention": ("convalg.testing._convention", "detect_convention"),
    "crosscheck": ("convalg.testing._crosscheck", "crosscheck"),
    "CrossCheck": ("convalg.testing._crosscheck", "CrossCheck"),
    "CheckRow": ("convalg.testing._crosscheck", "CheckRow"),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'convalg.testing' has no attribute {name!r}")
    module_name, attribute = _LAZY[name]
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
