"""Presets: the full contract of a well-known convolution, named by the function (``like='numpy.convolve'``).

Each preset states every field of :class:`~convalg.testing._contract.Contract` as the
library documents and does it, and its default window; a user's ``mode`` and ``boundary``
override the window and the boundary, so ``like='numpy.convolve', mode='same'`` is numpy's
'same' (as long as the longer input) and ``like='scipy.signal.convolve', mode='same'`` is
scipy's (as long as the first input). :func:`contract_from_options` is the one place the
Python API and the command line turn what a user wrote into a contract.
"""

from __future__ import annotations

from convalg.testing._contract import Contract

__all__ = ["PRESETS", "contract_from_options", "preset_names"]

_CONVOLUTION = dict(operation="convolution", conjugate="neither", order="signal-kernel")
_CORRELATION = dict(operation="correlation", conjugate="kernel", order="signal-kernel")
# numpy and scipy.signal: 'same' centred at (k - 1) // 2, 'valid' slides the smaller input over the larger
_SIGNAL = dict(
    same_start="(k-1)//2",
    same_length="signal",
    valid_shapes="either",
    boundary="zero",
    nonfinite="local",
    integers="wrap",
    precision="promote",
)
# numpy's 'same' is as long as the longer input; numpy.correlate swaps longer kernels and starts at n // 2
_NUMPY = dict(_SIGNAL, same_length="longer")
# scipy's FFT methods (and method='auto', which may choose them): NaN spreads, float32 inputs are transformed
# in float32 even beside a float64 one
_FFT = dict(_SIGNAL, nonfinite="spread", precision="lowest")
# scipy.signal.convolve2d / correlate2d: boundary 'fill' multiplies explicit zeros
_2D = dict(_SIGNAL, boundary="constant")
# scipy.ndimage: always 'same' (the signal's length); output in the signal's dtype, computed in float64
_NDIMAGE = dict(
    mode="same",
    same_length="signal",
    valid_shapes="either",
    boundary="reflect",
    nonfinite="local",
    integers="float64",
    precision="signal",
)
# torch: padding='same' (and integer padding) pads explicit zeros
_TORCH = dict(
    operation="correlation",
    conjugate="neither",
    order="signal-kernel",
    mode="valid",
    same_start="k//2",
    same_length="signal",
    valid_shapes="kernel-fits",
    boundary="constant",
    nonfinite="local",
    integers="wrap",
    precision="promote",
)


def _preset(name: str, dims: tuple[int, ...], *parts: dict, **fields) -> tuple[str, tuple[int, ...], Contract]:
    merged = {}
    for part in parts + (fields,):  # later parts win
        merged.update(part)
    return name, dims, Contract(name=name, **merged)


_TABLE = [
    _preset("numpy.convolve", (1,), _CONVOLUTION, _NUMPY, mode="full"),
    _preset("numpy.correlate", (1,), _CORRELATION, _NUMPY, mode="valid", same_start="(k-1)//2, n//2 if k > n"),
    _preset("scipy.signal.convolve", (1, 2, 3), _CONVOLUTION, _FFT, mode="full"),
    _preset("scipy.signal.correlate", (1, 2, 3), _CORRELATION, _FFT, mode="full"),
    _preset("scipy.signal.fftconvolve", (1, 2, 3), _CONVOLUTION, _FFT, mode="full"),
    _preset("scipy.signal.oaconvolve", (1, 2, 3), _CONVOLUTION, _FFT, mode="full"),
    _preset("scipy.signal.convolve2d", (2,), _CONVOLUTION, _2D, mode="full"),
    # correlate2d's 'same' starts at k // 2, unlike scipy.signal.correlate's
    _preset("scipy.signal.correlate2d", (2,), _CORRELATION, _2D, mode="full", same_start="k//2", quirk="correlate2d"),
    _preset("scipy.ndimage.convolve1d", (1,), _CONVOLUTION, _NDIMAGE, same_start="k//2", quirk="ndimage-1d"),
    _preset("scipy.ndimage.correlate1d", (1,), _CORRELATION, _NDIMAGE, same_start="(k-1)//2", quirk="ndimage-1d"),
    _preset("scipy.ndimage.convolve", (1, 2, 3), _CONVOLUTION, _NDIMAGE, same_start="k//2", quirk="ndimage"),
    _preset("scipy.ndimage.correlate", (1, 2, 3), _CORRELATION, _NDIMAGE, same_start="(k-1)//2", quirk="ndimage"),
    _preset("torch.conv1d", (1,), _TORCH),
    _preset("torch.conv2d", (2,), _TORCH),
    _preset("torch.conv3d", (3,), _TORCH),
]

#: name -> (dimensions the function takes, its contract)
PRESETS = {name: (dims, contract) for name, dims, contract in _TABLE}
for _short in ("conv1d", "conv2d", "conv3d"):
    PRESETS[f"torch.nn.functional.{_short}"] = PRESETS[f"torch.{_short}"]


def preset_names() -> list[str]:
    """The names ``like`` accepts."""
    return sorted(PRESETS)


def contract_from_options(
    contract: Contract | None = None,
    *,
    like: str | None = None,
    dims: int = 1,
    **fields,
) -> Contract:
    """The contract a user stated: a preset (``like``) and/or fields, fields winning.

    ``expect`` is accepted for ``operation`` (the earlier name). Stating only the product
    (``expect='correlation'``) states scipy's: the kernel conjugated, in argument order.

    Raises
    ------
    ValueError
        For an unknown preset, a preset of another dimension, a field value that does not
        exist (the message names the choices), or ndimage's boundary word given as ``mode``.

    Examples
    --------
    >>> contract_from_options(like="numpy.convolve", mode="same").same_length
    'longer'
    >>> contract_from_options(like="scipy.signal.convolve", mode="same").same_length
    'signal'
    >>> contract_from_options(expect="correlation").conjugate
    'kernel'
    """
    if "expect" in fields:
        expect = fields.pop("expect")
        if expect is not None and fields.get("operation") not in (None, expect):
            raise ValueError(f"expect={expect!r} and operation={fields['operation']!r} disagree")
        fields["operation"] = fields.get("operation") or expect
    mode = fields.get("mode")
    if mode is not None and mode not in ("full", "same", "valid"):
        hint = " (ndimage's mode is the boundary: state it as boundary=...)" if like and "ndimage" in like else ""
        raise ValueError(f"mode must be 'full', 'same' or 'valid'; got {mode!r}{hint}")
    base = Contract() if contract is None else contract
    if contract is not None and not isinstance(contract, Contract):
        raise TypeError(f"contract must be a Contract; got {type(contract).__name__}")
    if like is not None:
        if like not in PRESETS:
            raise ValueError(f"like must name a preset: {', '.join(preset_names())}; got {like!r}")
        preset_dims, preset = PRESETS[like]
        if dims not in preset_dims:
            raise ValueError(f"{like} takes {' or '.join(f'{d}-D' for d in preset_dims)} inputs; got dims={dims}")
        base = preset.override(**base.stated())
    stated = {k: v for k, v in fields.items() if v is not None}
    operation = stated.get("operation")
    if like is None and operation is not None and base.operation is None:
        # the product in one word is scipy's: correlation conjugates the kernel, arguments in order
        stated.setdefault("conjugate", "neither" if operation == "convolution" else "kernel")
        stated.setdefault("order", "signal-kernel")
    if stated.get("mode") == "same" and like is None and base.same_start is None:
        stated.setdefault("same_start", "(k-1)//2")
        stated.setdefault("same_length", "signal")
    return base.override(**stated)
