"""The independent evaluation that confirms counterexamples and re-checks proofs.

It shares no code with the provers (generating functions, sum rewriting, the finite decision,
the search's evaluator :mod:`convalg.symbolic.evaluate`); only the parse tree is common. Each
operator is computed from its definition on concrete exact data:

* numbers are exact elements of the cyclotomic field Q(zeta_L), ``L`` a multiple of 4 and of
  every ``dft`` length, kept as ``{exponent: Fraction}`` (``i = zeta^(L/4)``); two numbers are
  equal when their difference is divisible by the cyclotomic polynomial Phi_L, computed here
  by integer polynomial division (Phi_L is irreducible over Q, so the test is exact);
* ``*``, ``corr`` and ``conv(..., mode=...)`` are ``convalg.convolve`` / ``convalg.correlate``
  (``method='direct'``, NumPy object arrays of these numbers), so scipy's conventions for
  correlation and for the 'same'/'valid' windows are the library's own;
* ``shift``, ``flip``, ``conj``, ``down``, ``hadamard``, the wrap of ``circ`` and the sum of
  ``dft`` are written out here, on dense arrays with a first index.

Work is bounded: an evaluation that would exceed :data:`MAX_CELLS` array cells or
:data:`MAX_PRODUCTS` products raises :class:`TooLarge` instead of running for minutes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cache

import numpy as np

from convalg.symbolic.language import Node, Statement

__all__ = ["Number", "TooLarge", "Undefined", "Confirmation", "evaluate_statement", "confirm", "sides_differ"]

MAX_CELLS = 400_000
MAX_PRODUCTS = 1_000_000


class TooLarge(Exception):
    """The evaluation would exceed the reference evaluator's work bound."""


class Undefined(ArithmeticError):
    """A side has no value on this input (scipy's 'valid' mode with no dominant input, or an
    empty input to a windowed mode)."""


@cache
def _cyclotomic(order: int) -> tuple[int, ...]:
    """Coefficients (constant first) of the cyclotomic polynomial Phi_order, by division of
    x^order - 1 by Phi_d for every proper divisor d."""
    numerator = [-1] + [0] * (order - 1) + [1]
    for d in range(1, order):
        if order % d == 0:
            numerator = _divide_exactly(numerator, list(_cyclotomic(d)))
    return tuple(numerator)


def _divide_exactly(numerator: list, divisor: list) -> list:
    """The quotient of two integer polynomials (constant first) when the division is exact."""
    numerator = list(numerator)
    quotient = [0] * (len(numerator) - len(divisor) + 1)
    lead = divisor[-1]
    for shift in range(len(quotient) - 1, -1, -1):
        factor = numerator[shift + len(divisor) - 1] // lead
        quotient[shift] = factor
        for i, c in enumerate(divisor):
            numerator[shift + i] -= factor * c
    if any(numerator):
        raise ArithmeticError("inexact cyclotomic division")  # pragma: no cover - impossible
    return quotient


