"""How a layer function takes its parameters: the one-line call template, layouts and fixed values.

``verify_layer`` calls the user's function as the user says it is called. The *template*
is the argument list, one item per argument, written as in a call:

* ``ROLE`` passes that role positionally (``input, weight, bias``);
* ``NAME=ROLE`` passes it as the keyword ``NAME`` (``x=input, pad=padding``);
* ``NAME=LITERAL`` passes a constant on every call (``method='direct'``).

The forward roles are ``input, weight, bias, stride, padding, dilation, groups``; the
backward's are ``grad_output, input, weight, bias, stride, padding, dilation, groups`` and it
returns ``(grad_input, grad_weight, grad_bias)``. A role the template leaves out is not
passed: its value is ``fixed[role]`` when stated (a layer hard-wired to stride 2), else
PyTorch's default (no bias, stride 1, padding 0, dilation 1, groups 1), and the search keeps
it there. ``layout='NHWC'`` passes the input (and expects the output, the upstream gradient
and grad_input) channels-last; ``weight_layout='HWIO'`` passes the weight as
``(*kernel, in/groups, out)``. The letters name the order in any dimension.

:class:`ForwardCall` and :class:`BackwardCall` are what the harness calls in its worker:
``call(input, weight, bias, geometry)`` with plain NumPy arrays in PyTorch's layout.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from convalg.testing._harness import to_numpy
from convalg.testing._layer_geometry import Geometry

__all__ = [
    "DEFAULTS",
    "TORCH_BACKWARD",
    "TORCH_FORWARD",
    "BackwardCall",
    "CallSpec",
    "ForwardCall",
    "parse_template",
]

FORWARD_ROLES = ("input", "weight", "bias", "stride", "padding", "dilation", "groups")
BACKWARD_ROLES = ("grad_output", "input", "weight", "bias", "stride", "padding", "dilation", "groups")
#: PyTorch's defaults: what a role the template leaves out (and ``fixed`` does not state) is.
DEFAULTS = {"bias": None, "stride": 1, "padding": 0, "dilation": 1, "groups": 1}
#: ``torch.nn.functional.conv2d``'s and ``convalg.nn.functional.conv2d``'s argument list.
TORCH_FORWARD = "input, weight, bias, stride, padding, dilation, groups"
#: ``convalg.nn.functional.conv2d_grad``'s argument list.
TORCH_BACKWARD = "grad_output, input, weight, stride=stride, padding=padding, dilation=dilation, groups=groups"
LAYOUTS = ("NCHW", "NHWC")
WEIGHT_LAYOUTS = ("OIHW", "HWIO")


@dataclass(frozen=True)
class Template:
    """A parsed template: positional roles, keyword roles and constant keywords."""

    positional: tuple[str, ...]
    keywords: tuple[tuple[str, str], ...]  # (keyword, role)
    constants: tuple[tuple[str, object], ...]  # (keyword, value)

    @property
    def roles(self) -> set[str]:
        return set(self.positional) | {role for _, role in self.keywords}


def parse_template(text: str, roles=FORWARD_ROLES, required=("input", "weight")) -> Template:
    """Parse ``'input, weight, stride=stride, method="direct"'`` into a :class:`Template`.

    Examples
    --------
    >>> parse_template("x=input, w=weight, pad=padding").keywords
    (('x', 'input'), ('w', 'weight'), ('pad', 'padding'))
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"the call template must be a non-empty string like {TORCH_FORWARD!r}; got {text!r}")
    positional: list[str] = []
    keywords: list[tuple[str, str]] = []
    constants: list[tuple[str, object]] = []
    seen: set[str] = set()
    for item in (part.strip() for part in text.split(",")):
        name, equals, value = (p.strip() for p in item.partition("="))
        if not name.isidentifier():
            raise ValueError(f"template item {item!r} must be ROLE, NAME=ROLE or NAME=LITERAL")
        if not equals:
            if keywords or constants:
                raise ValueError(f"template item {item!r}: a positional role cannot follow a keyword")
            role = name
        elif value in roles:
            role = value
        else:
            try:
                constants.append((name, ast.literal_eval(value)))
            except (ValueError, SyntaxError):
                raise ValueError(
                    f"template item {item!r}: {value!r} is neither a role ({', '.join(roles)}) nor a Python literal"
                ) from None
            continue
        if role not in roles:
            raise ValueError(f"template item {item!r}: unknown role {role!r}; the roles are {', '.join(roles)}")
        if role in seen:
            raise ValueError(f"template item {item!r}: role {role!r} is passed twice")
        seen.add(role)
        (keywords.append((name, role)) if equals else positional.append(role))
    missing = [r for r in required if r not in seen]
    if missing:
        raise ValueError(f"the call template {text!r} must pass {', '.join(missing)}")
    return Template(tuple(positional), tuple(keywords), tuple(constants))


