"""verify_layer on the catalogue: every buggy layer caught and its bug named, no false alarm on a correct one."""

from __future__ import annotations

import layer_catalogue as catalogue
import pytest

from convalg.testing import verify_layer
from convalg.testing._layer_laws import BACKWARD_BUGS, FORWARD_BUGS


def _run(fixture):
    if fixture.torch:
        pytest.importorskip("torch", reason="torch is an optional oracle (pip install 'convalg[torch]')")
    # half the default budget keeps the suite fast (the benchmark runs the default); a generous time limit
    # keeps a slow correct layer (Python loops) on a loaded machine from timing out
    options = {"max_examples": 48, "timeout": 60.0, **fixture.options}
    layer = options.pop("layer", "conv2d")
    return verify_layer(fixture.fn, layer, **options)


def _params(fixtures):
    return [pytest.param(f, id=f.name, marks=[pytest.mark.torch] if f.torch else []) for f in fixtures]


@pytest.mark.parametrize("fixture", _params(catalogue.CORRECT))
def test_a_correct_layer_is_consistent(fixture):
    report = _run(fixture)
    assert report.status == "consistent", str(report)
    assert report.exit_status == 0
    assert any("exact reference" in check and "agreed" in check for check in report.checks), str(report)


@pytest.mark.parametrize("fixture", _params(catalogue.BUGGY))
def test_a_buggy_layer_is_caught_and_its_bug_named(fixture):
    report = _run(fixture)
    assert report.status == "violation", str(report)
    assert report.exit_status == 1
    text = str(report)
    assert fixture.named in text, text
    for violation in report.violations:
        assert violation.confirmed.startswith("confirmed"), str(violation)
        assert violation.snippet, str(violation)
    # a bug model is named only when it explains the output: no other model may be named beside it
    models = [words for words, _ in FORWARD_BUGS + BACKWARD_BUGS] + ["it computes in float32"]
    if fixture.named and any(fixture.named in words for words in models):
        named = [line for line in text.splitlines() if "it computes this:" in line]
        assert named and all(fixture.named in line for line in named), text
