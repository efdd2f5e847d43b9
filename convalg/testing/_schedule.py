"""The search schedule: which inputs ``verify`` tries, so that a small budget still reaches real sizes.

Random testing of a convolution at toy sizes misses the bugs that live in code paths for
long signals (blocked or FFT paths), long kernels (unrolled loops, tap buffers), wide
images and deep volumes. The schedule therefore cycles through *slots*: each names a size
tier (tiny, small, medium, long signal, long kernel) and the kind of values (random,
ones, impulses at the ends, sparse, integer extremes, huge and tiny magnitudes, NaN and
infinity at chosen places), and keeps its own turn through the dtypes the function
accepts. Every slot comes round once in :data:`CYCLE` cases, so any budget of a few
cycles draws every tier with every dtype: the default of 100 cases reaches signals of
1,000 to 4,096 samples in every precision, kernels of 64 to 341 taps, 2-D sides of 64 to
80 and 3-D sides of 16 to 20. ``max_size`` (elements of the largest signal) scales the
large tiers.

Each *family* of slots (the long tiers; integer extremes; non-finite values; huge and tiny
magnitudes; the rest) keeps its own turn through the dtypes that suit it (extremes are
integers, NaN is a float), so the default budget draws each family in every such dtype.

The values are drawn with NumPy's generator from a seed, so a schedule is reproducible.
Hypothesis is not used here: its choice sequences are limited to a few thousand choices,
too few for arrays of thousands of elements, and the counterexamples found here are
shrunk by :mod:`convalg.testing._shrink`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Case", "schedule", "DTYPE_PAIRS", "CYCLE", "DEFAULT_MAX_SIZE", "size_summary"]

DEFAULT_MAX_SIZE = 4096
MAX_MAX_SIZE = 1 << 20

#: (signal dtype, kernel dtype) pairs probed; mixed pairs catch accumulation in one input's dtype.
DTYPE_PAIRS = (
    ("float64", "float64"),
    ("float32", "float32"),
    ("complex128", "complex128"),
    ("int64", "int64"),
    ("complex64", "complex64"),
    ("int8", "int8"),
    ("float32", "float64"),
    ("float64", "complex128"),
    ("complex128", "float64"),
)

# Magnitudes far from overflow even after thousands of products are summed, and small
# enough that products underflow into the subnormals.
_HUGE = {"float64": 1e75, "float32": 1e12}
_TINY = {"float64": 1e-160, "float32": 1e-21}

# (tier, signal values, kernel values); non-finite kinds name where the NaN or infinity goes
_SLOTS = (
    ("tiny", "normal", "normal"),
    ("long-signal", "normal", "normal"),
    ("small", "ones", "impulse"),
    ("long-kernel", "normal", "normal"),
    ("small", "nonfinite", "sparse"),
    ("medium", "normal", "normal"),
    ("tiny", "ones", "ones"),
    ("small", "extremes", "extremes"),
    ("medium", "sparse", "normal"),
    ("long-signal", "impulse", "normal"),
    ("small", "normal", "normal"),
    ("tiny", "normal", "nonfinite"),
    ("long-kernel", "normal", "sparse"),
    ("small", "magnitudes", "normal"),
    ("medium", "nonfinite", "normal"),
    ("small", "tiny", "tiny"),
    ("long-signal", "huge", "huge"),
    ("small", "huge", "huge"),
    ("medium", "alternating", "normal"),
    ("small", "normal", "impulse"),
)
CYCLE = len(_SLOTS)


@dataclass(frozen=True)
class Case:
    """One input pair of the schedule and how it was made."""

    signal: np.ndarray
    kernel: np.ndarray
    label: str


def _sides(dims: int, max_size: int) -> dict[str, tuple[tuple[int, int], tuple[int, int]]]:
    """Per tier: the (low, high) side of the signal and of the kernel (no signal side beyond the long tier's)."""
    if dims == 1:
        long_kernel = max(64, max_size // 12)
        tiers = {
            "tiny": ((1, 8), (1, 8)),
            "small": ((1, 24), (1, 12)),
            "medium": ((16, 200), (2, 40)),
            "long-signal": ((max(16, max_size // 4), max_size), (1, 33)),
            "long-kernel": ((16, 3 * long_kernel), (64, long_kernel)),
        }
    else:
        side = max(4, round(max_size ** (1 / dims)))
        if dims == 2:
            tiers = {
                "tiny": ((1, 5), (1, 5)),
                "small": ((1, 12), (1, 6)),
                "medium": ((8, 40), (1, 12)),
                "long-signal": ((side, side * 5 // 4), (1, 7)),
                "long-kernel": ((4, 40), (8, max(8, side // 3))),
            }
        else:
            tiers = {
                "tiny": ((1, 4), (1, 3)),
                "small": ((1, 8), (1, 4)),
                "medium": ((5, 12), (1, 6)),
                "long-signal": ((side, side * 5 // 4), (1, 4)),
                "long-kernel": ((3, 12), (5, max(5, side // 2))),
            }
    cap = tiers["long-signal"][0][1]
    return {tier: ((min(lo, cap), min(hi, cap)), kernel) for tier, ((lo, hi), kernel) in tiers.items()}


def size_summary(dims: int, max_size: int = DEFAULT_MAX_SIZE) -> str:
    """The largest sizes the schedule draws, in words."""
    sides = _sides(dims, max_size)
    (s_lo, s_hi), _ = sides["long-signal"]
    _, (k_lo, k_hi) = sides["long-kernel"]
    unit = "samples" if dims == 1 else "per side"
    return f"signals of {s_lo} to {s_hi} {unit}, kernels of {k_lo} to {k_hi} {unit}"


def _family(tier: str, signal_kind: str, kernel_kind: str) -> str:
    """Slots that need the same kind of dtype share one turn through the dtypes."""
    kinds = {signal_kind, kernel_kind}
    if tier.startswith("long"):
        return tier
    for family in ("extremes", "nonfinite"):
        if family in kinds:
            return family
    if kinds & {"huge", "tiny", "magnitudes"}:
        return "magnitudes"
    return "other"


def _suits(family: str, pair) -> bool:
    integers = all(d.kind in "iu" for d in pair)
    if family == "extremes":
        return integers
    if family in ("nonfinite", "magnitudes"):
        return all(d.kind in "fc" for d in pair)
    return True


def _for_dtype(kind: str, integers: bool) -> str:
    """The value kind a slot asks for, made sensible for the drawn dtype."""
    if integers and kind in ("nonfinite", "huge", "tiny", "magnitudes"):
        return "normal"
    if not integers and kind == "extremes":
        return "huge"
    return kind


def _values(rng, kind: str, shape, dtype: np.dtype, place: str, scale: str = "float64") -> np.ndarray:
    """An array of ``shape`` and ``dtype`` with values of the given ``kind``.

    ``scale`` names the precision whose huge and tiny magnitudes are used (the pair's lowest,
    so that no exact result overflows the other input's precision either).
    """
    size = math.prod(shape)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        if kind == "extremes":
            span = (info.max // 2, info.max) if dtype.itemsize > 1 else (info.max // 4, info.max)
            x = rng.integers(span[0], span[1], size, endpoint=True) * rng.choice([-1, 1], size)
        elif kind in ("ones", "impulse", "alternating", "sparse"):
            x = _structured(rng, kind, size, place)
        else:
            limit = 5 if dtype.itemsize == 1 else 1000
            x = rng.integers(-limit, limit, size, endpoint=True)
        return np.asarray(x).astype(dtype).reshape(shape)
    name = scale

    def draw():
        if kind in ("ones", "impulse", "alternating", "sparse"):
            return _structured(rng, kind, size, place)
        x = rng.standard_normal(size)
        if kind == "huge":
            return x * _HUGE[name]
        if kind == "tiny":
            return x * _TINY[name]
        if kind == "magnitudes":
            return x * 10.0 ** rng.uniform(-8, 8, size)
        return x

    x = draw()
    if dtype.kind == "c":
        x = x + 1j * draw() if kind not in ("ones", "impulse") else x * (1 + 1j)
    if kind == "nonfinite":
        x = np.array(x, dtype=dtype)
        index = {"first": 0, "last": size - 1, "middle": size // 2}.get(place, int(rng.integers(size)))
        value = {0: np.nan, 1: np.inf, 2: -np.inf}[int(rng.integers(3))]
        x[index] = value if dtype.kind != "c" or rng.integers(2) else complex(0.5, value)
    return np.asarray(x).astype(dtype).reshape(shape)


def _structured(rng, kind: str, size: int, place: str) -> np.ndarray:
    if kind == "ones":
        return np.ones(size)
    if kind == "alternating":
        return (-1.0) ** np.arange(size)
    x = np.zeros(size)
    if kind == "impulse":
        x[{"first": 0, "last": size - 1, "middle": size // 2}.get(place, int(rng.integers(size)))] = 1
        return x
    chosen = rng.choice(size, max(1, size // 8), replace=False)  # sparse: mostly zeros
    x[chosen] = rng.integers(1, 5, len(chosen)) * rng.choice([-1, 1], len(chosen))
    return x


def schedule(
    dims: int,
    dtype_pairs,
    *,
    max_examples: int,
    max_size: int = DEFAULT_MAX_SIZE,
    seed: int = 0,
    defined=None,
):
    """Yield ``max_examples`` cases, cycling through the slots and, per slot, through ``dtype_pairs``.

    Parameters
    ----------
    dims : {1, 2, 3}
    dtype_pairs : sequence of (str, str)
        The (signal, kernel) dtypes the function accepts.
    max_examples : int
    max_size : int
        Elements of the largest signal drawn (scales the long tiers).
    seed : int
    defined : callable, optional
        ``defined(signal_shape, kernel_shape) -> bool``; kernels are shrunk to fit the
        signal when a drawn pair of shapes is not defined by the contract.

    Examples
    --------
    >>> cases = list(schedule(1, [("float32", "float32")], max_examples=20))
    >>> max(len(c.signal) for c in cases) >= 1024, max(len(c.kernel) for c in cases) >= 64
    (True, True)
    """
    pairs = [tuple(np.dtype(d) for d in p) for p in dtype_pairs]
    if not pairs:
        return
    sides = _sides(dims, max_size)
    places = ("first", "last", "middle", "random")
    turns: dict[str, int] = {}
    for index in range(max_examples):
        slot = index % CYCLE
        tier, signal_kind, kernel_kind = _SLOTS[slot]
        family = _family(tier, signal_kind, kernel_kind)
        eligible = [p for p in pairs if _suits(family, p)] or pairs
        turn = turns.get(family, 0)
        turns[family] = turn + 1
        signal_dtype, kernel_dtype = eligible[turn % len(eligible)]
        rng = np.random.default_rng([seed, index])
        (s_lo, s_hi), (k_lo, k_hi) = sides[tier]
        s_shape = tuple(int(v) for v in rng.integers(s_lo, s_hi, dims, endpoint=True))
        k_shape = tuple(int(v) for v in rng.integers(k_lo, k_hi, dims, endpoint=True))
        if tier == "long-signal" and dims > 1:  # one long axis is enough to reach the blocked paths
            s_shape = (s_shape[0],) + tuple(int(v) for v in rng.integers(max(1, s_lo // 2), s_hi, dims - 1))
        if defined is not None and not defined(s_shape, k_shape):
            k_shape = tuple(min(n, k) for n, k in zip(s_shape, k_shape))
            if not defined(s_shape, k_shape):
                continue
        place = places[(turn + slot) % len(places)]
        integers = signal_dtype.kind in "iu" or kernel_dtype.kind in "iu"
        signal_kind, kernel_kind = (_for_dtype(kind, integers) for kind in (signal_kind, kernel_kind))
        scale = "float32" if {signal_dtype, kernel_dtype} & {np.dtype("float32"), np.dtype("complex64")} else "float64"
        signal = _values(rng, signal_kind, s_shape, signal_dtype, place, scale)
        kernel = _values(rng, kernel_kind, k_shape, kernel_dtype, places[(turn + slot + 1) % len(places)], scale)
        dtypes = signal_dtype.name if signal_dtype == kernel_dtype else f"{signal_dtype.name} x {kernel_dtype.name}"
        label = f"{tier} {dtypes}, {signal_kind}/{kernel_kind} values"
        yield Case(signal, kernel, label)
