"""The lecture notes' claims about convolution, each set beside convalg's machine verdict.

The notes say that convolution makes the space "a commutative associative algebra without
identity", list commutativity, associativity, distributivity (written f*(g+h) = (f*g)+(f*g))
and associativity with scalars, and that several neural-network libraries implement
cross-correlation. :func:`audit` settles each claim by proof, exact counterexample or
measurement; :func:`continuous_identity` checks the computable parts of the argument that
L^1(R) has no identity.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Claim", "audit", "render_audit", "continuous_identity", "libraries_correlate"]


@dataclass
class Claim:
    """One claim of the notes, convalg's verdict on it, and the evidence."""

    claim: str
    verdict: str  # a sentence
    status: str  # 'proved' | 'refuted' | 'unknown' | 'skipped' (the claim as the notes state it)
    expected: str
    evidence: list


@lru_cache(maxsize=1)
def continuous_identity() -> tuple[tuple[str, bool], ...]:
    """The computable parts of "L^1(R) has no identity", each checked by sympy.

    The argument: if ``e`` in L^1(R) had ``e * f = f`` for every ``f`` in L^1(R), then by the
    convolution theorem ``e_hat(xi) f_hat(xi) = f_hat(xi)``; the Gaussian ``f = exp(-pi x^2)``
    has ``f_hat = exp(-pi xi^2) > 0`` everywhere, so ``e_hat = 1`` everywhere; but the
    Riemann-Lebesgue lemma gives ``e_hat(xi) -> 0`` as ``|xi| -> oo`` for every ``e`` in L^1.
    Contradiction. Gaussians of shrinking width are an approximate identity whose limit (the
    Dirac delta) is not a function. On Z there is no such obstruction: the DTFT of delta is
    the constant 1, and Riemann-Lebesgue is about the dual group R, not the circle.

    Examples
    --------
    >>> from convalg.symbolic.notes import continuous_identity
    >>> all(ok for _, ok in continuous_identity())
    True
    """
    import sympy
    from sympy import exp, fourier_transform, integrate, limit, oo, pi, sqrt, symbols

    x, y, xi = symbols("x y xi", real=True)
    s, t = symbols("s t", positive=True)
    checks = []
    gaussian_hat = fourier_transform(exp(-pi * x**2), x, xi)
    checks.append(
        (
            "the Fourier transform of exp(-pi x^2) is exp(-pi xi^2), positive for every xi",
            sympy.simplify(gaussian_hat - exp(-pi * xi**2)) == 0 and gaussian_hat.is_positive,
        )
    )
    phi = lambda width, var: exp(-(var**2) / (2 * width)) / sqrt(2 * pi * width)  # noqa: E731
    convolved = integrate(phi(s, y) * phi(t, x - y), (y, -oo, oo))
    checks.append(
        (
            "convolution theorem instance: phi_s * phi_t = phi_(s+t) for Gaussians (sympy integral)",
            sympy.simplify(convolved - phi(s + t, x)) == 0,
        )
    )
    laplace_hat = fourier_transform(exp(-abs(x)), x, xi)
    checks.append(
        (
            (
                "Riemann-Lebesgue instance: the Fourier transform of exp(-|x|) is 2/(1 + 4 pi^2 xi^2), "
                "which tends to 0, not 1"
            ),
            sympy.simplify(laplace_hat - 2 / (1 + 4 * pi**2 * xi**2)) == 0 and limit(laplace_hat, xi, oo) == 0,
        )
    )
    phi_hat = fourier_transform(phi(t, x), x, xi)
    checks.append(
        (
            (
                "approximate identity: the Gaussian phi_t of variance t has integral 1 and Fourier "
                "transform exp(-2 pi^2 t xi^2), which tends to 0 as xi -> oo for each t > 0 and to 1 as "
                "t -> 0 (the limit, delta, is not in L^1)"
            ),
            sympy.simplify(phi_hat - exp(-2 * pi**2 * t * xi**2)) == 0
            and limit(phi_hat, xi, oo) == 0
            and limit(phi_hat, t, 0) == 1
            and sympy.simplify(integrate(phi(t, x), (x, -oo, oo)) - 1) == 0,
        )
    )
    theta = symbols("theta", real=True)
    n = symbols("n", integer=True)
    delta_hat = sympy.Sum(sympy.KroneckerDelta(n, 0) * exp(-sympy.I * theta * n), (n, -oo, oo)).doit()
    checks.append(
        (
            "on Z the delta is in l^1 and its DTFT is the constant 1 (no decay is required)",
            sympy.simplify(delta_hat - 1) == 0,
        )
    )
    return tuple(checks)


