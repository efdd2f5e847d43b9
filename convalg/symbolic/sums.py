"""Proofs as chains of sympy-checked rewrites of sums over the integers.

A sequence on Z^d is an undefined sympy function (``f(n)`` or ``f(n1, n2)``) of ARBITRARY
support; an operator applied at an index unfolds to its defining sum
(:func:`value`), e.g. ``(f*g)(n) = Sum(f(k)*g(n - k), (k, -oo, oo))``. A proof rewrites both
sides of a law, one rule at a time, until they are the same expression up to renaming of the
summation variables. Each rule is applied by sympy and checked by sympy (the step records how),
and carries its side condition: a reordering of infinite sums, or splitting an infinite sum of
a sum, needs absolute summability -- sympy does not check convergence, so the step says that it
relies on it and why it holds (finite support). A rule that does not apply, or whose check
fails, leaves the step unchecked and the proof unverified: nothing is claimed that was not
checked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sympy
from sympy import Function, KroneckerDelta, Mod, Sum, Symbol, conjugate, exp, oo, pi

from convalg.symbolic.gf import parameter_symbol, scalar_symbol
from convalg.symbolic.language import Node

__all__ = ["Step", "Chain", "value", "rewrite", "same_up_to_renaming", "index_symbols"]

FINITE_SUPPORT = (
    "absolute summability: every sequence is finitely supported, so only finitely many terms "
    "are nonzero (for l^1 sequences it holds by Tonelli); sympy does not check this"
)
FINITE_SUMS = "none: the sums are finite"


@dataclass
class Step:
    """One rewrite: ``before`` becomes ``after`` by ``rule``; ``checked`` says sympy confirmed it."""

    rule: str
    before: sympy.Expr
    after: sympy.Expr
    condition: str = ""
    checked: bool = False
    how: str = ""


@dataclass
class Chain:
    """A sequence of rewrites starting from ``start``; ``current`` is the last expression."""

    start: sympy.Expr
    steps: list[Step] = field(default_factory=list)

    @property
    def current(self) -> sympy.Expr:
        return self.steps[-1].after if self.steps else self.start

    @property
    def checked(self) -> bool:
        return all(step.checked for step in self.steps)

    def apply(self, rule: str, *args) -> Chain:
        self.steps.append(rewrite(self.current, rule, *args))
        return self


def index_symbols(dims: int, name: str = "n") -> tuple[Symbol, ...]:
    """The output index ``n`` (1-D) or ``n1, n2`` (2-D) as integer symbols.

    Examples
    --------
    >>> from convalg.symbolic.sums import index_symbols
    >>> index_symbols(2)
    (n1, n2)
    """
    if dims == 1:
        return (Symbol(name, integer=True),)
    return tuple(Symbol(f"{name}{i}", integer=True) for i in (1, 2))


class _Fresh:
    def __init__(self, dims: int):
        self.count = 0
        self.dims = dims

    def __call__(self) -> tuple[Symbol, ...]:
        name = f"k{self.count}"
        self.count += 1
        if self.dims == 1:
            return (Symbol(name, integer=True),)
        return tuple(Symbol(f"{name}{axis}", integer=True) for axis in ("a", "b"))


def _limits(variables, low=-oo, high=oo):
    return tuple((v, low, high) for v in variables)


def value(node: Node, index: tuple, dims: int, fresh: _Fresh | None = None, modulus=None) -> sympy.Expr:
    """The defining sum of ``node`` at ``index``.

    With ``modulus`` (a symbol N), sequences are taken as functions on Z/N: ``f(Mod(n, N))``.

    Examples
    --------
    >>> from sympy import Symbol
    >>> from convalg.symbolic.language import parse
    >>> from convalg.symbolic.sums import value
    >>> value(parse("f*g == g*f").sides[0], (Symbol("n", integer=True),), 1)
    Sum(f(k0)*g(-k0 + n), (k0, -oo, oo))
    """
    fresh = fresh or _Fresh(dims)
    builder = _Value(dims, fresh, modulus)
    return builder.at(node, tuple(index))


class _Value:
    def __init__(self, dims, fresh, modulus):
        self.dims = dims
        self.fresh = fresh
        self.modulus = modulus

    def param(self, node: Node):
        v = node.value
        if isinstance(v, int):
            return sympy.Integer(v)
        if isinstance(v, tuple):
            return -parameter_symbol(v[1])
        return parameter_symbol(v)

    def at(self, node: Node, n: tuple) -> sympy.Expr:
        op = node.op
        a = node.args
        if op == "seq":
            if self.modulus is not None:
                return Function(node.value)(*(Mod(i, self.modulus) for i in n))
            return Function(node.value)(*n)
        if op == "delta":
            result = sympy.Integer(1)
            for i in n:
                result *= KroneckerDelta(Mod(i, self.modulus) if self.modulus is not None else i, 0)
            return result
        if op == "scalar":
            return scalar_symbol(node.value)
        if op == "number":
            return sympy.Rational(node.value.numerator, node.value.denominator)
        if op in ("add", "sub"):
            left, right = self.at(a[0], n), self.at(a[1], n)
            return left + right if op == "add" else left - right
        if op == "neg":
            return -self.at(a[0], n)
        if op in ("scale", "smul"):
            return self.at(a[0], n) * self.at(a[1], n)
        if op == "conv":
            k = self.fresh()
            return Sum(self.at(a[0], k) * self.at(a[1], tuple(i - j for i, j in zip(n, k))), *_limits(k))
        if op == "corr":
            k = self.fresh()
            return Sum(self.at(a[0], tuple(i + j for i, j in zip(n, k))) * conjugate(self.at(a[1], k)), *_limits(k))
        if op == "circ":
            size = self.param(a[2])
            inner = _Value(self.dims, self.fresh, size)
            k = self.fresh()
            return Sum(
                inner.at(a[0], k) * inner.at(a[1], tuple(i - j for i, j in zip(n, k))),
                *_limits(k, 0, size - 1),
            )
        if op == "dft":
            size = self.param(a[1])
            inner = _Value(self.dims, self.fresh, size)
            k = self.fresh()
            phase = sum((i * j for i, j in zip(n, k)), sympy.Integer(0))
            return Sum(inner.at(a[0], k) * exp(-2 * pi * sympy.I * phase / size), *_limits(k, 0, size - 1))
        if op == "hadamard":
            return self.at(a[0], n) * self.at(a[1], n)
        if op == "shift":
            offset = a[1]
            parts = [self.param(p) for p in offset.args] if offset.op == "tuple" else [self.param(offset)] * self.dims
            return self.at(a[0], tuple(i - d for i, d in zip(n, parts)))
        if op == "flip":
            return self.at(a[0], tuple(-i for i in n))
        if op == "conj":
            return conjugate(self.at(a[0], n))
        if op == "down":
            s = self.param(a[1])
            return self.at(a[0], tuple(s * i for i in n))
        raise NotImplementedError(f"no defining sum for {op!r} (truncated modes depend on lengths)")


# ----------------------------------------------------------------------------------------------
# rules


class _NotApplicable(Exception):
    pass


def _sums_over(expr, variables):
    """Sum nodes of ``expr`` that bind all of ``variables`` (preorder)."""
    found = []

    def visit(e):
        if isinstance(e, Sum) and set(variables) <= set(e.variables):
            found.append(e)
        for arg in e.args:
            visit(arg)

    visit(expr)
    return found


def _the_sum(expr, variables):
    found = _sums_over(expr, variables)
    if not found:
        raise _NotApplicable(f"no sum over {', '.join(map(str, variables))}")
    return found[0]


def _group(expr, name):
    """The summation variables an index name stands for: ``k0`` (1-D) or ``k0a, k0b`` (2-D)."""
    symbols = {s.name: s for s in _bound_and_free(expr)}
    if name in symbols:
        return [symbols[name]]
    group = [symbols[f"{name}{axis}"] for axis in ("a", "b") if f"{name}{axis}" in symbols]
    group = group or [symbols[f"{name}{axis}"] for axis in ("1", "2") if f"{name}{axis}" in symbols]
    if not group:
        raise _NotApplicable(f"no variable {name} in the expression")
    return group


def _bound_and_free(expr):
    return expr.atoms(Symbol)


def _axis_locals(expr, axis: int, dims: int):
    """Names in a substitution, for one axis: ``n`` -> ``n1``, ``k0`` -> ``k0a`` in 2-D."""
    symbols = {s.name: s for s in _bound_and_free(expr)}
    if dims == 1:
        return symbols
    local = dict(symbols)
    for name, symbol in symbols.items():
        if name.endswith("ab"[axis]) and name[:-1] and name[0] == "k":
            local[name[:-1]] = symbol
        for base in ("n", "i", "j"):
            if name == f"{base}{axis + 1}":
                local[base] = symbol
    return local


def rewrite(expr: sympy.Expr, rule: str, *args) -> Step:
    """Apply ``rule`` to ``expr`` and check the result with sympy; never raises for a bad step.

    Examples
    --------
    >>> from sympy import Function, Sum, Symbol, oo
    >>> from convalg.symbolic.sums import rewrite
    >>> k, n = Symbol("k0", integer=True), Symbol("n", integer=True)
    >>> f, g = Function("f"), Function("g")
    >>> step = rewrite(Sum(f(k) * g(n - k), (k, -oo, oo)), "change_index", "k0", "n - k0")
    >>> step.checked, step.after
    (True, Sum(f(-k0 + n)*g(k0), (k0, -oo, oo)))
    >>> rewrite(step.after, "change_index", "k0", "2*k0").checked
    False
    """
    try:
        after, condition, checked, how = _RULES[rule](expr, *args)
    except _NotApplicable as reason:
        return Step(_describe(rule, args), expr, expr, "", False, f"not applicable: {reason}")
    return Step(_describe(rule, args), expr, after, condition, checked, how)


def _describe(rule, args):
    words = {
        "change_index": "change of index {0} -> {1}",
        "reorder": "reorder the sums over {0} and {1}",
        "pull_in": "move factors into the sum over {0}",
        "pull_out": "move factors free of {0} out of its sum",
        "split": "split the sum over {0} of a sum",
        "delta": "evaluate the Kronecker delta in the sum over {0}",
        "expand": "expand",
        "conjugate_in": "move conjugation into the sum over {0}",
        "periodic_window": "shift the summation window of an N-periodic summand over {0}",
        "merge": "write a product of sums as a double sum",
    }[rule]
    return words.format(*args)


def _change_index(expr, name, substitution):
    """old ``name`` := ``substitution`` (a string in the new variable of the same name), per axis."""
    group = _group(expr, name)
    the_sum = _the_sum(expr, group)
    after_sum = the_sum
    checks = []
    parts = substitution.split("|")
    for axis, var in enumerate(group):
        locals_ = _axis_locals(expr, axis, len(group))
        locals_.update({name: parameter_symbol(name) for name in ("k", "m", "N") if name not in locals_})
        new = sympy.sympify(parts[min(axis, len(parts) - 1)], locals=locals_)
        slope = sympy.diff(new, var)
        offset = sympy.expand(new - slope * var)
        if slope not in (1, -1) or offset.has(var) or not (offset.is_integer or offset == 0):
            raise _NotApplicable(f"{name} -> {substitution} is not a bijection of Z (slope {slope})")
        # sympy's change_index takes the new variable as a function of the old one
        before_axis = after_sum
        after_sum = before_axis.change_index(var, slope * (var - offset), var)
        checks.append(sympy.expand(after_sum.function - before_axis.function.subs(var, new)) == 0)
    return (
        expr.xreplace({the_sum: after_sum}),
        "",
        all(checks),
        (
            "sympy Sum.change_index; k -> ±k + c is a bijection of the index set and the summand equals "
            f"the old one at the new {name}"
        ),
    )


def _reorder(expr, first_name, second_name):
    first = _group(expr, first_name)
    second = _group(expr, second_name)
    target = _the_sum(expr, first + second)
    limits = list(target.limits)
    positions = [i for i, lim in enumerate(limits) if lim[0] in first]
    others = [i for i, lim in enumerate(limits) if lim[0] in second]
    moved = [limits[i] for i in others] + [limits[i] for i in positions]
    slots = sorted(positions + others)
    if any(lim[1].has(*first, *second) or lim[2].has(*first, *second) for lim in moved):
        raise _NotApplicable("a limit depends on a variable it would be moved across")
    earlier, later = (positions, others) if min(positions) < min(others) else (others, positions)
    for slot, lim in zip(slots, [limits[i] for i in later] + [limits[i] for i in earlier]):
        limits[slot] = lim
    swapped = Sum(target.function, *limits)
    # the sums crossed by the move count too: moving past an infinite sum needs summability
    crossed = target.limits[min(slots) : max(slots) + 1]
    infinite = any(lim[1] == -oo or lim[2] == oo for lim in crossed)
    return (
        expr.xreplace({target: swapped}),
        FINITE_SUPPORT if infinite else FINITE_SUMS,
        swapped.function == target.function and set(swapped.limits) == set(target.limits),
        "the limits are independent of each other and the summand is unchanged (Fubini)",
    )


def _infinite(target) -> bool:
    return any(lim[1] == -oo or lim[2] == oo for lim in target.limits)


def _pull_in(expr, name):
    target = _the_sum(expr, _group(expr, name))
    for mul in expr.atoms(sympy.Mul):
        if target in mul.args:
            others = [a for a in mul.args if a is not target]
            factor = sympy.Mul(*others)
            if factor.has(*target.variables):
                raise _NotApplicable(f"a factor depends on {name}")
            after = Sum(factor * target.function, *target.limits)
            return (
                expr.xreplace({mul: after}),
                "the inner sum converges (finite support)" if _infinite(target) else FINITE_SUMS,
                not factor.has(*target.variables),
                f"the factor {factor} is free of {name} (linearity of the sum)",
            )
    raise _NotApplicable(f"the sum over {name} is not multiplied by anything")


def _pull_out(expr, name):
    target = _the_sum(expr, _group(expr, name))
    inside, outside = sympy.S.One, sympy.S.One
    for factor in sympy.Mul.make_args(target.function):
        if factor.has(*target.variables):
            inside *= factor
        else:
            outside *= factor
    if outside == 1:
        raise _NotApplicable(f"every factor depends on {name}")
    after = outside * Sum(inside, *target.limits)
    return (
        expr.xreplace({target: after}),
        "the sum converges (finite support)" if _infinite(target) else FINITE_SUMS,
        sympy.expand(outside * inside - target.function) == 0,
        "the summand is the product of the moved factors and the rest (linearity)",
    )


def _split(expr, name):
    target = _the_sum(expr, _group(expr, name))
    terms = sympy.Add.make_args(sympy.expand(target.function))
    if len(terms) < 2:
        raise _NotApplicable("the summand is not a sum")
    after = sympy.Add(*(Sum(term, *target.limits) for term in terms))
    infinite = any(lim[1] == -oo or lim[2] == oo for lim in target.limits)
    return (
        expr.xreplace({target: after}),
        "each part converges: " + FINITE_SUPPORT if infinite else FINITE_SUMS,
        sympy.expand(sympy.Add(*terms) - target.function) == 0,
        "the parts add up to the summand (sympy expand)",
    )


def _delta(expr, name):
    group = _group(expr, name)
    target = _the_sum(expr, group)
    summand = target.function
    remaining = [lim for lim in target.limits if lim[0] not in group]
    checks = []
    for var in group:
        deltas = [d for d in summand.atoms(KroneckerDelta) if d.has(var)]
        if not deltas:
            raise _NotApplicable(f"no Kronecker delta in {var}")
        delta = deltas[0]
        solutions = sympy.solve(sympy.Eq(delta.args[0], delta.args[1]), var)
        if len(solutions) != 1:
            raise _NotApplicable("the delta does not fix the variable")
        point = solutions[0]
        if point.is_integer is not True:
            # e.g. delta(2k - n) fixes k = n/2, an integer only for even n
            raise _NotApplicable(f"the delta fixes {var} = {point}, which sympy cannot show is an integer")
        low, high = next(lim[1:] for lim in target.limits if lim[0] == var)
        if not (low == -oo and high == oo):
            raise _NotApplicable(f"{var} = {point} may lie outside the summation range")
        factor, rest = summand.as_independent(delta, as_Add=False)
        if rest != delta:
            raise _NotApplicable("the delta is not a factor of the summand")
        checks.append(delta.subs(var, point) == 1)
        summand = factor.subs(var, point)
    after = Sum(summand, *remaining) if remaining else summand
    return (
        expr.xreplace({target: after}),
        "every term off the delta's support is zero",
        all(checks),
        "the delta is 1 exactly at one index (sympy KroneckerDelta)",
    )


def _expand(expr):
    after = sympy.expand(expr, power_exp=True)
    after = after.replace(
        lambda e: isinstance(e, Sum), lambda e: Sum(sympy.expand(e.function, power_exp=True), *e.limits)
    )
    return after, "", True, "sympy expand (algebra of the summand)"


def _conjugate_in(expr, name):
    group = _group(expr, name)
    for c in expr.atoms(conjugate):
        inner = c.args[0]
        if isinstance(inner, Sum) and set(group) <= set(inner.variables):
            after = Sum(conjugate(inner.function), *inner.limits)
            return (
                expr.xreplace({c: after}),
                "the sum converges (finite support); conjugation is continuous",
                True,
                "conjugation is additive (sympy conjugate of the summand)",
            )
    raise _NotApplicable(f"no conjugated sum over {name}")


def _periodic_window(expr, name, period):
    group = _group(expr, name)
    target = _the_sum(expr, group)
    n = parameter_symbol(period)
    limits = list(target.limits)
    periodic = True
    for i, (var, low, high) in enumerate(limits):
        if var in group:
            if sympy.expand(high - low - (n - 1)) != 0:
                raise _NotApplicable("the window is not one period long")
            shifted = target.function.subs(var, var + n) - target.function
            periodic &= sympy.simplify(sympy.expand(shifted, power_exp=True)) == 0
            limits[i] = (var, 0, n - 1)
    after = Sum(target.function, *limits)
    return (
        expr.xreplace({target: after}),
        f"the summand is {period}-periodic in {name}",
        bool(periodic),
        f"sympy: summand({name} + {period}) - summand({name}) simplifies to 0",
    )


def _merge(expr):
    for mul in expr.atoms(sympy.Mul):
        sums = [a for a in mul.args if isinstance(a, Sum)]
        if len(sums) >= 2:
            first, second = sums[:2]
            if set(first.variables) & set(second.variables) or first.function.has(*second.variables):
                raise _NotApplicable("the sums share a variable: rename first")
            rest = sympy.Mul(*(a for a in mul.args if a is not first and a is not second))
            after = rest * Sum(Sum(first.function * second.function, *second.limits), *first.limits)
            return (
                expr.xreplace({mul: after}),
                "both sums converge absolutely (finite support)"
                if _infinite(first) or _infinite(second)
                else FINITE_SUMS,
                True,
                "distributivity: a product of two sums is the double sum of the products",
            )
    raise _NotApplicable("no product of two sums")


# rule name -> rewrite(expr, *args) returning (after, side condition, checked, how it was checked)
_RULES: dict[str, Callable[..., tuple[sympy.Expr, str, bool, str]]] = {
    "change_index": _change_index,
    "reorder": _reorder,
    "pull_in": _pull_in,
    "pull_out": _pull_out,
    "split": _split,
    "delta": _delta,
    "expand": _expand,
    "conjugate_in": _conjugate_in,
    "periodic_window": _periodic_window,
    "merge": _merge,
}


def canonical(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with summation variables renamed by depth (``_b0, _b1, ...``), summands expanded.

    Examples
    --------
    >>> from sympy import Function, Sum, Symbol, oo
    >>> from convalg.symbolic.sums import canonical
    >>> canonical(Sum(Function("f")(Symbol("j")), (Symbol("j"), -oo, oo)))
    Sum(f(_b0), (_b0, -oo, oo))
    """
    counter = [0]

    def visit(e):
        if isinstance(e, Sum):
            mapping = {}
            for v in e.variables:
                mapping[v] = Symbol(f"_b{counter[0]}", integer=True)
                counter[0] += 1
            limits = [(mapping[lim[0]], lim[1], lim[2]) for lim in e.limits]
            return Sum(visit(sympy.expand(e.function.xreplace(mapping), power_exp=True)), *limits)
        if not e.args:
            return e
        return e.func(*(visit(a) for a in e.args))

    return sympy.expand(visit(expr))


def same_up_to_renaming(left: sympy.Expr, right: sympy.Expr) -> bool:
    """Whether two expressions are equal after renaming bound variables and expanding.

    Examples
    --------
    >>> from sympy import Function, Sum, Symbol, oo
    >>> from convalg.symbolic.sums import same_up_to_renaming
    >>> f, j, k = Function("f"), Symbol("j"), Symbol("k")
    >>> same_up_to_renaming(Sum(f(j), (j, -oo, oo)), Sum(f(k), (k, -oo, oo)))
    True
    """
    difference = sympy.expand(canonical(left) - canonical(right))
    return difference == 0
