"""Sphinx configuration of the convalg documentation site.

Build it with ``sphinx-build -W --keep-going -b html docs docs/_build/html`` (warnings are
errors, as in CI); run its examples with ``-b doctest``. Pages are MyST markdown; the API
reference is autodoc over the numpydoc docstrings; the concept figures are drawn by
matplotlib at build time from ``docs/figures.py``.

Some pages are written by other parts of the project (the benchmark table, the proofs, the
audit of the source notes, the page on chunked arrays); the index lists them like any other.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))

project = "convalg"
author = "the convalg developers"
copyright = "2026, the convalg developers"

from convalg import __version__ as release  # noqa: E402

version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # ships MathJax with the site: pages must render offline
    "numpydoc",
    "matplotlib.sphinxext.plot_directive",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "**/_build", "README.md"]

myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
# The generated pages (proofs, audit of the notes) come from ``convalg prove --format
# markdown``; their heading levels follow the proof structure, which is not an error.
suppress_warnings = ["myst.header"]

# numpydoc renders the docstrings; it must not invent autosummary stubs for class members.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
autodoc_typehints = "none"
autodoc_member_order = "bysource"

# The doctest builder runs the ```{doctest} blocks of the pages. Docstring examples are
# already run by ``pytest --doctest-modules``; running them twice would only cost time.
doctest_test_doctest_blocks = ""
doctest_global_setup = "import numpy as np"

# Figures: one PNG each, drawn at build time, without source or format links.
plot_basedir = str(DOCS)
plot_formats = [("png", 100)]
plot_html_show_source_link = False
plot_html_show_formats = False
plot_include_source = False
plot_rcparams = {"figure.autolayout": True}

html_theme = "pydata_sphinx_theme"
html_title = f"convalg {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "header_links_before_dropdown": 5,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": [],
}
html_sidebars = {"**": ["sidebar-nav-bs"]}
html_static_path = ["_static"]
html_favicon = "_static/favicon.svg"
# An explicit mode: without one the theme logs a console error in a fresh browser profile.
html_context = {"default_mode": "light"}
html_show_sourcelink = False
html_copy_source = False

#: Pages other parts of the project write (index.md lists them in its contents).
GENERATED_PAGES = ("notes-audit", "proofs", "benchmarks", "benchmarks-nn", "chunked")


# In generated pages, a formula such as ``FT[phi_t](xi)`` is text, not a markdown link:
# brackets followed by a parenthesis that is not a URL, an anchor or a file are escaped.
_CODE_OR_MATH = re.compile(r"(```.*?```|`[^`\n]*`|\$\$.*?\$\$|\$[^$\n]*\$)", re.DOTALL)
_FORMULA_LINK = re.compile(r"\[([^\]\n]*)\]\((?!https?://|#|[\w./-]+\.(?:md|html|png)\))")


def _formulas_as_text(app, docname: str, source: list[str]) -> None:
    if docname in GENERATED_PAGES:
        # Code spans and math are left alone: only plain text is read as markdown links.
        parts = _CODE_OR_MATH.split(source[0])
        source[0] = "".join(p if i % 2 else _FORMULA_LINK.sub(r"\[\1\](", p) for i, p in enumerate(parts))


# Docstrings write magnitudes as ``|a| * |b|``, which reStructuredText would read as
# substitution references. Escape those bars, except where the text is literal: code
# (``...``), roles (:math:`...`), doctest lines and indented literal or math blocks.
_VERBATIM = re.compile(r"(``.*?``|:\w+:`[^`]*`|`[^`]*`)")


def _escape_bars(line: str) -> str:
    parts = _VERBATIM.split(line)
    return "".join(p if i % 2 else p.replace("|", r"\|") for i, p in enumerate(parts))


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _module_sections_as_rubrics(app, what, name, obj, options, lines: list[str]) -> None:
    # A module docstring's "Examples" heading would become a section whose implicit label
    # collides with the next module's; a rubric is a heading without a label.
    if what != "module":
        return
    for i in range(len(lines) - 1):
        title, underline = lines[i].strip(), lines[i + 1].strip()
        if title and underline and set(underline) == {"-"} and len(underline) >= len(title):
            lines[i], lines[i + 1] = f".. rubric:: {title}", ""


def _escape_magnitude_bars(app, what, name, obj, options, lines: list[str]) -> None:
    literal_indent = None  # indentation of the line that opened a literal block
    in_doctest = False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if literal_indent is not None:
            if not stripped or _indent(line) > literal_indent:
                continue
            literal_indent = None
        if stripped.startswith(">>>"):
            in_doctest = True
        if in_doctest:
            in_doctest = bool(stripped)
            continue
        if "|" in line and not stripped.startswith(("+", "|")):  # tables keep their bars
            lines[i] = _escape_bars(line)
        if stripped.endswith("::"):
            literal_indent = _indent(line)


def setup(app):
    app.connect("source-read", _formulas_as_text)
    app.connect("autodoc-process-docstring", _escape_magnitude_bars)
    app.connect("autodoc-process-docstring", _module_sections_as_rubrics)
    return {"parallel_read_safe": True}
