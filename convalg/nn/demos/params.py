"""The ``params`` demo: a convolution layer is a dense layer with a (doubly block) Toeplitz weight.

For the same input and output shapes, a conv layer has ``C_out * C_in * kh * kw (+ C_out)``
parameters and a fully connected layer ``(C_in * H * W) * (C_out * H_out * W_out) (+ outputs)``.
The demo builds the dense weight of the conv layer explicitly -- for every (output, input)
channel pair a block Toeplitz matrix whose blocks are the Toeplitz matrices of the kernel rows
(``scipy.linalg.convolution_matrix`` of the flipped row, since the layer correlates) -- and
checks numerically that ``Linear`` with that weight computes what ``Conv2d`` computes.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from convalg import backends, errorbounds, nn
from convalg.nn.demos import _common


def doubly_block_toeplitz(kernel: np.ndarray, height: int, width: int) -> np.ndarray:
    """The dense matrix of a valid, stride-1 correlation with one (kh, kw) kernel on (height, width).

    Row ``r * W_out + c`` holds the weights output pixel (r, c) gives the flattened input: block
    (r, r + i) is the Toeplitz matrix of kernel row ``i``, so the blocks are constant along the
    block diagonals and each block is itself Toeplitz.

    Examples
    --------
    >>> import numpy as np
    >>> doubly_block_toeplitz(np.array([[1.0, 2.0]]), 1, 3)
    array([[1., 2., 0.],
           [0., 1., 2.]])
    """
    from scipy.linalg import convolution_matrix

    kh, kw = kernel.shape
    out_h = height - kh + 1
    matrix = np.zeros((out_h * (width - kw + 1), height * width))
    for i in range(kh):
        # correlation with row i is convolution with the flipped row
        block = convolution_matrix(kernel[i, ::-1], width, mode="valid")
        shift = np.eye(out_h, height, k=i)  # selects input row r + i for output row r
        matrix += np.kron(shift, block)
    return matrix


def dense_weight(weight: np.ndarray, height: int, width: int) -> np.ndarray:
    """The (C_out * H_out * W_out, C_in * H * W) dense weight of a multi-channel conv layer."""
    return np.block(
        [
            [doubly_block_toeplitz(weight[o, c], height, width) for c in range(weight.shape[1])]
            for o in range(weight.shape[0])
        ]
    )


def _is_doubly_block_toeplitz(matrix, out_h, out_w, height, width) -> bool:
    blocks = matrix.reshape(out_h, out_w, height, width).transpose(0, 2, 1, 3)  # (r, r', c, c')
    for r in range(out_h):
        for rr in range(height):
            if r + 1 < out_h and rr + 1 < height and not np.array_equal(blocks[r, rr], blocks[r + 1, rr + 1]):
                return False
            block = blocks[r, rr]
            if not np.array_equal(block[1:, 1:], block[:-1, :-1]):
                return False
    return True


def counts(in_channels, out_channels, kernel, height, width, bias=True) -> dict:
    """Parameter counts of the conv layer and of the dense layer with the same input and output shapes."""
    out_h, out_w = height - kernel[0] + 1, width - kernel[1] + 1
    inputs, outputs = in_channels * height * width, out_channels * out_h * out_w
    return {
        "conv": out_channels * in_channels * kernel[0] * kernel[1] + (out_channels if bias else 0),
        "dense": inputs * outputs + (outputs if bias else 0),
        "input_shape": [in_channels, height, width],
        "output_shape": [out_channels, out_h, out_w],
    }


def run(out, *, backend=None, quick=False, seed=0) -> dict:
    """Count, build the Toeplitz weight, compare, and write ``toeplitz.png``, ``counts.png`` and the reports.

    Examples
    --------
    >>> import tempfile
    >>> from convalg.nn.demos import params
    >>> report = params.run(tempfile.mkdtemp(), quick=True)
    >>> report["conv_parameters"], report["dense_parameters"], report["deviation_within_bound"]
    (112, 27792, True)
    """
    start = time.perf_counter()
    out = Path(out)
    in_channels, out_channels, kernel = 3, 4 if quick else 8, (3, 3)
    height = width = 8 if quick else 16
    conv = nn.Conv2d(in_channels, out_channels, kernel, seed=seed, backend=backend)
    weight = backends.to_numpy(conv.weight.value)
    assert conv.bias is not None  # built with a bias (the default)
    bias = backends.to_numpy(conv.bias.value)
    matrix = dense_weight(weight, height, width)
    shape = counts(in_channels, out_channels, kernel, height, width)
    out_h, out_w = shape["output_shape"][1:]
    dense = nn.Linear(matrix.shape[1], matrix.shape[0], seed=seed, backend=backend)
    assert dense.bias is not None  # built with a bias (the default)
    _, (dense.weight.value, dense.bias.value) = backends.namespace(
        matrix, np.repeat(bias, out_h * out_w), backend=backend
    )
    x = np.random.default_rng(seed).standard_normal((5, in_channels, height, width))
    _, (x_b,) = backends.namespace(x, backend=backend)
    by_conv = backends.to_numpy(conv(x_b)).reshape(5, -1)
    by_dense = backends.to_numpy(dense(backends.namespace(x.reshape(5, -1), backend=backend)[1][0]))
    deviation = float(np.max(np.abs(by_conv - by_dense)))
    # both sides are direct sums of the same C_in*kh*kw products plus the bias, so each errs by at
    # most the componentwise direct bound and their difference by twice that
    magnitude = backends.to_numpy(nn.functional.conv2d(np.abs(x), np.abs(weight), np.abs(bias))).reshape(5, -1)
    terms = in_channels * kernel[0] * kernel[1] + 1
    bound = errorbounds.combine(*[errorbounds.direct(magnitude, terms=terms, dtype="float64")] * 2)
    within = bound.holds(by_conv, by_dense)
    structured = all(
        _is_doubly_block_toeplitz(
            matrix[o * out_h * out_w : (o + 1) * out_h * out_w, c * height * width : (c + 1) * height * width],
            out_h,
            out_w,
            height,
            width,
        )
        for o in range(out_channels)
        for c in range(in_channels)
    )
    report = {
        "demo": "params",
        "backend": backend or "numpy",
        "layer": f"Conv2d({in_channels}, {out_channels}, {kernel}) on {height}x{width}",
        "conv_parameters": shape["conv"],
        "dense_parameters": shape["dense"],
        "ratio": shape["dense"] / shape["conv"],
        "input_shape": shape["input_shape"],
        "output_shape": shape["output_shape"],
        "dense_weight_shape": list(matrix.shape),
        "dense_weight_nonzero_fraction": float(np.count_nonzero(matrix) / matrix.size),
        "doubly_block_toeplitz": structured,
        "max_deviation": deviation,
        "deviation_within_bound": within,
        "bound": bound.description,
        "deviation_to_bound_ratio": bound.ratio(by_conv, by_dense),
        "larger_shapes": {
            f"{c}x{h}x{h} -> {o} channels, 3x3": counts(c, o, (3, 3), h, h) for c, o, h in ((1, 32, 28), (3, 64, 224))
        },
    }
    report["holds"] = bool(within and structured)
    report["seconds"] = time.perf_counter() - start
    _figures(out, report, matrix, out_h * out_w, height * width)
    lines = [
        f"params: {report['layer']}, input {shape['input_shape']}, output {shape['output_shape']}",
        f"conv layer parameters:  {shape['conv']}",
        f"dense layer parameters: {shape['dense']}  ({report['ratio']:.0f} times as many)",
        (
            f"dense weight {matrix.shape}, {100 * report['dense_weight_nonzero_fraction']:.2f}% non-zero, "
            f"doubly block Toeplitz: {structured}"
        ),
        (
            f"max |Conv2d(x) - Linear(x) with the Toeplitz weight| = {deviation:.2e}, "
            f"{report['deviation_to_bound_ratio']:.3f} of the bound ({bound.description}): within {within}"
        ),
    ] + [f"{name}: conv {c['conv']}, dense {c['dense']}" for name, c in report["larger_shapes"].items()]
    _common.write_report(out, report, lines)
    return report


def _figures(out: Path, report, matrix, block_rows, block_cols) -> None:
    plt = _common.pyplot()
    out.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
    axes[0].spy(matrix, markersize=0.3, aspect="auto")
    axes[0].set_title(f"dense weight {matrix.shape}: non-zeros", fontsize=9)
    block = matrix[:block_rows, :block_cols]
    limit = float(np.max(np.abs(block)))
    axes[1].imshow(block, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto", interpolation="nearest")
    axes[1].set_title("one (output, input) channel block: doubly block Toeplitz", fontsize=9)
    fig.tight_layout()
    fig.savefig(out / "toeplitz.png", dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.bar(["conv", "dense"], [report["conv_parameters"], report["dense_parameters"]], color=["C0", "C1"])
    ax.set_yscale("log")
    ax.set_ylabel("parameters")
    ax.set_title(report["layer"], fontsize=9)
    fig.tight_layout()
    fig.savefig(out / "counts.png", dpi=100)
    plt.close(fig)
