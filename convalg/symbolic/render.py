"""Verdicts as text, Markdown or LaTeX: a verdict table and each proof written out step by step."""

from __future__ import annotations

import sympy

__all__ = ["render_verdict", "render_table", "render_document", "count_line", "FORMATS"]

FORMATS = ("text", "markdown", "latex")


def _math(expr, fmt: str) -> str:
    if isinstance(expr, str):
        return expr
    if fmt == "text":
        return sympy.sstr(expr)
    return sympy.latex(expr)


def _md(text: str) -> str:
    """Plain text for markdown: brackets such as ``T[i, j](x)`` must not become links."""
    return text.replace("[", "\\[").replace("]", "\\]").replace("|", "\\|")


def _mark(ok: bool, fmt: str) -> str:
    return ("checked" if ok else "NOT CHECKED") if fmt != "latex" else (r"\checkmark" if ok else r"\times")


def _steps(proof, fmt: str) -> list[str]:
    lines = []
    for label, chain in zip(proof.labels, proof.sides):
        if fmt == "text":
            lines.append(f"  {label} = {_math(chain.start, fmt)}")
            for step in chain.steps:
                lines.append(f"      = {_math(step.after, fmt)}")
                cond = f"; relies on: {step.condition}" if step.condition else ""
                lines.append(f"        [{step.rule}{cond}; {_mark(step.checked, fmt)}: {step.how}]")
        elif fmt == "markdown":
            lines.append(f"- `{label}`")
            lines.append("")
            lines.append(f"  $$ {_math(chain.start, fmt)} $$")
            for step in chain.steps:
                cond = f" Relies on: {step.condition}." if step.condition else ""
                lines.append(_md(f"  - {step.rule} ({_mark(step.checked, fmt)}: {step.how}).{cond}"))
                lines.append("")
                lines.append(f"    $$ = {_math(step.after, fmt)} $$")
            lines.append("")
        else:
            lines.append(r"\paragraph{" + _tex_escape(label) + "}")
            lines.append(r"\begin{align*}")
            lines.append(f"  & {_math(chain.start, fmt)} \\\\")
            for step in chain.steps:
                cond = f"; {step.condition}" if step.condition else ""
                note = _tex_escape(f"{step.rule}{cond}")
                lines.append(f"  &= {_math(step.after, fmt)} && \\text{{{note}}}\\ {_mark(step.checked, fmt)} \\\\")
            lines.append(r"\end{align*}")
    return lines


_TEX = str.maketrans(
    {
        "\\": r"\textbackslash{}",
        "_": r"\_",
        "%": r"\%",
        "&": r"\&",
        "#": r"\#",
        "^": r"\^{}",
        "$": r"\$",
        "{": r"\{",
        "}": r"\}",
        "~": r"\textasciitilde{}",
    }
)


def _tex_escape(text: str) -> str:
    r"""Plain text for LaTeX, each special character replaced once (``Z^1`` becomes ``Z\^{}1``).

    Examples
    --------
    >>> from convalg.symbolic.render import _tex_escape
    >>> print(_tex_escape("on Z^1, f_n {50%}"))
    on Z\^{}1, f\_n \{50\%\}
    """
    return text.translate(_TEX)


