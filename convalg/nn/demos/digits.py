"""The ``digits`` demo: a small CNN learns scikit-learn's handwritten digits (1,797 real 8x8 images).

A fixed, stratified train/test split (75/25, ``random_state=0``); the network is
``Conv2d(1, 16, 3, padding=1) - ReLU - MaxPool2d(2) - Conv2d(16, 32, 3, padding=1) - ReLU -
MaxPool2d(2) - Flatten - Linear(128, 10)`` trained with Adam on the softmax cross-entropy.
The promise: at least 97% test accuracy in under a minute on two CPU cores. The first layer's
kernels are plotted, with the loss curve and the feature maps of one test digit.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from convalg import backends, nn
from convalg.nn.demos import _common

TARGET_ACCURACY = 0.97
QUICK_TARGET_ACCURACY = 0.85  # after the 3 epochs of a quick run (the promise is for the full run)
TIME_LIMIT = 60.0


def load(backend=None):
    """The digits as (N, 1, 8, 8) float32 in [0, 1] with int64 labels, split 75/25 (stratified, fixed)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[:, None]
    split = train_test_split(
        images, digits.target.astype(np.int64), test_size=0.25, random_state=0, stratify=digits.target
    )
    _, arrays = backends.namespace(*split, backend=backend)
    return arrays  # x_train, x_test, y_train, y_test


def network(seed: int, backend=None) -> nn.Sequential:
    """The demo's CNN, its weights seeded."""
    rng = np.random.default_rng(seed)
    options = dict(seed=rng, backend=backend, dtype="float32")
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1, input_grad=False, **options),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1, **options),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 2 * 2, 10, **options),
    )


def accuracy(model, x, y) -> float:
    """Fraction of ``x`` whose most probable class is ``y``."""
    import array_api_compat

    logits = model(x)
    xp = array_api_compat.array_namespace(logits)
    return float(xp.mean(xp.astype(xp.argmax(logits, axis=1) == y, xp.float64)))


def run(out, *, backend=None, quick=False, seed=0, progress=False) -> dict:
    """Train, evaluate, write ``kernels.png``, ``loss.png``, ``feature_maps.png`` and the reports.

    ``quick`` trains for 3 epochs instead of 25 (for tests; the accuracy promise is for the full run).

    Examples
    --------
    ``digits.run("out/digits")`` trains and writes the figures and reports (tests/nn/test_demos.py
    runs it); the network it trains:

    >>> from convalg.nn.demos import digits
    >>> sum(p.value.size for p in digits.network(seed=0).parameters())
    6090
    """
    start = time.perf_counter()
    out = Path(out)
    x_train, x_test, y_train, y_test = load(backend)
    model = network(seed, backend)
    epochs = 3 if quick else 25
    optimizer = nn.Adam(model.parameters(), lr=0.005)
    history = nn.fit(
        model,
        nn.CrossEntropyLoss(),
        optimizer,
        x_train,
        y_train,
        epochs=epochs,
        batch_size=32,
        seed=seed,
        progress=progress,
    )
    train_accuracy, test_accuracy = accuracy(model, x_train, y_train), accuracy(model, x_test, y_test)
    seconds = time.perf_counter() - start
    report = {
        "demo": "digits",
        "data": f"sklearn load_digits: {x_train.shape[0]} train / {x_test.shape[0]} test images of 8x8, "
        "stratified split, random_state=0",
        "network": "Conv2d(1,16,3,p=1)-ReLU-MaxPool2-Conv2d(16,32,3,p=1)-ReLU-MaxPool2-Flatten-Linear(128,10)",
        "parameters": int(sum(int(np.prod(p.shape)) for p in model.parameters())),
        "backend": backend or "numpy",
        "epochs": epochs,
        "optimizer": "Adam(lr=0.005), batch 32, float32",
        "seed": seed,
        "epoch_loss": history.epoch_loss,
        "train_accuracy": train_accuracy,
        "test_accuracy": test_accuracy,
        "seconds": seconds,
        "target_accuracy": QUICK_TARGET_ACCURACY if quick else TARGET_ACCURACY,
        "time_limit_seconds": TIME_LIMIT,
        "holds": bool(test_accuracy >= (QUICK_TARGET_ACCURACY if quick else TARGET_ACCURACY) and seconds < TIME_LIMIT),
    }
    _figures(out, model, history, x_test)
    lines = [
        f"digits: {report['network']} ({report['parameters']} parameters)",
        f"data: {report['data']}",
        f"{epochs} epochs, {report['optimizer']}, seed {seed}",
        f"train accuracy {train_accuracy:.4f}, test accuracy {test_accuracy:.4f} "
        f"(promise >= {report['target_accuracy']}" + (", quick run)" if quick else ")"),
        f"seconds: {seconds:.1f} (promise < {TIME_LIMIT:.0f})",
        f"promise holds: {report['holds']}",
    ]
    _common.write_report(out, report, lines)
    return report


def _figures(out: Path, model, history, x_test) -> None:
    plt = _common.pyplot()
    out.mkdir(parents=True, exist_ok=True)
    kernels = backends.to_numpy(model.layers[0].weight.value)[:, 0]
    fig, axes = plt.subplots(2, 8, figsize=(10, 3.4))
    limit = float(np.max(np.abs(kernels)))
    for i, (k, ax) in enumerate(zip(kernels, axes.ravel())):
        ax.imshow(k, cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_title(f"kernel {i + 1}", fontsize=8)
        ax.axis("off")
    fig.suptitle("first-layer kernels (3x3), learned")
    fig.tight_layout()
    fig.savefig(out / "kernels.png", dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(np.arange(1, len(history.epoch_loss) + 1), history.epoch_loss, marker="o")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training cross-entropy")
    fig.tight_layout()
    fig.savefig(out / "loss.png", dpi=100)
    plt.close(fig)

    digit = x_test[:1, ...]
    maps = backends.to_numpy(model.layers[1](model.layers[0](digit)))[0]
    fig, axes = plt.subplots(2, 9, figsize=(11, 2.8))
    axes[0, 0].imshow(backends.to_numpy(digit)[0, 0], cmap="gray_r")
    axes[0, 0].set_title("input", fontsize=8)
    axes[1, 0].axis("off")
    for m, ax in zip(maps, axes[:, 1:].ravel()):
        ax.imshow(m, cmap="viridis")
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("first-layer feature maps (after ReLU) of one test digit")
    fig.tight_layout()
    fig.savefig(out / "feature_maps.png", dpi=100)
    plt.close(fig)
