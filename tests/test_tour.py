"""``convalg tour``: every step runs through its part's public API, and the report stands alone."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from convalg.backends import available
from convalg.cli import main
from convalg.tour import STEPS, Step, StepResult, Table, _module_exists, run_tour

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def quick_tour(tmp_path_factory):
    out = tmp_path_factory.mktemp("tour") / "report"
    return run_tour(out, quick=True)


def test_every_step_passes_unless_its_part_is_not_installed(quick_tour):
    assert [r.key for r in quick_tour.results] == [step.key for step in STEPS]
    for step, result in zip(STEPS, quick_tour.results):
        part_installed = all(_module_exists(name) for name in step.requires)
        if part_installed:
            assert result.status == "passed", f"{step.key}: {result.summary}\n" + "\n".join(result.notes)
        else:
            assert result.status == "missing" and "MISSING" in result.summary


def test_the_tour_fails_while_any_part_is_missing(quick_tour):
    missing = [r.key for r in quick_tour.results if r.status == "missing"]
    assert quick_tour.ok == (not missing)
    assert quick_tour.exit_status == (1 if missing else 0)


class _Resources(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value is not None:
                self.urls.append(value)
            if name == "id":
                self.ids.add(value)


def test_index_html_is_self_contained_with_every_figure_inline(quick_tour):
    html = (quick_tour.out / "index.html").read_text()
    parser = _Resources()
    parser.feed(html)
    figures = [f for r in quick_tour.results for f in r.figures]
    inline = [u for u in parser.urls if u.startswith("data:image/png;base64,")]
    anchors = [u for u in parser.urls if u.startswith("#")]
    assert len(inline) == len(figures)
    assert sorted(inline + anchors) == sorted(parser.urls), "index.html refers to a file or the network"
    assert all(a[1:] in parser.ids for a in anchors)
    assert "<link" not in html and "<script" not in html


def test_report_md_and_the_figure_files_show_every_figure(quick_tour):
    markdown = (quick_tour.out / "report.md").read_text()
    linked = re.findall(r"!\[[^\]]*\]\((figures/[^)]+\.png)\)", markdown)
    assert len(linked) == sum(len(r.figures) for r in quick_tour.results)
    for path in linked:
        assert (quick_tour.out / path).read_bytes().startswith(PNG_MAGIC)
    assert sorted(p.name for p in (quick_tour.out / "figures").glob("*.png")) == sorted(
        p.split("/")[-1] for p in linked
    )
    for result in quick_tour.results:
        assert result.summary in markdown


def test_a_step_that_raises_fails_the_tour_with_its_error(monkeypatch, tmp_path):
    def broken(context):
        raise ZeroDivisionError("a part broke")

    monkeypatch.setattr("convalg.tour._steps.STEPS", [Step("broken", "Broken", (), broken, "none")])
    report = run_tour(tmp_path / "out")
    (result,) = report.results
    assert result.status == "failed" and "ZeroDivisionError: a part broke" in result.summary
    assert report.exit_status == 1
    assert "FAILED" in (tmp_path / "out" / "report.md").read_text()


def test_a_step_whose_part_is_not_installed_is_reported_missing(monkeypatch):
    def never(context):
        raise AssertionError("must not run without its part")

    step = Step("absent", "Absent", ("convalg.no_such_part",), never, "issue 99")
    monkeypatch.setattr("convalg.tour._steps.STEPS", [step])
    (result,) = run_tour(None).results
    assert result.status == "missing"
    assert "convalg.no_such_part is not installed (issue 99)" in result.summary


def test_cli_runs_the_chosen_steps_and_returns_the_exit_status(tmp_path, capsys):
    assert main(["tour", "--quick", "--step", "backends", "--out", str(tmp_path / "r")]) == 0
    assert "every step passed" in capsys.readouterr().out
    assert (tmp_path / "r" / "index.html").exists()


def test_an_unknown_step_or_backend_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match=r"steps must be among .*got \['nope'\]"):
        run_tour(None, steps=["nope"])
    with pytest.raises(ValueError, match=r"backend must be (None or )?one of .*got 'jax'"):
        run_tour(None, backend="jax")
    with pytest.raises(SystemExit) as exit_:
        main(["tour", "--backend", "jax"])
    assert exit_.value.code == 2


def test_the_out_folder_must_not_be_a_file_and_is_checked_before_any_step_runs(monkeypatch, tmp_path):
    def never(context):
        raise AssertionError("a step ran before the report folder was checked")

    monkeypatch.setattr("convalg.tour._steps.STEPS", [Step("never", "Never", (), never, "none")])
    clash = tmp_path / "report"
    clash.write_text("not a folder")
    with pytest.raises(ValueError, match="out must be a folder"):
        run_tour(clash)
    with pytest.raises(ValueError, match="cannot create the report folder"):
        run_tour(clash / "inside")


_CUPY = available()["cupy"]


def test_a_backend_that_is_not_usable_is_refused_with_its_reason():
    if _CUPY.usable:
        pytest.skip("cupy is usable here; the GPU tour below runs instead")
    from convalg.backends import BackendUnavailableError

    with pytest.raises(BackendUnavailableError, match="backend 'cupy' is not usable here: cupy"):
        run_tour(None, backend="cupy")


@pytest.mark.gpu
@pytest.mark.skipif(not _CUPY.usable, reason=_CUPY.detail)
def test_the_tour_runs_on_the_gpu(tmp_path):
    report = run_tour(tmp_path, backend="cupy", quick=True)
    assert report.backend == "cupy"
    assert all(r.status in ("passed", "missing") for r in report.results), [r.summary for r in report.results]


def test_the_law_suite_catches_a_convolution_that_is_off_by_more_than_its_bound(monkeypatch):
    from convalg.laws import find, numeric
    from convalg.tour import _law_suite

    honest = numeric.computer

    def off_by_a_little(backend, method):
        compute = honest(backend, method)

        def computed(function, a, b, **options):
            result, executed = compute(function, a, b, **options)
            if function == "convolve" and a.size >= b.size:  # one side of commutativity only
                result = result + (1 if result.dtype.kind in "iu" else 1e-3 * (1 + abs(result)))
            return result, executed

        return computed

    law = find("commutativity")
    holds = _law_suite.run_law(law, "numpy", "direct", max_examples=5)
    assert holds.failure == "" and holds.examples == 5
    monkeypatch.setattr(numeric, "computer", off_by_a_little)
    broken = _law_suite.run_law(law, "numpy", "direct", max_examples=5)
    assert (
        "AssertionError" in broken.failure
        and "convolution/commutativity, backend=numpy, method=direct" in broken.failure
    )


def test_the_cli_names_the_extra_to_install_when_a_tour_dependency_is_missing(monkeypatch, capsys):
    monkeypatch.setitem(__import__("convalg.cli._tour").cli._tour._TOUR_EXTRA, "no_such_module", "no-such-package")
    assert main(["tour", "--step", "backends"]) == 2
    assert "convalg tour: error: needs no-such-package: pip install 'convalg[tour]'" in capsys.readouterr().err


def test_every_step_gets_the_backend_and_size_asked_for(monkeypatch):
    # The path a GPU run (--backend cupy) takes, on a backend that exists everywhere.
    seen = []

    def record(context):
        seen.append((context.backend, context.quick, context.workdir.is_dir()))
        return StepResult("record", "Record", "passed", "recorded")

    monkeypatch.setattr("convalg.tour._steps.STEPS", [Step("record", "Record", (), record, "none")])
    assert run_tour(None, backend="array_api_strict", quick=True).ok
    assert seen == [("array_api_strict", True, True)]


def _report(*results):
    from convalg.tour import TourReport

    return TourReport(list(results), "numpy", {"python": "3"}, 1.0)


_LONG = Table(("case", "status"), tuple((f"call {i}", "ok") for i in range(40)))


def test_the_report_leads_with_the_verdict_then_what_failed_then_what_each_step_found(tmp_path):
    from convalg.tour._report import write_report

    passed = StepResult(
        "laws",
        "Laws",
        "passed",
        "every verdict is the one convalg states.",
        tables=[_LONG],
        headline=["Refuted on purpose: correlation commutativity."],
    )
    failed = StepResult(
        "crosscheck",
        "Cross-checks",
        "failed",
        "1 of 40 calls outside its bound.",
        notes=["call 7: deviation 3 x bound"],
        tables=[_LONG],
    )
    out = write_report(_report(passed, failed), tmp_path / "r")
    for text in ((out / "index.html").read_text(), (out / "report.md").read_text()):
        verdict = text.index("FAILED: 1 of 2 steps did not pass: Cross-checks (FAILED)")
        what_failed = text.index("What failed")
        found = text.index("What the tour found")
        first_table = text.index("call 0")
        assert verdict < what_failed < text.index("call 7: deviation 3 x bound") < found < first_table
        assert text.index("Refuted on purpose: correlation commutativity.") < first_table
        assert text.count("<details>") == 2  # both 40-row tables are folded
    write_report(_report(passed), tmp_path / "ok")
    html = (tmp_path / "ok" / "index.html").read_text()
    assert "What failed" not in html and "passed: all 1 steps found what convalg expects" in html


def test_the_laws_step_says_what_was_refuted_on_purpose_and_why(quick_tour):
    from convalg.symbolic import LAWS
    from convalg.tour._steps import _laws_headline

    runs = [(law, dims) for law in LAWS for dims in law.dims]
    proved, refuted = _laws_headline(runs, {(law.operator, law.name, dims): law.expected for law, dims in runs})
    assert proved.startswith("Proved for sequences of every length")
    assert "Refuted on purpose" in refuted and "not a failure" in refuted
    for law in LAWS:
        if law.expected == "refuted":  # once, with what it states, though decided in 1-D and 2-D
            assert refuted.count(f"{law.name} ({law.summary})") == 1, law.key
        else:
            assert law.name in proved, law.key
    laws = next(r for r in quick_tour.results if r.key == "laws")
    if laws.status != "missing":
        assert laws.headline and "every verdict is the one convalg states" in laws.summary


def test_the_loss_curves_of_the_demos_say_why_they_rise_first(quick_tour):
    learn = next(r for r in quick_tour.results if r.key == "learn")
    if learn.status == "missing":
        pytest.skip("the demos are not installed")
    captions = {figure.name: figure.caption for figure in learn.figures}
    for demo in ("edges", "channels"):
        assert "heavy-ball momentum" in captions[f"{demo}-loss"] and "not a divergence" in captions[f"{demo}-loss"]


def _contrast(first, second) -> float:
    from convalg.nn.demos._common import _relative_luminance

    light, dark = sorted((_relative_luminance(first), _relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_kernel_cell_numbers_are_readable_on_every_cell_colour():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.colors import to_rgb

    from convalg.nn.demos._common import show_kernel

    kernel = np.linspace(-1, 1, 41).reshape(1, -1)  # every shade of the colour map, dark red to dark blue
    fig, ax = plt.subplots()
    show_kernel(ax, kernel, "all shades")
    image = ax.images[0]
    colours = [to_rgb(text.get_color()) for text in ax.texts]  # one number per cell, in the kernel's order
    plt.close(fig)
    assert len(colours) == kernel.size
    for value, colour in zip(kernel.ravel(), colours):
        cell = image.cmap(image.norm(value))[:3]
        assert _contrast(cell, colour) >= 4.5, value  # WCAG AA for normal text
    assert colours[0] == colours[-1] == (1.0, 1.0, 1.0)  # white on the darkest cells
    assert colours[20] == (0.0, 0.0, 0.0)  # black on the white cell of 0
