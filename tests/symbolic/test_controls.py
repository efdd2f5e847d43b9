"""Negative controls: each proof recipe, applied to a false statement, must fail to prove it."""

from __future__ import annotations

import pytest

from convalg.symbolic.decide import check
from convalg.symbolic.language import parse
from convalg.symbolic.laws import LAWS
from convalg.symbolic.proof import by_generating_functions, by_rewriting

_RECIPES = [law for law in LAWS if law.recipe is not None and law.expected == "proved"]


@pytest.mark.parametrize("law", _RECIPES, ids=[law.key for law in _RECIPES])
@pytest.mark.parametrize("dims", [1, 2])
def test_each_recipe_proves_its_law_and_fails_on_its_control(law, dims):
    assert by_rewriting(parse(law.text(dims), dims), dims, law.recipe).verified
    control = parse(law.control_text(dims), dims)
    proof = by_rewriting(control, dims, law.recipe)
    assert not proof.verified
    assert proof.failures()
    # and the control is really false: convalg refutes it with a counterexample
    verdict = check(control, dims, certify=False, recipe=law.recipe)
    assert verdict.status == "refuted"


def test_generating_functions_fail_on_the_notes_distributivity():
    proof = by_generating_functions(parse("f*(g+h) == (f*g)+(f*g)"), 1)
    assert not proof.verified
    assert "expand" in proof.meet_how


def test_a_failing_step_makes_the_verdict_unknown_not_proved():
    # a recipe whose change of index is not a bijection of Z cannot prove anything
    statement = parse("f*g == g*f")
    proof = by_rewriting(statement, 1, ((0, "change_index", "k0", "2*k0"),))
    assert not proof.verified
    assert "not a bijection" in proof.failures()[0]


def test_a_true_statement_outside_every_method_is_unknown_with_the_certificate_as_evidence():
    # shift and modulation: true for every N, and decided exactly at N = 1..6, but no method
    # proves it for a symbolic N
    verdict = check("dft(shift(f, 1), N) == hadamard(dft(f, N), dft(shift(delta, 1), N))")
    assert verdict.status == "unknown"
    assert verdict.certificate.holds
    assert "no counterexample" in verdict.reason


def test_a_delta_that_fixes_a_non_integer_index_is_not_evaluated():
    from sympy import Function, KroneckerDelta, Sum, Symbol, oo

    from convalg.symbolic.sums import rewrite

    k, n = Symbol("k0", integer=True), Symbol("n", integer=True)
    step = rewrite(Sum(KroneckerDelta(2 * k, n) * Function("f")(k), (k, -oo, oo)), "delta", "k0")
    assert not step.checked and "cannot show is an integer" in step.how


@pytest.mark.parametrize(
    "law", ["generating_function", "correlation_generating_function", "dtft_theorem", "toeplitz", "multichannel"]
)
@pytest.mark.parametrize("dims", [1, 2])
def test_each_transform_and_layer_recipe_fails_on_its_false_variant(law, dims):
    from convalg.symbolic import extra

    function = getattr(extra, law)
    assert function(dims).status == "proved"
    control = function(dims, control=True)
    assert control.status == "unknown"
    assert not control.proof.verified
