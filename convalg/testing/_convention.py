"""Detect the convention of a black-box ``fn(signal, kernel)``: which product, which window, which boundary.

Every plausible convention is a window of ``conv(T_s(extend(signal)), T_k(kernel))``
where each ``T`` may conjugate and/or reverse its argument (16 combinations: convolution,
cross-correlation conjugating either argument, with the arguments swapped, ...), the
signal is extended by zeros or by one of ndimage's boundary rules, and the window is
full, 'same' (of the signal or of the longer input, centred at ``(k - 1) // 2`` or
``k // 2``) or 'valid'. Probing the function with random complex inputs of several
shapes (even and odd, kernels longer than signals) leaves, with probability one, the
single convention that explains every output.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from convalg.testing._harness import Outcome
from convalg.testing._oracle import convolution_block, full_convolution, window

__all__ = ["Convention", "Transform", "Window", "detect_convention", "Detection"]

# ndimage's boundary names -> numpy.pad's modes; 'zero' is the signal-processing default.
BOUNDARIES: dict[str, Literal["constant", "symmetric", "reflect", "wrap", "edge"]] = {
    "zero": "constant",
    "reflect": "symmetric",
    "mirror": "reflect",
    "wrap": "wrap",
    "nearest": "edge",
}
_BOUNDARY_WORDS = {
    "zero": "zero-padded",
    "reflect": "extended by half-sample reflection (ndimage 'reflect')",
    "mirror": "extended by whole-sample reflection (ndimage 'mirror')",
    "wrap": "extended periodically (ndimage 'wrap')",
    "nearest": "extended by repeating the edge value (ndimage 'nearest')",
}


@dataclass(frozen=True)
class Transform:
    """Which argument is conjugated and which is reversed before a plain convolution."""

    conj_signal: bool = False
    flip_signal: bool = False
    conj_kernel: bool = False
    flip_kernel: bool = False

    @property
    def operation(self) -> str:
        return "convolution" if self.flip_signal == self.flip_kernel else "correlation"

    @property
    def swapped(self) -> bool:
        """A correlation that slides the signal over the kernel: ``corr(kernel, signal)``."""
        return self.flip_signal and not self.flip_kernel

    def conjugated(self) -> str:
        both = self.conj_signal and self.conj_kernel
        if both:
            return "both"
        return "signal" if self.conj_signal else "kernel" if self.conj_kernel else "neither"

    def formula(self) -> str:
        s = "conj(signal" if self.conj_signal else "signal"
        k = "conj(kernel" if self.conj_kernel else "kernel"
        close_s = ")" if self.conj_signal else ""
        close_k = ")" if self.conj_kernel else ""
        if self.flip_signal and self.flip_kernel:
            return f"out[i] = sum_j {s}[n-1-i+j]{close_s} * {k}[j]{close_k} (a convolution, output reversed)"
        if self.flip_kernel:
            return f"out[i] = sum_j {s}[i + j]{close_s} * {k}[j]{close_k}"
        if self.flip_signal:
            return f"out[i] = sum_j {k}[i + j]{close_k} * {s}[j]{close_s}"
        return f"out[i] = sum_j {s}[i - j]{close_s} * {k}[j]{close_k}"

    def apply(self, signal: np.ndarray, kernel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _apply(signal, self.conj_signal, self.flip_signal), _apply(kernel, self.conj_kernel, self.flip_kernel)


def _apply(x: np.ndarray, conj: bool, flip: bool) -> np.ndarray:
    if flip:
        x = x[(slice(None, None, -1),) * x.ndim]
    if conj and x.dtype.kind == "c":
        x = np.conjugate(x)
    elif conj and x.dtype == object:
        x = np.array([v.conjugate() for v in x.ravel()], dtype=object).reshape(x.shape)
    return x


# Preference when several transforms explain real-valued probes equally well.
TRANSFORMS = tuple(
    Transform(cs, fs, ck, fk)
    for fs, fk in ((False, False), (False, True), (True, False), (True, True))
    for cs, ck in ((False, False), (False, True), (True, False), (True, True))
)


@dataclass(frozen=True)
class Window:
    """Which block of the full product is returned, as a rule per axis of lengths ``n`` (signal), ``k`` (kernel)."""

    name: str  # 'full' | 'same' | 'valid'
    length: str  # 'full' | 'signal' | 'longer' | 'valid'
    centre: str  # '0' | '(k-1)//2' | 'k//2' | 'min-1'

    def start_and_length(self, n: int, k: int) -> tuple[int, int] | None:
        small, large = min(n, k), max(n, k)
        if self.length == "full":
            return 0, n + k - 1
        if self.length == "valid":
            return small - 1, large - small + 1
        centre_of = small if self.length == "longer" else k
        if self.centre == "(k-1)//2, n//2 if k > n":  # numpy.correlate swaps and reverses
            start = (k - 1) // 2 if n >= k else n // 2
        else:
            start = (centre_of - 1) // 2 if self.centre == "(k-1)//2" else centre_of // 2
        return start, (large if self.length == "longer" else n)

    def describe(self) -> str:
        if self.name == "full":
            return "'full' (every overlap, length n + k - 1)"
        if self.name == "valid":
            return "'valid' (complete overlaps only, length |n - k| + 1)"
        of = "of the longer input (like numpy)" if self.length == "longer" else "of the signal (like scipy.signal)"
        centre = "k" if self.length == "signal" else "min(n, k)"
        if self.centre == "k//2":
            rule = f"{centre} // 2"
            usual = "as scipy.ndimage.convolve1d: one later than scipy.signal for even kernels"
        elif self.centre == "(k-1)//2":
            rule = f"({centre} - 1) // 2"
            usual = "as numpy.convolve and scipy.signal"
        else:
            rule = "(k - 1) // 2, or n // 2 for kernels longer than the signal"
            usual = "as numpy.correlate, which swaps and reverses for longer kernels"
        return f"'same' (length {of}, starting at full index {rule}, {usual})"


WINDOWS = (
    Window("full", "full", "0"),
    Window("same", "signal", "(k-1)//2"),
    Window("same", "longer", "(k-1)//2"),
    Window("same", "longer", "(k-1)//2, n//2 if k > n"),
    Window("same", "signal", "k//2"),
    Window("same", "longer", "k//2"),
    Window("valid", "valid", "min-1"),
)


@dataclass(frozen=True)
class Convention:
    """What a convolution-like function computes, and how to compute the same exactly.

    Attributes
    ----------
    transform : Transform
        Conjugation and reversal of each argument before a plain convolution.
    window : Window
        The block of the full result that is returned.
    boundary : str
        How the signal is extended: ``'zero'`` or an ndimage boundary mode.
    real_only : bool
        Detected from real probes only, so conjugation could not be seen.
    kernel_longer_declined : bool
        The function rejects kernels longer than the signal (for some axis).
    notes : tuple of str
        What could not be told, and anything else worth saying.
    """

    transform: Transform
    window: Window
    boundary: str = "zero"
    real_only: bool = False
    kernel_longer_declined: bool = False
    notes: tuple[str, ...] = field(default=(), compare=False)

    @property
    def operation(self) -> str:
        return self.transform.operation

    def describe(self) -> str:
        """The convention in words, including what could not be told."""
        t = self.transform
        op = "convolution" if t.operation == "convolution" else "cross-correlation"
        parts = [f"{op}: {t.formula()}"]
        if self.real_only:
            parts.append("conjugation cannot be told (the function takes real inputs only)")
        else:
            parts.append(
                f"conjugates {t.conjugated()}" if t.conjugated() != "neither" else "conjugates neither argument"
            )
        if t.swapped:
            parts.append("arguments swapped (the signal slides over the kernel)")
        parts.append(f"window {self.window.describe()}")
        boundary_used = self.window.name != "valid"
        parts.append(f"signal {_BOUNDARY_WORDS[self.boundary]}" if boundary_used else "boundary not used")
        return "; ".join(parts + list(self.notes))

    def short(self) -> str:
        """A one-line label: e.g. ``correlation(conj kernel) same[(k-1)//2, signal] zero``."""
        t = self.transform
        conj = "?" if self.real_only else t.conjugated()
        swapped = " swapped" if t.swapped else ""
        reversed_ = " reversed" if t.flip_signal and t.flip_kernel else ""
        label = f"{t.operation}{swapped}{reversed_}"
        label += f" (conj {conj})"
        win = self.window.name
        if win == "same":
            win += f" [{self.window.centre}, {self.window.length}]"
        return f"{label}, {win}" + ("" if self.boundary == "zero" or win == "valid" else f", boundary {self.boundary}")

    def geometry(self, signal_shape, kernel_shape):
        """Pad widths, window starts (in the padded full product) and output shape, or None if undefined."""
        pads, starts, shape = [], [], []
        for n, k in zip(signal_shape, kernel_shape):
            rule = self.window.start_and_length(int(n), int(k))
            if rule is None or rule[1] < 0:
                return None
            start, length = rule
            pad = 0 if self.boundary == "zero" or self.window.name == "valid" else int(k)
            pads.append(pad)
            starts.append(start + pad)
            shape.append(length)
        return tuple(pads), tuple(starts), tuple(shape)

    def output_shape(self, signal_shape, kernel_shape):
        geometry = self.geometry(signal_shape, kernel_shape)
        return None if geometry is None else geometry[2]

    def operands(self, signal, kernel):
        """The extended, transformed signal and the transformed kernel whose full convolution is windowed."""
        signal = np.asarray(signal)
        kernel = np.asarray(kernel)
        pads, _, _ = self.geometry(signal.shape, kernel.shape)
        if any(pads):
            signal = np.pad(signal, [(p, p) for p in pads], mode=BOUNDARIES[self.boundary])
        return self.transform.apply(signal, kernel)

    def reference(self, signal, kernel) -> np.ndarray:
        """The exact (integers) or extended-precision output of this convention."""
        _, starts, shape = self.geometry(np.shape(signal), np.shape(kernel))
        a, b = self.operands(signal, kernel)
        with np.errstate(all="ignore"):  # NaN and infinity may be inputs here, not accidents
            return convolution_block(a, b, starts, shape)


# ---------------------------------------------------------------- detection


def _probe_shapes(dims: int) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    if dims == 1:
        pairs = [(9, 4), (8, 3), (7, 2), (10, 5), (6, 6), (11, 1), (3, 6), (2, 5), (1, 1)]
        return [((n,), (k,)) for n, k in pairs]
    base: list[tuple[tuple[int, ...], tuple[int, ...]]] = [
        ((6, 7), (3, 2)),
        ((7, 5), (2, 4)),
        ((5, 5), (3, 3)),
        ((4, 8), (1, 2)),
        ((2, 3), (4, 5)),
        ((1, 1), (1, 1)),
    ]
    if dims == 2:
        return base
    return [(n + (3 + i % 2,), k + (2 + i % 3,)) for i, (n, k) in enumerate(base)]


def _random(rng, shape, complex_: bool) -> np.ndarray:
    x = rng.standard_normal(shape)
    if complex_:
        x = x + 1j * rng.standard_normal(shape)
    return x


@dataclass
class _Probe:
    signal: np.ndarray
    kernel: np.ndarray
    outcome: Outcome


def _explains(convention: Convention, probe: _Probe, cache: dict) -> bool:
    out = probe.outcome.output
    geometry = convention.geometry(probe.signal.shape, probe.kernel.shape)
    if geometry is None or out is None or tuple(out.shape) != geometry[2]:
        return False
    key = (convention.transform, convention.boundary if any(geometry[0]) else "zero", id(probe))
    if key not in cache:
        a, b = convention.operands(probe.signal, probe.kernel)
        cache[key] = np.asarray(full_convolution(a, b), dtype=np.complex128)
    block = window(cache[key], geometry[1], geometry[2])
    scale = float(np.sqrt(np.sum(np.abs(cache[key]) ** 2))) + 1e-300
    return bool(np.sqrt(np.sum(np.abs(block - out) ** 2)) <= 1e-5 * scale)


def _candidates(real_only: bool):
    transforms = (
        TRANSFORMS if not real_only else tuple(t for t in TRANSFORMS if not t.conj_signal and not t.conj_kernel)
    )
    for boundary in BOUNDARIES:
        for transform in transforms:
            for win in WINDOWS:
                if boundary != "zero" and win.name == "valid":
                    continue
                yield Convention(transform, win, boundary, real_only)


@dataclass
class Detection:
    """The detected convention (or None), every probe with what the function did, and problems."""

    convention: Convention | None
    explained: int
    probes: list = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    nearest: Convention | None = None
    answered: int = 0


def detect_convention(fn, *, dims: int = 1, seed: int = 0, call=None) -> Detection:
    """Probe ``fn(signal, kernel)`` and name its convention.

    Parameters
    ----------
    fn : callable
        ``fn(signal, kernel) -> array`` for NumPy arrays of ``dims`` dimensions.
    dims : int
        The dimension of the probes.
    seed : int
        Seed of the random probes (detection is deterministic).
    call : callable, optional
        ``call(signal, kernel) -> Outcome`` (a :class:`~convalg.testing._harness.Harness`'s
        ``call``, so that a hang is bounded); default: calls in this process.

    Returns
    -------
    Detection
        ``convention`` is the convention explaining the most probes (None if no
        convention explains at least half of those the function answered); ``probes``
        keeps every probe and what the function did with it.

    Examples
    --------
    >>> import numpy as np
    >>> detect_convention(np.correlate).convention.short()
    'correlation (conj kernel), valid'
    >>> from functools import partial
    >>> detect_convention(partial(np.convolve, mode="same")).convention.short()
    'convolution (conj neither), same [(k-1)//2, longer]'
    """
    if call is None:
        from convalg.testing._harness import Harness

        call = Harness(fn, timeout=None).call
    rng = np.random.default_rng(seed)
    shapes = _probe_shapes(dims)
    probes: list[_Probe] = []
    everything: list[_Probe] = []
    real_only = False
    for complex_ in (True, False):
        probes = []
        for s_shape, k_shape in shapes:
            signal, kernel = _random(rng, s_shape, complex_), _random(rng, k_shape, complex_)
            probes.append(_Probe(signal, kernel, call(signal, kernel)))
        everything += probes
        fitting = [p for p in probes if all(k <= n for n, k in zip(p.signal.shape, p.kernel.shape))]
        usable = [
            p
            for p in fitting
            if p.outcome.output is not None and p.outcome.output.dtype.kind in ("c" if complex_ else "fc")
        ]
        if len(usable) >= max(1, len(fitting) // 2):
            real_only = not complex_
            break
    else:
        return Detection(None, 0, everything, ["no convention explains the outputs"])
    answered = [p for p in probes if p.outcome.output is not None]
    longer = [p for p in probes if any(k > n for n, k in zip(p.signal.shape, p.kernel.shape))]
    declined_longer = bool(longer) and all(p.outcome.error is not None for p in longer)
    cache: dict = {}
    best, best_count = None, 0
    for candidate in _candidates(real_only):
        count = sum(_explains(candidate, p, cache) for p in answered)
        if count > best_count:
            best, best_count = candidate, count
    if best is None or best_count * 2 < len(answered):
        return Detection(None, best_count, everything, ["no single convention explains the outputs"], nearest=best)
    notes = []
    if real_only:
        notes.append("complex inputs are not supported, so conjugation cannot be seen")
    if declined_longer:
        err = longer[0].outcome.error_type
        notes.append(f"kernels longer than the signal are rejected ({err})")
    best = replace(best, kernel_longer_declined=declined_longer, notes=tuple(notes))
    return Detection(best, best_count, everything, [], answered=len(answered))


def candidates(real_only: bool = False):
    """Every convention detection considers."""
    return _candidates(real_only)