def libraries_correlate(seed: int = 0) -> tuple[str, list[str]]:
    """Whether ``torch.nn.functional.conv1d``/``conv2d`` compute convalg's correlation.

    Returns ``('proved' | 'refuted' | 'skipped', evidence)``; 'skipped' (with the reason)
    when torch is not installed.

    Examples
    --------
    >>> from convalg.symbolic.notes import libraries_correlate
    >>> libraries_correlate()[0] in ("proved", "skipped")
    True
    """
    try:
        import torch
    except ImportError as error:  # torch is an optional oracle
        return "skipped", [f"torch is not installed ({error}); install convalg[torch] to run this check"]
    import numpy as np

    import convalg
    from convalg import errorbounds

    rng = np.random.default_rng(seed)
    evidence = []
    ok = True
    x = rng.integers(-5, 6, size=16).astype(np.float64)
    w = np.array([1.0, 2.0, -3.0])  # asymmetric: correlation and convolution differ
    torch_out = torch.nn.functional.conv1d(torch.tensor(x)[None, None], torch.tensor(w)[None, None])[0, 0].numpy()
    corr = np.asarray(convalg.correlate(x, w, mode="valid", method="direct"))
    conv = np.asarray(convalg.convolve(x, w, mode="valid", method="direct"))
    bound = errorbounds.direct(
        np.asarray(convalg.correlate(np.abs(x), np.abs(w), mode="valid", method="direct")),
        terms=len(w),
        dtype=np.float64,
    )
    same_corr, same_conv = bound.holds(torch_out, corr), bound.holds(torch_out, conv)
    ok &= same_corr and not same_conv
    evidence.append(
        f"torch.nn.functional.conv1d == convalg.correlate(mode='valid'): {same_corr}; "
        f"== convalg.convolve(mode='valid'): {same_conv} ({bound.description})"
    )
    image = rng.integers(-5, 6, size=(8, 9)).astype(np.float64)
    kernel = np.array([[1.0, 2.0], [-3.0, 4.0]])
    torch2 = torch.nn.functional.conv2d(torch.tensor(image)[None, None], torch.tensor(kernel)[None, None])[0, 0].numpy()
    corr2 = np.asarray(convalg.correlate(image, kernel, mode="valid", method="direct"))
    bound2 = errorbounds.direct(
        np.asarray(convalg.correlate(np.abs(image), np.abs(kernel), mode="valid", method="direct")),
        terms=kernel.size,
        dtype=np.float64,
    )
    ok &= bound2.holds(torch2, corr2)
    evidence.append(
        "torch.nn.functional.conv2d == convalg.correlate (2-D, mode='valid'): "
        f"{bound2.holds(torch2, corr2)} ({bound2.description})"
    )
    return ("proved" if ok else "refuted"), evidence


