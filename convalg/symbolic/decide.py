"""Decide a statement: prove it, refute it with a small counterexample, or say why not.

The attempts, each sound on its own:

1. a named law with a sum-rewriting recipe whose statement is this one: the recipe's proof;
2. generating functions (a decision procedure for the fragment without truncated modes);
3. the counterexample search (exact);
4. otherwise ``unknown``, with the exhaustive symbolic certificate as the evidence there is.

Every verdict then passes the soundness gate (:mod:`convalg.symbolic.gate`): ``proved`` only
when the independent evaluator agrees on random instances, ``refuted`` only when it confirms
the counterexample; otherwise ``unknown`` with the reason. The whole decision is bounded by
``timeout`` seconds.
"""

from __future__ import annotations

import time

import convalg.laws as _laws  # the registry; read at call time (it imports the provers)
from convalg.symbolic.budget import Budget, OutOfBudget
from convalg.symbolic.certificate import exhaustive_check
from convalg.symbolic.evaluate import TooLarge
from convalg.symbolic.finite import Unbounded, decide_finite
from convalg.symbolic.gate import recheck_proof
from convalg.symbolic.gf import NotAlgebraic
from convalg.symbolic.language import Statement, parse
from convalg.symbolic.proof import by_finite_evaluation, by_generating_functions, by_rewriting
from convalg.symbolic.reference import confirm
from convalg.symbolic.search import counterexample_from, find_counterexample, probe
from convalg.symbolic.verdict import Verdict

__all__ = ["check", "prove_law", "battery", "DEFAULT_TIMEOUT"]

DEFAULT_TIMEOUT = 60.0


