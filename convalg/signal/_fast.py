"""The small-call fast path: 1-D ``convolve``/``correlate`` of plain NumPy floating arrays.

A call in a loop over short signals spends most of its time in the general planning of
:mod:`convalg.signal._plan` (namespace detection, range analysis, the cost model, the
memory guard), all of which has a known answer for such a call:

* two plain ``numpy.ndarray`` inputs (exact type: no subclass, no other library) of the
  same native floating dtype need no conversion and keep that dtype;
* when the modelled direct cost is below the fixed cost of any transform
  (:data:`convalg.signal._choose.FFT_CALL`) method='auto' picks 'direct', and with fewer
  than 16 taps and less work than :data:`convalg.signal._direct_numpy.PARALLEL_WORK` the
  direct method is one ``numpy.convolve`` (:func:`convalg.signal._direct_numpy.numpy_1d`),
  whatever the data: no BLAS rows, no threads;
* range analysis only matters when a sum overflows (a non-finite output) and NaN or Inf
  in an input only matters to the FFT methods, which are not chosen here. So the outputs
  are checked instead of the inputs: an all-finite result (one pass) is the general
  path's result, and any other result is thrown away and the call re-planned in full, so
  overflow rescue and every other rule stay where they are.

Everything else (other dtypes, exact integers, N-D, bad arguments, memory limits that
need a closer look) returns None and takes the general path, which raises the same errors.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from convalg._runtime import memory, windows
from convalg.signal import _choose, _direct_numpy

_FLOATING = frozenset(np.dtype(t) for t in (np.float32, np.float64, np.complex64, np.complex128))
_MODES = ("full", "same", "valid")
_METHODS = ("auto", "direct")
#: The BLAS rows of the direct method start at this many taps (``_choose.use_blas_1d``).
_MAX_TAPS = 15


def convolve_1d(function: str, in1: Any, in2: Any, mode: Any, method: Any) -> np.ndarray | None:
    """The result of ``function`` ('convolve' or 'correlate') for a small 1-D float call, or
    None when the call needs the general path (see the module docstring)."""
    if type(in1) is not np.ndarray or type(in2) is not np.ndarray:
        return None
    if type(mode) is not str or mode not in _MODES or type(method) is not str or method not in _METHODS:
        return None
    dtype = in1.dtype
    if in2.dtype != dtype or dtype not in _FLOATING or in1.ndim != 1 or in2.ndim != 1:
        return None
    n1, n2 = in1.shape[0], in2.shape[0]
    taps = min(n1, n2)
    if taps == 0 or taps > _MAX_TAPS:
        return None
    # at most the general path's own estimate of result, window and copies (_plan)
    if not memory.fits(8 * (n1 + n2) * dtype.itemsize):
        return None
    a, b = in1, in2
    if function == "correlate":
        b = b[::-1].conj() if dtype.kind == "c" else b[::-1]
    if mode == "valid" and n2 > n1:  # scipy's swap: the larger input comes first
        a, b, n1, n2 = b, a, n2, n1
    start, length = windows.axis_window(n1, n2, mode)
    work = length * taps
    if work >= _direct_numpy.PARALLEL_WORK or _choose.direct_cost(length, taps, numpy_1d=True) >= _choose.FFT_CALL:
        return None
    if n2 > n1:
        a, b = b, a  # the general path loops over the taps of the smaller input
    out = _direct_numpy.full_piece(a, b, start, start + length)
    # (isfinite sets no floating-point flag: no warning or error under the caller's errstate)
    if not np.isfinite(out).all():
        return None  # overflow or non-finite data: the general path decides
    return out
