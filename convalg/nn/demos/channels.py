"""The ``channels`` demo: one layer with three input (RGB) and two output channels learns
horizontal and vertical edge detectors together, from a real colour photograph.

The input is scikit-learn's ``china.jpg`` sample photograph (standardised per channel). The
true kernel has shape (2, 3, 3, 3): output 0 is Sobel y (horizontal edges) and output 1 Sobel x
(vertical edges), each applied to the luminance ``0.299 R + 0.587 G + 0.114 B`` -- so every
(output, input) pair has its own 3x3 kernel. Gradient descent on all 54 weights at once must
reach the least-squares optimum, and without noise the true kernel.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from convalg import backends
from convalg.nn import functional as F
from convalg.nn.demos import _common

LUMINANCE = np.array([0.299, 0.587, 0.114])
TOLERANCE = 1e-4
NOISE = 0.1


def true_kernel() -> np.ndarray:
    """(2 outputs, 3 inputs, 3, 3): horizontal and vertical Sobel edges of the luminance."""
    return np.stack([LUMINANCE[:, None, None] * _common.SOBEL_Y, LUMINANCE[:, None, None] * _common.SOBEL_X])


def run(out, *, backend=None, quick=False, seed=0) -> dict:
    """Run the demo, write ``kernels.png``, ``loss.png``, ``feature_maps.png`` and the reports.

    Parameters are those of :func:`convalg.nn.demos.edges.run`.

    Examples
    --------
    ``channels.run("out/channels")`` writes the figures and reports (tests/nn/test_demos.py runs
    it); the kernel it learns has one 3x3 kernel per (output, input) channel pair:

    >>> from convalg.nn.demos import channels
    >>> channels.true_kernel().shape
    (2, 3, 3, 3)
    """
    start = time.perf_counter()
    out = Path(out)
    photo = _common.sample_photo("china.jpg", 8 if quick else 4)  # (H, W, 3)
    x = np.ascontiguousarray(photo.transpose(2, 0, 1))  # (3, H, W)
    kernel = true_kernel()
    rng = np.random.default_rng(seed)
    _, (x_b, k_b) = backends.namespace(x[None], kernel, backend=backend)
    clean = backends.to_numpy(F.conv2d(x_b, k_b))[0]
    noisy = clean + NOISE * clean.std(axis=(1, 2), keepdims=True) * rng.standard_normal(clean.shape)
    ls = _common.least_squares(x[None], noisy[None], (3, 3))
    steps = 6000
    learned, losses, used = _common.train_kernel(
        x[None], noisy[None], (3, 3), backend=backend, seed=seed, max_steps=steps
    )
    noiseless, _, _ = _common.train_kernel(x[None], clean[None], (3, 3), backend=backend, seed=seed, max_steps=steps)
    _, _, condition = _common.heavy_ball(x[None], (3, 3))
    report = {
        "demo": "channels",
        "image": f"sklearn load_sample_image('china.jpg'), {x.shape[1]}x{x.shape[2]} RGB, standardised per channel",
        "backend": backend or "numpy",
        "noise_relative_std": NOISE,
        "tolerance": TOLERANCE,
        "outputs": ["horizontal edges (sobel y of luminance)", "vertical edges (sobel x of luminance)"],
        **_common.kernel_comparison(kernel, ls, learned, noiseless),
        "gradient_descent_steps": used,
        "condition_number": condition,
    }
    report["holds"] = (
        report["max_abs_learned_vs_least_squares"] < TOLERANCE
        and report["max_abs_learned_without_noise_vs_true"] < TOLERANCE
    )
    report["seconds"] = time.perf_counter() - start
    _figures(out, report, losses, photo, clean, learned, x, backend)
    lines = [
        f"channels: a 3-in, 2-out layer learns edge detectors from {report['image']}",
        f"{used} heavy-ball steps on all {kernel.size} weights (condition number {condition:.0f})",
        f"max |learned - least squares|      = {report['max_abs_learned_vs_least_squares']:.2e}",
        f"max |least squares - true| (noise) = {report['max_abs_least_squares_vs_true']:.2e}",
        f"max |learned without noise - true| = {report['max_abs_learned_without_noise_vs_true']:.2e}",
        f"all promises hold (< {TOLERANCE:g}): {report['holds']}",
        f"seconds: {report['seconds']:.1f}",
    ]
    _common.write_report(out, report, lines)
    return report


def _figures(out, report, losses, photo, clean, learned, x, backend) -> None:
    plt = _common.pyplot()
    out.mkdir(parents=True, exist_ok=True)
    kernel = np.asarray(report["true"])
    limit = float(np.max(np.abs(kernel)))
    fig, axes = plt.subplots(4, 3, figsize=(6.6, 8.4))
    for o in range(2):
        for c, colour in enumerate("RGB"):
            _common.show_kernel(axes[2 * o, c], kernel[o, c], f"out {o}, in {colour}: true", limit)
            _common.show_kernel(axes[2 * o + 1, c], learned[o, c], f"out {o}, in {colour}: learned", limit)
    fig.tight_layout()
    fig.savefig(out / "kernels.png", dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.semilogy(np.arange(1, len(losses) + 1), losses)
    ax.set_xlabel("gradient descent step")
    ax.set_ylabel("mean squared error (noisy target)")
    # the heavy-ball momentum overshoots first: a reader must not take the rise for a divergence
    ax.set_title("heavy-ball momentum: an early overshoot, then fast convergence", fontsize=9)
    fig.tight_layout()
    fig.savefig(out / "loss.png", dpi=100)
    plt.close(fig)

    _, (x_b, k_b) = backends.namespace(x[None], learned, backend=backend)
    predicted = backends.to_numpy(F.conv2d(x_b, k_b))[0]
    fig, axes = plt.subplots(1, 5, figsize=(14, 3))
    shown = [(photo - photo.min()) / (photo.max() - photo.min()), clean[0], clean[1], predicted[0], predicted[1]]
    titles = ["input (RGB)", "true horizontal edges", "true vertical edges", "learned horizontal", "learned vertical"]
    for ax, picture, title in zip(axes, shown, titles):
        ax.imshow(picture, cmap=None if picture.ndim == 3 else "gray")
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(out / "feature_maps.png", dpi=100)
    plt.close(fig)
