"""The soundness harness: judge ``convalg.symbolic.check``'s verdicts with the test oracle.

* a ``proved`` statement is evaluated by :mod:`statement_oracle` on many random inputs of its
  own (short, long -- past N, past every shift and past the certificate's lengths -- and long
  sparse ones, with entries at multiples of the statement's constants);
* a ``refuted`` statement's counterexample is re-evaluated by the oracle, which must find the
  sides different;
* an ``unknown`` verdict whose reason says the soundness gate had to step in (a proof the
  independent re-check contradicts, a counterexample it does not confirm) is a defect too: the
  gate kept the user safe, but a prover was wrong.

:func:`judge` returns the list of problems (empty when the verdict is sound).
"""

from __future__ import annotations

import random
import re

import statement_oracle as oracle

GATE_WORDS = ("contradicts", "does not confirm", "CONTRADICTED")
_INTEGER = re.compile(r"(?<![A-Za-z_])-?\d+")


def _constants(text: str) -> list[int]:
    return [abs(int(m)) for m in _INTEGER.findall(text)]


def random_input(text: str, sides, dims: int, rng: random.Random) -> tuple[dict, dict, dict]:
    """One random input for the oracle: sequences, scalars, parameters."""
    parameters = {}
    for name in oracle.names(sides, "int"):
        if name == "N":  # the oracle's dft lengths divide 12
            parameters[name] = rng.choice((1, 2, 3, 4, 6, 12))
        elif name == "s":
            parameters[name] = rng.randint(1, 3)
        elif name in ("M", "K"):
            parameters[name] = rng.randint(1, 8)
        else:
            parameters[name] = rng.randint(-8, 8)
    constants = _constants(text) + [abs(v) for v in parameters.values()]
    far = max(2 * sum(constants) + 3, 42 if dims == 1 else 7)
    far = min(far, 400 if dims == 1 else 13)
    landmarks = [m * c for c in constants if c for m in (1, 2, 3)] + [0, 1]
    kind = rng.choice(("short", "long", "sparse", "sparse"))

    def entry():
        return complex(rng.randint(-4, 4), rng.randint(-4, 4)) if rng.random() < 0.5 else rng.randint(-4, 4)

    def sequence():
        if kind == "short":
            shape = [rng.randint(1, 4) for _ in range(dims)]
        else:
            shape = [rng.randint(1, far) for _ in range(dims)]
        cells = {}
        if kind == "sparse":
            for _ in range(rng.randint(1, 3)):
                at = tuple(min(rng.choice(landmarks) if rng.random() < 0.6 else rng.randrange(n), n - 1) for n in shape)
                cells[at] = entry() or 1
        else:
            for at in _box(shape):
                cells[at] = entry()
        if dims == 1:
            return [cells.get((i,), 0) for i in range(shape[0])]
        return [[cells.get((i, j), 0) for j in range(shape[1])] for i in range(shape[0])]

    sequences = {name: sequence() for name in oracle.names(sides, "seq")}
    scalars = {name: complex(rng.randint(-3, 3), rng.randint(-3, 3)) for name in oracle.names(sides, "scalar")}
    return sequences, scalars, parameters


def _box(shape):
    if len(shape) == 1:
        return [(i,) for i in range(shape[0])]
    return [(i, j) for i in range(shape[0]) for j in range(shape[1])]


def judge(text: str, dims: int, verdict, inputs: int = 16, seed: int = 0) -> list[str]:
    """The problems with ``verdict`` on ``text`` (empty: sound)."""
    problems = []
    sides = oracle.parse(text)
    if verdict.status == "proved":
        rng = random.Random(f"{seed}:{dims}:{text}")
        for _ in range(inputs):
            sequences, scalars, parameters = random_input(text, sides, dims, rng)
            try:
                if oracle.differs_on(text, dims, sequences, scalars, parameters):
                    problems.append(
                        f"PROVED but the oracle finds the sides different on {sequences} {scalars} {parameters}"
                    )
                    break
            except oracle.Undefined:
                continue
    elif verdict.status == "refuted":
        example = verdict.counterexample
        try:
            differ = oracle.differs_on(text, dims, example.sequences, example.scalars, example.parameters)
        except oracle.Undefined as error:
            differ = False
            problems.append(f"REFUTED with a counterexample on which a side is undefined: {error}")
        if not differ:
            problems.append(f"REFUTED but the oracle finds the sides equal on the counterexample {example.describe()}")
    elif any(word in verdict.reason for word in GATE_WORDS):
        problems.append(f"the soundness gate had to step in: {verdict.reason}")
    return problems


def truth(text: str, dims: int, inputs: int = 24, seed: int = 1) -> str:
    """'false' when the oracle finds an input on which the sides differ, else 'true?'."""
    sides = oracle.parse(text)
    rng = random.Random(f"{seed}:{dims}:{text}")
    for _ in range(inputs):
        sequences, scalars, parameters = random_input(text, sides, dims, rng)
        try:
            if oracle.differs_on(text, dims, sequences, scalars, parameters):
                return "false"
        except oracle.Undefined:
            continue
    return "true?"
