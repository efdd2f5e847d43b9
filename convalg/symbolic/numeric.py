"""Numeric re-check of the multi-channel layer law on convalg's own NumPy backend.

The counterexample to commutativity of multi-channel composition is composed both ways with
``convalg.convolve`` on int64 data (exact), so the library itself confirms it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["recheck_layers"]


def recheck_layers(example: dict) -> str:
    """Compose two 2-channel layers of length-1 kernels both ways with ``convalg.convolve``.

    Examples
    --------
    >>> from convalg.symbolic.numeric import recheck_layers
    >>> example = {"U": [[0, 0], [0, 1]], "V": [[0, 0], [1, 0]], "UV": [[0, 0], [1, 0]], "VU": [[0, 0], [0, 0]]}
    >>> recheck_layers(example).split(" ")[0]
    'confirmed'
    """
    import convalg

    def compose(a, b):
        channels = len(a)
        out = [[np.zeros(1) for _ in range(channels)] for _ in range(channels)]
        for o in range(channels):
            for c in range(channels):
                for j in range(channels):
                    out[o][c] = out[o][c] + np.asarray(
                        convalg.convolve(
                            np.array([a[o][j]], dtype=np.int64), np.array([b[j][c]], dtype=np.int64), method="direct"
                        )
                    )
        return [[int(x[0]) for x in row] for row in out]

    uv, vu = compose(example["U"], example["V"]), compose(example["V"], example["U"])
    same = uv == example["UV"] and vu == example["VU"]
    return (
        f"{'confirmed' if same and uv != vu else 'NOT confirmed'} with convalg.convolve (NumPy backend, "
        f"int64, exact): U o V = {uv}, V o U = {vu}"
    )
