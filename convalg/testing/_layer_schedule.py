"""The cases ``verify_layer`` tries: geometries and values, from toy sizes to real layer sizes.

Layer bugs live in the geometry: odd sizes, a stride that does not divide the padded
length, dilation together with padding, groups, 'same' with an even dilated kernel, a
bias, integer saturation. The schedule cycles through *slots*, each a size tier
(``tiny``, ``small``, ``wide`` channels, ``long`` spatial sides) and a kind of values
(small integers, normal, ones, impulses, integer extremes, mixed magnitudes), and keeps its
own turn through the accepted dtypes and padding forms (an int, a tuple, 'same', 'valid').
Strides, dilations, groups and sizes are drawn at random in each tier; a third of the
draws pick the spatial size so that the stride does not divide the padded length.

Roles the user's template leaves out stay at their fixed or default value. Everything is
drawn from a seeded NumPy generator, so a schedule is reproducible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from convalg.testing._layer_geometry import Geometry, per_axis

__all__ = ["TIERS", "Case", "categories", "schedule", "tiny_geometry", "values"]

# (tier, value kind)
_SLOTS = (
    ("tiny", "integers"),
    ("small", "integers"),
    ("small", "normal"),
    ("wide", "integers"),
    ("small", "extremes"),
    ("tiny", "impulse"),
    ("long", "normal"),
    ("small", "ones"),
    ("small", "magnitudes"),
    ("wide", "normal"),
    ("small", "integers"),
    ("long", "integers"),
)
TIERS = ("tiny", "small", "wide", "long")
_PADDING_FORMS = ("int", "tuple", "same", "valid")


@dataclass
class Case:
    """One input of the search: geometry, values, and the upstream gradient for the backward."""

    geometry: Geometry
    input: np.ndarray
    weight: np.ndarray
    bias: np.ndarray | None
    grad_output: np.ndarray
    label: str


def categories(geom: Geometry) -> set[str]:
    """The forms of a call a function may decline as a whole (each is probed once)."""
    found = {f"dtype {geom.dtype}"}
    if isinstance(geom.padding, str):
        found.add(f"padding={geom.padding!r}")
    for role in ("stride", "padding", "dilation"):
        if isinstance(getattr(geom, role), tuple):
            found.add(f"{role} as a tuple")
    return found


def tiny_geometry(dims: int, dtype: str = "float64") -> Geometry:
    """A small geometry every layer handles: the base of the probes."""
    return Geometry(dims, 1, 2, 2, 1, (5,) * dims, (2,) * dims, dtype=dtype)


def _draw_values(rng, shape, kind: str, dtype: str | np.dtype, role: str) -> np.ndarray:
    dtype = np.dtype(dtype)
    integer = dtype.kind in "iu"
    if kind == "ones":
        x = np.ones(shape)
    elif kind == "impulse":
        x = np.zeros(shape)
        flat = x.reshape(-1)
        flat[rng.integers(0, flat.size, size=max(1, flat.size // 16))] = 1.0
        flat[[0, -1]] = 1.0  # at the ends, where padding and cropping go wrong
    elif kind == "extremes" and integer:
        info = np.iinfo(dtype)
        x = rng.choice([info.min, info.max, info.max - 1, -1, 0, 1], size=shape)
    elif kind == "extremes":
        x = rng.choice([-(2.0**10), 2.0**10, -1.0, 1.0, 0.0], size=shape)
    elif kind == "magnitudes":
        x = rng.standard_normal(shape) * 2.0 ** rng.integers(-30, 30, size=shape)
    elif kind == "normal":
        x = rng.standard_normal(shape)
    else:  # small integers: every product and sum exact in float32, so any error is a bug
        x = rng.integers(-4, 5, size=shape).astype(np.float64)
    if integer:
        x = np.round(x) if kind in ("ones", "impulse", "extremes") else rng.integers(-8, 9, size=shape)
        if role == "bias":  # a bias lives in the accumulator: draw it wider than int8
            x = x * 1000
    return np.asarray(x)


def values(
    geom: Geometry, kind: str, rng, accumulator: str | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]:
    """Input, weight, bias (or None) and an upstream gradient for ``geom``."""
    dtype = geom.dtype
    bias_dtype = accumulator if np.dtype(dtype).kind in "iu" and accumulator else dtype
    x = _draw_values(rng, geom.input_shape, kind, dtype, "input").astype(dtype)
    w = _draw_values(rng, geom.weight_shape, kind, dtype, "weight").astype(dtype)
    b = _draw_values(rng, (geom.out_channels,), kind, dtype, "bias").astype(bias_dtype) if geom.bias else None
    g_dtype = dtype if np.dtype(dtype).kind == "f" else "float64"
    g = _draw_values(rng, geom.output_shape, "integers" if kind != "normal" else "normal", g_dtype, "grad").astype(
        g_dtype
    )
    return x, w, b, g


def _tier_sizes(tier: str, dims: int, rng):
    """(batch, groups, in per group, out per group, spatial side range, kernel range)."""
    if tier == "tiny":
        return 1, 1, int(rng.integers(1, 3)), int(rng.integers(1, 3)), (1, 7), (1, 3)
    if tier == "small":
        return (
            int(rng.integers(1, 4)),
            int(rng.choice([1, 1, 2, 3])),
            int(rng.integers(1, 4)),
            int(rng.integers(1, 4)),
            (3, 12 if dims < 3 else 7),
            (1, 5 if dims < 3 else 3),
        )
    if tier == "wide":
        groups = int(rng.choice([1, 2, 4]))
        return (
            2,
            groups,
            16 // groups,
            16 // groups,
            {1: (8, 40), 2: (8, 14), 3: (4, 7)}[dims],
            (1, 4 if dims < 3 else 3),
        )
    side = {1: (400, 1200), 2: (40, 64), 3: (12, 17)}[dims]
    return 1, 1, int(rng.integers(1, 3)), int(rng.integers(1, 3)), side, (2, {1: 24, 2: 6, 3: 3}[dims])


def _draw_geometry(
    rng, dims: int, tier: str, dtype: str, padding_form: str, roles: set, fixed: dict, bias: bool
) -> Geometry | None:
    batch, groups, cg, og, (lo, hi), (klo, khi) = _tier_sizes(tier, dims, rng)

    def option(role, draw):
        if role in fixed:
            return fixed[role]
        return draw() if role in roles else {"stride": 1, "padding": 0, "dilation": 1, "groups": 1}[role]

    groups = option("groups", lambda: groups)
    if not isinstance(groups, int) or groups < 1:
        return None
    kernel = tuple(int(k) for k in rng.integers(klo, khi + 1, size=dims))
    small_steps = tier in ("tiny", "small")
    as_tuple = padding_form == "tuple"

    def steps(top):
        drawn = tuple(int(v) for v in rng.integers(1, top + 1, size=dims))
        return drawn if as_tuple or (dims > 1 and rng.random() < 0.3) else drawn[0]

    stride = option("stride", lambda: steps(3 if small_steps else 2))
    dilation = option("dilation", lambda: steps(3 if small_steps else 2))
    if padding_form == "same" and "padding" in roles:
        stride = option("stride", lambda: 1)
    dilations = per_axis(dilation, dims)

    def pad():
        if padding_form in ("same", "valid"):
            return padding_form
        drawn = tuple(int(rng.integers(0, max(e, 2))) for e in (d * (k - 1) + 1 for d, k in zip(dilations, kernel)))
        return drawn if as_tuple else drawn[0]

    padding = option("padding", pad)
    spatial = tuple(int(v) for v in rng.integers(lo, hi + 1, size=dims))
    geom = Geometry(
        dims, batch, groups * cg, groups * og, groups, spatial, kernel, stride, padding, dilation, bias, dtype
    )
    if rng.random() < 0.35:  # a stride that does not divide the padded length
        geom = geom.but(
            spatial=tuple(
                n + (1 if s > 1 and (n + b + a - e) % s == 0 else 0)
                for n, b, a, e, s in zip(spatial, *geom.pads, geom.extent, geom.strides)
            )
        )
    # grow the input until the dilated kernel fits the padded input
    before, after = geom.pads
    spatial = tuple(max(n, e - b - a) for n, b, a, e in zip(geom.spatial, before, after, geom.extent))
    geom = geom.but(spatial=spatial)
    return geom if geom.defined() else None


def schedule(
    dims: int,
    dtypes,
    *,
    max_examples: int,
    seed: int,
    roles: set,
    fixed: dict,
    padding_forms=_PADDING_FORMS,
    accumulator: str | None = None,
):
    """Yield ``max_examples`` cases: every slot with every dtype and padding form within a few cycles."""
    rng = np.random.default_rng(seed)
    dtypes = list(dtypes)
    forms = [f for f in _PADDING_FORMS if f in padding_forms] or ["int"]
    made = 0
    attempts = 0
    while made < max_examples and attempts < 20 * max_examples:
        attempts += 1
        tier, kind = _SLOTS[made % len(_SLOTS)]
        dtype = dtypes[(made // len(_SLOTS) + made) % len(dtypes)]
        form = forms[(made // 2) % len(forms)]
        bias = ("bias" in roles) and bool(rng.random() < 0.5)
        if np.dtype(dtype).kind in "iu" and kind in ("normal", "magnitudes"):
            kind = "extremes"
        geom = _draw_geometry(rng, dims, tier, dtype, form, roles, fixed, bias)
        if geom is None or math.prod(geom.input_shape) > 300_000:
            continue
        x, w, b, g = values(geom, kind, rng, accumulator)
        made += 1
        yield Case(geom, x, w, b, g, f"{tier} {kind}")
