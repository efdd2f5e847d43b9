"""Generating functions: normal forms for identities of finitely supported sequences.

A finitely supported sequence ``a`` on Z^d is determined by its Laurent polynomial
``A(z) = sum_n a(n) z^n``. Under this map (each rule is a law proved in
:mod:`convalg.symbolic.laws`, or a definition):

* ``a * b -> A(z) B(z)`` (law ``generating-function``), ``delta -> 1``;
* ``shift(a, k) -> z^k A(z)``, ``flip(a) -> A(1/z)``;
* ``conj(a) -> Abar(z)`` (conjugate coefficients: the atom ``f`` becomes ``fbar``);
* ``corr(a, b) -> A(z) Bbar(1/z)``;
* ``circ(a, b, N)`` -> ``Wrap(N, A B)``, the reduction modulo ``w^N - 1`` (a ring
  homomorphism, so inner wraps of the same N drop out and it is linear).

``down``, ``hadamard``, ``dft`` and the windows of ``conv(..., mode=...)`` become *atoms*: sympy
functions whose first arguments are a generating function in their own bound variable ``w``
(the *content*) and whose last arguments are the point ``z`` where the atom is evaluated. Each
atom is put in a normal form by the index algebra of its operation:

* every atom is linear in its content (``hadamard`` in each argument), so constants come out;
* ``down(shift(a, q s + r), s) = shift(down(shift(a, r), s), q)``, ``down(down(a, s), t) =
  down(a, s t)``, ``down(hadamard(a, b), s) = hadamard(down(a, s), down(b, s))``,
  ``down(delta, s) = delta``; ``down(a, 1) = a``;
* ``hadamard(shift(a, j), shift(b, k)) = shift(hadamard(a, shift(b, k - j)), j)`` with the
  arguments in a fixed order; ``hadamard(shift(delta, j), b) = b(j) shift(delta, j)`` with the
  scalar atom ``Coef(B, j) = b(j)``, which is 0 for an input at a negative index (inputs are
  arrays, first index 0);
* ``dft`` and ``circ`` reduce their content modulo ``w^N - 1``; ``circ(shift(delta, r), delta,
  N)`` is ``shift(delta, r mod N)``;
* a window keeps the entries of its content in a box: ``Window(B, w^e T) = z^e Window(B - e,
  T)``, and a window that holds the whole support of its content is dropped (the boxes are
  sympy expressions in the symbolic lengths of the inputs, as scipy's 'same'/'valid' compute
  them).

Rewrites of the outer variable never reach an atom's content (:func:`_outside_atoms`). When the
two sides expand to the same expression the identity holds for all inputs; when they do not,
nothing is concluded here (the finite decision or a counterexample decides).
"""

from __future__ import annotations

import sympy
from sympy import Function, Symbol, Tuple, conjugate, expand

from convalg.symbolic.language import POSITIVE_PARAMETERS, SCALAR_NAMES, Node

__all__ = ["NotAlgebraic", "generating_function", "variables", "translate"]


class NotAlgebraic(Exception):
    """The expression has no generating-function form here (a window whose box is undecided)."""


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


def length_symbol(name: str, axis: int, dims: int) -> Symbol:
    """The symbolic length of input ``name`` along ``axis`` (a positive integer)."""
    return Symbol(f"L_{name}" + (f"{axis + 1}" if dims == 2 else ""), integer=True, positive=True)


class Wrap(Function):
    """``Wrap(N, P(w), z...)``: the sequence of ``P`` reduced modulo ``w^N - 1``, evaluated at z."""


class Down(Function):
    """``Down(s, P(w), z...)``: the generating function of ``down(p, s)`` at z."""


class Hadamard(Function):
    """``Hadamard(P(w), Q(w), z...)``: the generating function of the pointwise product at z."""


class Dft(Function):
    """``Dft(N, P(w), z...)``: the generating function of ``dft(p, N)`` at z."""


class ConjDft(Function):
    """``ConjDft(N, P(w), z...)``: the generating function of ``conj(dft(p, N))`` at z."""


class Coef(Function):
    """``Coef(P(w), k...)``: the coefficient of ``w^k`` in ``P``, a scalar."""


class Window(Function):
    """``Window(start, shape, P(w), z...)``: the entries of ``p`` in the box, at z."""


_OPAQUE = (Wrap, Down, Hadamard, Dft, ConjDft, Coef, Window)
# how many leading arguments of each atom are its own (the last of them its bound content)
_CONTENT = {Wrap: 2, Down: 2, Hadamard: 2, Dft: 2, ConjDft: 2, Coef: 1, Window: 3}


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


