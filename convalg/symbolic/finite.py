"""Decide a statement exactly when its sides depend on finitely many values of the inputs.

Inputs are arrays: finitely supported, first index 0 on every axis. Many statements see an
input ``f`` only through finitely many numbers: its wrap modulo N (inside ``circ`` and
``dft``: ``f_N(r) = sum_q f(r + q N)``), and its entries at finitely many indices (``hadamard``
with a sequence of bounded support, ``down`` of one, a convolution evaluated at finitely many
indices, negative indices where an array is 0). :class:`_Analysis` computes, for each side, such
a *view*: for each input a modulus M (or none) and a finite set of indices P, such that the side
is a function of ``wrap_M(f)`` and ``f`` on P -- or says there is none.

When every side has a view, let V be P together with one complete residue system modulo M past
P (per input). Every array agrees in its view with an array supported on V (set it to f on P,
and put on the residue system what makes the wraps agree), so the statement holds for all
arrays exactly when it holds for arrays supported on V: a polynomial identity in the entries on
V (and their conjugates, the scalars, and a root of unity for ``dft``), which the exact
evaluator decides by expanding both sides with symbolic entries. When the sides differ, random
Gaussian-integer entries on V find a counterexample (a nonzero polynomial is nonzero almost
everywhere), which is then made small.

The decision applies to statements without truncated modes (whose values depend on the
lengths of the inputs, not only on their values) and with concrete integer parameters.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from itertools import product

from convalg.symbolic.evaluate import (
    Arithmetic,
    Finite,
    TooLarge,
    Undefined,
    equal,
    evaluate_sides,
    root_order,
)
from convalg.symbolic.language import Node, Statement, parameter_value, terms_bound

__all__ = ["View", "views", "decide_finite", "Outcome"]

INF = math.inf
MAX_POINTS = 4096  # indices in one view
MAX_ENTRIES = 160  # symbolic entries in the decision, over all inputs
MAX_MONOMIALS = 200_000  # monomials the sides may expand to


class Unbounded(Exception):
    """The node depends on infinitely many values of an input (or on its length)."""


@dataclass
class View:
    """What a value depends on: for each input, a wrap modulus and a set of indices."""

    wraps: dict = field(default_factory=dict)  # name -> modulus
    points: dict = field(default_factory=dict)  # name -> set of index tuples (all >= 0)

    def merge(self, other: View) -> View:
        wraps = dict(self.wraps)
        for name, modulus in other.wraps.items():
            wraps[name] = math.lcm(wraps.get(name, 1), modulus)
        points = {name: set(p) for name, p in self.points.items()}
        for name, p in other.points.items():
            points.setdefault(name, set()).update(p)
            if len(points[name]) > MAX_POINTS:
                raise Unbounded(f"more than {MAX_POINTS} entries of {name}")
        return View(wraps, points)

    def describe(self) -> str:
        parts = []
        for name in sorted(set(self.wraps) | set(self.points)):
            seen = []
            if name in self.wraps:
                seen.append(f"its wrap modulo {self.wraps[name]}")
            if self.points.get(name):
                seen.append(f"{len(self.points[name])} of its entries")
            parts.append(f"{name}: " + " and ".join(seen))
        return "; ".join(parts) or "no input"


def _merge(views) -> View:
    out = View()
    for view in views:
        out = out.merge(view)
    return out


def _ceil_div(a, s):
    return a if a in (INF, -INF) else -((-a) // s)


def _floor_div(a, s):
    return a if a in (INF, -INF) else a // s


class _Analysis:
    def __init__(self, dims: int, env: dict):
        self.dims = dims
        self.env = env

    def param(self, node: Node) -> int:
        return parameter_value(node, self.env)

    def offset(self, node: Node) -> tuple:
        if node.op == "tuple":
            return tuple(self.param(a) for a in node.args)
        return (self.param(node),) * self.dims

    # -- where a value can be nonzero: per axis (lo, hi), inclusive, possibly infinite
    def support(self, node: Node) -> list:
        op, a = node.op, node.args
        if op == "seq":
            return [(0, INF)] * self.dims
        if op == "delta":
            return [(0, 0)] * self.dims
        if op in ("add", "sub"):
            left, right = self.support(a[0]), self.support(a[1])
            if _empty(left):
                return right
            if _empty(right):
                return left
            return [(min(p[0], q[0]), max(p[1], q[1])) for p, q in zip(left, right)]
        if op in ("neg", "conj"):
            return self.support(a[0])
        if op == "scale":
            return self.support(a[1])
        if op == "shift":
            return [(lo + k, hi + k) for (lo, hi), k in zip(self.support(a[0]), self.offset(a[1]))]
        if op == "flip":
            return [(-hi, -lo) for lo, hi in self.support(a[0])]
        if op == "conv":
            return [(p[0] + q[0], p[1] + q[1]) for p, q in zip(self.support(a[0]), self.support(a[1]))]
        if op == "corr":
            return [(p[0] - q[1], p[1] - q[0]) for p, q in zip(self.support(a[0]), self.support(a[1]))]
        if op in ("circ", "dft"):
            n = self.param(a[2] if op == "circ" else a[1])
            return [(0, n - 1)] * self.dims
        if op == "hadamard":
            return [(max(p[0], q[0]), min(p[1], q[1])) for p, q in zip(self.support(a[0]), self.support(a[1]))]
        if op == "down":
            s = self.param(a[1])
            return [(_ceil_div(lo, s), _floor_div(hi, s)) for lo, hi in self.support(a[0])]
        raise Unbounded(f"{op} depends on the lengths of its inputs")

    # -- the view of the whole value
    def view(self, node: Node) -> View:
        op, a = node.op, node.args
        if op == "delta":
            return View()
        if op in ("add", "sub"):
            return _merge([self.view(a[0]), self.view(a[1])])
        if op in ("neg", "conj", "shift", "flip"):
            return self.view(a[0])
        if op == "scale":
            return self.view(a[1])
        if op == "circ":
            n = self.param(a[2])
            return _merge([self.wrapview(a[0], n), self.wrapview(a[1], n)])
        if op == "dft":
            return self.wrapview(a[0], self.param(a[1]))
        if op in ("conv", "corr"):
            try:
                return _merge([self.view(a[0]), self.view(a[1])])
            except Unbounded:
                pass
        return self.pointview(node, self.points_of(self.support(node), node))

    def points_of(self, box: list, node: Node) -> set:
        if _empty(box):
            return set()
        if any(lo == -INF or hi == INF for lo, hi in box):
            raise Unbounded(f"{node} depends on infinitely many entries")
        if math.prod(hi - lo + 1 for lo, hi in box) > MAX_POINTS:
            raise Unbounded(f"{node} depends on more than {MAX_POINTS} entries")
        return set(product(*(range(lo, hi + 1) for lo, hi in box)))

    # -- the view of the wrap modulo n of the value
    def wrapview(self, node: Node, n: int) -> View:
        op, a = node.op, node.args
        if op == "seq":
            return View(wraps={node.value: n})
        if op == "delta":
            return View()
        if op in ("add", "sub", "conv", "corr"):
            return _merge([self.wrapview(a[0], n), self.wrapview(a[1], n)])
        if op in ("neg", "conj", "shift", "flip"):
            return self.wrapview(a[0], n)
        if op == "scale":
            return self.wrapview(a[1], n)
        if op == "circ" and self.param(a[2]) % n == 0:
            return _merge([self.wrapview(a[0], n), self.wrapview(a[1], n)])
        if op == "down":  # wrap_n(down(a, s)) is a function of wrap_(s n)(a)
            return self.wrapview(a[0], self.param(a[1]) * n)
        return self.view(node)

    # -- the view of the values at finitely many indices
    def pointview(self, node: Node, points: set) -> View:
        box = self.support(node)
        points = {p for p in points if all(lo <= x <= hi for x, (lo, hi) in zip(p, box))}
        if not points:
            return View()
        if len(points) > MAX_POINTS:
            raise Unbounded(f"more than {MAX_POINTS} entries of {node}")
        op, a = node.op, node.args
        if op == "seq":
            return View(points={node.value: points})
        if op == "delta":
            return View()
        if op in ("add", "sub", "hadamard"):
            return _merge([self.pointview(a[0], points), self.pointview(a[1], points)])
        if op in ("neg", "conj"):
            return self.pointview(a[0], points)
        if op == "scale":
            return self.pointview(a[1], points)
        if op == "shift":
            k = self.offset(a[1])
            return self.pointview(a[0], {tuple(x - d for x, d in zip(p, k)) for p in points})
        if op == "flip":
            return self.pointview(a[0], {tuple(-x for x in p) for p in points})
        if op == "down":
            s = self.param(a[1])
            return self.pointview(a[0], {tuple(s * x for x in p) for p in points})
        if op in ("conv", "corr"):
            return self._product_points(node, points)
        if op in ("circ", "dft"):
            return self.view(node)
        raise Unbounded(f"{op} depends on the lengths of its inputs")

    def _product_points(self, node: Node, points: set) -> View:
        """(a*b)(n) = sum_k a(k) b(n - k); corr(a, b)(m) = sum_j a(j + m) conj(b(j))."""
        a, b = node.args[0], node.args[1]
        sa, sb = self.support(a), self.support(b)
        left, right = set(), set()
        for p in points:
            ranges = []
            for x, (alo, ahi), (blo, bhi) in zip(p, sa, sb):
                if node.op == "conv":  # k in supp(a) and n - k in supp(b)
                    lo, hi = max(alo, x - bhi), min(ahi, x - blo)
                else:  # j in supp(b) and j + m in supp(a)
                    lo, hi = max(blo, alo - x), min(bhi, ahi - x)
                if lo == -INF or hi == INF:
                    raise Unbounded(f"{node} at one index depends on infinitely many entries")
                ranges.append(range(int(lo), int(hi) + 1))
            for k in product(*ranges):
                if node.op == "conv":
                    left.add(k)
                    right.add(tuple(x - y for x, y in zip(p, k)))
                else:
                    right.add(k)
                    left.add(tuple(x + y for x, y in zip(p, k)))
                if len(left) > MAX_POINTS:
                    raise Unbounded(f"more than {MAX_POINTS} entries of {node}")
        return _merge([self.pointview(a, left), self.pointview(b, right)])


def _empty(box) -> bool:
    return any(lo > hi for lo, hi in box)


def views(statement: Statement, dims: int, parameters: dict | None = None) -> list[View]:
    """The view of each side; raises :class:`Unbounded` when a side has none.

    Examples
    --------
    >>> from convalg.symbolic.language import parse
    >>> from convalg.symbolic.finite import views
    >>> [view.describe() for view in views(parse("dft(circ(f, g, 6), 6) == hadamard(f, shift(delta, 4))"), 1)]
    ['f: its wrap modulo 6; g: its wrap modulo 6', 'f: 1 of its entries']
    """
    analysis = _Analysis(dims, parameters or {})
    if statement.uses("convmode"):
        raise Unbounded("conv(..., mode=...) depends on the lengths of its inputs")
    return [analysis.view(side) if side.kind == "seq" else View() for side in statement.sides]


@dataclass
class Outcome:
    """The finite decision: ``holds`` (True/False), the entries it used, and a witness when False."""

    holds: bool
    positions: dict  # name -> sorted list of index tuples where the symbolic entries were
    view: str
    witness: tuple[dict, dict] | None = None  # (sequences, scalars) on which the sides differ


def _positions(view: View, dims: int) -> dict:
    """V: the view's indices of each input and one residue system past them."""
    out = {}
    for name in sorted(set(view.wraps) | set(view.points)):
        points = set(view.points.get(name, ()))
        if name in view.wraps:
            modulus = view.wraps[name]
            first = 1 + max((max(p) for p in points), default=-1)
            points |= set(product(range(first, first + modulus), repeat=dims))
        out[name] = sorted(points)
    return out


