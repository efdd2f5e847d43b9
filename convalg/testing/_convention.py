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

import numpy as np

from convalg.testing._oracle import full_convolution, window

__all__ = ["Convention", "Transform", "Window", "detect_convention", "call_quietly", "Call"]

# ndimage's boundary names -> numpy.pad's modes; 'zero' is the signal-processing default.
BOUNDARIES = {"zero": "constant", "reflect": "symmetric", "mirror": "reflect", "wrap": "wrap", "nearest": "edge"}
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
CONVOLUTION = Transform()
CORRELATION = Transform(conj_kernel=True, flip_kernel=True)  # scipy.signal, numpy


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
WINDOW_BY_MODE = {"full": WINDOWS[0], "same": WINDOWS[1], "valid": WINDOWS[-1]}


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
            parts.append(f"conjugates {t.conjugated()}" if t.conjugated() != "neither" else "conjugates neither argument")
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
        label = f"{t.operation}{' swapped' if t.swapped else ''}{' reversed' if t.flip_signal and t.flip_kernel else ''}"
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
        pads, starts, shape = self.geometry(np.shape(signal), np.shape(kernel))
        a, b = self.operands(signal, kernel)
        return window(full_convolution(a, b), starts, shape)

    def with_expectation(self, expect: str | None, mode: str | None) -> Convention:
        """This convention with the product and/or window replaced by what a user expects."""
        convention = self
        if expect is not None and expect != self.operation:
            convention = replace(convention, transform=CONVOLUTION if expect == "convolution" else CORRELATION)
        if mode is not None and (self.window.name != mode or self.window.centre == "k//2"):
            wanted = WINDOW_BY_MODE[mode]
            if mode == "same" and self.window.name == "same":
                wanted = Window("same", self.window.length, "(k-1)//2")
            convention = replace(convention, window=wanted)
        if mode is not None and convention.boundary != "zero":
            convention = replace(convention, boundary="zero")
        return convention


@dataclass
class Call:
    """The outcome of calling the function once: its output or the exception it raised."""

    output: np.ndarray | None = None
    error: BaseException | None = None
    mutated: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and not self.mutated


def call_quietly(fn, signal: np.ndarray, kernel: np.ndarray) -> Call:
    """Call ``fn`` on copies, catching any exception and noticing if it changed its inputs."""
    import warnings

    s, k = signal.copy(), kernel.copy()
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            out = fn(s, k)
        out = _to_numpy(out)
    except Exception as exc:  # a crash of fn is a finding, not a crash of verify
        return Call(error=exc, mutated=not (_same(s, signal) and _same(k, kernel)))
    return Call(output=out, mutated=not (_same(s, signal) and _same(k, kernel)))


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")


def _to_numpy(out) -> np.ndarray:
    if hasattr(out, "detach"):  # a torch tensor returned by a thin wrapper
        out = out.detach().cpu().numpy()
    elif type(out).__module__.split(".")[0] in ("cupy", "array_api_strict"):
        from convalg.backends import to_numpy

        out = to_numpy(out)
    out = np.asarray(out)
    if out.dtype == object:
        raise TypeError(f"the function returned an object array ({out.shape}), not numbers")
    return out


# ---------------------------------------------------------------- detection


def _probe_shapes(dims: int) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    if dims == 1:
        pairs = [(9, 4), (8, 3), (7, 2), (10, 5), (6, 6), (11, 1), (3, 6), (2, 5), (1, 1)]
        return [((n,), (k,)) for n, k in pairs]
    base = [((6, 7), (3, 2)), ((7, 5), (2, 4)), ((5, 5), (3, 3)), ((4, 8), (1, 2)), ((2, 3), (4, 5)), ((1, 1), (1, 1))]
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
    call: Call


def _explains(convention: Convention, probe: _Probe, cache: dict) -> bool:
    out = probe.call.output
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
    transforms = TRANSFORMS if not real_only else tuple(t for t in TRANSFORMS if not t.conj_signal and not t.conj_kernel)
    for boundary in BOUNDARIES:
        for transform in transforms:
            for win in WINDOWS:
                if boundary != "zero" and win.name == "valid":
                    continue
                yield Convention(transform, win, boundary, real_only)


@dataclass
class Detection:
    """The detected convention (or None), the probes, and what the probes showed."""

    convention: Convention | None
    explained: int
    probes: list = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def detect_convention(fn, *, dims: int = 1, seed: int = 0) -> Detection:
    """Probe ``fn(signal, kernel)`` and name its convention.

    Parameters
    ----------
    fn : callable
        ``fn(signal, kernel) -> array`` for NumPy arrays of ``dims`` dimensions.
    dims : int
        The dimension of the probes.
    seed : int
        Seed of the random probes (detection is deterministic).

    Returns
    -------
    Detection
        ``convention`` is the convention explaining the most probes (None if no
        convention explains at least half of those the function accepted); ``problems``
        lists crashes, mutated inputs and outputs no convention explains.

    Examples
    --------
    >>> import numpy as np
    >>> detect_convention(np.correlate).convention.short()
    'correlation (conj kernel), valid'
    >>> from functools import partial
    >>> detect_convention(partial(np.convolve, mode="same")).convention.short()
    'convolution (conj neither), same [(k-1)//2, longer]'
    """
    rng = np.random.default_rng(seed)
    shapes = _probe_shapes(dims)
    problems: list[str] = []
    probes: list[_Probe] = []
    real_only = False
    for complex_ in (True, False):
        probes = []
        for s_shape, k_shape in shapes:
            signal, kernel = _random(rng, s_shape, complex_), _random(rng, k_shape, complex_)
            probes.append(_Probe(signal, kernel, call_quietly(fn, signal, kernel)))
        fitting = [p for p in probes if all(k <= n for n, k in zip(p.signal.shape, p.kernel.shape))]
        usable = [
            p for p in fitting
            if p.call.error is None and p.call.output.dtype.kind in ("c" if complex_ else "fc")
        ]
        if len(usable) >= max(1, len(fitting) // 2):
            real_only = not complex_
            break
    else:
        crashed = [p for p in probes if p.call.error is not None]
        if crashed:
            p = crashed[0]
            problems.append(
                f"crashes on float64 inputs of shapes {p.signal.shape} and {p.kernel.shape}: "
                f"{type(p.call.error).__name__}: {p.call.error}"
            )
        if any(p.call.mutated for p in probes):
            problems.append("mutates its inputs")
        if not problems:
            problems.append("returns no usable numeric output for float64 inputs")
        return Detection(None, 0, probes, problems)
    answered = [p for p in probes if p.call.error is None]
    longer = [p for p in probes if any(k > n for n, k in zip(p.signal.shape, p.kernel.shape))]
    declined_longer = bool(longer) and all(p.call.error is not None for p in longer)
    cache: dict = {}
    best, best_count = None, 0
    for candidate in _candidates(real_only):
        count = sum(_explains(candidate, p, cache) for p in answered)
        if count > best_count:
            best, best_count = candidate, count
    if best is None or best_count * 2 < len(answered):
        if any(p.call.mutated for p in probes):
            problems.append("mutates its inputs")
        return Detection(None, best_count, probes, problems + ["no single convention explains the outputs"])
    notes = []
    if real_only:
        notes.append("complex inputs are not supported, so conjugation cannot be seen")
    if declined_longer:
        err = longer[0].call.error
        notes.append(f"kernels longer than the signal are rejected ({type(err).__name__})")
    best = replace(best, kernel_longer_declined=declined_longer, notes=tuple(notes))
    return Detection(best, best_count, probes, problems)
