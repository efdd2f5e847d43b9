"""The smallest exact integer counterexample to a statement, by ordered exhaustive search.

Candidates are tried in a fixed order, so the first one found is the smallest in that order:
first by the total length of the sequences, then by the largest entry magnitude (real integers
before Gaussian integers, which are tried only when the statement can see complex values),
then by the integer parameters and scalars, then lexicographically with entries ordered
``0, 1, -1, 2, -2``. Sequences start at index 0 (``shift`` moves them). Every candidate is
evaluated exactly (:mod:`convalg.symbolic.evaluate`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import product

from convalg.symbolic.evaluate import Arithmetic, Finite, PlainArithmetic, Undefined, equal, evaluate_sides, root_order
from convalg.symbolic.language import POSITIVE_PARAMETERS, Statement

__all__ = ["Counterexample", "find_counterexample"]

_POSITIVE_VALUES = (1, 2, 3, 4)
_STRIDES = (1, 2, 3)
_OFFSETS = (0, 1, -1, 2)
_REAL_SCALARS = (2, -1, 3)
_COMPLEX_SCALARS = (1j, 1 + 1j)
_ENTRIES = {1: (0, 1, -1), 2: (0, 1, -1, 2, -2)}
_COMPLEX_ENTRIES = (0, 1, 1j, -1, -1j)


@dataclass
class Counterexample:
    """An exact assignment under which the sides of a statement differ.

    ``sequences`` maps each name to its entries (index 0 first; nested lists in 2-D),
    ``scalars`` and ``parameters`` the other names; ``sides`` holds each side's value as
    ``(start, entries)``; ``confirmation`` is the soundness gate's independent evaluation
    (:func:`convalg.symbolic.reference.confirm`).
    """

    statement: str
    dims: int
    sequences: dict
    scalars: dict
    parameters: dict
    sides: list
    confirmation: object = None
    tried: int = 0
    notes: list = field(default_factory=list)

    def describe(self) -> str:
        """One line per name and per side."""
        lines = [f"{name} = {value}" for name, value in self.sequences.items()]
        lines += [f"{name} = {value}" for name, value in {**self.scalars, **self.parameters}.items()]
        for index, (start, entries) in enumerate(self.sides):
            if entries in ([0], [[0]]):
                lines.append(f"side {index + 1} = 0 (the zero sequence)")
                continue
            if not start:
                lines.append(f"side {index + 1} = {entries}")
                continue
            lines.append(f"side {index + 1} = {entries} (first index {list(start) if len(start) > 1 else start[0]})")
        return "\n".join(lines)


def _to_python(value, arithmetic):
    value = arithmetic.normal(value)
    if isinstance(value, (int, Fraction)):
        return value
    if not hasattr(value, "is_ground"):  # a Gaussian rational
        value = Arithmetic([]).ring(value)
    if not value:
        return 0
    if value.is_ground:
        c = value.LC
        real, imag = Fraction(int(c.x.numerator), int(c.x.denominator)), Fraction(int(c.y.numerator), int(c.y.denominator))
        real = int(real) if real.denominator == 1 else real
        imag = int(imag) if imag.denominator == 1 else imag
        return real if imag == 0 else complex(real, imag) if isinstance(real, int) and isinstance(imag, int) else (real, imag)
    terms = []
    for monom, c in value.terms():
        terms.append((monom[-1], Fraction(int(c.x.numerator), int(c.x.denominator)),
                      Fraction(int(c.y.numerator), int(c.y.denominator))))
    return RootSum(arithmetic.root_order, tuple(sorted(terms)))


@dataclass(frozen=True)
class RootSum:
    """An exact value ``sum of c_e zeta^e`` with ``zeta = exp(2 pi i / order)`` and Gaussian
    rational ``c_e = real + i imag``: ``terms`` holds ``(e, real, imag)``.

    Examples
    --------
    >>> from fractions import Fraction
    >>> from convalg.symbolic.search import RootSum
    >>> print(RootSum(3, ((0, Fraction(1), Fraction(0)), (1, Fraction(0), Fraction(2)))))
    1 + 2i*zeta3^1
    """

    order: int
    terms: tuple

    def __str__(self) -> str:
        parts = []
        for exponent, real, imag in self.terms:
            coefficient = (f"{real}" if not imag else f"{imag}i" if not real else f"({real} + {imag}i)")
            parts.append(coefficient if exponent == 0 else f"{coefficient}*zeta{self.order}^{exponent}")
        return " + ".join(parts)

    __repr__ = __str__


def _constant(arithmetic, value):
    if isinstance(value, complex) or getattr(arithmetic, "complex_values", False) or isinstance(arithmetic, Arithmetic):
        return arithmetic.constant(int(value.real), int(value.imag))
    return arithmetic.constant(value)


def _compositions(total: int, parts: int, dims: int):
    """Shapes for ``parts`` sequences whose sizes sum to ``total`` (1-D) or whose total cell count is ``total``."""
    if parts == 0:
        if total == 0:
            yield ()
        return
    for first in range(1, total - parts + 2):
        for shape in _shapes(first, dims):
            for rest in _compositions(total - first, parts - 1, dims):
                yield (shape, *rest)


def _shapes(cells: int, dims: int):
    if dims == 1:
        yield (cells,)
        return
    for rows in range(1, cells + 1):
        if cells % rows == 0:
            yield (rows, cells // rows)


def find_counterexample(
    statement: Statement,
    dims: int = 1,
    *,
    max_total: int | None = None,
    max_candidates: int | None = None,
    time_limit: float | None = None,
    shapes: tuple | None = None,
    parameters: dict | None = None,
    budget=None,
) -> tuple[Counterexample | None, int]:
    """The smallest counterexample in the search order, or None; and the number of candidates tried.

    The search stops after ``max_candidates`` (default 20,000 in 1-D, 8,000 in 2-D), so its
    result does not depend on the machine. ``shapes`` (one per sequence) and ``parameters``
    restrict the search to one size, e.g. the size at which the exhaustive certificate found the
    sides to differ. ``budget`` (a :class:`~convalg.symbolic.budget.Budget`) raises
    :class:`~convalg.symbolic.budget.OutOfBudget` when its time is up.

    Examples
    --------
    >>> from convalg.symbolic.language import parse
    >>> from convalg.symbolic.search import find_counterexample
    >>> found, tried = find_counterexample(parse("f*(g+h) == (f*g)+(f*g)"))
    >>> found.sequences
    {'f': [1], 'g': [0], 'h': [1]}
    """
    names = statement.names("seq")
    scalars = statement.names("scalar")
    params = statement.names("param")
    complex_sensitive = statement.uses("corr", "conj", "dft")
    if max_total is None:
        max_total = max(len(names), 1) + (3 if dims == 1 else 4)
    param_domains = [
        _STRIDES if p == "s" else _POSITIVE_VALUES if p in POSITIVE_PARAMETERS else _OFFSETS for p in params
    ]
    if parameters is not None:
        param_domains = [(parameters[p],) for p in params]
    if shapes is not None:
        max_total = sum(_size(shape) for shape in shapes)
    scalar_domains = [_REAL_SCALARS] * len(scalars)
    # each stage tries only candidates that no earlier stage tried
    stages = [
        (_ENTRIES[1], scalar_domains, lambda flat, scalars: True, False),
        (_ENTRIES[2], scalar_domains, lambda flat, scalars: 2 in flat or -2 in flat, False),
    ]
    if complex_sensitive:
        stages.append(
            (
                _COMPLEX_ENTRIES,
                [_REAL_SCALARS + _COMPLEX_SCALARS] * len(scalars),
                lambda flat, scalars: any(isinstance(x, complex) for x in (*flat, *scalars)),
                True,
            )
        )
    if max_candidates is None:
        max_candidates = 20_000 if dims == 1 else 8_000
    tried = 0
    # a time limit makes the result depend on the machine's load: off unless asked for
    deadline = time.monotonic() + time_limit if time_limit is not None else float("inf")
    arithmetics: dict = {}
    first_total = max(len(names), 1) if shapes is None else max_total
    for total in range(first_total, max_total + 1):
        for entries, scalar_domain, is_new, complex_values in stages:
            for param_values in product(*param_domains):
                env_params = dict(zip(params, param_values))
                order = root_order(statement, env_params)
                key = (order, complex_values)
                if key not in arithmetics:
                    arithmetics[key] = (
                        Arithmetic([], root_order=order) if order > 2 else PlainArithmetic(complex_values, order)
                    )
                arithmetic = arithmetics[key]
                for scalar_values in product(*scalar_domain):
                    env_scalars = {n: _constant(arithmetic, v) for n, v in zip(scalars, scalar_values)}
                    choices = _compositions(total, len(names), dims) if shapes is None else [tuple(shapes)]
                    for shape_choice in choices if names else [()]:
                        sizes = [_size(shape) for shape in shape_choice]
                        for flat in product(entries, repeat=sum(sizes)):
                            if not is_new(flat, scalar_values):
                                continue
                            tried += 1
                            if tried > max_candidates or time.monotonic() > deadline:
                                return None, tried
                            if budget is not None and tried % 64 == 0:
                                budget.check("the counterexample search")
                            sequences = _build(names, shape_choice, flat, arithmetic, dims)
                            env = {**sequences, **env_scalars, **env_params}
                            try:
                                sides = evaluate_sides(statement, env, arithmetic, dims)
                            except Undefined:
                                continue
                            if all(equal(sides[0], other, arithmetic) for other in sides[1:]):
                                continue
                            return (
                                Counterexample(
                                    statement=str(statement),
                                    dims=dims,
                                    sequences={n: s.to_array() for n, s in _plain(sequences, arithmetic).items()},
                                    scalars=dict(zip(scalars, scalar_values)),
                                    parameters=env_params,
                                    sides=[_side(side, arithmetic) for side in sides],
                                    tried=tried,
                                ),
                                tried,
                            )
        if not names:
            break
    return None, tried


def _side(value, arithmetic):
    """``(first index, entries)`` of a sequence's nonzero span (not its whole box, which may be
    huge: circ(f, delta, 10^9)); ``((), value)`` of a scalar."""
    if not isinstance(value, Finite):
        return ((), _to_python(value, arithmetic))
    support = value.support(arithmetic)
    if not support:  # the zero sequence
        return ((0,) * value.dims, [0] if value.dims == 1 else [[0]])
    first = tuple(min(i[a] for i in support) for a in range(value.dims))
    last = tuple(max(i[a] for i in support) for a in range(value.dims))
    span = Finite(first, tuple(b - a + 1 for a, b in zip(first, last)), support)
    return (first, _plain({"x": span}, arithmetic)["x"].to_array())


def _size(shape: tuple[int, ...]) -> int:
    size = 1
    for n in shape:
        size *= n
    return size


def _build(names, shapes, flat, arithmetic, dims) -> dict:
    sequences = {}
    position = 0
    for name, shape in zip(names, shapes):
        size = _size(shape)
        values = flat[position : position + size]
        position += size
        data = {}
        for offset, value in enumerate(values):
            if value:
                index = (offset,) if dims == 1 else divmod(offset, shape[1])
                data[tuple(index)] = _constant(arithmetic, value)
        sequences[name] = Finite((0,) * dims, shape, data)
    return sequences


def _plain(sequences: dict, arithmetic: Arithmetic) -> dict:
    """The same sequences with Python numbers as entries."""
    return {
        name: Finite(s.start, s.shape, {i: _to_python(v, arithmetic) for i, v in s.data.items()})
        for name, s in sequences.items()
    }