def decide_finite(
    statement: Statement, dims: int, parameters: dict | None = None, budget=None, rng: random.Random | None = None
) -> Outcome:
    """Decide ``statement`` (concrete parameters) on arrays, exactly; raises :class:`Unbounded`
    when it does not depend on finitely many entries, :class:`TooLarge` when the symbolic
    evaluation is too large.

    Examples
    --------
    >>> from convalg.symbolic.language import parse
    >>> from convalg.symbolic.finite import decide_finite
    >>> decide_finite(parse("dft(circ(f, g, 6), 6) == hadamard(dft(f, 6), dft(g, 6))"), 1).holds
    True
    >>> outcome = decide_finite(parse("circ(hadamard(f, shift(delta, 4)), delta, 4) == circ(f, delta, 1)"), 1)
    >>> outcome.holds, outcome.witness is not None
    (False, True)
    """
    parameters = dict(parameters or {})
    missing = [p for p in statement.names("param") if p not in parameters]
    if missing:
        raise Unbounded(f"the parameters {', '.join(missing)} are symbolic")
    side_views = views(statement, dims, parameters)
    view = _merge(side_views)
    positions = _positions(view, dims)
    for name in statement.names("seq"):
        positions.setdefault(name, [])
    entries = sum(len(p) for p in positions.values())
    if entries > MAX_ENTRIES:
        raise TooLarge(f"the decision needs {entries} symbolic entries (more than {MAX_ENTRIES})")
    scalars = statement.names("scalar")
    sizes = {name: max(len(indices), 1) for name, indices in positions.items()}
    monomials = max(terms_bound(side, sizes, parameters, dims) for side in statement.sides)
    if monomials > MAX_MONOMIALS:
        raise TooLarge(f"the sides may expand to {monomials} monomials (more than {MAX_MONOMIALS})")
    order = root_order(statement, parameters)
    generators = [_entry_name(name, index) for name, indices in positions.items() for index in indices]
    arithmetic = Arithmetic(generators + scalars, conjugates=statement.uses("corr", "conj", "dft"), root_order=order)
    env = dict(parameters)
    for name, indices in positions.items():
        env[name] = _symbolic(name, indices, dims, arithmetic)
    for scalar in scalars:
        env[scalar] = arithmetic.generator(scalar)
    if budget is not None:
        budget.check("the finite decision")
    sides = evaluate_sides(statement, env, arithmetic, dims)
    holds = all(equal(sides[0], other, arithmetic) for other in sides[1:])
    described = "; ".join(f"side {i + 1}: {v.describe()}" for i, v in enumerate(side_views))
    if holds:
        return Outcome(True, positions, described)
    witness = _witness(statement, dims, positions, parameters, rng or random.Random(0), budget)
    return Outcome(False, positions, described, witness)


