"""The steps of ``convalg tour``, one function per part of convalg, each through the part's public API."""

from __future__ import annotations

import io

from convalg.tour._model import Context, Figure, Step, StepResult, Table


def _png(fig) -> bytes:
    """The PNG bytes of a matplotlib figure, which is then closed."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # the tour runs headless; figures go to files
    import matplotlib.pyplot as plt

    return plt


def backends(context: Context) -> StepResult:
    """Which array libraries can compute here, and why any other cannot."""
    from convalg.backends import available

    statuses = available()
    rows = tuple((s.name, "yes" if s.usable else "no", s.detail) for s in statuses.values())
    usable = [s.name for s in statuses.values() if s.usable]
    chosen = statuses[context.backend]
    return StepResult(
        "backends",
        "Backends",
        "passed" if chosen.usable else "failed",
        f"{len(usable)} of {len(statuses)} backends usable here ({', '.join(usable)}); "
        f"the tour computes on {context.backend}.",
        tables=[Table(("backend", "usable", "detail"), rows)],
    )


def laws(context: Context) -> StepResult:
    """Prove the laws of convolution and refute the false ones (the symbolic layer)."""
    from convalg.symbolic import LAWS, prove_law

    runs = [(law, dims) for law in LAWS for dims in law.dims]
    rows, disagreements, verdicts = [], [], {}
    for done, (law, dims) in enumerate(runs):
        context.progress(done, len(runs), f"{law.operator} {law.name} ({dims}-D)")
        # The exhaustive certificate is a second, independent proof; the quick run keeps the first.
        verdict = prove_law(law.name, law.operator, dims, certify=not context.quick, numeric=True)
        verdicts[(law.operator, law.name, dims)] = verdict.status
        evidence = ""
        if verdict.status == "refuted" and verdict.counterexample is not None:
            evidence = f"counterexample: {_counterexample(verdict.counterexample)}"
        elif verdict.status == "unknown":
            evidence = verdict.reason
        elif verdict.proof is not None:
            evidence = f"{len(verdict.proof.steps)} sympy-checked steps"
        if verdict.status != law.expected:
            disagreements.append(f"{law.key} ({dims}-D): expected {law.expected}, got {verdict.status}")
        rows.append((law.operator, law.name, f"{dims}-D", law.text(dims) or law.summary, verdict.status, evidence))
    proved = sum(1 for r in rows if r[4] == "proved")
    refuted = sum(1 for r in rows if r[4] == "refuted")
    summary = (
        f"{proved} statements proved for sequences of arbitrary length and {refuted} false ones refuted with an "
        f"exact counterexample, out of {len(rows)}"
    )
    if disagreements:
        summary += f"; {len(disagreements)} verdicts differ from what convalg states"
    else:
        summary += ": every verdict is the one convalg states"
    expected = {(law.operator, law.name, dims): law.expected for law, dims in runs}
    return StepResult(
        "laws",
        "Laws: proved and refuted",
        "failed" if disagreements else "passed",
        summary + ".",
        tables=[Table(("operator", "law", "dims", "statement", "verdict", "evidence"), tuple(rows))],
        figures=[_verdict_grid(verdicts, expected)],
        notes=disagreements
        + ["Rerun alone: `convalg prove --all`; the proofs step by step: `convalg prove --all --format markdown`."],
        headline=_laws_headline(runs, verdicts),
    )


def _laws_headline(runs, verdicts: dict) -> list[str]:
    """What was proved, and what was refuted on purpose and why, in two lines."""

    def names(wanted: str) -> str:
        by_operator: dict[str, dict[str, str]] = {}  # a law once, though it is decided in 1-D and in 2-D
        for law, dims in runs:
            if law.expected == wanted and verdicts[(law.operator, law.name, dims)] == wanted:
                described = law.name if wanted == "proved" else f"{law.name} ({law.summary})"
                by_operator.setdefault(law.operator, {})[law.name] = described
        return "; ".join(f"{operator}: {', '.join(laws.values())}" for operator, laws in by_operator.items())

    return [
        f"Proved for sequences of every length, in 1-D and 2-D: {names('proved')}.",
        (
            "Refuted on purpose, each with an exact counterexample: false statements that the lecture notes or "
            "deep-learning habit suggest, listed so that the tour shows convalg refutes what is false (here a "
            f"refutation is the expected verdict, not a failure): {names('refuted')}."
        ),
    ]


def _counterexample(found) -> str:
    """The counterexample's sequences and scalars in a line (its repr is a screenful)."""
    sequences = getattr(found, "sequences", None)
    if not isinstance(sequences, dict):
        return str(found)
    scalars = getattr(found, "scalars", None) or {}
    return ", ".join(f"{name} = {value}" for name, value in {**sequences, **scalars}.items())


