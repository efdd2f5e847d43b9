"""The steps of ``convalg tour``, one function per part of convalg, each through the part's public API."""

from __future__ import annotations

import io

from convalg.tour._model import Context, Figure, PartMissing, Step, StepResult, Table


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


def _not_wired(part: str) -> StepResult:
    raise PartMissing(f"this version of the tour does not call {part} yet")


def laws(context: Context) -> StepResult:
    """Prove the laws of convolution and refute the false ones (the symbolic layer)."""
    return _not_wired("convalg.symbolic")


def crosscheck(context: Context) -> StepResult:
    """Cross-check every backend and method against scipy.signal with the derived bounds."""
    return _not_wired("convalg.crosscheck")


def law_suite(context: Context) -> StepResult:
    """Run the law suite's quick profile on every backend and method."""
    return _not_wired("convalg.testing")


def verify(context: Context) -> StepResult:
    """Classify and check well-known convolutions with ``convalg.testing.verify``."""
    return _not_wired("convalg.testing.verify")


def learn(context: Context) -> StepResult:
    """Run the ERM demos: kernels recovered by gradient descent."""
    return _not_wired("convalg.nn.demos")


STEPS = [
    Step("backends", "Backends", ("convalg.backends",), backends, "issue 2"),
    Step("laws", "Laws: proved and refuted", ("convalg.symbolic",), laws, "issue 3, the symbolic layer"),
    Step(
        "crosscheck",
        "Cross-checks against scipy.signal",
        ("convalg.signal", "convalg.crosscheck"),
        crosscheck,
        "issue 2, the numeric core and its cross-checks",
    ),
    Step("law-suite", "Law suite, quick profile", ("convalg.signal", "convalg.testing"), law_suite, "issue 4"),
    Step("verify", "Well-known convolutions verified", ("convalg.testing",), verify, "issue 4, convalg verify"),
    Step("learn", "ERM demos", ("convalg.nn.demos",), learn, "issue 5, the ERM demos"),
]
