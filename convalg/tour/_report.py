"""Writes the tour's report folder: a self-contained ``index.html``, ``report.md`` and the PNG figures."""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

_STATUS_WORD = {"passed": "passed", "failed": "FAILED", "missing": "MISSING"}

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
figure { margin: 1rem 0; } figure img { max-width: 100%; border: 1px solid #eaeef2; }
figcaption { font-size: .9rem; color: #57606a; } pre { background: #f6f8fa; padding: .6rem; overflow-x: auto; }
code { background: #f6f8fa; padding: 0 .2rem; }
"""


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _figure_file(step_key: str, figure) -> str:
    return f"figures/{step_key}-{_slug(figure.name)}.png"


def _md_cell(text: str) -> str:
    return str(text).replace("|", r"\|").replace("\n", " ")


def _markdown(report) -> str:
    verdict = "every step passed" if report.ok else "SOME STEPS FAILED OR ARE MISSING"
    lines = [
        "# convalg tour",
        "",
        f"**Verdict: {verdict}** (backend `{report.backend}`, {report.seconds:.1f} s).",
        "",
        "| step | status | seconds | summary |",
        "|---|---|---|---|",
    ]
    for r in report.results:
        lines.append(f"| {r.title} | {_STATUS_WORD[r.status]} | {r.seconds:.1f} | {_md_cell(r.summary)} |")
    for r in report.results:
        lines += ["", f"## {r.title}: {_STATUS_WORD[r.status]}", "", r.summary]
        for note in r.notes:
            lines += ["", note]
        for table in r.tables:
            lines.append("")
            if table.caption:
                lines += [f"*{table.caption}*", ""]
            lines.append("| " + " | ".join(map(_md_cell, table.columns)) + " |")
            lines.append("|" + "---|" * len(table.columns))
            lines += ["| " + " | ".join(map(_md_cell, row)) + " |" for row in table.rows]
        for figure in r.figures:
            lines += ["", f"![{figure.caption}]({_figure_file(r.key, figure)})", "", f"*{figure.caption}*"]
    lines += ["", "## Environment", "", "| | |", "|---|---|"]
    lines += [f"| {_md_cell(k)} | {_md_cell(v)} |" for k, v in report.environment.items()]
    return "\n".join(lines) + "\n"


def _html_note(note: str) -> str:
    fenced = re.fullmatch(r"```\w*\n(.*)\n```", note, flags=re.S)
    if fenced:
        return f"<pre>{html.escape(fenced.group(1))}</pre>"
    return "<p>" + re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(note)) + "</p>"


def _html_table(columns, rows, caption="") -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>" for row in rows
    )
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _html(report) -> str:
    status = "passed" if report.ok else "failed"
    verdict = "every step passed" if report.ok else "some steps failed or are missing"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>convalg tour: {html.escape(verdict)}</title><style>{_CSS}</style></head><body>",
        "<h1>convalg tour</h1>",
        f'<p class="verdict {status}">Verdict: {html.escape(verdict)}</p>',
        f"<p>Backend <code>{html.escape(report.backend)}</code>, {report.seconds:.1f} s.</p>",
        '<table><thead><tr><th>step</th><th>status</th><th>seconds</th><th>summary</th></tr></thead><tbody>',
    ]
    for r in report.results:
        parts.append(
            f'<tr><td><a href="#{_slug(r.key)}">{html.escape(r.title)}</a></td>'
            f'<td class="{r.status}">{_STATUS_WORD[r.status]}</td><td>{r.seconds:.1f}</td>'
            f"<td>{html.escape(r.summary)}</td></tr>"
        )
    parts.append("</tbody></table>")
    for r in report.results:
        parts.append(
            f'<section id="{_slug(r.key)}"><h2>{html.escape(r.title)}: '
            f'<span class="{r.status}">{_STATUS_WORD[r.status]}</span></h2>'
        )
        parts.append(f"<p>{html.escape(r.summary)}</p>")
        parts += [_html_note(note) for note in r.notes]
        parts += [_html_table(t.columns, t.rows, t.caption) for t in r.tables]
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


def write_report(report, out: Path) -> Path:
    """Write ``index.html``, ``report.md`` and ``figures/*.png`` into ``out``; return ``out``."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"out must be a folder; {str(out)!r} is a file")
    figures = out / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    for old in figures.glob("*.png"):  # a figure of an earlier run must not pass for this one's
        old.unlink()
    for result in report.results:
        for figure in result.figures:
            (out / _figure_file(result.key, figure)).write_bytes(figure.png)
    (out / "report.md").write_text(_markdown(report), encoding="utf-8")
    (out / "index.html").write_text(_html(report), encoding="utf-8")
    return out