def _free_of(expr, symbols) -> bool:
    """Whether ``expr`` is free of ``symbols`` outside atom contents (an atom's content is
    closed: its w is its own)."""
    if isinstance(expr, _OPAQUE):
        return all(_free_of(a, symbols) for a in expr.args[_CONTENT[type(expr)] :])
    if expr in symbols:
        return False
    return all(_free_of(a, symbols) for a in expr.args)


def generating_function(node: Node, dims: int) -> sympy.Expr:
    """The generating function of ``node`` in ``z`` (1-D) or ``z1, z2`` (2-D).

    Examples
    --------
    >>> from convalg.symbolic.language import parse
    >>> from convalg.symbolic.gf import generating_function
    >>> generating_function(parse("corr(f, g) == f").sides[0], 1)
    f(z)*gbar(1/z)
    >>> generating_function(parse("down(shift(f, 7), 3) == f").sides[0], 1)
    z**2*Down(3, w*f(w), z)
    """
    return _GF(dims).translate(node)


MAX_TERMS = 20_000  # terms of a generating function multiplied out: beyond, sympy would run for minutes


def translate(statement, dims: int) -> tuple[list, set]:
    """The generating function of every side, and the names of the array-only rules used."""
    from convalg.symbolic.language import terms_bound

    largest = max(terms_bound(side) for side in statement.sides)
    # atoms expand their contents as they are built; the other products stay as they are
    if largest > MAX_TERMS and statement.uses("circ", "dft", "down", "hadamard", "convmode"):
        raise NotAlgebraic(
            f"the generating functions would have up to {largest} terms multiplied out (more than {MAX_TERMS})"
        )
    builder = _GF(dims)
    return [builder.translate(side) for side in statement.sides], builder.array_rules


