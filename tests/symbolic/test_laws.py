"""Every named law gets the verdict convalg states, with evidence that could have failed."""

from __future__ import annotations

import pytest

from convalg.symbolic import extra
from convalg.symbolic.laws import LAWS, OPERATORS, find, names


def test_the_battery_covers_every_law_for_every_operator_in_one_and_two_dimensions(battery):
    covered = {(law.operator, law.name, dims) for law, dims, _, _ in battery}
    assert covered == {(law.operator, law.name, d) for law in LAWS for d in law.dims}
    assert {law.operator for law in LAWS} == set(OPERATORS)
    assert all({1, 2} <= set(law.dims) for law in LAWS)


def test_every_law_gets_its_stated_verdict(battery):
    wrong = [
        (law.key, dims, verdict.status, verdict.reason)
        for law, dims, verdict, _ in battery
        if verdict.status != law.expected
    ]
    assert wrong == []


def test_every_proved_law_has_a_proof_whose_every_step_sympy_checked(battery):
    for law, dims, verdict, _ in battery:
        if verdict.status == "proved":
            assert verdict.proof is not None and verdict.proof.verified, (law.key, dims)
            assert all(step.checked for step in verdict.proof.steps)


def test_every_proved_identity_also_passes_the_exhaustive_symbolic_certificate(battery):
    for law, dims, verdict, _ in battery:
        if verdict.status == "proved" and law.statement is not None:
            assert verdict.certificate is not None and verdict.certificate.holds, (law.key, dims)


def test_steps_that_reorder_or_split_infinite_sums_state_absolute_summability(battery):
    seen = 0
    for _, _, verdict, _ in battery:
        for step in verdict.proof.steps if verdict.proof else []:
            if step.rule.startswith("reorder") and "oo" in str(step.before):
                assert "absolute summability" in step.condition
                seen += 1
    assert seen >= 5


def test_every_refuted_law_has_a_counterexample_confirmed_by_the_independent_evaluation(battery):
    for law, dims, verdict, _ in battery:
        if verdict.status == "refuted" and law.prover is None:
            example = verdict.counterexample
            assert example is not None, (law.key, dims)
            assert example.confirmation.confirmed, (law.key, dims, example.confirmation)
            assert example.confirmation.reproduces


def test_every_proved_identity_is_rechecked_independently_on_random_instances(battery):
    for law, dims, verdict, _ in battery:
        if verdict.status == "proved" and law.prover in (
            None,
            extra.generating_function,
            extra.dtft_theorem,
            extra.correlation_generating_function,
        ):
            assert verdict.recheck is not None and verdict.recheck.agrees, (law.key, dims, verdict.recheck)
            assert verdict.recheck.evaluated >= 3


def test_correlation_is_not_commutative_and_delta_is_only_its_right_identity(battery):
    verdicts = {(law.key, dims): verdict for law, dims, verdict, _ in battery}
    assert verdicts[("correlation/commutativity", 1)].status == "refuted"
    assert verdicts[("correlation/associativity", 1)].status == "refuted"
    assert verdicts[("correlation/right-identity", 1)].status == "proved"
    assert verdicts[("correlation/identity", 1)].status == "refuted"


def test_the_dft_convolution_theorem_is_proved_for_a_symbolic_length(battery):
    verdicts = {(law.key, dims): verdict for law, dims, verdict, _ in battery}
    verdict = verdicts[("circular/convolution-theorem", 1)]
    assert verdict.status == "proved"
    assert verdict.proof.method == "sum rewriting"
    assert any("periodic" in step.condition for step in verdict.proof.steps)
    assert "N" in str(verdict.proof.sides[0].start)


def test_the_toeplitz_view_counts_parameters_and_matches_scipy_convolution_matrix(battery):
    verdicts = {(law.key, dims): verdict for law, dims, verdict, _ in battery}
    for dims in (1, 2):
        notes = " ".join(verdicts[("convolution/toeplitz", dims)].proof.notes)
        assert "scipy.linalg.convolution_matrix" in notes and "holds" in notes
        assert "weights" in notes


def test_multichannel_composition_is_not_commutative_with_a_numeric_recheck(battery):
    verdicts = {(law.key, dims): verdict for law, dims, verdict, _ in battery}
    notes = " ".join(verdicts[("convolution/multichannel", 1)].proof.notes)
    assert "not commutative" in notes and "confirmed with convalg.convolve" in notes


def test_law_lookup_names_the_known_laws_on_a_typo():
    assert find("commutativity", "circular").expected == "proved"
    with pytest.raises(ValueError, match=r"no law named 'comutativity'.*known: commutativity"):
        find("comutativity")
    with pytest.raises(ValueError, match="operator must be one of"):
        find("commutativity", "deconvolution")
    assert "commutativity" in names("correlation")
