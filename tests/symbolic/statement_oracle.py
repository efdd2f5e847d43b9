"""A test oracle for the statement language, written apart from ``convalg/symbolic``.

It imports nothing from convalg: it has its own small parser (:func:`parse`), its own exact
numbers and its own evaluator, each operator computed by brute force from its definition:

* numbers are exact elements of Q(i, sqrt 3) = Q(zeta_12), stored as four Fractions
  ``a + b i + c sqrt3 + d i sqrt3`` -- enough for ``dft`` of every length dividing 12;
* a sequence is a dict ``{index tuple: number}`` of its nonzero entries plus its box (first
  index and shape), because scipy's 'same' and 'valid' windows depend on the boxes;
* ``(a * b)(n) = sum_k a(k) b(n - k)``, ``corr(a, b)(m) = sum_n a(n + m) conj(b(n))``,
  ``shift(a, k)(n) = a(n - k)``, ``flip(a)(n) = a(-n)``, ``down(a, s)(n) = a(s n)``,
  ``hadamard(a, b)(n) = a(n) b(n)``, ``circ(a, b, N) = a * b`` summed modulo N onto [0, N)^d,
  ``dft(a, N)(k) = sum_{m in [0, N)^d} a_N(m) exp(-2 pi i <k, m> / N)``;
* ``conv(a, b, mode="same")`` is the full result on ``start(a) + start(b) + (len(b) - 1) // 2``
  with ``a``'s shape, ``mode="valid"`` the full result from ``start + len(smaller) - 1`` with
  shape ``|len(a) - len(b)| + 1`` when one input is at least as large as the other on every
  axis (otherwise undefined); a window of an empty sequence is undefined.
"""

from __future__ import annotations

import re
from fractions import Fraction
from itertools import product


class Undefined(Exception):
    """A side has no value on this input."""


# ---------------------------------------------------------------- numbers in Q(zeta_12)