class _GF:
    def __init__(self, dims: int):
        self.dims = dims
        self.z = _Z[dims]
        self.w = _W[dims]
        self.array_rules: set = set()

    def param(self, node: Node):
        value = node.value
        if isinstance(value, int):
            return sympy.Integer(value)
        if isinstance(value, tuple):
            return -parameter_symbol(value[1])
        return parameter_symbol(value)

    def offset(self, node: Node) -> tuple:
        if node.op == "tuple":
            return tuple(self.param(a) for a in node.args)
        return (self.param(node),) * self.dims

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

    def flip(self, expr):
        return _flipped(expr.xreplace({z: 1 / z for z in self.z}), self)

    def conj(self, expr):
        return _conjugate(expr)

    def _flip(self, node):
        return self.flip(self.translate(node.args[0]))

    def _conj(self, node):
        return self.conj(self.translate(node.args[0]))

    def _corr(self, node):
        return self.translate(node.args[0]) * self.flip(self.conj(self.translate(node.args[1])))

    def _shift(self, node):
        factor = sympy.Integer(1)
        for z, k in zip(self.z, self.offset(node.args[1])):
            factor *= z**k
        return factor * self.translate(node.args[0])

    def inner(self, expr):
        """Rewrite ``expr`` in the dummy variables w, for use inside an atom."""
        return expand(expr.xreplace(dict(zip(self.z, self.w))))

    def outer(self, expr):
        """Back from w to z (outside atom contents)."""
        return _outside_atoms(expr, lambda e: dict(zip(self.w, self.z)).get(e, e))

    def power(self, exponents):
        out = sympy.Integer(1)
        for z, e in zip(self.z, exponents):
            out *= z**e
        return out

    def split(self, term):
        """``term`` = constant * w^e * core: the constant is free of w outside atoms, e the
        exponent of each w, and the core the rest (1 for a pure power)."""
        constant, exponents, core = sympy.Integer(1), [sympy.Integer(0)] * self.dims, sympy.Integer(1)
        for factor in sympy.Mul.make_args(term):
            base, exponent = factor.as_base_exp()
            if base in self.w:
                axis = self.w.index(base)
                exponents[axis] += exponent
            elif _free_of(factor, self.w):
                constant *= factor
            else:
                core *= factor
        return constant, tuple(exponents), core

    def terms(self, content):
        return [self.split(t) for t in sympy.Add.make_args(expand(content)) if t != 0]

    # -- circ and dft: reductions modulo w^N - 1
    def _circ(self, node):
        n = self.param(node.args[2])
        product = self.translate(node.args[0]) * self.translate(node.args[1])
        return self.wrap(n, self.inner(product))

    def reduce(self, content, n):
        """``content`` modulo w^N - 1: inner wraps of the same N dropped, powers reduced."""
        content = expand(self._unwrap(content, n))
        return expand(self._reduce_powers(content, n))

    def wrap(self, n, content):
        if n == 1:  # everything lands at index 0: the sum of the entries, P(1)
            ones = {w: sympy.Integer(1) for w in self.w}
            return expand(_outside_atoms(self._unwrap(content, n), lambda e: ones.get(e, e)))
        total = sympy.Integer(0)
        for constant, exponents, core in self.terms(self.reduce(content, n)):
            if core == 1 and (
                all(e == 0 for e in exponents) or (n.is_Integer and all(e.is_Integer for e in exponents))
            ):
                total += constant * self.power(exponents)  # a wrapped delta, already in [0, N)
            else:
                total += constant * Wrap(n, self._powered(exponents) * core, *self.z)
        return total

    def _powered(self, exponents):
        out = sympy.Integer(1)
        for w, e in zip(self.w, exponents):
            out *= w**e
        return out

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

    def _dft(self, node):
        n = self.param(node.args[1])
        if n == 1:  # dft(a, 1) is the sum of a's entries at index 0: circ(a, delta, 1)
            return self.wrap(n, self.inner(self.translate(node.args[0])))
        content = self.reduce(self.inner(self.translate(node.args[0])), n)
        total = sympy.Integer(0)
        for constant, exponents, core in self.terms(content):
            total += constant * Dft(n, self._powered(exponents) * core, *self.z)
        return total

    # -- down
    def _down(self, node):
        s = self.param(node.args[1])
        return self.down(s, self.inner(self.translate(node.args[0])))

    def down(self, s, content):
        if s == 1:
            return self.outer(content)
        total = sympy.Integer(0)
        for constant, exponents, core in self.terms(content):
            quotients, remainders = [], []
            for e in exponents:
                if e.is_Integer and s.is_Integer:
                    q, r = divmod(int(e), int(s))
                elif (e / s).is_integer:
                    q, r = e / s, 0
                else:
                    q, r = 0, e
                quotients.append(sympy.sympify(q))
                remainders.append(sympy.sympify(r))
            shift = self.power(quotients)
            if core == 1:
                if all(r == 0 for r in remainders):
                    total += constant * shift  # down(shift(delta, q s), s) = shift(delta, q)
                elif s.is_Integer and all(r.is_Integer for r in remainders):
                    continue  # delta off the multiples of s (0 < r < s)
                else:
                    total += constant * shift * Down(s, self._powered(remainders), *self.z)
                continue
            if all(r == 0 for r in remainders) and isinstance(core, Down) and core.args[2:] == self.w:
                total += constant * shift * Down(s * core.args[0], core.args[1], *self.z)
            elif all(r == 0 for r in remainders) and isinstance(core, Hadamard) and core.args[2:] == self.w:
                left, right = (self.inner(self.down(s, part)) for part in core.args[:2])
                total += constant * shift * self.hadamard(left, right)
            else:
                total += constant * shift * Down(s, self._powered(remainders) * core, *self.z)
        return total

    # -- hadamard and coefficients
    def _hadamard(self, node):
        a, b = (self.inner(self.translate(arg)) for arg in node.args)
        return self.hadamard(a, b)

    def hadamard(self, a, b):
        total = sympy.Integer(0)
        for ca, ea, core_a in self.terms(a):
            for cb, eb, core_b in self.terms(b):
                constant = ca * cb
                if core_a == 1 and core_b == 1:
                    if all((x - y).is_Integer for x, y in zip(ea, eb)):
                        if all(x == y for x, y in zip(ea, eb)):
                            total += constant * self.power(ea)
                        continue
                    total += constant * Hadamard(self._powered(ea), self._powered(eb), *self.z)
                elif core_a == 1:
                    total += constant * self.power(ea) * self.coefficient(core_b, tuple(x - y for x, y in zip(ea, eb)))
                elif core_b == 1:
                    total += constant * self.power(eb) * self.coefficient(core_a, tuple(y - x for x, y in zip(ea, eb)))
                else:
                    first, second = sorted([(core_a, ea), (core_b, eb)], key=lambda p: sympy.default_sort_key(p[0]))
                    relative = tuple(y - x for x, y in zip(first[1], second[1]))
                    total += (
                        constant
                        * self.power(first[1])
                        * Hadamard(first[0], self._powered(relative) * second[0], *self.z)
                    )
        return total

    def coefficient(self, content, k: tuple):
        """The coefficient of w^k in ``content``, as a scalar."""
        total = sympy.Integer(0)
        for constant, exponents, core in self.terms(content):
            at = tuple(sympy.expand(x - e) for x, e in zip(k, exponents))
            if core == 1:
                if all(a.is_Integer for a in at):
                    total += constant if all(a == 0 for a in at) else 0
                else:
                    total += constant * Coef(sympy.Integer(1), *at)
                continue
            if (
                isinstance(core, sympy.core.function.AppliedUndef)
                and core.args == self.w
                and any(a.is_Integer and a < 0 for a in at)
            ):
                self.array_rules.add("an input is 0 at a negative index (inputs are arrays, first index 0)")
                continue
            total += constant * Coef(core, *at)
        return total

    # -- windows of conv(..., mode=...)
    def _convmode(self, node):
        a, b = node.args
        (sa, na), (sb, nb) = self.box(a), self.box(b)
        if not all(_provable(n - 1 >= 0) for n in (*na, *nb)):
            raise NotAlgebraic(f"cannot tell whether an input of {node} is empty (then it is undefined)")
        full_start = tuple(p + q for p, q in zip(sa, sb))
        full_shape = tuple(m + n - 1 for m, n in zip(na, nb))
        start, shape = self.window_box(node.value, sa, na, sb, nb)
        content = self.translate(a) * self.translate(b)
        if all(
            _provable(s - f <= 0) and _provable((f + fn) - (s + n) <= 0)
            for s, n, f, fn in zip(start, shape, full_start, full_shape)
        ):
            return content  # the window holds the whole full result
        return self.window(start, shape, self.inner(content))

    def window_box(self, mode, sa, na, sb, nb):
        """The box scipy's 'same'/'valid' keep of the full result of boxes a and b."""
        full_start = tuple(p + q for p, q in zip(sa, sb))
        if mode == "same":  # centred on a: offset (len(b) - 1) // 2, a's shape
            return tuple(f + sympy.floor((n - 1) / 2) for f, n in zip(full_start, nb)), tuple(na)
        # 'valid' is defined when one input is at least as large on every axis; then on each
        # axis the smaller length is min(len a, len b), and the window starts where the smaller
        # input fits entirely and has |len a - len b| + 1 entries
        return (
            tuple(f + sympy.Min(m, n) - 1 for f, m, n in zip(full_start, na, nb)),
            tuple(sympy.Abs(m - n) + 1 for m, n in zip(na, nb)),
        )

    def window(self, start, shape, content):
        total = sympy.Integer(0)
        for constant, exponents, core in self.terms(content):
            moved = Tuple(*(sympy.expand(s - e) for s, e in zip(start, exponents)))
            if core == 1:
                inside = [_decided(0 - s >= 0) and _decided(s + n - 1 >= 0) for s, n in zip(moved, shape)]
                if all(x is True for x in inside):
                    total += constant * self.power(exponents)
                    continue
                if any(x is False for x in inside):
                    continue
            total += constant * self.power(exponents) * Window(moved, Tuple(*shape), core, *self.z)
        return total

    def box(self, node: Node) -> tuple[tuple, tuple]:
        """``(start, shape)`` of ``node``'s box, as the exact evaluator computes it, in the
        symbolic lengths of the inputs; NotAlgebraic when emptiness cannot be decided."""
        op, a = node.op, node.args
        zero = (sympy.Integer(0),) * self.dims
        if op == "seq":
            return zero, tuple(length_symbol(node.value, axis, self.dims) for axis in range(self.dims))
        if op == "delta":
            return zero, (sympy.Integer(1),) * self.dims
        if op in ("neg", "conj"):
            return self.box(a[0])
        if op == "scale":
            return self.box(a[1])
        if op == "shift":
            start, shape = self.box(a[0])
            return tuple(s + k for s, k in zip(start, self.offset(a[1]))), shape
        if op == "flip":
            start, shape = self.box(a[0])
            return tuple(-(s + n - 1) for s, n in zip(start, shape)), shape
        if op in ("circ", "dft"):
            n = self.param(a[2] if op == "circ" else a[1])
            return zero, (n,) * self.dims
        if op == "down":
            (start, shape), s = self.box(a[0]), self.param(a[1])
            first = tuple(sympy.ceiling(p / s) for p in start)
            last = tuple(sympy.floor((p + n - 1) / s) for p, n in zip(start, shape))
            return first, tuple(sympy.Max(b - f + 1, 0) for f, b in zip(first, last))
        if op not in ("add", "sub", "conv", "corr", "convmode", "hadamard"):
            raise NotAlgebraic(f"the box of {op}(...) inside conv(..., mode=...) is not tracked symbolically")
        boxes = [self.box(arg) for arg in a[:2]]
        if op == "hadamard":
            (sa, na), (sb, nb) = boxes
            start = tuple(sympy.Max(p, q) for p, q in zip(sa, sb))
            stop = tuple(sympy.Min(p + m, q + n) for p, q, m, n in zip(sa, sb, na, nb))
            return start, tuple(sympy.Max(e - s, 0) for s, e in zip(start, stop))
        for _, shape in boxes:
            if not all(_provable(n - 1 >= 0) for n in shape):
                raise NotAlgebraic(f"cannot tell whether a part of {node} is empty, so its box is undecided")
        (sa, na), (sb, nb) = boxes
        if op in ("add", "sub"):
            start = tuple(sympy.Min(p, q) for p, q in zip(sa, sb))
            stop = tuple(sympy.Max(p + m, q + n) for p, q, m, n in zip(sa, sb, na, nb))
            return start, tuple(e - s for s, e in zip(start, stop))
        if op == "conv":
            return tuple(p + q for p, q in zip(sa, sb)), tuple(m + n - 1 for m, n in zip(na, nb))
        if op == "corr":
            return tuple(p - (q + n - 1) for p, q, n in zip(sa, sb, nb)), tuple(m + n - 1 for m, n in zip(na, nb))
        return self.window_box(node.value, sa, na, sb, nb)  # convmode


