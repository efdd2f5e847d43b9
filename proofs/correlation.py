"""Convolution and cross-correlation: f*g = corr(f, conj(flip(g))), corr(f,g) = f*conj(flip(g)),
corr(g,f)(n) = conj(corr(f,g)(-n)).

Run: python proofs/correlation.py (exit status 0 when every verdict is the expected one, 1 otherwise).
"""

import sys

from convalg.symbolic.script import run

if __name__ == "__main__":
    sys.exit(run(["convolution-is-flipped-correlation", "correlation-is-flipped-convolution", "conjugate-symmetry"]))
