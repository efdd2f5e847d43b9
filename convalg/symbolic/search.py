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
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import product
from typing import TYPE_CHECKING

from convalg.symbolic.evaluate import (
    Arithmetic,
    Finite,
    PlainArithmetic,
    TooLarge,
    Undefined,
    equal,
    evaluate_sides,
    root_order,
)
from convalg.symbolic.language import POSITIVE_PARAMETERS, Statement

if TYPE_CHECKING:  # the type only: the search must not run the independent checker's code
    from convalg.symbolic.reference import Confirmation

__all__ = ["Counterexample", "find_counterexample"]

_POSITIVE_VALUES = (1, 2, 3, 4)
_STRIDES = (1, 2, 3)
_OFFSETS = (0, 1, -1, 2)
_REAL_SCALARS = (2, -1, 3)
_COMPLEX_SCALARS = (1j, 1 + 1j)
_ENTRIES = {1: (0, 1, -1), 2: (0, 1, -1, 2, -2)}
_COMPLEX_ENTRIES = (0, 1, 1j, -1, -1j)


SMALLEST = "the smallest in the search order"
MADE_SMALL = "made small from a random instance"


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
    confirmation: Confirmation | None = None
    tried: int = 0
    notes: list = field(default_factory=list)
    origin: str = SMALLEST  # how it was found

    def describe(self) -> str:
        """One line per name and per side."""
        lines = [f"{name} = {show(value)}" for name, value in self.sequences.items()]
        lines += [f"{name} = {show(value)}" for name, value in {**self.scalars, **self.parameters}.items()]
        for index, (start, entries) in enumerate(self.sides):
            if entries in ([0], [[0]]):
                lines.append(f"side {index + 1} = 0 (the zero sequence)")
                continue
            if not start:
                lines.append(f"side {index + 1} = {show(entries)}")
                continue
            first = list(start) if len(start) > 1 else start[0]
            lines.append(f"side {index + 1} = {show(entries)} (first index {first})")
        return "\n".join(lines)


