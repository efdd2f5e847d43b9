"""The soundness gate: a prover's mistake becomes UNKNOWN with the reason, never a wrong verdict."""

from __future__ import annotations

from convalg.symbolic import check, decide
from convalg.symbolic.gate import Recheck, recheck_proof
from convalg.symbolic.language import parse
from convalg.symbolic.search import find_counterexample
from convalg.symbolic.verdict import Proof


def _bogus_proof(statement, dims):
    """A 'verified' proof of anything: what a prover with a bug would return."""
    return Proof(claim=str(statement), method="generating functions", sides=[], labels=[], meet=True, meet_how="a bug")


def test_a_proof_the_independent_evaluation_contradicts_is_unknown(monkeypatch):
    monkeypatch.setattr(decide, "by_generating_functions", _bogus_proof)
    verdict = check("circ(f, delta, 3) == f", certify=False)
    assert verdict.status == "unknown"
    assert "a proof checked, but the independent evaluation contradicts it" in verdict.reason
    assert verdict.recheck.contradiction


def test_the_recheck_reaches_past_n_the_shifts_and_the_certificate(monkeypatch):
    # the statement, false only for inputs longer than 40: the re-check's long and sparse
    # instances see it (f = e_40 makes the sides delta and 0)
    statement = parse(
        "circ(hadamard(f, shift(delta, 40)), delta, 40) == circ(hadamard(f, shift(delta, 80)), delta, 40)"
    )
    assert not recheck_proof(statement, 1).agrees


def test_a_counterexample_the_independent_evaluation_does_not_confirm_is_unknown(monkeypatch):
    statement = "g*f == f*g"  # true, and not the law (whose recipe would prove it)
    fake, _ = find_counterexample(parse("f*(g+h) == (f*g)+(f*g)"))
    fake.sequences, fake.scalars, fake.parameters = {"f": [1, 2], "g": [3]}, {}, {}
    fake.sides = [((0,), [3, 6]), ((0,), [3, 7])]  # what a buggy evaluator might claim

    def no_proof(statement, dims):
        proof = _bogus_proof(statement, dims)
        proof.meet = False
        return proof

    monkeypatch.setattr(decide, "by_generating_functions", no_proof)
    monkeypatch.setattr(decide, "find_counterexample", lambda *args, **kwargs: (fake, 1))
    verdict = check(statement, certify=False)
    assert verdict.status == "unknown"
    assert "the independent evaluation does not confirm it" in verdict.reason


def test_a_proof_the_certificate_contradicts_is_unknown_and_says_where(monkeypatch):
    monkeypatch.setattr(decide, "by_generating_functions", _bogus_proof)
    monkeypatch.setattr(decide, "recheck_proof", lambda *args, **kwargs: Recheck(True, 1, 0))
    verdict = check("corr(f, g) == corr(g, f)")
    assert verdict.status == "unknown"
    assert "the exhaustive certificate failed" in verdict.reason and "sides differ" in verdict.reason


def test_a_recheck_that_cannot_run_leaves_a_proof_unknown():
    verdict = check("dft(f, 1000000000) == dft(f, 1000000000)", certify=False)
    assert verdict.status == "unknown" and "could not run" in verdict.reason
    assert verdict.proof.verified  # the proof itself was fine: only its confirmation is missing
