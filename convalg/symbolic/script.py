"""The runner behind ``proofs/*.py``: prove a family of named laws, print every step, fail loudly.

Each proof script names the laws of its family; :func:`run` proves or refutes each law for every
operator and dimension it has, prints the verdict with its steps, adds the exhaustive symbolic
certificate at larger sizes (every length combination up to the default bound, then equal
lengths up to 32 for laws of one or two sequences, 12 for three; laws with integer parameters
keep the default certificate; ``CONVALG_PROOF_SIZE=0`` is the quick mode: no certificates and
no extra checks), and returns 1 if any verdict
is not the one convalg states (a step that sympy did not check makes a verdict ``unknown``).
"""

from __future__ import annotations

import os
import time

__all__ = ["run"]

# equal lengths up to this size in the larger certificates; CONVALG_PROOF_SIZE=0 is the quick
# mode the test suite uses: proofs and counterexamples only, no certificates (the suite checks
# the certificates once, in the battery)
_DIAGONAL = int(os.environ.get("CONVALG_PROOF_SIZE", "32"))


def run(names, operators=None, extra_checks=()) -> int:
    """Prove the laws called ``names`` (all operators unless given); print; return the exit status.

    ``extra_checks`` are callables returning ``[(description, ok), ...]`` printed after the laws.

    Examples
    --------
    >>> from convalg.symbolic.script import run
    >>> run(["notes-distributivity"], operators=["convolution"])  # doctest: +ELLIPSIS
    f * (g + h) == f * g + f * g   (1-D)
      verdict: REFUTED [law convolution/notes-distributivity]
    ...
    0
    """
    from convalg.laws import LAWS
    from convalg.symbolic.certificate import exhaustive_check
    from convalg.symbolic.decide import prove_law
    from convalg.symbolic.language import parse
    from convalg.symbolic.render import render_verdict

    failures = []
    for law in LAWS:
        if law.name not in names or (operators is not None and law.operator not in operators):
            continue
        for dims in law.dims:
            started = time.perf_counter()
            verdict = prove_law(law.name, law.operator, dims, certify=_DIAGONAL > 0)
            print(render_verdict(verdict, "text"))
            statement = parse(law.text(dims), dims) if law.statement is not None else None
            if (
                verdict.status == "proved"
                and statement is not None
                and dims == 1
                and _DIAGONAL > 0
                and not statement.names("param")
            ):
                sequences = len(statement.names("seq"))
                diagonal = _DIAGONAL if sequences <= 2 else min(_DIAGONAL, 12)
                certificate = exhaustive_check(statement, dims, diagonal=diagonal)
                print(f"  larger certificate: {certificate}")
                if not certificate.holds:
                    failures.append(f"{law.key} ({dims}-D): certificate failed")
            print(f"  ({time.perf_counter() - started:.1f} s)\n")
            if verdict.status != law.expected:
                failures.append(f"{law.key} ({dims}-D): {verdict.status}, expected {law.expected}")
            example = verdict.counterexample
            if example is not None and (example.confirmation is None or not example.confirmation.confirmed):
                failures.append(f"{law.key} ({dims}-D): the independent re-check did not confirm the counterexample")
    for check in extra_checks:
        if _DIAGONAL == 0:
            # quick mode (the test suite): these checks run in the suite's own process
            print(f"skipped in quick mode (CONVALG_PROOF_SIZE=0): {check.__name__}")
            continue
        for description, ok in check():
            print(f"{'checked' if ok else 'FAILED'}: {description}")
            if not ok:
                failures.append(description)
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        return 1
    return 0