@cache
def _reduction(order: int) -> tuple[tuple, ...]:
    """For every e in [phi, order/2): zeta^e as a combination of zeta^0 .. zeta^(phi - 1)."""
    phi = _cyclotomic(order)
    degree = len(phi) - 1
    rows = []
    for e in range(degree, order // 2):
        poly = [0] * e + [1]
        for top in range(e, degree - 1, -1):  # Phi is monic
            factor = poly[top]
            if factor:
                for i, p in enumerate(phi):
                    poly[top - degree + i] -= factor * p
        rows.append(tuple(poly[:degree]))
    return tuple(rows)


class Number:
    """An exact element of Q(zeta_order), ``order`` a multiple of 4: the coefficients of
    ``zeta^0 .. zeta^(order/2 - 1)`` (``zeta^(order/2) = -1`` folds the others in), ints or
    Fractions. ``i = zeta^(order/4)``.

    Examples
    --------
    >>> from convalg.symbolic.reference import Number
    >>> i = Number.gaussian(0, 1, 12)
    >>> i * i == Number.gaussian(-1, 0, 12)
    True
    >>> zeta = Number.root(1, 12)
    >>> zeta * zeta * zeta == i, (zeta * zeta.conjugate()) == Number.gaussian(1, 0, 12)
    (True, True)
    """

    __slots__ = ("order", "parts")

    def __init__(self, order: int, parts):
        self.order = order
        self.parts = tuple(parts)

    @classmethod
    def zero(cls, order: int) -> Number:
        return cls(order, (0,) * (order // 2))

    @classmethod
    def gaussian(cls, real, imag, order: int) -> Number:
        parts = [0] * (order // 2)
        parts[0] = real
        parts[order // 4] = imag
        return cls(order, parts)

    @classmethod
    def root(cls, exponent: int, order: int) -> Number:
        """``zeta_order ** exponent``."""
        half = order // 2
        exponent %= order
        parts = [0] * half
        parts[exponent % half] = 1 if exponent < half else -1
        return cls(order, parts)

    def _other(self, other) -> Number:
        if isinstance(other, Number):
            if other.order != self.order:
                raise ValueError("numbers of different cyclotomic fields")
            return other
        if isinstance(other, (int, Fraction)):
            return Number.gaussian(other, 0, self.order)
        return NotImplemented

    def __add__(self, other):
        other = self._other(other)
        if other is NotImplemented:
            return other
        return Number(self.order, (a + b for a, b in zip(self.parts, other.parts)))

    __radd__ = __add__

    def __neg__(self):
        return Number(self.order, (-a for a in self.parts))

    def __sub__(self, other):
        other = self._other(other)
        if other is NotImplemented:
            return other
        return Number(self.order, (a - b for a, b in zip(self.parts, other.parts)))

    def __rsub__(self, other):
        return (-self) + other

    def __mul__(self, other):
        other = self._other(other)
        if other is NotImplemented:
            return other
        return Number(self.order, _fold_product(self.parts, other.parts))

    __rmul__ = __mul__

    def conjugate(self) -> Number:
        return Number(self.order, _conjugate_parts(self.parts))

    def is_zero(self) -> bool:
        """Whether the number is 0: its polynomial in zeta is divisible by Phi_order."""
        return not any(_reduced(self.parts, self.order))

    def __eq__(self, other):
        other = self._other(other)
        if other is NotImplemented:
            return other
        return (self - other).is_zero()

    # Unhashable: equal numbers may have different parts (equality is modulo Phi_order). typeshed
    # types object.__hash__ as a method, so assigning None needs this ignore (as typeshed's own do).
    __hash__ = None  # type: ignore[assignment]

    def __bool__(self):
        return not self.is_zero()

    def to_python(self):
        """An ``int``, ``Fraction``, ``complex`` (integer parts) or ``(real, imag)`` Fractions
        when the number is a Gaussian rational; ``None`` otherwise."""
        parts = _reduced(self.parts, self.order)
        quarter = self.order // 4
        real, imag = parts[0], parts[quarter] if quarter < len(parts) else 0
        if any(c for e, c in enumerate(parts) if e not in (0, quarter)):
            return None
        real, imag = Fraction(real), Fraction(imag)
        if imag == 0:
            return int(real) if real.denominator == 1 else real
        if real.denominator == 1 and imag.denominator == 1:
            return complex(int(real), int(imag))
        return (real, imag)

    def __repr__(self):
        value = self.to_python()
        if value is not None:
            return repr(value)
        return " + ".join(f"{c}*zeta{self.order}^{e}" for e, c in enumerate(self.parts) if c)


def _fold_product(a, b) -> list:
    """The coefficients of a product, with zeta^(half + e) = -zeta^e."""
    half = len(a)
    out = [0] * half
    for e, c in enumerate(a):
        if c:
            for f, d in enumerate(b):
                if d:
                    k = e + f
                    if k < half:
                        out[k] += c * d
                    else:
                        out[k - half] -= c * d
    return out


def _fold_arrays(a: list, b: list, shape: tuple) -> list:
    """:func:`_fold_product` of two lists of equal-shape arrays, entry by entry."""
    half = len(a)
    out = [np.zeros(shape, dtype=object) for _ in range(half)]
    for e, c in enumerate(a):
        if (isinstance(c, np.ndarray) and not c.any()) or (not isinstance(c, np.ndarray) and not c):
            continue
        for f, d in enumerate(b):
            if (isinstance(d, np.ndarray) and not d.any()) or (not isinstance(d, np.ndarray) and not d):
                continue
            k = e + f
            if k < half:
                out[k] = out[k] + c * d
            else:
                out[k - half] = out[k - half] - c * d
    return out


def _conjugate_parts(parts) -> list:
    """zeta^e -> zeta^(-e) = -zeta^(half - e) for e > 0."""
    half = len(parts)
    out = [0] * half
    out[0] = parts[0]
    for e in range(1, half):
        out[half - e] = -parts[e]
    return out


def _reduced(parts, order: int) -> list:
    """The coefficients of zeta^0 .. zeta^(phi - 1): a canonical form."""
    rows = _reduction(order)
    degree = len(parts) - len(rows)
    out = list(parts[:degree])
    for row, c in zip(rows, parts[degree:]):
        if c:
            for i, r in enumerate(row):
                out[i] += c * r
    return out


def number(value, order: int) -> Number:
    """The :class:`Number` of a counterexample's entry: int, Fraction, complex with integer
    parts, a Gaussian rational (``real`` and ``imag`` Fractions), or a sum of roots of unity (an object with
    ``order`` and ``terms`` = ``(exponent, real, imag)`` triples, zeta = exp(2 pi i / order))."""
    if isinstance(value, Number):
        if order % value.order:
            raise ValueError(f"Q(zeta_{value.order}) is not a subfield of Q(zeta_{order})")
        step = order // value.order
        total = Number.zero(order)
        for e, c in enumerate(value.parts):
            if c:
                total = total + Number.root(e * step, order) * c
        return total
    if hasattr(value, "terms") and hasattr(value, "order"):
        if order % value.order:
            raise ValueError(f"roots of unity of order {value.order} are not in Q(zeta_{order})")
        step = order // value.order
        total = Number.zero(order)
        for exponent, real, imag in value.terms:
            total = total + Number.gaussian(real, imag, order) * Number.root(exponent * step, order)
        return total
    if isinstance(getattr(value, "real", None), Fraction):  # a Gaussian rational
        return Number.gaussian(value.real, value.imag, order)
    if isinstance(value, complex):
        if value.real != int(value.real) or value.imag != int(value.imag):
            raise ValueError(f"complex entries must have integer parts, got {value!r}")
        return Number.gaussian(int(value.real), int(value.imag), order)
    if isinstance(value, (int, Fraction)):
        return Number.gaussian(value, 0, order)
    raise TypeError(f"not an exact number: {value!r}")


@dataclass
class Value:
    """A sequence: the first index of its box and its entries on the box, one object array of
    ints/Fractions per coefficient of zeta^0 .. zeta^(L/2 - 1) (``parts[e]``)."""

    start: tuple
    parts: list
    order: int

    @property
    def shape(self) -> tuple:
        return self.parts[0].shape

    @property
    def size(self) -> int:
        return self.parts[0].size

    def entry(self, index) -> Number:
        return Number(self.order, (part[index] for part in self.parts))

    def support(self) -> dict:
        out = {}
        for index in np.ndindex(self.shape):
            entry = self.entry(index)
            if entry:
                out[tuple(s + i for s, i in zip(self.start, index))] = entry
        return out


class _Reference:
    def __init__(self, env: dict, dims: int, order: int):
        import convalg

        self.convalg = convalg
        self.env = env
        self.dims = dims
        self.order = order
        self.half = order // 2
        self.products = 0

    # bookkeeping
    def zeros(self, shape) -> np.ndarray:
        cells = math.prod(shape)
        if cells * self.half > MAX_CELLS:
            raise TooLarge(f"an intermediate array of {cells} cells (more than {MAX_CELLS // self.half})")
        out = np.empty(shape, dtype=object)
        out.fill(0)
        return out

    def empty(self, start=None) -> Value:
        shape = (0,) * self.dims
        return Value(start or (0,) * self.dims, [self.zeros(shape) for _ in range(self.half)], self.order)

    def spend(self, products: int) -> None:
        self.products += products
        if self.products > MAX_PRODUCTS:
            raise TooLarge(f"more than {MAX_PRODUCTS} products of exact numbers")

    def integer(self, node: Node) -> int:
        value = node.value
        if isinstance(value, int):
            return value
        if isinstance(value, tuple):  # ('-', name)
            return -self.env[value[1]]
        return self.env[value]

    def offset(self, node: Node) -> tuple:
        if node.op == "tuple":
            return tuple(self.integer(a) for a in node.args)
        return (self.integer(node),) * self.dims

    def eval(self, node: Node):
        return getattr(self, "op_" + node.op)(node)

    # scalars
    def op_number(self, node):
        return number(node.value, self.order)

    def op_scalar(self, node):
        return number(self.env[node.value], self.order)

    def op_smul(self, node):
        return self.eval(node.args[0]) * self.eval(node.args[1])

    # sequences
    def from_entries(self, entries) -> Value:
        array = object_array(entries, self.dims)
        parts = [self.zeros(array.shape) for _ in range(self.half)]
        for index in np.ndindex(array.shape):
            for e, c in enumerate(number(array[index], self.order).parts):
                parts[e][index] = c
        return Value((0,) * self.dims, parts, self.order)

    def op_seq(self, node):
        return self.from_entries(self.env[node.value])

    def op_delta(self, node):
        return self.from_entries(np.ones((1,) * self.dims, dtype=int).tolist())

    def hull(self, values) -> tuple:
        nonempty = [v for v in values if v.size]
        if not nonempty:
            return (0,) * self.dims, (0,) * self.dims
        start = tuple(min(v.start[a] for v in nonempty) for a in range(self.dims))
        stop = tuple(max(v.start[a] + v.shape[a] for v in nonempty) for a in range(self.dims))
        return start, tuple(e - s for s, e in zip(start, stop))

    def place(self, value: Value, start, shape) -> list:
        parts = []
        for part in value.parts:
            out = self.zeros(shape)
            if value.size:
                out[tuple(slice(p - s, p - s + n) for p, s, n in zip(value.start, start, value.shape))] = part
            parts.append(out)
        return parts

    def combine(self, a, b, sign):
        if not isinstance(a, Value):
            return a + b if sign > 0 else a - b
        start, shape = self.hull([a, b])
        left, right = self.place(a, start, shape), self.place(b, start, shape)
        return Value(start, [x + y if sign > 0 else x - y for x, y in zip(left, right)], self.order)

    def op_add(self, node):
        return self.combine(self.eval(node.args[0]), self.eval(node.args[1]), 1)

    def op_sub(self, node):
        return self.combine(self.eval(node.args[0]), self.eval(node.args[1]), -1)

    def op_neg(self, node):
        value = self.eval(node.args[0])
        if isinstance(value, Value):
            return Value(value.start, [-p for p in value.parts], self.order)
        return -value

    def times(self, c: Number, value: Value) -> Value:
        self.spend(value.size * self.half)
        return Value(value.start, _fold_arrays(list(c.parts), value.parts, value.shape), self.order)

    def op_scale(self, node):
        return self.times(self.eval(node.args[0]), self.eval(node.args[1]))

    def op_conj(self, node):
        value = self.eval(node.args[0])
        if isinstance(value, Value):
            return Value(value.start, _conjugate_parts(value.parts), self.order)
        return value.conjugate()

    def op_flip(self, node):
        value = self.eval(node.args[0])
        start = tuple(-(s + n - 1) for s, n in zip(value.start, value.shape))
        return Value(start, [p[(slice(None, None, -1),) * self.dims].copy() for p in value.parts], self.order)

    def op_shift(self, node):
        value = self.eval(node.args[0])
        return Value(tuple(s + k for s, k in zip(value.start, self.offset(node.args[1]))), value.parts, self.order)

    def library(self, function, a: Value, b: Value, mode: str) -> list:
        """``function`` (convalg.convolve or correlate) of two sequences, part by part:
        the product of zeta^e and zeta^f parts lands in part e + f (folded)."""
        self.zeros(tuple(m + n - 1 for m, n in zip(a.shape, b.shape)))  # size check
        used_a = [e for e, p in enumerate(a.parts) if p.any()]
        used_b = [f for f, p in enumerate(b.parts) if p.any()]
        self.spend(a.size * b.size * max(1, len(used_a) * len(used_b)))
        out = None
        for e in used_a:
            for f in used_b:
                piece = np.asarray(function(a.parts[e], b.parts[f], mode=mode, method="direct"), dtype=object)
                if out is None:
                    out = [np.zeros(piece.shape, dtype=object) for _ in range(self.half)]
                k = e + f
                if k < self.half:
                    out[k] = out[k] + piece
                else:
                    out[k - self.half] = out[k - self.half] - piece
        if out is None:  # every entry is 0: the library still decides the window's shape
            piece = np.asarray(function(a.parts[0], b.parts[0], mode=mode, method="direct"), dtype=object)
            out = [np.zeros(piece.shape, dtype=object) for _ in range(self.half)]
        return out

    def op_conv(self, node):
        a, b = self.eval(node.args[0]), self.eval(node.args[1])
        if not a.size or not b.size:
            return self.empty()
        out = self.library(self.convalg.convolve, a, b, "full")
        return Value(tuple(p + q for p, q in zip(a.start, b.start)), out, self.order)

    def op_corr(self, node):
        # scipy.signal.correlate(a, b)[j] = sum_n a[n + j - (len(b) - 1)] conj(b[n]): the
        # array's first entry is lag start(a) - (start(b) + len(b) - 1). Its direct method does
        # not conjugate object arrays, so the parts of conj(b) are passed.
        a, b = self.eval(node.args[0]), self.eval(node.args[1])
        if not a.size or not b.size:
            return self.empty()
        conj_b = Value(b.start, _conjugate_parts(b.parts), self.order)
        out = self.library(self.convalg.correlate, a, conj_b, "full")
        start = tuple(p - (q + n - 1) for p, q, n in zip(a.start, b.start, b.shape))
        return Value(start, out, self.order)

    def op_convmode(self, node):
        a, b = self.eval(node.args[0]), self.eval(node.args[1])
        if not a.size or not b.size:
            raise Undefined("conv(..., mode=...) of an empty sequence")
        try:
            out = self.library(self.convalg.convolve, a, b, node.value)
        except ValueError as error:
            if node.value == "valid":
                raise Undefined(f"mode='valid' with no dominant input: {error}") from None
            raise
        if node.value == "same":  # scipy centres the full result on in1
            offset = tuple((n - 1) // 2 for n in b.shape)
        else:  # the full result's entries with every index of the smaller input inside
            smaller = b.shape if all(m >= n for m, n in zip(a.shape, b.shape)) else a.shape
            offset = tuple(n - 1 for n in smaller)
        return Value(tuple(p + q + o for p, q, o in zip(a.start, b.start, offset)), out, self.order)

    def wrapped(self, value: Value, n: int) -> list:
        parts = [self.zeros((n,) * self.dims) for _ in range(self.half)]
        self.spend(value.size)
        for index in np.ndindex(value.shape):
            at = tuple((s + i) % n for s, i in zip(value.start, index))
            for part, source in zip(parts, value.parts):
                part[at] += source[index]
        return parts

    def op_circ(self, node):
        n = self.integer(node.args[2])
        full = self.op_conv(Node("conv", node.args[:2]))
        return Value((0,) * self.dims, self.wrapped(full, n), self.order)

    def op_dft(self, node):
        # dft(a, N)(k) = sum over m in [0, N)^d of a_N(m) zeta_N^(-<k, m>), zeta_N = zeta_L^(L/N)
        n = self.integer(node.args[1])
        a = Value((0,) * self.dims, self.wrapped(self.eval(node.args[0]), n), self.order)
        step = self.order // n
        cells = [(m, a.entry(m)) for m in np.ndindex(a.shape)]
        cells = [(m, x) for m, x in cells if any(x.parts)]
        self.spend(n**self.dims * len(cells) * self.half)
        parts = [self.zeros((n,) * self.dims) for _ in range(self.half)]
        for k in np.ndindex(parts[0].shape):
            total = Number.zero(self.order)
            for m, entry in cells:
                total = total + entry * Number.root(-step * sum(p * q for p, q in zip(k, m)), self.order)
            for part, c in zip(parts, total.parts):
                part[k] = c
        return Value((0,) * self.dims, parts, self.order)

    def op_hadamard(self, node):
        a, b = self.eval(node.args[0]), self.eval(node.args[1])
        start = tuple(max(p, q) for p, q in zip(a.start, b.start))
        stop = tuple(min(p + m, q + n) for p, q, m, n in zip(a.start, b.start, a.shape, b.shape))
        shape = tuple(max(e - s, 0) for s, e in zip(start, stop))
        if 0 in shape:
            return Value(start, [self.zeros(shape) for _ in range(self.half)], self.order)
        self.spend(math.prod(shape) * self.half * self.half)
        pa = [p[tuple(slice(s - q, s - q + m) for s, q, m in zip(start, a.start, shape))] for p in a.parts]
        pb = [p[tuple(slice(s - q, s - q + m) for s, q, m in zip(start, b.start, shape))] for p in b.parts]
        return Value(start, _fold_arrays(pa, pb, shape), self.order)

    def op_down(self, node):
        # down(a, s)(n) = a(s n): the box is every n with s n in a's box
        value = self.eval(node.args[0])
        s = self.integer(node.args[1])
        first = tuple(-((-p) // s) for p in value.start)
        last = tuple((p + m - 1) // s for p, m in zip(value.start, value.shape))
        window = tuple(
            slice(a * s - p, b * s - p + 1, s) if b >= a else slice(0, 0) for a, b, p in zip(first, last, value.start)
        )
        return Value(first, [p[window].copy() for p in value.parts], self.order)


def object_array(entries, dims: int) -> np.ndarray:
    """Nested lists of numbers as an object array of ``dims`` axes (an entry may itself be a
    tuple, a Gaussian rational: numpy must not read it as an axis)."""
    rows = [entries] if dims == 1 else list(entries)
    shape = (len(entries),) if dims == 1 else (len(rows), len(rows[0]) if rows else 0)
    array = np.empty(shape, dtype=object)
    for index in np.ndindex(shape):
        array[index] = entries[index[0]] if dims == 1 else rows[index[0]][index[1]]
    return array


def field_order(statement: Statement, parameters: dict) -> int:
    """The L of Q(zeta_L) the statement's numbers live in: a multiple of 4 and of every dft length.

    Examples
    --------
    >>> from convalg.symbolic.language import parse
    >>> from convalg.symbolic.reference import field_order
    >>> field_order(parse("dft(f, 6) == dft(g, N)"), {"N": 5})
    60
    """
    orders = [4, *statement.dft_lengths(parameters)]
    return math.lcm(*orders)


def evaluate_statement(statement: Statement, dims: int, sequences: dict, scalars: dict, parameters: dict) -> list:
    """Every side's value: a :class:`Value` (sequence) or a :class:`Number` (scalar).

    ``sequences`` maps names to entries (nested lists, index 0 first), ``scalars`` to numbers,
    ``parameters`` to ints. Raises :class:`Undefined` or :class:`TooLarge`.

    Examples
    --------
    >>> from convalg.symbolic.language import parse
    >>> from convalg.symbolic.reference import evaluate_statement
    >>> sides = evaluate_statement(parse("corr(f, g) == f"), 1, {"f": [1, 2], "g": [1j]}, {}, {})
    >>> sides[0].start, [sides[0].entry(i) for i in range(2)]
    ((0,), [-1j, -2j])
    """
    order = field_order(statement, parameters)
    if order > 4096:
        raise TooLarge(f"dft lengths need roots of unity of order {order}")
    env = {**sequences, **scalars, **parameters}
    evaluator = _Reference(env, dims, order)
    return [evaluator.eval(side) for side in statement.sides]


def sides_differ(values: list) -> bool:
    """Whether some side differs from the first (sequences compared at every index)."""
    first = values[0]
    for other in values[1:]:
        if isinstance(first, Value):
            a, b = first.support(), other.support()
            if set(a) != set(b) or any(a[i] != b[i] for i in a):
                return True
        elif first != other:
            return True
    return False


@dataclass(frozen=True)
class Confirmation:
    """The reference evaluation of a counterexample: does it reproduce the sides, and do they differ?"""

    confirmed: bool
    reproduces: bool
    differ: bool
    reason: str = ""

    def __str__(self) -> str:
        if self.reason:
            return f"NOT confirmed: {self.reason}"
        state = "confirmed" if self.confirmed else "NOT confirmed"
        return (
            f"{state} by the independent exact evaluation (convalg.convolve / convalg.correlate on "
            f"exact object arrays, the other operators from their definitions): the sides "
            f"{'are reproduced' if self.reproduces else 'are NOT reproduced'} and "
            f"{'differ' if self.differ else 'do NOT differ'}"
        )


def _same_side(value, claimed, order: int) -> bool:
    """Whether a reference value equals a counterexample's side ``(start, entries)``."""
    start, entries = claimed
    if not isinstance(value, Value):
        return value == number(entries, order)
    array = object_array(entries, len(start))
    claimed_support = {}
    for index in np.ndindex(array.shape):
        entry = number(array[index], order)
        if entry:
            claimed_support[tuple(s + i for s, i in zip(start, index))] = entry
    support = value.support()
    return set(support) == set(claimed_support) and all(support[i] == claimed_support[i] for i in support)


def confirm(statement: Statement, example) -> Confirmation:
    """Evaluate ``statement`` on ``example`` (a :class:`~convalg.symbolic.search.Counterexample`).

    Examples
    --------
    >>> from convalg.symbolic.language import parse
    >>> from convalg.symbolic.search import find_counterexample
    >>> from convalg.symbolic.reference import confirm
    >>> statement = parse("corr(f, g) == corr(g, f)")
    >>> example, _ = find_counterexample(statement)
    >>> confirm(statement, example).confirmed
    True
    """
    try:
        values = evaluate_statement(statement, example.dims, example.sequences, example.scalars, example.parameters)
    except (TooLarge, Undefined) as error:
        return Confirmation(False, False, False, f"the reference evaluation did not run: {error}")
    order = field_order(statement, example.parameters)
    reproduces = all(_same_side(v, claimed, order) for v, claimed in zip(values, example.sides))
    differ = sides_differ(values)
    return Confirmation(reproduces and differ, reproduces, differ)
