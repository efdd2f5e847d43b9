"""scipy.signal's own tests of bad arguments and of FFT on NaN/Inf, run against convalg.

The installed scipy's ``scipy/signal/tests/test_signaltools.py`` is imported and its
functions under test are replaced by convalg's: its ``pytest.raises(ValueError,
match=...)`` and ``pytest.warns(RuntimeWarning, ...)`` then check convalg's messages
(defect 10 of issue 13). Only tests of errors and warnings are run here: value tests
compare dtypes that convalg widens on purpose (README, "Where convalg differs").
"""

from __future__ import annotations

import types

import numpy as np
import pytest

import convalg

scipy_tests = pytest.importorskip(
    "scipy.signal.tests.test_signaltools",
    reason="scipy's test files are not installed with this scipy (its tests are optional)",
)

REPLACED = (
    "convolve",
    "correlate",
    "fftconvolve",
    "oaconvolve",
    "convolve2d",
    "correlate2d",
    "correlation_lags",
    "choose_conv_method",
)

CASES = [
    ("TestConvolve", "test_invalid_params", {}),
    ("TestConvolve", "test_invalid_shapes", {}),
    ("TestConvolve", "test_mismatched_dims", {}),
    ("TestConvolve2d", "test_fillvalue_errors", {}),
    ("TestConvolve2d", "test_fillvalue_empty", {}),
    ("TestConvolve2d", "test_invalid_shapes", {}),
    ("TestConvolve2d", "test_invalid_dims", {}),
    ("TestFFTConvolve", "test_fft_nan", {}),
    ("TestCorrelate", "test_invalid_shapes", {}),
    ("TestCorrelate", "test_invalid_params", {}),
    ("TestCorrelate", "test_mismatched_dims", {}),
    ("TestCorrelate2d", "test_invalid_shapes", {}),
    (None, "test_correlation_lags_invalid_mode", {}),
] + [
    ("TestAllFreqConvolves", name, {"convapproach": getattr(convalg, function), **extra})
    for function in ("fftconvolve", "oaconvolve")
    for name, extra in [
        ("test_invalid_shapes", {}),
        ("test_invalid_shapes_axes", {}),
        ("test_invalid_flags", {}),
        ("test_mismatched_dims", {"a": [1], "b": 2}),
        ("test_mismatched_dims", {"a": 1, "b": [2]}),
        ("test_mismatched_dims", {"a": [3], "b": [[2]]}),
    ]
]


@pytest.fixture
def convalg_in_scipys_tests(monkeypatch):
    """scipy's test module with every function under test taken from convalg."""
    import scipy.signal

    for name in REPLACED:
        monkeypatch.setattr(scipy_tests, name, getattr(convalg, name))
    proxy = types.SimpleNamespace(
        **{name: getattr(scipy.signal, name) for name in dir(scipy.signal) if not name.startswith("__")}
    )
    for name in REPLACED:
        setattr(proxy, name, getattr(convalg, name))
    monkeypatch.setattr(scipy_tests, "signal", proxy)
    return scipy_tests


@pytest.mark.parametrize(
    ("owner", "name", "arguments"), CASES, ids=[f"{o or 'module'}.{n}-{i}" for i, (o, n, _) in enumerate(CASES)]
)
def test_scipys_own_test_passes_on_convalg(convalg_in_scipys_tests, owner, name, arguments):
    container = convalg_in_scipys_tests if owner is None else getattr(convalg_in_scipys_tests, owner)()
    test = getattr(container, name, None)
    assert test is not None, f"scipy's test {owner}.{name} is gone: update this list for its version"
    test(xp=np, **arguments)


def test_the_replacement_reaches_scipys_tests(convalg_in_scipys_tests):
    """The harness tests convalg, not scipy: convalg widens int8 where scipy wraps."""
    result = convalg_in_scipys_tests.convolve(np.array([100], np.int8), np.array([100], np.int8))
    assert result.dtype == np.int64
    assert convalg_in_scipys_tests.signal.convolve is convalg.convolve
