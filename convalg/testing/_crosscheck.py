"""Cross-checks: one call run on every backend and method, and on scipy.signal, each held to its error bound.

``crosscheck("convolve", a, b, mode="same")`` computes the call with convalg on every usable
backend and every method that applies to the function, and with scipy.signal (and
cupyx.scipy.signal when a GPU is usable), and measures each result against a reference:

* **float and complex inputs** -- the reference is the same function evaluated *directly* in
  long double (``numpy.longdouble``, 64-bit significand on x86) by the oracle of
  :mod:`convalg.testing` (:func:`convalg.testing.reference`; 2-D boundaries extend the first
  input by their rule first), which shares no code with convalg.signal. It is not exact,
  so its own componentwise bound is added to the bound of the method being checked (triangle
  inequality: ``|c_hat - ref| <= |c_hat - c| + |c - ref|``). The componentwise magnitude
  ``|a| * |b|`` (with ``|fillvalue|``) that the direct bounds need is evaluated the same way.
* **integer inputs** -- the reference is exact: the same oracle on object arrays of Python
  integers, and the check is exact equality.

The bound for each convalg result follows the method it actually used, as reported by
``convalg.signal.plan``: componentwise :func:`convalg.errorbounds.direct` for direct summation,
normwise :func:`convalg.errorbounds.fft` for the FFT and :func:`convalg.errorbounds.overlap_add`
for overlap-add. Shapes and dtypes must agree with scipy's, except the documented widening of
integer results to int64.
"""

from __future__ import annotations

import contextlib
import inspect
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from convalg import errorbounds
from convalg._runtime import validation
from convalg.backends import require_usable, to_numpy
from convalg.backends import status as backend_status
from convalg.signal._plan import METHODS
from convalg.testing._oracle import reference as oracle

__all__ = ["crosscheck", "CrossCheck", "CheckRow", "FUNCTIONS"]

#: The functions crosscheck knows, and the methods that apply to each.
FUNCTIONS: dict[str, tuple[str, ...]] = {
    "convolve": METHODS,
    "correlate": METHODS,
    "fftconvolve": ("fft",),
    "oaconvolve": ("oa",),
    "convolve2d": ("direct",),
    "correlate2d": ("direct",),
}
_TAKES_METHOD = ("convolve", "correlate")
_SCIPY_METHODS = ("auto", "direct", "fft")
_REFERENCE_NOTE = (
    "reference: the same function evaluated directly in long double by convalg.testing's oracle; "
    "each bound includes the reference's own bound (triangle inequality)"
)
_EXACT_NOTE = "reference: exact, convalg.testing's oracle on Python integers or Fractions (object arrays)"


