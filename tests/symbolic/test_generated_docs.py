"""docs/proofs.md and docs/notes-audit.md are exactly what ``convalg prove`` generates."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from convalg.symbolic.notes import render_audit
from convalg.symbolic.render import render_document

ROOT = Path(__file__).resolve().parents[2]


def test_docs_proofs_is_the_generated_battery_document(battery):
    committed = (ROOT / "docs" / "proofs.md").read_text()
    assert committed == render_document(battery, "markdown"), (
        "regenerate with: convalg prove --all --format markdown > docs/proofs.md"
    )


def _without_claim(text: str, claim: str) -> str:
    """The audit page without the table row and the section of one claim."""
    lines = text.splitlines()
    start = lines.index(f"## {claim}")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    kept = lines[:start] + lines[end:]
    return "\n".join(line for line in kept if not line.startswith(f"| {claim} |"))


def _audit_page_matches(committed: str, rows) -> bool:
    """Whether the page is the generated audit.

    Without torch (an optional oracle) the library claim is 'skipped' and cannot be regenerated:
    every other claim must still match, and the page must carry a real verdict on it.
    """
    library = rows[-1]
    if library.status != "skipped":
        return committed == render_audit(rows, "markdown")
    generated = render_audit(rows, "markdown")
    return (
        _without_claim(committed, library.claim) == _without_claim(generated, library.claim)
        and f"| {library.claim} |" in committed
        and "| skipped |" not in committed
    )


def test_docs_notes_audit_is_the_generated_audit(audit_rows):
    committed = (ROOT / "docs" / "notes-audit.md").read_text()
    assert _audit_page_matches(committed, audit_rows), (
        "regenerate with: convalg prove --notes --format markdown > docs/notes-audit.md"
    )


def test_the_audit_page_check_without_torch_still_compares_every_other_claim(audit_rows):
    committed = (ROOT / "docs" / "notes-audit.md").read_text()
    skipped = dataclasses.replace(audit_rows[-1], status="skipped", evidence=["torch is not installed"])
    assert _audit_page_matches(committed, [*audit_rows[:-1], skipped])
    changed = dataclasses.replace(audit_rows[0], status="unknown")
    assert not _audit_page_matches(committed, [changed, *audit_rows[1:-1], skipped])


def test_the_latex_document_has_a_table_and_aligned_steps(battery):
    latex = render_document(battery[:3], "latex")
    assert r"\begin{tabular}" in latex and r"\begin{align*}" in latex
    assert "\n\n" not in latex.split(r"\begin{align*}")[1].split(r"\end{align*}")[0]
