"""Distributivity and homogeneity: f*(g+h) = f*g + f*h, (f+g)*h = f*h + g*h, alpha(f*g) = (alpha
f)*g = f*(alpha g); the notes' f*(g+h) = (f*g)+(f*g) is false.

Run: python proofs/distributivity.py (exit status 0 when every verdict is the expected one, 1 otherwise).
"""

import sys

from convalg.symbolic.script import run

if __name__ == "__main__":
    sys.exit(
        run(
            [
                "left-distributivity",
                "right-distributivity",
                "notes-distributivity",
                "homogeneity",
                "conjugate-homogeneity",
            ]
        )
    )
