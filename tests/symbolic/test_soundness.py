"""Soundness on random statements: a proof is never contradicted by exact evaluation."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from convalg.symbolic import check
from convalg.symbolic.evaluate import Finite, PlainArithmetic, equal, evaluate_sides
from convalg.symbolic.language import parse

_LEAVES = ["f", "g", "h", "delta"]


@st.composite
def expressions(draw, depth=3):
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(_LEAVES))
    kind = draw(st.sampled_from(["conv", "add", "corr", "flip", "conj", "shift", "scale"]))
    a = draw(expressions(depth - 1))
    if kind in ("flip", "conj"):
        return f"{kind}({a})"
    if kind == "shift":
        return f"shift({a}, {draw(st.integers(-2, 2))})"
    if kind == "scale":
        return f"{draw(st.sampled_from(['2', 'alpha', '-1']))}*({a})"
    b = draw(expressions(depth - 1))
    return {"conv": f"({a})*({b})", "add": f"({a})+({b})", "corr": f"corr({a}, {b})"}[kind]


def _commuted(text: str, rng: random.Random) -> str:
    """The same expression with the operands of some convolutions and sums swapped (a true identity)."""
    statement = parse(f"{text} == {text}")

    def show(node):
        op, args = node.op, node.args
        if op in ("conv", "add") and rng.random() < 0.5:
            args = (args[1], args[0])
        if op == "conv":
            return f"({show(args[0])})*({show(args[1])})"
        if op == "add":
            return f"({show(args[0])})+({show(args[1])})"
        if op in ("corr", "flip", "conj"):
            return f"{op}(" + ", ".join(show(a) for a in args) + ")"
        if op == "shift":
            return f"shift({show(args[0])}, {args[1]})"
        if op == "scale":
            return f"{args[0]}*({show(args[1])})"
        return str(node)

    return show(statement.sides[0])


def _agree_on_random_inputs(text: str, seed: int) -> bool:
    rng = random.Random(seed)
    statement = parse(text)
    arithmetic = PlainArithmetic(complex_values=True)
    for _ in range(5):
        env = {}
        for name in ("f", "g", "h"):
            length = rng.randint(1, 4)
            env[name] = Finite((0,), (length,), {(i,): arithmetic.constant(rng.randint(-3, 3), rng.randint(-3, 3))
                                                 for i in range(length)})
        env["alpha"] = arithmetic.constant(rng.randint(-3, 3), rng.randint(-3, 3))
        sides = evaluate_sides(statement, env, arithmetic, 1)
        if not equal(sides[0], sides[1], arithmetic):
            return False
    return True


@given(expressions(), st.integers(0, 2**16))
def test_a_statement_and_its_commuted_form_are_proved_and_agree_on_random_inputs(text, seed):
    statement = f"{text} == {_commuted(text, random.Random(seed))}"
    verdict = check(statement, certify=False)
    assert verdict.status == "proved", verdict.reason
    assert _agree_on_random_inputs(statement, seed)


@given(expressions(), expressions(), st.integers(0, 2**16))
def test_random_statements_are_proved_only_if_true_and_refuted_only_with_a_confirmed_counterexample(
    left, right, seed
):
    statement = f"{left} == {right}"
    verdict = check(statement, certify=False)
    assert verdict.status in ("proved", "refuted")  # this fragment is decided by generating functions
    if verdict.status == "proved":
        assert _agree_on_random_inputs(statement, seed)
    else:
        assert verdict.counterexample.confirmation.confirmed, verdict.counterexample.confirmation
