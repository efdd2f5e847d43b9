"""Layers of a small CNN, each with its backward pass next to its forward pass.

A layer is called on a batch (``layer(x)``), remembers what its backward pass needs, and
``layer.backward(grad)`` returns the gradient with respect to its input while storing the
gradients of its parameters in ``parameter.grad``. There is no autograd graph: a network is a
:class:`Sequential` chain, and the chain rule is the reverse loop in ``Sequential.backward``.

Parameters are initialised as PyTorch does (uniform in ``±1/sqrt(fan_in)``) from a seeded NumPy
generator, then moved to the layer's backend, so the same seed gives the same network on every
backend.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from convalg import backends
from convalg._runtime import validation
from convalg.nn import _geometry, _im2col
from convalg.nn import functional as F

__all__ = [
    "Parameter",
    "Module",
    "Sequential",
    "Conv1d",
    "Conv2d",
    "ReLU",
    "MaxPool2d",
    "AvgPool2d",
    "Flatten",
    "Linear",
]


@dataclass(eq=False)
class Parameter:
    """A trainable array and the gradient of the loss with respect to it (None before backward)."""

    value: Any
    name: str = ""
    grad: Any = field(default=None, repr=False)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.value.shape)


def _generator(seed):
    import numpy as np

    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise TypeError(f"seed must be None, an int or a numpy.random.Generator; got {seed!r}")
    return np.random.default_rng(seed)


def _uniform(shape, bound, seed, backend, dtype):
    if dtype not in ("float32", "float64"):
        raise ValueError(f"dtype must be 'float32' or 'float64'; got {dtype!r}")
    values = _generator(seed).uniform(-bound, bound, size=shape).astype(dtype)
    _, (array,) = backends.namespace(values, backend=backend)
    return array


class Module:
    """Base class: ``forward`` computes and caches, ``backward`` returns the input gradient."""

    def __call__(self, x):
        return self.forward(x)

    def forward(self, x):  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, grad):  # pragma: no cover - abstract
        raise NotImplementedError

    def parameters(self) -> list[Parameter]:
        """The layer's trainable parameters (none by default)."""
        return []

    def _cached(self):
        cache = getattr(self, "_cache", None)
        if cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        return cache


