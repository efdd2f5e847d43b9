"""Associativity: (f*g)*h = f*(g*h) for convolution and circular convolution; correlation,
'valid'/'same' truncations and strided convolution are not associative.

Run: python proofs/associativity.py (exit status 0 when every verdict is the expected one, 1 otherwise).
"""

import sys

from convalg.symbolic.script import run

if __name__ == "__main__":
    sys.exit(run(["associativity", "valid-associativity", "same-associativity", "strided-associativity"]))
