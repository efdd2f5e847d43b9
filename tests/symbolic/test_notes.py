"""The verdicts on the lecture notes' claims."""

from __future__ import annotations

import importlib.util

import pytest

from convalg.symbolic.notes import continuous_identity, libraries_correlate


def test_each_claim_of_the_notes_gets_the_expected_verdict(audit_rows):
    statuses = {row.claim.split(" ")[0]: row.status for row in audit_rows}
    assert [row.status for row in audit_rows if row.status != "skipped"] == [
        row.expected for row in audit_rows if row.status != "skipped"
    ]
    assert statuses["Distributivity"] == "refuted"
    assert any("without identity" in row.claim and row.status == "refuted" for row in audit_rows)


def test_the_notes_distributivity_counterexample_is_shown_and_rechecked(audit_rows):
    row = next(r for r in audit_rows if r.claim.startswith("Distributivity"))
    assert "f = [1], g = [0], h = [1]" in row.evidence[0]
    assert "independent re-check: confirmed" in row.evidence[0]


def test_l1_of_the_reals_has_no_identity_computable_parts_checked_by_sympy():
    checks = continuous_identity()
    assert len(checks) == 5
    assert all(ok for _, ok in checks)


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed (optional oracle)")
def test_torch_conv1d_and_conv2d_compute_convalg_correlate_not_convolve():
    status, evidence = libraries_correlate()
    assert status == "proved"
    assert "== convalg.convolve(mode='valid'): False" in evidence[0]


def test_without_torch_the_library_claim_is_skipped_with_a_reason(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_torch(name, *args, **kwargs):
        if name == "torch":
            raise ImportError("No module named 'torch'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_torch)
    status, evidence = libraries_correlate()
    assert status == "skipped" and "not installed" in evidence[0]
