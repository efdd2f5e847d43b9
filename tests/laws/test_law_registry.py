"""One law registry: every reader (prover, this law suite, the tour) reads every entry it can check.

The prover's verdict on every entry is checked by the symbolic battery
(tests/symbolic/test_laws.py, over the same ``LAWS``); here each law with a numeric check is
also decided by the prover (the verdict its entry states) and run by the tour's law suite on
random data, and the entries themselves are checked for what their readers rely on.
"""

from __future__ import annotations

import pytest

import convalg.laws
import convalg.symbolic
import convalg.symbolic.laws
from convalg.laws import LAWS, with_numeric_check
from convalg.symbolic import prove_law

NUMERIC = with_numeric_check()


def test_the_prover_and_its_old_module_read_the_one_registry():
    assert convalg.symbolic.LAWS is convalg.symbolic.laws.LAWS is convalg.laws.LAWS
    assert convalg.symbolic.OPERATORS == convalg.laws.OPERATORS


def test_every_entry_is_unique_and_says_what_its_readers_need():
    keys = [law.key for law in LAWS]
    assert len(keys) == len(set(keys))
    for law in LAWS:
        assert law.expected in ("proved", "refuted"), law.key
        assert (law.statement is None) == (law.prover is not None), f"{law.key}: a statement or a prover, not both"
        assert law.expected != "refuted" or law.reason, f"{law.key}: a refuted law says why it is false"
        assert law.numeric is None or law.expected == "proved", f"{law.key}: a numeric check of a false law"
        assert law.control is None or law.recipe is not None or law.key == "circular/identity", law.key


def test_the_numeric_checks_cover_every_law_the_tour_and_the_suite_checked_before_the_registry():
    assert {law.key for law in NUMERIC} >= {
        "convolution/full-window",  # the tour's 'agreement with the exact oracle'
        "convolution/commutativity",
        "convolution/associativity",
        "convolution/left-distributivity",
        "convolution/homogeneity",
        "convolution/identity",
        "convolution/translation-equivariance",
        "convolution/convolution-is-flipped-correlation",
        "correlation/correlation-is-flipped-convolution",
    }


@pytest.mark.parametrize("law", NUMERIC, ids=lambda law: law.key)
def test_the_prover_gives_every_numerically_checked_law_its_stated_verdict(law):
    verdict = prove_law(law.name, law.operator, 1, certify=False, numeric=False)
    assert verdict.status == law.expected, verdict.reason


@pytest.mark.parametrize("method", ["direct", "fft", "oa", "auto"])
@pytest.mark.parametrize("law", NUMERIC, ids=lambda law: law.key)
def test_the_tour_runs_every_numeric_check_on_random_data(law, method):
    from convalg.tour._law_suite import run_law

    run = run_law(law, "numpy", method, max_examples=4)
    assert run.failure == "" and run.examples == 4
    assert run.bounds, "the run names the bounds it applied"


def test_the_renamed_attributes_still_answer_with_a_deprecation_warning():
    from convalg.symbolic import extra
    from convalg.symbolic.verdict import Verdict

    law = convalg.laws.find("toeplitz")
    assert law.prover is extra.toeplitz
    with pytest.warns(DeprecationWarning, match="Law.prover"):
        assert law.custom == "toeplitz"
    verdict = Verdict("f*g == g*f", 1, "refuted")
    with pytest.warns(DeprecationWarning, match="exit_status"):
        assert verdict.exit_code == verdict.exit_status == 1
