"""Commutativity: f*g = g*f for convolution (any length, 1-D and 2-D) and circular convolution;
correlation and 'same' truncation are not commutative.

Run: python proofs/commutativity.py (exit status 0 when every verdict is the expected one, 1 otherwise).
"""

import sys

from convalg.symbolic.script import run

if __name__ == "__main__":
    sys.exit(run(["commutativity", "same-commutativity"]))
