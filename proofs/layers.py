"""Layers: a convolution layer is a fully connected layer with a (doubly block) Toeplitz matrix and
far fewer parameters; multi-channel layers compose associatively with identity delta*I, not
commutatively; deep-learning libraries compute cross-correlation (checked against torch when
installed).

Run: python proofs/layers.py (exit status 0 when every verdict is the expected one, 1 otherwise).
"""

import sys

from convalg.symbolic.notes import libraries_correlate
from convalg.symbolic.script import run


def _libraries():
    status, evidence = libraries_correlate()
    if status == "skipped":
        print("skipped: " + "; ".join(evidence))
        return []
    return [(line, status == "proved") for line in evidence]


if __name__ == "__main__":
    sys.exit(run(["toeplitz", "multichannel"], extra_checks=[_libraries]))
