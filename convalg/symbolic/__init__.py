"""Symbolic layer: prove or refute convolution identities for sequences of arbitrary length.

``check("f*(g+h) == f*g + f*h")`` returns a :class:`Verdict`: ``proved`` with a proof whose
every step sympy checked (sum rewriting, generating functions with the index algebra of
``down``/``hadamard``/windows, or exact evaluation on finitely many entries), ``refuted`` with an
exact counterexample, or ``unknown`` with the reason. A soundness gate stands between the
provers and the verdict: a proof must also survive an independent exact evaluation on random
long and sparse inputs, and a counterexample must be confirmed by it
(:mod:`convalg.symbolic.gate`, :mod:`convalg.symbolic.reference`). Named laws
(the registry :mod:`convalg.laws`) are proved with :func:`prove_law`. sympy is imported here and
only here: ``import convalg`` does not load this package.

Examples
--------
>>> from convalg.symbolic import check
>>> check("shift(f, k)*g == shift(f*g, k)", certify=False).status
'proved'
"""

from __future__ import annotations

from typing import Any

from convalg.symbolic.decide import battery, check, prove_law
from convalg.symbolic.language import StatementError, parse
from convalg.symbolic.verdict import Proof, Verdict

__all__ = ["check", "prove_law", "battery", "parse", "StatementError", "Verdict", "Proof", "LAWS", "OPERATORS"]


def __getattr__(name: str) -> Any:
    # The registry imports the provers of this package, so it is read on first use, not at import.
    if name in ("LAWS", "OPERATORS"):
        import convalg.laws

        return getattr(convalg.laws, name)
    raise AttributeError(f"module 'convalg.symbolic' has no attribute {name!r}")