def render_verdict(verdict, fmt: str = "text") -> str:
    """One verdict with its evidence: the proof's steps, or the counterexample.

    Examples
    --------
    >>> from convalg.symbolic import check
    >>> from convalg.symbolic.render import render_verdict
    >>> print(render_verdict(check("f*delta == f", certify=False), "text").splitlines()[1])
      verdict: PROVED
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}, got {fmt!r}")
    title = f"{verdict.statement}   ({verdict.dims}-D)"
    law = f" [law {verdict.law}]" if verdict.law else ""
    lines = []
    if fmt == "text":
        lines.append(f"{title}\n  verdict: {verdict.status.upper()}{law}")
    elif fmt == "markdown":
        lines.append(f"## `{verdict.statement}` ({verdict.dims}-D){law}")
        lines.append("")
        lines.append(f"**Verdict: {verdict.status}.**")
    else:
        lines.append(r"\subsection*{" + _tex_escape(f"{verdict.statement} ({verdict.dims}-D){law}") + "}")
        lines.append(r"\textbf{Verdict: " + verdict.status + ".}")
    lines.append("")
    proof = verdict.proof
    if proof is not None:
        prefix = "  " if fmt == "text" else ""
        lines.append(f"{prefix}method: {proof.method}")
        lines.extend(f"{prefix}hypothesis: {hypothesis}" for hypothesis in proof.hypotheses)
        lines.extend(
            f"{prefix}rule: {rule} ({'law ' + lemma if lemma != 'definition' else 'definition'})"
            for rule, lemma in proof.lemmas
        )
        lines.extend(f"{prefix}note: {note}" for note in proof.notes)
        if fmt != "text":
            lines.append("")
        lines.extend(_steps(proof, fmt))
        lines.append(f"{prefix}sides meet: {'yes' if proof.meet else 'NO'} ({proof.meet_how})")
    if verdict.counterexample is not None:
        example = verdict.counterexample
        title = f"Counterexample (exact; {example.origin})"
        if fmt == "markdown":
            lines.append(title + ":")
            lines.append("")
            lines.append("```")
            lines.append(example.describe())
            lines.append("```")
        elif fmt == "latex":
            lines.append(_tex_escape(title) + r":\begin{verbatim}")
            lines.append(example.describe())
            lines.append(r"\end{verbatim}")
        else:
            lines.append(f"  {title[0].lower()}{title[1:]}:")
            lines.extend("    " + line for line in example.describe().splitlines())
        if example.confirmation is not None:
            lines.append(("  " if fmt == "text" else "") + f"independent re-check: {example.confirmation}")
    if verdict.recheck is not None:
        lines.append(("  " if fmt == "text" else "") + f"independent re-check: {verdict.recheck}")
    if verdict.certificate is not None:
        lines.append(("  " if fmt == "text" else "") + f"certificate: {verdict.certificate}")
    if verdict.reason:
        lines.append(("  " if fmt == "text" else "") + f"reason: {verdict.reason}")
    if fmt == "text":
        return "\n".join(lines)
    if fmt == "markdown":
        lines = [_md(line) if line.startswith(_PLAIN) else line for line in lines]
    if fmt == "latex":
        return "\n".join(_tex_paragraph(line) for line in lines if line != "") + "\n"
    return "\n\n".join(line for line in lines if line != "") + "\n"


_PLAIN = ("method:", "hypothesis:", "rule:", "note:", "sides meet:", "certificate:", "reason:", "independent re-check:")


def _tex_paragraph(line: str) -> str:
    """Plain-text lines become escaped paragraphs; LaTeX lines pass through."""
    if line.startswith(("\\", "  &", "Counterexample")) or "\\end{" in line:
        return line
    if line.startswith(_PLAIN):
        return _tex_escape(line) + "\\par"
    return line


def render_table(results, fmt: str = "text", timings: bool = True) -> str:
    """The verdict table of a battery: one row per law, one column per dimension.

    Examples
    --------
    >>> from convalg.symbolic import battery
    >>> from convalg.symbolic.render import render_table
    >>> results = battery(operators=("correlation",), dims=(1,), certify=False, numeric=False)[:1]
    >>> print(render_table(results, "markdown", timings=False).splitlines()[2])
    | correlation | commutativity | corr(f,g) = corr(g,f) | refuted | - |
    """
    rows: dict = {}
    for law, dims, verdict, seconds in results:
        row = rows.setdefault((law.operator, law.name), {"law": law, "cells": {}, "seconds": 0.0})
        agrees = verdict.status == law.expected
        row["cells"][dims] = verdict.status + ("" if agrees else " (!)")
        row["seconds"] += seconds
    header = ["operator", "law", "statement", "1-D", "2-D"] + (["seconds"] if timings else [])
    body = [
        [op, name, row["law"].summary, row["cells"].get(1, "-"), row["cells"].get(2, "-")]
        + ([f"{row['seconds']:.2f}"] if timings else [])
        for (op, name), row in rows.items()
    ]
    if fmt == "markdown":
        out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        out += ["| " + " | ".join(cell.replace("|", "\\|") for cell in line) + " |" for line in body]
        return "\n".join(out) + "\n"
    if fmt == "latex":
        out = [r"\begin{tabular}{" + "l" * len(header) + "}", " & ".join(header) + r" \\ \hline"]
        out += [" & ".join(_tex_escape(cell) for cell in line) + r" \\" for line in body]
        out.append(r"\end{tabular}")
        return "\n".join(out) + "\n"
    widths = [max(len(str(line[i])) for line in [header, *body]) for i in range(len(header))]
    widths[2] = min(widths[2], 48)
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths))]
    out += ["  ".join(str(c)[:w].ljust(w) for c, w in zip(line, widths)) for line in body]
    return "\n".join(out) + "\n"


def count_line(results) -> str:
    """How many verdicts are the recorded ones, differ, or are undecided.

    Examples
    --------
    >>> from convalg.symbolic.render import count_line
    >>> count_line([])
    '0 verdicts: 0 as recorded, 0 differ, 0 undecided'
    """
    differ = sum(1 for law, _, v, _ in results if v.status != law.expected and v.status != "unknown")
    undecided = sum(1 for _, _, v, _ in results if v.status == "unknown")
    recorded = len(results) - differ - undecided
    return f"{len(results)} verdicts: {recorded} as recorded, {differ} differ, {undecided} undecided"


def render_document(results, fmt: str = "markdown", title: str = "Proofs of the convolution laws") -> str:
    """The verdict table followed by every verdict written out (Markdown or LaTeX).

    Examples
    --------
    >>> from convalg.symbolic import battery
    >>> from convalg.symbolic.render import render_document
    >>> results = battery(operators=("correlation",), dims=(1,), certify=False, numeric=False)[:1]
    >>> render_document(results, "markdown").splitlines()[0]
    '# Proofs of the convolution laws'
    """
    intro = (
        f"Generated by `convalg prove --all --format {fmt}`: do not edit by hand. Every step below was "
        "checked by sympy; a step's side condition (absolute summability, periodicity, ...) is stated "
        "where the step relies on it. '(!)' in the table marks a verdict that differs from the one "
        "convalg expects."
    )
    counts = count_line(results)
    if fmt == "markdown":
        parts = [f"# {title}\n", intro + "\n", render_table(results, "markdown", timings=False)]
        parts += [render_verdict(v, "markdown") for _, _, v, _ in results]
        return "\n".join(parts) + f"\n**{counts}**\n"
    if fmt == "latex":
        parts = [r"\section*{" + title + "}", _tex_escape(intro), render_table(results, "latex", timings=False)]
        parts += [render_verdict(v, "latex") for _, _, v, _ in results]
        return "\n".join(parts) + "\n" + _tex_escape(counts) + "\n"
    seconds = sum(t for _, _, _, t in results)
    parts = [render_table(results, "text")] + [render_verdict(v, "text") + "\n" for _, _, v, _ in results]
    parts.append(f"{counts} ({seconds:.1f} s)\n")
    return "\n".join(parts)
