"""Helpers of the chunked tests: the functions under test, data, and the error bounds a result must meet.

A chunked result is a set of independent computations, one per output block: the public
function applied in ``mode='valid'`` to the piece of the (zero-padded) input that the block's
outputs read. So each block gets the bound of *its own* plan (``convalg.signal.plan`` on that
piece, via ``convalg.testing.tolerance``) against the extended-precision oracle, and the
whole-array result the bound of the whole call's plan. Both within their bounds of the exact
result means the chunked and the whole result are within the sum of the bounds of each other
(``convalg.errorbounds.combine``); the helpers check all three.
"""

from __future__ import annotations

import math

import numpy as np

import convalg
from convalg import errorbounds, signal
from convalg.nn import functional
from convalg.testing import reference, tolerance

#: The scipy.signal-compatible public functions, by name.
SIGNAL_FUNCTIONS = {name: getattr(convalg, name) for name in ("convolve", "correlate", "fftconvolve", "oaconvolve")}


#: The PyTorch-semantics layer functions (convalg.nn.functional), by spatial rank.
NN_FUNCTIONS = {1: functional.conv1d, 2: functional.conv2d, 3: functional.conv3d}


def integers(rng, shape, dtype=np.int64):
    return rng.integers(-9, 10, size=shape).astype(dtype)


def floats(rng, shape, dtype=np.float64):
    dtype = np.dtype(dtype)
    if dtype.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def _op(name: str) -> str:
    return "correlation" if name == "correlate" else "convolution"


def _restricted(bound: errorbounds.Bound, index) -> errorbounds.Bound:
    """A whole result's bound, as it applies to one block of it."""
    if bound.kind != "componentwise":
        return bound  # a normwise bound of the whole bounds every part's 2-norm
    value = np.broadcast_to(bound.value, np.shape(bound.value))[index]
    return errorbounds.Bound("componentwise", value, bound.description)


def blocks(x_shape, k_shape, mode, chunks):
    """Per output block: its index in the result, and the slice of ``x`` padded by ``K - 1``.

    Output ``o`` of a mode is output ``t = o + offset`` of the full result, which reads the
    inputs ``t - (K - 1) ... t``; so a block ``[o, o + count)`` reads the piece
    ``[o + offset, o + offset + count + K - 1)`` of ``x`` zero-padded by ``K - 1`` on each side.
    """
    offsets = [{"full": 0, "same": (k - 1) // 2, "valid": k - 1}[mode] for k in k_shape]
    starts = [np.cumsum((0,) + tuple(c[:-1])) for c in chunks]
    for position in np.ndindex(*[len(c) for c in chunks]):
        index, piece = [], []
        for axis, i in enumerate(position):
            start, count = int(starts[axis][i]), chunks[axis][i]
            index.append(slice(start, start + count))
            first = start + offsets[axis]
            piece.append(slice(first, first + count + k_shape[axis] - 1))
        yield tuple(index), tuple(piece)


def assert_chunked_within_bounds(name, x, k, computed, chunks, whole, *, mode, **kwargs) -> None:
    """Every block (``chunks``) of ``computed`` within its own plan's bound; ``whole`` within the whole plan's.

    ``kwargs`` are the call's other arguments (``method``), passed to ``convalg.signal.plan``.
    """
    op = _op(name)
    whole_bound = tolerance(x, k, op=op, mode=mode, plan=signal.plan(name, x, k, mode=mode, **kwargs))
    assert_within(whole_bound, whole, reference(x, k, op=op, mode=mode))
    padded = np.pad(x, [(n - 1, n - 1) for n in k.shape])
    for index, piece_index in blocks(x.shape, k.shape, mode, chunks):
        piece = padded[piece_index]
        plan = signal.plan(name, piece, k, mode="valid", **kwargs)
        bound = tolerance(piece, k, op=op, mode="valid", plan=plan)
        block = computed[index]
        assert_within(bound, block, reference(piece, k, op=op, mode="valid"))
        assert_within(errorbounds.combine(bound, _restricted(whole_bound, index)), block, whole[index])


def nn_difference_bound(func, x, w, b, *, dtype, **options) -> errorbounds.Bound:
    """Twice the direct bound of a layer: ``C_in/groups * prod(k)`` products and a bias per output.

    It bounds results computed with ``method='direct'`` (the chunked and the whole one).
    """
    magnitude = func(
        np.abs(x).astype(np.float64),
        np.abs(w).astype(np.float64),
        None if b is None else np.abs(b).astype(np.float64),
        method="direct",
        **options,
    )
    terms = math.prod(w.shape[1:]) + (b is not None)
    single = errorbounds.direct(magnitude, terms=terms, dtype=dtype)
    return errorbounds.Bound(
        "componentwise", 2 * single.value, f"twice [{single.description}]: chunked and whole result"
    )


def assert_within(bound: errorbounds.Bound, result, reference) -> None:
    assert bound.holds(result, reference), (
        f"deviation {bound.deviation(result, reference):.3g} exceeds {bound.description} "
        f"(ratio {bound.ratio(result, reference):.3g})"
    )
