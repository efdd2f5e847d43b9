"""The geometry of a layer call: its options checked, its shapes agreed, its output shape.

Every path (eager NumPy/CuPy/array-api-strict and dask, :mod:`convalg.chunked`) checks the
options here, through :mod:`convalg._runtime.validation`, so a bad ``stride``, ``padding``,
``dilation``, ``groups`` or ``method`` gets the same exception and message on each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, get_args

from convalg import backends
from convalg._runtime import validation
from convalg._typing import LayerMethod
from convalg.signal._dtypes import numpy_dtype

METHODS = get_args(LayerMethod)


@dataclass(frozen=True)
class Geometry:
    """The validated shape parameters of one convolution call."""

    nd: int
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    pad_before: tuple[int, ...]
    pad_after: tuple[int, ...]
    groups: int
    kernel: tuple[int, ...]
    spatial: tuple[int, ...]

    @property
    def padded(self) -> tuple[int, ...]:
        return tuple(n + a + b for n, a, b in zip(self.spatial, self.pad_before, self.pad_after))

    @property
    def out(self) -> tuple[int, ...]:
        return output_shape(self.padded, self.kernel, self.stride, self.dilation)


def output_shape(padded, kernel, stride, dilation) -> tuple[int, ...]:
    """Output positions per axis of a strided, dilated correlation of ``padded`` inputs."""
    return tuple((p - d * (k - 1) - 1) // s + 1 for p, k, s, d in zip(padded, kernel, stride, dilation))


@dataclass(frozen=True)
class Options:
    """The validated layer options: ``padding`` is 'same', 'valid' or one int per axis."""

    stride: tuple[int, ...]
    padding: str | tuple[int, ...]
    dilation: tuple[int, ...]
    groups: int


def layer_options(nd: int, stride: Any, padding: Any, dilation: Any, groups: Any) -> Options:
    """Check the options that do not depend on the arrays' shapes (the eager and the dask path).

    Wrong types raise TypeError, wrong values ValueError, with the same message on both paths.
    """
    groups = validation.positive_int(groups, "groups")
    stride = validation.int_tuple(stride, nd, "stride", 1)
    dilation = validation.int_tuple(dilation, nd, "dilation", 1)
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise ValueError(f"padding must be an int, a tuple, 'same' or 'valid'; got {padding!r}")
        if padding == "same" and any(s != 1 for s in stride):
            raise ValueError(f"padding='same' needs stride 1 in every dimension; got stride={stride}")
    else:
        padding = validation.int_tuple(padding, nd, "padding", 0)
    return Options(stride, padding, dilation, groups)


def geometry(input_shape, weight_shape, stride, padding, dilation, groups, nd) -> Geometry:
    """The checked :class:`Geometry` of a call; ValueError when shapes, channels and groups disagree.

    ``padding='same'`` pads ``dilation * (kernel - 1)`` zeros, the odd one on the right, as
    PyTorch does.
    """
    options = layer_options(nd, stride, padding, dilation, groups)
    stride, dilation, groups = options.stride, options.dilation, options.groups
    if len(input_shape) != nd + 2:
        raise ValueError(f"input must have {nd + 2} dimensions (N, C_in, {nd} spatial); got shape {tuple(input_shape)}")
    if len(weight_shape) != nd + 2:
        raise ValueError(
            f"weight must have {nd + 2} dimensions (C_out, C_in/groups, {nd} kernel); got shape {tuple(weight_shape)}"
        )
    channels, out_channels = input_shape[1], weight_shape[0]
    if channels % groups or out_channels % groups:
        raise ValueError(
            f"groups={groups} must divide both the input channels ({channels}) and the output channels ({out_channels})"
        )
    if weight_shape[1] * groups != channels:
        raise ValueError(
            f"weight has {weight_shape[1]} input channels per group but input has {channels} "
            f"channels in {groups} group(s); weight.shape[1] must be {channels // groups}"
        )
    kernel = tuple(int(k) for k in weight_shape[2:])
    if any(k < 1 for k in kernel):
        raise ValueError(f"weight must have a non-empty kernel; got kernel shape {kernel}")
    if options.padding == "valid":
        before = after = (0,) * nd
    elif options.padding == "same":
        total = [d * (k - 1) for k, d in zip(kernel, dilation)]
        before = tuple(t // 2 for t in total)
        after = tuple(t - b for t, b in zip(total, before))
    else:
        before = after = options.padding
    spatial = tuple(int(n) for n in input_shape[2:])
    result = Geometry(nd, stride, dilation, before, after, groups, kernel, spatial)
    reach = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(r > p for r, p in zip(reach, result.padded)):
        raise ValueError(
            f"the dilated kernel (extent {reach}) is larger than the padded input "
            f"(shape {result.padded}); use more padding or a smaller kernel/dilation"
        )
    if input_shape[0] < 1 or channels < 1 or out_channels < 1:
        raise ValueError(
            f"input and weight must have a non-empty batch and channels; got input shape "
            f"{tuple(input_shape)} and weight shape {tuple(weight_shape)}"
        )
    return result


def check_floating(xp, name: str, x) -> None:
    """TypeError unless ``x`` holds real floating-point numbers."""
    if not xp.isdtype(x.dtype, "real floating"):
        # the dtype by its NumPy name, as every library (and the dask path) names it alike
        raise TypeError(f"{name} must be a real floating-point array; got dtype {numpy_dtype(x.dtype)}")


def check_method(method: Any) -> str:
    """``method`` if it is one of :data:`METHODS`; else ValueError."""
    return validation.check_method(method, METHODS)


def arrays(nd, input, weight, bias=None, grad_output=None):
    """The namespace of a call and its named arrays, checked floating and in their common dtype."""
    named = {"input": input, "weight": weight}
    if bias is not None:
        named["bias"] = bias
    if grad_output is not None:
        named["grad_output"] = grad_output
    xp, arrays = backends.namespace(*named.values(), names=tuple(named))
    for name, array in zip(named, arrays):
        check_floating(xp, name, array)
    dtype = xp.result_type(*arrays)
    arrays = tuple(xp.astype(a, dtype, copy=False) for a in arrays)
    return xp, dict(zip(named, arrays))
