"""The laws every correct convolution layer obeys, checked on the user's own function, and known bugs.

A law relates several calls of the function (so it needs no reference at all), and a
broken law names the part of the layer that is wrong:

* linearity in the input and in the weight (``f(x1 + x2) = f(x1) + f(x2)``);
* the bias is one added constant per output channel;
* equivariance to shifts by the stride: dropping ``stride`` samples at the start of an
  axis drops one output there;
* groups are independent blocks: output group ``g`` is the groups=1 layer on input group
  ``g`` with weight group ``g``;
* padding is zeros around the input: ``f(x, padding=p) = f(pad(x), padding=0)``, with
  'same' putting the odd extra zero after, as PyTorch does.

Each comparison allows the sum of the calls' error allowances
(:mod:`~convalg.testing._layer_bounds`), so a correct layer never breaks a law.

:data:`FORWARD_BUGS` and :data:`BACKWARD_BUGS` are models of bugs people write (a flipped
kernel, 'same' padded on the wrong side, padding in dilated units, interleaved groups, a
transposed weight, int8 sums that wrap, a backward without the kernel flip, ...): when the
function's output on a counterexample is what a model gives, the report names the bug.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from convalg.testing._layer_bounds import forward_allowance
from convalg.testing._layer_geometry import Geometry
from convalg.testing._layer_oracle import forward, gradients

__all__ = ["BACKWARD_BUGS", "FORWARD_BUGS", "Law", "check_laws", "explain_backward", "explain_forward"]


@dataclass
class Law:
    """One law checked on one case: held, broken (with the detail) or not checkable (why)."""

    name: str
    holds: bool | None
    detail: str = ""

    def words(self) -> str:
        state = {True: "holds", False: "BROKEN", None: "not checked"}[self.holds]
        return f"{self.name}: {state}" + (f" ({self.detail})" if self.detail else "")


def _zero_padding(geom: Geometry):
    return (0,) * geom.dims if isinstance(geom.padding, tuple) else 0


def _allowance_for(allowance, shape):
    """The allowance of each element; for a wrong-shaped output, the case's largest allowance."""
    if np.ndim(allowance) == 0 or np.shape(allowance) == tuple(shape):
        return allowance
    return float(np.max(allowance, initial=0.0))


def _compare(name, left, right, allowance, what="") -> Law:
    if left is None or right is None:
        return Law(name, None, "a call it needs did not return")
    if np.shape(left) != np.shape(right):
        return Law(name, False, f"shapes {np.shape(left)} and {np.shape(right)}{what}")
    with np.errstate(all="ignore"):
        gap = np.abs(np.asarray(left, dtype=np.float64) - np.asarray(right, dtype=np.float64))
    bad = ~(gap <= _allowance_for(allowance, gap.shape))
    if not bad.any():
        return Law(name, True)
    worst = tuple(
        int(i) for i in np.unravel_index(int(np.argmax(np.where(bad, np.nan_to_num(gap, nan=np.inf), 0))), gap.shape)
    )
    return Law(name, False, f"the two sides differ by {gap[worst]:.3g} at {worst}{what}")