def check(
    statement: str | Statement,
    dims: int = 1,
    *,
    certify: bool = True,
    recipe=None,
    law: str | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> Verdict:
    """Prove or refute an identity written in the statement language.

    Parameters
    ----------
    statement : str
        For example ``"f*(g+h) == f*g + f*h"`` (see :mod:`convalg.symbolic.language`).
    dims : {1, 2}
        Whether the sequences live on Z or on Z^2.
    certify : bool
        Also run the exhaustive symbolic check (a further certificate) on a proved statement.
        (It also runs when neither a proof nor a counterexample is found.)
    timeout : float or None
        Seconds the decision may take (checked in every loop); past it the verdict is
        ``unknown`` with the reason. None: no limit.

    Returns
    -------
    Verdict
        ``status`` is ``'proved'``, ``'refuted'`` or ``'unknown'``.

    Raises
    ------
    convalg.symbolic.StatementError
        For a malformed statement (a ``ValueError`` with the position of the error).

    Examples
    --------
    >>> from convalg.symbolic import check
    >>> check("f*g == g*f", certify=False).status
    'proved'
    >>> verdict = check("f*(g+h) == (f*g)+(f*g)")
    >>> verdict.status, verdict.counterexample.sequences
    ('refuted', {'f': [1], 'g': [0], 'h': [1]})
    """
    parsed = statement if isinstance(statement, Statement) else parse(statement, dims)
    if timeout is not None and not (isinstance(timeout, (int, float)) and timeout > 0):
        raise ValueError(f"timeout must be a positive number of seconds or None, got {timeout!r}")
    if recipe is None and law is None:
        law_entry = _matching_law(parsed, dims)
        if law_entry is not None:
            recipe, law = law_entry.recipe, law_entry.key
    budget = Budget(timeout)
    try:
        return _decide(parsed, dims, certify, recipe, law, budget)
    except OutOfBudget as error:
        return Verdict(str(parsed), dims, "unknown", law=law, reason=str(error))


def _decide(parsed, dims, certify, recipe, law, budget) -> Verdict:
    reasons = []
    if recipe is not None:
        proof = by_rewriting(parsed, dims, recipe)
        if proof.verified:
            return _proved(parsed, dims, proof, certify, law, budget)
        reasons.append("the sum-rewriting recipe did not go through: " + "; ".join(proof.failures()))
    try:
        proof = by_generating_functions(parsed, dims)
    except NotAlgebraic as error:
        reasons.append(str(error))
    else:
        if proof.verified:
            return _proved(parsed, dims, proof, certify, law, budget)
        reasons.append("the generating functions differ (" + proof.meet_how + ")")
    budget.check("the proof attempts")
    if not parsed.names("param"):
        try:
            outcome = decide_finite(parsed, dims, budget=budget)
        except (Unbounded, TooLarge) as error:
            reasons.append(f"no decision on finitely many entries: {error}")
        else:
            if outcome.holds:
                return _proved(parsed, dims, by_finite_evaluation(parsed, dims, outcome), certify, law, budget)
            if outcome.witness is not None:
                sequences, scalars = outcome.witness
                example = counterexample_from(parsed, dims, sequences, scalars, {}, budget=budget, origin=_FROM_FINITE)
                return _refuted(
                    parsed,
                    dims,
                    example,
                    law,
                    None,
                    "the exact evaluation on finitely many entries differs; counterexample made small",
                )
    tried = 0
    try:
        found, tried = find_counterexample(
            parsed, dims, budget=budget, max_candidates=_SMALL_SEARCH[dims], max_work=_SMALL_WORK
        )
        if found is None:
            found, probes = probe(parsed, dims, budget=budget)
            tried += probes
    except TooLarge as error:
        found = None
        reasons.append(f"the counterexample search stopped: {error}")
    if found is None and parsed.names("param"):
        found = _refute_at_parameter_values(parsed, dims, budget, reasons)
    certificate = None
    if found is None:
        # run even when certify is False: a failing certificate locates a counterexample
        certificate = exhaustive_check(parsed, dims, budget=budget.share(0.5, at_most=20.0))
        if not certificate.holds:
            # the certificate knows a size at which the sides differ: search integers there
            try:
                found, more = find_counterexample(
                    parsed,
                    dims,
                    shapes=certificate.failing_shapes,
                    parameters=dict(certificate.failing_parameters),
                    max_candidates=20_000,
                    budget=budget,
                )
                tried += more
            except TooLarge as error:
                reasons.append(f"the search at the certificate's size stopped: {error}")
    if found is not None:
        return _refuted(parsed, dims, found, law, certificate, f"counterexample found after {tried} candidates")
    reasons.append(f"no counterexample among {tried} candidates")
    if certificate is not None:
        reasons.append(str(certificate))
    return Verdict(str(parsed), dims, "unknown", certificate=certificate, reason="; ".join(reasons), law=law)


_FROM_FINITE = "made small from entries where the exact evaluation on finitely many entries differs"
# the exhaustive small search (candidates, exact products) before the random probes
_SMALL_SEARCH = {1: 3000, 2: 1500}
_SMALL_WORK = 150_000


def _refute_at_parameter_values(parsed, dims, budget, reasons):
    """Decide the statement exactly at small values of its parameters: a difference at one of
    them refutes it (the statement claims every value)."""
    from itertools import product

    from convalg.symbolic.instances import parameter_domain

    names = parsed.names("param")
    domains = [parameter_domain(name) for name in names]
    tried = 0
    for values in product(*domains):
        if tried >= 24:
            break
        tried += 1
        budget.check("the decision at parameter values")
        parameters = dict(zip(names, values))
        try:
            outcome = decide_finite(parsed, dims, parameters, budget=budget)
        except (Unbounded, TooLarge) as error:
            reasons.append(f"no decision on finitely many entries at parameter values: {error}")
            return None
        if not outcome.holds and outcome.witness is not None:
            sequences, scalars = outcome.witness
            return counterexample_from(parsed, dims, sequences, scalars, parameters, budget=budget, origin=_FROM_FINITE)
    reasons.append(
        f"exact evaluation on finitely many entries: holds at the first {tried} values of "
        f"{', '.join(names)} (not a proof for every value)"
    )
    return None


def _refuted(parsed, dims, found, law, certificate, reason) -> Verdict:
    """The gate for a refutation: the independent evaluation must confirm the counterexample."""
    found.confirmation = confirm(parsed, found)
    if not found.confirmation.confirmed:
        return Verdict(
            str(parsed),
            dims,
            "unknown",
            counterexample=found,
            law=law,
            certificate=certificate,
            reason="a counterexample was found but the independent evaluation does not confirm it: "
            f"{found.confirmation}",
        )
    return Verdict(str(parsed), dims, "refuted", counterexample=found, law=law, certificate=certificate, reason=reason)


def _proved(parsed, dims, proof, certify, law, budget) -> Verdict:
    """The gate for a proof: the independent re-check (and the certificate, if asked) must agree."""
    recheck = recheck_proof(parsed, dims, deadline=budget)
    if not recheck.agrees:
        why = (
            f"the independent evaluation contradicts it: {recheck}"
            if recheck.contradiction
            else f"the independent re-check could not run: {recheck.reason}"
        )
        return Verdict(
            str(parsed), dims, "unknown", proof=proof, recheck=recheck, law=law, reason="a proof checked, but " + why
        )
    certificate = exhaustive_check(parsed, dims, budget=budget.share(0.5, at_most=20.0)) if certify else None
    if certificate is not None and not certificate.holds and not certificate.stopped:
        # a verified proof and a failing certificate contradict each other: claim nothing, but
        # say where the sides differ (the certificate's size, searched for integers)
        try:
            found, _ = find_counterexample(
                parsed,
                dims,
                shapes=certificate.failing_shapes,
                parameters=dict(certificate.failing_parameters),
                max_candidates=20_000,
                budget=budget,
            )
        except TooLarge:
            found = None
        where = f"; at that size the sides differ for {found.describe()!r}" if found is not None else ""
        return Verdict(
            str(parsed),
            dims,
            "unknown",
            proof=proof,
            certificate=certificate,
            recheck=recheck,
            law=law,
            reason="the proof checked but the exhaustive certificate failed: " + str(certificate) + where,
        )
    return Verdict(str(parsed), dims, "proved", proof=proof, certificate=certificate, recheck=recheck, law=law)


def _matching_law(parsed: Statement, dims: int):
    for entry in _laws.LAWS:
        if entry.statement is None or entry.recipe is None or dims not in entry.dims:
            continue
        if parse(entry.text(dims), dims).sides == parsed.sides:
            return entry
    return None


def prove_law(
    name: str,
    operator: str = "convolution",
    dims: int = 1,
    *,
    certify: bool = True,
    numeric: bool = True,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> Verdict:
    """The verdict on a named law of the registry :mod:`convalg.laws`.

    ``numeric`` runs the numeric parts of the laws that have them (the multi-channel layers
    composed with ``convalg.convolve``).

    Examples
    --------
    >>> from convalg.symbolic import prove_law
    >>> prove_law("associativity", "correlation", numeric=False).status
    'refuted'
    """
    entry = _laws.find(name, operator)
    if dims not in entry.dims:
        raise ValueError(f"law {entry.key} is stated for dims {entry.dims}, got dims={dims!r}")
    if entry.prover is not None:
        return entry.prover(dims, numeric=numeric)
    return check(entry.text(dims), dims, certify=certify, recipe=entry.recipe, law=entry.key, timeout=timeout)


def battery(
    operators=None, dims=(1, 2), *, certify: bool = True, numeric: bool = True, timeout: float | None = DEFAULT_TIMEOUT
):
    """Every named law for ``operators`` (default: all) in ``dims``: a list of ``(law, dims, verdict, seconds)``.

    Examples
    --------
    >>> from convalg.symbolic import battery
    >>> results = battery(operators=("circular",), dims=(1,), certify=False, numeric=False)
    >>> all(verdict.status == law.expected for law, _, verdict, _ in results)
    True
    """
    results = []
    operators = _laws.OPERATORS if operators is None else operators
    for entry in _laws.LAWS:
        if entry.operator not in operators:
            continue
        for d in dims:
            if d not in entry.dims:
                continue
            started = time.perf_counter()
            verdict = prove_law(entry.name, entry.operator, d, certify=certify, numeric=numeric, timeout=timeout)
            results.append((entry, d, verdict, time.perf_counter() - started))
    return results
