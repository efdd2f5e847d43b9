"""Random concrete instances of a statement: sequences, scalars and parameter values.

An instance is plain data (entries as Python ints or complex numbers with integer parts, nested
lists in 2-D), the format of a counterexample. The sizes follow the statement: its *reach* is
one more than the sum of the magnitudes of its integer constants (shifts, lengths N, strides),
and instances come in three kinds, so that what happens past N, past the shifts and past any
bound the provers use is exercised:

* ``short``: dense, lengths 1 to 4;
* ``long``: dense, lengths from 5 up to twice the reach, and up to at least 40 (8 per axis
  in 2-D);
* ``sparse``: one to three nonzero entries anywhere in such a length, often at a multiple
  of a constant of the statement (where a wrap modulo N or a stride lands).

The generator is a ``random.Random``: the same seed gives the same instances on every machine.
"""

from __future__ import annotations

import math
import random

from convalg.symbolic.language import POSITIVE_PARAMETERS, Statement

__all__ = ["constants", "reach", "parameter_domain", "parameter_values", "random_instance", "KINDS"]

KINDS = ("short", "long", "sparse")
_MAX_CELLS = {1: 600, 2: 100}  # per sequence: the reference evaluator works on dense arrays
# long instances reach at least this far, past the exhaustive certificate's lengths (32 in
# 1-D, 5 in 2-D): what the provers saw is not all that is checked
_AT_LEAST = {1: 40, 2: 8}


def constants(statement: Statement) -> list[int]:
    """The integer constants of the statement's parameters (shifts, N, strides).

    Examples
    --------
    >>> from convalg.symbolic.instances import constants
    >>> from convalg.symbolic.language import parse
    >>> constants(parse("circ(shift(f, -3), g, 8) == down(f, 2)"))
    [-3, 8, 2]
    """
    return [node.value for node in statement.walk() if node.op == "param" and isinstance(node.value, int)]


def reach(statement: Statement, parameters: dict) -> int:
    """One more than the sum of the magnitudes of every parameter (constants and named values)."""
    total = 1 + sum(abs(c) for c in constants(statement))
    names = statement.names("param")
    total += sum(abs(parameters[name]) * _occurrences(statement, name) for name in names)
    return total


def _occurrences(statement: Statement, name: str) -> int:
    return sum(1 for node in statement.walk() if node.op == "param" and node.value in (name, ("-", name)))


def parameter_domain(name: str) -> tuple[int, ...]:
    """Small values of a parameter, in the order they are tried: N M K 1..6, s 1..3, offsets -3..3."""
    if name == "s":
        return (1, 2, 3)
    if name in POSITIVE_PARAMETERS:
        return (1, 2, 3, 4, 5, 6)
    return (0, 1, -1, 2, -2, 3, -3)


def parameter_values(statement: Statement, rng: random.Random) -> dict:
    """Random values of the named parameters: N M K in 1..12, s in 1..4, offsets in -9..9."""
    values = {}
    for name in statement.names("param"):
        if name == "s":
            values[name] = rng.randint(1, 4)
        elif name in POSITIVE_PARAMETERS:
            values[name] = rng.choice((1, 2, 3, 4, 5, 6, rng.randint(1, 12)))
        else:
            values[name] = rng.randint(-9, 9)
    return values


def _entry(rng: random.Random, complex_values: bool):
    real = rng.randint(-3, 3)
    if complex_values and rng.random() < 0.6:
        return complex(real, rng.randint(-3, 3))
    return real


def _nonzero(rng: random.Random, complex_values: bool):
    while True:
        value = _entry(rng, complex_values)
        if value:
            return value


def _shape(rng: random.Random, kind: str, dims: int, far: int) -> tuple[int, ...]:
    if kind == "short":
        return tuple(rng.randint(1, 4 if dims == 1 else 3) for _ in range(dims))
    side = max(1, int(_MAX_CELLS[dims] ** (1 / dims)))
    top = min(max(far, 2), side)
    # every length up to the top: windows ('same', 'valid') and wraps care where the length falls
    return tuple(rng.randint(min(5, top), top) for _ in range(dims))


def _sequence(rng: random.Random, kind: str, dims: int, far: int, landmarks: list[int], complex_values: bool):
    shape = _shape(rng, kind, dims, far)
    cells = math.prod(shape)
    flat = [0] * cells
    if kind == "sparse":
        for _ in range(rng.randint(1, 3)):
            if landmarks and rng.random() < 0.5:
                position = [min(rng.choice(landmarks), n - 1) for n in shape]
            else:
                position = [rng.randrange(n) for n in shape]
            offset = 0
            for p, n in zip(position, shape):
                offset = offset * n + p
            flat[offset] = _nonzero(rng, complex_values)
    else:
        flat = [_entry(rng, complex_values) for _ in range(cells)]
        if not any(flat):
            flat[rng.randrange(cells)] = _nonzero(rng, complex_values)
    if dims == 1:
        return flat
    return [flat[row * shape[1] : (row + 1) * shape[1]] for row in range(shape[0])]


def random_instance(
    statement: Statement, dims: int, rng: random.Random, kind: str | None = None, complex_values: bool = True
) -> tuple[dict, dict, dict]:
    """``(sequences, scalars, parameters)``: one random instance of ``kind`` (random if None).

    Examples
    --------
    >>> import random
    >>> from convalg.symbolic.instances import random_instance
    >>> from convalg.symbolic.language import parse
    >>> sequences, scalars, parameters = random_instance(parse("shift(f, 40) == alpha f"), 1, random.Random(0), "long")
    >>> len(sequences["f"]) >= 41, sorted(scalars), parameters
    (True, ['alpha'], {})
    """
    kind = kind or rng.choice(KINDS)
    parameters = parameter_values(statement, rng)
    far = max(2 * reach(statement, parameters) + 2, _AT_LEAST[dims])
    positive = [abs(c) for c in constants(statement) if c] + [abs(v) for v in parameters.values() if v]
    landmarks = sorted(
        {m * c for c in positive for m in (1, 2, 3)} | {c + 1 for c in positive} | {c - 1 for c in positive}
    )
    sequences = {name: _sequence(rng, kind, dims, far, landmarks, complex_values) for name in statement.names("seq")}
    scalars = {name: _nonzero(rng, complex_values) for name in statement.names("scalar")}
    return sequences, scalars, parameters
