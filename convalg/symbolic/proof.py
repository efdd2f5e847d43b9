"""The proof methods: each turns a statement into a :class:`~convalg.symbolic.verdict.Proof`.

* :func:`by_rewriting` unfolds every side of a statement into its defining sums and applies a
  recipe of rewrites (:mod:`convalg.symbolic.sums`) until the sides meet;
* :func:`by_generating_functions` maps every side to its generating function
  (:mod:`convalg.symbolic.gf`) and lets sympy expand the difference to zero.

A proof is *verified* only if every step was checked by sympy and the sides meet; a
:class:`~convalg.symbolic.verdict.Verdict` says ``proved`` only for a verified proof. The
generating-function rules cite the transform laws of :mod:`convalg.symbolic.extra` that prove
them by the prover function itself.
"""

from __future__ import annotations

import sympy

from convalg.symbolic import extra, gf, sums
from convalg.symbolic.language import Statement
from convalg.symbolic.verdict import Proof, Verdict

__all__ = ["Proof", "Verdict", "by_rewriting", "by_generating_functions", "by_finite_evaluation"]

# The generating-function rules: (operations, rule, the law that proves it or None for a
# rule that is a definition or a one-line change of index).
GF_RULES = (
    (("conv",), "a * b  ->  A(z) B(z)", (extra.generating_function, "convolution/generating-function")),
    (
        ("corr",),
        "corr(a, b)  ->  A(z) conj(B)(1/z)",
        (extra.correlation_generating_function, "correlation/correlation-generating-function"),
    ),
    (("shift",), "shift(a, k)  ->  z^k A(z)  (change of index n -> n + k)", None),
    (("flip",), "flip(a)  ->  A(1/z)  (change of index n -> -n)", None),
    (("conj",), "conj(a)  ->  conj(A)(z): coefficients conjugated", None),
    (("delta",), "delta  ->  1", None),
    (
        ("circ",),
        (
            "circ(a, b, N)  ->  A(z) B(z) reduced modulo z^N - 1 (circ wraps a*b modulo N; "
            "the reduction is a ring homomorphism)"
        ),
        None,
    ),
    (
        ("down", "hadamard", "dft", "convmode"),
        (
            "down, hadamard, dft and the windows of conv(..., mode=...)  ->  "
            "atoms of their (normalised) contents, in the normal form of their index algebra"
        ),
        None,
    ),
)


def _rule_checked(law, dims: int) -> bool:
    if law is None:
        return True
    return _lemma(law[0], dims)


_LEMMAS: dict = {}


def _lemma(prover, dims: int) -> bool:
    """Whether the transform law proved by ``prover`` (a function of convalg.symbolic.extra) is verified."""
    if (prover, dims) not in _LEMMAS:
        verdict = prover(dims, numeric=False)
        _LEMMAS[prover, dims] = verdict.status == "proved" and verdict.proof.verified
    return _LEMMAS[prover, dims]


def by_rewriting(statement: Statement, dims: int, recipe, hypotheses=None) -> Proof:
    """Unfold every side into sums and apply ``recipe``: ``(side, rule, *args)`` entries.

    Examples
    --------
    >>> from convalg.symbolic.language import parse
    >>> from convalg.symbolic.proof import by_rewriting
    >>> recipe = ((0, "change_index", "k0", "n - k0"),)
    >>> by_rewriting(parse("f*g == g*f"), 1, recipe).verified
    True
    >>> by_rewriting(parse("corr(f, g) == corr(g, f)"), 1, recipe).verified
    False
    """
    index = sums.index_symbols(dims)
    fresh = sums._Fresh(dims)
    chains = [sums.Chain(sums.value(side, index, dims, fresh)) for side in statement.sides]
    for side, rule, *args in recipe:
        if side >= len(chains):
            chains[-1].steps.append(
                sums.Step(
                    rule, chains[-1].current, chains[-1].current, "", False, f"the statement has no side {side + 1}"
                )
            )
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
        hypotheses=list(hypotheses or [_default_hypothesis(statement, dims)]),
    )


def _default_hypothesis(statement: Statement, dims: int) -> str:
    if statement.uses("circ", "dft"):
        return (
            f"f, g, h, ... any sequences on Z^{dims}; circ and dft see them only through their wrap "
            f"modulo N, written f(k mod N): functions on (Z/N)^{dims}, N symbolic"
        )
    return f"f, g, h, ... finitely supported on Z^{dims}, of any length"


