"""The language is decided: dft/circ at a concrete N exactly, down/hadamard by their index
algebra, 'same'/'valid' windows from the full-mode law and the window arithmetic, scalars."""

from __future__ import annotations

import pytest

from convalg.symbolic import check
from convalg.symbolic.finite import Unbounded, decide_finite, views
from convalg.symbolic.language import parse


@pytest.mark.parametrize(
    ("text", "dims", "status", "method"),
    [
        # concrete N: finite identities in the N wrapped values of each input
        ("dft(circ(f, g, 6), 6) == hadamard(dft(f, 6), dft(g, 6))", 1, "proved", "exact evaluation"),
        ("dft(circ(f, g, 6), 6) == hadamard(dft(f, 6), dft(flip(g), 6))", 1, "refuted", None),
        ("dft(circ(f, g, 3), 3) == hadamard(dft(f, 3), dft(g, 3))", 2, "proved", "exact evaluation"),
        ("dft(conj(f), 4) == conj(circ(flip(dft(f, 4)), delta, 4))", 1, "proved", None),
        ("dft(conj(f), 4) == conj(circ(flip(dft(f, 4)), shift(delta, 1), 4))", 1, "refuted", None),
        # down and hadamard: index algebra
        ("down(down(f, 2), 3) == down(f, 6)", 1, "proved", "generating functions"),
        ("down(shift(f, 6), 3) == shift(down(f, 3), 2)", 1, "proved", "generating functions"),
        ("down(shift(f, 1), 3) == shift(down(f, 3), 1)", 1, "refuted", None),
        ("down(f, 2) + down(g, 2) == down(f + g, 2)", 1, "proved", "generating functions"),
        ("down(hadamard(f, g), 2) == hadamard(down(f, 2), down(g, 2))", 2, "proved", "generating functions"),
        ("hadamard(f, g + h) == hadamard(f, g) + hadamard(f, h)", 1, "proved", "generating functions"),
        ("hadamard(f, g*h) == hadamard(f*g, h)", 1, "refuted", None),
        ("hadamard(f, shift(delta, -2)) == 0 f", 1, "proved", None),  # arrays start at 0
        # windows
        ('conv(f, delta, mode="same") == f', 1, "proved", "generating functions"),
        ('conv(2 f, g, mode="same") == 2 conv(f, g, mode="same")', 2, "proved", "generating functions"),
        ('conv(f, g, mode="valid") == conv(g, f, mode="valid")', 1, "proved", "generating functions"),
        ('conv(f, g, mode="same") == conv(g, f, mode="same")', 1, "refuted", None),
        # shifting an input moves its box, so the window moves with the full result
        ('conv(f, shift(g, 1), mode="same") == shift(conv(f, g, mode="same"), 1)', 1, "proved", None),
        # a sum's box is the hull: the window of a sum is not the sum of the windows
        (
            (
                'conv(f + shift(delta, 3), g, mode="same") == '
                'conv(f, g, mode="same") + conv(shift(delta, 3), g, mode="same")'
            ),
            1,
            "refuted",
            None,
        ),
        # scalars and numbers
        ("f + f == 2 f", 1, "proved", None),
        ("alpha*beta == beta*alpha", 1, "proved", None),
        ("conj(alpha) == alpha", 1, "refuted", None),
        ("2*(3*alpha) == 6*alpha", 1, "proved", None),
        ("1/2*f + 1/2*f == f", 1, "proved", None),
    ],
)
def test_statements_are_decided(text, dims, status, method):
    verdict = check(text, dims, certify=False)
    assert verdict.status == status, verdict.reason
    if method is not None:
        assert method in verdict.proof.method
    if status == "refuted":
        assert verdict.counterexample.confirmation.confirmed


def test_views_name_what_each_side_depends_on():
    described = [v.describe() for v in views(parse("circ(f, g, 4) == hadamard(f, shift(delta, 9))"), 1)]
    assert described == ["f: its wrap modulo 4; g: its wrap modulo 4", "f: 1 of its entries"]
    # down inside a wrap needs the wrap modulo s N; a convolution at one index, finitely many entries
    assert views(parse("circ(down(f, 2), delta, 3) == delta"), 1)[0].wraps == {"f": 6}
    assert views(parse("hadamard(f*g, shift(delta, 2)) == delta"), 1)[0].points == {
        "f": {(0,), (1,), (2,)},
        "g": {(0,), (1,), (2,)},
    }
    with pytest.raises(Unbounded):
        views(parse("f == hadamard(f, g)"), 1)


def test_the_finite_decision_refuses_symbolic_parameters_and_windows():
    with pytest.raises(Unbounded, match="symbolic"):
        decide_finite(parse("circ(f, g, N) == circ(g, f, N)"), 1)
    with pytest.raises(Unbounded, match="lengths"):
        decide_finite(parse('conv(f, g, mode="same") == f'), 1)
    assert decide_finite(parse("circ(f, g, N) == circ(g, f, N)"), 1, {"N": 5}).holds


def test_a_statement_with_parameters_is_refuted_at_a_small_value():
    verdict = check("circ(f, delta, N) == f", certify=False)
    assert verdict.status == "refuted"
    assert verdict.counterexample.parameters["N"] >= 1
