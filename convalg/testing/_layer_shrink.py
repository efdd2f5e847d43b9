"""Shrink a failing layer case to a minimal geometry and simple values, within a budget.

In the style of :mod:`convalg.testing._shrink`, but on a geometry: each step makes one
option simpler (batch 1, fewer groups and channels, no bias, stride/dilation/padding back
to their defaults, a smaller kernel and input, float64) and is kept only if the case still
fails the same way; values then become ones, rounded, or zeros element by element. The
arrays follow the geometry (a smaller kernel keeps the first taps, one group keeps the
first group's channels). What could not be simplified is what the failure *needs*, and
the report says so: "it fails only with stride=2, groups=2".
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from convalg.testing._layer_geometry import Geometry, per_axis
from convalg.testing._layer_schedule import Case

__all__ = ["ShrunkCase", "shrink_case"]

_ELEMENTWISE_LIMIT = 48
_VALUES = ("input", "weight", "bias", "grad_output")


@dataclass
class ShrunkCase:
    case: Case
    tries: int
    exhausted: bool
    needs: list[str]

    def words(self, original: Case) -> str:
        how = "stopped by the budget" if self.exhausted else "no single step keeps it failing"
        return f"shrunk from {original.geometry.words()} to {self.case.geometry.words()} in {self.tries} tries ({how})"


class _Budget(Exception):
    pass


def _fit(a: np.ndarray, shape, fill=1.0) -> np.ndarray:
    """``a`` cropped or extended (with ``fill``) to ``shape``."""
    out = np.full(shape, fill, dtype=a.dtype)
    common = tuple(slice(0, min(m, n)) for m, n in zip(a.shape, shape))
    out[common] = a[common]
    return out


def _regroup(case: Case, geom: Geometry) -> Case:
    """The case's arrays cut to a new geometry (channels group by group, first taps, first samples)."""
    old = case.geometry
    cg_old, og_old = old.in_channels // old.groups, old.out_channels // old.groups
    cg, og = geom.in_channels // geom.groups, geom.out_channels // geom.groups
    in_channels = [k * cg_old + c for k in range(geom.groups) for c in range(cg)]
    out_channels = [k * og_old + o for k in range(geom.groups) for o in range(og)]
    x = _fit(case.input[: geom.batch][:, in_channels], geom.input_shape, 0)
    w = _fit(case.weight[out_channels][:, :cg], geom.weight_shape, 0)
    b = None
    if geom.bias:
        b = case.bias[out_channels] if case.bias is not None else np.zeros(geom.out_channels, case.input.dtype)
    dtype = np.dtype(geom.dtype)
    if dtype != x.dtype:
        x, w = x.astype(dtype), w.astype(dtype)
        b = None if b is None else b.astype(dtype)
    g = _fit(case.grad_output[: geom.batch][:, out_channels], geom.output_shape)
    return Case(geom, np.ascontiguousarray(x), np.ascontiguousarray(w), b, np.ascontiguousarray(g), case.label)


