"""The second certificate: exact checks with symbolic entries, every size up to a bound."""

from __future__ import annotations

from convalg.symbolic.certificate import exhaustive_check
from convalg.symbolic.language import parse


def test_commutativity_holds_for_every_pair_of_lengths_up_to_six_and_equal_lengths_up_to_32():
    certificate = exhaustive_check(parse("f*g == g*f"), bound=6, diagonal=32)
    assert certificate.holds
    assert certificate.cases == 6 * 6 + 26


def test_the_certificate_fails_on_a_false_law_and_names_the_size():
    certificate = exhaustive_check(parse("corr(f, g) == corr(g, f)"), bound=4)
    assert not certificate.holds
    assert certificate.failing_shapes == ((1,), (1,))
    assert "len(f) = 1" in certificate.failure


def test_the_certificate_checks_the_dft_with_exact_roots_of_unity():
    assert exhaustive_check(parse("dft(circ(f, g, N), N) == hadamard(dft(f, N), dft(g, N))"), bound=4).holds
    assert not exhaustive_check(parse("dft(f, N) == dft(flip(f), N)"), bound=3).holds


def test_two_dimensional_certificates_use_symbolic_arrays():
    assert exhaustive_check(parse("(f*g)*h == f*(g*h)", 2), 2).holds
    assert not exhaustive_check(parse("corr(f, g) == corr(g, f)", 2), 2).holds
