"""The statement language: parse an identity such as ``f*(g+h) == f*g + f*h`` into a typed tree.

Grammar (whitespace is free)::

    statement := expr ('==' expr)+
    expr      := term (('+' | '-') term)*
    term      := factor (('*' | '/') factor | factor)*     # juxtaposition: ``alpha f``
    factor    := '-' factor | primary
    primary   := NUMBER | NAME | NAME '(' args ')' | '(' expr ')' | '(' INT ',' INT ')'

Names: sequences ``f g h u v w`` and ``delta``; scalars ``alpha beta`` (complex) and
integer or rational numbers; integer parameters ``N M K k m s t`` (symbolic, ``N M K s``
positive). Operators: ``*`` is linear (full) convolution between two sequences and scaling
otherwise; ``corr(a, b)`` (scipy's convention, conjugating ``b``), ``circ(a, b, N)``,
``conv(a, b, mode="same"|"valid"|"full")``, ``down(a, s)``, ``shift(a, k)`` (in 2-D
``shift(a, (k1, k2))``), ``flip(a)``, ``conj(a)``, ``dft(a, N)``, ``hadamard(a, b)``.

A malformed statement raises :class:`StatementError`, a ``ValueError`` that carries the
0-based ``position`` of the error and shows it with a caret.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

__all__ = ["Node", "Statement", "StatementError", "parse", "terms_bound"]

SEQUENCE_NAMES = ("f", "g", "h", "u", "v", "w")
SCALAR_NAMES = ("alpha", "beta")
PARAMETER_NAMES = ("N", "M", "K", "k", "m", "s", "t")
POSITIVE_PARAMETERS = ("N", "M", "K", "s")
MODES = ("full", "same", "valid")

# function name -> argument kinds ('seq', 'int' = integer parameter, 'shift' = int or tuple)
_FUNCTIONS = {
    "corr": ("seq", "seq"),
    "circ": ("seq", "seq", "int"),
    "conv": ("seq", "seq"),
    "down": ("seq", "int"),
    "shift": ("seq", "shift"),
    "flip": ("seq",),
    "conj": ("any",),
    "dft": ("seq", "int"),
    "hadamard": ("seq", "seq"),
}

# ASCII only: a Unicode digit such as '\u0663' is not a number, nor a letter part of a name
_TOKEN = re.compile(
    r"\s*(?:(?P<number>[0-9]+)|(?P<name>[A-Za-z_][A-Za-z_0-9]*)|(?P<string>\"[^\"]*\"|'[^']*')"
    r"|(?P<op>==|[-+*/(),=]))",
    re.ASCII,
)
MAX_LENGTH = 20_000  # characters in a statement
MAX_DEPTH = 64  # nested parentheses and calls
MAX_DIGITS = 30  # digits in a number
_BALANCE = 8  # a chain of more operands than this becomes a balanced tree (its depth stays small)


class StatementError(ValueError):
    """A malformed statement: the message names the problem and ``position`` locates it.

    Examples
    --------
    >>> from convalg.symbolic.language import parse, StatementError
    >>> try:
    ...     parse("f * == g")
    ... except StatementError as error:
    ...     print(error.position)
    4
    """

    def __init__(self, message: str, text: str, position: int):
        self.reason = message
        self.text = text
        self.position = position
        super().__init__(f"{message} at position {position}:\n  {text}\n  {' ' * position}^")


@dataclass(frozen=True)
class Node:
    """One node of a parsed statement.

    ``op`` is one of ``seq`` (a sequence name), ``delta``, ``scalar`` (a scalar name),
    ``number`` (a ``Fraction``), ``param`` (an integer parameter: name or int), ``tuple``,
    ``add``, ``sub``, ``neg``, ``scale`` (scalar, sequence), ``smul`` (scalar product),
    ``sdiv``, ``conv``, ``corr``, ``circ``, ``convmode``, ``down``, ``shift``, ``flip``,
    ``conj``, ``dft``, ``hadamard``. ``kind`` is ``seq``, ``scalar`` or ``int``.
    """

    op: str
    args: tuple = ()
    kind: str = "seq"
    # What ``value`` holds depends on ``op`` (a name, a Fraction, an int or ('-', name), a mode):
    # a tag the type checker cannot follow, so readers narrow it by ``op``.
    value: Any = None
    position: int = field(default=0, compare=False)

    def __str__(self) -> str:
        return _show(self)


def parameter_value(node: Node, env: dict) -> int:
    """The integer an integer-parameter node stands for: a literal, a name bound in ``env``,
    or a negated name (value ``('-', name)``)."""
    value = node.value
    if isinstance(value, int):
        return value
    if isinstance(value, tuple):
        return -env[value[1]]
    return env[value]


def terms_bound(node: Node, sizes: dict | None = None, env: dict | None = None, dims: int = 1) -> int:
    """An upper bound on the terms of ``node`` multiplied out: sums add, products multiply.

    With ``sizes`` (the number of symbolic entries of each input) it bounds the monomials of
    ``node``'s value over all its entries (a dft of length N multiplies by N^dims, ``env`` gives
    the values of named lengths); without, the terms of its generating function.

    Examples
    --------
    >>> from convalg.symbolic.language import parse, terms_bound
    >>> terms_bound(parse("(f + g)*(f + g + h) == f").sides[0])
    6
    >>> terms_bound(parse("dft(f*g, 4) == f").sides[0], sizes={"f": 3, "g": 2})
    24
    """
    op = node.op
    if op == "seq":
        return (sizes or {}).get(node.value, 1)
    if op in ("delta", "number", "scalar", "param", "tuple"):
        return 1
    parts = [terms_bound(a, sizes, env, dims) for a in node.args if isinstance(a, Node)]
    if op in ("add", "sub"):
        return parts[0] + parts[1]
    if op in ("conv", "corr", "circ", "hadamard", "convmode", "scale", "smul"):
        return parts[0] * parts[1]
    if op == "dft" and sizes is not None:
        return parts[0] * parameter_value(node.args[1], env or {}) ** dims
    return parts[0]


@dataclass(frozen=True)
class Statement:
    """A chain of expressions claimed equal: ``sides[0] == sides[1] == ...``."""

    text: str
    sides: tuple[Node, ...]

    def walk(self):
        """Every node of every side, each before its arguments."""
        stack = list(reversed(self.sides))
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed([a for a in node.args if isinstance(a, Node)]))

    def names(self, op: str) -> list[str]:
        """The distinct names of kind ``op`` ('seq', 'scalar', 'param') in order of appearance."""
        found: list[str] = []
        for node in self.walk():
            name = node.value[1] if op == "param" and isinstance(node.value, tuple) else node.value
            if node.op == op and isinstance(name, str) and name not in found:
                found.append(name)
        return found

    def uses(self, *ops: str) -> bool:
        """Whether any node of the statement has one of the operations ``ops``."""
        return any(node.op in ops for node in self.walk())

    def dft_lengths(self, env: dict) -> list[int]:
        """The length of every ``dft`` call, named lengths taken from ``env``.

        Examples
        --------
        >>> from convalg.symbolic.language import parse
        >>> parse("dft(f, N) == dft(f, 6)").dft_lengths({"N": 4})
        [4, 6]
        """
        return [parameter_value(node.args[1], env) for node in self.walk() if node.op == "dft"]

    def __str__(self) -> str:
        return " == ".join(_show(side) for side in self.sides)


def parse(text: str, dims: int = 1) -> Statement:
    """Parse ``text`` into a :class:`Statement` of ``dims``-dimensional sequences.

    Examples
    --------
    >>> from convalg.symbolic.language import parse
    >>> print(parse("f*(g+h) == (f*g)+(f*g)"))
    f * (g + h) == f * g + f * g
    """
    if not isinstance(text, str):
        raise TypeError(f"statement must be a str, got {type(text).__name__}")
    if dims not in (1, 2):
        raise ValueError(f"dims must be 1 or 2, got {dims!r}")
    return _Parser(text, dims).statement()


class _Parser:
    def __init__(self, text: str, dims: int):
        if len(text) > MAX_LENGTH:
            raise StatementError(f"the statement is longer than {MAX_LENGTH} characters", text[:60] + "...", 0)
        self.text = text
        self.dims = dims
        self.tokens = self._tokenize(text)
        self.index = 0
        self.depth = 0

    def _tokenize(self, text: str) -> list[tuple[str, str, int]]:
        tokens = []
        position = 0
        while position < len(text):
            if text[position:].strip() == "":
                break
            match = _TOKEN.match(text, position)
            if match is None or match.end() == position:
                start = len(text) - len(text[position:].lstrip())
                raise StatementError(f"unexpected character {text[start]!r}", text, start)
            kind = match.lastgroup
            assert kind is not None  # every alternative of _TOKEN is a named group
            start = match.start(kind)
            tokens.append((kind, match.group(kind), start))
            position = match.end()
        tokens.append(("end", "", len(text)))
        return tokens

    # -- token helpers
    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.index]

    def take(self) -> tuple[str, str, int]:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def error(self, message: str, position: int | None = None) -> StatementError:
        return StatementError(message, self.text, self.peek()[2] if position is None else position)

    def expect(self, value: str) -> int:
        kind, text, position = self.peek()
        if text != value or kind == "string":
            found = "the end of the statement" if kind == "end" else repr(text)
            raise self.error(f"expected {value!r}, found {found}")
        self.take()
        return position

    # -- grammar
    def statement(self) -> Statement:
        sides = [self.expr()]
        while self.peek()[1] == "==":
            self.take()
            sides.append(self.expr())
        kind, text, _ = self.peek()
        if kind != "end":
            if text == "=":
                raise self.error("use '==' for equality, not '='")
            raise self.error(f"unexpected {text!r}: expected an operator or the end")
        if len(sides) < 2:
            raise self.error("a statement needs '==' between two expressions")
        kinds = {side.kind for side in sides}
        if len(kinds) > 1:
            raise StatementError(
                "the two sides have different kinds (" + " vs ".join(s.kind for s in sides) + ")",
                self.text,
                sides[1].position,
            )
        return Statement(self.text, tuple(sides))

    def enter(self, position: int) -> None:
        """One level deeper (parentheses, a call, a unary minus): bounded by MAX_DEPTH."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise StatementError(f"the statement is nested more than {MAX_DEPTH} levels deep", self.text, position)

    def expr(self) -> Node:
        items = [("+", self.term(), self.peek()[2])]
        while self.peek()[1] in ("+", "-") and self.peek()[0] == "op":
            _, sign, position = self.take()
            right = self.term()
            if items[0][1].kind != right.kind or right.kind == "int":
                raise self.error(f"cannot apply {sign!r} to a {items[0][1].kind} and a {right.kind}", position)
            items.append((sign, right, position))
        return self._sum(items)

    def _sum(self, items: list) -> Node:
        """``a +- b +- c ...``: left to right, or as a balanced tree when the chain is long."""
        if len(items) <= _BALANCE:
            node = items[0][1]
            for sign, right, _ in items[1:]:
                node = Node("add" if sign == "+" else "sub", (node, right), node.kind, None, node.position)
            return node
        middle = len(items) // 2
        left = self._sum(items[:middle])
        rest = items[middle:]
        if rest[0][0] == "-":  # a - b + c == a - (b - c)
            rest = [("-" if sign == "+" else "+", node, at) for sign, node, at in rest]
            op = "sub"
        else:
            op = "add"
        right = self._sum([("+", rest[0][1], rest[0][2]), *rest[1:]])
        return Node(op, (left, right), left.kind, None, left.position)

    def _starts_factor(self) -> bool:
        kind, text, _ = self.peek()
        return kind in ("number", "name") or text == "("

    def term(self) -> Node:
        operands = [(self.factor(), self.peek()[2])]
        scalar_so_far = operands[0][0].kind == "scalar"
        while True:
            kind, text, position = self.peek()
            if kind == "op" and text in ("*", "/"):
                self.take()
                right = self.factor()
                if text == "/":
                    right = self._inverse(right)
            elif scalar_so_far and self._starts_factor():
                right = self.factor()  # juxtaposition: alpha f, 2 (f*g)
            else:
                return self._chain(operands)
            if right.kind == "int" or operands[0][0].kind == "int":
                raise self.error(f"cannot multiply a {operands[-1][0].kind} by a {right.kind}", position)
            operands.append((right, position))
            scalar_so_far = scalar_so_far and right.kind == "scalar"

    def _inverse(self, node: Node) -> Node:
        if node.kind != "scalar" or node.op != "number":
            raise self.error("only division by a nonzero number is allowed", node.position)
        if node.value == 0:
            raise self.error("division by zero", node.position)
        return Node("number", (), "scalar", 1 / node.value, node.position)

    def _chain(self, operands: list) -> Node:
        """``a * b * c ...``: left to right, or as a balanced tree when the chain is long
        (products are associative, as convolutions and as scalings)."""
        if len(operands) <= _BALANCE:
            node = operands[0][0]
            for right, position in operands[1:]:
                node = self._product(node, "*", right, position)
            return node
        middle = len(operands) // 2
        return self._product(self._chain(operands[:middle]), "*", self._chain(operands[middle:]), operands[middle][1])

    def _product(self, left: Node, op: str, right: Node, position: int) -> Node:
        kinds = (left.kind, right.kind)
        if kinds == ("seq", "seq"):
            return Node("conv", (left, right), "seq", None, left.position)
        if kinds == ("scalar", "scalar"):
            if left.op == "number" and right.op == "number":
                return Node("number", (), "scalar", left.value * right.value, left.position)
            return Node("smul", (left, right), "scalar", None, left.position)
        if kinds == ("scalar", "seq"):
            return Node("scale", (left, right), "seq", None, left.position)
        if kinds == ("seq", "scalar"):
            return Node("scale", (right, left), "seq", None, left.position)
        raise self.error(f"cannot multiply a {left.kind} by a {right.kind}", position)

    def factor(self) -> Node:
        kind, text, position = self.peek()
        if kind == "op" and text == "-":
            self.take()
            self.enter(position)
            inner = self.factor()
            self.depth -= 1
            if inner.kind == "int":
                raise self.error("an integer parameter cannot stand alone here", position)
            if inner.op == "number":
                return Node("number", (), "scalar", -inner.value, position)
            return Node("neg", (inner,), inner.kind, None, position)
        return self.primary()

    def primary(self) -> Node:
        kind, text, position = self.take()
        if kind == "number":
            return Node("number", (), "scalar", Fraction(self.digits(text, position)), position)
        if kind == "op" and text == "(":
            self.enter(position)
            inner = self.expr()
            self.expect(")")
            self.depth -= 1
            return inner
        if kind == "name":
            if self.peek()[1] == "(" and text in _FUNCTIONS:
                return self.call(text, position)
            if text in _FUNCTIONS:
                raise StatementError(f"{text!r} is a function: write {text}(...)", self.text, position)
            if text in SEQUENCE_NAMES:
                return Node("seq", (), "seq", text, position)
            if text == "delta":
                return Node("delta", (), "seq", None, position)
            if text in SCALAR_NAMES:
                return Node("scalar", (), "scalar", text, position)
            if text in PARAMETER_NAMES:
                return Node("param", (), "int", text, position)
            raise StatementError(
                f"unknown name {text!r}: sequences are {', '.join(SEQUENCE_NAMES)} and delta, "
                f"scalars {', '.join(SCALAR_NAMES)}, integer parameters {', '.join(PARAMETER_NAMES)}, "
                f"functions {', '.join(_FUNCTIONS)}",
                self.text,
                position,
            )
        found = "the end of the statement" if kind == "end" else repr(text)
        raise StatementError(f"expected a sequence, scalar or '(', found {found}", self.text, position)

    def digits(self, text: str, position: int) -> int:
        if len(text) > MAX_DIGITS:
            raise StatementError(f"a number has more than {MAX_DIGITS} digits", self.text, position)
        return int(text)

    def call(self, name: str, position: int) -> Node:
        self.enter(position)
        self.expect("(")
        expected = _FUNCTIONS[name]
        args: list[Node] = []
        mode = "full"
        while True:
            kind, text, _ = self.peek()
            if name == "conv" and kind == "name" and text == "mode" and self.tokens[self.index + 1][1] == "=":
                self.take()
                self.take()
                kind, text, mode_position = self.take()
                mode = text.strip("\"'")
                if kind != "string" or mode not in MODES:
                    raise StatementError(
                        f"mode must be one of {', '.join(repr(m) for m in MODES)}, got {mode!r}",
                        self.text,
                        mode_position,
                    )
            else:
                if len(args) >= len(expected):
                    raise self.error(f"{name}() takes {len(expected)} arguments, got more")
                args.append(self.argument(expected[len(args)], name, len(args)))
            if self.peek()[1] == ",":
                self.take()
                continue
            self.expect(")")
            break
        if len(args) != len(expected):
            raise StatementError(f"{name}() takes {len(expected)} arguments, got {len(args)}", self.text, position)
        self.depth -= 1
        if name == "conv":
            if mode == "full":
                return Node("conv", tuple(args), "seq", None, position)
            return Node("convmode", tuple(args), "seq", mode, position)
        if name == "conj":
            return Node("conj", tuple(args), args[0].kind, None, position)
        return Node(name, tuple(args), "seq", None, position)

    def argument(self, kind: str, name: str, index: int) -> Node:
        _, _, position = self.peek()
        if kind in ("int", "shift"):
            return self.parameter(kind == "shift", name, position)
        node = self.expr()
        if kind == "seq" and node.kind != "seq":
            raise StatementError(
                f"argument {index + 1} of {name}() must be a sequence, got a {node.kind}",
                self.text,
                node.position,
            )
        if kind == "any" and node.kind == "int":
            raise StatementError(f"{name}() takes a sequence or a scalar", self.text, node.position)
        return node

    def parameter(self, allow_tuple: bool, name: str, position: int) -> Node:
        if allow_tuple and self.peek()[1] == "(":
            self.take()
            parts = [self.integer(name)]
            while self.peek()[1] == ",":
                self.take()
                parts.append(self.integer(name))
            self.expect(")")
            if len(parts) != self.dims:
                raise StatementError(
                    f"{name}() offset has {len(parts)} components; {self.dims}-D needs {self.dims}",
                    self.text,
                    position,
                )
            return Node("tuple", tuple(parts), "int", None, position)
        node = self.integer(name)
        if allow_tuple and self.dims == 2:
            raise StatementError(f"in 2-D, {name}() takes an offset pair such as (1, 0)", self.text, position)
        if name in ("circ", "dft", "down") and isinstance(node.value, int) and node.value <= 0:
            raise StatementError(f"{name}() needs a positive integer, got {node.value}", self.text, node.position)
        if name in ("circ", "dft", "down") and isinstance(node.value, str) and node.value not in POSITIVE_PARAMETERS:
            raise StatementError(
                f"{name}() needs a positive parameter ({', '.join(POSITIVE_PARAMETERS)}), got {node.value!r}",
                self.text,
                node.position,
            )
        return node

    def integer(self, name: str) -> Node:
        kind, text, position = self.take()
        sign = 1
        if text == "-" and kind == "op":
            sign = -1
            kind, text, position = self.take()
        if kind == "number":
            return Node("param", (), "int", sign * self.digits(text, position), position)
        if kind == "name" and text in PARAMETER_NAMES:
            if sign < 0:
                return Node("param", (), "int", ("-", text), position)
            return Node("param", (), "int", text, position)
        found = "the end of the statement" if kind == "end" else repr(text)
        raise StatementError(
            f"{name}() expects an integer or an integer parameter ({', '.join(PARAMETER_NAMES)}), found {found}",
            self.text,
            position,
        )