def by_generating_functions(statement: Statement, dims: int) -> Proof:
    """Translate every side to its generating function and expand the differences.

    The translation of each side is one step; it is checked when every rule it uses is a
    definition or a transform law whose own sum proof verifies.

    Raises :class:`convalg.symbolic.gf.NotAlgebraic` for truncated modes.

    Examples
    --------
    >>> from convalg.symbolic.language import parse
    >>> from convalg.symbolic.proof import by_generating_functions
    >>> proof = by_generating_functions(parse("corr(g, f) == conj(flip(corr(f, g)))"), 1)
    >>> proof.verified, str(proof.sides[0].current)
    (True, 'fbar(1/z)*g(z)')
    """
    transforms, array_rules = gf.translate(statement, dims)
    used = [(ops, rule, law) for ops, rule, law in GF_RULES if statement.uses(*ops)]
    translated = all(_rule_checked(law, dims) for _, _, law in used)
    chains = []
    z = ", ".join(map(str, gf.variables(dims)))
    for side, transform in zip(statement.sides, transforms):
        chain = sums.Chain(sympy.Symbol(f"GF[{side}]({z})"))
        chain.steps.append(
            sums.Step(
                "take generating functions",
                chain.start,
                transform,
                "finite support: every generating function is a Laurent polynomial",
                translated,
                "by the rules listed, each a definition or a transform law verified by its own sum proof",
            )
        )
        chains.append(chain)
    from convalg.symbolic.language import terms_bound

    # sympy orders the factors of products and the terms of sums itself: equal sides often
    # meet before anything is multiplied out; past gf.MAX_TERMS nothing is
    expandable = max(terms_bound(side) for side in statement.sides) <= gf.MAX_TERMS
    differences = [transforms[0] - t for t in transforms[1:]]
    differences = [d if d == 0 or not expandable else sympy.expand(d) for d in differences]
    meet = all(d == 0 for d in differences)
    return Proof(
        claim=str(statement),
        method="generating functions",
        sides=chains,
        labels=[f"side {i + 1}" for i in range(len(statement.sides))],
        meet=meet,
        meet_how="sympy expand(side 1 - side j) == 0"
        if meet
        else f"sympy expand(side 1 - side j) = {differences[[d != 0 for d in differences].index(True)]}"
        if expandable
        else f"the sides are not the same product, and would have more than {gf.MAX_TERMS} terms multiplied out",
        hypotheses=[
            (
                "finitely supported sequences: a sequence is determined by its (Laurent) generating "
                "function, so equal generating functions mean equal sequences"
            )
        ]
        + [f"inputs are arrays: {rule}" for rule in sorted(array_rules)],
        lemmas=[(rule, law[1] if law else "definition") for _, rule, law in used],
    )


def by_finite_evaluation(statement: Statement, dims: int, outcome) -> Proof:
    """The proof of a statement decided by :func:`convalg.symbolic.finite.decide_finite`.

    Examples
    --------
    >>> from convalg.symbolic.language import parse
    >>> from convalg.symbolic.finite import decide_finite
    >>> from convalg.symbolic.proof import by_finite_evaluation
    >>> statement = parse("dft(circ(f, g, 3), 3) == hadamard(dft(f, 3), dft(g, 3))")
    >>> by_finite_evaluation(statement, 1, decide_finite(statement, 1)).verified
    True
    """
    entries = {name: len(indices) for name, indices in outcome.positions.items()}
    counted = ", ".join(f"{count} of {name}" for name, count in entries.items()) or "none"
    chains = []
    for index, _side in enumerate(statement.sides):
        chain = sums.Chain(sympy.Symbol(f"side{index + 1}"))
        chain.steps.append(
            sums.Step(
                "expand with symbolic entries",
                chain.start,
                f"a polynomial in the symbolic entries at every index ({counted})",
                "",
                True,
                "convalg.symbolic.evaluate on a sympy polynomial ring (exact, roots of unity reduced "
                "modulo the cyclotomic polynomial)",
            )
        )
        chains.append(chain)
    return Proof(
        claim=str(statement),
        method="exact evaluation on finitely many entries",
        sides=chains,
        labels=[f"side {i + 1}: {side}" for i, side in enumerate(statement.sides)],
        meet=outcome.holds,
        meet_how="sympy: the sides are the same polynomial at every index",
        hypotheses=[
            (
                f"inputs are arrays on Z^{dims} (first index 0) of any length; each side sees them only through "
                f"{outcome.view}"
            ),
            (
                "every array agrees in those views with one supported on the entries evaluated (the view's indices "
                "and one residue system past them), so equality there is equality for all arrays"
            ),
        ],
    )
