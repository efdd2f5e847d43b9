"""The statement language: what parses, and the errors (with positions) for what does not."""

from __future__ import annotations

import pytest

from convalg.symbolic.language import StatementError, parse


@pytest.mark.parametrize(
    "text",
    [
        "f*g == g*f",
        "f*(g+h) == (f*g)+(f*g)",
        "alpha*(f*g) == (alpha*f)*g == f*(alpha*g)",
        "alpha (f*g) == (alpha f)*g",
        "corr(f, g) == conj(flip(corr(g, f)))",
        "circ(f, g, N) == circ(g, f, 8)",
        "conv(f, g, mode=\"same\") == conv(g, f, mode='valid')",
        "down(shift(f, -2)*g, s) == shift(down(f*g, s), k)",
        "dft(circ(f, g, N), N) == hadamard(dft(f, N), dft(g, N))",
        "1/2*f - 3 f + -f == delta*u - v + w",
        "conj(alpha)*f == f*conj(beta)",
    ],
)
def test_valid_statements_parse_and_print_back_to_an_equal_tree(text):
    statement = parse(text)
    assert parse(str(statement)).sides == statement.sides


def test_two_dimensional_shift_takes_an_offset_pair():
    assert parse("shift(f, (1, -2))*g == shift(f*g, (1, -2))", dims=2).uses("shift")


@pytest.mark.parametrize(
    ("text", "position", "words"),
    [
        ("f * == g", 4, "expected a sequence"),
        ("f*g = g*f", 4, "use '=='"),
        ("f*g", 3, "needs '=='"),
        ("f*x == g", 2, "unknown name 'x'"),
        ("corr(f) == f", 0, "takes 2 arguments"),
        ("corr(f, g, h) == f", 11, "takes 2 arguments"),
        ("circ(f, g, 0) == f", 11, "positive integer"),
        ("circ(f, g, k) == f", 11, "positive parameter"),
        ('conv(f, g, mode="sideways") == f', 16, "got 'sideways'"),
        ("f + alpha == f", 2, "cannot apply '+'"),
        ("f == alpha", 5, "different kinds"),
        ("f*g == g*f)", 10, "unexpected ')'"),
        ("f*g == g*f $", 11, "unexpected character '$'"),
        ("flip(alpha) == f", 5, "must be a sequence"),
        ("shift(f, g) == f", 9, "expects an integer"),
        ("f/g == f", 2, "only division by a nonzero number"),
        ("f/0 == f", 2, "division by zero"),
        ("(f*g == g*f", 5, "expected ')', found '=='"),
    ],
)
def test_malformed_statements_raise_with_the_position_of_the_error(text, position, words):
    with pytest.raises(StatementError) as info:
        parse(text)
    assert info.value.position == position
    assert words in str(info.value)
    # the message shows the statement with a caret under the error
    assert str(info.value).splitlines()[-1] == "  " + " " * position + "^"


def test_two_dimensional_shift_needs_a_pair():
    with pytest.raises(StatementError, match="offset pair"):
        parse("shift(f, 1) == f", dims=2)


def test_bad_arguments_are_typed_errors():
    with pytest.raises(TypeError, match="statement must be a str"):
        parse(3)
    with pytest.raises(ValueError, match="dims must be 1 or 2, got 3"):
        parse("f == f", dims=3)
