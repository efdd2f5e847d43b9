"""The documentation site builds cleanly, its examples run, and it covers the public API."""

from __future__ import annotations

import importlib
import importlib.util
import re
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def test_site_builds_with_warnings_as_errors(html_site):
    assert html_site.returncode == 0, html_site.log
    assert (html_site.out / "index.html").exists()


def test_every_page_example_runs_as_a_doctest(html_site, build_docs, doctrees, tmp_path):
    assert html_site.returncode == 0, html_site.log  # the doctest builder reuses its doctrees
    build = build_docs("doctest", tmp_path / "doctest", doctrees)
    assert build.returncode == 0, build.log
    summary = (build.out / "output.txt").read_text()
    totals = re.search(r"Doctest summary.*?(\d+) tests\s+(\d+) failures in tests", summary, re.DOTALL)
    assert totals, summary
    assert int(totals.group(1)) >= 20 and int(totals.group(2)) == 0, summary


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.ids.update(value for name, value in attrs if name == "id" and value)


def _api_pages() -> dict[str, Path]:
    pages = {}
    for page in sorted((DOCS / "api").glob("*.md")):
        for module in re.findall(r"automodule:: (\S+)", page.read_text()):
            pages[module] = page
    return pages


def test_every_public_name_of_a_documented_module_has_an_api_entry(html_site):
    assert html_site.returncode == 0, html_site.log
    pages = _api_pages()
    assert {"convalg.backends", "convalg.errorbounds"} <= set(pages)
    for module_name, page in pages.items():
        built = html_site.out / "api" / (page.stem + ".html")
        parser = _Ids()
        parser.feed(built.read_text())
        module = importlib.import_module(module_name)
        documented = parser.ids | set(pages)  # a submodule is documented on its own page
        missing = [n for n in module.__all__ if f"{module_name}.{n}" not in documented]
        assert not missing, f"{built.name} lacks an entry for {missing}"


#: convalg's public modules; each one that exists must have its page in docs/api/.
PUBLIC_MODULES = (
    "convalg.backends",
    "convalg.errorbounds",
    "convalg.signal",
    "convalg.laws",
    "convalg.symbolic",
    "convalg.testing",
    "convalg.nn",
    "convalg.nn.functional",
    "convalg.chunked",
    "convalg.tour",
)


def _is_module(name: str) -> bool:
    # A folder without __init__.py is only a namespace, not a module of convalg yet.
    try:
        spec = importlib.util.find_spec(name)
    except ModuleNotFoundError:  # its parent package does not exist
        return False
    return spec is not None and spec.origin is not None


def test_every_public_module_that_exists_has_an_api_page():
    documented = set(_api_pages())
    present = {name for name in PUBLIC_MODULES if _is_module(name)}
    assert present - documented == set()


def test_getting_started_shows_the_readme_commands():
    readme_commands = re.findall(r"^(pip install .*)$", (ROOT / "README.md").read_text(), re.MULTILINE)
    page = (DOCS / "getting-started.md").read_text()
    assert readme_commands[:2] and all(command in page for command in readme_commands[:2])


def test_every_page_written_by_other_parts_is_in_the_static_contents(html_site):
    assert html_site.returncode == 0, html_site.log
    conf = {"__file__": str(DOCS / "conf.py")}
    exec(compile((DOCS / "conf.py").read_text(), "conf.py", "exec"), conf)
    generated = conf["GENERATED_PAGES"]
    assert {"notes-audit", "proofs", "benchmarks", "chunked"} <= set(generated)
    toctree = re.search(r"```\{toctree\}\n(.*?)```", (DOCS / "index.md").read_text(), re.DOTALL)
    assert toctree, "docs/index.md has no toctree"
    entries = [line.strip() for line in toctree.group(1).splitlines() if line.strip() and not line.startswith(":")]
    index = (html_site.out / "index.html").read_text()
    for name in generated:
        assert (DOCS / f"{name}.md").exists(), name
        assert name in entries, f"{name} is not in the toctree of docs/index.md: {entries}"
        assert f'href="{name}.html"' in index, name


def test_every_convalg_command_the_pages_show_exists():
    from convalg.cli import _COMMANDS

    shown = set()
    for page in DOCS.rglob("*.md"):
        for block in re.findall(r"```(?:bash|console|shell)\n(.*?)```", page.read_text(), flags=re.DOTALL):
            shown.update(re.findall(r"(?:^|&& )convalg ([a-z-]+)", block, flags=re.MULTILINE))
    assert {"tour", "prove", "verify", "learn"} <= shown
    assert shown <= set(_COMMANDS), shown - set(_COMMANDS)