class Q12:
    """``a + b i + c sqrt3 + d i sqrt3`` with int or Fraction coefficients."""

    __slots__ = ("c",)

    def __init__(self, a=0, b=0, c=0, d=0):
        self.c = (a, b, c, d)

    @staticmethod
    def of(value) -> Q12:
        if isinstance(value, Q12):
            return value
        if isinstance(value, complex):
            return Q12(int(value.real), int(value.imag))
        if isinstance(value, tuple):
            return Q12(Fraction(value[0]), Fraction(value[1]))
        if isinstance(getattr(value, "real", None), Fraction):  # a Gaussian rational
            return Q12(value.real, value.imag)
        if hasattr(value, "order") and hasattr(value, "terms"):  # a sum of roots of unity
            if 12 % value.order:
                raise ValueError(f"the oracle has roots of unity of order dividing 12, not {value.order}")
            total = Q12()
            for exponent, real, imag in value.terms:
                total = total + Q12(real, imag) * root(exponent * (12 // value.order))
            return total
        return Q12(value)

    def __add__(self, other):
        other = Q12.of(other)
        return Q12(*(x + y for x, y in zip(self.c, other.c)))

    __radd__ = __add__

    def __neg__(self):
        return Q12(*(-x for x in self.c))

    def __sub__(self, other):
        return self + (-Q12.of(other))

    def __mul__(self, other):
        # (p + q s)(p' + q' s) = (p p' + 3 q q') + (p q' + q p') s with p, q Gaussian, s = sqrt 3
        a, b, c, d = self.c
        e, f, g, h = Q12.of(other).c

        def gauss(x, y, u, v):  # (x + y i)(u + v i)
            return x * u - y * v, x * v + y * u

        pp, qq = gauss(a, b, e, f), gauss(c, d, g, h)
        pq, qp = gauss(a, b, g, h), gauss(c, d, e, f)
        return Q12(pp[0] + 3 * qq[0], pp[1] + 3 * qq[1], pq[0] + qp[0], pq[1] + qp[1])

    __rmul__ = __mul__

    def conj(self) -> Q12:
        a, b, c, d = self.c
        return Q12(a, -b, c, -d)

    def __eq__(self, other):
        return self.c == Q12.of(other).c

    def __hash__(self):
        return hash(self.c)

    def __bool__(self):
        return any(self.c)

    def __repr__(self):
        return "Q12" + repr(tuple(str(x) for x in self.c))


_ZETA12 = Q12(0, Fraction(1, 2), Fraction(1, 2), 0)  # (sqrt3 + i) / 2 = exp(2 pi i / 12)


def root(exponent: int) -> Q12:
    """``zeta_12 ** exponent``."""
    out = Q12(1)
    for _ in range(exponent % 12):
        out = out * _ZETA12
    return out


class Approx:
    """A complex float for dft lengths that do not divide 12. Two values are equal when they
    differ by at most 1e-9 and different when by at least 1e-5 (the inputs are small integers, so
    rounding stays far below both); in between the oracle cannot tell and says Undefined."""

    __slots__ = ("v",)

    def __init__(self, value=0):
        self.v = complex(value)

    @staticmethod
    def of(value) -> Approx:
        if isinstance(value, Approx):
            return value
        if isinstance(value, tuple):
            return Approx(complex(float(value[0]), float(value[1])))
        if isinstance(getattr(value, "real", None), Fraction):
            return Approx(complex(float(value.real), float(value.imag)))
        if hasattr(value, "order") and hasattr(value, "terms"):
            import cmath

            return Approx(
                sum(
                    complex(float(re), float(im)) * cmath.exp(2j * cmath.pi * e / value.order)
                    for e, re, im in value.terms
                )
            )
        return Approx(complex(value) if not isinstance(value, Fraction) else float(value))

    def __add__(self, other):
        return Approx(self.v + Approx.of(other).v)

    __radd__ = __add__

    def __neg__(self):
        return Approx(-self.v)

    def __sub__(self, other):
        return Approx(self.v - Approx.of(other).v)

    def __mul__(self, other):
        return Approx(self.v * Approx.of(other).v)

    __rmul__ = __mul__

    def conj(self):
        return Approx(self.v.conjugate())

    def __bool__(self):
        size = abs(self.v)
        if size <= 1e-9:
            return False
        if size >= 1e-5:
            return True
        raise Undefined(f"the oracle cannot tell {self.v} from 0 in floating point")

    def __eq__(self, other):
        return not bool(self - other)

    __hash__ = None

    def __repr__(self):
        return f"Approx({self.v})"


class _Field:
    """The oracle's numbers: exact Q12 when every dft length divides 12, else Approx."""

    def __init__(self, exact: bool):
        self.number = Q12 if exact else Approx
        self.exact = exact

    def of(self, value):
        return self.number.of(value)

    def root(self, exponent: int, order: int):
        """exp(2 pi i exponent / order)."""
        if self.exact:
            return root(exponent * (12 // order))
        import cmath

        return Approx(cmath.exp(2j * cmath.pi * exponent / order))


# ---------------------------------------------------------------- sequences


class Seq:
    """Nonzero entries and a box (``start``, ``shape``)."""

    def __init__(self, start, shape, data):
        self.start, self.shape = tuple(start), tuple(shape)
        self.data = {k: v for k, v in data.items() if v}

    def equal_values(self, other) -> bool:
        return self.data == other.data

    def __repr__(self):
        return f"Seq({self.start}, {self.shape}, {self.data})"


def from_entries(entries, dims: int, field=None) -> Seq:
    """A sequence from nested lists (index 0 first)."""
    of = (field or _Field(True)).of
    data = {}
    if dims == 1:
        for i, v in enumerate(entries):
            data[(i,)] = of(v)
        return Seq((0,), (len(entries),), data)
    rows = len(entries)
    cols = len(entries[0]) if rows else 0
    for i, row in enumerate(entries):
        for j, v in enumerate(row):
            data[(i, j)] = of(v)
    return Seq((0, 0), (rows, cols) if cols else (0, 0), data)


def _empty(dims):
    return Seq((0,) * dims, (0,) * dims, {})


def _is_empty(a: Seq) -> bool:
    return 0 in a.shape


def _hull(a: Seq, b: Seq):
    if _is_empty(a):
        return b.start, b.shape
    if _is_empty(b):
        return a.start, a.shape
    start = tuple(min(x, y) for x, y in zip(a.start, b.start))
    stop = tuple(max(x + m, y + n) for x, y, m, n in zip(a.start, b.start, a.shape, b.shape))
    return start, tuple(e - s for s, e in zip(start, stop))


def _full(a: Seq, b: Seq, dims) -> Seq:
    if _is_empty(a) or _is_empty(b):
        return _empty(dims)
    data: dict = {}
    for i, x in a.data.items():
        for j, y in b.data.items():
            k = tuple(p + q for p, q in zip(i, j))
            data[k] = x * y if k not in data else data[k] + x * y
    return Seq(tuple(p + q for p, q in zip(a.start, b.start)), tuple(m + n - 1 for m, n in zip(a.shape, b.shape)), data)


def _window(full: Seq, start, shape) -> Seq:
    inside = {k: v for k, v in full.data.items() if all(s <= p < s + n for p, s, n in zip(k, start, shape))}
    return Seq(start, shape, inside)


# ---------------------------------------------------------------- parser (own, small)

_TOKEN = re.compile(r"\s*(?:(\d+)|([A-Za-z_]\w*)|(\"[a-z]+\")|(==|[-+*/(),=]))")
_SEQUENCES = set("fghuvw")
_SCALARS = {"alpha", "beta"}
_FUNCTIONS = {"corr", "circ", "conv", "down", "shift", "flip", "conj", "dft", "hadamard"}


def _tokens(text):
    out, position = [], 0
    while text[position:].strip():
        match = _TOKEN.match(text, position)
        if not match:
            raise ValueError(f"oracle cannot read {text[position:]!r}")
        out.append(next(g for g in match.groups() if g is not None))
        position = match.end()
    return out + [""]


def parse(text: str):
    """A statement as a list of side trees: tuples ``(op, ...)``; kinds are 'seq' or 'sc'."""
    tokens = _tokens(text)
    at = [0]

    def peek():
        return tokens[at[0]]

    def take(expected=None):
        token = tokens[at[0]]
        if expected is not None and token != expected:
            raise ValueError(f"oracle expected {expected!r}, found {token!r} in {text!r}")
        at[0] += 1
        return token

    def expr():
        node = term()
        while peek() in ("+", "-"):
            op = take()
            node = ("add" if op == "+" else "sub", node, term())
        return node

    def starts_factor():
        token = peek()
        return token == "(" or token[:1].isdigit() or (token[:1].isalpha() or token[:1] == "_")

    def term():
        node = factor()
        while True:
            if peek() in ("*", "/"):
                op = take()
                right = factor()
                if op == "/":
                    right = ("num", 1 / right[1])
            elif kind(node) == "sc" and starts_factor():
                right = factor()
            else:
                return node
            node = ("mul", node, right)

    def factor():
        if peek() == "-":
            take()
            return ("neg", factor())
        return primary()

    def integer():
        sign = -1 if peek() == "-" else 1
        if sign < 0:
            take()
        token = take()
        return ("int", sign, int(token)) if token.isdigit() else ("int", sign, token)

    def offset():
        if peek() == "(":
            take()
            parts = [integer()]
            while peek() == ",":
                take()
                parts.append(integer())
            take(")")
            return ("tuple", *parts)
        return integer()

    def primary():
        token = take()
        if token.isdigit():
            return ("num", Fraction(int(token)))
        if token == "(":
            node = expr()
            take(")")
            return node
        if token in _FUNCTIONS and peek() == "(":
            take("(")
            if token in ("flip", "conj"):
                args = [expr()]
            elif token == "shift":
                args = [expr()]
                take(",")
                args.append(offset())
            elif token in ("down", "dft"):
                args = [expr()]
                take(",")
                args.append(integer())
            elif token == "circ":
                args = [expr()]
                take(",")
                args.append(expr())
                take(",")
                args.append(integer())
            elif token == "conv":
                args = [expr()]
                take(",")
                args.append(expr())
                mode = "full"
                if peek() == ",":
                    take(",")
                    take("mode")
                    take("=")
                    mode = take().strip('"')
                args.append(mode)
            else:  # corr, hadamard
                args = [expr()]
                take(",")
                args.append(expr())
            take(")")
            return (token, *args)
        if token in _SEQUENCES:
            return ("seq", token)
        if token == "delta":
            return ("delta",)
        if token in _SCALARS:
            return ("scalar", token)
        raise ValueError(f"oracle: unknown token {token!r} in {text!r}")

    sides = [expr()]
    while peek() == "==":
        take()
        sides.append(expr())
    if peek() != "":
        raise ValueError(f"oracle: trailing {peek()!r} in {text!r}")
    return sides


def kind(node) -> str:
    op = node[0]
    if op in ("num", "scalar"):
        return "sc"
    if op in ("neg", "conj"):
        return kind(node[1])
    if op in ("add", "sub"):
        return kind(node[1])
    if op == "mul":
        return "seq" if "seq" in (kind(node[1]), kind(node[2])) else "sc"
    return "seq"


def names(sides, op: str) -> list:
    """The names of kind ``op``: 'seq', 'scalar', or 'int' (named integer parameters)."""
    found = []

    def visit(node):
        if not isinstance(node, tuple):
            return
        if op == "int":
            if node[0] == "int" and isinstance(node[2], str) and node[2] not in found:
                found.append(node[2])
        elif node[0] == op and node[1] not in found:
            found.append(node[1])
        for part in node[1:]:
            visit(part)

    for side in sides:
        visit(side)
    return found


# ---------------------------------------------------------------- evaluation


def evaluate(node, env: dict, dims: int, field=None):
    """The value of a side: a :class:`Seq` or a number (:class:`Q12`, or :class:`Approx`)."""
    field = field or _Field(True)
    op = node[0]
    zero = field.of(0)

    def ev(n):
        return evaluate(n, env, dims, field)

    def integer(n):
        _, sign, value = n
        return sign * (value if isinstance(value, int) else env[value])

    def offset(n):
        if n[0] == "tuple":
            return tuple(integer(p) for p in n[1:])
        return (integer(n),) * dims

    if op == "num":
        return field.of(node[1])
    if op == "scalar":
        return field.of(env[node[1]])
    if op == "seq":
        return from_entries(env[node[1]], dims, field)
    if op == "delta":
        origin = (0,) * dims
        return Seq(origin, (1,) * dims, {origin: field.of(1)})
    if op == "neg":
        value = ev(node[1])
        return (
            Seq(value.start, value.shape, {k: -v for k, v in value.data.items()}) if isinstance(value, Seq) else -value
        )
    if op == "conj":
        value = ev(node[1])
        return (
            Seq(value.start, value.shape, {k: v.conj() for k, v in value.data.items()})
            if isinstance(value, Seq)
            else value.conj()
        )
    if op in ("add", "sub"):
        a, b = ev(node[1]), ev(node[2])
        sign = 1 if op == "add" else -1
        if not isinstance(a, Seq):
            return a + b if sign > 0 else a - b
        data = dict(a.data)
        for k, v in b.data.items():
            data[k] = data.get(k, zero) + (v if sign > 0 else -v)
        start, shape = _hull(a, b)
        return Seq(start, shape, data)
    if op == "mul":
        a, b = ev(node[1]), ev(node[2])
        if isinstance(a, Seq) and isinstance(b, Seq):
            return _full(a, b, dims)
        if isinstance(a, Seq):
            a, b = b, a
        if isinstance(b, Seq):
            return Seq(b.start, b.shape, {k: a * v for k, v in b.data.items()})
        return a * b
    if op == "corr":
        a, b = ev(node[1]), ev(node[2])
        if _is_empty(a) or _is_empty(b):
            return _empty(dims)
        data: dict = {}
        for i, x in a.data.items():
            for j, y in b.data.items():
                m = tuple(p - q for p, q in zip(i, j))
                data[m] = data.get(m, zero) + x * y.conj()
        start = tuple(p - (q + n - 1) for p, q, n in zip(a.start, b.start, b.shape))
        return Seq(start, tuple(m + n - 1 for m, n in zip(a.shape, b.shape)), data)
    if op == "conv":
        a, b, mode = ev(node[1]), ev(node[2]), node[3]
        full = _full(a, b, dims)
        if mode == "full":
            return full
        if _is_empty(a) or _is_empty(b):
            raise Undefined("window of an empty sequence")
        if mode == "same":
            offset_ = tuple((n - 1) // 2 for n in b.shape)
            shape = a.shape
        else:
            if all(m >= n for m, n in zip(a.shape, b.shape)):
                smaller = b.shape
            elif all(n >= m for m, n in zip(a.shape, b.shape)):
                smaller = a.shape
            else:
                raise Undefined("valid: no input dominates")
            offset_ = tuple(n - 1 for n in smaller)
            shape = tuple(abs(m - n) + 1 for m, n in zip(a.shape, b.shape))
        start = tuple(p + q + o for p, q, o in zip(a.start, b.start, offset_))
        return _window(full, start, shape)
    if op == "shift":
        a, k = ev(node[1]), offset(node[2])
        return Seq(
            tuple(s + d for s, d in zip(a.start, k)),
            a.shape,
            {tuple(p + d for p, d in zip(i, k)): v for i, v in a.data.items()},
        )
    if op == "flip":
        a = ev(node[1])
        return Seq(
            tuple(-(s + n - 1) for s, n in zip(a.start, a.shape)),
            a.shape,
            {tuple(-p for p in i): v for i, v in a.data.items()},
        )
    if op == "down":
        a, s = ev(node[1]), integer(node[2])
        first = tuple(-((-p) // s) for p in a.start)
        last = tuple((p + n - 1) // s for p, n in zip(a.start, a.shape))
        shape = tuple(max(b - f + 1, 0) for f, b in zip(first, last))
        data = {tuple(p // s for p in i): v for i, v in a.data.items() if all(p % s == 0 for p in i)}
        return Seq(first, shape, data)
    if op == "hadamard":
        a, b = ev(node[1]), ev(node[2])
        start = tuple(max(p, q) for p, q in zip(a.start, b.start))
        stop = tuple(min(p + m, q + n) for p, q, m, n in zip(a.start, b.start, a.shape, b.shape))
        shape = tuple(max(e - s, 0) for s, e in zip(start, stop))
        return Seq(start, shape, {k: v * b.data[k] for k, v in a.data.items() if k in b.data})
    if op in ("circ", "dft"):
        n = integer(node[3] if op == "circ" else node[2])
        inner = _full(ev(node[1]), ev(node[2]), dims) if op == "circ" else ev(node[1])
        wrapped: dict = {}
        for i, v in inner.data.items():
            k = tuple(p % n for p in i)
            wrapped[k] = wrapped.get(k, zero) + v
        if op == "circ":
            return Seq((0,) * dims, (n,) * dims, wrapped)
        if field.exact and 12 % n:
            raise Undefined(f"the exact oracle's dft lengths divide 12, not {n}")
        out = {}
        for k in product(range(n), repeat=dims):
            total = zero
            for m, v in wrapped.items():
                total = total + v * field.root(-sum(p * q for p, q in zip(k, m)), n)
            out[k] = total
        return Seq((0,) * dims, (n,) * dims, out)
    raise ValueError(f"oracle: no rule for {op!r}")


def sides_differ(values) -> bool:
    first = values[0]
    for other in values[1:]:
        if isinstance(first, Seq):
            if not first.equal_values(other):
                return True
        elif first != other:
            return True
    return False


def differs_on(text: str, dims: int, sequences: dict, scalars: dict, parameters: dict) -> bool:
    """Whether the sides of ``text`` differ on this input (Undefined if a side has no value)."""
    sides = parse(text)
    env = {**sequences, **scalars, **parameters}
    field = _Field(all(12 % n == 0 for n in _dft_lengths(sides, env)))
    return sides_differ([evaluate(side, env, dims, field) for side in sides])


def _dft_lengths(sides, env) -> list:
    found = []

    def visit(node):
        if not isinstance(node, tuple):
            return
        if node[0] == "dft":
            _, sign, value = node[2]
            found.append(sign * (value if isinstance(value, int) else env[value]))
        for part in node[1:]:
            visit(part)

    for side in sides:
        visit(side)
    return found
