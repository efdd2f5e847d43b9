"""``convalg prove``: exit codes 0 proved, 1 refuted, 3 undecided, 2 malformed (with the position)."""

from __future__ import annotations

import subprocess
import sys

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
    assert main(["prove", "dft(shift(f, 1), N) == hadamard(dft(f, N), dft(shift(delta, 1), N))",
                 "--no-certificate"]) == 3
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
    done = subprocess.run([sys.executable, "-m", "convalg", "prove", "f*delta == f", "--no-certificate"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    light = subprocess.run(
        [sys.executable, "-c", "import sys, convalg; print('sympy' in sys.modules)"],
        capture_output=True, text=True, timeout=60,
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
