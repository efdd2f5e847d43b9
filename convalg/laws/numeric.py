"""The laws on numbers: both sides computed by convalg, each held to its error bound of the exact value.

A law's :class:`NumericCheck` says what convalg computes for each side of the statement
(``compares``) and computes them on given :class:`Operands`: the two results and the rigorous
bound of each against the exact value both sides share (:func:`convalg.testing.tolerance` of
the plan convalg executed, :func:`convalg.testing.chain_tolerance` for a chain of two
products). The sides may then differ by at most the sum of the bounds, and integer results
must be equal (:func:`assert_sides`). The law suite (``tests/laws``) and the tour draw operands
with :func:`operands` and run the same checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from convalg import errorbounds

__all__ = ["Operands", "Sides", "NumericCheck", "operands", "computer", "assert_sides"]


class Operands(NamedTuple):
    """A signal ``a``, a kernel ``b`` and an array ``c`` of the kernel's shape, all of one dtype."""

    a: np.ndarray
    b: np.ndarray
    c: np.ndarray


class Sides(NamedTuple):
    """Both computed sides of a law and the bound of each against their common exact value."""

    lhs: np.ndarray
    rhs: np.ndarray
    lhs_bound: errorbounds.Bound
    rhs_bound: errorbounds.Bound


# compute(function, x, y, **options) -> (result as NumPy, the plan convalg executed)
Compute = Callable[..., tuple]


@dataclass(frozen=True)
class NumericCheck:
    """How a law is checked on numbers.

    Attributes
    ----------
    compares : str
        The two sides as convalg computes them.
    sides : callable
        ``sides(operands, compute) -> Sides``.
    chained : bool
        The operands need room for a chain of two products (integers stay exact, floats finite).
    """

    compares: str
    sides: Callable[[Operands, Compute], Sides]
    chained: bool = False

    def run(self, ops: Operands, compute: Compute, *, context: str = "") -> Sides:
        """Compute both sides and assert that they agree within the sum of their bounds.

        Examples
        --------
        >>> import numpy as np
        >>> from convalg.laws import find
        >>> ops = Operands(np.array([1.0, 2.0, 3.0]), np.array([0.5, -1.0]), np.array([2.0, 0.0]))
        >>> sides = find("commutativity").numeric.run(ops, computer("numpy", "direct"))
        >>> sides.lhs.tolist() == sides.rhs.tolist()
        True
        """
        sides = self.sides(ops, compute)
        assert_sides(sides, law=f"{self.compares}{', ' + context if context else ''}")
        return sides


def computer(backend: str, method: str) -> Compute:
    """``compute(function, x, y, **options)``: ``convalg.signal.<function>`` on ``backend`` with ``method``.

    Returns the result as a NumPy array and the plan convalg executed (which names the bound).

    Examples
    --------
    >>> import numpy as np
    >>> result, plan = computer("numpy", "fft")("convolve", np.ones(3), np.ones(2))
    >>> result.round(12).tolist(), plan.method
    ([1.0, 2.0, 2.0, 1.0], 'fft')
    """
    import convalg.signal as signal
    from convalg.backends import namespace, to_numpy

    def on_backend(x):
        # backends' own conversion: torch.asarray refuses NumPy's negative strides (a flip)
        return x if backend == "numpy" else namespace(x, backend=backend)[1][0]

    def compute(function: str, x, y, **options):
        xb, yb = on_backend(x), on_backend(y)
        result = getattr(signal, function)(xb, yb, method=method, **options)
        return np.asarray(to_numpy(result)), signal.plan(function, xb, yb, method=method, **options)

    return compute


