"""The README's examples run as written: each ```python block is a doctest, run on its own.

A block that imports CuPy runs where a CUDA device is (the same calls run on NumPy and
array-api-strict in the block before it); a block that imports torch runs where torch is
installed (CI's torch stage).
"""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

from convalg.backends import status

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"^```python\n(.*?)^```", README, flags=re.MULTILINE | re.DOTALL)
_CUPY = status("cupy")


def _param(index: int, block: str):
    marks = []
    if re.search(r"^>>> import cupy", block, flags=re.MULTILINE):
        marks = [pytest.mark.gpu, pytest.mark.skipif(not _CUPY.usable, reason=_CUPY.detail)]
    elif re.search(r"^>>> import torch", block, flags=re.MULTILINE):
        marks = [pytest.mark.torch]
    first = block.splitlines()[0].removeprefix(">>> ")
    return pytest.param(block, marks=marks, id=f"{index}: {first}")


def test_the_readme_has_the_three_examples_the_issue_asks_for():
    text = "\n".join(BLOCKS)
    assert len(BLOCKS) >= 3
    assert "check(" in text and "verify(" in text and "convolve(" in text
    assert "cupy" in text and "torch" in text


@pytest.mark.parametrize("block", [_param(i, block) for i, block in enumerate(BLOCKS)])
def test_every_readme_example_runs_as_written(block):
    if re.search(r"^>>> import torch", block, flags=re.MULTILINE):
        pytest.importorskip("torch", reason="torch is optional (pip install 'convalg[torch]')")
    test = doctest.DocTestParser().get_doctest(block, {}, "README.md", "README.md", 0)
    assert test.examples, "a python block without a >>> example"
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    output: list[str] = []
    result = runner.run(test, out=output.append)
    assert result.failed == 0, "".join(output)
    assert result.attempted == len(test.examples)


def test_every_link_of_the_readme_to_the_repository_leads_to_a_file():
    targets = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README)
    local = [target for target in targets if "://" not in target]
    assert "docs/index.md" in local  # the link to the documentation
    assert [target for target in local if not (ROOT / target).exists()] == []


def test_the_readme_gives_the_command_that_builds_the_docs_with_warnings_as_errors():
    (command,) = re.findall(r"^pip install -e '\.\[docs\]' && (python -m sphinx .*)$", README, flags=re.MULTILINE)
    assert " -W " in command and " -b html docs " in command  # as tests/docs builds the site