def _decided(relation):
    """True or False when sympy decides the relation, else None. Lengths are written 1 + M with
    M a nonnegative integer, which lets sympy's assumptions see that sums of them are positive.
    sympy failing to decide (e.g. on ceiling(p / s) with a symbolic stride) is 'undecided'."""
    try:
        return _decide_relation(relation)
    except (ValueError, TypeError, ZeroDivisionError, AttributeError):
        return None


def _decide_relation(relation):
    lengths = {
        symbol: 1 + Symbol(f"M{symbol.name}", integer=True, nonnegative=True)
        for symbol in relation.free_symbols
        if symbol.name.startswith("L_")
    }
    relation = relation.xreplace(lengths) if lengths else relation
    if relation in (sympy.true, sympy.false):
        return relation is sympy.true
    difference = sympy.expand(relation.lhs - relation.rhs)
    if isinstance(relation, (sympy.GreaterThan, sympy.StrictGreaterThan)):
        sign = difference.is_nonnegative if isinstance(relation, sympy.GreaterThan) else difference.is_positive
    elif isinstance(relation, (sympy.LessThan, sympy.StrictLessThan)):
        sign = difference.is_nonpositive if isinstance(relation, sympy.LessThan) else difference.is_negative
    else:
        sign = None
    if sign is not None:
        return bool(sign)
    value = sympy.simplify(relation)
    if value is sympy.true:
        return True
    if value is sympy.false:
        return False
    return None


