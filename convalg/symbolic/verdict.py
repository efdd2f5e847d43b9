"""What a check returns: a :class:`Verdict` and the :class:`Proof` behind a ``proved`` one.

Kept apart from the provers (:mod:`convalg.symbolic.proof`) so that every prover, the
transform laws of :mod:`convalg.symbolic.extra` included, builds verdicts without importing
another prover.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the verdict only carries these; importing them here would be a cycle
    from convalg.symbolic.certificate import Certificate
    from convalg.symbolic.gate import Recheck
    from convalg.symbolic.search import Counterexample

__all__ = ["Proof", "Verdict"]


@dataclass
class Proof:
    """A proof: one chain of rewrites per side, and the final comparison of the sides."""

    claim: str
    method: str
    sides: list  # of sums.Chain
    labels: list  # what each chain's start is, e.g. "(f * g)(n)"
    meet: bool
    meet_how: str
    hypotheses: list = field(default_factory=list)
    lemmas: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    @property
    def verified(self) -> bool:
        """Every step checked by sympy and the sides equal."""
        return self.meet and all(chain.checked for chain in self.sides)

    @property
    def steps(self) -> list:
        return [step for chain in self.sides for step in chain.steps]

    def failures(self) -> list[str]:
        """Why the proof is not verified (empty when it is)."""
        out = [f"step '{s.rule}' not checked: {s.how}" for s in self.steps if not s.checked]
        if not self.meet:
            out.append("the sides do not meet: " + self.meet_how)
        return out


@dataclass
class Verdict:
    """The answer to a statement: ``proved``, ``refuted`` or ``unknown``, and the evidence."""

    statement: str
    dims: int
    status: str
    proof: Proof | None = None
    counterexample: Counterexample | None = None
    certificate: Certificate | None = None
    reason: str = ""
    law: str | None = None
    recheck: Recheck | None = None  # the gate's independent re-check of a proof

    @property
    def exit_status(self) -> int:
        """0 proved, 1 refuted, 3 unknown (the ``convalg prove`` convention).

        Examples
        --------
        >>> Verdict("f*g == g*f", 1, "refuted").exit_status
        1
        """
        return {"proved": 0, "refuted": 1, "unknown": 3}[self.status]

    @property
    def exit_code(self) -> int:
        """Deprecated name of :attr:`exit_status` (every convalg result says ``exit_status``)."""
        warnings.warn("Verdict.exit_code is deprecated; use Verdict.exit_status", DeprecationWarning, stacklevel=2)
        return self.exit_status

    def __str__(self) -> str:
        from convalg.symbolic.render import render_verdict

        return render_verdict(self, "text")
