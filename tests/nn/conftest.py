"""Fixtures of the nn tests: a seeded generator and a backend-array converter."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(20240212)
