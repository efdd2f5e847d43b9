"""Direct evaluation of a counterexample from the defining sums, independently of the search.

The search (:mod:`convalg.symbolic.evaluate`) computes with its own bookkeeping of boxes and
entries; here each side is the defining sum of :func:`convalg.symbolic.sums.value` (the same
definitions the proofs start from), with every sum over Z cut to a range that contains the
support of every summand, expanded by sympy and evaluated on the counterexample's integers.
The sums are evaluated exactly (Gaussian rationals) by a small interpreter, term by term.
Statements with ``circ``, ``dft`` or a truncated ``conv(..., mode=...)`` are not covered (their
definitions are not plain sums over Z), nor counterexamples needing more than about 150,000 terms;
for them the numeric re-check is the second evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import sympy
from sympy import Sum, oo

from sympy import QQ_I, KroneckerDelta, Mod, conjugate

from convalg.symbolic import sums
from convalg.symbolic.gf import parameter_symbol, scalar_symbol
from convalg.symbolic.language import Statement

__all__ = ["DirectCheck", "evaluate_by_definition"]


_BUDGET = 150_000  # estimated terms per counterexample (about a second at most)


class _TooLarge(Exception):
    pass


def _cost(expr, radius) -> int:
    """An upper bound on the summand evaluations of :func:`_interpret`."""
    if isinstance(expr, Sum):
        size = 1
        for _, lo, hi in expr.limits:
            size *= (hi - lo + 1) if (hi - lo).is_Integer else 2 * radius + 1
        return size * _cost(expr.function, radius)
    return 1 + sum(_cost(a, radius) for a in expr.args)


def _interpret(expr, env, functions, radius, budget):
    """Evaluate a defining sum exactly (Gaussian rationals), sums over Z cut to [-radius, radius]."""
    if isinstance(expr, Sum):
        limits = list(expr.limits)  # innermost first

        def loop(depth, env):
            if depth < 0:
                budget[0] -= 1
                if budget[0] < 0:
                    raise _TooLarge
                return _interpret(expr.function, env, functions, radius, budget)
            var, lo, hi = limits[depth]
            lo = -radius if lo == -oo else int(_interpret(lo, env, functions, radius, budget).x)
            hi = radius if hi == oo else int(_interpret(hi, env, functions, radius, budget).x)
            total = QQ_I.zero
            for value in range(lo, hi + 1):
                env[var] = QQ_I(value, 0)
                total += loop(depth - 1, env)
            del env[var]
            return total

        return loop(len(limits) - 1, dict(env))
    if expr in env:
        return env[expr]
    if expr.is_Number or expr is sympy.I:
        return QQ_I.from_sympy(expr)
    args = [_interpret(a, env, functions, radius, budget) for a in expr.args]
    if isinstance(expr, sympy.Add):
        return sum(args[1:], args[0])
    if isinstance(expr, sympy.Mul):
        out = QQ_I.one
        for a in args:
            out *= a
        return out
    if isinstance(expr, sympy.Pow):
        return args[0] ** int(args[1].x)
    if isinstance(expr, KroneckerDelta):
        return QQ_I.one if args[0] == args[1] else QQ_I.zero
    if isinstance(expr, conjugate):
        return QQ_I(args[0].x, -args[0].y)
    if isinstance(expr, Mod):
        return QQ_I(int(args[0].x) % int(args[1].x), 0)
    if isinstance(expr, sympy.core.function.AppliedUndef):
        value = functions[expr.func.__name__](*(sympy.Integer(int(a.x)) for a in args))
        return QQ_I.from_sympy(_number(value))
    raise NotImplementedError(f"cannot evaluate {expr.func.__name__}")


@dataclass(frozen=True)
class DirectCheck:
    """The outcome: whether the defining sums reproduce the counterexample's sides and differ."""

    applicable: bool
    confirmed: bool
    indices: int = 0
    reason: str = ""

    def __str__(self) -> str:
        if not self.applicable:
            return f"not applicable ({self.reason})"
        state = "confirmed" if self.confirmed else "NOT confirmed"
        return (f"{state}: the defining sums, evaluated term by term at {self.indices} indices, reproduce "
                f"the sides{' and differ' if self.confirmed else ''}")


def _lookup(entries, dims):
    def value(*index):
        if not all(i.is_Integer for i in index):
            return None
        if dims == 1:
            i = int(index[0])
            return entries[i] if 0 <= i < len(entries) else 0
        i, j = (int(x) for x in index)
        if 0 <= i < len(entries) and 0 <= j < len(entries[0]):
            return entries[i][j]
        return 0

    return value


