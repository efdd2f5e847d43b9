"""The figures of the concept pages, drawn by matplotlib when the site is built.

Each public function draws one figure and returns it; the pages call them through
matplotlib's ``plot`` directive (``{plot} figures.py conv_vs_corr``), and
``tests/docs`` draws each one to check that it still renders. The numbers come from
NumPy and SciPy's own linear algebra, so the pictures do not depend on the code they
explain.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

__all__ = [
    "conv_vs_corr",
    "modes",
    "circular_vs_linear",
    "equivariance_and_strides",
    "toeplitz",
    "convolution_theorem",
]

_SIGNAL = np.array([0, 0, 1, 3, 2, 0, 0, -1, 0, 0], dtype=float)
_KERNEL = np.array([1.0, 0.5, -1.0])  # asymmetric, so flipping it shows


def _stem(ax, values, *, start=0, label=None, color="C0"):
    index = np.arange(start, start + len(values))
    markers, _, _ = ax.stem(index, values, linefmt=color, markerfmt=color + "o", basefmt=" ")
    if label:
        markers.set_label(label)
    ax.axhline(0, color="0.7", lw=0.8)
    return index


def conv_vs_corr():
    """Convolution flips the kernel before sliding it; cross-correlation does not."""
    fig, axes = plt.subplots(1, 3, figsize=(10, 2.8), sharey=True)
    _stem(axes[0], _SIGNAL, label="signal x")
    _stem(axes[0], _KERNEL, color="C1", label="kernel k")
    axes[0].set_title("signal x and kernel k")
    axes[0].legend(loc="upper right", fontsize=8)
    _stem(axes[1], np.convolve(_SIGNAL, _KERNEL), color="C2")
    axes[1].set_title(r"convolution $(x*k)[n]=\sum_m x[m]\,k[n-m]$", fontsize=9)
    _stem(axes[2], np.correlate(_SIGNAL, _KERNEL, mode="full"), color="C3")
    axes[2].set_title(r"cross-correlation $\sum_m x[m+n]\,k[m]$", fontsize=9)
    for ax in axes:
        ax.set_xlabel("n")
    fig.suptitle("the same signal and kernel: convolution vs cross-correlation (deep-learning 'conv')")
    return fig


def modes():
    """The output windows of 'full', 'same' and 'valid', for an odd and an even kernel."""
    x = np.arange(1.0, 9.0)
    fig, axes = plt.subplots(2, 1, figsize=(9, 4.2), sharex=True)
    for ax, k in zip(axes, (np.ones(3), np.ones(4))):
        full = np.convolve(x, k, mode="full")
        n, m = len(x), len(k)
        same_start = (m - 1) // 2  # scipy.signal centres 'same' on the full result
        windows = {
            "full": (0, n + m - 1),
            "same": (same_start, same_start + n),
            "valid": (m - 1, n),
        }
        _stem(ax, full, color="C7")
        for row, (name, (lo, hi)) in enumerate(windows.items()):
            ax.plot([lo - 0.3, hi - 0.7], [-1.5 - 1.2 * row] * 2, lw=5, color=f"C{row}", label=name)
        ax.set_ylim(-5.5, full.max() + 1)
        ax.set_title(f"signal length {n}, kernel length {m}: index of the full result", fontsize=9)
        ax.legend(loc="upper right", fontsize=8, ncol=3)
    axes[1].set_xlabel("n (index into the full convolution)")
    fig.suptitle("'same' keeps len(x) samples centred on the full result: start (m-1)//2")
    return fig


def circular_vs_linear():
    """Circular convolution of length N wraps the tail of the linear result around."""
    x = np.array([1.0, 2, 3, 4, 0, 0])
    k = np.array([1.0, 1, 1])
    linear = np.convolve(x, k)
    fig, axes = plt.subplots(1, 3, figsize=(10, 2.8), sharey=True)
    _stem(axes[0], linear, color="C0")
    axes[0].set_title(f"linear, length {len(linear)}")
    for ax, size in zip(axes[1:], (len(linear), 5)):
        circular = np.real(np.fft.ifft(np.fft.fft(x, size) * np.fft.fft(k, size)))
        _stem(ax, np.round(circular, 12), color="C1" if size >= len(linear) else "C3")
        wraps = "equals linear" if size >= len(linear) else "tail wrapped onto the head"
        ax.set_title(f"circular, N={size}: {wraps}", fontsize=9)
    for ax in axes:
        ax.set_xlabel("n")
    fig.suptitle("circular convolution equals linear convolution only when N >= len(x)+len(k)-1")
    return fig


def equivariance_and_strides():
    """Shifting the input shifts the output; with stride 2 only even shifts survive."""
    x = np.array([0, 0, 1, 3, 2, 0, 0, 0, 0, 0, 0, 0], dtype=float)
    shifted = np.roll(x, 1)
    k = np.array([1.0, -1.0])
    fig, axes = plt.subplots(1, 2, figsize=(10, 2.8))
    _stem(axes[0], np.convolve(x, k, mode="same"), color="C0", label="conv(x)")
    _stem(axes[0], np.convolve(shifted, k, mode="same") + 0.05, color="C1", label="conv(shift(x, 1))")
    axes[0].set_title("stride 1: the output is shifted by 1 as well", fontsize=9)
    axes[0].legend(fontsize=8)
    _stem(axes[1], np.convolve(x, k, mode="same")[::2], color="C0", label="down(conv(x), 2)")
    _stem(
        axes[1],
        np.convolve(shifted, k, mode="same")[::2] + 0.05,
        color="C3",
        label="down(conv(shift(x, 1)), 2)",
    )
    axes[1].set_title("stride 2: a shift by 1 is not a shift of the output", fontsize=9)
    axes[1].legend(fontsize=8)
    for ax in axes:
        ax.set_xlabel("n")
    return fig


def toeplitz():
    """A convolution layer is a dense layer with a Toeplitz weight matrix, and far fewer parameters."""
    from scipy.linalg import convolution_matrix

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), gridspec_kw={"width_ratios": [1, 1.3]})
    matrix = convolution_matrix(np.array([1.0, 2.0, 3.0]), 8, mode="full")
    axes[0].imshow(matrix, cmap="viridis")
    axes[0].set_title("convolution_matrix(k=[1,2,3], n=8): 10x8 Toeplitz", fontsize=9)
    axes[0].set_xlabel("input index")
    axes[0].set_ylabel("output index")
    sides = np.array([8, 16, 32, 64, 128])
    kernel = 3
    dense = (sides**2) * (sides**2)  # every output pixel weighs every input pixel
    conv = np.full(sides.shape, kernel * kernel)
    axes[1].semilogy(sides, dense, "o-", label="fully connected: (H W)^2 weights")
    axes[1].semilogy(sides, conv, "s-", label=f"convolution: {kernel}x{kernel} = 9 weights")
    axes[1].set_xlabel("image side H = W (one channel in, one out)")
    axes[1].set_ylabel("parameters")
    axes[1].set_title("parameter counts", fontsize=9)
    axes[1].legend(fontsize=8)
    return fig


def convolution_theorem():
    """The DFT of a (zero-padded) convolution is the product of the DFTs."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal(24)
    b = np.hanning(9)
    size = len(a) + len(b) - 1
    lhs = np.fft.rfft(np.convolve(a, b), size)
    rhs = np.fft.rfft(a, size) * np.fft.rfft(b, size)
    freq = np.arange(len(lhs))
    fig, axes = plt.subplots(1, 2, figsize=(10, 2.8))
    axes[0].plot(freq, np.abs(lhs), "o", label="|DFT(a * b)|")
    axes[0].plot(freq, np.abs(rhs), "-", label="|DFT(a)| |DFT(b)|")
    axes[0].set_xlabel("frequency bin")
    axes[0].legend(fontsize=8)
    axes[0].set_title(f"N = {size} = len(a)+len(b)-1", fontsize=9)
    axes[1].semilogy(freq, np.abs(lhs - rhs) + 1e-20, ".")
    axes[1].set_xlabel("frequency bin")
    axes[1].set_title("difference: rounding error only (float64)", fontsize=9)
    return fig
