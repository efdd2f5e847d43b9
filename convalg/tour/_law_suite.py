"""The law suite's quick profile, run by the tour through ``convalg.testing``'s public API.

Each law says that a computed left-hand side lies within its derived error bound of the
exact right-hand side (exact equality for integers): the inputs come from
``convalg.testing.strategies``, the right-hand side from the exact oracle
``convalg.testing.reference``, the bound from ``tolerance``/``chain_tolerance`` applied to the
plan convalg actually executed, and the check from ``assert_within_bound``. Hypothesis runs
each law on every usable backend and every method, derandomised, with a few examples each.
"""

from __future__ import annotations

import traceback
import warnings
from dataclasses import dataclass, field

import numpy as np

#: The methods of ``convalg.convolve`` the suite runs through.
METHODS = ("direct", "fft", "oa", "auto")


@dataclass
class LawRun:
    """One law on one backend with one method: how many examples, which bounds, what failed."""

    law: str
    backend: str
    method: str
    examples: int = 0
    bounds: set = field(default_factory=set)
    failure: str = ""


def _flip_conj(x: np.ndarray) -> np.ndarray:
    flipped = x[(slice(None, None, -1),) * x.ndim]
    return np.conjugate(flipped) if flipped.dtype.kind == "c" else flipped


def _delta(like: np.ndarray) -> np.ndarray:
    delta = np.zeros((1,) * like.ndim, dtype=like.dtype)
    delta[(0,) * like.ndim] = 1
    return delta


def _shift(x: np.ndarray, by: int = 2) -> np.ndarray:
    return np.pad(x, [(by, 0)] + [(0, 0)] * (x.ndim - 1))


def _compute(function: str, a, b, backend: str, method: str):
    """convalg's ``function(a, b, method=method)`` on ``backend``, and the plan it executed."""
    import convalg.signal as signal
    from convalg.backends import to_numpy
    from convalg.testing import strategies

    a_b, b_b = strategies.to_backend(a, backend), strategies.to_backend(b, backend)
    result = getattr(signal, function)(a_b, b_b, method=method)
    executed = signal.plan(function, a_b, b_b, method=method)
    return np.asarray(to_numpy(result)), executed


def _law(name: str, a, b, c, backend: str, method: str):
    """(computed left side, exact right side, bound) of law ``name`` on these inputs."""
    from convalg.testing import chain_tolerance, reference, tolerance

    if name == "agreement with the exact oracle":
        result, p = _compute("convolve", a, b, backend, method)
        return result, reference(a, b), tolerance(a, b, plan=p)
    if name == "commutativity":
        result, p = _compute("convolve", b, a, backend, method)
        return result, reference(a, b), tolerance(b, a, plan=p)
    if name == "associativity":
        ab, p1 = _compute("convolve", a, b, backend, method)
        result, p2 = _compute("convolve", ab, c, backend, method)
        bound = chain_tolerance(a, b, c, intermediate=ab, plans=(p1, p2))
        return result, reference(reference(a, b), c), bound
    if name == "homogeneity (scalar 2)":
        result, p = _compute("convolve", 2 * a, b, backend, method)
        return result, 2 * reference(a, b), tolerance(2 * a, b, plan=p)
    if name == "identity (delta)":
        delta = _delta(a)
        result, p = _compute("convolve", a, delta, backend, method)
        return result, a, tolerance(a, delta, plan=p)
    if name == "translation equivariance":
        result, p = _compute("convolve", _shift(a), b, backend, method)
        return result, _shift(reference(a, b)), tolerance(_shift(a), b, plan=p)
    if name == "correlation is convolution with the flipped conjugate":
        result, p = _compute("correlate", a, b, backend, method)
        return result, reference(a, _flip_conj(b)), tolerance(a, b, op="correlation", plan=p)
    raise ValueError(f"unknown law {name!r}")


LAWS = (
    "agreement with the exact oracle",
    "commutativity",
    "associativity",
    "homogeneity (scalar 2)",
    "identity (delta)",
    "translation equivariance",
    "correlation is convolution with the flipped conjugate",
)


def run_law(name: str, backend: str, method: str, *, max_examples: int) -> LawRun:
    """Run one law with hypothesis; the failure, if any, is the shrunk counterexample's report."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from convalg.testing import assert_within_bound, strategies

    run = LawRun(name, backend, method)
    def pairs(dtype, dims):
        # Integers need the room for a chain of two products (associativity) to stay exact;
        # floats do not (the widest float cap cubed stays finite), so they keep the full range.
        chained = np.dtype(dtype).kind in "iu"
        return strategies.signal_kernel_pairs(dtype, dims=dims, max_side=6, chained=chained)

    triples = st.integers(1, 3).flatmap(
        lambda dims: strategies.dtypes().flatmap(lambda dtype: st.tuples(pairs(dtype, dims), pairs(dtype, dims)))
    )

    @settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(triples)
    def law_holds(pairs):
        (a, b), (c, _) = pairs
        result, exact, bound = _law(name, a, b, c, backend, method)
        run.examples += 1
        run.bounds.add(bound.description.split(" + ")[0].split(",")[0])
        assert_within_bound(result, exact, bound, context=f"{name}, backend={backend}, method={method}")

    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            # Overflow and underflow of huge and tiny inputs are part of what is tested.
            warnings.simplefilter("ignore", RuntimeWarning)
            law_holds()
    except Exception as exc:  # the shrunk counterexample, reported rather than raised
        notes = "\n".join(getattr(exc, "__notes__", []))
        where = "".join(traceback.format_tb(exc.__traceback__, limit=-3))
        run.failure = f"{type(exc).__name__}: {exc}\n{notes}\n{where}".strip()
    return run