def check_laws(call, geom: Geometry, x, w, b, roles: set, fixed: dict) -> list[Law]:
    """Check every law that applies to this case; ``call(geom, x, w, b)`` returns an output or None.

    ``roles`` are those the function is passed: a law that needs another value of an
    option (no padding, groups=1, no bias) is checked only where that option can be passed.
    """
    laws = []
    rng = np.random.default_rng(7)
    floating = np.dtype(geom.dtype).kind == "f"
    plain = geom.but(bias=False)

    def allow(g, *arrays):
        return forward_allowance(g, *arrays) if floating else 0.0

    # linearity (integer-valued second operands keep the sums exact where the first is)
    x2 = rng.integers(-3, 4, size=x.shape).astype(x.dtype)
    w2 = rng.integers(-3, 4, size=w.shape).astype(w.dtype)
    if floating:
        for name, first, second, sum_args in (
            ("linearity in the input", (x, w), (x2, w), (x + x2, w)),
            ("linearity in the weight", (x, w), (x, w2), (x, w + w2)),
        ):
            one, two, both = call(plain, *first, None), call(plain, *second, None), call(plain, *sum_args, None)
            tol = allow(plain, *first) + allow(plain, *second) + allow(plain, *sum_args)
            laws.append(_compare(name, both, None if one is None or two is None else one + two, tol))
    if "bias" in roles and b is not None:
        with_bias, without = call(geom, x, w, b), call(plain, x, w, None)
        offset = None if with_bias is None or without is None else with_bias - without
        expected = np.broadcast_to(
            np.asarray(b, dtype=np.float64).reshape((1, -1) + (1,) * geom.dims), geom.output_shape
        )
        laws.append(
            _compare(
                "the bias adds one constant per output channel",
                offset,
                expected,
                allow(geom, x, w, b) + allow(plain, x, w),
            )
        )
    # shift equivariance, on the unpadded layer
    if "padding" in roles and "padding" not in fixed:
        valid = geom.but(padding=_zero_padding(geom) if not isinstance(geom.padding, str) else "valid", bias=False)
        for axis, (s, n, e) in enumerate(zip(valid.strides, valid.spatial, valid.extent)):
            if not valid.defined() or n - s < e:
                continue
            index = [slice(None)] * x.ndim
            index[2 + axis] = slice(s, None)
            shifted = valid.but(spatial=tuple(m - s if a == axis else m for a, m in enumerate(valid.spatial)))
            xs = np.ascontiguousarray(x[tuple(index)])
            whole, part = call(valid, x, w, None), call(shifted, xs, w, None)
            out_index = [slice(None)] * x.ndim
            out_index[2 + axis] = slice(1, None)
            laws.append(
                _compare(
                    f"equivariance to a shift by the stride (axis {axis})",
                    part,
                    None if whole is None else whole[tuple(out_index)],
                    allow(shifted, xs, w) + (allow(valid, x, w)[tuple(out_index)] if floating else 0),
                )
            )
    # groups as independent blocks
    if geom.groups > 1 and "groups" in roles and "groups" not in fixed:
        cg, og = geom.in_channels // geom.groups, geom.out_channels // geom.groups
        whole = call(geom, x, w, b)
        for k in range(geom.groups):
            single = geom.but(groups=1, in_channels=cg, out_channels=og)
            xs, ws = x[:, k * cg : (k + 1) * cg], w[k * og : (k + 1) * og]
            bs = None if b is None else b[k * og : (k + 1) * og]
            part = call(single, np.ascontiguousarray(xs), np.ascontiguousarray(ws), bs)
            laws.append(
                _compare(
                    f"groups are independent blocks (group {k})",
                    None if whole is None else whole[:, k * og : (k + 1) * og],
                    part,
                    (allow(geom, x, w, b)[:, k * og : (k + 1) * og] if floating else 0) + allow(single, xs, ws, bs),
                )
            )
            if laws[-1].holds is False:
                break
    # padding as explicit zeros
    if (
        geom.padding not in (0, "valid")
        and any(geom.pads[0] + geom.pads[1])
        and "padding" in roles
        and "padding" not in fixed
    ):
        before, after = geom.pads
        explicit = np.pad(x, [(0, 0), (0, 0)] + list(zip(before, after)))
        unpadded = geom.but(
            padding=_zero_padding(geom) if not isinstance(geom.padding, str) else "valid", spatial=explicit.shape[2:]
        )
        name = (
            "'same' pads the odd extra zero after (PyTorch)"
            if geom.padding == "same"
            else "padding is zeros around the input"
        )
        laws.append(
            _compare(
                name,
                call(geom, x, w, b),
                call(unpadded, explicit, w, b),
                allow(geom, x, w, b) + allow(unpadded, explicit, w, b),
            )
        )
    return laws


# ---------------------------------------------------------------- bug models


def _flip(w):
    return w[(slice(None), slice(None)) + (slice(None, None, -1),) * (w.ndim - 2)]


def _flipped_kernel(geom, x, w, b):
    return forward(geom, x, _flip(w), b)


