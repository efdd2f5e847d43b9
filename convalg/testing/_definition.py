"""A second, independent evaluation of a contract: the defining sums, one output at a time, in exact arithmetic.

``verify`` finds violations with the fast oracle (:mod:`convalg.testing._oracle`, shifted
copies in ``longdouble`` or Python integers, windowed and padded by
:class:`~convalg.testing._convention.Convention`). Its verdicts are confirmed here by code
that shares none of that: every input element becomes an exact integer times a common
power of two, every output is the defining sum written out index by index (with the
boundary as an index map, not ``numpy.pad``; the window as a start offset, not a slice
of a full product), and the sums are exact Python integers. The only things shared are
the contract's words (its fields) and the documented library quirks, which are part of
what a preset states.

:func:`judge` answers, for one call's output, whether it meets the contract; it is used
on every counterexample before it is reported and on a sample of the passing cases
before CONSISTENT is printed.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from convalg import errorbounds

__all__ = ["evaluate", "judge", "Exact", "terms_of"]


@dataclass
class Exact:
    """The contract's output: exact values ``(real + i imag) * 2**exponent``, and which outputs
    non-finite values reach."""

    shape: tuple[int, ...]
    real: list  # Python int per output (flat, C order)
    imag: list | None  # None for a real result
    exponent: int
    touched: list  # bool per output
    magnitude: list  # float: the same sum over |signal| |kernel| (for the error bound)
    terms: int
    nonfinite_inputs: bool = False


def _exact_parts(x: np.ndarray):
    """Flat lists of exact integers (real and imaginary parts) and their common power-of-two exponent."""
    flat = x.ravel().tolist()
    if x.dtype.kind in "iub":
        return [int(v) for v in flat], None, 0, [False] * len(flat)
    parts_re, parts_im, bad = [], [], []
    for v in flat:
        v = complex(v)
        finite = math.isfinite(v.real) and math.isfinite(v.imag)
        bad.append(not finite)
        parts_re.append(v.real if finite else 0.0)
        parts_im.append(v.imag if finite else 0.0)
    scaled, exponent = _common_scale(parts_re + parts_im)
    half = len(parts_re)
    imag = scaled[half:] if x.dtype.kind == "c" else None
    return scaled[:half], imag, exponent, bad


def _common_scale(values: list[float]) -> tuple[list[int], int]:
    mantissas = []
    for v in values:
        m, e = math.frexp(v)
        mantissas.append((int(m * (1 << 53)), e - 53))
    exponent = min((e for m, e in mantissas if m), default=0)
    return [m << (e - exponent) if m else 0 for m, e in mantissas], exponent


def _extend(boundary: str, m: int, n: int) -> int | None:
    """The signal index an index ``m`` outside ``0..n-1`` reads, or None for a zero."""
    if 0 <= m < n:
        return m
    if boundary in ("zero", "constant"):
        return None
    if boundary == "wrap":
        return m % n
    if boundary == "nearest":
        return min(max(m, 0), n - 1)
    if boundary == "reflect":  # d c b a | a b c d | d c b a
        r = m % (2 * n)
        return r if r < n else 2 * n - 1 - r
    if boundary == "mirror":  # d c b | a b c d | c b a
        if n == 1:
            return 0
        r = m % (2 * n - 2)
        return r if r < n else 2 * n - 2 - r
    raise ValueError(f"unknown boundary {boundary!r}")


def _window(contract, n: int, k: int) -> tuple[int, int]:
    """Start (in the full product) and length of the output along one axis."""
    if contract.mode == "full":
        return 0, n + k - 1
    if contract.mode == "valid":
        return min(n, k) - 1, abs(n - k) + 1
    length = n if contract.same_length == "signal" else max(n, k)
    centre = k if contract.same_length == "signal" else min(n, k)
    if contract.same_start == "k//2":
        return centre // 2, length
    if contract.same_start == "(k-1)//2":
        return (centre - 1) // 2, length
    return ((k - 1) // 2 if n >= k else n // 2), length  # numpy.correlate's


def _source(contract, t: int, j: int, n: int, k: int) -> int | None:
    """The signal index multiplied by tap ``j`` in full-product output ``t`` (kernel order as given)."""
    if contract.operation == "convolution":
        m = t - j
    else:
        m = t - (k - 1) + j
    # 'valid' keeps complete overlaps only: the boundary is never read (a longer kernel meets absent terms)
    return _extend("zero" if contract.mode == "valid" else contract.boundary, m, n)


def terms_of(signal_shape, kernel_shape) -> int:
    """An upper bound on the products :func:`evaluate` forms (its cost)."""
    return math.prod(n + k - 1 for n, k in zip(signal_shape, kernel_shape)) * math.prod(kernel_shape)


def _pairs(contract, start: int, length: int, n: int, k: int, k_stride: int, s_stride: int):
    """Per output position along one axis: (tap offset, signal offset or None) for every tap."""
    table = []
    for t in range(length):
        row = []
        for j in range(k):
            m = _source(contract, start + t, j, n, k)
            row.append((j * k_stride, None if m is None else m * s_stride))
        table.append(row)
    return table


def _flat(index, shape) -> int:
    return sum(i * math.prod(shape[a + 1 :]) for a, i in enumerate(index))


def _taps_of(present, out_index) -> list:
    """(flat tap, flat signal sample) of every product in one output's sum."""
    rows = [present[a][t] for a, t in enumerate(out_index)]
    if len(rows) == 1:
        return rows[0]
    if len(rows) == 2:
        return [(k0 + k1, s0 + s1) for k0, s0 in rows[0] for k1, s1 in rows[1]]
    return [(k0 + k1 + k2, s0 + s1 + s2) for k0, s0 in rows[0] for k1, s1 in rows[1] for k2, s2 in rows[2]]


