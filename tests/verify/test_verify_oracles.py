"""The two evaluations of a contract agree with a brute-force oracle written here from the libraries' definitions.

verify's fast oracle (shifted copies through ``Convention``) and its independent exact
evaluation (``_definition``) are both checked against sums written out in this file with
Python ``Fraction``s, on random contracts and on inputs much larger than verify's probes.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from convalg.testing._contract import Contract
from convalg.testing._definition import evaluate, judge


def _extended(x: list, boundary: str, pad: int) -> tuple[list, int]:
    """``x`` with ``pad`` samples of its extension on each side, built by concatenating copies."""
    n = len(x)
    if boundary in ("zero", "constant"):
        return [0] * pad + x + [0] * pad, pad
    if boundary == "nearest":
        return [x[0]] * pad + x + [x[-1]] * pad, pad
    if boundary == "wrap":
        period = x
    elif boundary == "reflect":  # a b c | c b a | a b c ...
        period = x + x[::-1]
    else:  # mirror: a b c | b | a b c ... (period 2n - 2)
        period = (x + x[-2:0:-1]) if n > 1 else x
    copies = pad // len(period) + 2
    long = period * (2 * copies + 1)
    start = copies * len(period)  # where x begins (x = period[:n] in every case)
    return long[start - pad : start + n + pad], pad


def _brute_1d(contract: Contract, signal: list, kernel: list) -> list:
    """The contract's output from the definitions (numpy/scipy/ndimage docs), one output at a time."""
    n, k = len(signal), len(kernel)
    conj_s = contract.conjugate in ("signal", "both")
    conj_k = contract.conjugate in ("kernel", "both")
    s = [v.conjugate() if conj_s else v for v in signal]
    w = [v.conjugate() if conj_k else v for v in kernel]
    if contract.operation == "correlation" and contract.order == "kernel-signal":
        s, w, n, k = w, s, k, n  # corr(kernel, signal)
    pad = n + k + 2
    x, offset = _extended(s, "zero" if contract.mode == "valid" else contract.boundary, pad)

    def full(t):  # full-product output t: convolution sum_j x[t - j] w[j]; correlation sum_j x[t - (k-1) + j] w[j]
        return sum(
            w[j] * x[offset + (t - j if contract.operation == "convolution" else t - (k - 1) + j)] for j in range(k)
        )

    if contract.mode == "full":
        return [full(t) for t in range(n + k - 1)]
    if contract.mode == "valid":
        length = abs(n - k) + 1
        return [full(min(n, k) - 1 + i) for i in range(length)]
    length = n if contract.same_length == "signal" else max(n, k)
    total = n + k - 1
    if contract.same_start == "(k-1)//2":  # scipy/numpy: centred in the full output
        start = (total - length) // 2
    elif contract.same_start == "k//2":  # ndimage: the kernel's centre at k // 2 (for the signal length)
        start = (k if contract.same_length == "signal" else min(n, k)) // 2
    else:  # numpy.correlate's 'same'
        start = (k - 1) // 2 if n >= k else n // 2
    return [full(start + i) for i in range(length)]


def _to_exact(x: np.ndarray) -> list:
    out = []
    for v in x.ravel().tolist():
        if isinstance(v, complex):
            out.append(complex_fraction(Fraction(v.real), Fraction(v.imag)))
        else:
            out.append(complex_fraction(Fraction(v), Fraction(0)))
    return out


class complex_fraction:
    def __init__(self, re, im):
        self.re, self.im = Fraction(re), Fraction(im)

    def conjugate(self):
        return complex_fraction(self.re, -self.im)

    def __mul__(self, other):
        other = other if isinstance(other, complex_fraction) else complex_fraction(other, 0)
        return complex_fraction(self.re * other.re - self.im * other.im, self.re * other.im + self.im * other.re)

    __rmul__ = __mul__

    def __add__(self, other):
        other = other if isinstance(other, complex_fraction) else complex_fraction(other, 0)
        return complex_fraction(self.re + other.re, self.im + other.im)

    __radd__ = __add__

    def __eq__(self, other):
        other = other if isinstance(other, complex_fraction) else complex_fraction(other, 0)
        return self.re == other.re and self.im == other.im


def _exact_values(result) -> list:
    return [
        complex_fraction(
            Fraction(re) * Fraction(2) ** result.exponent,
            Fraction(result.imag[i] if result.imag is not None else 0) * Fraction(2) ** result.exponent,
        )
        for i, re in enumerate(result.real)
    ]


def _fast_values(contract, signal, kernel) -> list:
    return _to_exact(
        np.asarray(contract.reference(signal, kernel)).astype(
            np.complex128 if np.iscomplexobj(signal) or np.iscomplexobj(kernel) else object
        )
    )


contracts = st.builds(
    Contract,
    operation=st.sampled_from(["convolution", "correlation"]),
    conjugate=st.sampled_from(["neither", "kernel", "signal", "both"]),
    order=st.sampled_from(["signal-kernel", "kernel-signal"]),
    mode=st.sampled_from(["full", "same", "valid"]),
    same_start=st.sampled_from(["(k-1)//2", "k//2", "(k-1)//2, n//2 if k > n"]),
    same_length=st.sampled_from(["signal", "longer"]),
    valid_shapes=st.just("either"),
    boundary=st.sampled_from(["zero", "constant", "reflect", "mirror", "wrap", "nearest"]),
    nonfinite=st.just("local"),
    integers=st.just("exact"),
    precision=st.just("promote"),
).filter(lambda c: not (c.order == "kernel-signal" and (c.boundary != "zero" or c.mode == "same")))