def _same_before(geom, x, w, b):
    if geom.padding != "same":
        return None
    before, after = geom.pads
    if before == after:
        return None
    explicit = np.pad(x, [(0, 0), (0, 0)] + list(zip(after, before)))
    return forward(geom.but(padding="valid", spatial=explicit.shape[2:]), explicit, w, b)


def _padding_in_dilated_units(geom, x, w, b):
    if isinstance(geom.padding, str) or all(d == 1 for d in geom.dilations):
        return None
    scaled = tuple(p * d for p, d in zip(geom.pads[0], geom.dilations))
    g = geom.but(padding=scaled)
    return forward(g, x, w, b) if g.defined() else None


def _interleaved_groups(geom, x, w, b):
    if geom.groups == 1 or geom.in_channels // geom.groups == 1:
        return None
    cg = geom.in_channels // geom.groups
    order = [k * geom.groups + c for c in range(geom.groups) for k in range(cg)]
    if order == sorted(order):
        return None
    return forward(geom, x[:, order], w, b)


def _transposed_weight(geom, x, w, b):
    cg = geom.in_channels // geom.groups
    if geom.out_channels == 1 and cg == 1:
        return None
    if geom.groups != 1:
        return None
    reread = np.ascontiguousarray(w).reshape(cg, geom.out_channels, *geom.kernel).swapaxes(0, 1)
    return forward(geom, x, reread, b)


def _tap_channel_order(geom, x, w, b):
    cg = geom.in_channels // geom.groups
    if cg == 1 or all(k == 1 for k in geom.kernel):
        return None
    reread = np.ascontiguousarray(w).reshape(geom.out_channels, *geom.kernel, cg)
    return forward(geom, x, np.moveaxis(reread, -1, 1), b)


def _ceil_length(geom, x, w, b):
    if all(s == 1 for s in geom.strides) or isinstance(geom.padding, str):
        return None
    before, after = geom.pads
    extra = tuple(
        a + (s - 1 if (n + bb + a - e) % s else 0)
        for n, bb, a, e, s in zip(geom.spatial, before, after, geom.extent, geom.strides)
    )
    if extra == after:
        return None
    explicit = np.pad(x, [(0, 0), (0, 0)] + list(zip(before, extra)))
    return forward(geom.but(padding=_zero_padding(geom), spatial=explicit.shape[2:]), explicit, w, b)


def _wraps(bits):
    def model(geom, x, w, b):
        if np.dtype(geom.dtype).kind not in "iu":
            return None
        exact = forward(geom, x, w, b)
        return (exact + (1 << (bits - 1))) % (1 << bits) - (1 << (bits - 1))

    return model


def _saturates(geom, x, w, b):
    if np.dtype(geom.dtype).kind not in "iu":
        return None
    info = np.iinfo(geom.dtype)
    return np.clip(forward(geom, x, w, b), info.min, info.max)


def _bias_on_last_axis(geom, x, w, b):
    if b is None or geom.out_spatial[-1] != geom.out_channels or geom.out_channels == 1:
        return None
    return forward(geom, x, w, None) + np.asarray(b).astype(np.longdouble)


def _reversed_padding(geom, x, w, b):
    if not isinstance(geom.padding, tuple) or geom.padding == geom.padding[::-1]:
        return None
    g = geom.but(padding=geom.padding[::-1])
    return forward(g, x, w, b) if g.defined() else None


#: (description, model): the model's output on a case, or None where it does not apply
FORWARD_BUGS = (
    ("it convolves (flips the kernel) where a layer correlates", _flipped_kernel),
    ("'same' puts the odd extra zero before the input; PyTorch puts it after", _same_before),
    (
        "the padding is applied in dilated units (padding x dilation zeros): padding applied after dilation",
        _padding_in_dilated_units,
    ),
    (
        "groups are read interleaved (input channel c in group c % groups), not as consecutive blocks",
        _interleaved_groups,
    ),
    ("the weight is read in the transposed layout (in/groups, out, *kernel)", _transposed_weight),
    ("im2col columns are ordered (taps, channels) but the weight is flattened (channels, taps)", _tap_channel_order),
    ("the output length rounds up where the stride does not divide the padded length", _ceil_length),
    ("int8 sums wrap around modulo 2**8: accumulation without widening", _wraps(8)),
    ("int8 sums saturate at the int8 range: accumulation without widening", _saturates),
    ("int16 sums wrap around modulo 2**16: the accumulator is too narrow", _wraps(16)),
    ("the bias is broadcast along the last spatial axis, not the channels", _bias_on_last_axis),
    ("the padding tuple is applied to the axes in reverse order", _reversed_padding),
)


