"""Soundness on random statements over the whole language, judged by an oracle written apart.

Each example is a batch of random statements from :mod:`statement_grammar` (every operator,
numbers and scalars, 1-D and 2-D, nesting): ``check`` decides each, and
:func:`soundness_harness.judge` holds every PROVED to the oracle on random inputs (long and
sparse ones past N and past the certificate's bounds) and re-evaluates every REFUTED
counterexample. The statements of issue 11 are explicit examples, so that CI's derandomised
profile finds what the random one once did. A heavier run: ``HYPOTHESIS_PROFILE=thorough``, or
``python tests/symbolic/soundness_run.py --count 3000`` (with statistics).
"""

from __future__ import annotations

import statement_grammar as grammar
import statement_oracle as oracle
from hypothesis import example, given
from hypothesis import strategies as st
from soundness_harness import judge
from test_regressions import FALSE, TRUE

from convalg.symbolic import check

# statements the harness found (or the issue reported); each stays an explicit example
FOUND = [
    ("conj(2 f) == 2 f", 1),  # refuted with sides computed from 2 = 3/2 - i/2 (number literals)
    ("circ(down(shift(f, 3), 2), delta, 2) == circ(down(shift(f, 1), 2), delta, 2)", 1),
    # sympy could not compare ceiling(-k / s) with 0 and raised (the window's box is undecided)
    ('down(shift(delta, -k), s) == conv(down(shift(delta, -k), s), delta, mode="same")', 1),
]


@st.composite
def statements(draw):
    text, dims, _ = grammar.statement(grammar.Draw(draw))
    return text, dims


def _with_examples(test):
    for case in TRUE + FALSE + FOUND:
        test = example([case])(test)
    return test


@_with_examples
@given(st.lists(statements(), min_size=3, max_size=3))
def test_every_verdict_on_random_statements_is_confirmed_by_the_oracle(cases):
    for text, dims in cases:
        verdict = check(text, dims, certify=False, timeout=30)
        problems = judge(text, dims, verdict)
        assert not problems, (text, dims, verdict.status, problems)


def test_the_oracle_is_exact_with_roots_of_unity():
    # dft(dft(f, 3), 3) = 3 flip(f) wrapped: exact in Q(zeta_12), not up to rounding
    f = [2, complex(0, 1), -1]
    assert not oracle.differs_on("dft(dft(f, 3), 3) == 3 circ(flip(f), delta, 3)", 1, {"f": f}, {}, {})
    assert oracle.differs_on("dft(dft(f, 3), 3) == 3 circ(f, delta, 3)", 1, {"f": f}, {}, {})


def test_the_judge_flags_an_unsound_proof_and_an_unconfirmed_refutation():
    proved = check("f*g == g*f", certify=False)
    proved.statement = "circ(f, delta, 3) == f"  # pretend the prover proved a false statement
    assert judge("circ(f, delta, 3) == f", 1, proved)
    refuted = check("corr(f, g) == corr(g, f)", certify=False)
    assert not judge("corr(f, g) == corr(g, f)", 1, refuted)
    assert judge("f*g == g*f", 1, refuted)  # the same counterexample does not refute a true law
