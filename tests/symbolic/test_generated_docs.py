"""docs/proofs.md and docs/notes-audit.md are exactly what ``convalg prove`` generates."""

from __future__ import annotations

from pathlib import Path

from convalg.symbolic.notes import render_audit
from convalg.symbolic.render import render_document

ROOT = Path(__file__).resolve().parents[2]
REGENERATE = "regenerate with: convalg prove --all --format markdown > docs/proofs.md"


def test_docs_proofs_is_the_generated_battery_document(battery):
    committed = (ROOT / "docs" / "proofs.md").read_text()
    assert committed == render_document(battery, "markdown"), REGENERATE


def test_docs_notes_audit_is_the_generated_audit(audit_rows):
    committed = (ROOT / "docs" / "notes-audit.md").read_text()
    assert committed == render_audit(audit_rows, "markdown"), (
        "regenerate with: convalg prove --notes --format markdown > docs/notes-audit.md"
    )


def test_the_latex_document_has_a_table_and_aligned_steps(battery):
    latex = render_document(battery[:3], "latex")
    assert r"\begin{tabular}" in latex and r"\begin{align*}" in latex
