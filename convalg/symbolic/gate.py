"""The soundness gate: what ``check`` may print.

* ``proved`` only when the proof's every step checked *and* the independent evaluator
  (:mod:`convalg.symbolic.reference`) finds the sides equal on random instances of every kind
  (short, long past every constant of the statement, sparse);
* ``refuted`` only when the independent evaluator reproduces the counterexample's sides and
  finds them different.

A re-check that does not confirm turns the verdict into ``unknown`` with its reason, never into
the other verdict: a proof contradicted by an instance, or a counterexample the reference does
not confirm, means a defect in convalg, and convalg then claims nothing.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass

from convalg.symbolic import reference
from convalg.symbolic.instances import KINDS, random_instance
from convalg.symbolic.language import Statement

__all__ = ["Recheck", "recheck_proof"]

INSTANCES = 9  # three of each kind


@dataclass(frozen=True)
class Recheck:
    """The independent re-check of a proved statement on random instances."""

    agrees: bool
    evaluated: int
    skipped: int
    instances: str = "random instances"  # what was evaluated
    contradiction: str = ""
    reason: str = ""

    def __str__(self) -> str:
        if self.contradiction:
            return f"CONTRADICTED: the sides differ on {self.contradiction}"
        if not self.evaluated:
            return f"not run: {self.reason}"
        extra = f" ({self.skipped} more skipped: {self.reason})" if self.skipped else ""
        return f"the independent exact evaluation finds the sides equal on {self.evaluated} {self.instances}{extra}"


def _seed(statement: Statement, dims: int) -> int:
    return zlib.crc32(f"{dims}:{statement}".encode())


def _longest(sequences: dict) -> int:
    longest = 0
    for entries in sequences.values():
        longest = max(longest, len(entries), max((len(row) for row in entries if isinstance(row, list)), default=0))
    return longest


def recheck_proof(statement: Statement, dims: int, instances: int = INSTANCES, deadline=None) -> Recheck:
    """Evaluate both sides of a proved statement on random instances with the reference evaluator.

    ``deadline`` (a :class:`convalg.symbolic.budget.Budget` or None) stops the re-check early;
    the instances evaluated so far count.

    Examples
    --------
    >>> from convalg.symbolic.gate import recheck_proof
    >>> from convalg.symbolic.language import parse
    >>> recheck_proof(parse("f*g == g*f"), 1).agrees
    True
    >>> recheck_proof(parse("circ(f, delta, 3) == f"), 1).contradiction != ""
    True
    """
    rng = random.Random(_seed(statement, dims))
    evaluated = skipped = longest = 0
    reasons = []
    for index in range(instances):
        if deadline is not None and deadline.expired():
            reasons.append("out of time")
            break
        sequences, scalars, parameters = random_instance(statement, dims, rng, KINDS[index % len(KINDS)])
        try:
            values = reference.evaluate_statement(statement, dims, sequences, scalars, parameters)
        except (reference.TooLarge, reference.Undefined) as error:
            skipped += 1
            if str(error) not in reasons:
                reasons.append(str(error))
            continue
        evaluated += 1
        longest = max(longest, _longest(sequences))
        if reference.sides_differ(values):
            described = "; ".join(f"{k} = {v}" for k, v in {**sequences, **scalars, **parameters}.items())
            return Recheck(False, evaluated, skipped, contradiction=described)
    described = f"random instances (short, long and sparse; sequences up to {longest} entries per axis)"
    return Recheck(evaluated > 0, evaluated, skipped, described, "", "; ".join(reasons))
