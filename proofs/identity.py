"""Identity: delta is a two-sided identity for convolution and on Z/N, only a right identity for
correlation; L^1(R) has no identity (the computable parts of the Fourier argument).

Run: python proofs/identity.py (exit status 0 when every verdict is the expected one, 1 otherwise).
"""

import sys

from convalg.symbolic.notes import continuous_identity
from convalg.symbolic.script import run

if __name__ == "__main__":
    sys.exit(run(["identity", "right-identity"], extra_checks=[continuous_identity]))
