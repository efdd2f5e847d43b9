"""The tests of scipy's own test_signaltools.py that convalg fails on purpose, by test id, with why.

This is the one list. README's "Where convalg differs from scipy.signal" states the same
differences for users; :mod:`run_scipy_suite` fails when a test fails that is not listed
here, and also when a listed test passes or fails with another message, so the list stays
true. ``{xp}`` in an id stands for the library's parameter id (``numpy``,
``array_api_strict``, ``torch``, ``dask.array``); a listed test that scipy's own markers skip
for a library (its NumPy-only tests) is simply not run there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Difference:
    """Tests that fail for one reason, and the pattern their failure message must match."""

    reason: str
    message: str  # a regular expression searched in the failure's message
    tests: tuple[str, ...]

    def matches(self, message: str) -> bool:
        return re.search(self.message, message, re.DOTALL) is not None


DIFFERENCES = (
    Difference(
        reason=(
            "integer inputs narrower than 64 bits give exact int64 results (README): scipy returns "
            "the inputs' dtype and these tests assert that dtype"
        ),
        message="int64",
        tests=(
            "TestCorrelateReal::test_rank1_valid[{xp}-uint8]",
            "TestCorrelateReal::test_rank1_valid[{xp}-int8]",
            "TestCorrelateReal::test_rank1_valid[{xp}-uint16]",
            "TestCorrelateReal::test_rank1_valid[{xp}-int16]",
            "TestCorrelateReal::test_rank1_valid[{xp}-uint32]",
            "TestCorrelateReal::test_rank1_valid[{xp}-int32]",
            "TestCorrelateReal::test_rank1_same[{xp}-uint8]",
            "TestCorrelateReal::test_rank1_same[{xp}-int8]",
            "TestCorrelateReal::test_rank1_same[{xp}-uint16]",
            "TestCorrelateReal::test_rank1_same[{xp}-int16]",
            "TestCorrelateReal::test_rank1_same[{xp}-uint32]",
            "TestCorrelateReal::test_rank1_same[{xp}-int32]",
            "TestCorrelateReal::test_rank1_full[{xp}-uint8]",
            "TestCorrelateReal::test_rank1_full[{xp}-int8]",
            "TestCorrelateReal::test_rank1_full[{xp}-uint16]",
            "TestCorrelateReal::test_rank1_full[{xp}-int16]",
            "TestCorrelateReal::test_rank1_full[{xp}-uint32]",
            "TestCorrelateReal::test_rank1_full[{xp}-int32]",
            "TestCorrelateReal::test_method[{xp}-uint16]",
            "TestCorrelateReal::test_method[{xp}-int16]",
            "TestCorrelateReal::test_method[{xp}-uint32]",
            "TestCorrelateReal::test_method[{xp}-int32]",
            "TestCorrelateReal::test_rank3_valid[{xp}-uint16]",
            "TestCorrelateReal::test_rank3_valid[{xp}-int16]",
            "TestCorrelateReal::test_rank3_valid[{xp}-uint32]",
            "TestCorrelateReal::test_rank3_valid[{xp}-int32]",
            "TestCorrelateReal::test_rank3_same[{xp}-uint8]",
            "TestCorrelateReal::test_rank3_same[{xp}-int8]",
            "TestCorrelateReal::test_rank3_same[{xp}-uint16]",
            "TestCorrelateReal::test_rank3_same[{xp}-int16]",
            "TestCorrelateReal::test_rank3_same[{xp}-uint32]",
            "TestCorrelateReal::test_rank3_same[{xp}-int32]",
            "TestCorrelateReal::test_rank3_all[{xp}-uint8]",
            "TestCorrelateReal::test_rank3_all[{xp}-int8]",
            "TestCorrelateReal::test_rank3_all[{xp}-uint16]",
            "TestCorrelateReal::test_rank3_all[{xp}-int16]",
            "TestCorrelateReal::test_rank3_all[{xp}-uint32]",
            "TestCorrelateReal::test_rank3_all[{xp}-int32]",
        ),
    ),
    Difference(
        reason=(
            "integers never wrap around (README): these int8/uint8 tests compare with a reference "
            "computed in the inputs' dtype, which wrapped, while convalg's int64 result is exact"
        ),
        message="Mismatched elements",
        tests=(
            "TestCorrelateReal::test_method[{xp}-uint8]",
            "TestCorrelateReal::test_method[{xp}-int8]",
            "TestCorrelateReal::test_rank3_valid[{xp}-uint8]",
            "TestCorrelateReal::test_rank3_valid[{xp}-int8]",
        ),
    ),
    Difference(
        reason=(
            "an exact integer output beyond int64 raises OverflowError naming it (README): scipy "
            "returns a wrapped or rounded value there (2**50 squared), which this test accepts"
        ),
        message=r"OverflowError: convolve: the exact integer output at index \(0,\) is 1267650600228229401496703205376",
        tests=("TestConvolve::test_convolve_method_large_input[{xp}]",),
    ),
)


def expected_failures(library: str) -> dict[str, Difference]:
    """Every listed test id for ``library``, with its difference."""
    return {test.format(xp=library): difference for difference in DIFFERENCES for test in difference.tests}
