"""A pytest plugin that puts convalg's functions in place of scipy.signal's, for scipy's own tests.

Loaded with ``-p convalg_in_scipy`` by :mod:`run_scipy_suite` in a subprocess whose rootdir is
the installed scipy (so scipy's ``conftest.py``, its ``xp`` fixture and its ``-b`` backends are
in effect). It must act before ``test_signaltools.py`` is imported, because that module binds
the functions by name (``from scipy.signal import convolve``) and builds its skip/xfail markers
from scipy's capability table when its classes are defined (``@make_xp_test_case(convolve)``):

* every replaced name in ``scipy.signal`` is rebound to convalg's function, so both the
  module's names and ``signal.<name>`` reach convalg;
* convalg's functions are registered in scipy's capability table with **no** skipped or
  xfailed backend and without dask compute allowed, so the markers that record *scipy's*
  limitations (``cpu_only``, "oaconvolve: wrong answer" on dask) do not hide convalg's, and
  a dask call that computes its graph eagerly fails (one exception: :data:`CAPABILITIES`).

Markers written on scipy's test methods themselves stay: they are part of the test.
"""

from __future__ import annotations

import json

import pytest
import scipy.signal

import convalg.signal

#: The functions convalg provides under scipy.signal's names (all of convalg.signal's but ``plan``).
REPLACED = tuple(name for name in convalg.signal.__all__ if hasattr(scipy.signal, name))


#: The one capability that is not "every backend": scipy's test_correlation_lags builds its
#: inputs with NumPy whatever the backend and checks that the lags are an array of that backend,
#: which no function taking two integers can know (scipy's own correlation_lags is NumPy-only for
#: the same reason). convalg's takes ``backend=`` instead; tests/signal checks it.
CAPABILITIES = {
    "correlation_lags": {
        "np_only": True,
        "reason": "two integers name no array library (convalg's correlation_lags takes backend=)",
    },
}


def install() -> None:
    """Rebind scipy.signal's names to convalg and register convalg's capabilities with scipy."""
    from scipy._lib._array_api import xp_capabilities

    for name in REPLACED:
        function = getattr(convalg.signal, name)
        docstring = function.__doc__
        xp_capabilities(**CAPABILITIES.get(name, {"allow_dask_compute": False}))(function)
        function.__doc__ = docstring  # scipy's decorator appends a support table to it
        setattr(scipy.signal, name, function)


def pytest_addoption(parser):
    parser.addoption(
        "--convalg-outcomes",
        metavar="PATH",
        help="write every test's outcome and failure message to PATH (JSON lines)",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    install()
    path = config.getoption("--convalg-outcomes")
    if path and not hasattr(config, "workerinput"):  # pytest-xdist workers report to the controller
        config.pluginmanager.register(_OutcomeWriter(path), "convalg-outcomes")


class _OutcomeWriter:
    """One JSON line per test phase that did not simply pass: id, outcome and message (or skip reason).

    A test's call phase is always written; a failing teardown adds a second line for the same id.
    """

    def __init__(self, path: str):
        self._file = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed at session end

    def pytest_runtest_logreport(self, report):
        if report.passed and report.when != "call":
            return
        if hasattr(report, "wasxfail"):
            outcome = "xfailed" if report.skipped else "xpassed"
        else:
            outcome = report.outcome
        if report.failed:
            crash = getattr(report.longrepr, "reprcrash", None)
            message = crash.message if crash is not None else str(report.longrepr)
        elif report.skipped and isinstance(report.longrepr, tuple):
            message = report.longrepr[2]  # (path, line, reason)
        else:
            message = getattr(report, "wasxfail", "")
        record = {"test": report.nodeid.split("::", 1)[1], "outcome": outcome, "message": message[:2000]}
        self._file.write(json.dumps(record) + "\n")

    def pytest_sessionfinish(self):
        self._file.close()
