"""Fixtures for the symbolic tests: the battery of every named law and the proof-script runs.

The proof scripts run as subprocesses; they are started as soon as collection finds their
tests, so that they run beside the other tests instead of after them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = sorted((Path(__file__).resolve().parents[2] / "proofs").glob("*.py"))
_RUNNING: dict = {}


def _start_proof_scripts() -> None:
    # the larger certificates (equal lengths up to 32) are what the scripts add on demand;
    # here they are skipped (CONVALG_PROOF_SIZE=0): the battery checks the certificates once
    env = {**os.environ, "CONVALG_PROOF_SIZE": "0"}
    for script in SCRIPTS:
        if script.stem not in _RUNNING:
            _RUNNING[script.stem] = subprocess.Popen(
                [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
            )


def pytest_collection_finish(session) -> None:
    if session.config.option.collectonly:
        return
    if any(item.nodeid.split("::")[0].endswith("test_proof_scripts.py") for item in session.items):
        _start_proof_scripts()


@pytest.fixture(scope="session")
def proof_script_runs():
    """``{script name: ((stdout, stderr), returncode)}`` for every script in proofs/."""
    _start_proof_scripts()
    return {name: (process.communicate(timeout=600), process.returncode) for name, process in _RUNNING.items()}


@pytest.fixture(scope="session")
def battery():
    """``(law, dims, verdict, seconds)`` for every named law, operator and dimension."""
    from convalg.symbolic.decide import battery as run_battery

    return run_battery()


@pytest.fixture(scope="session")
def audit_rows(battery):
    """convalg's verdicts on the notes' claims (reusing the battery's verdicts)."""
    from convalg.symbolic.notes import audit

    return audit(verdicts={(law.key, dims): verdict for law, dims, verdict, _ in battery})
