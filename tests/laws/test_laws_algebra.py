"""The algebra of convolution holds for every backend, method, dtype and dimension, within the error bounds.

Every law of the registry :mod:`convalg.laws` that has a numeric check is tested here: both
sides computed by convalg, each within its own rigorous bound of the same exact value (chained
convolutions use the composed bound), so the sides may differ by at most the sum of the two
bounds; integer results must be exactly equal. Adding a law to the registry adds it here.
The adjoint identity below is not a law of the registry: an inner product is not a sequence,
so the statement language cannot say it.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from law_helpers import DIMS, METHODS, bound_of, examples, method_and_pair, run

from convalg import errorbounds
from convalg.laws import numeric, with_numeric_check
from convalg.testing import strategies


@pytest.mark.parametrize("law", with_numeric_check(), ids=lambda law: law.key)
@examples()
@given(data=st.data())
def test_the_law_holds_within_the_bounds_of_both_sides(law, backend, data):
    method = data.draw(st.sampled_from(METHODS), label="method")
    dims = 1 if method == "oa" else data.draw(st.sampled_from(DIMS), label="dims")
    dtype = data.draw(strategies.dtypes(), label="dtype")
    ops = data.draw(numeric.operands(dtype, dims, method=method, chained=law.numeric.chained), label="operands")
    law.numeric.run(ops, numeric.computer(backend, method), context=f"{backend}, method={method}")


def _inner(u: np.ndarray, v: np.ndarray):
    wide = np.clongdouble if np.iscomplexobj(u) or np.iscomplexobj(v) else np.longdouble
    if u.dtype.kind in "iu" and v.dtype.kind in "iu":
        return int(np.sum(u.astype(object) * v.astype(object)))
    return np.sum(u.astype(wide) * np.conjugate(v.astype(wide)))


def _inner_error(result_bound: errorbounds.Bound, other: np.ndarray):
    """|<r_hat - r, y>| given a bound on r_hat - r: sum v_i |y_i|, or ||v||_2 ||y||_2.

    Summed in long double: with subnormal results the terms are below float64's range.
    """
    y = np.abs(other).astype(np.longdouble)
    if result_bound.kind == "exact":
        return np.longdouble(0)
    if result_bound.kind == "componentwise":
        return np.sum(np.asarray(result_bound.value).astype(np.longdouble) * y)
    return np.longdouble(result_bound.value) * np.sqrt(np.sum(y * y))


@examples()
@given(data=st.data())
def test_correlation_is_the_adjoint_of_convolution(backend, data):
    # <conv(a, x), y> == <x, corr(y, a, 'valid')> for every y of the full output's shape
    method, (a, x) = method_and_pair(data, chained=True)
    full_shape = tuple(n + k - 1 for n, k in zip(a.shape, x.shape))
    y = data.draw(strategies.hnp.arrays(a.dtype, full_shape, elements=strategies.elements(a.dtype, chained=True)))
    conv, plan_c = run("convolve", a, x, backend, method=method)
    corr, plan_r = run("correlate", y, a, backend, mode="valid", method=method)
    lhs, rhs = _inner(conv, y), _inner(x, corr)
    if a.dtype.kind in "iu":
        assert lhs == rhs
        return
    conv_bound = bound_of(a, x, plan_c)
    corr_bound = bound_of(y, a, plan_r, op="correlation", mode="valid")
    # the inner products themselves are summed in long double
    g = errorbounds.gamma(conv.size + x.size, np.longdouble)
    wide = np.longdouble
    rounding = g * (
        np.sum(np.abs(conv).astype(wide) * np.abs(y).astype(wide))
        + np.sum(np.abs(x).astype(wide) * np.abs(corr).astype(wide))
    )
    allowed = _inner_error(conv_bound, y) + _inner_error(corr_bound, x) + rounding
    assert abs(lhs - rhs) <= allowed, (
        f"<conv(a,x), y> - <x, corr(y,a)> = {abs(lhs - rhs):.3g} > {allowed:.3g} "
        f"[{conv_bound.description}; {corr_bound.description}]"
    )
