"""The ``edges`` demo: ERM by gradient descent recovers known edge kernels from a real photograph.

Targets are made from two photographs shipped with packages -- scikit-image's ``camera`` and
the grey levels of scikit-learn's ``flower.jpg``, standardised -- with known kernels --
the textbook ``[1, -1]``, Sobel x and y, a Laplacian -- and Gaussian noise is added so the demo
is not an "inverse crime". The model is one bias-free ``Conv2d`` layer, linear in its kernel,
so the ERM optimum has a closed form (least squares over the image patches). The demo shows:

* gradient descent reaches the least-squares optimum (max abs difference < 1e-4);
* without noise it reaches the true kernel;
* when the target was made by a true *convolution*, the DL-style *correlation* layer learns
  the flipped kernel.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from convalg import backends
from convalg.nn import functional as F
from convalg.nn.demos import _common

KERNELS = {
    "difference [1, -1]": _common.DIFFERENCE,
    "sobel x": _common.SOBEL_X,
    "sobel y": _common.SOBEL_Y,
    "laplacian": _common.LAPLACIAN,
}
TOLERANCE = 1e-4
NOISE = 0.1  # noise standard deviation relative to the target's


def _true_convolution(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Convolution in the textbook sense (kernel flipped), 'valid' part: the signal-processing target,
    computed by convalg's scipy-compatible ``convolve2d``, not by the layer being trained."""
    import convalg

    return np.asarray(convalg.convolve2d(image, kernel, mode="valid"))