_PRECEDENCE = {"add": 1, "sub": 1, "neg": 2, "conv": 3, "scale": 3, "smul": 3}


def _show(node: Node, parent: int = 0) -> str:
    op = node.op
    if op in ("seq", "scalar"):
        return node.value
    if op == "delta":
        return "delta"
    if op == "number":
        return str(node.value)
    if op == "param":
        value = node.value
        return f"-{value[1]}" if isinstance(value, tuple) else str(value)
    if op == "tuple":
        return "(" + ", ".join(_show(a) for a in node.args) + ")"
    level = _PRECEDENCE.get(op, 9)
    if op in ("add", "sub"):
        right = _show(node.args[1], level + (op == "sub"))
        text = f"{_show(node.args[0], level)} {'+' if op == 'add' else '-'} {right}"
    elif op == "neg":
        text = f"-{_show(node.args[0], level + 1)}"
    elif op in ("conv", "smul"):
        text = f"{_show(node.args[0], level)} * {_show(node.args[1], level + 1)}"
    elif op == "scale":
        text = f"{_show(node.args[0], level + 1)} {_show(node.args[1], level + 1)}"
    elif op == "convmode":
        text = f'conv({_show(node.args[0])}, {_show(node.args[1])}, mode="{node.value}")'
    else:
        text = f"{op}(" + ", ".join(_show(a) for a in node.args) + ")"
    return f"({text})" if level < parent else text
