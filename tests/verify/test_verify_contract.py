"""The contract: every property can be stated, presets state them all, and each preset is what its library does."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
import scipy.ndimage
import scipy.signal

from convalg.testing._contract import CHOICES, Contract
from convalg.testing._presets import PRESETS, contract_from_options, preset_names


def test_fields_accept_the_names_users_know_and_reject_others_by_name():
    assert Contract(boundary="fill").boundary == "constant"
    assert Contract(boundary="symm").boundary == "reflect"
    assert Contract(conjugate="none").conjugate == "neither"
    assert Contract(same_start="(k - 1) // 2").same_start == "(k-1)//2"
    with pytest.raises(ValueError, match=r"boundary must be one of .*'wrap'"):
        Contract(boundary="periodic-ish")
    with pytest.raises(TypeError, match="mode must be a string"):
        Contract(mode=3)


@pytest.mark.parametrize("name", preset_names())
def test_every_preset_states_every_property(name):
    dims, contract = PRESETS[name]
    assert contract.algebra_stated
    for field in (
        "operation",
        "conjugate",
        "order",
        "mode",
        "boundary",
        "nonfinite",
        "integers",
        "precision",
        "same_start",
        "same_length",
        "valid_shapes",
    ):
        assert getattr(contract, field) in CHOICES[field], (name, field)
    assert set(dims) <= {1, 2, 3}


def test_one_word_states_the_windows_of_each_library():
    assert contract_from_options(like="numpy.convolve", mode="same").same_length == "longer"
    assert contract_from_options(like="scipy.signal.convolve", mode="same").same_length == "signal"
    assert contract_from_options(like="scipy.ndimage.convolve1d").same_start == "k//2"
    assert contract_from_options(like="scipy.ndimage.correlate1d").same_start == "(k-1)//2"
    torch = contract_from_options(like="torch.conv2d", dims=2, mode="same")
    assert (torch.conjugate, torch.same_start, torch.valid_shapes) == ("neither", "k//2", "kernel-fits")


def test_stating_only_the_product_states_scipys_conjugation_and_order():
    correlation = contract_from_options(expect="correlation")
    assert (correlation.operation, correlation.conjugate, correlation.order) == (
        "correlation",
        "kernel",
        "signal-kernel",
    )
    assert correlation.mode is None  # the window is left to detection
    assert contract_from_options(expect="correlation", conjugate="neither").conjugate == "neither"


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"like": "numpy.convolvee"}, "like must name a preset"),
        ({"like": "numpy.convolve", "dims": 2}, "numpy.convolve takes 1-D inputs"),
        ({"like": "scipy.ndimage.convolve1d", "mode": "constant"}, "ndimage's mode is the boundary"),
        ({"mode": "middle"}, "mode must be 'full', 'same' or 'valid'"),
        ({"expect": "convolution", "operation": "correlation"}, "disagree"),
    ],
)
def test_bad_contracts_are_usage_errors_that_say_what_is_wrong(options, words):
    with pytest.raises(ValueError, match=words):
        contract_from_options(**options)


def test_which_shapes_valid_defines_is_part_of_the_contract():
    scipy_valid = contract_from_options(like="scipy.signal.convolve", mode="valid", dims=2)
    assert scipy_valid.defined((5, 5), (2, 3)) and scipy_valid.defined((2, 3), (5, 5))
    assert not scipy_valid.defined((3, 5), (4, 2))  # scipy raises: not a bug
    torch_valid = contract_from_options(like="torch.conv1d")
    assert torch_valid.defined((5,), (5,)) and not torch_valid.defined((4,), (5,))


def _random(rng, shape, dtype):
    x = rng.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


def _library_cases():
    """(preset, library function, dims, preset options) for every numpy/scipy function and window."""
    cases = []
    for mode in ("full", "same", "valid"):
        cases += [
            ("numpy.convolve", partial(np.convolve, mode=mode), 1, {"mode": mode}),
            ("numpy.correlate", partial(np.correlate, mode=mode), 1, {"mode": mode}),
            ("scipy.signal.convolve", partial(scipy.signal.convolve, mode=mode), 2, {"mode": mode}),
            ("scipy.signal.correlate", partial(scipy.signal.correlate, mode=mode), 3, {"mode": mode}),
            ("scipy.signal.correlate2d", partial(scipy.signal.correlate2d, mode=mode), 2, {"mode": mode}),
        ]
    for boundary in ("reflect", "constant", "wrap", "nearest", "mirror"):
        cases += [
            ("scipy.ndimage.convolve1d", partial(scipy.ndimage.convolve1d, mode=boundary), 1, {"boundary": boundary}),
            ("scipy.ndimage.correlate", partial(scipy.ndimage.correlate, mode=boundary), 2, {"boundary": boundary}),
        ]
    cases.append(
        (
            "scipy.signal.convolve2d",
            partial(scipy.signal.convolve2d, mode="same", boundary="symm"),
            2,
            {"mode": "same", "boundary": "symm"},
        )
    )
    return cases


@pytest.mark.parametrize(
    ("preset", "fn", "dims", "options"),
    _library_cases(),
    ids=[f"{c[0]}-{'-'.join(c[3].values())}" for c in _library_cases()],
)
def test_each_preset_reference_is_what_the_library_computes(preset, fn, dims, options):
    contract = contract_from_options(like=preset, dims=dims, **options).completed(None)
    rng = np.random.default_rng(7)
    for trial in range(12):
        shapes = [tuple(int(v) for v in rng.integers(1, 9, dims)) for _ in range(2)]
        if not contract.defined(*shapes):
            continue
        dtype = ("float64", "complex128")[trial % 2]
        signal, kernel = _random(rng, shapes[0], dtype), _random(rng, shapes[1], dtype)
        expected = np.asarray(contract.reference(signal, kernel), dtype=np.complex128)
        np.testing.assert_allclose(fn(signal, kernel), expected, rtol=1e-9, atol=1e-9)


def test_the_ndimage_presets_state_its_tiny_tap_rules():
    kernel_1d = np.array([0.0, 1e-88, 1e-88])  # symmetric within DBL_EPSILON, so ndimage uses tap 0 twice
    signal = np.ones(5)
    contract = contract_from_options(like="scipy.ndimage.convolve1d", boundary="constant").completed(None)
    np.testing.assert_allclose(
        scipy.ndimage.convolve1d(signal, kernel_1d, mode="constant"),
        np.asarray(contract.reference(signal, kernel_1d), dtype=float),
        rtol=1e-12,
        atol=0,
    )
    contract_nd = contract_from_options(like="scipy.ndimage.correlate", dims=2, boundary="constant").completed(None)
    tiny = np.array([[1.0, 1e-30]])  # N-D filters drop taps of magnitude <= DBL_EPSILON
    image = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(
        scipy.ndimage.correlate(image, tiny, mode="constant"),
        np.asarray(contract_nd.reference(image, tiny), dtype=float),
        rtol=1e-15,
    )
    nan_tap = np.array([[1.0, np.nan]])  # and NaN taps (|NaN| > eps is false): no NaN reaches the output
    assert not contract_nd.touched(image, nan_tap).any()
    assert np.isfinite(scipy.ndimage.correlate(image, nan_tap, mode="constant")).all()


def test_explicit_zero_padding_lets_a_nan_tap_reach_every_output_but_absent_terms_do_not():
    signal, kernel = np.array([1.0, 2.0, 3.0]), np.array([np.nan, 1.0])
    zero = contract_from_options(like="numpy.convolve").completed(None)
    constant = contract_from_options(like="numpy.convolve", boundary="constant").completed(None)
    assert zero.touched(signal, kernel).tolist() == [True, True, True, False]
    assert constant.touched(signal, kernel).all()
    assert np.isnan(np.convolve(signal, kernel)).tolist() == [True, True, True, False]
    assert np.isnan(scipy.signal.convolve2d(signal[None], kernel[None])).all()


def test_correlate2d_conjugates_a_swapped_complex_valid_result_and_its_preset_says_so():
    rng = np.random.default_rng(3)
    small, large = _random(rng, (2, 3), "complex128"), _random(rng, (4, 5), "complex128")
    contract = contract_from_options(like="scipy.signal.correlate2d", mode="valid", dims=2).completed(None)
    assert contract.conjugates_output(small, large)
    np.testing.assert_allclose(
        scipy.signal.correlate2d(small, large, "valid"),
        np.asarray(contract.reference(small, large), dtype=complex),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        scipy.signal.correlate(small, large, "valid"),
        np.conj(scipy.signal.correlate2d(small, large, "valid")),
        rtol=1e-12,
    )
