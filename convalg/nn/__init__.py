"""Learning convolution kernels: batched convolution with gradients, small-CNN layers, losses, optimisers, fit.

``convalg.nn.functional`` holds the operations (``conv1d/2d/3d`` and their gradients); this
package exports the pieces a small CNN is built from. ``convalg.nn.demos`` holds the ERM demos
run by ``convalg learn DEMO``. The operations take arrays of every backend, torch tensors
included (results as tensors on their device; a model's own parameters under
``torch.no_grad()``), and the layers keep their parameters in the library named by
``backend=`` (NumPy by default); neither records a torch autograd graph: the gradients are
convalg's own ``backward``.

Examples
--------
>>> import numpy as np
>>> from convalg import nn
>>> model = nn.Sequential(
...     nn.Conv2d(1, 4, 3, padding=1, seed=0), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16, 10, seed=1)
... )
>>> loss = nn.CrossEntropyLoss()
>>> value = loss(model(np.zeros((2, 1, 4, 4))), np.array([3, 7]))
>>> model.backward(loss.backward()).shape
(2, 1, 4, 4)
"""

from convalg.nn import functional
from convalg.nn.layers import (
    AvgPool2d,
    Conv1d,
    Conv2d,
    Flatten,
    Linear,
    MaxPool2d,
    Module,
    Parameter,
    ReLU,
    Sequential,
)
from convalg.nn.losses import CrossEntropyLoss, MSELoss
from convalg.nn.optim import SGD, Adam
from convalg.nn.training import History, fit

__all__ = [
    "functional",
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
    "MSELoss",
    "CrossEntropyLoss",
    "SGD",
    "Adam",
    "History",
    "fit",
]
