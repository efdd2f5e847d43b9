"""The device an array lives on, so that new arrays are made next to their inputs."""

from __future__ import annotations

from typing import Any


def device(x: Any) -> Any:
    """The array API device of ``x`` (``'cpu'`` for NumPy; the GPU of a CuPy array).

    Examples
    --------
    >>> import numpy as np
    >>> device(np.ones(2))
    'cpu'
    """
    import array_api_compat

    return array_api_compat.device(x)