def _entry_name(name: str, index: tuple) -> str:
    return f"{name}_" + "_".join(str(i) for i in index)


def _symbolic(name, indices, dims, arithmetic) -> Finite:
    data = {index: arithmetic.generator(_entry_name(name, index)) for index in indices}
    return _array(data, dims)


def _array(data: dict, dims: int) -> Finite:
    """An array (first index 0) holding ``data``; length 1 when empty."""
    shape = tuple(max((i[a] for i in data), default=0) + 1 for a in range(dims))
    return Finite((0,) * dims, shape, data)


def _witness(statement, dims, positions, parameters, rng, budget):
    """Random Gaussian-integer entries on V until the sides differ: ``(sequences, scalars)``."""
    from convalg.symbolic.search import evaluation_arithmetic, sides_differ

    arithmetic = evaluation_arithmetic(statement, parameters)
    for attempt in range(40):
        if budget is not None:
            budget.check("the search for a witness")
        spread = 2 if attempt < 20 else 50
        sequences = {
            name: {index: complex(rng.randint(-spread, spread), rng.randint(-spread, spread)) for index in indices}
            for name, indices in positions.items()
        }
        scalars = {
            name: complex(rng.randint(-spread, spread), rng.randint(-spread, spread))
            for name in statement.names("scalar")
        }
        try:
            if sides_differ(statement, dims, sequences, scalars, parameters, arithmetic):
                return sequences, scalars
        except Undefined:
            continue
    return None
