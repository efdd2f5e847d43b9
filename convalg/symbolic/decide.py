"""Decide a statement: prove it, refute it with the smallest counterexample, or say why not.

The order of attempts, each sound on its own:

1. a named law with a sum-rewriting recipe whose statement is this one: the recipe's proof;
2. generating functions (a decision procedure for the fragment without truncated modes);
3. the counterexample search (exact), re-checked numerically on convalg's NumPy backend;
4. otherwise ``unknown``, with the exhaustive symbolic certificate as the evidence there is.

``proved`` is returned only for a proof whose every step sympy checked.
"""

from __future__ import annotations

import time

from convalg.symbolic import laws as _laws
from convalg.symbolic.certificate import exhaustive_check
from convalg.symbolic.gf import NotAlgebraic
from convalg.symbolic.language import Statement, parse
from convalg.symbolic.proof import Verdict, by_generating_functions, by_rewriting
from convalg.symbolic.search import find_counterexample

__all__ = ["check", "prove_law", "battery"]


def check(
    statement: str | Statement,
    dims: int = 1,
    *,
    certify: bool = True,
    numeric: bool = True,
    recipe=None,
    law: str | None = None,
) -> Verdict:
    """Prove or refute an identity written in the statement language.

    Parameters
    ----------
    statement : str
        For example ``"f*(g+h) == f*g + f*h"`` (see :mod:`convalg.symbolic.language`).
    dims : {1, 2}
        Whether the sequences live on Z or on Z^2.
    certify : bool
        Also run the exhaustive symbolic check (the second, independent certificate) on a
        proved statement. (It always runs when neither a proof nor a counterexample is found.)
    numeric : bool
        Re-check a counterexample numerically with ``convalg.convolve``/``convalg.correlate``.

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
    >>> verdict = check("f*(g+h) == (f*g)+(f*g)", numeric=False)
    >>> verdict.status, verdict.counterexample.sequences
    ('refuted', {'f': [1], 'g': [0], 'h': [1]})
    """
    parsed = statement if isinstance(statement, Statement) else parse(statement, dims)
    if recipe is None and law is None:
        law_entry = _matching_law(parsed, dims)
        if law_entry is not None:
            recipe, law = law_entry.recipe, law_entry.key
    reasons = []
    if recipe is not None:
        proof = by_rewriting(parsed, dims, recipe)
        if proof.verified:
            certificate = exhaustive_check(parsed, dims) if certify else None
            return _proved(parsed, dims, proof, certificate, law)
        reasons.append("the sum-rewriting recipe did not go through: " + "; ".join(proof.failures()))
    try:
        proof = by_generating_functions(parsed, dims)
    except NotAlgebraic as error:
        reasons.append(str(error))
    else:
        if proof.verified:
            certificate = exhaustive_check(parsed, dims) if certify else None
            return _proved(parsed, dims, proof, certificate, law)
        reasons.append("the generating functions differ (" + proof.meet_how + ")")
    found, tried = find_counterexample(parsed, dims)
    certificate = None
    if found is None:
        # run even when certify is False: a failing certificate locates a counterexample
        certificate = exhaustive_check(parsed, dims)
        if not certificate.holds:
            # the certificate knows a size at which the sides differ: search integers there
            found, more = find_counterexample(
                parsed, dims, shapes=certificate.failing_shapes,
                parameters=dict(certificate.failing_parameters), max_candidates=20_000,
            )
            tried += more
    if found is not None:
        from convalg.symbolic.direct import evaluate_by_definition

        found.direct = evaluate_by_definition(parsed, found)
        if numeric and parsed.sides[0].kind == "seq":  # scalar identities involve no convolution
            from convalg.symbolic.numeric import recheck

            found.numeric = recheck(parsed, found)
        return Verdict(str(parsed), dims, "refuted", counterexample=found, law=law, certificate=certificate,
                       reason=f"counterexample found after {tried} candidates")
    reasons.append(f"no counterexample among {tried} candidates")
    if certificate is not None:
        reasons.append(str(certificate))
    return Verdict(str(parsed), dims, "unknown", certificate=certificate, reason="; ".join(reasons), law=law)


def _proved(parsed, dims, proof, certificate, law) -> Verdict:
    if certificate is not None and not certificate.holds:
        # a verified proof and a failing certificate contradict each other: claim nothing, but
        # say where the sides differ (the certificate's size, searched for integers)
        found, _ = find_counterexample(
            parsed, dims, shapes=certificate.failing_shapes,
            parameters=dict(certificate.failing_parameters), max_candidates=20_000,
        )
        where = f"; at that size the sides differ for {found.describe()!r}" if found is not None else ""
        return Verdict(str(parsed), dims, "unknown", proof=proof, certificate=certificate, law=law,
                       reason="the proof checked but the exhaustive certificate failed: " + str(certificate) + where)
    return Verdict(str(parsed), dims, "proved", proof=proof, certificate=certificate, law=law)


def _matching_law(parsed: Statement, dims: int):
    for entry in _laws.LAWS:
        if entry.statement is None or entry.recipe is None or dims not in entry.dims:
            continue
        if parse(entry.text(dims), dims).sides == parsed.sides:
            return entry
    return None


def prove_law(name: str, operator: str = "convolution", dims: int = 1, *, certify: bool = True,
              numeric: bool = True) -> Verdict:
    """The verdict on a named law (see :mod:`convalg.symbolic.laws`).

    Examples
    --------
    >>> from convalg.symbolic import prove_law
    >>> prove_law("associativity", "correlation", numeric=False).status
    'refuted'
    """
    entry = _laws.find(name, operator)
    if dims not in entry.dims:
        raise ValueError(f"law {entry.key} is stated for dims {entry.dims}, got dims={dims!r}")
    if entry.custom is not None:
        from convalg.symbolic import extra

        return getattr(extra, entry.custom)(dims, numeric=numeric)
    return check(entry.text(dims), dims, certify=certify, numeric=numeric, recipe=entry.recipe, law=entry.key)


def battery(operators=_laws.OPERATORS, dims=(1, 2), *, certify: bool = True, numeric: bool = True):
    """Every named law for ``operators`` in ``dims``: a list of ``(law, dims, verdict, seconds)``.

    Examples
    --------
    >>> from convalg.symbolic import battery
    >>> results = battery(operators=("circular",), dims=(1,), certify=False, numeric=False)
    >>> all(verdict.status == law.expected for law, _, verdict, _ in results)
    True
    """
    results = []
    for entry in _laws.LAWS:
        if entry.operator not in operators:
            continue
        for d in dims:
            if d not in entry.dims:
                continue
            started = time.perf_counter()
            verdict = prove_law(entry.name, entry.operator, d, certify=certify, numeric=numeric)
            results.append((entry, d, verdict, time.perf_counter() - started))
    return results
