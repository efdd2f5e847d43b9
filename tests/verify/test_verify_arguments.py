"""convalg.testing's helpers refuse what they cannot honour with a typed error naming the argument."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from convalg.testing import Contract, Violation, strategies
from convalg.testing._report import snippet


@pytest.mark.parametrize("magnitude", ["huge", "Wide", ""])
def test_elements_refuses_an_unknown_magnitude(magnitude):
    with pytest.raises(ValueError, match="magnitude must be 'wide' or 'moderate'"):
        strategies.elements("float64", magnitude=magnitude)


@pytest.mark.parametrize("dtype", ["bool", "longdouble", "clongdouble", "U3"])
def test_elements_refuses_a_dtype_hypothesis_cannot_draw(dtype):
    with pytest.raises(TypeError, match="dtype must be integer, float16/32/64 or complex64/128"):
        strategies.elements(dtype)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "complex64", "complex128"])
@given(data=st.data())
def test_elements_draws_values_the_dtype_holds_exactly(dtype, data):
    value = data.draw(strategies.elements(dtype, magnitude="moderate"))
    assert np.asarray(value, dtype=dtype).item() == value


@pytest.mark.parametrize("missing", ["mode", "boundary", "same_start"])
def test_an_incomplete_contract_names_the_field_its_convention_needs(missing):
    stated = dict(
        operation="convolution",
        conjugate="neither",
        order="signal-kernel",
        mode="same",
        same_start="(k-1)//2",
        same_length="signal",
        boundary="zero",
    )
    del stated[missing]
    with pytest.raises(ValueError, match=f"does not state '{missing}'"):
        Contract(**stated).convention()


def test_the_completed_contract_has_a_convention():
    assert Contract(mode="valid").completed(None).convention().window.name == "valid"


def test_a_violation_without_a_counterexample_has_no_snippet():
    violation = Violation("domain", "the function computes nothing", "raises for every dtype")
    with pytest.raises(ValueError, match="'domain' violation without a counterexample"):
        snippet(np.convolve, "numpy:convolve", violation)
