"""Proofs and verdicts: what a check returns, and the two proof methods that produce proofs.

* :func:`by_rewriting` unfolds every side of a statement into its defining sums and applies a
  recipe of rewrites (:mod:`convalg.symbolic.sums`) until the sides meet;
* :func:`by_generating_functions` maps every side to its generating function
  (:mod:`convalg.symbolic.gf`) and lets sympy expand the difference to zero.

A proof is *verified* only if every step was checked by sympy and the sides meet; a
:class:`Verdict` says ``proved`` only for a verified proof.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy

from convalg.symbolic import gf, sums
from convalg.symbolic.language import Statement

__all__ = ["Proof", "Verdict", "by_rewriting", "by_generating_functions"]

# The generating-function rules and the laws (in convalg.symbolic.laws) that prove them.
GF_LEMMAS = (
    ("a * b  ->  A(z) B(z)", "generating-function"),
    ("corr(a, b)  ->  A(z) conj(B)(1/z)", "correlation-generating-function"),
    ("shift(a, k)  ->  z^k A(z)", "translation-equivariance"),
    ("flip(a)  ->  A(1/z);  conj(a)  ->  conj(A)(z);  delta  ->  1", "definition"),
    ("circ(a, b, N)  ->  A(z) B(z) mod (z^N - 1)", "circular-generating-function"),
)


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
    counterexample: object = None
    certificate: object = None
    reason: str = ""
    law: str | None = None

    @property
    def exit_code(self) -> int:
        """0 proved, 1 refuted, 3 unknown (the ``convalg prove`` convention)."""
        return {"proved": 0, "refuted": 1, "unknown": 3}[self.status]

    def __str__(self) -> str:
        from convalg.symbolic.render import render_verdict

        return render_verdict(self, "text")


def by_rewriting(statement: Statement, dims: int, recipe, hypotheses=None) -> Proof:
    """Unfold every side into sums and apply ``recipe``: ``(side, rule, *args)`` entries."""
    index = sums.index_symbols(dims)
    fresh = sums._Fresh(dims)
    chains = [sums.Chain(sums.value(side, index, dims, fresh)) for side in statement.sides]
    for side, rule, *args in recipe:
        if side >= len(chains):
            chains[-1].steps.append(sums.Step(rule, chains[-1].current, chains[-1].current, "", False,
                                              f"the statement has no side {side + 1}"))
            continue
        chains[side].apply(rule, *args)
    meet = all(sums.same_up_to_renaming(chains[0].current, c.current) for c in chains[1:])
    at = index[0] if dims == 1 else sympy.Tuple(*index)
    return Proof(
        claim=str(statement),
        method="sum rewriting",
        sides=chains,
        labels=[f"({side})({at})" for side in statement.sides],
        meet=meet,
        meet_how="sympy: the last expressions are equal after renaming summation variables and expanding"
        if meet
        else "sympy: the last expressions differ after renaming summation variables and expanding",
        hypotheses=list(hypotheses or ["f, g, h, ... finitely supported on Z^%d, of any length" % dims]),
    )


def by_generating_functions(statement: Statement, dims: int) -> Proof:
    """Translate every side to its generating function and expand the differences.

    Raises :class:`convalg.symbolic.gf.NotAlgebraic` for truncated modes.
    """
    transforms = [gf.generating_function(side, dims) for side in statement.sides]
    chains = [sums.Chain(t) for t in transforms]
    differences = [sympy.expand(transforms[0] - t) for t in transforms[1:]]
    meet = all(d == 0 for d in differences)
    used = [(rule, law) for rule, law in GF_LEMMAS if _uses(statement, law)]
    z = ", ".join(map(str, gf.variables(dims)))
    return Proof(
        claim=str(statement),
        method="generating functions",
        sides=chains,
        labels=[f"GF[{side}]({z})" for side in statement.sides],
        meet=meet,
        meet_how="sympy expand(side 1 - side j) == 0"
        if meet
        else f"sympy expand(side 1 - side j) = {differences[[d != 0 for d in differences].index(True)]}",
        hypotheses=[
            "finitely supported sequences: a sequence is determined by its (Laurent) generating "
            "function, so equal generating functions mean equal sequences"
        ],
        lemmas=used,
    )


def _uses(statement: Statement, law: str) -> bool:
    ops = {
        "generating-function": ("conv",),
        "correlation-generating-function": ("corr",),
        "translation-equivariance": ("shift",),
        "definition": ("flip", "conj", "delta"),
        "circular-generating-function": ("circ",),
    }[law]
    return statement.uses(*ops)
