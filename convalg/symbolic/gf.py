"""Generating functions: a decision procedure for identities of finitely supported sequences.

A finitely supported sequence ``a`` on Z^d is determined by its Laurent polynomial
``A(z) = sum_n a(n) z^n``. Under this map (each rule is a law proved in
:mod:`convalg.symbolic.laws`):

* ``a * b -> A(z) B(z)`` (law ``generating-function``), ``delta -> 1``;
* ``shift(a, k) -> z^k A(z)``, ``flip(a) -> A(1/z)``;
* ``conj(a) -> Abar(z)`` (conjugate coefficients: the atom ``f`` becomes ``fbar``);
* ``corr(a, b) -> A(z) Bbar(1/z)``;
* ``circ(a, b, N)`` -> ``Wrap_N(A B)``, the reduction modulo ``z^N - 1`` (a ring
  homomorphism, so inner wraps of the same ``N`` drop out and it is linear).

``down``, ``hadamard`` and ``dft`` become opaque atoms whose argument is itself normalised, so
that identities that hold because their arguments agree are still found. When the two sides
expand to the same expression in the atoms the identity holds for all finitely supported
sequences of any length; when they do not, nothing is concluded here (a counterexample search
or a named law decides).
"""

from __future__ import annotations

import sympy
from sympy import Function, Symbol, conjugate, expand

from convalg.symbolic.language import POSITIVE_PARAMETERS, SCALAR_NAMES, Node

__all__ = ["NotAlgebraic", "generating_function", "variables"]


class NotAlgebraic(Exception):
    """The expression has no generating-function form (a truncated ``conv(..., mode=...)``)."""


_Z = {1: (Symbol("z"),), 2: (Symbol("z1"), Symbol("z2"))}
_W = {1: (Symbol("w"),), 2: (Symbol("w1"), Symbol("w2"))}


def variables(dims: int) -> tuple[Symbol, ...]:
    """The generating-function variables ``z`` (1-D) or ``z1, z2`` (2-D).

    Examples
    --------
    >>> from convalg.symbolic.gf import variables
    >>> variables(2)
    (z1, z2)
    """
    return _Z[dims]


def parameter_symbol(name: str) -> Symbol:
    """The sympy symbol of an integer parameter (``N M K s`` positive).

    Examples
    --------
    >>> from convalg.symbolic.gf import parameter_symbol
    >>> parameter_symbol("N").is_positive, parameter_symbol("k").is_integer
    (True, True)
    """
    return Symbol(name, integer=True, positive=name in POSITIVE_PARAMETERS or None)


def scalar_symbol(name: str) -> Symbol:
    """The sympy symbol of a scalar (complex).

    Examples
    --------
    >>> from convalg.symbolic.gf import scalar_symbol
    >>> scalar_symbol("alpha").is_complex
    True
    """
    return Symbol(name, complex=True)


class Wrap(Function):
    """``Wrap(N, P(w), z...)``: the sequence of ``P`` reduced modulo ``w^N - 1``, evaluated at z."""


class Down(Function):
    """``Down(s, P(w), z...)``: the generating function of ``down(p, s)`` at z."""


class Hadamard(Function):
    """``Hadamard(P(w), Q(w), z...)``: the generating function of the pointwise product at z."""


class Dft(Function):
    """``Dft(N, P(w), z...)``: the generating function of ``dft(p, N)`` at z."""


class Conjugated(Function):
    """``Conjugated(P(w), z...)``: coefficient-conjugate of an opaque generating function."""


_OPAQUE = (Wrap, Down, Hadamard, Dft, Conjugated)
# how many leading arguments of each atom are its bound content (the rest are the point z)
_CONTENT = {Wrap: 2, Down: 2, Hadamard: 2, Dft: 2, Conjugated: 1}


def _outside_atoms(expr, rule):
    """``rule`` applied bottom-up to every part of ``expr`` except the contents of atoms.

    An atom's content is a generating function in its own bound variable w: a rewrite of the
    outer w (a reduction modulo w^N - 1) must not reach it. The atom's point, where it is
    evaluated, is a part of the outer expression and is rewritten.
    """
    if isinstance(expr, _OPAQUE):
        bound = _CONTENT[type(expr)]
        points = [_outside_atoms(a, rule) for a in expr.args[bound:]]
        return rule(expr.func(*expr.args[:bound], *points))
    if not expr.args:
        return rule(expr)
    return rule(expr.func(*(_outside_atoms(a, rule) for a in expr.args)))


def generating_function(node: Node, dims: int) -> sympy.Expr:
    """The generating function of ``node`` in ``z`` (1-D) or ``z1, z2`` (2-D).

    Examples
    --------
    >>> from convalg.symbolic.language import parse
    >>> from convalg.symbolic.gf import generating_function
    >>> generating_function(parse("corr(f, g) == f").sides[0], 1)
    f(z)*gbar(1/z)
    """
    return _GF(dims).translate(node)