def _provable(relation) -> bool:
    return _decided(relation) is True


def _flipped(expr, builder: _GF):
    """After z -> 1/z: atoms of down, hadamard and windows evaluated at 1/z are rewritten as the
    same operation of the flipped contents at z (flip commutes with them)."""
    z_inverse = tuple(1 / z for z in builder.z)

    def flip_content(content):
        return builder.inner(_flipped(builder.outer(content).xreplace(dict(zip(builder.z, z_inverse))), builder))

    def rule(e):
        if isinstance(e, (Down, Hadamard, Window)) and e.args[_CONTENT[type(e)] :] == z_inverse:
            if isinstance(e, Down):
                return builder.down(e.args[0], flip_content(e.args[1]))
            if isinstance(e, Hadamard):
                return builder.hadamard(flip_content(e.args[0]), flip_content(e.args[1]))
            start, shape, content = e.args[:3]
            return builder.window(
                tuple(-(s + n - 1) for s, n in zip(start, shape)), tuple(shape), flip_content(content)
            )
        return e

    return _outside_atoms(expr, rule)


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
        return ConjDft(*expr.args)
    if isinstance(expr, ConjDft):
        return Dft(*expr.args)
    if isinstance(expr, Coef):
        return Coef(_conjugate(expr.args[0]), *expr.args[1:])
    if isinstance(expr, Window):
        return Window(expr.args[0], expr.args[1], _conjugate(expr.args[2]), *expr.args[3:])
    if isinstance(expr, conjugate):
        return expr.args[0]
    if isinstance(expr, Symbol):
        return conjugate(expr) if expr.name in SCALAR_NAMES else expr
    if expr is sympy.I:
        return -sympy.I
    if not expr.args:
        return expr
    return expr.func(*(_conjugate(arg) for arg in expr.args))
