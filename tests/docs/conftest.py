"""Fixtures of the documentation tests: the site, built once per session as CI builds it."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"


@dataclass(frozen=True)
class Build:
    """One sphinx-build run: where it wrote, and what it said."""

    out: Path
    returncode: int
    log: str


def sphinx_build(builder: str, out: Path, doctrees: Path) -> Build:
    """Run ``sphinx-build -W --keep-going -b BUILDER`` on docs/, as CI does."""
    pytest.importorskip("sphinx", reason="the docs extra is not installed: pip install -e '.[docs]'")
    command = [
        sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q",
        "-b", builder, "-d", str(doctrees), str(DOCS), str(out),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    return Build(out, done.returncode, done.stdout + done.stderr)


@pytest.fixture(scope="session")
def build_docs():
    """``build_docs(builder, out, doctrees)`` runs sphinx-build on docs/ as CI does."""
    return sphinx_build


@pytest.fixture(scope="session")
def doctrees(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("doctrees")


@pytest.fixture(scope="session")
def html_site(tmp_path_factory, doctrees) -> Build:
    """The HTML site, built with warnings as errors."""
    return sphinx_build("html", tmp_path_factory.mktemp("html"), doctrees)