def _verdict_grid(verdicts: dict, expected: dict) -> Figure:
    import numpy as np

    plt = _pyplot()
    laws = sorted({(op, name) for op, name, _ in verdicts})
    grid = np.full((len(laws), 2), np.nan)
    for key, status in verdicts.items():
        op, name, dims = key
        # red is kept for a verdict convalg did not expect: a false statement refuted is a success
        if status == "unknown":
            category = 1
        elif status != expected[key]:
            category = 0
        else:
            category = 2 if status == "refuted" else 3
        grid[laws.index((op, name)), dims - 1] = category
    fig, ax = plt.subplots(figsize=(5.5, 0.28 * len(laws) + 1.2))
    from matplotlib.colors import ListedColormap

    light = ListedColormap(["#f4b6b6", "#fdf0b0", "#c6dbef", "#b7e4b0"])  # light cells: black text stays legible
    ax.imshow(grid, cmap=light, vmin=0, vmax=3, aspect="auto")
    for (op, name, dims), status in verdicts.items():
        ax.text(dims - 1, laws.index((op, name)), status, ha="center", va="center", fontsize=7)
    ax.set_xticks([0, 1], ["1-D", "2-D"])
    ax.set_yticks(range(len(laws)), [f"{op}: {name}" for op, name in laws], fontsize=7)
    ax.set_title(
        "green proved, blue refuted as expected (a false statement),\n"
        "yellow undecided, red a verdict convalg did not expect",
        fontsize=9,
    )
    return Figure(
        "verdicts", "Every named law in 1-D and 2-D: proved, or refuted on purpose because it is false", _png(fig)
    )


def crosscheck(context: Context) -> StepResult:
    """Cross-check every backend and method against scipy.signal with the derived bounds.

    The calls are the battery of ``convalg check`` (every dimension, mode, boundary and dtype
    family, :mod:`convalg.testing.battery`); each runs through :func:`convalg.crosscheck` on every usable backend.
    """
    import warnings

    import numpy as np

    from convalg.testing.battery import battery, run_case

    cases = battery(context.quick)
    rows: list[tuple] = []
    ratios: list[tuple[str, float]] = []
    failed: list[str] = []
    backends_seen: set[str] = set()
    for done, case in enumerate(cases):
        context.progress(done, len(cases), case.label)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)  # the battery feeds NaN and Inf on purpose
            check, error = run_case(case, None)
        if error is not None:
            rows.append((case.label, "-", "-", "-", f"ERROR {type(error).__name__}: {error}"))
            failed.append(f"{case.label}: crosscheck raised {type(error).__name__}: {error}")
            continue
        counted = [row for row in check.rows if row.counted]
        backends_seen.update(row.backend for row in counted)
        methods = sorted({row.chosen for row in counted if row.engine == "convalg"})
        rows.append(
            (
                case.label,
                ", ".join(methods) or "raises",
                str(len(counted)),
                f"{check.worst_ratio:.3g}",
                "ok" if check.ok else "FAILED",
            )
        )
        ratios.extend((_method_label(row.chosen), row.ratio) for row in counted if row.engine == "convalg")
        if not check.ok:
            failed.append(f"```\n{check}\n```")
    summary = (
        f"{len(cases) - len(failed)} of {len(cases)} calls within their error bounds on "
        f"{', '.join(sorted(backends_seen))}, every method, against scipy.signal and an exact "
        "(integer) or long-double reference"
    )
    return StepResult(
        "crosscheck",
        "Cross-checks against scipy.signal",
        "failed" if failed else "passed",
        summary + ".",
        tables=[Table(("call", "convalg methods", "rows", "worst deviation/bound", "status"), tuple(rows))],
        figures=[_ratio_figure(ratios)] if ratios else [],
        notes=failed + ["Rerun alone: `convalg check` (`--verbose` prints every row with the bound it applied)."],
    )