def _to_python(value, arithmetic):
    value = arithmetic.normal(value)
    if isinstance(value, (int, Fraction)):
        return value
    if not hasattr(value, "is_ground"):  # a Gaussian rational
        value = Arithmetic([]).ring(value)
    if not value:
        return 0
    if getattr(arithmetic, "has_zeta", False):
        terms = tuple(
            sorted(
                (monom[-1], Fraction(int(c.numerator), int(c.denominator)), Fraction(0)) for monom, c in value.terms()
            )
        )
        if all(e in (0, arithmetic.order // 4) for e, _, _ in terms):  # a Gaussian rational after all
            real = sum((c for e, c, _ in terms if e == 0), Fraction(0))
            imag = sum((c for e, c, _ in terms if e != 0), Fraction(0))
            return _gaussian(real, imag)
        return RootSum(arithmetic.order, terms)
    c = value.LC
    return _gaussian(
        Fraction(int(c.x.numerator), int(c.x.denominator)), Fraction(int(c.y.numerator), int(c.y.denominator))
    )


def _gaussian(real: Fraction | int, imag: Fraction | int):
    """The plainest Python value of ``real + i imag``: an int, a Fraction, a complex with integer
    parts, or a :class:`GaussianRational`."""
    real = int(real) if real.denominator == 1 else real
    imag = int(imag) if imag.denominator == 1 else imag
    if imag == 0:
        return real
    if isinstance(real, int) and isinstance(imag, int):
        return complex(real, imag)
    return GaussianRational(Fraction(real), Fraction(imag))


@dataclass(frozen=True)
class GaussianRational:
    """An exact complex number ``real + i imag`` with Fraction parts (shown like Python's complex).

    Examples
    --------
    >>> from fractions import Fraction
    >>> from convalg.symbolic.search import GaussianRational
    >>> GaussianRational(Fraction(1, 2), Fraction(-3, 2))
    (1/2-3/2j)
    """

    real: Fraction
    imag: Fraction

    def __repr__(self) -> str:
        sign = "-" if self.imag < 0 else "+"
        return f"({self.real}{sign}{abs(self.imag)}j)"

    __str__ = __repr__


def show(value) -> str:
    """Entries for display: Fractions as ``1/2``, lists element by element."""
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, Fraction):
        return str(value)
    return repr(value)


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
            coefficient = f"{real}" if not imag else f"{imag}i" if not real else f"({real} + {imag}i)"
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
    max_work: int | None = None,
) -> tuple[Counterexample | None, int]:
    """The smallest counterexample in the search order, or None; and the number of candidates tried.

    The search stops after ``max_candidates`` (default 20,000 in 1-D, 8,000 in 2-D), so its
    result does not depend on the machine. ``shapes`` (one per sequence) and ``parameters``
    restrict the search to one size, e.g. the size at which the exhaustive certificate found the
    sides to differ. ``max_work`` stops it after that many exact products (a bound that, unlike
    time, gives the same result on every machine). ``budget`` (a
    :class:`~convalg.symbolic.budget.Budget`) raises :class:`~convalg.symbolic.budget.OutOfBudget`
    when its time is up.

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
    param_domains: list[tuple[int, ...]] = [
        _STRIDES if p == "s" else _POSITIVE_VALUES if p in POSITIVE_PARAMETERS else _OFFSETS for p in params
    ]
    if parameters is not None:
        param_domains = [(parameters[p],) for p in params]
    if shapes is not None:
        max_total = sum(_size(shape) for shape in shapes)
    scalar_domains: list[tuple[complex, ...]] = [_REAL_SCALARS] * len(scalars)
    # each stage tries only candidates that no earlier stage tried
    # (entries, scalar domains, whether a candidate is new to this stage, complex values)
    stages: list[tuple[tuple[complex, ...], list[tuple[complex, ...]], Callable[..., bool], bool]] = [
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
    meter = [0]
    work_limit = float("inf") if max_work is None else max_work
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
                            if tried > max_candidates or meter[0] > work_limit or time.monotonic() > deadline:
                                return None, tried
                            if budget is not None and tried % 64 == 0:
                                budget.check("the counterexample search")
                            sequences = _build(names, shape_choice, flat, arithmetic, dims)
                            env = {**sequences, **env_scalars, **env_params}
                            try:
                                sides = evaluate_sides(statement, env, arithmetic, dims, meter)
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


# ---------------------------------------------------------------------------------------------
# concrete instances: evaluate, probe at random, make small


def evaluation_arithmetic(statement: Statement, parameters: dict):
    """The exact arithmetic for concrete Gaussian-rational entries (with roots of unity for dft)."""
    order = root_order(statement, parameters)
    return Arithmetic([], root_order=order) if order > 2 else PlainArithmetic(True, order)


def _python_constant(arithmetic, value):
    if isinstance(value, GaussianRational):
        return arithmetic.constant(value.real, value.imag)
    if isinstance(value, complex):
        return arithmetic.constant(int(value.real), int(value.imag))
    return arithmetic.constant(value)


def _array_of(entries, dims: int, arithmetic) -> Finite:
    """An input array from nested lists (index 0 first) or a sparse dict ``{index: value}``."""
    if isinstance(entries, dict):
        data = {tuple(i): _python_constant(arithmetic, v) for i, v in entries.items() if v}
        shape = tuple(max((i[a] for i in entries), default=0) + 1 for a in range(dims))
        return Finite((0,) * dims, shape, data)
    if dims == 1:
        data = {(i,): _python_constant(arithmetic, v) for i, v in enumerate(entries) if v}
        return Finite((0,), (len(entries),), data)
    data = {(i, j): _python_constant(arithmetic, v) for i, row in enumerate(entries) for j, v in enumerate(row) if v}
    return Finite((0, 0), (len(entries), len(entries[0]) if entries else 0), data)


def evaluate_instance(
    statement: Statement,
    dims: int,
    sequences: dict,
    scalars: dict,
    parameters: dict,
    arithmetic=None,
    meter: list | None = None,
) -> list:
    """Every side's exact value on concrete inputs (lists or sparse dicts); raises ``Undefined``."""
    arithmetic = arithmetic or evaluation_arithmetic(statement, parameters)
    env = {name: _array_of(entries, dims, arithmetic) for name, entries in sequences.items()}
    env.update({name: _python_constant(arithmetic, v) for name, v in scalars.items()})
    env.update(parameters)
    return evaluate_sides(statement, env, arithmetic, dims, meter)