class Sequential(Module):
    """Layers applied one after the other; backward applies the chain rule in reverse.

    Examples
    --------
    >>> import numpy as np
    >>> from convalg import nn
    >>> model = nn.Sequential(nn.Conv2d(1, 2, 3, seed=0), nn.ReLU(), nn.Flatten(), nn.Linear(8, 3, seed=1))
    >>> model(np.ones((5, 1, 4, 4))).shape
    (5, 3)
    >>> [p.name for p in model.parameters()]
    ['weight', 'bias', 'weight', 'bias']
    """

    def __init__(self, *layers: Module):
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(f"layer {i} must be a convalg.nn Module; got {type(layer).__name__}")
        self.layers = list(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def backward(self, grad):
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return grad

    def parameters(self) -> list[Parameter]:
        return [p for layer in self.layers for p in layer.parameters()]


class _ConvNd(Module):
    _nd = 0

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups=1,
        bias=True,
        *,
        seed=None,
        backend=None,
        dtype="float64",
        input_grad=True,
    ):
        nd = self._nd
        self.input_grad = bool(input_grad)
        in_channels = validation.positive_int(in_channels, "in_channels")
        out_channels = validation.positive_int(out_channels, "out_channels")
        groups = validation.positive_int(groups, "groups")
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"groups={groups} must divide in_channels={in_channels} and out_channels={out_channels}")
        kernel = validation.int_tuple(kernel_size, nd, "kernel_size", 1)
        self.options = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
        _geometry.geometry(
            (1, in_channels)
            + tuple(d * (k - 1) + 1 for k, d in zip(kernel, validation.int_tuple(dilation, nd, "dilation", 1))),
            (out_channels, in_channels // groups) + kernel,
            **self.options,
            nd=nd,
        )
        fan_in = in_channels // groups * math.prod(kernel)
        rng = _generator(seed)
        bound = 1 / math.sqrt(fan_in)
        self.weight = Parameter(
            _uniform((out_channels, in_channels // groups) + kernel, bound, rng, backend, dtype), "weight"
        )
        self.bias = Parameter(_uniform((out_channels,), bound, rng, backend, dtype), "bias") if bias else None

    def parameters(self) -> list[Parameter]:
        return [self.weight] + ([self.bias] if self.bias is not None else [])

    def forward(self, x):
        forward = (F.conv1d, F.conv2d, F.conv3d)[self._nd - 1]
        self._cache = x
        bias = None if self.bias is None else self.bias.value
        return forward(x, self.weight.value, bias, **self.options)

    def backward(self, grad):
        gradient = (F.conv1d_grad, F.conv2d_grad, F.conv3d_grad)[self._nd - 1]
        grad_input, grad_weight, grad_bias = gradient(
            grad, self._cached(), self.weight.value, input_grad=self.input_grad, **self.options
        )
        self.weight.grad = grad_weight
        if self.bias is not None:
            self.bias.grad = grad_bias
        return grad_input


class Conv1d(_ConvNd):
    """A trainable 1-D convolution layer (cross-correlation, PyTorch's ``Conv1d`` semantics).

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int or tuple of 1 int
    stride, padding, dilation, groups
        As in :func:`convalg.nn.functional.conv1d`.
    bias : bool, optional
        Whether to learn one additive bias per output channel.
    seed : int or numpy.random.Generator, optional
        Seeds the initial weights (uniform in ``±1/sqrt(fan_in)``).
    backend : {None, 'numpy', 'cupy', 'array_api_strict', 'torch'}, optional
        The array library the parameters live in.
    dtype : {'float64', 'float32'}, optional
    input_grad : bool, optional
        False when nothing upstream needs the input's gradient (a first layer): ``backward``
        then returns None and skips a full convolution.

    Examples
    --------
    >>> import numpy as np
    >>> from convalg import nn
    >>> layer = nn.Conv1d(2, 3, 5, padding="same", seed=0)
    >>> y = layer(np.ones((4, 2, 10)))
    >>> y.shape, layer.backward(np.ones_like(y)).shape, layer.weight.grad.shape
    ((4, 3, 10), (4, 2, 10), (3, 2, 5))
    """

    _nd = 1


class Conv2d(_ConvNd):
    """A trainable 2-D convolution layer (cross-correlation, PyTorch's ``Conv2d`` semantics).

    Parameters are those of :class:`Conv1d`, with pairs for the two spatial axes.

    Examples
    --------
    >>> import numpy as np
    >>> from convalg import nn
    >>> layer = nn.Conv2d(3, 8, 3, stride=2, padding=1, seed=0)
    >>> y = layer(np.ones((2, 3, 8, 8)))
    >>> y.shape, layer.backward(np.ones_like(y)).shape
    ((2, 8, 4, 4), (2, 3, 8, 8))
    """

    _nd = 2


class ReLU(Module):
    """``max(x, 0)``; its gradient passes where the input was positive.

    Examples
    --------
    >>> import numpy as np
    >>> from convalg import nn
    >>> relu = nn.ReLU()
    >>> relu(np.array([-1.0, 2.0])), relu.backward(np.array([5.0, 5.0]))
    (array([0., 2.]), array([0., 5.]))
    """

    def forward(self, x):
        xp, (x,) = backends.namespace(x)
        self._cache = x > 0
        return xp.where(self._cache, x, xp.zeros_like(x))

    def backward(self, grad):
        xp, (grad,) = backends.namespace(grad)
        return xp.where(self._cached(), grad, xp.zeros_like(grad))


class _Pool2d(Module):
    def __init__(self, kernel_size, stride=None):
        self.kernel = validation.int_tuple(kernel_size, 2, "kernel_size", 1)
        self.stride = self.kernel if stride is None else validation.int_tuple(stride, 2, "stride", 1)

    def _columns(self, x):
        xp, (x,) = backends.namespace(x)
        if x.ndim != 4:
            raise ValueError(f"input must have 4 dimensions (N, C, H, W); got shape {tuple(x.shape)}")
        if any(k > n for k, n in zip(self.kernel, x.shape[2:])):
            raise ValueError(f"kernel_size {self.kernel} is larger than the input's spatial shape {tuple(x.shape[2:])}")
        n, c = x.shape[:2]
        out = _geometry.output_shape(x.shape[2:], self.kernel, self.stride, (1, 1))
        grouped = xp.reshape(x, (n, 1, c) + tuple(x.shape[2:]))
        columns = _im2col.windows(xp, grouped, self.kernel, self.stride, (1, 1), out)
        return xp, xp.reshape(columns, (n, c, math.prod(self.kernel), math.prod(out))), out

    def _spread(self, xp, grad_columns, shape, out):
        n, c = shape[:2]
        columns = xp.reshape(grad_columns, (n, 1, c * math.prod(self.kernel), math.prod(out)))
        grad = _im2col.windows_adjoint(xp, columns, (n, 1, c) + tuple(shape[2:]), self.kernel, self.stride, (1, 1), out)
        return xp.reshape(grad, tuple(shape))


class MaxPool2d(_Pool2d):
    """Maximum over each window; the gradient goes to the (first) maximal entry of the window.

    Examples
    --------
    >>> import numpy as np
    >>> from convalg import nn
    >>> pool = nn.MaxPool2d(2)
    >>> pool(np.arange(16.0).reshape(1, 1, 4, 4))
    array([[[[ 5.,  7.],
             [13., 15.]]]])
    >>> pool.backward(np.ones((1, 1, 2, 2)))[0, 0]
    array([[0., 0., 0., 0.],
           [0., 1., 0., 1.],
           [0., 0., 0., 0.],
           [0., 1., 0., 1.]])
    """

    def forward(self, x):
        xp, columns, out = self._columns(x)
        winner = xp.argmax(columns, axis=2)
        self._cache = (tuple(x.shape), winner, out)
        return xp.reshape(xp.max(columns, axis=2), tuple(x.shape[:2]) + out)

    def backward(self, grad):
        shape, winner, out = self._cached()
        xp, (grad,) = backends.namespace(grad)
        taps = xp.arange(math.prod(self.kernel), device=grad.device)
        chosen = xp.astype(taps[None, None, :, None] == winner[:, :, None, :], grad.dtype)
        flat = xp.reshape(grad, (shape[0], shape[1], 1, math.prod(out)))
        return self._spread(xp, chosen * flat, shape, out)


class AvgPool2d(_Pool2d):
    """Mean over each window; the gradient is shared equally by the window's entries.

    Examples
    --------
    >>> import numpy as np
    >>> from convalg import nn
    >>> pool = nn.AvgPool2d(2)
    >>> pool(np.arange(16.0).reshape(1, 1, 4, 4))
    array([[[[ 2.5,  4.5],
             [10.5, 12.5]]]])
    """

    def forward(self, x):
        xp, columns, out = self._columns(x)
        self._cache = (tuple(x.shape), out)
        return xp.reshape(xp.mean(columns, axis=2), tuple(x.shape[:2]) + out)

    def backward(self, grad):
        shape, out = self._cached()
        xp, (grad,) = backends.namespace(grad)
        taps = math.prod(self.kernel)
        flat = xp.reshape(grad, (shape[0], shape[1], 1, math.prod(out))) / taps
        return self._spread(xp, flat * xp.ones((1, 1, taps, 1), dtype=grad.dtype, device=grad.device), shape, out)


class Flatten(Module):
    """Reshape (N, ...) to (N, features); backward reshapes back.

    Examples
    --------
    >>> import numpy as np
    >>> from convalg import nn
    >>> nn.Flatten()(np.ones((2, 3, 4))).shape
    (2, 12)
    """

    def forward(self, x):
        xp, (x,) = backends.namespace(x)
        self._cache = tuple(x.shape)
        return xp.reshape(x, (x.shape[0], -1))

    def backward(self, grad):
        xp, (grad,) = backends.namespace(grad)
        return xp.reshape(grad, self._cached())


class Linear(Module):
    """A fully connected layer ``y = x @ weight.T + bias`` (weight shape (out, in), as PyTorch).

    Examples
    --------
    >>> import numpy as np
    >>> from convalg import nn
    >>> layer = nn.Linear(4, 2, seed=0)
    >>> y = layer(np.ones((3, 4)))
    >>> y.shape, layer.backward(np.ones((3, 2))).shape, layer.weight.grad.shape
    ((3, 2), (3, 4), (2, 4))
    """

    def __init__(self, in_features, out_features, bias=True, *, seed=None, backend=None, dtype="float64"):
        in_features = validation.positive_int(in_features, "in_features")
        out_features = validation.positive_int(out_features, "out_features")
        rng = _generator(seed)
        bound = 1 / math.sqrt(in_features)
        self.weight = Parameter(_uniform((out_features, in_features), bound, rng, backend, dtype), "weight")
        self.bias = Parameter(_uniform((out_features,), bound, rng, backend, dtype), "bias") if bias else None

    def parameters(self) -> list[Parameter]:
        return [self.weight] + ([self.bias] if self.bias is not None else [])

    def forward(self, x):
        xp, (x, w) = backends.namespace(x, self.weight.value)
        if x.ndim != 2 or x.shape[1] != w.shape[1]:
            raise ValueError(f"input must have shape (N, {w.shape[1]}); got {tuple(x.shape)}")
        self._cache = x
        y = xp.matmul(x, xp.matrix_transpose(w))
        return y if self.bias is None else y + self.bias.value

    def backward(self, grad):
        xp, (grad, w) = backends.namespace(grad, self.weight.value)
        x = self._cached()
        self.weight.grad = xp.matmul(xp.matrix_transpose(grad), x)
        if self.bias is not None:
            self.bias.grad = xp.sum(grad, axis=0)
        return xp.matmul(grad, w)
