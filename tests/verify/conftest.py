"""Fixtures for the verify tests: the torch wrapper documented in convalg.testing.verify."""

from __future__ import annotations

import pytest


@pytest.fixture
def torch_conv1d():
    """torch.nn.functional.conv1d as fn(signal, kernel) on 1-D NumPy arrays (the documented wrapper)."""
    torch = pytest.importorskip("torch", reason="torch is an optional oracle (pip install 'convalg[torch]')")
    from torch.nn.functional import conv1d

    def wrapped(signal, kernel):
        x = torch.from_numpy(signal)[None, None, :]  # (N=1, C=1, L)
        w = torch.from_numpy(kernel)[None, None, :]  # (out_channels=1, in_channels=1, K)
        return conv1d(x, w)[0, 0].numpy()

    return wrapped
