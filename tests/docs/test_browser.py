"""The built site in a real headless browser: every page loads, no broken links or images.

Debian's chromium runs headless, driven over the DevTools protocol on a pipe (the
``chromium`` fixture of conftest.py); the site is served on 127.0.0.1 by a server this test
starts and stops. Every page is opened; its images must have decoded, the browser must
report no error (a missing stylesheet, script or image, a console error, an uncaught
exception), and every link to the site itself must lead to a page that
exists, and to an element that exists when it names a fragment. Links that leave the site
are not fetched (CI has no network) but must be well-formed https URLs.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass

    def handle(self):
        # A browser that moves on to the next page drops the loads it no longer needs.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            super().handle()


@pytest.fixture(scope="module")
def served_site(html_site):
    """The built site on http://127.0.0.1:PORT/, for the duration of this module."""
    assert html_site.returncode == 0, html_site.log
    handler = functools.partial(_QuietHandler, directory=str(html_site.out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield html_site.out, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


_PAGE_FACTS = """
({
  title: document.title,
  ready: document.readyState,
  ids: Array.from(document.querySelectorAll('[id]'), e => e.id),
  links: Array.from(document.querySelectorAll('a[href]'), a => a.href),
  images: Array.from(document.images, i => ({src: i.currentSrc || i.src,
                                             ok: i.complete && i.naturalWidth > 0})),
  resources: Array.from(document.querySelectorAll('link[href][rel~="stylesheet"], script[src]'),
                        e => e.href || e.src),
})
"""


def _fetch_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_every_page_loads_without_errors_and_no_link_or_image_is_broken(served_site, chromium):
    root, base = served_site
    # _static/ holds the theme's template fragments, which are not pages of the site.
    pages = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.html") if "_static" not in p.parts)
    assert "index.html" in pages and len(pages) >= 10
    problems: list[str] = []
    ids: dict[str, set[str]] = {}
    links: set[tuple[str, str]] = set()
    resources: set[tuple[str, str]] = set()
    for page in pages:
        facts, errors = chromium.open(base + page, _PAGE_FACTS)
        if facts["ready"] != "complete" or not facts["title"].strip():
            problems.append(f"{page}: did not load (readyState {facts['ready']!r}, title {facts['title']!r})")
        problems += [f"{page}: image did not load: {image['src']}" for image in facts["images"] if not image["ok"]]
        problems += [f"{page}: browser error: {error}" for error in errors]
        ids[page] = set(facts["ids"])
        links.update((page, link) for link in facts["links"])
        resources.update((page, url) for url in facts["resources"])

    statuses: dict[str, int] = {}
    for page, url in sorted(links | resources):
        parsed = urllib.parse.urlsplit(url)
        if not url.startswith(base):
            if parsed.scheme not in ("https", "mailto") or (parsed.scheme == "https" and not parsed.netloc):
                problems.append(f"{page}: link leaving the site is not a well-formed https URL: {url}")
            continue
        target = urllib.parse.unquote(parsed.path[len(urllib.parse.urlsplit(base).path) :])
        if target == "" or target.endswith("/"):
            target += "index.html"
        address = base + urllib.parse.quote(target)
        if address not in statuses:
            statuses[address] = _fetch_status(address)
        if statuses[address] != 200:
            problems.append(f"{page}: broken link {url} (HTTP {statuses[address]})")
        elif parsed.fragment and target in ids and parsed.fragment not in ids[target]:
            problems.append(f"{page}: link {url} names a fragment that {target} does not have")
    assert not problems, "\n".join(problems)
    assert len(statuses) >= len(pages)  # the link check saw the site, not just one page


def test_the_tour_report_opens_in_the_browser_with_its_figures_inline(chromium, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from convalg.tour import Figure, StepResult, Table, TourReport
    from convalg.tour._report import write_report

    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    png = tmp_path / "figure.png"
    fig.savefig(png)
    plt.close(fig)
    result = StepResult(
        "demo", "Demo", "passed", "a step with a table and a figure",
        tables=[Table(("a", "b"), (("1", "2"),))],
        figures=[Figure("line", "a line", png.read_bytes())],
    )  # fmt: skip
    out = write_report(TourReport([result], "numpy", {"python": "3"}, 1.0), tmp_path / "report")
    (out / "figures").rename(tmp_path / "moved")  # index.html must not need the PNG files
    facts, errors = chromium.open((out / "index.html").as_uri(), _PAGE_FACTS)
    assert facts["ready"] == "complete" and "convalg tour" in facts["title"]
    assert len(facts["images"]) == 1 and all(image["ok"] for image in facts["images"]), facts["images"]
    assert not errors, errors


def test_the_browser_check_sees_a_missing_image_and_a_script_error(chromium, tmp_path):
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html><head><title>broken</title></head><body>"
        '<img src="no-such-figure.png"><script>console.error("boom")</script></body></html>'
    )
    facts, errors = chromium.open(page.as_uri(), _PAGE_FACTS)
    assert [image["ok"] for image in facts["images"]] == [False]
    assert any("no-such-figure.png" in e for e in errors) and any("boom" in e for e in errors), errors


_FAILURE_FACTS = """
(() => {
  const box = document.getElementById('what-failed');
  const sections = Array.from(document.querySelectorAll('body > section[id]'), s => s.id);
  const folded = Array.from(document.querySelectorAll('details table'),
                             t => ({open: t.closest('details').open, visible: t.checkVisibility()}));
  const text = document.body.innerText;
  return {
    verdict: document.getElementById('verdict').innerText,
    box: box ? {top: box.getBoundingClientRect().top, text: box.innerText} : null,
    viewport: window.innerHeight,
    sections: sections,
    folded: folded,
    failureAt: text.indexOf('deviation 7.5 x bound'),
    firstPassingDetailAt: text.indexOf('Laws: passed'),
    foldedRowShown: text.includes('call 100'),
  };
})()
"""


def test_a_failing_tour_report_shows_the_failure_first_in_the_browser(chromium, tmp_path):
    from convalg.tour import StepResult, Table, TourReport
    from convalg.tour._report import write_report

    long = Table(("case", "status"), tuple((f"call {i}", "ok") for i in range(164)))
    passed = StepResult(
        "laws",
        "Laws",
        "passed",
        "every verdict is the one convalg states.",
        tables=[long],
        headline=["Refuted on purpose: correlation commutativity."],
    )
    failed = StepResult(
        "crosscheck",
        "Cross-checks",
        "failed",
        "163 of 164 calls within their error bounds.",
        notes=["```\n2-D convolve2d 20x17 x 3x3 same fill: deviation 7.5 x bound\n```"],
        tables=[long],
    )
    out = write_report(TourReport([passed, failed], "numpy", {"python": "3"}, 1.0), tmp_path / "report")
    facts, errors = chromium.open((out / "index.html").as_uri(), _FAILURE_FACTS)
    assert not errors, errors
    assert facts["verdict"].startswith("Verdict: FAILED: 1 of 2 steps did not pass: Cross-checks")
    assert facts["box"] is not None and "Cross-checks" in facts["box"]["text"]
    assert "deviation 7.5 x bound" in facts["box"]["text"]
    assert 0 <= facts["box"]["top"] < facts["viewport"], facts  # seen without scrolling
    assert facts["sections"][0] == "what-failed", facts["sections"]
    assert 0 <= facts["failureAt"] < facts["firstPassingDetailAt"], facts
    # the 164-row tables stay folded until opened: not shown, not in the page's visible text
    assert facts["folded"] == [{"open": False, "visible": False}] * 2, facts["folded"]
    assert not facts["foldedRowShown"]