class _GF:
    def __init__(self, dims: int):
        self.dims = dims
        self.z = _Z[dims]
        self.w = _W[dims]

    def param(self, node: Node):
        value = node.value
        if isinstance(value, int):
            return sympy.Integer(value)
        if isinstance(value, tuple):
            return -parameter_symbol(value[1])
        return parameter_symbol(value)

    def translate(self, node: Node) -> sympy.Expr:
        return getattr(self, f"_{node.op}")(node)

    def _seq(self, node):
        return Function(node.value)(*self.z)

    def _delta(self, node):
        return sympy.Integer(1)

    def _scalar(self, node):
        return scalar_symbol(node.value)

    def _number(self, node):
        return sympy.Rational(node.value.numerator, node.value.denominator)

    def _add(self, node):
        return self.translate(node.args[0]) + self.translate(node.args[1])

    def _sub(self, node):
        return self.translate(node.args[0]) - self.translate(node.args[1])

    def _neg(self, node):
        return -self.translate(node.args[0])

    def _scale(self, node):
        return self.translate(node.args[0]) * self.translate(node.args[1])

    _smul = _scale
    _conv = _scale

    def _convmode(self, node):
        raise NotAlgebraic(
            f"conv(..., mode={node.value!r}) depends on the lengths of its inputs, not only on the "
            "sequences, so it has no generating function"
        )

    def flip(self, expr):
        return expr.xreplace({z: 1 / z for z in self.z})

    def conj(self, expr):
        return _conjugate(expr)

    def _flip(self, node):
        return self.flip(self.translate(node.args[0]))

    def _conj(self, node):
        return self.conj(self.translate(node.args[0]))

    def _corr(self, node):
        return self.translate(node.args[0]) * self.flip(self.conj(self.translate(node.args[1])))

    def _shift(self, node):
        offset = node.args[1]
        parts = [self.param(a) for a in offset.args] if offset.op == "tuple" else [self.param(offset)]
        factor = sympy.Integer(1)
        for z, k in zip(self.z, parts):
            factor *= z**k
        return factor * self.translate(node.args[0])

    def inner(self, expr):
        """Rewrite ``expr`` in the dummy variables w, for use inside an opaque atom."""
        return expand(expr.xreplace(dict(zip(self.z, self.w))))

    def _circ(self, node):
        n = self.param(node.args[2])
        product = self.translate(node.args[0]) * self.translate(node.args[1])
        return self.wrap(n, self.inner(product))

    def wrap(self, n, content):
        content = expand(self._unwrap(content, n))
        total = sympy.Integer(0)
        for term in sympy.Add.make_args(content):
            constant, rest = term.as_independent(*self.w, as_Add=False)
            rest = self._reduce_powers(rest, n)
            total += constant * Wrap(n, rest, *self.z)
        return total

    def _unwrap(self, content, n):
        """Inside a reduction modulo w^N - 1, an inner reduction of the same N is the identity.

        Only reductions at the top level of ``content`` are dropped: the contents of the other
        atoms are not reduced modulo w^N - 1 (see :func:`_outside_atoms`)."""
        return _outside_atoms(
            content,
            lambda e: e.args[1] if isinstance(e, Wrap) and e.args[0] == n and e.args[2:] == self.w else e,
        )

    def _reduce_powers(self, expr, n):
        if not n.is_Integer:
            # w^(a N + b) = w^b modulo w^N - 1 for an integer a
            def reduce(e):
                if e.is_Pow and e.base in self.w and e.exp.has(n):
                    a = e.exp.coeff(n)
                    return e.base ** sympy.expand(e.exp - a * n) if a.is_Integer else e
                return e
        else:
            def reduce(e):
                if e.is_Pow and e.base in self.w and e.exp.is_Integer:
                    return e.base ** (int(e.exp) % int(n))
                return e

        return _outside_atoms(expr, reduce)

    def _down(self, node):
        if self.param(node.args[1]) == 1:
            return self.translate(node.args[0])
        return Down(self.param(node.args[1]), self.inner(self.translate(node.args[0])), *self.z)

    def _hadamard(self, node):
        a, b = sorted((self.inner(self.translate(a)) for a in node.args), key=sympy.default_sort_key)
        return Hadamard(a, b, *self.z)

    def _dft(self, node):
        n = self.param(node.args[1])
        content = self._reduce_powers(expand(self._unwrap(self.inner(self.translate(node.args[0])), n)), n)
        return Dft(n, content, *self.z)


def _conjugate(expr):
    """Coefficient-wise complex conjugation of a generating function (z stays z)."""
    if isinstance(expr, sympy.core.function.AppliedUndef):
        name = expr.func.__name__
        return Function(name[:-3] if name.endswith("bar") else f"{name}bar")(*expr.args)
    if isinstance(expr, (Wrap, Down)):
        return expr.func(expr.args[0], _conjugate(expr.args[1]), *expr.args[2:])
    if isinstance(expr, Hadamard):
        return Hadamard(_conjugate(expr.args[0]), _conjugate(expr.args[1]), *expr.args[2:])
    if isinstance(expr, Dft):
        return Conjugated(expr, *expr.args[2:])
    if isinstance(expr, Conjugated):
        return expr.args[0]
    if isinstance(expr, conjugate):
        return expr.args[0]
    if isinstance(expr, Symbol):
        return conjugate(expr) if expr.name in SCALAR_NAMES else expr
    if expr is sympy.I:
        return -sympy.I
    if not expr.args:
        return expr
    return expr.func(*(_conjugate(arg) for arg in expr.args))