def _method_label(chosen: str) -> str:
    # crosscheck reports "-" for a call convalg rejects exactly as scipy does
    return "rejected, as by scipy" if chosen == "-" else chosen


def _ratio_figure(ratios: list[tuple[str, float]]) -> Figure:
    import numpy as np

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 3))
    methods = sorted({m for m, _ in ratios})
    floor = 1e-6  # exact results (ratio 0) are drawn at the floor
    for i, method in enumerate(methods):
        values = np.array([r for m, r in ratios if m == method])
        jitter = np.random.default_rng(i).uniform(-0.25, 0.25, values.size)
        ax.semilogy(i + jitter, np.maximum(values, floor), ".", alpha=0.6, label=method)
    ax.axhline(1.0, color="C3", lw=1, ls="--")
    ax.text(len(methods) - 0.5, 1.15, "bound", color="C3", ha="right", fontsize=8)
    ax.set_xticks(range(len(methods)), methods)
    ax.set_ylabel("deviation / bound")
    ax.set_title(f"every convalg result of the battery ({len(ratios)}), exact ones at {floor:g}", fontsize=9)
    return Figure("ratios", "Deviation over its rigorous bound for every convalg result (<= 1 holds)", _png(fig))


def law_suite(context: Context) -> StepResult:
    """Run the quick law suite (each registry law with a numeric check) on every usable backend and method."""
    from convalg.backends import available
    from convalg.laws import with_numeric_check
    from convalg.signal._plan import METHODS
    from convalg.tour import _law_suite

    usable = [name for name, status in available().items() if status.usable]
    laws = with_numeric_check()
    runs = [(law, backend, method) for law in laws for backend in usable for method in METHODS]
    examples = 6 if context.quick else 15
    results = []
    for done, (law, backend, method) in enumerate(runs):
        context.progress(done, len(runs), f"{law.key} ({backend}, {method})")
        results.append(_law_suite.run_law(law, backend, method, max_examples=examples))
    rows = []
    for law in laws:
        assert law.numeric is not None  # with_numeric_check() returns only these
        mine = [r for r in results if r.law == law.key]
        failed = [f"{r.backend}/{r.method}" for r in mine if r.failure]
        bounds = sorted(set().union(*(r.bounds for r in mine)))
        rows.append(
            (
                f"{law.key}: {law.numeric.compares}",
                str(sum(r.examples for r in mine)),
                "; ".join(bounds),
                "holds" if not failed else "FAILS on " + ", ".join(failed),
            )
        )
    failures = [r for r in results if r.failure]
    total = sum(r.examples for r in results)
    return StepResult(
        "law-suite",
        "Law suite, quick profile",
        "failed" if failures else "passed",
        f"{len(laws)} laws x {len(usable)} backends ({', '.join(usable)}) x "
        f"{len(METHODS)} methods, {total} hypothesis examples over int64, float32/64 and "
        f"complex64/128 in 1-3 dimensions: "
        + ("every law holds within its derived bound" if not failures else f"{len(failures)} runs failed"),
        tables=[Table(("law", "examples", "bounds applied", "verdict"), tuple(rows))],
        notes=[f"{r.law} on {r.backend} with method={r.method}:" for r in failures]
        + [f"```\n{r.failure[:2000]}\n```" for r in failures]
        + ["The project's full law suite: `pytest tests/laws` (HYPOTHESIS_PROFILE=thorough for many more examples)."],
    )


