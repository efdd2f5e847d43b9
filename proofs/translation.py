"""Translation equivariance: shifts commute with convolution, correlation and circular convolution;
stride 2 commutes only with shifts by multiples of 2.

Run: python proofs/translation.py (exit status 0 when every verdict is the expected one, 1 otherwise).
"""

import sys

from convalg.symbolic.script import run

if __name__ == "__main__":
    sys.exit(run(["translation-equivariance", "strided-equivariance", "strided-odd-shift"]))
