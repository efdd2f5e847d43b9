"""Loss functions for training: mean squared error and softmax cross-entropy, each with its gradient.

A loss is called as ``loss(prediction, target)`` and returns a 0-d array; ``loss.backward()``
then returns the gradient of that value with respect to ``prediction``.
"""

from __future__ import annotations

import math

from convalg import backends

__all__ = ["MSELoss", "CrossEntropyLoss"]


class _Loss:
    def _cached(self):
        cache = getattr(self, "_cache", None)
        if cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before the loss was computed")
        return cache


class MSELoss(_Loss):
    """Mean of the squared differences over all entries, ``mean((prediction - target) ** 2)``.

    Examples
    --------
    >>> import numpy as np
    >>> from convalg import nn
    >>> loss = nn.MSELoss()
    >>> float(loss(np.array([1.0, 3.0]), np.array([0.0, 0.0])))
    5.0
    >>> loss.backward()  # 2 * (prediction - target) / size
    array([1., 3.])
    """

    def __call__(self, prediction, target):
        xp, (prediction, target) = backends.namespace(prediction, target)
        if tuple(prediction.shape) != tuple(target.shape):
            raise ValueError(
                f"target must have the prediction's shape {tuple(prediction.shape)}; got {tuple(target.shape)}"
            )
        residual = prediction - xp.astype(target, prediction.dtype)
        self._cache = (xp, residual)
        return xp.mean(residual * residual)

    def backward(self):
        _xp, residual = self._cached()
        return 2 * residual / math.prod(residual.shape)  # (torch: .size is a method)


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy of logits (N, K) against integer class labels (N,), averaged over N.

    Computed through the log-sum-exp with the row maximum subtracted, so large logits do not
    overflow; the gradient is ``(softmax(logits) - onehot(labels)) / N``.

    Examples
    --------
    >>> import numpy as np
    >>> from convalg import nn
    >>> loss = nn.CrossEntropyLoss()
    >>> value = loss(np.array([[0.0, 0.0], [1000.0, 0.0]]), np.array([1, 0]))
    >>> round(float(value), 6)  # (log 2 + 0) / 2
    0.346574
    >>> loss.backward()
    array([[ 0.25, -0.25],
           [ 0.  ,  0.  ]])
    """

    def __call__(self, logits, labels):
        xp, (logits, labels) = backends.namespace(logits, labels)
        if logits.ndim != 2:
            raise ValueError(f"logits must have shape (N, classes); got {tuple(logits.shape)}")
        if tuple(labels.shape) != (logits.shape[0],) or not xp.isdtype(labels.dtype, "integral"):
            raise ValueError(
                f"labels must be integers of shape ({logits.shape[0]},); got dtype {labels.dtype} "
                f"and shape {tuple(labels.shape)}"
            )
        classes = logits.shape[1]
        if labels.shape[0] and (int(xp.min(labels)) < 0 or int(xp.max(labels)) >= classes):
            raise ValueError(f"labels must lie in [0, {classes}); got values outside that range")
        shifted = logits - xp.max(logits, axis=1, keepdims=True)
        log_norm = xp.log(xp.sum(xp.exp(shifted), axis=1, keepdims=True))
        log_probability = shifted - log_norm
        onehot = xp.astype(
            xp.reshape(labels, (-1, 1)) == xp.reshape(xp.arange(classes, device=logits.device), (1, -1)),
            logits.dtype,
        )
        self._cache = (xp, xp.exp(log_probability), onehot)
        return -xp.sum(log_probability * onehot) / logits.shape[0]

    def backward(self):
        _xp, probability, onehot = self._cached()
        return (probability - onehot) / probability.shape[0]