def _torch_conv1d(signal, kernel):
    """torch.nn.functional.conv1d on 1-D arrays: the few-line wrapper to its (N, C, L) tensors."""
    import torch

    x = torch.as_tensor(signal)[None, None]
    w = torch.as_tensor(kernel)[None, None]
    return torch.nn.functional.conv1d(x, w).numpy()[0, 0]


def _unpadded_fft_convolution(signal, kernel):
    """A classic bug: an FFT convolution padded to the signal's length only (circular aliasing)."""
    import numpy as np

    size = len(signal) + len(kernel) - 1
    n = max(len(signal), len(kernel))
    full = np.fft.ifft(np.fft.fft(signal, n) * np.fft.fft(kernel, n))
    out = full if np.iscomplexobj(signal) or np.iscomplexobj(kernel) else full.real
    return np.concatenate([out, np.zeros(size - n, out.dtype)])


def _well_known() -> list[tuple[str, object, dict, bool]]:
    """(name, function, what it is meant to compute, whether verify must find it consistent)."""
    import importlib.util

    import numpy as np
    import scipy.ndimage
    import scipy.signal

    # each stated in one word: the library's whole contract (window, boundary, NaN, integer and precision rules)
    cases = [
        ("numpy.convolve", np.convolve, {"like": "numpy.convolve"}, True),
        ("numpy.correlate", np.correlate, {"like": "numpy.correlate"}, True),
        ("scipy.signal.convolve", scipy.signal.convolve, {"like": "scipy.signal.convolve"}, True),
        ("scipy.signal.correlate", scipy.signal.correlate, {"like": "scipy.signal.correlate"}, True),
        ("scipy.signal.fftconvolve", scipy.signal.fftconvolve, {"like": "scipy.signal.fftconvolve"}, True),
        ("scipy.ndimage.convolve1d", scipy.ndimage.convolve1d, {"like": "scipy.ndimage.convolve1d"}, True),
    ]
    if importlib.util.find_spec("torch") is not None:
        cases.append(("torch.nn.functional.conv1d", _torch_conv1d, {"like": "torch.conv1d"}, True))
    cases.append(
        (
            "FFT convolution without zero padding (a planted bug)",
            _unpadded_fft_convolution,
            {"expect": "convolution", "mode": "full"},
            False,
        )
    )
    return cases


def verify(context: Context) -> StepResult:
    """Classify and check well-known convolutions with ``convalg.testing.verify``."""
    from convalg.testing import verify as verify_function

    cases = _well_known()
    rows, wrong = [], []
    for done, (name, fn, meant, must_be_consistent) in enumerate(cases):
        context.progress(done, len(cases), name)
        report = verify_function(fn, max_examples=10 if context.quick else 30, name=name, **meant)
        convention = report.convention.describe() if report.convention is not None else "none detected"
        first = str(report.violations[0]).splitlines()[0] if report.violations else ""
        verdict = "consistent" if report.consistent else f"{len(report.violations)} violation(s): {first}"
        rows.append((name, convention, verdict))
        if report.consistent != must_be_consistent:
            wrong.append(
                f"{name}: verify found it {'consistent' if report.consistent else 'inconsistent'}, "
                f"expected {'consistent' if must_be_consistent else 'a violation'}"
            )
    return StepResult(
        "verify",
        "Well-known convolutions verified",
        "failed" if wrong else "passed",
        f"{sum(1 for c in cases if c[3])} well-known implementations classified and found consistent with their "
        f"documented convention; the planted bug was caught"
        if not wrong
        else "; ".join(wrong),
        tables=[Table(("function", "detected convention", "verdict"), tuple(rows))],
        notes=wrong
        + ["Verify your own: `convalg verify package.module:function --like numpy.convolve [--mode same]`."],
        headline=[]
        if wrong
        else [
            f"Caught on purpose: {name}, a bug planted so that the tour shows verify finds violations."
            for name, _, _, must_be_consistent in cases
            if not must_be_consistent
        ],
    )


#: Demos whose promise is made for the full run only; a quick run reports, but does not hold them to it.
FULL_RUN_PROMISES = {"digits": "the >= 97% test accuracy promise is for the full 25-epoch run"}


