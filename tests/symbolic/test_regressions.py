"""The unsound verdicts of issue 11, each with its exact statement: never again."""

from __future__ import annotations

import pytest

from convalg.symbolic import check

# true statements that were refuted (a number literal 2 became 3/2 - i/2) or left unknown
TRUE = [
    ('conj(conv(2*f, g, mode="same")) == 2*conj(conv(f, g, mode="same"))', 1),
    ("dft(dft(f, 4), 4) == 4 circ(flip(f), delta, 4)", 1),
    ("dft(dft(f, 2), 2) == 4 circ(flip(f), delta, 2)", 2),
    ("dft(f + f, 3) == 2 dft(f, 3)", 1),
    ("hadamard(f + f, conj(g)) == 2 hadamard(f, conj(g))", 1),
    ("f + f == 2 f", 1),
    ("conj(3 f) == 3 conj(f)", 1),
    ("2*(3*f) == 6*f", 1),
    ("-1*f == -f", 1),
]
# false statements that were proved (the reduction modulo w^N - 1 reached into hadamard's content)
FALSE = [
    ("circ(hadamard(f, shift(delta, 40)), delta, 40) == circ(hadamard(f, shift(delta, 80)), delta, 40)", 1),
    ("dft(hadamard(circ(f, delta, 40), f), 40) == dft(hadamard(f, f), 40)", 1),
    ("circ(hadamard(f, shift(delta, (6, 0))), delta, 6) == circ(hadamard(f, shift(delta, (12, 0))), delta, 6)", 2),
    ("circ(down(shift(f, 3), 2), delta, 2) == circ(down(shift(f, 1), 2), delta, 2)", 1),
]


@pytest.mark.parametrize(("text", "dims"), TRUE)
def test_a_true_statement_of_the_issue_is_proved(text, dims):
    verdict = check(text, dims, certify=False)
    assert verdict.status == "proved", verdict.reason
    assert verdict.recheck.agrees


@pytest.mark.parametrize(("text", "dims"), FALSE)
def test_a_false_statement_of_the_issue_is_refuted_with_a_confirmed_counterexample(text, dims):
    verdict = check(text, dims, certify=False)
    assert verdict.status == "refuted", verdict.reason
    assert verdict.counterexample.confirmation.confirmed


def test_the_witness_of_the_issue_is_found_past_the_certificate_lengths():
    # the sides are delta and 0 for f = e_40: no array shorter than 41 shows it
    verdict = check(FALSE[0][0], certify=False)
    assert verdict.counterexample.sequences == {"f": [0] * 40 + [1]}
    assert [entries for _, entries in verdict.counterexample.sides] == [[1], [0]]
