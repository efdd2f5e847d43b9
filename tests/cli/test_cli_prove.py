"""``convalg prove``: exit codes 0 proved, 1 refuted, 3 undecided, 2 malformed (with the position)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from convalg.cli import main


def test_a_proved_statement_exits_0_and_prints_its_steps(capsys):
    assert main(["prove", "f*g == g*f", "--no-certificate"]) == 0
    out = capsys.readouterr().out
    assert "PROVED" in out and "change of index" in out


def test_a_named_law_for_an_operator_is_refuted_with_exit_1(capsys):
    assert main(["prove", "commutativity", "--operator", "correlation", "--no-certificate"]) == 1
    assert "REFUTED" in capsys.readouterr().out


def test_two_dimensional_laws_by_name(capsys):
    assert main(["prove", "associativity", "--dims", "2", "--no-certificate"]) == 0
    assert "(2-D)" in capsys.readouterr().out


def test_a_malformed_statement_exits_2_with_the_position(capsys):
    assert main(["prove", "f * == g"]) == 2
    err = capsys.readouterr().err
    assert "at position 4" in err and "^" in err


def test_an_undecided_statement_exits_3(capsys):
    assert (
        main(["prove", "dft(shift(f, 1), N) == hadamard(dft(f, N), dft(shift(delta, 1), N))", "--no-certificate"]) == 3
    )
    assert "UNKNOWN" in capsys.readouterr().out


def test_one_refuted_statement_among_proved_ones_exits_1(capsys):
    assert main(["prove", "f*g == g*f", "f*(g+h) == (f*g)+(f*g)", "--no-certificate"]) == 1


def test_formats_markdown_and_latex(capsys):
    assert main(["prove", "identity", "--format", "markdown", "--no-certificate"]) == 0
    assert "$$" in capsys.readouterr().out
    assert main(["prove", "identity", "--format", "latex", "--no-certificate"]) == 0
    assert r"\begin{align*}" in capsys.readouterr().out


def test_no_statement_is_a_usage_error(capsys):
    assert main(["prove"]) == 2


def test_the_installed_command_runs_and_importing_convalg_does_not_load_sympy():
    done = subprocess.run(
        [sys.executable, "-m", "convalg", "prove", "f*delta == f", "--no-certificate"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    light = subprocess.run(
        [sys.executable, "-c", "import sys, convalg; print('sympy' in sys.modules)"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert light.stdout.strip() == "False"


def test_list_names_every_law_with_its_expected_verdict(capsys):
    from convalg.symbolic.laws import LAWS

    assert main(["prove", "--list"]) == 0
    out = capsys.readouterr().out
    assert len(out.splitlines()) == len(LAWS)
    assert "correlation  commutativity" in out


def test_prove_law_rejects_a_dimension_it_does_not_state():
    import pytest

    from convalg.symbolic import prove_law

    with pytest.raises(ValueError, match="stated for dims \\(1, 2\\), got dims=3"):
        prove_law("commutativity", dims=3)


def test_a_misspelled_law_gets_the_nearest_names_and_the_list_hint(capsys):
    assert main(["prove", "comutativity"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "no law named 'comutativity'; did you mean commutativity" in err and "convalg prove --list" in err


def test_a_law_of_another_operator_names_the_operator_to_use(capsys):
    assert main(["prove", "right-identity"]) == 2
    assert "it is for correlation (add --operator correlation)" in capsys.readouterr().err
    assert main(["prove", "right-identity", "--operator", "correlation", "--no-certificate"]) == 0


def test_operator_with_an_explicit_statement_is_refused_not_ignored(capsys):
    assert main(["prove", "f*g == g*f", "--operator", "correlation"]) == 2
    assert "--operator names the operator of a law name" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["--dims", "3", "f == f"],
        ["--format", "pdf", "f == f"],
        ["--bogus", "f == f"],
        ["--all", "--list"],
        ["--notes", "f == f"],
        ["--all", "--operator", "circular"],
        ["--timeout", "0", "f == f"],
    ],
)
def test_every_bad_argument_exits_2_with_one_error_line_after_at_most_the_usage(argv, capsys):
    try:
        code = main(["prove", *argv])
    except SystemExit as exit_:
        code = exit_.code
    assert code == 2
    *before, last = capsys.readouterr().err.strip().splitlines()
    assert last.startswith("convalg prove: error:") and "Traceback" not in "".join(before), before
    assert not before or before[0].startswith("usage: convalg prove "), before  # argparse's refusals


def test_latex_escapes_the_hypotheses_once(capsys):
    assert main(["prove", "f*g == g*f", "--format", "latex", "--no-certificate"]) == 0
    out = capsys.readouterr().out
    assert r"Z\^{}1" in out and r"\^\{\}" not in out


def test_all_follows_the_documented_exit_status_and_ends_with_a_count_line(monkeypatch, capsys):
    from convalg.symbolic import decide
    from convalg.symbolic.laws import LAWS
    from convalg.symbolic.verdict import Verdict

    law = next(law for law in LAWS if law.expected == "proved" and law.statement is not None)

    def results(status):
        return lambda **kwargs: [(law, 1, Verdict(law.text(1), 1, status), 0.0)]

    for status, code in (("proved", 0), ("refuted", 1), ("unknown", 3)):
        monkeypatch.setattr(decide, "battery", results(status))
        assert main(["prove", "--all", "--format", "markdown"]) == code
        last = capsys.readouterr().out.strip().splitlines()[-1]
        differ, undecided = int(status == "refuted"), int(status == "unknown")
        assert last == f"**1 verdicts: {1 - differ - undecided} as recorded, {differ} differ, {undecided} undecided**"


def test_piping_into_head_is_quiet():
    done = subprocess.run(
        f"{sys.executable} -m convalg prove --list | head -1", shell=True, capture_output=True, text=True, timeout=120
    )
    assert done.stdout.startswith("convolution") and done.stderr == ""
