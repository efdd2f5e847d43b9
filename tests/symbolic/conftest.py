"""Fixtures for the symbolic tests: the battery of every named law, computed once per session."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def battery():
    """``(law, dims, verdict, seconds)`` for every named law, operator and dimension."""
    from convalg.symbolic.decide import battery as run_battery

    return run_battery()


@pytest.fixture(scope="session")
def audit_rows():
    """convalg's verdicts on the notes' claims."""
    from convalg.symbolic.notes import audit

    return audit()
