"""Writes the tour's report folder: a self-contained ``index.html``, ``report.md`` and the PNG figures.

Both documents read top-down the way a newcomer needs them: the verdict; what failed, first,
when anything did; what each step found, with what was proved and what was refuted or caught on
purpose (and why that is a success); then each step's evidence, its long tables folded away
behind ``<details>`` so that they do not bury the summary.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

_STATUS_WORD = {"passed": "passed", "failed": "FAILED", "missing": "MISSING"}

#: Tables longer than this are folded (``<details>``); shorter ones are shown as they are.
_FOLD_ROWS = 8

_WHAT_PASSED_MEANS = (
    "A step passes when every result is the one convalg expects: a true law proved, a false statement "
    "refuted with an exact counterexample, every computed result within its rigorous error bound, a "
    "planted bug caught."
)

_CSS = """
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; max-width: 72rem;
       margin: 2rem auto; padding: 0 1rem; color: #1d2329; line-height: 1.45; }
h1 { margin-bottom: .2rem; } h2 { border-bottom: 1px solid #d0d7de; padding-bottom: .2rem; margin-top: 2.2rem; }
table { border-collapse: collapse; margin: .8rem 0; font-size: .88rem; }
th, td { border: 1px solid #d0d7de; padding: .25rem .55rem; text-align: left; vertical-align: top; }
th { background: #f3f5f7; } caption { caption-side: top; text-align: left; font-style: italic; padding: .2rem 0; }
.passed { color: #116329; font-weight: 600; } .failed, .missing { color: #b3261e; font-weight: 700; }
.verdict { font-size: 1.2rem; padding: .6rem .9rem; border-radius: .4rem; display: inline-block; }
.verdict.passed { background: #dafbe1; } .verdict.failed { background: #ffebe9; }
#what-failed { border: 2px solid #b3261e; border-radius: .4rem; padding: .2rem 1rem; background: #fff8f7; }
#what-failed h2 { margin-top: .6rem; color: #b3261e; border: none; }
.findings li { margin: .35rem 0; } .findings ul { font-size: .92rem; color: #3d444d; }
details { margin: .6rem 0; } summary { cursor: pointer; color: #0b57d0; }
figure { margin: 1rem 0; } figure img { max-width: 100%; border: 1px solid #eaeef2; }
figcaption { font-size: .9rem; color: #57606a; } pre { background: #f6f8fa; padding: .6rem; overflow-x: auto; }
code { background: #f6f8fa; padding: 0 .2rem; }
"""


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _figure_file(step_key: str, figure) -> str:
    return f"figures/{step_key}-{_slug(figure.name)}.png"


def _verdict(report) -> str:
    bad = [r for r in report.results if r.status != "passed"]
    total = len(report.results)
    if not bad:
        return f"passed: all {total} steps found what convalg expects"
    words = ", ".join(f"{r.title} ({_STATUS_WORD[r.status]})" for r in bad)
    return f"FAILED: {len(bad)} of {total} steps did not pass: {words}"


def _failures(report) -> list:
    return [r for r in report.results if r.status != "passed"]


def _first_note(result) -> str | None:
    """The note that shows what went wrong (steps put their failures first), if any."""
    return result.notes[0] if result.notes and result.status != "passed" else None


# --- Markdown ---------------------------------------------------------------------------------


def _md_cell(text: str) -> str:
    return str(text).replace("|", r"\|").replace("\n", " ")


def _md_table(table) -> list[str]:
    lines = []
    if table.caption:
        lines += [f"*{table.caption}*", ""]
    lines.append("| " + " | ".join(map(_md_cell, table.columns)) + " |")
    lines.append("|" + "---|" * len(table.columns))
    lines += ["| " + " | ".join(map(_md_cell, row)) + " |" for row in table.rows]
    if len(table.rows) > _FOLD_ROWS:  # GitHub and most viewers render <details> in Markdown
        return ["<details>", f"<summary>{_fold_label(table)}</summary>", "", *lines, "", "</details>"]
    return lines


def _markdown(report) -> str:
    lines = [
        "# convalg tour",
        "",
        (f"**Verdict: {_verdict(report)}** (backend `{report.backend}`, {report.seconds:.1f} s)."),
        "",
        _WHAT_PASSED_MEANS,
    ]
    failures = _failures(report)
    if failures:
        lines += ["", "## What failed", ""]
        for r in failures:
            lines.append(f"- **{r.title}: {_STATUS_WORD[r.status]}**: {r.summary}")
            if note := _first_note(r):
                lines += ["", note]
    lines += ["", "## What the tour found", ""]
    for r in report.results:
        lines.append(f"- **{r.title}**: {_STATUS_WORD[r.status]} ({r.seconds:.1f} s). {r.summary}")
        lines += [f"  - {line}" for line in r.headline]
    for r in report.results:
        lines += ["", f"## {r.title}: {_STATUS_WORD[r.status]}", "", r.summary]
        for note in r.notes:
            lines += ["", note]
        for table in r.tables:
            lines += ["", *_md_table(table)]
        for figure in r.figures:
            lines += ["", f"![{figure.caption}]({_figure_file(r.key, figure)})", "", f"*{figure.caption}*"]
    lines += ["", "## Environment", "", "| | |", "|---|---|"]
    lines += [f"| {_md_cell(k)} | {_md_cell(v)} |" for k, v in report.environment.items()]
    return "\n".join(lines) + "\n"


# --- HTML -------------------------------------------------------------------------------------


def _html_inline(text: str) -> str:
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


def _html_note(note: str) -> str:
    fenced = re.fullmatch(r"```\w*\n(.*)\n```", note, flags=re.DOTALL)
    if fenced:
        return f"<pre>{html.escape(fenced.group(1))}</pre>"
    return f"<p>{_html_inline(note)}</p>"


def _fold_label(table) -> str:
    what = table.caption or ", ".join(table.columns)
    return f"the table ({len(table.rows)} rows): {what}"


def _html_table(columns, rows, caption="") -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>" for row in rows)
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _html_step_table(table) -> str:
    shown = _html_table(table.columns, table.rows, table.caption)
    if len(table.rows) > _FOLD_ROWS:
        return f"<details><summary>{html.escape(_fold_label(table))}</summary>{shown}</details>"
    return shown


def _html_summary(report) -> list[str]:
    """The top of the page: verdict, what failed (first), and what every step found."""
    status = "passed" if report.ok else "failed"
    parts = [
        f'<p class="verdict {status}" id="verdict">Verdict: {html.escape(_verdict(report))}</p>',
        (
            f"<p>Backend <code>{html.escape(report.backend)}</code>, {report.seconds:.1f} s. "
            f"{html.escape(_WHAT_PASSED_MEANS)}</p>"
        ),
    ]
    failures = _failures(report)
    if failures:
        parts.append('<section id="what-failed"><h2>What failed</h2><ul>')
        for r in failures:
            parts.append(
                f'<li><a href="#{_slug(r.key)}">{html.escape(r.title)}</a>: '
                f'<span class="{r.status}">{_STATUS_WORD[r.status]}</span>. {_html_inline(r.summary)}'
            )
            if note := _first_note(r):
                parts.append(_html_note(note))
            parts.append("</li>")
        parts.append("</ul></section>")
    parts.append('<section id="findings"><h2>What the tour found</h2><ul class="findings">')
    for r in report.results:
        parts.append(
            f'<li><a href="#{_slug(r.key)}">{html.escape(r.title)}</a>: '
            f'<span class="{r.status}">{_STATUS_WORD[r.status]}</span> ({r.seconds:.1f} s). '
            f"{_html_inline(r.summary)}"
        )
        if r.headline:
            parts.append("<ul>" + "".join(f"<li>{_html_inline(line)}</li>" for line in r.headline) + "</ul>")
        parts.append("</li>")
    parts.append("</ul></section>")
    return parts


def _html(report) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>convalg tour: {html.escape(_verdict(report))}</title><style>{_CSS}</style></head><body>",
        "<h1>convalg tour</h1>",
        *_html_summary(report),
    ]
    for r in report.results:
        parts.append(
            f'<section id="{_slug(r.key)}"><h2>{html.escape(r.title)}: '
            f'<span class="{r.status}">{_STATUS_WORD[r.status]}</span></h2>'
        )
        parts.append(f"<p>{_html_inline(r.summary)}</p>")
        parts += [_html_note(note) for note in r.notes]
        parts += [_html_step_table(t) for t in r.tables]
        for figure in r.figures:
            data = base64.b64encode(figure.png).decode("ascii")
            caption = html.escape(figure.caption)
            parts.append(
                f'<figure><img alt="{caption}" src="data:image/png;base64,{data}">'
                f"<figcaption>{caption}</figcaption></figure>"
            )
        parts.append("</section>")
    parts.append('<section id="environment"><h2>Environment</h2>')
    parts.append(_html_table(("", ""), list(report.environment.items())))
    parts.append("</section></body></html>")
    return "\n".join(parts) + "\n"


def prepare_folder(out: Path) -> Path:
    """Create the report folder ``out`` (before the tour runs, so a bad path costs no work)."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"out must be a folder; {str(out)!r} is a file")
    try:
        (out / "figures").mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ValueError(f"out {str(out)!r}: cannot create the report folder ({error.strerror or error})") from None
    return out


def write_report(report, out: Path) -> Path:
    """Write ``index.html``, ``report.md`` and ``figures/*.png`` into ``out``; return ``out``."""
    out = prepare_folder(out)
    figures = out / "figures"
    for old in figures.glob("*.png"):  # a figure of an earlier run must not pass for this one's
        old.unlink()
    for result in report.results:
        for figure in result.figures:
            (out / _figure_file(result.key, figure)).write_bytes(figure.png)
    (out / "report.md").write_text(_markdown(report), encoding="utf-8")
    (out / "index.html").write_text(_html(report), encoding="utf-8")
    return out