@dataclass(frozen=True)
class CheckRow:
    """One computed result and how far it is from the reference, against its bound.

    Attributes
    ----------
    engine : str
        ``'convalg'``, ``'scipy.signal'`` or ``'cupyx.scipy.signal'``.
    backend : str
        The array library that computed the result.
    method : str
        The method asked for (``'-'`` where the function has no ``method``).
    chosen : str
        The method actually used (``convalg.signal.plan``'s, or scipy's own choice).
    dtype, shape : str, tuple
        Of the result (empty when the call raised).
    deviation : float
        ``max |result - reference|`` (componentwise and exact) or ``||result - reference||_2``
        (normwise); for componentwise bounds, taken at the element with the largest ratio.
    bound : float
        The bound at that element, or the normwise bound.
    ratio : float
        ``deviation / bound`` (``inf`` if an exact result differs); at most 1 when the bound holds.
    description : str
        The bound applied, in words.
    ok : bool
        True when the result is within its bound, its shape and dtype agree with scipy's,
        and non-finite values sit exactly where the reference has them.
    counted : bool
        False for rows shown for information only (scipy's own result on integer or
        non-finite input, where scipy promises no exactness); they do not affect ``ok``.
    note : str
        Why a row failed or was not applicable.
    """

    engine: str
    backend: str
    method: str
    chosen: str
    dtype: str
    shape: tuple
    deviation: float
    bound: float
    ratio: float
    description: str
    ok: bool
    counted: bool = True
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The row as JSON-ready values (``inf``/``nan`` as strings)."""
        out = {}
        for key, value in self.__dict__.items():
            if isinstance(value, np.generic):  # numpy bools and floats are not JSON types
                value = value.item()
            if isinstance(value, float) and not math.isfinite(value):
                value = str(value)
            elif isinstance(value, tuple):
                value = [int(n) for n in value]
            out[key] = value
        return out


@dataclass
class CrossCheck:
    """The rows of one cross-check and what was checked.

    ``ok`` is True when every counted row holds its bound. ``str()`` gives a table.
    """

    function: str
    call: str
    reference: str
    rows: list[CheckRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every counted row is within its bound and agrees with scipy in shape and dtype."""
        return all(row.ok for row in self.rows if row.counted)

    @property
    def worst_ratio(self) -> float:
        """The largest deviation/bound ratio over the counted rows (0 when there are none)."""
        ratios = [row.ratio for row in self.rows if row.counted and not math.isnan(row.ratio)]
        return max(ratios, default=0.0)

    def to_dict(self) -> dict[str, Any]:
        """The whole check as JSON-ready values."""
        return {
            "function": self.function,
            "call": self.call,
            "reference": self.reference,
            "ok": self.ok,
            "rows": [row.to_dict() for row in self.rows],
        }

    def __str__(self) -> str:
        header = ("engine", "backend", "method", "dtype", "shape", "deviation", "bound", "ratio", "ok")
        body = [
            (
                row.engine,
                row.backend,
                _shown_method(row),
                row.dtype,
                "x".join(map(str, row.shape)) or "()",
                f"{row.deviation:.3g}",
                f"{row.bound:.3g}",
                f"{row.ratio:.3g}",
                ("ok" if row.ok else "FAIL") + ("" if row.counted else " (info)"),
            )
            for row in self.rows
        ]
        widths = [max(len(str(r[i])) for r in [header, *body]) for i in range(len(header))]
        lines = [f"crosscheck {self.call}: {'ok' if self.ok else 'FAILED'}", f"  {self.reference}"]
        lines.append("  " + "  ".join(h.ljust(w) for h, w in zip(header, widths)))
        for row, cells in zip(self.rows, body):
            lines.append("  " + "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip())
            lines.append(f"      bound: {row.description}" + (f"; {row.note}" if row.note else ""))
        return "\n".join(lines)


def _shown_method(row: CheckRow) -> str:
    if row.method == "-":
        return row.chosen
    return row.method if row.chosen in (row.method, "-") else f"{row.method}->{row.chosen}"


# --------------------------------------------------------------------------- arguments


def _bind(function: str, args: tuple, kwargs: dict) -> tuple[np.ndarray, np.ndarray, dict]:
    """Bind the call to scipy's signature: the two inputs and the explicitly given options."""
    import scipy.signal

    signature = inspect.signature(getattr(scipy.signal, function))
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError as exc:
        raise TypeError(f"crosscheck({function!r}, ...): {exc}; scipy's signature is {signature}") from None
    options = dict(bound.arguments)
    in1, in2 = options.pop("in1"), options.pop("in2")
    return np.asarray(to_numpy(in1)), np.asarray(to_numpy(in2)), options


def _describe_call(function: str, a: np.ndarray, b: np.ndarray, options: dict) -> str:
    def array(x):
        return f"{x.dtype}[{'x'.join(map(str, x.shape))}]"

    extra = "".join(f", {k}={v!r}" for k, v in options.items())
    return f"{function}({array(a)}, {array(b)}{extra})"


def _is_integer(*arrays: np.ndarray) -> bool:
    return all(np.asarray(x).dtype.kind in "iub" for x in arrays)


def _is_exact_input(*arrays: np.ndarray) -> bool:
    """Integer, boolean or object (Python numbers) input: the reference is computed exactly."""
    kinds = {np.asarray(x).dtype.kind for x in arrays}
    return kinds <= set("iub") or "O" in kinds


def _extends_scipy(a: np.ndarray, b: np.ndarray) -> bool:
    """Input for which convalg documents a result where scipy may raise.

    float16 (computed in float32, rounded once), booleans in 2-D, and object arrays in N-D.
    """
    return any(x.dtype in (np.float16, np.bool_) or x.dtype == object for x in (a, b))


def _scipy_conjugates(function: str, a: np.ndarray, b: np.ndarray, options: dict) -> bool:
    """scipy's correlate2d conjugates its 'valid' result for complex input with a larger in2.

    convalg follows correlate's definition there (a documented difference).
    """
    return (
        function == "correlate2d"
        and options.get("mode", "full") == "valid"
        and (np.iscomplexobj(a) or np.iscomplexobj(b))
        and a.ndim == b.ndim == 2
        and all(k >= n for n, k in zip(a.shape, b.shape))
        and a.shape != b.shape
    )


# --------------------------------------------------------------------------- the oracle


def _conv_axes(function: str, a: np.ndarray, options: dict) -> list[int] | None:
    """The convolved axes of fftconvolve/oaconvolve (None: every axis, no batching)."""
    if function not in ("fftconvolve", "oaconvolve") or options.get("axes") is None:
        return None
    axes = options["axes"]
    axes = [axes] if np.ndim(axes) == 0 else list(axes)
    return sorted({int(ax) % a.ndim for ax in axes})


def _slice_pairs(a: np.ndarray, b: np.ndarray, axes: list[int] | None):
    """Broadcast the non-convolved axes: the batch shape and ``(index, a_i, b_i)`` per convolution.

    With ``axes=None`` every axis is convolved: the batch is empty and the one pair is ``(a, b)``.
    """
    if axes is None:
        return (), [((), a, b)]
    k = len(axes)
    target = list(range(a.ndim - k, a.ndim))
    a_moved, b_moved = np.moveaxis(a, axes, target), np.moveaxis(b, axes, target)
    batch = np.broadcast_shapes(a_moved.shape[: a.ndim - k], b_moved.shape[: b.ndim - k])
    a_moved = np.broadcast_to(a_moved, batch + a_moved.shape[a.ndim - k :])
    b_moved = np.broadcast_to(b_moved, batch + b_moved.shape[b.ndim - k :])
    return batch, [(index, a_moved[index], b_moved[index]) for index in np.ndindex(*batch)]


def _batched(single, a: np.ndarray, b: np.ndarray, axes: list[int] | None) -> np.ndarray:
    """Apply ``single(a_i, b_i)`` to every pair of slices and put the results back in place."""
    if axes is None:
        return single(a, b)
    batch, pairs = _slice_pairs(a, b, axes)
    results = [single(x, y) for _, x, y in pairs]
    if results:
        first = results[0]
    else:  # an empty batch: the inner shape and dtype from one zero-filled pair
        first = single(np.zeros([a.shape[d] for d in axes], a.dtype), np.zeros([b.shape[d] for d in axes], b.dtype))
    out = np.empty(batch + first.shape, dtype=first.dtype)
    for (index, _, _), result in zip(pairs, results):
        out[index] = result
    k = len(axes)
    return np.moveaxis(out, list(range(out.ndim - k, out.ndim)), axes)


def _pad_like_boundary(x: np.ndarray, kernel_shape: tuple, boundary: str, fillvalue) -> np.ndarray:
    widths = [(k - 1, k - 1) for k in kernel_shape]
    if boundary == "fill":
        return np.pad(x, widths, mode="constant", constant_values=fillvalue)
    return np.pad(x, widths, mode="wrap" if boundary == "wrap" else "symmetric")


def _boundary_2d(function: str, a: np.ndarray, b: np.ndarray, options: dict) -> np.ndarray:
    """convolve2d/correlate2d by the definition, on the oracle of :mod:`convalg.testing`.

    Mirrors scipy's definition: swap the inputs for 'valid' when the second is larger,
    extend the first input by the boundary rule, then sum directly; 'same' keeps scipy's
    centring (``k // 2`` for correlate2d).
    """
    mode = options.get("mode", "full")
    boundary = options.get("boundary", "fill")
    fillvalue = options.get("fillvalue", 0)
    correlate = function == "correlate2d"
    swapped = mode == "valid" and all(k >= n for n, k in zip(a.shape, b.shape)) and a.shape != b.shape
    if swapped:
        a, b = b, a
    kernel = np.conj(b[::-1, ::-1]) if correlate else b
    if mode == "valid":
        out = oracle(a, kernel, mode="valid")
    else:
        padded = _pad_like_boundary(a, b.shape, boundary, fillvalue)
        out = oracle(padded, kernel, mode="valid")
        if mode == "same":
            shift = 1 if correlate else 0
            start = [(f - n + shift) // 2 for f, n in zip(out.shape, a.shape)]
            out = out[tuple(slice(s, s + n) for s, n in zip(start, a.shape))]
    if swapped and correlate:
        out = out[::-1, ::-1]
    return out


def _oracle(function: str, a: np.ndarray, b: np.ndarray, options: dict, fillvalue=None) -> np.ndarray:
    """The function evaluated by direct summation (:func:`convalg.testing.reference`) in the dtype of ``a`` and ``b``.

    ``a`` and ``b`` are long double (or object arrays of Python numbers, for exact results).
    """
    mode = options.get("mode", "full")
    if function in ("convolve2d", "correlate2d") and mode == "valid":
        # No boundary is involved, and convalg follows the N-D definition here (documented:
        # scipy's correlate2d conjugates the result of complex inputs with a larger in2).
        function = function[: -len("2d")]
    if function in ("convolve2d", "correlate2d"):
        if fillvalue is None:
            fillvalue = options.get("fillvalue", 0)
        return _boundary_2d(function, a, b, dict(options, fillvalue=fillvalue))
    if function == "correlate":
        return oracle(a, b, op="correlation", mode=mode)
    return _batched(lambda x, y: oracle(x, y, mode=mode), a, b, _conv_axes(function, a, options))


def _as_objects(x: np.ndarray) -> np.ndarray:
    """Python integers in an object array, so that sums can neither round nor wrap.

    Object input (Fractions, Python integers) is kept as it is.
    """
    x = np.asarray(x)
    out = np.empty(x.size, dtype=object)
    out[:] = list(x.ravel()) if x.dtype == object else [int(v) for v in x.ravel()]
    return out.reshape(x.shape)


def _reference_terms(function: str, a: np.ndarray, b: np.ndarray, axes, mode: str) -> int:
    """An upper bound on the products summed into one output of the reference."""
    if function in ("convolve2d", "correlate2d"):
        # A boundary rule supplies a value for every kernel element; 'valid' may swap the
        # inputs so that the smaller one is the kernel.
        if mode == "valid":
            return max(1, math.prod(min(n, k) for n, k in zip(a.shape, b.shape)))
        return max(1, math.prod(b.shape))
    dims = range(a.ndim) if axes is None else axes
    return max(1, math.prod(min(a.shape[d], b.shape[d]) for d in dims)) if a.ndim else 1


@dataclass
class _Reference:
    value: np.ndarray  # long double, or object array of Python ints when exact
    exact: bool
    magnitude: np.ndarray | None  # |a| * |b| (long double), for the direct bounds
    bound: errorbounds.Bound | None  # the reference's own componentwise bound


def _reference(function: str, a: np.ndarray, b: np.ndarray, options: dict) -> _Reference:
    axes = _conv_axes(function, a, options)
    fill = options.get("fillvalue", 0)
    if _is_exact_input(a, b):
        if a.dtype == object or b.dtype == object:
            fill_exact = fill
        else:  # scipy casts the fill value to the inputs' type
            fill_exact = int(np.asarray(fill).astype(np.result_type(a, b)).item())
        value = _oracle(function, _as_objects(a), _as_objects(b), options, fillvalue=fill_exact)
        magnitude = _oracle(
            function, np.abs(_as_objects(a)), np.abs(_as_objects(b)), options, fillvalue=abs(fill_exact)
        )
        return _Reference(value, True, magnitude, None)
    complex_ = np.iscomplexobj(a) or np.iscomplexobj(b) or np.iscomplexobj(fill)
    wide = np.clongdouble if complex_ else np.longdouble
    value = _oracle(function, a.astype(wide), b.astype(wide), options, fillvalue=wide(fill))
    with np.errstate(invalid="ignore", over="ignore"):
        magnitude = _oracle(
            function,
            np.abs(a).astype(np.longdouble),
            np.abs(b).astype(np.longdouble),
            options,
            fillvalue=np.longdouble(abs(fill)),
        )
    terms = _reference_terms(function, a, b, axes, options.get("mode", "full"))
    bound = errorbounds.direct(magnitude, terms=terms, dtype=wide)
    return _Reference(value, False, magnitude, bound)


# --------------------------------------------------------------------------- bounds


def _combine_normwise(pieces: list[errorbounds.Bound], description: str) -> errorbounds.Bound:
    """Per-slice normwise bounds combine in the 2-norm over the batch."""
    return errorbounds.Bound("normwise", math.hypot(*(float(p.value) for p in pieces)), description)


def _norm2(values) -> float:
    """The 2-norm without overflow or underflow in the squares (large and tiny data are checked)."""
    values = np.abs(np.asarray(values, dtype=np.float64)).ravel()
    values = values[np.isfinite(values)] if values.size else values
    biggest = float(values.max()) if values.size else 0.0
    if biggest == 0.0:
        return 0.0
    return biggest * float(np.sqrt(np.sum((values / biggest) ** 2)))


def _method_bound(method: str, function, a, b, options, *, terms, fft_shape, overlaps, dtype, ref):
    """The bound for a result computed by ``method`` in precision ``dtype``."""
    dtype = np.dtype(dtype)
    if dtype.kind in "iub":
        return errorbounds.exact(dtype)
    pairs = [(x, y) for _, x, y in _slice_pairs(a, b, _conv_axes(function, a, options))[1]]
    if method == "direct":
        return errorbounds.direct(ref.magnitude, terms=terms, dtype=dtype)
    # The FFT bounds are relative; gradual underflow adds an absolute term (fft_underflow).
    # An overlap-add has at most as many blocks as its longer input has elements.
    if method == "fft":
        pieces = [
            errorbounds.combine(
                errorbounds.fft(x, y, fft_shape=fft_shape, dtype=dtype),
                errorbounds.fft_underflow(x, y, fft_shape=fft_shape, dtype=dtype),
            )
            for x, y in pairs
        ]
    elif method == "oa":
        pieces = [
            errorbounds.combine(
                errorbounds.overlap_add(x, y, block_fft_shape=fft_shape, overlaps=overlaps, dtype=dtype),
                errorbounds.fft_underflow(x, y, fft_shape=fft_shape, dtype=dtype, blocks=max(x.size, y.size)),
            )
            for x, y in pairs
        ]
    else:
        raise ValueError(f"plan reported method {method!r}; expected 'direct', 'fft' or 'oa'")
    description = pieces[0].description + (f", over {len(pieces)} slices" if len(pieces) > 1 else "")
    return _combine_normwise(pieces, description)


def _with_reference(bound: errorbounds.Bound, ref: _Reference) -> errorbounds.Bound:
    """Add the reference's own bound: ``|c_hat - ref| <= |c_hat - c| + |c - ref|``."""
    if ref.exact or bound.kind == "exact":
        return bound
    assert ref.bound is not None  # an inexact reference carries its bound
    ref_value = np.asarray(ref.bound.value, dtype=np.float64)
    value: float | np.ndarray
    if bound.kind == "componentwise":
        value = np.asarray(bound.value, dtype=np.float64) + ref_value
    else:
        value = float(bound.value) + _norm2(ref_value)
    return errorbounds.Bound(bound.kind, value, bound.description + " + long-double reference bound")


# --------------------------------------------------------------------------- measuring


def _exact_measure(result: np.ndarray, ref: _Reference) -> tuple[float, bool]:
    if result.shape != ref.value.shape:
        return math.inf, False
    if result.size == 0:
        return 0.0, True
    expected = ref.value
    if result.dtype == np.bool_:  # a boolean result says whether the exact sum is nonzero
        expected = _as_objects(np.asarray(expected != 0, dtype=bool))
    diff = _as_objects(result) - expected
    worst = max(abs(d) for d in diff.ravel())
    return float(worst), worst == 0


def _abs_error(result: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """``|result - reference|`` formed in long double, as float64; 0 where either is not finite."""
    wide = np.clongdouble if np.iscomplexobj(result) or np.iscomplexobj(reference) else np.longdouble
    finite = np.isfinite(result) & np.isfinite(reference)
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.where(finite, result.astype(wide) - reference.astype(wide), 0)
    return np.abs(diff).astype(np.float64)


def _measure(result: np.ndarray, ref: _Reference, bound: errorbounds.Bound):
    """(deviation, bound, ratio, holds) of one result."""
    if bound.kind == "exact":
        deviation, holds = _exact_measure(result, ref)
        return deviation, 0.0, (0.0 if holds else math.inf), holds
    if result.shape != ref.value.shape:
        return math.inf, math.nan, math.inf, False
    if bound.kind == "componentwise":
        # Where the reference is NaN or Inf the magnitude is too; those positions are
        # checked for equal non-finite values, not against a number.
        value = np.where(np.isfinite(ref.value), np.asarray(bound.value, dtype=np.float64), np.inf)
        bound = errorbounds.Bound("componentwise", value, bound.description)
    if bound.kind == "normwise":
        # Non-finite values must sit where the reference has them (an infinite componentwise
        # bound checks only that); the norm is scaled so that squares cannot overflow.
        placed = errorbounds.Bound("componentwise", np.inf, "").holds(result, ref.value)
        deviation = _norm2(_abs_error(result, ref.value)) if result.size else 0.0
        limit = float(bound.value)
        ratio = 0.0 if deviation == 0 else (deviation / limit if limit > 0 else math.inf)
        return deviation, limit, ratio, placed and deviation <= limit
    holds = bound.holds(result, ref.value)
    if result.size == 0:
        return 0.0, 0.0, 0.0, holds
    err = _abs_error(result, ref.value)
    value = np.broadcast_to(np.asarray(bound.value, dtype=np.float64), err.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(err == 0, 0.0, err / value)
    ratios = np.where(np.isnan(ratios), 0.0, ratios)  # non-finite positions are checked by holds()
    worst = np.unravel_index(int(np.argmax(ratios)), ratios.shape)
    return float(err[worst]), float(value[worst]), float(ratios[worst]), holds


def _dtype_agrees(ours: np.dtype, theirs: np.dtype) -> bool:
    """Same dtype as scipy, or the documented widening of an integer result to int64."""
    if ours == theirs:
        return True
    return ours == np.dtype(np.int64) and theirs.kind in "iub"


def _row(engine, backend, method, chosen, result, bound, ref, scipy_result, *, counted=True, note=""):
    result = np.asarray(result)
    deviation, value, ratio, holds = _measure(result, ref, bound)
    notes = [note] if note else []
    if scipy_result is not None:
        if result.shape != scipy_result.shape:
            holds = False
            notes.append(f"shape {result.shape} != scipy's {scipy_result.shape}")
        if not _dtype_agrees(result.dtype, scipy_result.dtype):
            holds = False
            notes.append(f"dtype {result.dtype} != scipy's {scipy_result.dtype}")
    if not holds and not notes and ratio <= 1:
        notes.append("non-finite values differ from the reference in position or value")
    return CheckRow(
        engine,
        backend,
        method,
        chosen,
        str(result.dtype),
        tuple(result.shape),
        deviation,
        value,
        ratio,
        bound.description,
        holds,
        counted,
        "; ".join(notes),
    )


def _error_row(engine, backend, method, exc, *, ok, counted=True, note="") -> CheckRow:
    text = f"raised {type(exc).__name__}: {exc}"
    return CheckRow(
        engine, backend, method, "-", "-", (), math.nan, math.nan, 0.0 if ok else math.inf, text, ok, counted, note
    )


def _overflow_expected(a: np.ndarray, b: np.ndarray, options: dict, terms: int) -> bool:
    """Whether an a-priori estimate ``max|a| max|b| m`` lets an int64 result overflow."""
    biggest_a = max((abs(int(v)) for v in a.ravel()), default=0)
    biggest_a = max(biggest_a, abs(int(np.real(options.get("fillvalue", 0)))))
    biggest_b = max((abs(int(v)) for v in b.ravel()), default=0)
    return biggest_a * biggest_b * max(terms, 1) > np.iinfo(np.int64).max


# --------------------------------------------------------------------------- scipy rows


def _scipy_plan(function: str, a, b, options, method: str) -> tuple[str, dict]:
    """scipy's method for this call and what its bound needs (terms, FFT lengths, overlaps)."""
    import scipy.fft
    import scipy.signal

    axes = _conv_axes(function, a, options)
    dims = list(range(a.ndim)) if axes is None else axes
    real = not (np.iscomplexobj(a) or np.iscomplexobj(b))
    fft_shape = tuple(scipy.fft.next_fast_len(a.shape[d] + b.shape[d] - 1, real) for d in dims)
    terms = max(1, math.prod(min(a.shape[d], b.shape[d]) for d in dims))
    if function in ("convolve2d", "correlate2d"):
        return "direct", {"terms": _reference_terms(function, a, b, None, options.get("mode", "full"))}
    if function in _TAKES_METHOD:
        if method == "auto":
            method = scipy.signal.choose_conv_method(a, b, mode=options.get("mode", "full"))
        return method, {"terms": terms, "fft_shape": fft_shape}
    if function == "fftconvolve":
        return "fft", {"fft_shape": fft_shape}
    # oaconvolve: scipy's own block lengths, from its (private) helper.
    from scipy.signal._signaltools import _calc_oa_lens

    blocks, overlaps = [], 1
    for d in dims:
        s1, s2 = sorted((a.shape[d], b.shape[d]), reverse=True)
        block, _, step, _ = _calc_oa_lens(s1, s2)
        if step >= s1 or s2 == 1:
            blocks.append(scipy.fft.next_fast_len(s1 + s2 - 1, real))
        else:
            blocks.append(block)
            overlaps *= math.ceil(block / step)
    if overlaps == 1:
        return "fft", {"fft_shape": fft_shape}
    return "oa", {"fft_shape": tuple(blocks), "overlaps": overlaps}


def _call_options(function: str, options: dict, method: str) -> dict:
    """The call's keyword arguments: its options, plus ``method`` where the function takes one."""
    call = dict(options)
    if function in _TAKES_METHOD:
        call["method"] = method
    return call


@contextlib.contextmanager
def _quiet_if_nonfinite(a: np.ndarray, b: np.ndarray):
    """Silence numpy's 'invalid value' warnings while computing a call on NaN or Inf input.

    Such input is deliberate (the check asks where non-finite values go), and an FFT turns it
    into NaNs through ``Inf * 0`` and ``Inf - Inf`` by construction; the rows report that, so
    the warnings would only be noise, and so would the RuntimeWarning that an explicit
    method='fft' gives for such input (as scipy's does). Calls on finite input keep every
    warning.
    """
    if not _has_nonfinite(a, b):
        yield
        return
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Use of fft convolution on input with NAN or inf", RuntimeWarning)
        yield


def _call_scipy(module, function, a, b, options, method, to_host):
    """(result, None) or (None, exception) of the call on scipy.signal or cupyx.scipy.signal."""
    call = _call_options(function, options, method)
    quiet = _quiet_if_nonfinite(a, b)
    if module.__name__.startswith("cupyx"):
        import cupy

        a, b = cupy.asarray(a), cupy.asarray(b)
    try:
        with quiet:
            return np.asarray(to_host(getattr(module, function)(a, b, **call))), None
    except Exception as exc:  # noqa: BLE001 - a rejection by scipy is what convalg must match
        return None, exc


def _as_float_reference(ref: _Reference) -> _Reference:
    """An exact integer reference seen as long double, for a float result of integer input."""
    zero = errorbounds.Bound("componentwise", 0.0, "exact")
    return _Reference(np.asarray(ref.value, dtype=np.longdouble), False, ref.magnitude, zero)


def _bound_for(chosen, function, a, b, options, result_dtype, ref, *, terms, fft_shape, overlaps):
    """The bound for one result (the method's plus the reference's), and the reference to use."""
    if ref.exact and np.dtype(result_dtype).kind in "iubO":
        return errorbounds.exact(result_dtype), ref
    if ref.exact:
        ref = _as_float_reference(ref)
    bound = _method_bound(
        chosen,
        function,
        a,
        b,
        options,
        terms=terms,
        fft_shape=fft_shape,
        overlaps=overlaps,
        dtype=result_dtype,
        ref=ref,
    )
    return _with_reference(bound, ref), ref


def _has_nonfinite(*arrays: np.ndarray) -> bool:
    return any(x.dtype.kind in "fc" and not np.isfinite(x).all() for x in arrays)


def _scipy_row(engine, function, a, b, options, method, ref, result) -> CheckRow:
    chosen, info = _scipy_plan(function, a, b, options, method)
    counted = not _is_exact_input(a, b) and not _has_nonfinite(a, b)
    bound, ref = _bound_for(
        chosen,
        function,
        a,
        b,
        options,
        result.dtype,
        ref,
        terms=info.get("terms", 1),
        fft_shape=info.get("fft_shape"),
        overlaps=info.get("overlaps", 1),
    )
    note = "" if counted else "for information: scipy promises no exactness on integer or non-finite input"
    if _scipy_conjugates(function, a, b, options):
        counted = False
        note = "for information: scipy's correlate2d conjugates this result; convalg follows correlate (documented)"
    backend = "numpy" if engine == "scipy.signal" else "cupy"
    shown = method if function in _TAKES_METHOD else "-"
    return _row(engine, backend, shown, chosen, result, bound, ref, None, counted=counted, note=note)


# --------------------------------------------------------------------------- convalg rows


def _call_convalg(signal, function, a, b, options, backend, method):
    """Run the call with convalg: ``(call, shown, result, exception)``.

    ``call`` holds the keyword arguments given (``plan`` takes the same), ``shown`` the method
    as a row shows it; exactly one of ``result`` (a NumPy array) and ``exception`` is None.
    """
    call = _call_options(function, options, method)
    shown = method if function in _TAKES_METHOD else "-"
    try:
        with _quiet_if_nonfinite(a, b):
            result = np.asarray(to_numpy(getattr(signal, function)(a, b, backend=backend, **call)))
    except Exception as exc:  # noqa: BLE001 - whatever convalg raises is held against scipy's behaviour
        return call, shown, None, exc
    return call, shown, result, None


def _convalg_row(signal, function, a, b, options, backend, method, ref, scipy_result, scipy_error):
    call, shown, result, exc = _call_convalg(signal, function, a, b, options, backend, method)
    if exc is not None:
        documented = _documented_rejection(function, a, b, options)
        if documented and scipy_error is None:
            return _error_row("convalg", backend, shown, exc, ok=isinstance(exc, ValueError), note=documented)
        if scipy_error is not None:
            same = isinstance(exc, type(scipy_error))
            note = f"scipy raises {type(scipy_error).__name__}: {scipy_error}"
            if ref is not None and isinstance(exc, (TypeError, ValueError)):
                # convalg documents a result for this input (float16, bool, object), but a
                # backend without that dtype (array-api-strict has no float16) rejects it.
                same, note = True, f"{note}; this backend cannot represent the input"
            return _error_row("convalg", backend, shown, exc, ok=same, note=note)
        if isinstance(exc, OverflowError) and ref is not None and ref.exact:
            terms = _reference_terms(function, a, b, _conv_axes(function, a, options), options.get("mode", "full"))
            ok = _overflow_expected(a, b, options, terms)
            note = (
                "int64 could overflow: max|a| max|b| m > 2**63 - 1"
                if ok
                else "no int64 overflow is possible for these magnitudes"
            )
            return _error_row("convalg", backend, shown, exc, ok=ok, note=note)
        return _error_row("convalg", backend, shown, exc, ok=False)
    documented = _documented_rejection(function, a, b, options)
    unexpected = None  # why a result is wrong where an error was due
    if documented and scipy_error is None:
        unexpected = f"convalg returned a result; documented to raise ValueError for {documented}"
    elif scipy_error is not None and ref is None:
        unexpected = f"scipy raises {type(scipy_error).__name__}: {scipy_error}; convalg returned a result"
    if unexpected is not None:
        shape = tuple(result.shape)
        return CheckRow(
            "convalg", backend, shown, "-", str(result.dtype), shape, math.nan, math.nan, math.inf, unexpected, False
        )
    plan = signal.plan(function, a, b, backend=backend, **call)  # the choice may depend on the backend
    if _has_nonfinite(a, b) and plan.method in ("fft", "oa"):
        # An FFT spreads a NaN or Inf over the whole output by construction; only 'direct'
        # and 'auto' promise to keep non-finite values local.
        auto = method == "auto"
        return CheckRow(
            "convalg",
            backend,
            shown,
            plan.method,
            str(result.dtype),
            tuple(result.shape),
            math.nan,
            math.nan,
            math.inf if auto else 0.0,
            "not applicable: an FFT spreads non-finite input by design",
            not auto,
            note="auto must not choose an FFT method for non-finite input" if auto else "",
        )
    bound, row_ref = _bound_for(
        plan.method,
        function,
        a,
        b,
        options,
        plan.dtype,
        ref,
        terms=plan.terms,
        fft_shape=plan.fft_shape,
        overlaps=plan.overlaps,
    )
    row = _row("convalg", backend, shown, plan.method, result, bound, row_ref, scipy_result)
    if np.dtype(plan.dtype) != result.dtype:
        note = f"plan says dtype {np.dtype(plan.dtype)}, the result is {result.dtype}"
        row = CheckRow(**{**row.__dict__, "ok": False, "note": "; ".join(filter(None, [row.note, note]))})
    return row


def _documented_rejection(function: str, a: np.ndarray, b: np.ndarray, options: dict) -> str:
    """Why convalg documents a ValueError for a call scipy computes ('' when it does not)."""
    fill = options.get("fillvalue", 0)
    if (
        function in ("convolve2d", "correlate2d")
        and _is_integer(a, b)
        and options.get("boundary", "fill") == "fill"
        and np.ndim(fill) == 0
        and complex(fill) != int(np.real(fill))
    ):
        return "integer inputs with a non-integer fillvalue (documented: scipy truncates the fill value)"
    return ""


def _unreferenced_row(signal, function, a, b, options, backend, method, scipy_result, reason) -> CheckRow:
    """A call scipy computes but the direct definition rejects: compare shape and dtype only."""
    _, shown, result, exc = _call_convalg(signal, function, a, b, options, backend, method)
    if exc is not None:
        return _error_row("convalg", backend, shown, exc, ok=False, note="scipy returns a result here")
    same = result.shape == scipy_result.shape and _dtype_agrees(result.dtype, scipy_result.dtype)
    text = f"no reference: the direct definition rejects this call ({reason}); shape and dtype compared with scipy's"
    note = (
        ""
        if same
        else f"shape/dtype {result.shape}/{result.dtype} != scipy's {scipy_result.shape}/{scipy_result.dtype}"
    )
    return CheckRow(
        "convalg",
        backend,
        shown,
        "-",
        str(result.dtype),
        tuple(result.shape),
        math.nan,
        math.nan,
        0.0 if same else math.inf,
        text,
        same,
        counted=not same,
        note=note,
    )


def _backends(requested: str | None) -> list[str]:
    if requested is not None:
        require_usable(requested)
        return [requested]
    # torch only when asked for by name: importing it costs seconds
    return [name for name in ("numpy", "array_api_strict", "cupy") if backend_status(name).usable]


def crosscheck(function: str, *args: Any, **kwargs: Any) -> CrossCheck:
    """Run one call on every backend and method and on scipy.signal; check each against its bound.

    Parameters
    ----------
    function : str
        One of ``'convolve'``, ``'correlate'``, ``'fftconvolve'``, ``'oaconvolve'``,
        ``'convolve2d'``, ``'correlate2d'``.
    *args, **kwargs
        The call's arguments, as for the scipy.signal function of that name (``in1``, ``in2``,
        ``mode``, ``boundary``, ``fillvalue``, ``axes``, ...). Two keywords narrow the check:
        ``method=`` checks only that method (default: every method of the function), and
        ``backend=`` only that backend (default: every usable one).

    Returns
    -------
    CrossCheck
        One row per result with its deviation from the reference, the bound applied and
        their ratio; ``.ok`` is True when every counted row is within its bound.

    Raises
    ------
    ValueError
        If ``function`` is not one crosscheck knows, or ``backend`` is not a backend name.
    convalg.backends.BackendUnavailableError
        If ``backend`` names a backend that is not usable here (the reason is in the message).
    TypeError
        If the arguments do not fit the scipy.signal function's signature.

    Notes
    -----
    Float results are compared with the same function evaluated directly in long double;
    that reference's own componentwise bound is added to each bound (triangle inequality).
    Integer results must equal the exact result computed with Python integers. A call that
    scipy rejects must be rejected by convalg with the same exception type, unless convalg
    documents a result for it (float16, booleans in 2-D, object arrays in N-D), which is then
    held to the reference. The references sum directly (long double, or Python objects), so
    crosscheck is meant for inputs of moderate size: seconds for ~10^7 products.

    Examples
    --------
    >>> import numpy as np
    >>> from convalg import crosscheck  # also convalg.testing.crosscheck
    >>> a = np.linspace(-1.0, 1.0, 50)
    >>> check = crosscheck("convolve", a, [1.0, -2.0, 0.5], mode="same", method="direct", backend="numpy")
    >>> check.ok
    True
    >>> [(row.engine, row.chosen) for row in check.rows]
    [('convalg', 'direct'), ('scipy.signal', 'direct')]
    >>> check.worst_ratio < 1
    True
    """
    validation.check_choice(function, "function", tuple(FUNCTIONS))
    import convalg.signal as signal

    backend = kwargs.pop("backend", None)
    method = kwargs.pop("method", None)
    methods = FUNCTIONS[function]
    if method is not None:
        if method not in methods:
            raise ValueError(f"method must be one of {', '.join(map(repr, methods))} for {function}; got {method!r}")
        methods = (method,)
    a, b, options = _bind(function, args, kwargs)
    backends = _backends(backend)
    scipy_method = method if method in _SCIPY_METHODS else "auto"

    import scipy.signal

    scipy_result, scipy_error = _call_scipy(scipy.signal, function, a, b, options, scipy_method, np.asarray)
    ref, no_reference = None, None
    if scipy_error is None:
        try:
            ref = _reference(function, a, b, options)
        except ValueError as exc:  # scipy's FFT functions accept some calls the direct definition rejects
            no_reference = exc
    elif _extends_scipy(a, b):
        try:  # convalg documents a result here; hold it to the reference
            ref = _reference(function, a, b, options)
        except Exception:  # noqa: BLE001 - no reference either: convalg must reject the call like scipy
            ref = None
    exact = ref is not None and ref.exact
    check = CrossCheck(function, _describe_call(function, a, b, options), _EXACT_NOTE if exact else _REFERENCE_NOTE)
    for name in backends:
        for m in methods:
            if no_reference is not None:
                row = _unreferenced_row(signal, function, a, b, options, name, m, scipy_result, no_reference)
            else:
                row = _convalg_row(signal, function, a, b, options, name, m, ref, scipy_result, scipy_error)
            check.rows.append(row)
    oracles: list[tuple[str, Any, Callable[[Any], np.ndarray]]] = [("scipy.signal", scipy.signal, np.asarray)]
    if "cupy" in backends:
        import cupyx.scipy.signal

        oracles.append(("cupyx.scipy.signal", cupyx.scipy.signal, to_numpy))
    for engine, module, to_host in oracles:
        result, error = _call_scipy(module, function, a, b, options, scipy_method, to_host)
        backend_name = "numpy" if engine == "scipy.signal" else "cupy"
        if error is not None or ref is None:
            shown = error if error is not None else (scipy_error or no_reference)
            check.rows.append(
                _error_row(
                    engine,
                    backend_name,
                    scipy_method,
                    shown,
                    ok=True,
                    counted=False,
                    note="" if error is not None else "no reference to measure against",
                )
            )
        else:
            check.rows.append(_scipy_row(engine, function, a, b, options, scipy_method, ref, result))
    return check
