"""The types of convalg's public signatures, and the choices they allow, written once.

A ``Literal`` tells a type checker which strings an argument accepts; the runtime checks
take their tuples of choices from the same ``Literal`` (``typing.get_args``), so what the
signature promises and what the validation accepts cannot drift apart.

Examples
--------
>>> from typing import get_args
>>> from convalg._typing import Mode
>>> get_args(Mode)
('full', 'valid', 'same')
"""

from __future__ import annotations

from typing import Any, Literal, TypeAlias

__all__ = ["Array", "Backend", "BackendName", "Boundary", "LayerMethod", "Mode", "Padding", "SignalMethod"]

#: An array of any namespace convalg computes on (NumPy, CuPy, array-api-strict, torch, dask):
#: the array API standard has no static type, so the checker sees ``Any``.
Array: TypeAlias = Any

#: Which outputs of the full convolution are returned (scipy.signal's ``mode``).
Mode: TypeAlias = Literal["full", "valid", "same"]

#: How ``convolve2d`` extends the signal: scipy.signal's names, aliases included.
Boundary: TypeAlias = Literal["fill", "pad", "wrap", "circular", "symm", "symmetric"]

#: The engines of ``convalg.signal`` (``'oa'``: overlap-add).
SignalMethod: TypeAlias = Literal["auto", "direct", "fft", "oa"]

#: The engines of ``convalg.nn``'s layer operations.
LayerMethod: TypeAlias = Literal["auto", "direct", "fft"]

#: A layer's zero padding: one int for every axis, one per axis, or PyTorch's words.
Padding: TypeAlias = int | tuple[int, ...] | Literal["same", "valid"]

#: The array libraries a call can be told to compute in.
BackendName: TypeAlias = Literal["numpy", "cupy", "array_api_strict", "torch"]

#: The array library a call computes in; None: the library of its inputs.
Backend: TypeAlias = BackendName | None
