"""Numeric re-check of an exact counterexample on convalg's own NumPy backend.

Each side of the refuted statement is evaluated in floating point with ``convalg.convolve`` and
``convalg.correlate`` (``method='direct'``, NumPy backend) for every convolution and
correlation, and convalg's FFT module for ``dft``. The re-check passes when every computed side
reproduces the exact side within the error bound from :mod:`convalg.errorbounds`, and the
computed sides differ from each other by more than that bound: the floating-point library
itself confirms the counterexample.

The bound: counterexamples have small Gaussian-integer (or dyadic) data, so every partial sum
of the direct method is exactly representable while the magnitudes (the same expression on
``|data|``) stay below 2^53; then ``errorbounds.exact`` applies. Otherwise (``dft``, other
rationals) a componentwise ``gamma_m`` bound on the magnitudes is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from convalg.symbolic.language import Node, Statement, parameter_value

__all__ = ["NumericCheck", "recheck", "recheck_layers"]


@dataclass
class NumericCheck:
    """The outcome of a numeric re-check."""

    confirmed: bool
    reproduces_exact: bool
    difference: float
    bound: str
    functions: str = "convalg.convolve / convalg.correlate"

    def __str__(self) -> str:
        state = "confirmed" if self.confirmed else "NOT confirmed"
        return (
            f"{state} with {self.functions} (NumPy backend, float, method='direct'): computed sides "
            f"{'reproduce' if self.reproduces_exact else 'do NOT reproduce'} the exact values and differ by "
            f"{self.difference:g} (bound: {self.bound})"
        )


def _number(value) -> complex:
    if isinstance(value, tuple):  # (real Fraction, imaginary Fraction)
        return complex(float(value[0]), float(value[1]))
    if isinstance(value, Fraction):
        return float(value)
    return value


def _is_exactly_representable(value) -> bool:
    for part in (value.real, value.imag) if isinstance(value, complex) else (value,):
        fraction = Fraction(part)
        if fraction.denominator & (fraction.denominator - 1):  # not a power of two
            return False
    return True


class _Numeric:
    """Evaluate a statement in floating point: values are ``(start, ndarray)``."""

    def __init__(self, env: dict, dims: int, magnitude: bool, dtype):
        import convalg

        self.convalg = convalg
        self.env = env
        self.dims = dims
        self.magnitude = magnitude
        self.dtype = dtype
        self.used: set[str] = set()

    def param(self, node: Node) -> int:
        return parameter_value(node, self.env)

    def eval(self, node: Node):
        return getattr(self, f"_{node.op}")(node)

    def _scalar(self, node):
        value = _number(self.env[node.value])
        return abs(value) if self.magnitude else value

    def _number(self, node):
        value = float(node.value)
        return abs(value) if self.magnitude else value

    def _smul(self, node):
        return self.eval(node.args[0]) * self.eval(node.args[1])

    def _seq(self, node):
        array = np.asarray(self.env[node.value], dtype=complex)
        array = array.astype(self.dtype) if np.iscomplexobj(np.empty(0, self.dtype)) else array.real.copy()
        if self.magnitude:
            array = np.abs(array).astype(self.dtype)
        return ((0,) * self.dims, array)

    def _delta(self, node):
        return ((0,) * self.dims, np.ones((1,) * self.dims, dtype=self.dtype))

    def _combine(self, a, b, sign):
        if not isinstance(a, tuple):
            return a + b if sign > 0 or self.magnitude else a - b
        (sa, xa), (sb, xb) = a, b
        if xa.size == 0:
            return (sb, xb if sign > 0 or self.magnitude else -xb)
        if xb.size == 0:
            return a
        start = tuple(min(p, q) for p, q in zip(sa, sb))
        stop = tuple(max(p + m, q + n) for p, q, m, n in zip(sa, sb, xa.shape, xb.shape))
        out = np.zeros(tuple(e - s for s, e in zip(start, stop)), dtype=self.dtype)
        out[tuple(slice(p - s, p - s + m) for p, s, m in zip(sa, start, xa.shape))] += xa
        term = xb if sign > 0 or self.magnitude else -xb
        out[tuple(slice(p - s, p - s + m) for p, s, m in zip(sb, start, xb.shape))] += term
        return (start, out)

    def _add(self, node):
        return self._combine(self.eval(node.args[0]), self.eval(node.args[1]), 1)

    def _sub(self, node):
        return self._combine(self.eval(node.args[0]), self.eval(node.args[1]), -1)

    def _neg(self, node):
        value = self.eval(node.args[0])
        if isinstance(value, tuple):
            return (value[0], value[1] if self.magnitude else -value[1])
        return value if self.magnitude else -value

    def _scale(self, node):
        c = self.eval(node.args[0])
        start, x = self.eval(node.args[1])
        return (start, (c * x).astype(self.dtype))

    def _conj(self, node):
        value = self.eval(node.args[0])
        if isinstance(value, tuple):
            return (value[0], np.conj(value[1]))
        return np.conj(value)

    def _flip(self, node):
        start, x = self.eval(node.args[0])
        return (tuple(-(s + n - 1) for s, n in zip(start, x.shape)), np.flip(x))

    def _shift(self, node):
        start, x = self.eval(node.args[0])
        offset = node.args[1]
        k = [self.param(p) for p in offset.args] if offset.op == "tuple" else [self.param(offset)] * self.dims
        return (tuple(s + d for s, d in zip(start, k)), x)

    def convolve(self, a, b, mode="full"):
        (sa, xa), (sb, xb) = a, b
        if xa.size == 0 or xb.size == 0:
            return ((0,) * self.dims, np.zeros((0,) * self.dims, dtype=self.dtype))
        out = np.asarray(self.convalg.convolve(xa, xb, mode=mode, method="direct"))
        self.used.add("convalg.convolve")
        return (tuple(p + q for p, q in zip(sa, sb)), out.astype(self.dtype))

    def _conv(self, node):
        return self.convolve(self.eval(node.args[0]), self.eval(node.args[1]))

    def _corr(self, node):
        (sa, xa), (sb, xb) = self.eval(node.args[0]), self.eval(node.args[1])
        if self.magnitude:  # |corr(a, b)| <= |a| * flip(|b|)
            return self.convolve((sa, xa), (tuple(-(s + n - 1) for s, n in zip(sb, xb.shape)), np.flip(xb)))
        out = np.asarray(self.convalg.correlate(xa, xb, mode="full", method="direct")).astype(self.dtype)
        self.used.add("convalg.correlate")
        return (tuple(p - (q + n - 1) for p, q, n in zip(sa, sb, xb.shape)), out)

    def _convmode(self, node):
        (sa, xa), (sb, xb) = self.eval(node.args[0]), self.eval(node.args[1])
        out = np.asarray(self.convalg.convolve(xa, xb, mode=node.value, method="direct")).astype(self.dtype)
        self.used.add(f"convalg.convolve(mode={node.value!r})")
        if node.value == "same":
            offset = tuple((n - 1) // 2 for n in xb.shape)
        else:
            small = xb.shape if all(m >= n for m, n in zip(xa.shape, xb.shape)) else xa.shape
            offset = tuple(n - 1 for n in small)
        return (tuple(p + q + o for p, q, o in zip(sa, sb, offset)), out)

    def wrap(self, value, n):
        start, x = value
        out = np.zeros((n,) * self.dims, dtype=self.dtype)
        for index in np.ndindex(x.shape):
            out[tuple((s + i) % n for s, i in zip(start, index))] += x[index]
        return ((0,) * self.dims, out)

    def _circ(self, node):
        n = self.param(node.args[2])
        return self.wrap(self.convolve(self.eval(node.args[0]), self.eval(node.args[1])), n)

    def _dft(self, node):
        from convalg.backends import fft_module

        n = self.param(node.args[1])
        start, x = self.wrap(self.eval(node.args[0]), n)
        if self.magnitude:  # |dft(a)(k)| <= sum |a|
            return (start, np.full(x.shape, np.sum(np.abs(x)), dtype=self.dtype))
        self.used.add("convalg.backends.fft_module(numpy).fftn")
        return (start, np.asarray(fft_module(np).fftn(x)).astype(self.dtype))

    def _hadamard(self, node):
        (sa, xa), (sb, xb) = self.eval(node.args[0]), self.eval(node.args[1])
        start = tuple(max(p, q) for p, q in zip(sa, sb))
        stop = tuple(min(p + m, q + n) for p, q, m, n in zip(sa, sb, xa.shape, xb.shape))
        shape = tuple(max(e - s, 0) for s, e in zip(start, stop))
        if 0 in shape:
            return (start, np.zeros(shape, dtype=self.dtype))
        pa = xa[tuple(slice(s - p, s - p + m) for s, p, m in zip(start, sa, shape))]
        pb = xb[tuple(slice(s - p, s - p + m) for s, p, m in zip(start, sb, shape))]
        return (start, pa * pb)

    def _down(self, node):
        start, x = self.eval(node.args[0])
        s = self.param(node.args[1])
        lo = tuple(-((-p) // s) for p in start)
        hi = tuple((p + n - 1) // s for p, n in zip(start, x.shape))
        index = tuple(slice(l * s - p, h * s - p + 1, s) if h >= l else slice(0, 0) for l, h, p in zip(lo, hi, start))
        return (lo, x[index])


def _on_box(value, start, shape, dtype):
    out = np.zeros(shape, dtype=dtype)
    vstart, x = value
    if x.size:
        out[tuple(slice(p - s, p - s + m) for p, s, m in zip(vstart, start, x.shape))] += x
    return out


def _exact_array(side, dims):
    start, entries = side
    start = tuple(start)
    array = np.array([[_number(v) for v in row] for row in entries] if dims == 2 else [_number(v) for v in entries],
                     dtype=complex)
    if array.ndim != dims:
        array = array.reshape((0,) * dims)
    return (start, array)


def recheck(statement: Statement, counterexample) -> NumericCheck:
    """Re-evaluate ``statement`` on ``counterexample`` with convalg's NumPy backend.

    Examples
    --------
    >>> from convalg.symbolic.language import parse
    >>> from convalg.symbolic.search import find_counterexample
    >>> from convalg.symbolic.numeric import recheck
    >>> statement = parse("corr(f, g) == corr(g, f)")
    >>> example, _ = find_counterexample(statement)
    >>> recheck(statement, example).confirmed
    True
    """
    from convalg import errorbounds

    dims = counterexample.dims
    env = {**counterexample.parameters, **counterexample.scalars}
    for name, entries in counterexample.sequences.items():
        env[name] = np.array(entries, dtype=complex) if entries else np.zeros((0,) * dims)
    values = [v for e in counterexample.sequences.values() for v in np.ravel(np.array(e, dtype=complex))]
    values += [_number(v) for v in counterexample.scalars.values()]
    is_complex = any(isinstance(_number(v), complex) and _number(v).imag != 0 for v in values) or statement.uses(
        "dft", "corr", "conj"
    )
    dtype = np.complex128 if is_complex else np.float64
    evaluator = _Numeric(env, dims, False, dtype)
    computed = [evaluator.eval(side) for side in statement.sides]
    magnitudes = [_Numeric(env, dims, True, dtype).eval(side) for side in statement.sides]
    exact_sides = [_exact_array(side, dims) for side in counterexample.sides]
    boxes = computed + magnitudes + exact_sides
    nonempty = [b for b in boxes if b[1].size]
    start = tuple(min(b[0][i] for b in nonempty) for i in range(dims)) if nonempty else (0,) * dims
    stop = tuple(max(b[0][i] + b[1].shape[i] for b in nonempty) for i in range(dims)) if nonempty else (0,) * dims
    shape = tuple(e - s for s, e in zip(start, stop))
    computed_arrays = [_on_box(v, start, shape, dtype) for v in computed]
    magnitude = np.max([np.abs(_on_box(v, start, shape, dtype)) for v in magnitudes], axis=0)
    exact_arrays = [_on_box(v, start, shape, complex) for v in exact_sides]
    exact_data = all(_is_exactly_representable(complex(v)) for v in values) and not statement.uses("dft")
    if exact_data and float(np.max(magnitude, initial=0.0)) < 2.0**53:
        bound = errorbounds.exact(dtype)
    else:
        terms = max(int(np.prod([max(n, 1) for n in shape])), 1)
        bound = errorbounds.Bound(
            "componentwise",
            errorbounds.gamma(terms + 2, dtype) * magnitude,
            f"componentwise gamma_{terms + 2} on the magnitudes ({np.dtype(dtype)})",
        )
    reproduces = all(
        bound.holds(c.astype(complex), e) for c, e in zip(computed_arrays, exact_arrays)
    )
    differences = [np.abs(computed_arrays[0] - other) for other in computed_arrays[1:]]
    difference = float(max(np.max(d, initial=0.0) for d in differences))
    limit = 2 * np.asarray(bound.value) if bound.kind != "exact" else 0.0
    differ = any(bool(np.any(d > limit)) for d in differences)
    functions = ", ".join(sorted(evaluator.used)) or "NumPy array bookkeeping only (no convolution in the statement)"
    return NumericCheck(reproduces and differ, reproduces, difference, bound.description, functions)


def recheck_layers(example: dict) -> str:
    """Compose two 2-channel layers of length-1 kernels both ways with ``convalg.convolve``.

    Examples
    --------
    >>> from convalg.symbolic.numeric import recheck_layers
    >>> example = {"U": [[0, 0], [0, 1]], "V": [[0, 0], [1, 0]], "UV": [[0, 0], [1, 0]], "VU": [[0, 0], [0, 0]]}
    >>> recheck_layers(example).split(" ")[0]
    'confirmed'
    """
    import convalg

    def compose(a, b):
        channels = len(a)
        out = [[np.zeros(1) for _ in range(channels)] for _ in range(channels)]
        for o in range(channels):
            for c in range(channels):
                for j in range(channels):
                    out[o][c] = out[o][c] + np.asarray(
                        convalg.convolve(np.array([a[o][j]], dtype=np.int64), np.array([b[j][c]], dtype=np.int64),
                                         method="direct")
                    )
        return [[int(x[0]) for x in row] for row in out]

    uv, vu = compose(example["U"], example["V"]), compose(example["V"], example["U"])
    same = uv == example["UV"] and vu == example["VU"]
    return (
        f"{'confirmed' if same and uv != vu else 'NOT confirmed'} with convalg.convolve (NumPy backend, "
        f"int64, exact): U o V = {uv}, V o U = {vu}"
    )
