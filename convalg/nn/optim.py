"""Optimisers that update parameters from their gradients: SGD with momentum, and Adam.

An optimiser holds a list of :class:`convalg.nn.Parameter`; ``step()`` replaces each
``parameter.value`` by its update (arrays are never modified in place, so array-api-strict
and read-only inputs work) and ``zero_grad()`` forgets the gradients.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["SGD", "Adam"]


class _Optimizer:
    def __init__(self, parameters, lr):
        self.parameters = list(parameters)
        if not self.parameters:
            raise ValueError("parameters must not be empty: there is nothing to optimise")
        if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not lr > 0 or not math.isfinite(lr):
            raise ValueError(f"lr must be a positive finite number; got {lr!r}")
        self.lr = float(lr)

    def zero_grad(self) -> None:
        """Forget the gradients of the last backward pass."""
        for p in self.parameters:
            p.grad = None

    def _gradients(self):
        for p in self.parameters:
            if p.grad is None:
                raise RuntimeError(f"parameter {p.name or '?'} of shape {p.shape} has no gradient; call backward first")
            yield p, p.grad


def _fraction(value, name):
    if not 0 <= value < 1:
        raise ValueError(f"{name} must be in [0, 1); got {value!r}")
    return float(value)


class SGD(_Optimizer):
    """Stochastic gradient descent with (heavy-ball) momentum, as PyTorch's ``SGD``.

    ``v <- momentum * v + grad``; ``value <- value - lr * v`` (``v = grad`` on the first step).

    Examples
    --------
    >>> import numpy as np
    >>> from convalg import nn
    >>> p = nn.Parameter(np.array([1.0]))
    >>> opt = nn.SGD([p], lr=0.1, momentum=0.9)
    >>> for _ in range(2):
    ...     p.grad = np.array([1.0])
    ...     opt.step()
    >>> p.value  # 1 - 0.1 * 1 - 0.1 * (0.9 + 1)
    array([0.71])
    """

    def __init__(self, parameters, lr, momentum=0.0):
        super().__init__(parameters, lr)
        self.momentum = _fraction(momentum, "momentum")
        self._velocity = [None] * len(self.parameters)

    def step(self) -> None:
        """Move every parameter against its gradient."""
        for i, (p, grad) in enumerate(self._gradients()):
            v = grad if self._velocity[i] is None else self.momentum * self._velocity[i] + grad
            self._velocity[i] = v
            p.value = p.value - self.lr * v


class Adam(_Optimizer):
    """Adam (Kingma and Ba, 2015) with bias-corrected first and second moment estimates.

    Examples
    --------
    >>> import numpy as np
    >>> from convalg import nn
    >>> p = nn.Parameter(np.array([1.0, -1.0]))
    >>> opt = nn.Adam([p], lr=0.01)
    >>> p.grad = np.array([3.0, -0.001])
    >>> opt.step()
    >>> np.round(p.value, 6)  # the first step moves every entry by lr against its gradient's sign
    array([ 0.99, -0.99])
    """

    def __init__(self, parameters, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(parameters, lr)
        self.beta1 = _fraction(betas[0], "betas[0]")
        self.beta2 = _fraction(betas[1], "betas[1]")
        if not eps > 0:
            raise ValueError(f"eps must be positive; got {eps!r}")
        self.eps = float(eps)
        self._moments: list[tuple[Any, Any] | None] = [None] * len(self.parameters)
        self._steps = 0

    def step(self) -> None:
        """Move every parameter by its bias-corrected, normalised moment estimate."""
        self._steps += 1
        correction1 = 1 - self.beta1**self._steps
        correction2 = 1 - self.beta2**self._steps
        for i, (p, grad) in enumerate(self._gradients()):
            moments = self._moments[i]
            if moments is None:
                m, v = (1 - self.beta1) * grad, (1 - self.beta2) * grad * grad
            else:
                m, v = moments
                m = self.beta1 * m + (1 - self.beta1) * grad
                v = self.beta2 * v + (1 - self.beta2) * grad * grad
            self._moments[i] = (m, v)
            denominator = (v / correction2) ** 0.5 + self.eps
            p.value = p.value - self.lr * (m / correction1) / denominator