def operands(dtype, dims: int, *, method: str = "auto", chained: bool = False, max_side: int | None = None):
    """A hypothesis strategy of :class:`Operands` of ``dtype`` in ``dims`` dimensions.

    Overlap-add (``method='oa'``) only blocks a signal much longer than its kernel: for it the
    signal is 1-D and long, the kernel short. Elements come from
    :func:`convalg.testing.strategies.elements` (edge magnitudes, subnormals), capped so that
    no exact result overflows.

    Examples
    --------
    >>> from hypothesis import find, settings
    >>> ops = find(operands("float64", 2), lambda o: True, settings=settings(database=None))
    >>> ops.a.ndim == ops.b.ndim == 2 and ops.c.shape == ops.b.shape
    True
    """
    from hypothesis import strategies as st

    from convalg.testing import strategies

    dtype = np.dtype(dtype)
    if method == "oa":
        values = strategies.elements(dtype, max_terms=4, chained=chained)
        pair = st.tuples(
            strategies.hnp.arrays(dtype, st.integers(32, 40), elements=values),
            strategies.hnp.arrays(dtype, st.integers(2, 4), elements=values),
        )
    else:
        side = max_side if max_side is not None else {1: 8, 2: 5, 3: 3}.get(dims, 3)
        values = strategies.elements(dtype, max_terms=side**dims, chained=chained)
        pair = strategies.signal_kernel_pairs(dtype, dims=dims, max_side=side, chained=chained)

    def with_third(ab):
        return strategies.hnp.arrays(dtype, ab[1].shape, elements=values).map(lambda c: Operands(ab[0], ab[1], c))

    return pair.flatmap(with_third)


def assert_sides(sides: Sides, *, law: str) -> None:
    """Both sides lie within their bounds of one exact value: they differ by at most the sum of the bounds.

    Examples
    --------
    >>> import numpy as np
    >>> exact = errorbounds.exact("int64")
    >>> assert_sides(Sides(np.array([1, 2]), np.array([1, 3]), exact, exact), law="demo")
    Traceback (most recent call last):
    ...
    AssertionError: demo: exact equality (int64): the sides differ
    """
    lhs, rhs = np.asarray(sides.lhs), np.asarray(sides.rhs)
    assert lhs.shape == rhs.shape, f"{law}: shapes {lhs.shape} and {rhs.shape}"
    bound = errorbounds.combine(sides.lhs_bound, sides.rhs_bound)
    if bound.kind == "exact":
        assert np.array_equal(lhs, rhs), f"{law}: {bound.description}: the sides differ"
        return
    wide = np.clongdouble if np.iscomplexobj(rhs) or np.iscomplexobj(lhs) else np.longdouble
    rhs = rhs.astype(wide)
    assert bound.holds(lhs, rhs), (
        f"{law}: {bound.kind} bound [{bound.description}] violated: deviation "
        f"{bound.deviation(lhs, rhs):.3g} = {bound.ratio(lhs, rhs):.3g} x bound"
    )


# --------------------------------------------------------------------------- helpers


def _tolerance(x, y, plan, **options) -> errorbounds.Bound:
    from convalg.testing import tolerance

    return tolerance(x, y, plan=plan, **options)


def _scaled(bound: errorbounds.Bound, factor: float) -> errorbounds.Bound:
    if bound.kind == "exact":
        return bound
    return errorbounds.Bound(bound.kind, bound.value * factor, f"{factor:g} x ({bound.description})")


def _moved(bound: errorbounds.Bound, move) -> errorbounds.Bound:
    """A componentwise bound carried along with its result (padded, flipped); others unchanged."""
    if bound.kind != "componentwise" or np.ndim(bound.value) == 0:
        return bound
    return errorbounds.Bound("componentwise", move(np.asarray(bound.value)), bound.description)


def _flip_conj(x: np.ndarray) -> np.ndarray:
    flipped = np.ascontiguousarray(x[(slice(None, None, -1),) * x.ndim])
    return np.conjugate(flipped) if flipped.dtype.kind == "c" else flipped


