"""Transforms: convolution is (Laurent) polynomial multiplication, the DTFT convolution theorem,
the correlation generating function, and the DFT theorem for circular convolution with symbolic
N.

Run: python proofs/transforms.py (exit status 0 when every verdict is the expected one, 1 otherwise).
"""

import sys

from convalg.symbolic.script import run

if __name__ == "__main__":
    sys.exit(run(["generating-function", "correlation-generating-function", "convolution-theorem"]))