def evaluate(contract, signal: np.ndarray, kernel: np.ndarray, kernel_taps=None) -> Exact | None:
    """The contract's output on these inputs by its defining sums, or None if it cannot say.

    ``kernel_taps`` is ``(kernel, footprint)`` after a documented library quirk, when the
    contract has one (the taps the library really applies, in the kernel's own order).
    """
    signal, kernel = np.asarray(signal), np.asarray(kernel)
    if contract.order == "kernel-signal" and contract.operation == "correlation":
        if contract.boundary != "zero" or contract.mode == "same":
            return None  # a swapped correlation of an extended signal, or its 'same': not covered here
        # corr(kernel, signal)[t] = sum_j kernel[t - (n-1) + j] * conj?(signal[j]): swap the roles
        return evaluate(_swap_roles(contract), kernel, signal, None)
    footprint = np.ones(kernel.shape, dtype=bool)
    if kernel_taps is not None:
        kernel, footprint = kernel_taps
    s_re, s_im, s_exp, s_bad = _exact_parts(signal)
    k_re, k_im, k_exp, k_bad = _exact_parts(kernel)
    if contract.conjugate in ("signal", "both") and s_im is not None:
        s_im = [-v for v in s_im]
    if contract.conjugate in ("kernel", "both") and k_im is not None:
        k_im = [-v for v in k_im]
    s_abs = [abs(complex(v)) if math.isfinite(abs(complex(v))) else 0.0 for v in signal.ravel().tolist()]
    k_abs = [abs(complex(v)) if math.isfinite(abs(complex(v))) else 0.0 for v in kernel.ravel().tolist()]
    n_shape, k_shape = signal.shape, kernel.shape
    windows = [_window(contract, n, k) for n, k in zip(n_shape, k_shape)]
    out_shape = tuple(length for _, length in windows)
    tables = [
        _pairs(contract, start, length, n, k, math.prod(k_shape[a + 1 :]), math.prod(n_shape[a + 1 :]))
        for a, ((start, length), n, k) in enumerate(zip(windows, n_shape, k_shape))
    ]
    complex_result = s_im is not None or k_im is not None
    s_im = s_im or [0] * len(s_re)
    k_im = k_im or [0] * len(k_re)
    feet = footprint.ravel().tolist()
    present = [[[(kj, sm) for kj, sm in row if sm is not None] for row in table] for table in tables]
    # explicit zero padding: a NaN or infinite tap also multiplies the zeros outside the signal
    explicit_zeros = contract.boundary == "constant" and contract.mode != "valid"  # valid never pads
    bad_taps = [
        tap
        for tap in itertools.product(*(range(k) for k in k_shape))
        if explicit_zeros and k_bad[_flat(tap, k_shape)] and feet[_flat(tap, k_shape)]
    ]
    real_out, imag_out, touched_out, magnitude = [], [], [], []
    for out_index in itertools.product(*(range(len(table)) for table in tables)):
        re = im = 0
        mag = 0.0
        touched = any(
            any(tables[a][t][j][1] is None for a, (t, j) in enumerate(zip(out_index, tap))) for tap in bad_taps
        )
        for kf, sf in _taps_of(present, out_index):
            if not feet[kf]:
                continue
            if s_bad[sf] or k_bad[kf]:
                touched = True
                continue
            a_re, a_im, b_re, b_im = s_re[sf], s_im[sf], k_re[kf], k_im[kf]
            re += a_re * b_re - a_im * b_im
            im += a_re * b_im + a_im * b_re
            mag += s_abs[sf] * k_abs[kf]
        real_out.append(re)
        imag_out.append(im)
        touched_out.append(touched)
        magnitude.append(mag)
    terms = math.prod(min(n, k) for n, k in zip(n_shape, k_shape))
    if contract.conjugates_output(signal, kernel):
        imag_out = [-v for v in imag_out]
    return Exact(
        out_shape,
        real_out,
        imag_out if complex_result else None,
        s_exp + k_exp,
        touched_out,
        magnitude,
        terms,
        any(s_bad) or any(k_bad),
    )


