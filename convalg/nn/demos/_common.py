"""What the ERM demos share: real images shipped in packages, least squares over patches, gradient
descent with a step from the curvature, and writing figures and reports."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from convalg import backends

SOBEL_X = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
SOBEL_Y = SOBEL_X.T.copy()
LAPLACIAN = np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])
DIFFERENCE = np.array([[1.0, -1.0]])  # the classic textbook edge detector, [1, -1]


def standardise(image: np.ndarray) -> np.ndarray:
    """Zero mean and unit variance per channel (the last axis of a colour image)."""
    image = np.asarray(image, dtype=np.float64)
    axes = (0, 1) if image.ndim == 3 else None
    return (image - image.mean(axis=axes)) / image.std(axis=axes)


def block_mean(image: np.ndarray, factor: int) -> np.ndarray:
    """Downsample by averaging ``factor x factor`` blocks (keeps the demos under a minute)."""
    h, w = image.shape[0] // factor * factor, image.shape[1] // factor * factor
    image = image[:h, :w]
    return image.reshape(h // factor, factor, w // factor, factor, *image.shape[2:]).mean(axis=(1, 3))


def camera(factor: int) -> np.ndarray:
    """scikit-image's ``camera`` photograph (512 x 512, shipped with the package), standardised."""
    from skimage import data

    return standardise(block_mean(data.camera().astype(np.float64), factor))


def sample_photo(name: str, factor: int) -> np.ndarray:
    """One of scikit-learn's sample photographs (427 x 640 RGB, shipped), standardised per channel."""
    from sklearn.datasets import load_sample_image

    return standardise(block_mean(load_sample_image(name).astype(np.float64), factor))


def luminance(photo: np.ndarray) -> np.ndarray:
    """Grey levels of an RGB photograph (ITU-R 601 weights), standardised."""
    return standardise(photo @ np.array([0.299, 0.587, 0.114]))


def patch_matrix(x: np.ndarray, kernel: tuple[int, int]) -> np.ndarray:
    """Rows are the image patches a correlation with ``kernel`` reads: x (N, C, H, W) -> (P, C*kh*kw)."""
    view = np.lib.stride_tricks.sliding_window_view(x, kernel, axis=(2, 3))  # (N, C, Ho, Wo, kh, kw)
    n, c, ho, wo = view.shape[:4]
    return view.transpose(0, 2, 3, 1, 4, 5).reshape(n * ho * wo, c * kernel[0] * kernel[1])


def least_squares(x: np.ndarray, y: np.ndarray, kernel: tuple[int, int]) -> np.ndarray:
    """The closed-form ERM optimum: the layer is linear in its kernel, so minimising the squared
    error over all patches is a least-squares problem. x (N, C, H, W), y (N, O, Ho, Wo) -> (O, C, kh, kw)."""
    a = patch_matrix(x, kernel)
    targets = y.transpose(0, 2, 3, 1).reshape(-1, y.shape[1])
    solution, *_ = np.linalg.lstsq(a, targets, rcond=None)
    return solution.T.reshape(y.shape[1], x.shape[1], *kernel)


def heavy_ball(x: np.ndarray, kernel: tuple[int, int]) -> tuple[float, float, float]:
    """Polyak's heavy-ball step and momentum for the mean squared error over the patches of ``x``.

    The loss's Hessian is ``2 A^T A / P`` (A the patch matrix); with its extreme eigenvalues
    ``L`` and ``mu`` the optimal constant step is ``4 / (sqrt(L) + sqrt(mu))^2`` and the momentum
    ``((sqrt(L) - sqrt(mu)) / (sqrt(L) + sqrt(mu)))^2``. Returns (lr, momentum, condition number).
    """
    a = patch_matrix(x, kernel)
    eigenvalues = np.linalg.eigvalsh(2 * a.T @ a / a.shape[0])
    big, small = math.sqrt(eigenvalues[-1]), math.sqrt(max(eigenvalues[0], 1e-300))
    return 4 / (big + small) ** 2, ((big - small) / (big + small)) ** 2, float(eigenvalues[-1] / eigenvalues[0])


def train_kernel(x, y, kernel_shape, *, backend, seed, max_steps, tolerance=1e-7):
    """Learn a bias-free Conv2d kernel by full-batch gradient descent (heavy ball) on the MSE.

    ``x`` (N, C, H, W) are the inputs and ``y`` (N, O, Ho, Wo) the targets.

    Stops when no kernel entry moved by more than ``tolerance`` in a step, or after ``max_steps``.
    Returns (learned kernel as NumPy (O, C, kh, kw), loss per step, steps taken).
    """
    from convalg import nn

    c, o = x.shape[1], y.shape[1]
    lr, momentum, _ = heavy_ball(x, kernel_shape)
    model = nn.Conv2d(c, o, kernel_shape, bias=False, seed=seed, backend=backend, input_grad=False)
    _, (inputs, targets) = backends.namespace(x, y, backend=backend)
    loss, optimizer = nn.MSELoss(), nn.SGD(model.parameters(), lr=lr * o, momentum=momentum)
    # the loss is a mean over the O output channels too, so the curvature per channel is L / O
    losses: list[float] = []
    previous = backends.to_numpy(model.weight.value)
    for step in range(1, max_steps + 1):  # noqa: B007 - returned: the steps taken
        history = nn.fit(model, loss, optimizer, inputs, targets, epochs=1, progress=False)
        losses.append(history.epoch_loss[0])
        current = backends.to_numpy(model.weight.value)
        if np.max(np.abs(current - previous)) < tolerance:
            break
        previous = current
    return backends.to_numpy(model.weight.value), losses, step


def kernel_comparison(true, least_squares, learned, learned_without_noise) -> dict[str, Any]:
    """The report entries every ERM demo gives for a kernel: the four kernels and their distances."""
    return {
        "true": true,
        "least_squares": least_squares,
        "learned": learned,
        "learned_without_noise": learned_without_noise,
        "max_abs_learned_vs_least_squares": float(np.max(np.abs(learned - least_squares))),
        "max_abs_least_squares_vs_true": float(np.max(np.abs(least_squares - true))),
        "max_abs_learned_without_noise_vs_true": float(np.max(np.abs(learned_without_noise - true))),
    }


def write_report(out: Path, report: dict[str, Any], lines: list[str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2, default=_jsonable) + "\n")
    (out / "report.txt").write_text("\n".join(lines) + "\n")


def _jsonable(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} to report.json")


def pyplot():
    """matplotlib's pyplot on the non-interactive Agg backend (demos only write files)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _relative_luminance(rgb) -> float:
    """WCAG 2's relative luminance of an sRGB colour (components in [0, 1])."""
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb[:3]]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def text_colour_on(rgb) -> str:
    """``'black'`` or ``'white'``, whichever contrasts more with a cell of colour ``rgb``
    (WCAG's contrast ratio; on any cell colour the better of the two reaches at least 4.58:1)."""
    luminance = _relative_luminance(rgb)
    return "black" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "white"


def show_kernel(ax, kernel: np.ndarray, title: str, limit: float | None = None) -> None:
    limit = float(np.max(np.abs(kernel))) or 1.0 if limit is None else limit
    image = ax.imshow(kernel, cmap="RdBu_r", vmin=-limit, vmax=limit)
    for (i, j), value in np.ndenumerate(kernel):
        # dark cells (strong weights of either sign) need white numbers
        colour = text_colour_on(image.cmap(image.norm(value)))
        ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7, color=colour)
    ax.set_title(title, fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])
