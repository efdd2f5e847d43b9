"""The project's promises about itself: the README's two commands are what CI runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"^(pip install .*)$", text, flags=re.MULTILINE)


def test_readme_shows_a_main_command_and_a_test_command_near_the_top():
    head = "\n".join((ROOT / "README.md").read_text().splitlines()[:40])
    commands = _readme_commands()
    assert len(commands) >= 2
    assert commands[0] in head and commands[1] in head
    assert "convalg" in commands[0] and "pytest" in commands[1]


def test_ci_runs_exactly_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert _readme_commands()[1] in ci.splitlines()