def _to_float(n: int, exponent: int) -> float:
    """``n * 2**exponent`` rounded to a float (the error sizes compared with the bounds)."""
    if n == 0:
        return 0.0
    shift = max(0, abs(n).bit_length() - 64)
    return math.ldexp(float(n >> shift), exponent + shift)


def _minus(value: float, n: int, exponent: int) -> float:
    """``value - n * 2**exponent``, computed exactly and then rounded."""
    if value == 0:
        return -_to_float(n, exponent)
    m, e = math.frexp(value)
    mantissa, power = int(m * (1 << 53)), e - 53
    low = min(power, exponent)
    return _to_float((mantissa << (power - low)) - (n << (exponent - low)), low)


def _swap_roles(contract):
    from dataclasses import replace

    conj = {"signal": "kernel", "kernel": "signal"}.get(contract.conjugate, contract.conjugate)
    return replace(contract, order="signal-kernel", conjugate=conj, same_length="signal")


# ---------------------------------------------------------------- judging one output


def _bounds(contract, exact: Exact, signal, kernel, dtype: np.dtype) -> list[errorbounds.Bound]:
    """The bounds of a direct sum and of an FFT of any sane length, from the exact magnitudes."""
    from convalg.testing._tolerance import _longest_fft_shape

    magnitude = np.array(exact.magnitude, dtype=np.float64).reshape(exact.shape)
    direct = errorbounds.direct(magnitude, terms=exact.terms, dtype=dtype)
    finite_s = np.where(np.isfinite(signal), signal, 0)
    finite_k = np.where(np.isfinite(kernel), kernel, 0)
    extended = _extended(contract, finite_s, np.shape(kernel))
    full = tuple(n + k - 1 for n, k in zip(extended.shape, np.shape(kernel)))
    fft_shape = _longest_fft_shape(full)
    fft = errorbounds.combine(
        errorbounds.fft(extended, finite_k, fft_shape=fft_shape, dtype=dtype),
        errorbounds.fft_underflow(extended, finite_k, fft_shape=fft_shape, dtype=dtype),
    )
    return [direct, fft]


def _extended(contract, signal: np.ndarray, kernel_shape) -> np.ndarray:
    """The signal with k samples of its boundary extension on each side (itself for zeros)."""
    if contract.boundary in ("zero", "constant") or contract.mode == "valid":
        return signal
    index = [[_extend(contract.boundary, m, n) for m in range(-k, n + k)] for n, k in zip(signal.shape, kernel_shape)]
    return signal[np.ix_(*index)]


@dataclass
class Verdict:
    """What the independent evaluation says about one output."""

    agrees: bool
    reason: str