def learn(context: Context) -> StepResult:
    """Run the ERM demos: kernels recovered by gradient descent, a small CNN, parameter counts."""
    from convalg.nn import demos

    rows, figures, problems, caveats = [], [], [], []
    names = list(demos.DEMOS)
    for done, demo in enumerate(names):
        context.progress(done, len(names), demo)
        out = context.workdir / demo
        report = demos.run(demo, out, backend=context.backend, quick=context.quick)
        holds = report.get("holds")
        if holds is True:
            verdict = "holds"
        elif context.quick and demo in FULL_RUN_PROMISES:
            verdict = f"quick run: {FULL_RUN_PROMISES[demo]}"
            caveats.append(f"{demo}: {verdict}; run `convalg tour` without --quick to check it")
        else:
            verdict = "FAILED"
            problems.append(f"{demo}: its promises do not hold (report['holds'] = {holds!r})")
        rows.append(
            (
                demo,
                demos.DEMOS[demo],
                verdict,
                f"{report.get('seconds', float('nan')):.1f}",
                _demo_figures_of_note(report),
            )
        )
        for png in sorted(out.glob("*.png")):
            caption = f"{demo}: {png.stem.replace('_', ' ')}" + _FIGURE_NOTES.get((demo, png.stem), "")
            figures.append(Figure(f"{demo}-{png.stem}", caption, png.read_bytes()))
    kept = "every promise holds" if not problems else "; ".join(problems)
    return StepResult(
        "learn",
        "ERM demos",
        "failed" if problems else "passed",
        f"{len(rows)} demos run on {context.backend}: {kept}" + (" (quick run)" if context.quick else "") + ".",
        tables=[Table(("demo", "what it shows", "verdict", "seconds", "figures of note"), tuple(rows))],
        figures=figures,
        notes=problems + caveats + ["Rerun one demo: `convalg learn edges|channels|digits|params --out DIR`."],
    )


_MOMENTUM = (
    ". The kernels are fitted by gradient descent with heavy-ball momentum (Polyak's step size and momentum, "
    "computed from the curvature of the loss), so the first steps overshoot: the loss may rise by orders of "
    "magnitude before it falls fast to the noise floor. The rise is the momentum at work, not a divergence."
)
#: What a reader needs to know to read a demo's figure (demo, file stem) -> caption suffix.
_FIGURE_NOTES = {("edges", "loss"): _MOMENTUM, ("channels", "loss"): _MOMENTUM}


def _demo_figures_of_note(report: dict) -> str:
    keys = (
        "test_accuracy",
        "conv_parameters",
        "dense_parameters",
        "max_deviation",
        "max_abs_learned_vs_least_squares",
        "max_abs_learned_without_noise_vs_true",
    )
    found = [
        f"{k} = {report[k]:.4g}" if isinstance(report[k], float) else f"{k} = {report[k]}" for k in keys if k in report
    ]
    if "kernels" in report:
        worst = max(k["max_abs_learned_vs_least_squares"] for k in report["kernels"].values())
        found.append(f"max |learned - least squares| = {worst:.2e} over {len(report['kernels'])} kernels")
    return "; ".join(found)


STEPS = [
    Step("backends", "Backends", ("convalg.backends",), backends, "issue 2"),
    Step("laws", "Laws: proved and refuted", ("convalg.symbolic",), laws, "issue 3, the symbolic layer"),
    Step(
        "crosscheck",
        "Cross-checks against scipy.signal",
        ("convalg.signal", "convalg.testing.battery"),
        crosscheck,
        "issue 2, the numeric core and its cross-checks",
    ),
    Step("law-suite", "Law suite, quick profile", ("convalg.signal", "convalg.testing"), law_suite, "issue 4"),
    Step("verify", "Well-known convolutions verified", ("convalg.testing",), verify, "issue 4, convalg verify"),
    Step("learn", "ERM demos", ("convalg.nn.demos",), learn, "issue 5, the ERM demos"),
]
