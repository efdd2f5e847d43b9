"""Exact evaluation of a parsed statement on concrete finitely supported sequences.

A sequence on Z^d is a :class:`Finite`: a box (``start``, ``shape``) and its nonzero entries.
Entries live in one exact ring, :class:`Arithmetic` -- a sympy polynomial ring over the
Gaussian rationals whose generators are symbolic entries (for the certificates), their
complex conjugates, the scalars, and a primitive root of unity ``zeta`` (for ``dft``). Integer
counterexamples are the same code path with constant entries.

Conventions (sequences on Z^d, so they hold for any length and any start):

* ``(a * b)(n) = sum_k a(k) b(n - k)``;
* ``corr(a, b)(m) = sum_n a(n + m) conj(b(n))`` (scipy.signal.correlate's 'full' output);
* ``shift(a, k)(n) = a(n - k)``, ``flip(a)(n) = a(-n)``, ``down(a, s)(n) = a(s n)``;
* ``circ(a, b, N)`` is ``a * b`` wrapped modulo N onto ``[0, N)^d`` (the product in Z/N);
* ``dft(a, N)(k) = sum_{n in [0,N)^d} a_N(n) exp(-2 pi i <k, n> / N)`` with ``a_N`` = ``a``
  wrapped modulo N;
* ``conv(a, b, mode="same"|"valid")`` is scipy.signal.convolve's array, placed at the start
  index ``start(a) + start(b) + offset in the full result``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from itertools import product

from sympy import QQ, QQ_I, Poly, Symbol, cyclotomic_poly, ring

from convalg.symbolic.language import Node, Statement, parameter_value

__all__ = ["Arithmetic", "Finite", "Undefined", "TooLarge", "evaluate", "equal"]


class Undefined(ArithmeticError):
    """The expression has no value on this input (scipy's 'valid' mode with no dominant input,
    or a window of an empty sequence)."""


class TooLarge(ArithmeticError):
    """The exact evaluation would take more than :data:`MAX_WORK` products, or roots of unity of
    order above :data:`MAX_ROOT_ORDER`."""


MAX_WORK = 2_000_000
MAX_ROOT_ORDER = 1024


class Arithmetic:
    """An exact ring of entries: generators, their conjugates, and complex conjugation.

    Without roots of unity beyond -1 the coefficients are Gaussian rationals. With them
    (``root_order`` > 2) the coefficients are rationals and ``zeta`` is a primitive root of order
    ``L = lcm(root_order, 4)``, so that ``i = zeta^(L/4)`` is a power of zeta too and the
    remainder modulo the cyclotomic polynomial Phi_L (irreducible over Q) is a canonical form:
    two values are equal exactly when their normal forms are.

    Examples
    --------
    >>> from convalg.symbolic.evaluate import Arithmetic
    >>> arithmetic = Arithmetic(["x0"], conjugates=True)
    >>> x0 = arithmetic.generator("x0")
    >>> arithmetic.conj(arithmetic.constant(2, 3) * x0)
    (2 + -3*I)*x0_c
    >>> cyclic = Arithmetic([], root_order=4)  # zeta_4 = i
    >>> cyclic.normal(cyclic.root(1) - cyclic.constant(0, 1)) == cyclic.zero
    True
    """

    def __init__(self, names: list[str], conjugates: bool = False, root_order: int = 1):
        self.names = list(names)
        self.conjugates = conjugates
        gens = list(self.names)
        if conjugates:
            gens += [f"{name}_c" for name in self.names]
        self.root_order = root_order
        self.has_zeta = root_order > 2
        self.order = math.lcm(root_order, 4) if self.has_zeta else root_order
        if self.has_zeta:
            gens.append("zeta")
        self.ring, *generators = ring(",".join(gens) if gens else "_unused", QQ if self.has_zeta else QQ_I)
        self._generators = dict(zip(gens, generators))
        count = len(self.names)
        self._swap = list(range(len(gens)))
        if conjugates:
            self._swap[:count] = range(count, 2 * count)
            self._swap[count : 2 * count] = range(count)
        self._powers = _reduced_powers(self.order) if self.has_zeta else ()

    @property
    def zero(self):
        return self.ring.zero

    @property
    def one(self):
        return self.ring.one

    def generator(self, name: str):
        return self._generators[name]

    def constant(self, real, imag=0):
        if self.has_zeta:
            return self.ring(QQ(real)) + self.ring(QQ(imag)) * self._generators["zeta"] ** (self.order // 4)
        return self.ring(QQ_I(real, imag))

    def number(self, value):
        """The ring element of a ``Fraction`` (a real number: its imaginary part is 0)."""
        return self.constant(value)

    def root(self, exponent: int):
        """``exp(2 pi i exponent / root_order)`` exactly."""
        exponent %= self.root_order
        if self.root_order == 1 or exponent == 0:
            return self.one
        if self.root_order == 2:
            return -self.one
        return self._generators["zeta"] ** (exponent * (self.order // self.root_order))

    def conj(self, value):
        """The complex conjugate (generators map to their conjugate generators, zeta to 1/zeta)."""
        if not self.conjugates and not self.has_zeta and all(c.y == 0 for c in value.values()):
            return value
        result: dict = {}
        zeta_index = len(self._swap) - 1 if self.has_zeta else None
        for monom, coefficient in value.items():
            exponents = [0] * len(monom)
            for index, power in enumerate(monom):
                if power:
                    if index == zeta_index:
                        exponents[index] += (-power) % self.order
                    else:
                        if not self.conjugates and index < len(self.names):
                            raise ValueError("conjugating a symbolic entry needs conjugates=True")
                        exponents[self._swap[index]] += power
            key = tuple(exponents)
            conjugated = coefficient if self.has_zeta else QQ_I(coefficient.x, -coefficient.y)
            result[key] = result.get(key, self.ring.domain.zero) + conjugated
        return self.ring.from_dict(result)

    def normal(self, value):
        """The canonical representative (reduced modulo the cyclotomic polynomial): every power
        zeta^e is replaced by its remainder modulo Phi_L, a combination of zeta^0 .. zeta^(phi - 1)."""
        if not self.has_zeta or not value:
            return value
        out: dict = {}
        zero = self.ring.domain.zero
        for monom, coefficient in value.items():
            head = monom[:-1]
            for power, factor in self._powers[monom[-1] % self.order]:
                key = head + (power,)
                out[key] = out.get(key, zero) + coefficient * factor
        return self.ring.from_dict({k: v for k, v in out.items() if v})


@cache
def _reduced_powers(order: int) -> tuple:
    """For every e in [0, order): zeta^e modulo Phi_order, as ``((power, coefficient), ...)``."""
    x = Poly(Symbol("x"), Symbol("x"), domain=QQ)
    modulus = cyclotomic_poly(order, Symbol("x"), polys=True).set_domain(QQ)
    table = []
    for e in range(order):
        remainder = (x**e).rem(modulus)
        table.append(
            tuple((monom[0], QQ.from_sympy(coefficient)) for monom, coefficient in remainder.terms() if coefficient)
        )
    return tuple(table)


class PlainArithmetic:
    """Exact constants without a polynomial ring: ints and Fractions, or Gaussian rationals.

    Much faster than :class:`Arithmetic` for the counterexample search; it has no roots of
    unity beyond -1 (``dft`` of order above 2 needs :class:`Arithmetic`).

    Examples
    --------
    >>> from convalg.symbolic.evaluate import PlainArithmetic
    >>> arithmetic = PlainArithmetic(complex_values=True)
    >>> arithmetic.conj(arithmetic.constant(1, 2)) == arithmetic.constant(1, -2)
    True
    """

    root_order = 1

    def __init__(self, complex_values: bool = False, root_order: int = 1):
        if root_order > 2:
            raise ValueError(f"PlainArithmetic has roots of unity of order 1 and 2 only, got {root_order}")
        self.root_order = root_order
        self.complex_values = complex_values
        self.zero = QQ_I.zero if complex_values else 0
        self.one = QQ_I.one if complex_values else 1

    def constant(self, real, imag=0):
        if self.complex_values:
            return QQ_I(real, imag)
        if imag:
            raise ValueError("a complex constant needs complex_values=True")
        return real

    def number(self, value):
        if self.complex_values:
            return QQ_I(value, 0)
        return value.numerator if value.denominator == 1 else value

    def root(self, exponent: int):
        return self.one if self.root_order == 1 or exponent % 2 == 0 else -self.one

    def conj(self, value):
        return QQ_I(value.x, -value.y) if self.complex_values else value

    def normal(self, value):
        return value


@dataclass(frozen=True)
class Finite:
    """A finitely supported sequence on Z^d: a box and its entries (zeros may be left out)."""

    start: tuple[int, ...]
    shape: tuple[int, ...]
    data: dict

    @property
    def dims(self) -> int:
        return len(self.start)

    def support(self, arithmetic: Arithmetic) -> dict:
        """The nonzero entries, normalised."""
        out = {}
        for index, value in self.data.items():
            value = arithmetic.normal(value)
            if value:
                out[index] = value
        return out

    def to_array(self, arithmetic: Arithmetic | None = None):
        """Entries as a nested list over the box (for display)."""
        if not self.shape or 0 in self.shape:
            return []
        if self.dims == 1:
            return [self.data.get((self.start[0] + i,), 0) for i in range(self.shape[0])]
        return [
            [self.data.get((self.start[0] + i, self.start[1] + j), 0) for j in range(self.shape[1])]
            for i in range(self.shape[0])
        ]


def equal(left: Finite, right: Finite, arithmetic: Arithmetic) -> bool:
    """Whether two sequences agree at every index of Z^d (or two scalars are equal).

    Examples
    --------
    >>> from convalg.symbolic.evaluate import Finite, PlainArithmetic, equal
    >>> equal(Finite((0,), (2,), {(0,): 1}), Finite((0,), (1,), {(0,): 1}), PlainArithmetic())
    True
    """
    if not isinstance(left, Finite):
        return arithmetic.normal(left - right) == arithmetic.zero
    return left.support(arithmetic) == right.support(arithmetic)


def evaluate(node: Node, env: dict, arithmetic: Arithmetic, dims: int):
    """The value of ``node`` (a :class:`Finite`, a ring element or an int) in ``env``.

    ``env`` maps sequence names to :class:`Finite`, scalar names to ring elements and
    parameter names to ints.

    Examples
    --------
    >>> from convalg.symbolic.evaluate import Finite, PlainArithmetic, evaluate
    >>> from convalg.symbolic.language import parse
    >>> f = Finite((0,), (2,), {(0,): 1, (1,): 2})
    >>> evaluate(parse("f*f == f").sides[0], {"f": f}, PlainArithmetic(), 1).to_array()
    [1, 4, 4]
    """
    return _Evaluator(env, arithmetic, dims).eval(node)


def evaluate_sides(
    statement: Statement, env: dict, arithmetic: Arithmetic, dims: int, meter: list | None = None
) -> list:
    """The values of every side of ``statement``; ``meter[0]`` (if given) grows by the products spent.

    Examples
    --------
    >>> from convalg.symbolic.evaluate import Finite, PlainArithmetic, evaluate_sides
    >>> from convalg.symbolic.language import parse
    >>> f = Finite((0,), (2,), {(0,): 1, (1,): 2})
    >>> [side.to_array() for side in evaluate_sides(parse("flip(f) == f"), {"f": f}, PlainArithmetic(), 1)]
    [[2, 1], [1, 2]]
    """
    evaluator = _Evaluator(env, arithmetic, dims)
    try:
        return [evaluator.eval(side) for side in statement.sides]
    finally:
        if meter is not None:
            meter[0] += evaluator.work


def _box(start, shape):
    return product(*(range(s, s + n) for s, n in zip(start, shape)))


class _Evaluator:
    def __init__(self, env: dict, arithmetic: Arithmetic, dims: int):
        self.env = env
        self.ar = arithmetic
        self.dims = dims
        self.work = 0

    def spend(self, products: int) -> None:
        self.work += products
        if self.work > MAX_WORK:
            raise TooLarge(f"the exact evaluation needs more than {MAX_WORK} products")

    def param(self, node: Node) -> int:
        return parameter_value(node, self.env)

    def offset(self, node: Node) -> tuple[int, ...]:
        if node.op == "tuple":
            return tuple(self.param(a) for a in node.args)
        return (self.param(node),) * self.dims

    def eval(self, node: Node):
        op = node.op
        method = getattr(self, f"_{op}")
        return method(node)

    # scalars
    def _scalar(self, node):
        return self.env[node.value]

    def _number(self, node):
        return self.ar.number(node.value)

    def _smul(self, node):
        return self.eval(node.args[0]) * self.eval(node.args[1])

    def _param(self, node):
        return self.param(node)

    # sequences
    def _seq(self, node):
        return self.env[node.value]

    def _delta(self, node):
        zero = (0,) * self.dims
        return Finite(zero, (1,) * self.dims, {zero: self.ar.one})

    def _combine(self, a, b, sign):
        if not isinstance(a, Finite):
            return a + b if sign > 0 else a - b
        if 0 in a.shape:
            return b if sign > 0 else self._scaled(b, -self.ar.one)
        if 0 in b.shape:
            return a
        start = tuple(min(x, y) for x, y in zip(a.start, b.start))
        stop = tuple(max(x + m, y + n) for x, y, m, n in zip(a.start, b.start, a.shape, b.shape))
        self.spend(len(b.data))
        data = dict(a.data)
        for index, value in b.data.items():
            data[index] = data.get(index, self.ar.zero) + (value if sign > 0 else -value)
        return Finite(start, tuple(e - s for s, e in zip(start, stop)), data)

    def _add(self, node):
        return self._combine(self.eval(node.args[0]), self.eval(node.args[1]), 1)

    def _sub(self, node):
        return self._combine(self.eval(node.args[0]), self.eval(node.args[1]), -1)

    def _scaled(self, a: Finite, c):
        self.spend(len(a.data))
        return Finite(a.start, a.shape, {i: c * v for i, v in a.data.items()})

    def _neg(self, node):
        value = self.eval(node.args[0])
        if isinstance(value, Finite):
            return self._scaled(value, -self.ar.one)
        return -value

    def _scale(self, node):
        return self._scaled(self.eval(node.args[1]), self.eval(node.args[0]))

    def conv(self, a: Finite, b: Finite) -> Finite:
        if 0 in a.shape or 0 in b.shape:
            return Finite((0,) * self.dims, (0,) * self.dims, {})
        self.spend(len(a.data) * len(b.data))
        data: dict = {}
        zero = self.ar.zero
        for i, x in a.data.items():
            if not x:
                continue
            for j, y in b.data.items():
                k = tuple(p + q for p, q in zip(i, j))
                data[k] = data.get(k, zero) + x * y
        start = tuple(p + q for p, q in zip(a.start, b.start))
        shape = tuple(m + n - 1 for m, n in zip(a.shape, b.shape))
        return Finite(start, shape, data)

    def flip(self, a: Finite) -> Finite:
        start = tuple(-(s + n - 1) for s, n in zip(a.start, a.shape))
        return Finite(start, a.shape, {tuple(-p for p in i): v for i, v in a.data.items()})

    def conj(self, a: Finite) -> Finite:
        return Finite(a.start, a.shape, {i: self.ar.conj(v) for i, v in a.data.items()})

    def _conv(self, node):
        return self.conv(self.eval(node.args[0]), self.eval(node.args[1]))

    def _corr(self, node):
        a, b = self.eval(node.args[0]), self.eval(node.args[1])
        return self.conv(a, self.conj(self.flip(b)))

    def _flip(self, node):
        return self.flip(self.eval(node.args[0]))

    def _conj(self, node):
        value = self.eval(node.args[0])
        if isinstance(value, Finite):
            return self.conj(value)
        return self.ar.conj(value)

    def _shift(self, node):
        a = self.eval(node.args[0])
        k = self.offset(node.args[1])
        return Finite(
            tuple(s + d for s, d in zip(a.start, k)),
            a.shape,
            {tuple(p + d for p, d in zip(i, k)): v for i, v in a.data.items()},
        )

    def wrap(self, a: Finite, n: int) -> Finite:
        self.spend(len(a.data))
        data: dict = {}
        for i, v in a.data.items():
            key = tuple(p % n for p in i)
            data[key] = data.get(key, self.ar.zero) + v
        return Finite((0,) * self.dims, (n,) * self.dims, data)

    def _circ(self, node):
        n = self.param(node.args[2])
        return self.wrap(self.conv(self.eval(node.args[0]), self.eval(node.args[1])), n)

    def _dft(self, node):
        n = self.param(node.args[1])
        a = self.wrap(self.eval(node.args[0]), n)
        self.spend(n**self.dims * max(len(a.data), 1))
        step = self.ar.root_order // n
        data = {}
        for k in _box((0,) * self.dims, (n,) * self.dims):
            total = self.ar.zero
            for i, v in a.data.items():
                total += v * self.ar.root(-step * sum(p * q for p, q in zip(k, i)))
            data[k] = total
        return Finite((0,) * self.dims, (n,) * self.dims, data)

    def _hadamard(self, node):
        a, b = self.eval(node.args[0]), self.eval(node.args[1])
        start = tuple(max(x, y) for x, y in zip(a.start, b.start))
        stop = tuple(min(x + m, y + n) for x, y, m, n in zip(a.start, b.start, a.shape, b.shape))
        shape = tuple(max(e - s, 0) for s, e in zip(start, stop))
        self.spend(len(a.data))
        data = {i: v * b.data[i] for i, v in a.data.items() if i in b.data}
        return Finite(start, shape, data)

    def _down(self, node):
        a = self.eval(node.args[0])
        s = self.param(node.args[1])
        lo = tuple(-((-p) // s) for p in a.start)
        hi = tuple((p + n - 1) // s for p, n in zip(a.start, a.shape))
        shape = tuple(max(h - low + 1, 0) for low, h in zip(lo, hi))
        data = {tuple(p // s for p in i): v for i, v in a.data.items() if all(p % s == 0 for p in i)}
        return Finite(lo, shape, data)

    def _convmode(self, node):
        a, b = self.eval(node.args[0]), self.eval(node.args[1])
        if 0 in a.shape or 0 in b.shape:
            raise Undefined("conv(..., mode=...) of an empty sequence")
        full = self.conv(a, b)
        if node.value == "same":
            offset = tuple((n - 1) // 2 for n in b.shape)
            shape = a.shape
        else:
            if all(m >= n for m, n in zip(a.shape, b.shape)):
                small = b.shape
            elif all(n >= m for m, n in zip(a.shape, b.shape)):
                small = a.shape
            else:
                raise Undefined("mode='valid' needs one input at least as large as the other in every axis")
            offset = tuple(n - 1 for n in small)
            shape = tuple(abs(m - n) + 1 for m, n in zip(a.shape, b.shape))
        start = tuple(s + o for s, o in zip(full.start, offset))
        data = {i: v for i, v in full.data.items() if all(s <= p < s + n for p, s, n in zip(i, start, shape))}
        return Finite(start, shape, data)


def root_order(statement: Statement, env: dict) -> int:
    """The order of the root of unity the statement's ``dft`` calls need in ``env``.

    Examples
    --------
    >>> from convalg.symbolic.evaluate import root_order
    >>> from convalg.symbolic.language import parse
    >>> root_order(parse("dft(f, N) == dft(f, 6)"), {"N": 4})
    12
    """
    orders = [1, *statement.dft_lengths(env)]
    order = math.lcm(*orders)
    if order > MAX_ROOT_ORDER:
        raise TooLarge(f"dft lengths need roots of unity of order {order} (more than {MAX_ROOT_ORDER})")
    return order