def audit(numeric: bool = True, verdicts=None) -> list[Claim]:
    """convalg's verdict on each claim of the notes.

    ``verdicts`` (optional) maps ``(law key, dims)`` to verdicts already computed, e.g. by
    :func:`convalg.symbolic.battery`; missing ones are proved here.

    Examples
    --------
    >>> from convalg.symbolic.notes import audit
    >>> rows = audit(numeric=False)  # doctest: +SKIP
    >>> [row.status for row in rows]  # doctest: +SKIP
    ['proved', 'proved', 'refuted', 'proved', 'refuted', 'skipped']
    """
    from convalg.symbolic.decide import prove_law

    def law(name, operator="convolution", dims=1):
        known = (verdicts or {}).get((f"{operator}/{name}", dims))
        return known if known is not None else prove_law(name, operator, dims, certify=False, numeric=numeric)

    rows = []
    comm, comm2 = law("commutativity"), law("commutativity", dims=2)
    corr_comm = law("commutativity", "correlation")
    rows.append(
        Claim(
            "Commutativity f*g = g*f",
            "holds for convolution (1-D and 2-D, any length); fails for the "
            "cross-correlation the notes also call convolution",
            _both(comm, comm2),
            "proved",
            [
                f"convolution: {comm.status} (1-D), {comm2.status} (2-D) by sum rewriting",
                f"correlation: {corr_comm.status}, counterexample {_example(corr_comm)}",
            ],
        )
    )
    assoc, assoc2 = law("associativity"), law("associativity", dims=2)
    corr_assoc = law("associativity", "correlation")
    rows.append(
        Claim(
            "Associativity (f*g)*h = f*(g*h)",
            "holds for full convolution; fails for correlation and for 'same'/'valid' truncations",
            _both(assoc, assoc2),
            "proved",
            [
                f"convolution: {assoc.status} (1-D), {assoc2.status} (2-D)",
                f"correlation: {corr_assoc.status}, counterexample {_example(corr_assoc)}",
            ],
        )
    )
    notes_dist = law("notes-distributivity")
    right = law("left-distributivity")
    rows.append(
        Claim(
            "Distributivity as written: f*(g+h) = (f*g)+(f*g)",
            "false (a typo for (f*g)+(f*h), which holds)",
            notes_dist.status,
            "refuted",
            [f"counterexample: {_example(notes_dist)}", f"f*(g+h) = f*g + f*h: {right.status}"],
        )
    )
    homog, homog2 = law("homogeneity"), law("homogeneity", dims=2)
    corr_homog = law("homogeneity", "correlation")
    rows.append(
        Claim(
            "Associativity with scalars alpha(f*g) = (alpha f)*g = f*(alpha g)",
            "holds for convolution; for correlation with complex alpha only as corr(f, conj(alpha) g)",
            _both(homog, homog2),
            "proved",
            [
                f"convolution: {homog.status} (1-D), {homog2.status} (2-D)",
                f"correlation: {corr_homog.status}, counterexample {_example(corr_homog)}",
            ],
        )
    )
    identity, identity2 = law("identity"), law("identity", dims=2)
    circ_identity = law("identity", "circular")
    continuous = continuous_identity()
    rows.append(
        Claim(
            "A commutative associative algebra *without identity*",
            "false for sequences: delta is a two-sided identity on finitely supported sequences, on l^1(Z) "
            "and on Z/N; true only for L^1(R) (Fourier / Riemann-Lebesgue)",
            "refuted" if identity.status == "proved" and identity2.status == "proved" else "unknown",
            "refuted",
            [
                (
                    "delta identity on finitely supported sequences: "
                    f"{identity.status} (1-D), {identity2.status} (2-D); "
                    "the proof evaluates a Kronecker delta and needs no finite support, so it holds on l^1(Z) too"
                ),
                f"delta identity on Z/N: {circ_identity.status}",
            ]
            + [f"L^1(R): {text}: {'checked' if ok else 'FAILED'}" for text, ok in continuous],
        )
    )
    if numeric:
        status, evidence = libraries_correlate()
    else:
        status, evidence = "skipped", ["numeric checks not requested"]
    rows.append(
        Claim(
            "Several neural-network libraries implement cross-correlation",
            "true: torch.nn.functional.conv1d/conv2d compute convalg.correlate, not convalg.convolve",
            status,
            "proved",
            evidence,
        )
    )
    return rows


def _both(a, b) -> str:
    return a.status if a.status == b.status else "unknown"


def _example(verdict) -> str:
    from convalg.symbolic.search import show

    example = verdict.counterexample
    if example is None:
        return "(none)"
    names = {**example.sequences, **example.scalars, **example.parameters}
    text = ", ".join(f"{k} = {show(v)}" for k, v in names.items()) + f" ({example.origin})"
    if example.confirmation is not None:
        text += " (independent re-check: " + ("confirmed" if example.confirmation.confirmed else "NOT confirmed") + ")"
    return text


def render_audit(rows: list[Claim], fmt: str = "markdown") -> str:
    """The audit as a table followed by the evidence for each claim.

    Examples
    --------
    >>> from convalg.symbolic.notes import Claim, render_audit
    >>> print(render_audit([Claim("f*g = g*f", "holds", "proved", "proved", ["a proof"])], "text"))
    [PROVED] f*g = g*f
        holds
        - a proof
    <BLANKLINE>
    """
    if fmt == "markdown":
        from convalg.symbolic.render import _md

        out = [
            "# The notes' claims, checked",
            "",
            "Generated by `convalg prove --notes --format markdown`: do not edit by hand.",
            "",
            "| claim in the notes | convalg's verdict | status |",
            "|---|---|---|",
        ]
        out += [f"| {_md(r.claim)} | {_md(r.verdict)} | {r.status} |" for r in rows]
        for r in rows:
            out += ["", f"## {_md(r.claim)}", "", f"**{r.status}**: {_md(r.verdict)}", ""]
            out += [f"- {_md(e)}" for e in r.evidence]
        return "\n".join(out) + "\n"
    if fmt == "latex":
        from convalg.symbolic.render import _tex_escape

        out = [r"\begin{tabular}{lll}", r"claim & verdict & status \\ \hline"]
        out += [f"{_tex_escape(r.claim)} & {_tex_escape(r.verdict)} & {r.status} \\\\" for r in rows]
        out.append(r"\end{tabular}")
        return "\n".join(out) + "\n"
    out = []
    for r in rows:
        out.append(f"[{r.status.upper()}] {r.claim}\n    {r.verdict}")
        out += [f"    - {e}" for e in r.evidence]
    return "\n".join(out) + "\n"
