"""Shared helpers of the law suite: run convalg on a backend, its plan, and law comparisons."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

import convalg.signal
from convalg import errorbounds
from convalg.backends import to_numpy
from convalg.laws.numeric import Sides, assert_sides
from convalg.signal._plan import METHODS
from convalg.testing import strategies, tolerance
from convalg.testing.strategies import to_backend

DIMS = (1, 2, 3)
MAX_SIDE = {1: 8, 2: 5, 3: 3}
# overlap-add only blocks a signal much longer than its kernel
OA_SHAPES = {1: ((40,), (3,)), 2: ((20, 20), (3, 3)), 3: ((12, 12, 12), (2, 2, 2))}


def examples(fraction: float = 1.0, *, shrink: bool = True):
    """Settings with a fraction of the active profile's examples (ci: few, thorough: many)."""
    # the `backend` fixture is a plain string: nothing to reset between examples
    checks = list(settings.default.suppress_health_check) + [HealthCheck.function_scoped_fixture]
    phases = [p for p in settings.default.phases if shrink or p not in (Phase.shrink, Phase.explain)]
    return settings(
        max_examples=max(3, int(settings.default.max_examples * fraction)), suppress_health_check=checks, phases=phases
    )


def cases(*, kinds: str = "ifc", chained: bool = False, magnitude: str = "wide"):
    """(signal, kernel) of a drawn dtype and dimension, with edge values."""
    return st.tuples(strategies.dtypes(kinds), st.sampled_from(DIMS)).flatmap(
        lambda dd: strategies.signal_kernel_pairs(
            dd[0], dims=dd[1], max_side=MAX_SIDE[dd[1]], chained=chained, magnitude=magnitude
        )
    )


def oa_pairs(kinds: str = "ifc", *, chained: bool = False):
    """Long 1-D signals with short kernels, so that method='oa' really blocks."""

    def pair(d):
        values = strategies.elements(d, max_terms=4, chained=chained)
        return st.tuples(
            strategies.hnp.arrays(d, st.integers(32, 40), elements=values),
            strategies.hnp.arrays(d, st.integers(2, 4), elements=values),
        )

    return strategies.dtypes(kinds).flatmap(pair)


def method_and_pair(data, **kwargs):
    """Draw a method, then inputs suited to it (overlap-add needs long signals)."""
    method = data.draw(st.sampled_from(METHODS), label="method")
    if method == "oa":
        pair = data.draw(oa_pairs(kwargs.get("kinds", "ifc"), chained=kwargs.get("chained", False)), label="pair")
    else:
        pair = data.draw(cases(**kwargs), label="pair")
    return method, pair


def run(function: str, a: np.ndarray, b: np.ndarray, backend: str, **kwargs):
    """convalg.signal.<function> on ``backend``: the result as NumPy, and the plan it executed."""
    xa, xb = to_backend(a, backend), to_backend(b, backend)
    out = getattr(convalg.signal, function)(xa, xb, **kwargs)
    assert type(out).__module__.split(".")[0] == ("numpy" if backend == "numpy" else backend)
    plan = convalg.signal.plan(function, xa, xb, **kwargs)
    return np.asarray(to_numpy(out)), plan


def bound_of(a, b, plan, *, op: str = "convolution", mode: str = "full") -> errorbounds.Bound:
    return tolerance(a, b, op=op, mode=mode, plan=plan)


def assert_law(lhs, rhs, lhs_bound, rhs_bound, *, law: str) -> None:
    """Both sides of a law are within their bounds of the same exact value: they differ by at most the sum."""
    assert_sides(Sides(lhs, rhs, lhs_bound, rhs_bound), law=law)
