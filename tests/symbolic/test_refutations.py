"""False statements are refuted by their smallest exact counterexample, re-checked numerically."""

from __future__ import annotations

import pytest

from convalg.symbolic import check
from convalg.symbolic.language import parse
from convalg.symbolic.reference import confirm
from convalg.symbolic.search import find_counterexample


def test_the_notes_distributive_law_is_refuted_by_the_smallest_counterexample():
    verdict = check("f*(g+h) == (f*g)+(f*g)")
    assert verdict.status == "refuted"
    example = verdict.counterexample
    assert example.sequences == {"f": [1], "g": [0], "h": [1]}
    assert [entries for _, entries in example.sides] == [[1], [0]]
    assert example.confirmation.confirmed


@pytest.mark.parametrize(
    ("text", "dims"),
    [
        ("corr(f, g) == corr(g, f)", 1),
        ("corr(corr(f, g), h) == corr(f, corr(g, h))", 2),
        ('conv(conv(f, g, mode="valid"), h, mode="valid") == conv(f, conv(g, h, mode="valid"), mode="valid")', 1),
        ('conv(f, g, mode="same") == conv(g, f, mode="same")', 2),
        ("down(down(f*g, 2)*h, 2) == down(f*down(g*h, 2), 2)", 1),
        ("circ(f, delta, N) == f", 1),
        ("dft(f, 4) == f", 1),
        ("alpha*corr(f, g) == corr(f, alpha*g)", 1),
    ],
)
def test_false_statements_are_refuted_and_confirmed_by_the_independent_evaluation(text, dims):
    verdict = check(text, dims, certify=False)
    assert verdict.status == "refuted"
    assert verdict.counterexample.confirmation.confirmed, verdict.counterexample.confirmation


def test_counterexamples_are_exact_integers_found_in_size_order():
    example, tried = find_counterexample(parse("f*g == f"))
    # the smallest: f = [1], g = [0] (f*g = 0 != f); nothing smaller exists
    assert example.sequences == {"f": [1], "g": [0]}
    assert tried == 4


def test_the_independent_evaluation_rejects_a_counterexample_that_is_not_one():
    statement = parse("f*g == g*f")
    fake, _ = find_counterexample(parse("f*(g+h) == (f*g)+(f*g)"))
    fake.sequences = {"f": [1, 2], "g": [3]}
    fake.sides = [((0,), [3, 6]), ((0,), [3, 6])]
    confirmation = confirm(statement, fake)
    assert confirmation.reproduces and not confirmation.differ and not confirmation.confirmed
    fake.sides = [((0,), [3, 6]), ((0,), [3, 7])]  # sides that differ, but are not the statement's
    confirmation = confirm(statement, fake)
    assert not confirmation.reproduces and not confirmation.confirmed


def test_complex_counterexamples_are_searched_only_where_conjugation_matters():
    verdict = check("corr(delta, f) == f", certify=False)
    assert verdict.counterexample.sequences == {"f": [1j]}