def _simpler_geometries(geom: Geometry, roles: set, fixed: dict):
    """(words, geometry) steps, simplest first; only options the user's template passes change."""

    def varies(role):
        return role in roles and role not in fixed

    if geom.batch > 1:
        yield "batch 1", geom.but(batch=1)
    if geom.groups > 1 and varies("groups"):
        yield (
            "groups=1",
            geom.but(
                groups=1, in_channels=geom.in_channels // geom.groups, out_channels=geom.out_channels // geom.groups
            ),
        )
    if geom.out_channels > geom.groups:
        yield "fewer output channels", geom.but(out_channels=geom.groups)
    if geom.in_channels > geom.groups:
        yield "fewer input channels", geom.but(in_channels=geom.groups)
    if geom.bias:
        yield "no bias", geom.but(bias=False)
    for role in ("stride", "dilation"):
        value = getattr(geom, role)
        if not varies(role) or all(v == 1 for v in per_axis(value, geom.dims)):
            continue
        if not isinstance(value, tuple):
            yield f"{role} 1", geom.but(**{role: 1})
            continue
        for axis, v in enumerate(value):
            if v != 1:
                yield (
                    f"{role} 1 on axis {axis}",
                    geom.but(**{role: tuple(1 if a == axis else u for a, u in enumerate(value))}),
                )
    if varies("padding") and not isinstance(geom.padding, str) and any(geom.pads[0]):
        pads = per_axis(geom.padding, geom.dims)
        yield "padding 0", geom.but(padding=(0,) * geom.dims if isinstance(geom.padding, tuple) else 0)
        for axis, p in enumerate(pads):
            if p > 1:
                smaller = tuple(p - 1 if a == axis else q for a, q in enumerate(pads))
                yield (
                    f"padding {p - 1} on axis {axis}",
                    geom.but(padding=smaller if isinstance(geom.padding, tuple) else p - 1),
                )
    for axis, k in enumerate(geom.kernel):
        if k > 1:
            yield (
                f"kernel {k - 1} on axis {axis}",
                geom.but(kernel=tuple(k - 1 if a == axis else m for a, m in enumerate(geom.kernel))),
            )
    for axis, n in enumerate(geom.spatial):
        for side in sorted({n // 2, n - 1}):
            if 1 <= side < n:
                yield (
                    f"input side {side} on axis {axis}",
                    geom.but(spatial=tuple(side if a == axis else m for a, m in enumerate(geom.spatial))),
                )
    if geom.dtype == "float32" or geom.dtype == "float16":
        yield "float64", geom.but(dtype="float64")


def _value_steps(case: Case):
    """(name, array, simpler) candidates: whole arrays first, then single elements of small arrays."""
    for name in _VALUES:
        a = getattr(case, name)
        if a is None:
            continue
        yield name, np.ones_like(a)
        if a.dtype.kind == "f":
            yield name, np.round(a) + 0.0  # + 0.0: no negative zeros in the counterexample
    for name in _VALUES:
        a = getattr(case, name)
        if a is None or a.size > _ELEMENTWISE_LIMIT:
            continue
        for i in range(a.size):
            for value in (0, 1):
                if a.flat[i] != value:
                    b = a.copy()
                    b.flat[i] = value
                    yield name, b


def _simplicity(case: Case) -> tuple:
    arrays = [getattr(case, name) for name in _VALUES if getattr(case, name) is not None]
    return (
        sum(a.size for a in arrays),
        sum(int(np.count_nonzero(a)) for a in arrays),
        sum(int(np.count_nonzero((a != 0) & (a != 1))) for a in arrays),
        sum(float(np.abs(a.astype(np.float64)).sum()) for a in arrays),
    )


def shrink_case(
    case: Case, fails, roles: set, fixed: dict, *, max_calls: int = 250, max_seconds: float = 15.0
) -> ShrunkCase:
    """Shrink ``case`` while ``fails(case)`` stays true (it is assumed true of ``case``)."""
    deadline = time.perf_counter() + max_seconds
    tries = 0

    def holds(candidate: Case) -> bool:
        nonlocal tries
        if tries >= max_calls or time.perf_counter() > deadline:
            raise _Budget
        if not candidate.geometry.defined():
            return False
        tries += 1
        return bool(fails(candidate))

    exhausted = False
    current = case
    try:
        progress = True
        while progress:
            progress = False
            for _, geom in _simpler_geometries(current.geometry, roles, fixed):
                if geom.defined() and holds(trial := _regroup(current, geom)):
                    current, progress = trial, True
                    break
        progress = True
        while progress:
            progress = False
            for name, simpler in _value_steps(current):
                trial = Case(
                    current.geometry, current.input, current.weight, current.bias, current.grad_output, current.label
                )
                setattr(trial, name, simpler)
                if _simplicity(trial) < _simplicity(current) and holds(trial):
                    current, progress = trial, True
                    break
    except _Budget:
        exhausted = True
    needs = []
    if not exhausted:
        for words, geom in _simpler_geometries(current.geometry, roles, fixed):
            if words.startswith(("stride", "dilation", "padding 0", "groups", "no bias")) and geom.defined():
                needs.append(f"{words} passes")
    return ShrunkCase(current, tries, exhausted, needs)
