"""Which outputs of the full convolution each mode keeps: scipy.signal's window rules, once.

Along one axis of inputs of lengths ``n1`` and ``n2`` the full convolution has
``n1 + n2 - 1`` outputs; 'same' keeps ``n1`` of them centred (the extra one on the right,
half a sample later for ``correlate2d``), 'valid' those that read no zero padding. A window
is ``(start, length)`` in full-convolution coordinates; :func:`padding` gives the same
window as zeros added around the first input (how a sliding kernel sees it).
"""

from __future__ import annotations

from collections.abc import Sequence


def axis_window(n1: int, n2: int, mode: str, convolved: bool = True, centre_up: bool = False) -> tuple[int, int]:
    """``(start, length)`` of the outputs ``mode`` keeps along one axis, in full coordinates.

    ``convolved=False`` is an axis that broadcasts (its full length is ``max(n1, n2)``);
    ``centre_up`` centres 'same' half a sample later, as scipy's ``correlate2d`` does.
    A 'valid' window assumes the larger input comes first (scipy swaps them).

    Examples
    --------
    >>> axis_window(6, 4, "full"), axis_window(6, 4, "same"), axis_window(6, 4, "valid")
    ((0, 9), (1, 6), (3, 3))
    """
    full = n1 + n2 - 1 if convolved else max(n1, n2)
    if mode == "full":
        return 0, full
    if mode == "same":
        return ((full - n1 + 1) // 2 if centre_up else (full - n1) // 2), n1
    if not convolved or n1 == 1 or n2 == 1:
        # broadcast axis (scipy's fftconvolve keeps its whole length in 'valid' mode)
        return 0, full
    length = n1 - n2 + 1
    return (full - length) // 2, length


def window_slice(n1: int, n2: int, mode: str) -> slice:
    """The slice of a full convolution's axis that ``mode`` keeps (either input may be larger).

    Examples
    --------
    >>> window_slice(3, 5, "valid")
    slice(2, 5, None)
    """
    if mode == "valid" and n2 > n1:
        n1, n2 = n2, n1
    start, length = axis_window(n1, n2, mode)
    return slice(start, start + length)


def mode_window(shape1: Sequence[int], shape2: Sequence[int], mode: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Start and shape of scipy.signal's ``mode`` window in the full convolution, every axis.

    'valid' needs one input at least as large as the other in every dimension (it may be
    the second, as scipy swaps them).

    Examples
    --------
    >>> mode_window((6,), (4,), "same")
    ((1,), (6,))
    >>> mode_window((3,), (5,), "valid")
    ((2,), (3,))
    """
    if mode == "valid":
        from convalg._runtime.validation import valid_swap_needed

        if valid_swap_needed(shape1, shape2, range(len(shape1))):
            shape1, shape2 = shape2, shape1
    windows = [axis_window(n1, n2, mode) for n1, n2 in zip(shape1, shape2)]
    return tuple(start for start, _ in windows), tuple(length for _, length in windows)


def padding(n1: int, n2: int, mode: str) -> tuple[int, int]:
    """The zeros before and after the first input that give ``mode``'s window to a sliding kernel.

    Output ``o`` of the window then reads the padded inputs ``[o, o + n2)``: the window
    ``(start, length)`` of :func:`axis_window` is ``n2 - 1 - start`` zeros before and
    enough after for ``length`` outputs.

    Examples
    --------
    >>> padding(10, 3, "full"), padding(10, 4, "same"), padding(10, 3, "valid")
    ((2, 2), (2, 1), (0, 0))
    """
    start, length = axis_window(n1, n2, mode)
    before = n2 - 1 - start
    return before, length + n2 - 1 - n1 - before
