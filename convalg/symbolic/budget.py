"""Time bounds for a decision: a deadline that every long loop checks.

``check(statement, timeout=...)`` gives each attempt (proof, finite decision, certificate,
search, re-check) the time left; loops call :meth:`Budget.check`, which raises
:class:`OutOfBudget` once the deadline has passed, and the verdict becomes ``unknown`` with
the reason. A single sympy call is not interrupted: sizes are bounded before such calls, and
``convalg prove`` also runs each statement in a worker process that is stopped at the timeout.
"""

from __future__ import annotations

import time

__all__ = ["Budget", "OutOfBudget"]


class OutOfBudget(Exception):
    """The decision ran out of time (or of its share of it)."""


class Budget:
    """A deadline ``seconds`` from now (``None``: no deadline).

    Examples
    --------
    >>> from convalg.symbolic.budget import Budget, OutOfBudget
    >>> Budget(None).expired(), Budget(0.0).expired()
    (False, True)
    >>> try:
    ...     Budget(0.0).check("the search")
    ... except OutOfBudget as error:
    ...     print(error)
    out of time (0 s) during the search
    """

    def __init__(self, seconds: float | None):
        self.seconds = seconds
        self.deadline = float("inf") if seconds is None else time.monotonic() + seconds

    def expired(self) -> bool:
        return time.monotonic() >= self.deadline

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def share(self, fraction: float, at_most: float | None = None) -> Budget:
        """A budget of ``fraction`` of the time left (at most ``at_most`` seconds), inside this one."""
        if self.seconds is None and at_most is None:
            return Budget(None)
        left = self.left() if self.seconds is not None else float("inf")
        seconds = max(0.0, min(left * fraction, at_most if at_most is not None else float("inf")))
        return Budget(seconds)

    def check(self, what: str = "") -> None:
        if self.expired():
            during = f" during {what}" if what else ""
            raise OutOfBudget(f"out of time ({self.seconds:g} s){during}")