@dataclass(frozen=True)
class CallSpec:
    """Everything about how to call the user's function except the values."""

    dims: int
    template: Template
    layout: str = "NCHW"
    weight_layout: str = "OIHW"
    fixed: dict = field(default_factory=dict)

    def value(self, role: str, geom: Geometry):
        return {"stride": geom.stride, "padding": geom.padding, "dilation": geom.dilation, "groups": geom.groups}[role]

    def arguments(self, arrays: dict, geom: Geometry) -> tuple[list, dict]:
        """The positional and keyword arguments of one call."""

        def get(role):
            return arrays[role] if role in arrays else self.value(role, geom)

        args = [get(role) for role in self.template.positional]
        kwargs = {name: get(role) for name, role in self.template.keywords}
        kwargs.update(dict(self.template.constants))
        return args, kwargs

    def to_user(self, x: np.ndarray) -> np.ndarray:
        """An activation (N, C, *spatial) in the user's layout."""
        return np.ascontiguousarray(np.moveaxis(x, 1, -1)) if self.layout == "NHWC" else x

    def from_user(self, y: np.ndarray) -> np.ndarray:
        return np.moveaxis(y, -1, 1) if self.layout == "NHWC" and y.ndim == self.dims + 2 else y

    def weight_to_user(self, w: np.ndarray) -> np.ndarray:
        if self.weight_layout == "HWIO":
            return np.ascontiguousarray(np.transpose(w, (*range(2, w.ndim), 1, 0)))
        return w

    def weight_from_user(self, w: np.ndarray) -> np.ndarray:
        if self.weight_layout == "HWIO" and w.ndim == self.dims + 2:
            return np.transpose(w, (w.ndim - 1, w.ndim - 2, *range(w.ndim - 2)))
        return w

    def words(self) -> str:
        parts = [f"{self.dims}-D layer"]
        keywords = tuple(f"{k}={r}" for k, r in self.template.keywords)
        constants = tuple(f"{k}={v!r}" for k, v in self.template.constants)
        parts.append(f"called as fn({', '.join(self.template.positional + keywords + constants)})")
        if self.layout != "NCHW" or self.weight_layout != "OIHW":
            parts.append(f"layout {self.layout}, weight {self.weight_layout}")
        if self.fixed:
            parts.append("fixed " + ", ".join(f"{k}={v!r}" for k, v in self.fixed.items()))
        return "; ".join(parts)


class LayerResultError(Exception):
    """The function returned something that is not the layer's result (wrong count, shape or dtype)."""


def _as_array(value, what: str) -> np.ndarray:
    try:
        return to_numpy(value)
    except (TypeError, ValueError) as exc:
        raise LayerResultError(f"{what} is not an array of numbers: {exc}") from None


@dataclass(frozen=True)
class ForwardCall:
    """``call(input, weight, bias, geometry)``: the user's forward in PyTorch's layout.

    ``geometry`` is a 0-d object array holding the :class:`Geometry`; ``bias`` is ignored
    (None is passed) when the geometry has none.
    """

    fn: Callable[..., Any]
    spec: CallSpec

    def __call__(self, x, w, b, geometry):
        geom = geometry.item()
        arrays: dict[str, Any] = {"input": self.spec.to_user(x), "weight": self.spec.weight_to_user(w)}
        if "bias" in self.spec.template.roles:
            arrays["bias"] = b if geom.bias else None
        args, kwargs = self.spec.arguments(arrays, geom)
        return self.spec.from_user(_as_array(self.fn(*args, **kwargs), "the result"))


@dataclass(frozen=True)
class BackwardCall:
    """``call(grad_output, input, weight, geometry)``: the user's backward, its three results in one array.

    The harness sends back one array: the gradients are checked for shape and dtype here
    and returned concatenated (in the widest of their dtypes), then one element that is 1
    when grad_bias was returned and 0 when it was None.
    """

    fn: Callable[..., Any]
    spec: CallSpec

    def __call__(self, g, x, w, geometry):
        geom = geometry.item()
        arrays = {
            "grad_output": self.spec.to_user(g),
            "input": self.spec.to_user(x),
            "weight": self.spec.weight_to_user(w),
            "bias": None,
        }
        args, kwargs = self.spec.arguments(arrays, geom)
        result = self.fn(*args, **kwargs)
        if not isinstance(result, tuple | list) or len(result) != 3:
            raise LayerResultError(
                f"the backward must return (grad_input, grad_weight, grad_bias); got "
                f"{type(result).__name__}" + (f" of {len(result)}" if isinstance(result, tuple | list) else "")
            )
        gx = self.spec.from_user(_as_array(result[0], "grad_input"))
        gw = self.spec.weight_from_user(_as_array(result[1], "grad_weight"))
        given = result[2] is not None
        gb = _as_array(result[2], "grad_bias") if given else np.zeros(geom.out_channels, dtype=gx.dtype)
        for name, value, shape in (
            ("grad_input", gx, geom.input_shape),
            ("grad_weight", gw, geom.weight_shape),
            ("grad_bias", gb, (geom.out_channels,)),
        ):
            if value.shape != tuple(shape):
                raise LayerResultError(f"{name} has shape {value.shape}; it must have shape {tuple(shape)}")
            if value.dtype.kind == "f" and value.dtype.itemsize < np.dtype(geom.dtype).itemsize:
                raise LayerResultError(f"{name} has dtype {value.dtype}, less precise than the {geom.dtype} inputs")
        dtype = np.result_type(gx, gw, gb)
        return np.concatenate([gx.ravel(), gw.ravel(), gb.ravel(), [float(given)]]).astype(dtype)


def split_gradients(flat: np.ndarray, geom: Geometry):
    """The inverse of :class:`BackwardCall`'s concatenation."""
    sizes = [int(np.prod(s)) for s in (geom.input_shape, geom.weight_shape, (geom.out_channels,))]
    parts = np.split(np.asarray(flat), np.cumsum(sizes))
    gb = parts[2].reshape(geom.out_channels) if parts[3][0] else None
    return parts[0].reshape(geom.input_shape), parts[1].reshape(geom.weight_shape), gb
