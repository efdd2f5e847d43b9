"""The named laws as the prover reads them: the registry :mod:`convalg.laws`, under its old name.

Every entry (statement, expected verdict, proof recipe and control, prover function, numeric
check) lives in :mod:`convalg.laws`; this module re-exports it, so there is one list.

Examples
--------
>>> from convalg.symbolic import laws
>>> import convalg.laws
>>> laws.LAWS is convalg.laws.LAWS
True
"""

from __future__ import annotations

from convalg.laws import LAWS, OPERATORS, Law, find, names

__all__ = ["Law", "LAWS", "OPERATORS", "find", "names"]
