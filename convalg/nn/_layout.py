"""The array moves every engine shares: zero padding, dilation, the bias, compact results."""

from __future__ import annotations

from convalg import backends
from convalg._runtime.devices import device


def pad(xp, x, before, after):
    """Zero-pad the trailing ``len(before)`` axes of ``x``."""
    if not any(before) and not any(after):
        return x
    nd = len(before)
    lead = x.shape[: x.ndim - nd]
    shape = lead + tuple(n + a + b for n, a, b in zip(x.shape[x.ndim - nd :], before, after))
    padded = xp.zeros(shape, dtype=x.dtype, device=device(x))
    inner = tuple(slice(b, b + n) for b, n in zip(before, x.shape[x.ndim - nd :]))
    padded[(...,) + inner] = x
    return padded


def dilate(xp, x, factor, nd):
    """Insert ``factor - 1`` zeros between neighbours along the trailing ``nd`` axes."""
    if all(f == 1 for f in factor):
        return x
    spatial = x.shape[x.ndim - nd :]
    shape = x.shape[: x.ndim - nd] + tuple(f * (n - 1) + 1 for f, n in zip(factor, spatial))
    dilated = xp.zeros(shape, dtype=x.dtype, device=device(x))
    dilated[(...,) + tuple(slice(None, None, f) for f in factor)] = x
    return dilated


def indices(shape):
    """Every index tuple of ``shape``, in row-major order."""
    if not shape:
        yield ()
        return
    for i in range(shape[0]):
        for rest in indices(shape[1:]):
            yield (i,) + rest


def add_bias(xp, result, bias):
    """``result`` (B, G, O, *out) plus ``bias`` (G, O) broadcast over the batch and positions."""
    bias = xp.reshape(bias, (1,) + tuple(bias.shape) + (1,) * (result.ndim - 3))
    if backends.is_numpy(xp):
        import numpy as np

        if result.flags.c_contiguous:  # a fresh product of ours: add in place
            result += bias
            return result
        # one pass that adds the bias and compacts a cropped view (the FFT engine's)
        return np.add(result, bias, out=np.empty(result.shape, dtype=result.dtype))
    return result + bias


def contiguous(xp, x):
    """Cropped views (the FFT engine's, the input gradient's) made compact, as NumPy users expect."""
    if backends.is_numpy(xp):
        import numpy as np

        return np.ascontiguousarray(x)
    return x