def _matches(model_output, output, allowance) -> bool:
    if model_output is None or np.shape(model_output) != np.shape(output):
        return False
    with np.errstate(all="ignore"):
        gap = np.abs(np.asarray(model_output, dtype=np.float64) - np.asarray(output, dtype=np.float64))
    return bool(np.all(gap <= _allowance_for(allowance, gap.shape)))


def _explaining(models, predict, explains) -> list[str]:
    """The descriptions of the models whose prediction ``explains`` the function's output."""
    found = []
    for description, model in models:
        try:
            predicted = predict(model)
        except (ValueError, IndexError):  # the model does not apply to this geometry
            continue
        if explains(predicted):
            found.append(description)
    return found


def explain_forward(geom: Geometry, x, w, b, output, allowance) -> list[str]:
    """The bug models whose output equals the function's on this case (and differs from the right one)."""
    correct = forward(geom, x, w, b)
    found = _explaining(
        FORWARD_BUGS,
        lambda model: model(geom, x, w, b),
        lambda p: _matches(p, output, allowance) and not _matches(p, correct, allowance),
    )
    if np.dtype(geom.dtype) == np.float64 and output is not None and np.shape(output) == geom.output_shape:
        loose = forward_allowance(geom.but(dtype="float32"), x, w, b)
        if _matches(forward(geom, x, w, b), output, loose):
            found.append("it computes in float32: within float32's error bound, not float64's")
    return found


def _grad_input_without_flip(geom, g, x, w):
    return gradients(geom, g, x, _flip(w))[0], None


def _grad_weight_shifted(geom, g, x, w):
    """Zeros inserted before each upstream sample (not after) shift grad_weight by stride - 1."""
    if all(s == 1 for s in geom.strides):
        return None, None
    shift = tuple(s - 1 for s in geom.strides)
    before, after = geom.pads
    xp = np.pad(x, [(0, 0), (0, 0)] + [(bb, a + sh) for bb, a, sh in zip(before, after, shift)])
    xp = xp[(slice(None), slice(None), *(slice(sh, None) for sh in shift))]
    unpadded = geom.but(
        padding=_zero_padding(geom) if not isinstance(geom.padding, str) else "valid", spatial=xp.shape[2:]
    )
    if unpadded.out_spatial != geom.out_spatial:
        return None, None
    return None, gradients(unpadded, g, xp, w)[1]


#: (description, model): a model gives (grad_input or None, grad_weight or None)
BACKWARD_BUGS = (
    (
        "grad_input correlates the upstream gradient with the kernel: it misses the kernel flip",
        _grad_input_without_flip,
    ),
    (
        "grad_weight is off by stride - 1 samples: zeros inserted before each upstream sample, not after",
        _grad_weight_shifted,
    ),
)


def explain_backward(geom: Geometry, g, x, w, computed, allowances) -> list[str]:
    """The backward bug models whose gradients equal the function's on this case (and differ from the right ones)."""
    correct = gradients(geom, g, x, w)

    def explains(predicted) -> bool:
        pairs = [
            (p, c, a, r) for p, c, a, r in zip(predicted, computed[:2], allowances[:2], correct[:2]) if p is not None
        ]
        return (
            bool(pairs)
            and all(_matches(p, c, a) for p, c, a, _ in pairs)
            and not all(_matches(p, r, a) for p, _, a, r in pairs)
        )

    return _explaining(BACKWARD_BUGS, lambda model: model(geom, g, x, w), explains)