def _number(value):
    if isinstance(value, complex):
        return sympy.Integer(int(value.real)) + sympy.I * sympy.Integer(int(value.imag))
    if isinstance(value, tuple):
        return sympy.Rational(value[0]) + sympy.I * sympy.Rational(value[1])
    return sympy.nsimplify(value)


def _strides(statement: Statement) -> list[int]:
    found = [1]

    def visit(node):
        if node.op == "down" and isinstance(node.args[1].value, int):
            found.append(node.args[1].value)
        for arg in node.args:
            if hasattr(arg, "op"):
                visit(arg)

    for side in statement.sides:
        visit(side)
    return found


def evaluate_by_definition(statement: Statement, counterexample) -> DirectCheck:
    """Evaluate every side from its defining sums on ``counterexample``.

    Examples
    --------
    >>> from convalg.symbolic.language import parse
    >>> from convalg.symbolic.search import find_counterexample
    >>> from convalg.symbolic.direct import evaluate_by_definition
    >>> statement = parse("corr(f, g) == corr(g, f)")
    >>> example, _ = find_counterexample(statement)
    >>> evaluate_by_definition(statement, example).confirmed
    True
    """
    if statement.uses("circ", "dft", "convmode"):
        return DirectCheck(False, False, reason="circ, dft and truncated modes are not sums over Z")
    if not all(side.kind == "seq" for side in statement.sides):
        return DirectCheck(False, False, reason="a scalar identity")
    dims = counterexample.dims
    # every nonzero term of every sum lies within the sequences' total extent, moved by the
    # shifts and stretched by the strides: sums over Z are cut to [-radius, radius]
    extent = max(
        sum(len(e) for e in counterexample.sequences.values()),
        sum(len(e[0]) if dims == 2 and e else 0 for e in counterexample.sequences.values()),
    )
    params = {parameter_symbol(name): value for name, value in counterexample.parameters.items()}
    reach = extent + sum(abs(v) for v in counterexample.parameters.values()) + 1
    stride = max([v for v in counterexample.parameters.values() if v > 0] + [2]) if statement.uses("down") else 1
    if statement.uses("down"):
        stride = max(stride, *_strides(statement))
    radius = reach * stride
    boxes = [start for start, _ in counterexample.sides if start]
    scalars = {scalar_symbol(name): _number(v) for name, v in counterexample.scalars.items()}
    functions = {name: _lookup(entries, dims) for name, entries in counterexample.sequences.items()}

    bindings = {**{s: QQ_I.from_sympy(sympy.Integer(v)) for s, v in params.items()},
                **{s: QQ_I.from_sympy(v) for s, v in scalars.items()}}
    budget = [_BUDGET]

    def side_value(side, index):
        expr = sums.value(side, tuple(sympy.Integer(i) for i in index), dims)
        return _interpret(expr, dict(bindings), functions, radius, budget)

    if not boxes:
        return DirectCheck(False, False, reason="empty sides")
    exact = [dict() for _ in statement.sides]
    for k, (start, entries) in enumerate(counterexample.sides):
        flat = entries if dims == 1 else [v for row in entries for v in row]
        width = len(entries[0]) if dims == 2 and entries else 1
        for offset, v in enumerate(flat):
            at = (start[0] + offset,) if dims == 1 else (start[0] + offset // width, start[1] + offset % width)
            exact[k][at] = _number(v)
    lo = min(min(s) for s in boxes) - 1
    hi = max(max(s) for s in boxes) + max(
        (len(e) if dims == 1 else max(len(e), len(e[0]) if e else 0)) for _, e in counterexample.sides
    ) + 1
    indices = list(product(range(lo, hi + 1), repeat=dims)) if dims == 2 else [(i,) for i in range(lo, hi + 1)]
    cost = len(indices) * sum(_cost(sums.value(side, sums.index_symbols(dims), dims), radius)
                              for side in statement.sides)
    if cost > _BUDGET:
        return DirectCheck(False, False, reason=f"about {cost} terms to expand, more than {_BUDGET}")
    try:
        values = [[side_value(side, index) for index in indices] for side in statement.sides]
    except _TooLarge:
        return DirectCheck(False, False, reason=f"more than {_BUDGET} terms to expand")
    reproduces = all(
        values[k][j] == QQ_I.from_sympy(exact[k].get(index, sympy.Integer(0)))
        for k in range(len(statement.sides))
        for j, index in enumerate(indices)
    )
    differ = any(values[0][j] != values[k][j] for k in range(1, len(values)) for j in range(len(indices)))
    return DirectCheck(True, reproduces and differ, len(indices))