def _magnitude(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``|x| * |y|`` in float64 (rounded up by one ulp): the scale of an elementwise rounding term."""
    from convalg.testing import reference

    exact = np.asarray(reference(np.abs(x).astype(np.float64), np.abs(y).astype(np.float64)), dtype=np.float64)
    return np.nextafter(exact, np.inf)


def _rounding(x: np.ndarray, y: np.ndarray, dtype, what: str) -> errorbounds.Bound:
    """``u (1 + u) (|x| * |y|)``: the error of one more rounding of values bounded by ``|x| * |y|``."""
    if np.dtype(dtype).kind not in "fc":
        return errorbounds.exact(dtype)
    u = errorbounds.unit_roundoff(dtype)
    return errorbounds.Bound("componentwise", u * (1 + u) * _magnitude(x, y), what)


# --------------------------------------------------------------------------- the checks
# Each is ``sides(operands, compute) -> Sides`` for one law of the registry (convalg.laws).


def _definition(ops: Operands, compute: Compute) -> Sides:
    from convalg.testing import reference

    result, plan = compute("convolve", ops.a, ops.b, mode="full")
    return Sides(result, reference(ops.a, ops.b), _tolerance(ops.a, ops.b, plan), errorbounds.exact(result.dtype))


def _commutativity(ops: Operands, compute: Compute) -> Sides:
    ab, plan_ab = compute("convolve", ops.a, ops.b)
    ba, plan_ba = compute("convolve", ops.b, ops.a)
    return Sides(ab, ba, _tolerance(ops.a, ops.b, plan_ab), _tolerance(ops.b, ops.a, plan_ba))


def _associativity(ops: Operands, compute: Compute) -> Sides:
    from convalg.testing import chain_tolerance

    a, b, c = ops
    ab, plan1 = compute("convolve", a, b)
    lhs, plan2 = compute("convolve", ab, c)
    bc, plan3 = compute("convolve", b, c)
    rhs, plan4 = compute("convolve", a, bc)
    return Sides(
        lhs,
        rhs,
        chain_tolerance(a, b, c, intermediate=ab, plans=(plan1, plan2)),
        chain_tolerance(b, c, a, intermediate=bc, plans=(plan3, plan4)),
    )


def _left_distributivity(ops: Operands, compute: Compute) -> Sides:
    a, b, c = ops
    with np.errstate(all="ignore"):
        b_plus_c = b + c  # rounded once: |fl(b + c) - (b + c)| <= u |b + c|, taken into the bound
    lhs, plan = compute("convolve", a, b_plus_c)
    ab, plan_b = compute("convolve", a, b)
    ac, plan_c = compute("convolve", a, c)
    rhs = ab + ac
    dtype = rhs.dtype
    sums = np.abs(b).astype(np.float64) + np.abs(c).astype(np.float64)
    lhs_bound = errorbounds.combine(_tolerance(a, b_plus_c, plan), _rounding(a, sums, dtype, "u |a|*|b+c| (input sum)"))
    u = errorbounds.unit_roundoff(dtype) if dtype.kind in "fc" else 0.0
    rhs_bound = errorbounds.combine(
        _scaled(errorbounds.combine(_tolerance(a, b, plan_b), _tolerance(a, c, plan_c)), 1 + u),
        _rounding(a, sums, dtype, "u |a*b + a*c| (output sum)"),
    )
    return Sides(lhs, rhs, lhs_bound, rhs_bound)


_EXACT_SCALARS = {"i": -3, "f": 4.0, "c": 1j}  # multiplying by these rounds nothing


def _homogeneity(ops: Operands, compute: Compute) -> Sides:
    a, b = ops.a, ops.b
    alpha = _EXACT_SCALARS[a.dtype.kind]
    scaled_a = (a * a.dtype.type(alpha)).astype(a.dtype)
    lhs, plan_l = compute("convolve", scaled_a, b)
    base, plan_r = compute("convolve", a, b)
    return Sides(
        lhs,
        base * base.dtype.type(alpha),
        _tolerance(scaled_a, b, plan_l),
        _scaled(_tolerance(a, b, plan_r), abs(alpha)),
    )


def _identity(ops: Operands, compute: Compute) -> Sides:
    a = ops.a
    delta = np.zeros(ops.b.shape, dtype=a.dtype)  # a delta with trailing zeros: a multi-tap kernel
    delta[(0,) * a.ndim] = 1
    result, plan = compute("convolve", a, delta)
    expected = np.zeros(result.shape, dtype=a.dtype)
    expected[tuple(slice(0, n) for n in a.shape)] = a
    return Sides(result, expected, _tolerance(a, delta, plan), errorbounds.exact(a.dtype))


def _translation_equivariance(ops: Operands, compute: Compute) -> Sides:
    widths = [(1, 0)] * ops.a.ndim
    shifted = np.pad(ops.a, widths)
    lhs, plan_l = compute("convolve", shifted, ops.b)
    base, plan_r = compute("convolve", ops.a, ops.b)
    return Sides(
        lhs,
        np.pad(base, widths),
        _tolerance(shifted, ops.b, plan_l),
        _moved(_tolerance(ops.a, ops.b, plan_r), lambda v: np.pad(v, widths)),
    )


def _convolution_is_flipped_correlation(ops: Operands, compute: Compute) -> Sides:
    flipped = _flip_conj(ops.b)
    conv, plan_c = compute("convolve", ops.a, ops.b, mode="same")
    corr, plan_r = compute("correlate", ops.a, flipped, mode="same")
    return Sides(
        conv,
        corr,
        _tolerance(ops.a, ops.b, plan_c, mode="same"),
        _tolerance(ops.a, flipped, plan_r, op="correlation", mode="same"),
    )


def _correlation_is_flipped_convolution(ops: Operands, compute: Compute) -> Sides:
    flipped = _flip_conj(ops.b)
    corr, plan_r = compute("correlate", ops.a, ops.b)
    conv, plan_c = compute("convolve", ops.a, flipped)
    return Sides(corr, conv, _tolerance(ops.a, ops.b, plan_r, op="correlation"), _tolerance(ops.a, flipped, plan_c))


def _conjugate_symmetry(ops: Operands, compute: Compute) -> Sides:
    ba, plan_ba = compute("correlate", ops.b, ops.a)
    ab, plan_ab = compute("correlate", ops.a, ops.b)
    return Sides(
        ba,
        _flip_conj(ab),
        _tolerance(ops.b, ops.a, plan_ba, op="correlation"),
        _moved(_tolerance(ops.a, ops.b, plan_ab, op="correlation"), _flip_conj),
    )


# --------------------------------------------------------------------------- what each law's entry carries

FULL_WINDOW = NumericCheck("convolve(a, b, mode='full') == the exact a*b (oracle)", _definition)
COMMUTATIVITY = NumericCheck("convolve(a, b) == convolve(b, a)", _commutativity)
ASSOCIATIVITY = NumericCheck("convolve(convolve(a, b), c) == convolve(a, convolve(b, c))", _associativity, chained=True)
LEFT_DISTRIBUTIVITY = NumericCheck(
    "convolve(a, b + c) == convolve(a, b) + convolve(a, c)", _left_distributivity, chained=True
)
HOMOGENEITY = NumericCheck("convolve(alpha a, b) == alpha convolve(a, b), alpha exact (-3, 4.0, 1j)", _homogeneity)
IDENTITY = NumericCheck("convolve(a, delta) == a", _identity)
TRANSLATION_EQUIVARIANCE = NumericCheck(
    "convolve(shift(a, 1), b) == shift(convolve(a, b), 1)", _translation_equivariance
)
CONVOLUTION_IS_FLIPPED_CORRELATION = NumericCheck(
    "convolve(a, b, 'same') == correlate(a, conj(flip(b)), 'same')", _convolution_is_flipped_correlation
)
CORRELATION_IS_FLIPPED_CONVOLUTION = NumericCheck(
    "correlate(a, b) == convolve(a, conj(flip(b)))", _correlation_is_flipped_convolution
)
CONJUGATE_SYMMETRY = NumericCheck("correlate(b, a) == conj(flip(correlate(a, b)))", _conjugate_symmetry)
