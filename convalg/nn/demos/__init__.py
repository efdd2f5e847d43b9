"""The ERM demos of ``convalg learn DEMO``: edges, channels, digits, params (each importable).

Each demo module has ``run(out, *, backend=None, quick=False, seed=0) -> dict`` that writes PNG
figures, ``report.txt`` and ``report.json`` into ``out`` and returns the report, whose
``holds`` entry says whether the demo's promises were kept.

Examples
--------
>>> from convalg.nn import demos
>>> sorted(demos.DEMOS)
['channels', 'digits', 'edges', 'params']
"""

from __future__ import annotations

import importlib

__all__ = ["DEMOS", "run"]

#: demo name -> one-line description
DEMOS = {
    "edges": "gradient descent recovers [1,-1], Sobel and Laplacian kernels from a photograph (= least squares)",
    "channels": "a 3-in, 2-out layer learns horizontal and vertical edges from an RGB photograph",
    "digits": "a small CNN reaches >= 97% test accuracy on scikit-learn's digits in under a minute",
    "params": "conv vs dense parameter counts; conv equals dense with a doubly block Toeplitz weight",
}


def run(name: str, out, *, backend=None, quick=False, seed=0, progress=False) -> dict:
    """Run the demo ``name`` (one of :data:`DEMOS`) into the folder ``out``; return its report.

    ``progress`` shows a progress bar where a demo trains for long (``digits``).
    """
    if name not in DEMOS:
        raise ValueError(f"demo must be one of {sorted(DEMOS)}; got {name!r}")
    module = importlib.import_module(f"convalg.nn.demos.{name}")
    options = dict(progress=progress) if name == "digits" else {}
    return module.run(out, backend=backend, quick=quick, seed=seed, **options)
