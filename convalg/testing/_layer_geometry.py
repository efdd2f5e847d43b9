"""The geometry of one call of a convolution layer, and the shapes PyTorch's semantics give it.

A :class:`Geometry` is everything a layer call depends on except the values: batch,
channels, groups, spatial and kernel sizes, stride, padding (int, tuple, 'same' or
'valid', kept in the form it is passed), dilation, whether there is a bias, and the
dtype. The padding amounts and the output size are computed here from PyTorch's
documented formulas (``out = (n + before + after - dilation (k - 1) - 1) // stride + 1``;
'same' puts the odd extra zero after), written apart from :mod:`convalg.nn.functional`
so that what ``verify_layer`` checks against shares no code with convalg's own layer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

__all__ = ["Geometry"]


def per_axis(value, dims: int) -> tuple[int, ...]:
    """An int or a tuple of ints as one int per spatial axis."""
    if isinstance(value, tuple):
        return tuple(int(v) for v in value)
    return (int(value),) * dims


@dataclass(frozen=True)
class Geometry:
    """One layer call's shapes and options (PyTorch's ``conv{1,2,3}d`` parameters)."""

    dims: int
    batch: int
    in_channels: int
    out_channels: int
    groups: int
    spatial: tuple[int, ...]
    kernel: tuple[int, ...]
    stride: int | tuple[int, ...] = 1
    padding: int | tuple[int, ...] | str = 0
    dilation: int | tuple[int, ...] = 1
    bias: bool = False
    dtype: str = "float64"

    # ------------------------------------------------------------ shapes

    @property
    def strides(self) -> tuple[int, ...]:
        return per_axis(self.stride, self.dims)

    @property
    def dilations(self) -> tuple[int, ...]:
        return per_axis(self.dilation, self.dims)

    @property
    def pads(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Zeros before and after the input along each spatial axis."""
        if self.padding == "valid":
            return (0,) * self.dims, (0,) * self.dims
        if self.padding == "same":
            total = [d * (k - 1) for d, k in zip(self.dilations, self.kernel)]
            before = tuple(t // 2 for t in total)
            return before, tuple(t - b for t, b in zip(total, before))
        p = per_axis(self.padding, self.dims)
        return p, p

    @property
    def extent(self) -> tuple[int, ...]:
        """The dilated kernel's reach along each axis."""
        return tuple(d * (k - 1) + 1 for d, k in zip(self.dilations, self.kernel))

    @property
    def out_spatial(self) -> tuple[int, ...]:
        before, after = self.pads
        return tuple(
            (n + b + a - e) // s + 1 for n, b, a, e, s in zip(self.spatial, before, after, self.extent, self.strides)
        )

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (self.batch, self.in_channels, *self.spatial)

    @property
    def weight_shape(self) -> tuple[int, ...]:
        return (self.out_channels, self.in_channels // self.groups, *self.kernel)

    @property
    def output_shape(self) -> tuple[int, ...]:
        return (self.batch, self.out_channels, *self.out_spatial)

    @property
    def terms(self) -> int:
        """Products summed into one output (plus one for the bias)."""
        return self.in_channels // self.groups * math.prod(self.kernel) + self.bias

    @property
    def products(self) -> int:
        """Products a direct evaluation forms (the cost of an exact check)."""
        return math.prod(self.output_shape) * self.terms

    def defined(self) -> bool:
        """Whether PyTorch's semantics define this call (else a refusal is correct)."""
        before, after = self.pads
        return (
            self.in_channels % self.groups == 0
            and self.out_channels % self.groups == 0
            and all(n + b + a >= e for n, b, a, e in zip(self.spatial, before, after, self.extent))
            and not (self.padding == "same" and any(s != 1 for s in self.strides))
        )

    def but(self, **changes) -> Geometry:
        """A copy with some fields changed."""
        return replace(self, **changes)

    def describe(self) -> str:
        """The call's options as Python keyword arguments (for reports and snippets)."""
        return f"stride={self.stride!r}, padding={self.padding!r}, dilation={self.dilation!r}, groups={self.groups}"

    def words(self) -> str:
        """A short human description: shapes, options and dtype."""
        return (
            f"input {self.input_shape}, weight {self.weight_shape}{', bias' if self.bias else ''}, "
            f"{self.describe()}, {self.dtype}"
        )
