"""The training loop: mini-batch empirical risk minimisation with a progress bar and a seed.

``fit`` shuffles with its own seeded generator, so a seeded model, a seeded ``fit`` and the
same data give the same trained parameters, run after run.
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass, field

from convalg import backends

__all__ = ["History", "fit"]


@dataclass
class History:
    """What ``fit`` observed: the mean training loss of every epoch, every step's loss, and the time."""

    epoch_loss: list[float] = field(default_factory=list)
    step_loss: list[float] = field(default_factory=list)
    seconds: float = 0.0


class _NoBar:
    def advance(self, *args, **kwargs):
        pass


@contextlib.contextmanager
def _progress(total: int, enabled: bool, description: str):
    """A rich progress bar when rich is installed (tqdm otherwise); nothing when disabled."""
    if not enabled:
        yield lambda: None
        return
    try:
        from rich.progress import Progress
    except ImportError:  # rich is in the 'learn' extra; tqdm is the fallback
        try:
            from tqdm import tqdm
        except ImportError:
            yield lambda: None
            return
        with tqdm(total=total, desc=description) as bar:
            yield lambda: bar.update(1)
        return
    with Progress(transient=True) as progress:
        task = progress.add_task(description, total=total)
        yield lambda: progress.advance(task)


def fit(
    model, loss, optimizer, inputs, targets, *, epochs=1, batch_size=None, seed=None, progress=True, on_epoch=None
) -> History:
    """Minimise ``loss(model(inputs), targets)`` over mini-batches with ``optimizer``.

    Parameters
    ----------
    model : convalg.nn.Module
        Called on a batch; its ``backward`` sets the parameter gradients.
    loss : convalg.nn.MSELoss or convalg.nn.CrossEntropyLoss
    optimizer : convalg.nn.SGD or convalg.nn.Adam
        Built on ``model.parameters()``.
    inputs, targets : arrays
        Indexed along their first axis.
    epochs : int, optional
        Passes over the data.
    batch_size : int, optional
        Samples per step; None uses the whole data set (full-batch gradient descent).
    seed : int, optional
        Seeds the shuffling; None means no shuffling (batches in order).
    progress : bool, optional
        Show a progress bar (rich, or tqdm) while training.
    on_epoch : callable, optional
        Called as ``on_epoch(epoch, history)`` after every epoch.

    Returns
    -------
    History

    Examples
    --------
    >>> import numpy as np
    >>> from convalg import nn
    >>> x = np.random.default_rng(0).standard_normal((64, 3))
    >>> y = x @ np.array([[1.0], [-2.0], [0.5]])
    >>> model = nn.Linear(3, 1, bias=False, seed=0)
    >>> history = nn.fit(model, nn.MSELoss(), nn.SGD(model.parameters(), lr=0.3), x, y, epochs=100, progress=False)
    >>> np.round(model.weight.value, 4)
    array([[ 1. , -2. ,  0.5]])
    """
    import numpy as np

    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ValueError(f"{name} must be a positive int; got {value!r}")
    xp, (inputs, targets) = backends.namespace(inputs, targets)
    count = inputs.shape[0]
    if targets.shape[0] != count:
        raise ValueError(f"targets must have {count} rows, one per input; got {targets.shape[0]}")
    size = count if batch_size is None else min(batch_size, count)
    steps = math.ceil(count / size)
    rng = None if seed is None else np.random.default_rng(seed)
    history = History()
    start = time.perf_counter()
    with _progress(epochs * steps, progress, "training") as advance:
        for epoch in range(epochs):
            order = np.arange(count) if rng is None else rng.permutation(count)
            total = 0.0
            for step in range(steps):
                chosen = order[step * size : (step + 1) * size]
                if len(chosen) == count and rng is None:
                    batch_x, batch_y = inputs, targets
                else:
                    index = xp.asarray(chosen, device=inputs.device)
                    batch_x, batch_y = xp.take(inputs, index, axis=0), xp.take(targets, index, axis=0)
                optimizer.zero_grad()
                value = float(loss(model(batch_x), batch_y))
                model.backward(loss.backward())
                optimizer.step()
                history.step_loss.append(value)
                total += value * len(chosen)
                advance()
            history.epoch_loss.append(total / count)
            if on_epoch is not None:
                on_epoch(epoch, history)
    history.seconds = time.perf_counter() - start
    return history
