"""Shared test configuration: hypothesis profiles and the backends every test runs on.

Hypothesis profiles (choose with ``HYPOTHESIS_PROFILE=...``):

* ``ci`` -- the default when ``CI`` is set: few examples, derandomised, so CI is
  reproducible and the whole suite stays within its time budget;
* ``dev`` -- the default elsewhere: more examples, fresh randomness;
* ``thorough`` -- nightly or before a release: many more examples.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=20,
    derandomize=True,
    deadline=None,
    print_blob=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "dev",
    max_examples=60,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough",
    max_examples=1000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))


#: Markers that scipy's own test module applies at import time; tests/signal/
#: test_signal_scipy_own_tests.py imports it to run scipy's tests against convalg.
SCIPY_TEST_MARKERS = (
    "xslow",
    "xfail_on_32bit",
    "array_api_backends",
    "skip_xp_backends",
    "xfail_xp_backends",
    "fail_slow",
    "timeout",
    "parallel_threads_limit",
    "thread_unsafe",
    "iterations",
)


def pytest_configure(config):
    for name in SCIPY_TEST_MARKERS:
        config.addinivalue_line("markers", f"{name}: used by scipy's own test module")


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_auto_num_workers(config):
    """``-n auto`` (the default, pyproject.toml): every core for the suite or a folder of it, but one
    process when only single files are named, where starting the workers costs more than they save."""
    from pathlib import Path

    named = [arg.split("::")[0] for arg in config.args]
    if named and all(Path(name).is_file() for name in named):
        return 0
    return None  # xdist's own count of the cores


#: Session fixtures that take tens of seconds: under pytest-xdist (``-n auto``, ``--dist loadgroup``)
#: the tests that use one run on one worker, so that it is computed once, not once per worker.
_EXPENSIVE_SESSION_FIXTURES = ("html_site", "battery", "audit_rows", "proof_script_runs")


def pytest_collection_modifyitems(config, items):
    for item in items:
        used = [name for name in _EXPENSIVE_SESSION_FIXTURES if name in getattr(item, "fixturenames", ())]
        if used:
            # audit_rows is built from the battery: both belong together
            group = "battery" if used[0] == "audit_rows" else used[0]
            item.add_marker(pytest.mark.xdist_group(group))


def _cupy_usable() -> tuple[bool, str]:
    from convalg.backends import status

    cupy = status("cupy")  # (available() would import torch too: seconds per worker)
    return cupy.usable, cupy.detail


def _backend_params():
    import importlib.util

    usable, detail = _cupy_usable()
    # torch is found without importing it (seconds): only its tests pay for that
    torch_missing = importlib.util.find_spec("torch") is None
    return [
        pytest.param("numpy", id="numpy"),
        pytest.param("array_api_strict", id="array_api_strict"),
        pytest.param(
            "cupy",
            id="cupy",
            marks=[pytest.mark.gpu, pytest.mark.skipif(not usable, reason=detail)],
        ),
        pytest.param(
            "torch",
            id="torch",
            marks=[
                pytest.mark.torch,
                pytest.mark.skipif(torch_missing, reason="torch is not installed (pip install torch)"),
            ],
        ),
    ]


@pytest.fixture(params=_backend_params())
def backend(request) -> str:
    """The name of an array backend usable here (cupy is skipped, with its reason, without a GPU;
    torch, CPU tensors, without torch)."""
    return request.param


@pytest.fixture
def xp(backend):
    """The array namespace of ``backend`` (array-api-compat's wrapper for NumPy and CuPy)."""
    import importlib

    import array_api_compat

    module = importlib.import_module(backend)
    return array_api_compat.array_namespace(module.asarray([0]))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Skips summed up by reason, a line each (``-rs`` lists every skipped test instead)."""
    from collections import Counter

    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped or "s" in (config.option.reportchars or "").replace("a", "s"):
        return
    reasons = Counter(
        str(report.longrepr[2]).removeprefix("Skipped: ") if isinstance(report.longrepr, tuple) else "skipped"
        for report in skipped
    )
    terminalreporter.write_sep("-", f"{len(skipped)} skipped, by reason (pytest -rs lists each)")
    for reason, count in reasons.most_common(6):
        terminalreporter.write_line(f"{count:6d}  {reason[:110]}")
    if len(reasons) > 6:
        terminalreporter.write_line(f"        ... and {len(reasons) - 6} more reasons")