def run(out, *, backend=None, quick=False, seed=0) -> dict:
    """Run the demo, write its figures and reports into ``out``, and return the report.

    Parameters
    ----------
    out : path
        Folder for ``kernels.png``, ``loss.png``, ``feature_maps.png``, ``report.txt`` and
        ``report.json``.
    backend : {None, 'numpy', 'cupy', 'array_api_strict', 'torch'}, optional
        Where the layer computes (the least-squares reference is always NumPy float64).
    quick : bool, optional
        A smaller crop of the photograph (for tests); the promises are the same.
    seed : int, optional
        Seeds the initial kernels and the noise.

    Examples
    --------
    ``edges.run("out/edges")`` writes the figures and reports (tests/nn/test_demos.py runs it);
    the kernels it learns:

    >>> from convalg.nn.demos import edges
    >>> list(edges.KERNELS)
    ['difference [1, -1]', 'sobel x', 'sobel y', 'laplacian']
    """
    start = time.perf_counter()
    out = Path(out)
    factor = 8 if quick else 4
    camera = _common.camera(factor)
    flower = _common.luminance(_common.sample_photo("flower.jpg", factor // 2))
    side = min(camera.shape + flower.shape)
    images = np.stack([camera[:side, :side], flower[:side, :side]])[:, None]  # (2, 1, side, side)
    image = images[0, 0]
    rng = np.random.default_rng(seed)
    report: dict = {
        "demo": "edges",
        "image": f"skimage.data.camera and sklearn flower.jpg (grey), {side}x{side} each, standardised",
        "noise_relative_std": NOISE,
        "tolerance": TOLERANCE,
        "backend": backend or "numpy",
        "kernels": {},
    }
    curves = {}
    maps = None
    for index, (name, kernel) in enumerate(KERNELS.items()):
        shape = kernel.shape
        _, (x_b, k_b) = backends.namespace(images, kernel[None, None], backend=backend)
        clean = backends.to_numpy(F.conv2d(x_b, k_b))  # DL-style target: correlation
        noisy = clean + NOISE * clean.std() * rng.standard_normal(clean.shape)
        convolved = np.stack([_true_convolution(picture[0], kernel) for picture in images])[:, None]
        x = images
        ls = _common.least_squares(x, noisy, shape)[0, 0]
        steps = 4000 if not quick else 3000
        learned, losses, used = _common.train_kernel(
            x, noisy, shape, backend=backend, seed=seed + index, max_steps=steps
        )
        noiseless, _, _ = _common.train_kernel(x, clean, shape, backend=backend, seed=seed + index, max_steps=steps)
        flipped, _, _ = _common.train_kernel(x, convolved, shape, backend=backend, seed=seed + index, max_steps=steps)
        learned, noiseless, flipped = learned[0, 0], noiseless[0, 0], flipped[0, 0]
        _, _, condition = _common.heavy_ball(x, shape)
        report["kernels"][name] = {
            **_common.kernel_comparison(kernel, ls, learned, noiseless),
            "learned_from_convolution_target": flipped,
            "max_abs_learned_from_convolution_vs_flipped_true": float(np.max(np.abs(flipped - kernel[::-1, ::-1]))),
            "max_abs_learned_from_convolution_vs_true": float(np.max(np.abs(flipped - kernel))),
            "gradient_descent_steps": used,
            "condition_number": condition,
        }
        curves[name] = losses
        if name == "sobel x":
            maps = (image, noisy[0, 0], clean[0, 0])
    report["holds"] = all(
        k["max_abs_learned_vs_least_squares"] < TOLERANCE
        and k["max_abs_learned_without_noise_vs_true"] < TOLERANCE
        and k["max_abs_learned_from_convolution_vs_flipped_true"] < TOLERANCE
        for k in report["kernels"].values()
    )
    report["seconds"] = time.perf_counter() - start
    _figures(out, report, curves, maps)
    _common.write_report(out, report, _text(report))
    return report


def _text(report) -> list[str]:
    lines = [
        f"edges: ERM recovers edge kernels from {report['image']} (noise {report['noise_relative_std']} x target std)",
        "",
    ]
    for name, k in report["kernels"].items():
        lines += [
            f"{name}: {k['gradient_descent_steps']} heavy-ball steps (condition number {k['condition_number']:.0f})",
            f"  max |learned - least squares|          = {k['max_abs_learned_vs_least_squares']:.2e}",
            f"  max |least squares - true| (noise)     = {k['max_abs_least_squares_vs_true']:.2e}",
            f"  max |learned without noise - true|     = {k['max_abs_learned_without_noise_vs_true']:.2e}",
            (
                f"  convolution target: max |learned - flip(true)| = "
                f"{k['max_abs_learned_from_convolution_vs_flipped_true']:.2e} "
                f"(vs true: {k['max_abs_learned_from_convolution_vs_true']:.2f})"
            ),
        ]
    lines += [
        "",
        f"all promises hold (< {report['tolerance']:g}): {report['holds']}",
        f"seconds: {report['seconds']:.1f}",
    ]
    return lines


def _figures(out: Path, report, curves, maps) -> None:
    plt = _common.pyplot()
    out.mkdir(parents=True, exist_ok=True)
    names = list(report["kernels"])
    columns = {
        "true": "true",
        "least_squares": "least squares",
        "learned": "learned (GD)",
        "learned_from_convolution_target": "learned from a\nconvolution target",
    }
    fig, axes = plt.subplots(len(names), len(columns), figsize=(2.4 * len(columns), 2.0 * len(names)))
    for row, name in enumerate(names):
        k = report["kernels"][name]
        limit = float(np.max(np.abs(k["true"])))
        for col, (key, label) in enumerate(columns.items()):
            _common.show_kernel(axes[row, col], np.asarray(k[key]), label if row == 0 else "", limit)
        axes[row, 0].set_ylabel(name, fontsize=9)
    fig.tight_layout()
    fig.savefig(out / "kernels.png", dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(5, 3.5))
    for name, losses in curves.items():
        ax.semilogy(np.arange(1, len(losses) + 1), losses, label=name)
    ax.set_xlabel("gradient descent step")
    ax.set_ylabel("mean squared error (noisy target)")
    # the heavy-ball momentum overshoots first: a reader must not take the rise for a divergence
    ax.set_title("heavy-ball momentum: an early overshoot, then fast convergence", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "loss.png", dpi=100)
    plt.close(fig)

    image, noisy, clean = maps
    fig, axes = plt.subplots(1, 3, figsize=(9, 3.2))
    for ax, picture, title in zip(
        axes, (image, clean, noisy), ("camera (standardised)", "sobel x target", "with noise")
    ):
        ax.imshow(picture, cmap="gray")
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(out / "feature_maps.png", dpi=100)
    plt.close(fig)