@settings(max_examples=80, deadline=None)
@given(
    contracts,
    st.lists(st.integers(-9, 9), min_size=1, max_size=60),
    st.lists(st.integers(-9, 9), min_size=1, max_size=25),
    st.booleans(),
)
@example(
    Contract(
        operation="convolution",
        conjugate="neither",
        order="signal-kernel",
        mode="same",
        same_start="k//2",
        same_length="signal",
        boundary="mirror",
    ),
    [1, 2],
    [1, 1, 1, 1, 1],
    True,
)
def test_both_evaluations_equal_the_brute_force_sums_exactly(contract, signal, kernel, complex_):
    rng = np.random.default_rng(len(signal) * 31 + len(kernel))
    s = np.array(signal, dtype=np.int64)
    w = np.array(kernel, dtype=np.int64)
    if complex_:
        s = s + 1j * rng.integers(-9, 10, s.shape)
        w = w + 1j * rng.integers(-9, 10, w.shape)
    want = _brute_1d(contract, _to_exact(s), _to_exact(w))
    exact = evaluate(contract, s, w)
    assert exact is not None and list(exact.shape) == [len(want)]
    assert _exact_values(exact) == want
    # the fast oracle works in Python integers, or clongdouble (exact for these small Gaussian integers)
    assert _fast_values(contract.completed(None), s, w) == want


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(-1e300, 1e300, allow_nan=False, allow_subnormal=True), min_size=1, max_size=30),
    st.lists(st.floats(-1e-300, 1e-300, allow_nan=False), min_size=1, max_size=8),
)
def test_the_exact_evaluation_is_exact_for_any_floats(signal, kernel):
    contract = Contract(
        operation="convolution", conjugate="neither", order="signal-kernel", mode="full", boundary="zero"
    )
    want = _brute_1d(contract, _to_exact(np.array(signal)), _to_exact(np.array(kernel)))
    assert _exact_values(evaluate(contract, np.array(signal), np.array(kernel))) == want


def _2d_contract(**fields):
    return Contract(
        operation="convolution",
        conjugate="neither",
        order="signal-kernel",
        mode="full",
        same_start="(k-1)//2",
        same_length="signal",
        valid_shapes="either",
        boundary="zero",
        nonfinite="local",
        integers="exact",
        precision="promote",
    ).override(**fields)


def test_2d_evaluations_equal_brute_force_sums_built_axis_by_axis():
    rng = np.random.default_rng(5)
    for trial in range(20):
        s = rng.integers(-5, 6, tuple(rng.integers(1, 14, 2)))
        w = rng.integers(-5, 6, tuple(rng.integers(1, 6, 2)))
        contract = _2d_contract(
            operation=("convolution", "correlation")[trial % 2],
            boundary=("zero", "wrap", "reflect", "nearest", "mirror")[trial % 5],
            mode=("full", "same")[trial % 2 == 0],
        )
        # each tap's term applies the 1-D definition along each axis (the extension is per axis)
        want = sum(_separable(contract, s, w, a, b) for a in range(w.shape[0]) for b in range(w.shape[1]))
        exact = evaluate(contract, s, w)
        got = np.array([int(v.re) for v in _exact_values(exact)], dtype=object).reshape(exact.shape)
        fast = np.array(contract.completed(None).reference(s, w), dtype=object)
        assert np.array_equal(got, want) and np.array_equal(fast, want)


def _separable(contract, s, w, a, b):
    """The term of tap (a, b): the 1-D definitions along each axis with one-tap kernels (exact)."""
    k0, k1 = w.shape
    column = [complex_fraction(0, 0)] * k0
    column[a] = complex_fraction(int(w[a, b]), 0)
    row = [complex_fraction(0, 0)] * k1
    row[b] = complex_fraction(1, 0)
    first = [_brute_1d(contract, [complex_fraction(int(v), 0) for v in line], row) for line in s]
    first = np.array([[v.re for v in line] for line in first], dtype=object)
    out = [_brute_1d(contract, [complex_fraction(v, 0) for v in first[:, c]], column) for c in range(first.shape[1])]
    return np.array([[v.re for v in line] for line in out], dtype=object).T


def test_judge_agrees_with_exact_outputs_and_names_what_breaks():
    contract = _2d_contract(nonfinite="local").override(mode="full")
    signal, kernel = np.array([1.0, 2.0, np.nan, 4.0]), np.array([1.0, 0.5])
    right = np.convolve(signal, kernel)
    assert judge(contract, signal, kernel, right).agrees
    zeroed = np.convolve(np.nan_to_num(signal), kernel)
    assert "finite though a NaN" in judge(contract, signal, kernel, zeroed).reason
    off = right.copy()
    off[0] += 1e-9
    assert not judge(contract, signal, kernel, off).agrees
    assert not judge(contract, signal, kernel, right[:-1]).agrees
    spread = np.full(5, np.nan)
    assert not judge(contract, signal, kernel, spread).agrees
    assert judge(contract.override(nonfinite="spread"), signal, kernel, spread).agrees