def judge(contract, signal, kernel, output: np.ndarray, *, kernel_taps=None, compute_dtype=None) -> Verdict:
    """Does ``output`` meet the contract on these inputs, by the exact defining sums?

    Checks the shape, the non-finite rule, integers (exact, or wrapped when the contract
    allows it) and floating-point values within the direct or FFT bound.
    """
    exact = evaluate(contract, signal, kernel, kernel_taps)
    if exact is None:
        return Verdict(False, "the independent evaluation does not cover this contract")
    output = np.asarray(output)
    if tuple(output.shape) != exact.shape:
        return Verdict(False, f"shape {tuple(output.shape)}, the defining sums have {exact.shape}")
    flat = output.ravel().tolist()
    nonfinite = [not math.isfinite(abs(complex(v))) for v in flat] if output.dtype.kind in "fc" else [False] * len(flat)
    may_spread = contract.nonfinite == "spread" and exact.nonfinite_inputs
    skip = []
    for i, (bad, touched) in enumerate(zip(nonfinite, exact.touched)):
        if touched and not bad:
            return Verdict(False, f"output {i} is finite though a NaN or infinity enters its sum")
        if bad and not touched and not may_spread:
            return Verdict(False, f"output {i} is not finite though no NaN or infinity enters its sum")
        skip.append(touched or bad)
    if output.dtype.kind in "iu":
        return _judge_integers(contract, exact, flat, output.dtype, signal, kernel)
    dtype = np.dtype(compute_dtype) if compute_dtype is not None else output.dtype
    if dtype.kind not in "fc":
        dtype = np.dtype(np.float64)
    errors = []
    for i, v in enumerate(flat):
        if skip[i]:
            errors.append(0.0)
            continue
        v = complex(v)
        d_re = _minus(v.real, exact.real[i], exact.exponent)
        d_im = _minus(v.imag, exact.imag[i] if exact.imag is not None else 0, exact.exponent)
        errors.append(math.hypot(d_re, d_im))
    error = np.array(errors).reshape(exact.shape)
    for bound in _bounds(contract, exact, np.asarray(signal), np.asarray(kernel), dtype):
        if bound.kind == "componentwise":
            if np.all(error <= np.broadcast_to(bound.value, error.shape)):
                return Verdict(True, f"within {bound.description.split(' (')[0]}")
        elif math.sqrt(float(np.sum(error**2))) <= float(bound.value):
            return Verdict(True, "within the normwise FFT bound")
    worst = int(np.argmax(error))
    where = tuple(int(i) for i in np.unravel_index(worst, exact.shape))
    return Verdict(False, f"output {where} is off by {error.flat[worst]:.3g}, beyond the direct and the FFT bounds")


def _judge_integers(contract, exact: Exact, flat, dtype: np.dtype, signal, kernel) -> Verdict:
    info = np.iinfo(dtype)
    modulus = 1 << (8 * dtype.itemsize)
    errors = []
    for i, v in enumerate(flat):
        numerator, exponent = exact.real[i], exact.exponent
        if exponent < 0 and numerator % (1 << -exponent):
            return Verdict(False, f"integer output {i} where the exact result is not an integer")
        want = numerator << exponent if exponent >= 0 else numerator >> -exponent
        fits = info.min <= want <= info.max
        if contract.integers == "float64":
            errors.append(float(abs(v - want)) if fits else 0.0)
            continue
        if v == want or (contract.integers == "wrap" and (v - want) % modulus == 0):
            continue
        return Verdict(False, f"integer output {i} is {v}, the exact result is {want}")
    if contract.integers == "float64":
        error = np.array(errors).reshape(exact.shape)
        direct, fft = _bounds(contract, exact, np.asarray(signal), np.asarray(kernel), np.dtype(np.float64))
        if np.all(error <= np.broadcast_to(direct.value, error.shape) + 1) or (
            math.sqrt(float(np.sum(error**2))) <= float(fft.value) + math.sqrt(error.size)
        ):
            return Verdict(True, "integers within the float64 bounds of a float computation cast back")
        return Verdict(
            False, f"integer output {int(np.argmax(error))} is off by {error.max():g}, beyond the float64 bounds"
        )
    return Verdict(True, "integers as the contract's rule says")


def refusal_allowed(contract, signal, kernel) -> Verdict:
    """Whether raising on these integer inputs is a refusal the contract allows (an exact result does not fit)."""
    dtype = np.result_type(signal, kernel)
    exact = evaluate(contract, signal, kernel)
    if dtype.kind not in "iu" or exact is None:
        return Verdict(False, "a refusal on inputs whose result is defined")
    info = np.iinfo(dtype)
    fits = all(info.min <= v << exact.exponent <= info.max for v in exact.real)
    return Verdict(
        not fits,
        "an exact result does not fit: refusing it is allowed"
        if not fits
        else "every exact result fits, yet the function refused",
    )
