"""Every script in proofs/ runs, prints its steps and exits 0 (they run in parallel here)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = sorted((Path(__file__).resolve().parents[2] / "proofs").glob("*.py"))


def test_there_is_a_proof_script_per_law_family():
    names = {script.stem for script in SCRIPTS}
    assert {"commutativity", "associativity", "distributivity", "identity", "translation", "transforms"} <= names


@pytest.mark.parametrize("script", [s.stem for s in SCRIPTS])
def test_proof_script_exits_0_and_prints_checked_steps(proof_script_runs, script):
    (out, err), code = proof_script_runs[script]
    assert code == 0, out[-2000:] + err[-2000:]
    assert "verdict:" in out
    assert "NOT CHECKED" not in out and "FAILED" not in out


def test_a_proof_script_fails_when_a_verdict_is_not_the_expected_one(tmp_path):
    script = tmp_path / "wrong.py"
    script.write_text(
        "import sys\n"
        "from convalg import laws\n"
        "from convalg.symbolic.script import run\n"
        "laws.LAWS = tuple(l if l.key != 'correlation/commutativity' else\n"
        "    laws.Law(l.name, l.operator, l.statement, 'proved', dims=(1,)) for l in laws.LAWS)\n"
        "sys.exit(run(['commutativity'], operators=['correlation']))\n"
    )
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "CONVALG_PROOF_SIZE": "0"},
    )
    assert done.returncode == 1
    assert "refuted, expected proved" in done.stdout
