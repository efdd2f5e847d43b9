"""The law suite's quick profile, run by the tour: every law of the registry that has a numeric check.

Each law of :mod:`convalg.laws` with a :class:`~convalg.laws.numeric.NumericCheck` computes
both of its sides with convalg and holds each to its derived error bound of the exact value
(exact equality for integers). Hypothesis draws the operands
(:func:`convalg.laws.numeric.operands`, built on ``convalg.testing.strategies``) and runs each
law on every usable backend and every method, derandomised, with a few examples each.
"""

from __future__ import annotations

import traceback
import warnings
from dataclasses import dataclass, field

import numpy as np

from convalg.laws import Law, numeric


@dataclass
class LawRun:
    """One law on one backend with one method: how many examples, which bounds, what failed."""

    law: str
    backend: str
    method: str
    examples: int = 0
    bounds: set = field(default_factory=set)
    failure: str = ""


def _kind(bound) -> str:
    return bound.description.split(" + ")[0].split(",")[0]


def run_law(law: Law, backend: str, method: str, *, max_examples: int) -> LawRun:
    """Run one law's numeric check with hypothesis; the failure, if any, is the shrunk counterexample's report."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from convalg.testing import strategies

    run = LawRun(law.key, backend, method)
    check = law.numeric
    if check is None:
        raise ValueError(f"law {law.key!r} has no numeric check to run")
    cases = st.integers(1, 3).flatmap(
        lambda dims: strategies.dtypes().flatmap(
            lambda dtype: numeric.operands(
                dtype, 1 if method == "oa" else dims, method=method, chained=check.chained, max_side=6
            )
        )
    )
    compute = numeric.computer(backend, method)

    @settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        report_multiple_bugs=False,  # one shrunk counterexample per run is the report
        suppress_health_check=list(HealthCheck),
    )
    @given(cases)
    def law_holds(ops):
        sides = check.run(ops, compute, context=f"{law.key}, backend={backend}, method={method}")
        run.examples += 1
        run.bounds.update(
            _kind(b) for b in (sides.lhs_bound, sides.rhs_bound) if b.kind != "exact" or b is sides.lhs_bound
        )

    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            # Overflow and underflow of huge and tiny inputs are part of what is tested.
            warnings.simplefilter("ignore", RuntimeWarning)
            law_holds()
    except Exception as exc:  # noqa: BLE001 - the shrunk counterexample, reported rather than raised
        notes = "\n".join(getattr(exc, "__notes__", []))
        where = "".join(traceback.format_tb(exc.__traceback__, limit=-3))
        run.failure = f"{type(exc).__name__}: {exc}\n{notes}\n{where}".strip()
    return run
