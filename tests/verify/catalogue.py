"""Every fixture verify is measured on: the function, its dimension, and the contract its author meant.

``contract`` holds the keyword arguments of :func:`convalg.testing.verify` that state what
the author meant (a preset and overrides); ``buggy`` says whether verify must report a
violation. ``library`` marks the numpy, scipy and torch functions themselves (the
classification measurement: verify must state their contract in one word and raise no
false alarm on them). ``benchmarks/bench_verify.py`` runs verify on all of them and counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import buggy_convolutions as buggy
import correct_convolutions as correct
import numpy as np
import scipy.ndimage
import scipy.signal
import torch_convolutions as torchs


@dataclass(frozen=True)
class Fixture:
    """A function verify is run on, with the contract its author meant."""

    name: str
    fn: object
    buggy: bool
    contract: dict = field(default_factory=dict)
    dims: int = 1
    library: bool = False
    torch: bool = False


def _ok(fn, dims=1, name=None, library=False, torch=False, **contract):
    return Fixture(name or fn.__name__, fn, False, contract, dims, library, torch)


def _bug(fn, dims=1, name=None, torch=False, **contract):
    return Fixture(name or fn.__name__, fn, True, contract, dims, False, torch)


def _lib(name, fn, dims=1, **contract):
    return _ok(fn, dims, name=name, library=True, **contract)


LIBRARY = [
    # numpy
    *[
        _lib(f"numpy.convolve-{m}", partial(np.convolve, mode=m), like="numpy.convolve", mode=m)
        for m in ("full", "same", "valid")
    ],
    *[
        _lib(f"numpy.correlate-{m}", partial(np.correlate, mode=m), like="numpy.correlate", mode=m)
        for m in ("full", "same", "valid")
    ],
    # scipy.signal, 1-D, every mode and method
    # method='fft' rounds integer results from float64 FFTs (only 'auto' checks they stay exact)
    *[
        _lib(
            f"scipy.signal.{f.__name__}-{m}-{meth}",
            partial(f, mode=m, method=meth),
            like=f"scipy.signal.{f.__name__}",
            mode=m,
            **({"integers": "float64"} if meth == "fft" else {}),
        )
        for f in (scipy.signal.convolve, scipy.signal.correlate)
        for m in ("full", "same", "valid")
        for meth in ("auto", "direct", "fft")
    ],
    *[
        _lib(f"scipy.signal.{f.__name__}-{m}", partial(f, mode=m), like=f"scipy.signal.{f.__name__}", mode=m)
        for f in (scipy.signal.fftconvolve, scipy.signal.oaconvolve)
        for m in ("full", "same", "valid")
    ],
    # scipy.signal, 2-D and 3-D
    *[
        _lib(
            f"scipy.signal.{f.__name__}-{m}-{b}",
            partial(f, mode=m, boundary=b),
            2,
            like=f"scipy.signal.{f.__name__}",
            mode=m,
            boundary=b,
        )
        for f in (scipy.signal.convolve2d, scipy.signal.correlate2d)
        for m, b in (
            ("full", "fill"),
            ("same", "fill"),
            ("valid", "fill"),
            ("same", "wrap"),
            ("same", "symm"),
            ("full", "wrap"),
        )
    ],
    *[
        _lib(f"scipy.signal.{f.__name__}-{d}d-{m}", partial(f, mode=m), d, like=f"scipy.signal.{f.__name__}", mode=m)
        for f in (scipy.signal.convolve, scipy.signal.correlate, scipy.signal.fftconvolve)
        for d in (2, 3)
        for m in ("full", "same", "valid")
    ],
    # scipy.ndimage
    *[
        _lib(f"scipy.ndimage.{f.__name__}-{b}", partial(f, mode=b), like=f"scipy.ndimage.{f.__name__}", boundary=b)
        for f in (scipy.ndimage.convolve1d, scipy.ndimage.correlate1d)
        for b in ("reflect", "constant", "nearest", "mirror", "wrap")
    ],
    *[
        _lib(
            f"scipy.ndimage.{f.__name__}-{d}d-{b}",
            partial(f, mode=b),
            d,
            like=f"scipy.ndimage.{f.__name__}",
            boundary=b,
        )
        for f in (scipy.ndimage.convolve, scipy.ndimage.correlate)
        for d in (1, 2, 3)
        for b in ("reflect", "constant", "wrap")
    ],
    # torch, through the wrapper every user writes
    _ok(torchs.torch_conv1d, name="torch.conv1d", library=True, torch=True, like="torch.conv1d"),
    _ok(torchs.torch_conv1d_same, name="torch.conv1d-same", library=True, torch=True, like="torch.conv1d", mode="same"),
    _ok(torchs.torch_conv2d, 2, name="torch.conv2d", library=True, torch=True, like="torch.conv2d"),
    _ok(torchs.torch_conv3d, 3, name="torch.conv3d", library=True, torch=True, like="torch.conv3d"),
]

HAND_WRITTEN_CORRECT = [
    _ok(correct.loops_full_convolution, like="numpy.convolve"),
    _ok(correct.loops_full_correlation, like="scipy.signal.correlate", nonfinite="local"),
    _ok(correct.loops_same_convolution, like="scipy.signal.convolve", mode="same", nonfinite="local"),
    _ok(correct.loops_valid_convolution, like="numpy.convolve", mode="valid"),
    _ok(correct.output_side_loop, like="numpy.convolve"),
    _ok(correct.shifted_copies, like="numpy.convolve"),
    _ok(correct.fft_with_enough_padding, like="scipy.signal.fftconvolve"),
    _ok(correct.fft_correlation, like="scipy.signal.correlate"),
    _ok(correct.overlap_add_by_hand, like="scipy.signal.oaconvolve"),
    _ok(correct.toeplitz_product, expect="convolution", mode="full", nonfinite="spread"),
    _ok(correct.toeplitz_by_hand, expect="convolution", mode="full", nonfinite="spread"),
    _ok(correct.sliding_windows_einsum, like="torch.conv1d"),
    # explicit zero padding: a NaN tap multiplies the padding zeros too (boundary 'constant')
    _ok(correct.sliding_windows_full_convolution, like="numpy.convolve", boundary="constant"),
    _ok(
        correct.ndimage_with_the_right_origin,
        like="scipy.ndimage.convolve1d",
        boundary="constant",
        same_start="(k-1)//2",
    ),
    _ok(correct.valid_correlation_from_numpy, like="torch.conv1d"),
    _ok(correct.integer_exact_convolution, like="numpy.convolve", integers="exact"),
    # loops leave out the terms outside the signal (boundary 'zero'), convolve2d multiplies zeros ('constant')
    _ok(correct.loops_2d_full_convolution, 2, like="scipy.signal.convolve2d", boundary="zero"),
    _ok(correct.im2col_2d_valid_correlation, 2, like="torch.conv2d"),
    _ok(correct.fft_2d_full_convolution, 2, like="scipy.signal.fftconvolve"),
    _ok(correct.rows_then_columns_2d, 2, like="scipy.signal.convolve2d", boundary="zero"),
    _ok(correct.loops_3d_full_convolution, 3, like="scipy.signal.convolve", nonfinite="local"),
    _ok(correct.fft_3d_full_convolution, 3, like="scipy.signal.fftconvolve"),
    _ok(torchs.torch_true_convolution_full, torch=True, like="numpy.convolve", boundary="constant"),
]

BUGGY = [
    # the misses of issue 12
    _bug(buggy.conjugated_kernel, expect="convolution"),
    _bug(buggy.conjugated_output, expect="convolution"),
    _bug(buggy.reversed_output, expect="convolution"),
    _bug(buggy.correlate_swapped_full, expect="correlation", mode="full"),
    _bug(buggy.correlate_swapped_valid, expect="correlation", mode="valid"),
    _bug(buggy.correlation_without_conjugate, expect="correlation"),
    _bug(buggy.real_part_only, like="numpy.convolve"),
    _bug(buggy.wrong_from_eight_columns_2d, 2, like="scipy.signal.convolve2d"),
    _bug(buggy.overlap_add_wrong_after_16, like="scipy.signal.oaconvolve"),
    _bug(buggy.drops_taps_from_64, like="numpy.convolve"),
    _bug(buggy.float32_long_signal_path, like="numpy.convolve"),
    _bug(buggy.nan_as_zero, like="numpy.convolve"),
    _bug(buggy.returns_its_input_for_a_unit_kernel, like="numpy.convolve"),
    _bug(buggy.scales_in_place_for_one_tap, like="numpy.convolve"),
    _bug(buggy.hangs_on_long_signals, like="numpy.convolve"),
    _bug(buggy.hangs_in_a_busy_loop, like="numpy.convolve"),
    _bug(buggy.exits_with_status_0, like="numpy.convolve"),
    _bug(buggy.kills_its_process, like="numpy.convolve"),
    _bug(buggy.recursion_too_deep, like="numpy.convolve"),
    # the earlier fixtures
    _bug(buggy.fft_without_enough_padding, like="scipy.signal.fftconvolve"),
    _bug(buggy.same_window_off_by_one, like="scipy.signal.convolve", mode="same"),
    _bug(buggy.float32_accumulator, like="numpy.convolve"),
    _bug(buggy.int32_accumulator, like="numpy.convolve"),
    _bug(buggy.drops_a_tap_of_long_kernels, like="numpy.convolve"),
    _bug(buggy.flipped_kernel, expect="convolution"),
    _bug(buggy.crashes_on_single_tap, like="numpy.convolve"),
    _bug(buggy.mutates_its_kernel, like="numpy.convolve"),
    _bug(buggy.returns_single_precision, like="numpy.convolve"),
    _bug(buggy.wrong_length_for_even_kernels, like="numpy.convolve"),
    # windows, boundaries and lengths
    _bug(buggy.valid_one_short, like="numpy.convolve", mode="valid"),
    _bug(buggy.valid_without_swapping, like="numpy.convolve", mode="valid"),
    _bug(buggy.same_for_even_kernels_like_ndimage, like="scipy.signal.convolve", mode="same"),
    _bug(buggy.same_of_the_longer_input, like="scipy.signal.convolve", mode="same"),
    _bug(buggy.same_length_of_the_kernel_when_longer, like="scipy.signal.convolve", mode="same"),
    _bug(buggy.same_one_short_for_even_kernels, like="scipy.signal.convolve", mode="same"),
    _bug(buggy.full_drops_the_last_output, like="numpy.convolve"),
    _bug(buggy.ignores_the_last_signal_sample, like="numpy.convolve"),
    _bug(buggy.mirror_instead_of_reflect, like="scipy.ndimage.convolve1d"),
    _bug(buggy.wraps_instead_of_zero_padding, like="scipy.signal.convolve", mode="same"),
    _bug(buggy.edge_instead_of_reflect, like="scipy.ndimage.convolve1d"),
    _bug(buggy.same_centred_on_the_wrong_side_torch, like="torch.conv1d", mode="same"),
    # values and dtypes
    _bug(buggy.polynomial_product, like="numpy.convolve"),
    _bug(buggy.fft_truncates_integers, like="numpy.convolve", nonfinite="spread"),
    _bug(buggy.irfft_without_length, like="scipy.signal.fftconvolve"),
    _bug(buggy.int8_accumulated_in_int8, like="numpy.convolve"),
    _bug(buggy.int8_saturates, like="numpy.convolve"),
    _bug(buggy.int64_through_float64, like="numpy.convolve"),
    _bug(buggy.accumulates_in_the_signal_dtype, like="numpy.convolve"),
    _bug(buggy.rfft_for_real_signals, like="scipy.signal.fftconvolve"),
    _bug(buggy.fft_in_single_precision, like="scipy.signal.fftconvolve"),
    _bug(buggy.float16_path_for_float32, like="numpy.convolve"),
    _bug(buggy.rounds_the_output, like="numpy.convolve"),
    _bug(buggy.adds_a_tiny_offset, like="numpy.convolve"),
    _bug(buggy.normalised_by_the_kernel_sum, like="numpy.convolve"),
    _bug(buggy.biased_correlation, like="scipy.signal.correlate"),
    _bug(buggy.nan_in_kernel_ignored, like="numpy.convolve"),
    _bug(buggy.infinity_as_largest_float, like="numpy.convolve"),
    _bug(buggy.skips_zero_taps, like="numpy.convolve"),
    _bug(buggy.fft_claimed_direct, like="numpy.convolve"),
    _bug(buggy.kernel_fft_cached_by_length, like="scipy.signal.fftconvolve"),
    _bug(buggy.returns_an_internal_buffer, like="numpy.convolve"),
    _bug(buggy.returns_a_view_of_the_signal, like="numpy.convolve"),
    _bug(buggy.chunked_forgets_the_tail, like="numpy.convolve"),
    # 2-D and 3-D
    _bug(buggy.flips_only_the_rows_2d, 2, like="scipy.signal.convolve2d"),
    _bug(buggy.transposes_square_kernels_2d, 2, like="scipy.signal.convolve2d"),
    _bug(buggy.transposes_square_outputs_2d, 2, like="scipy.signal.convolve2d"),
    _bug(buggy.valid_2d_one_row_short, 2, like="scipy.signal.convolve2d", mode="valid"),
    _bug(buggy.drops_the_last_kernel_row_2d, 2, like="scipy.signal.convolve2d"),
    _bug(buggy.tiles_of_32_without_halo_2d, 2, like="scipy.signal.convolve2d"),
    _bug(buggy.wraps_2d_same, 2, like="scipy.signal.convolve2d", mode="same"),
    _bug(buggy.flips_the_output_rows_2d, 2, like="scipy.signal.convolve2d"),
    _bug(buggy.correlate2d_swapped, 2, like="scipy.signal.correlate2d"),
    _bug(buggy.wrong_from_depth_16_3d, 3, like="scipy.signal.convolve", nonfinite="local"),
    _bug(buggy.swaps_axes_of_3d_outputs, 3, like="scipy.signal.convolve"),
    _bug(buggy.conjugated_kernel_3d, 3, like="scipy.signal.convolve"),
    # torch
    _bug(torchs.torch_convolution_without_the_flip, torch=True, like="numpy.convolve"),
    _bug(torchs.torch_conv2d_padding_one_for_same, 2, torch=True, like="torch.conv2d", mode="same"),
]

ALL = LIBRARY + HAND_WRITTEN_CORRECT + BUGGY


def by_name(name: str) -> Fixture:
    """The fixture called ``name``."""
    return next(f for f in ALL if f.name == name)