def sides_differ(
    statement: Statement, dims: int, sequences: dict, scalars: dict, parameters: dict, arithmetic=None
) -> bool:
    """Whether the sides differ on these inputs (``Undefined`` propagates)."""
    arithmetic = arithmetic or evaluation_arithmetic(statement, parameters)
    sides = evaluate_instance(statement, dims, sequences, scalars, parameters, arithmetic)
    return not all(equal(sides[0], other, arithmetic) for other in sides[1:])


def _as_lists(entries, dims: int):
    if not isinstance(entries, dict):
        return entries
    shape = tuple(max((i[a] for i in entries), default=0) + 1 for a in range(dims))
    if dims == 1:
        return [_plain_number(entries.get((i,), 0)) for i in range(shape[0])]
    return [[_plain_number(entries.get((i, j), 0)) for j in range(shape[1])] for i in range(shape[0])]


def _plain_number(value):
    if isinstance(value, complex) and value.imag == 0:
        return int(value.real)
    if isinstance(value, complex):
        return complex(int(value.real), int(value.imag))
    return value


def _differs(statement, dims, sequences, scalars, parameters, arithmetic) -> bool:
    try:
        return sides_differ(statement, dims, sequences, scalars, parameters, arithmetic)
    except Undefined:
        return False


def shrink(
    statement: Statement,
    dims: int,
    sequences: dict,
    scalars: dict,
    parameters: dict,
    budget=None,
    evaluations: int = 300,
) -> tuple[dict, dict]:
    """A smaller counterexample: fewer nonzero entries, shorter arrays, entries 1 or -1 where the
    sides still differ. The inputs must be one on which the sides differ."""
    arithmetic = evaluation_arithmetic(statement, parameters)
    sequences = {name: _normalised(_as_lists(entries, dims), dims) for name, entries in sequences.items()}
    scalars = {name: _plain_number(v) for name, v in scalars.items()}
    left = [evaluations]

    def still(candidate_sequences, candidate_scalars) -> bool:
        left[0] -= 1
        if left[0] < 0:
            return False
        if budget is not None:
            budget.check("making the counterexample small")
        return _differs(statement, dims, candidate_sequences, candidate_scalars, parameters, arithmetic)

    free_length = not statement.uses("convmode")  # only windows see the lengths of the arrays

    def shorter(name):
        for axis in range(dims):
            while _length(sequences[name], axis) > 1:
                trial = _drop_last(sequences[name], axis)
                if (free_length and _is_zero(_last(sequences[name], axis))) or still(
                    {**sequences, name: trial}, scalars
                ):
                    sequences[name] = trial
                else:
                    break

    for name in list(sequences):
        flat, shape = _flatten(sequences[name], dims)
        chunk = max(1, len(flat) // 2)
        while True:  # zero entries, in halves, quarters, ... then one by one
            for start in range(0, len(flat), chunk):
                if any(v != 0 for v in flat[start : start + chunk]):
                    trial = flat[:start] + [0] * len(flat[start : start + chunk]) + flat[start + chunk :]
                    if still({**sequences, name: _unflatten(trial, shape, dims)}, scalars):
                        flat = trial
            if chunk == 1:
                break
            chunk //= 2
        sequences[name] = _unflatten(flat, shape, dims)
        shorter(name)
        flat, shape = _flatten(sequences[name], dims)
        for position in reversed(range(len(flat))):  # nonzero entries as early as they can be
            if flat[position] != 0:
                for earlier in range(position):
                    if flat[earlier] == 0:
                        trial = list(flat)
                        trial[earlier], trial[position] = flat[position], 0
                        if still({**sequences, name: _unflatten(trial, shape, dims)}, scalars):
                            flat = trial
                            break
        for position in range(len(flat)):  # simpler values
            for simpler in (1, -1, 1j):
                if flat[position] not in (0, 1, -1, 1j) and simpler != flat[position]:
                    trial = flat[:position] + [_plain_number(simpler)] + flat[position + 1 :]
                    if still({**sequences, name: _unflatten(trial, shape, dims)}, scalars):
                        flat = trial
                        break
        sequences[name] = _unflatten(flat, shape, dims)
        shorter(name)
    for name, value in scalars.items():
        for simpler in (1, -1, 2, 1j):
            if value != simpler and still(sequences, {**scalars, name: _plain_number(simpler)}):
                scalars = {**scalars, name: _plain_number(simpler)}
                break
    return sequences, scalars


def _normalised(entries, dims):
    if dims == 1:
        return [_plain_number(v) for v in entries]
    return [[_plain_number(v) for v in row] for row in entries]


def _flatten(entries, dims):
    if dims == 1:
        return list(entries), (len(entries),)
    return [v for row in entries for v in row], (len(entries), len(entries[0]))


def _unflatten(flat, shape, dims):
    if dims == 1:
        return list(flat)
    return [list(flat[r * shape[1] : (r + 1) * shape[1]]) for r in range(shape[0])]


def _length(entries, axis):
    return len(entries) if axis == 0 else len(entries[0])


def _last(entries, axis):
    return entries[-1] if axis == 0 else [row[-1] for row in entries]


def _is_zero(entries) -> bool:
    if isinstance(entries, list):
        return all(_is_zero(v) for v in entries)
    return entries == 0


def _drop_last(entries, axis):
    if axis == 0:
        return entries[:-1]
    return [row[:-1] for row in entries]


def counterexample_from(
    statement: Statement,
    dims: int,
    sequences: dict,
    scalars: dict,
    parameters: dict,
    tried: int = 0,
    budget=None,
    make_small: bool = True,
    origin: str = MADE_SMALL,
) -> Counterexample:
    """A :class:`Counterexample` (made small first) from inputs on which the sides differ."""
    if make_small:
        sequences, scalars = shrink(statement, dims, sequences, scalars, parameters, budget)
    else:
        sequences = {name: _as_lists(entries, dims) for name, entries in sequences.items()}
    arithmetic = evaluation_arithmetic(statement, parameters)
    sides = evaluate_instance(statement, dims, sequences, scalars, parameters, arithmetic)
    for name in statement.names("seq"):
        sequences.setdefault(name, [0] if dims == 1 else [[0]])
    return Counterexample(
        statement=str(statement),
        dims=dims,
        sequences={name: sequences[name] for name in statement.names("seq")},
        scalars={name: scalars[name] for name in statement.names("scalar")},
        parameters={name: parameters[name] for name in statement.names("param")},
        sides=[_side(side, arithmetic) for side in sides],
        tried=tried,
        origin=origin,
    )


def probe(statement: Statement, dims: int, instances: int = 60, budget=None, seed: int = 0, max_work: int = 1_000_000):
    """Random instances (short, long and sparse; random parameter values) until the sides differ.

    Returns ``(counterexample or None, instances tried)``.

    Examples
    --------
    >>> from convalg.symbolic.language import parse
    >>> from convalg.symbolic.search import probe
    >>> found, _ = probe(parse("circ(f, delta, 40) == f"), 1)  # no array shorter than 41 refutes it
    >>> found.sequences["f"] == [0] * 40 + [1], found.sides
    (True, [((0,), [1]), ((40,), [1])])
    """
    import random

    from convalg.symbolic.instances import KINDS, random_instance

    rng = random.Random(seed)
    complex_values = statement.uses("corr", "conj", "dft") or bool(statement.names("scalar"))
    meter = [0]
    for index in range(instances):
        if budget is not None:
            budget.check("the random search")
        if meter[0] > max_work:  # a bound in products, the same on every machine
            return None, index
        sequences, scalars, parameters = random_instance(
            statement, dims, rng, KINDS[index % len(KINDS)], complex_values=complex_values
        )
        try:
            arithmetic = evaluation_arithmetic(statement, parameters)
            sides = evaluate_instance(statement, dims, sequences, scalars, parameters, arithmetic, meter)
        except (Undefined, TooLarge):
            continue
        if not all(equal(sides[0], other, arithmetic) for other in sides[1:]):
            return counterexample_from(statement, dims, sequences, scalars, parameters, index + 1, budget), index + 1
    return None, instances
