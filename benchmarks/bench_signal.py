"""Time convalg's convolution against scipy.signal, numpy and torch, side by side in one process.

Run on demand (never as a timed unit test)::

    python benchmarks/bench_signal.py                      # the full table (a few minutes)
    python benchmarks/bench_signal.py --quick              # one timed run per cell
    python benchmarks/bench_signal.py --case 2d            # only cases whose name contains '2d'
    python benchmarks/bench_signal.py --markdown docs/benchmarks.md
    python benchmarks/bench_signal.py --scipy-workers 2       # scipy's FFTs threaded too
    python benchmarks/bench_signal.py --overhead           # only the per-call overhead table
    python benchmarks/bench_signal.py --integers           # only the exact-integer table
    python benchmarks/bench_signal.py --integer-sizes      # the exact-integer grid (--case int64, --case 2d ...)

Every cell is the best of N runs after one warm-up run, on the same input arrays, timed with
``time.perf_counter``. The ratio columns are convalg time / scipy time (below 1 means convalg is
faster); the summary gives their geometric means. ``auto chose`` names the method
``convalg.signal.plan`` picked (and scipy's ``choose_conv_method`` for comparison).

The per-call overhead table times small calls (where the fixed cost of a call is most of
it) differently: each round calls convalg, scipy.signal and numpy.convolve (or numpy.correlate)
in turn, ``number`` calls each, and a cell is the median per-call time over the rounds, so a
load that comes and goes on a shared machine hits every library alike. Targets (issue 15):
convalg <= scipy, and 1-D within 2x of numpy.convolve. Below the table, the per-call overhead
figure: a 1 x 1 convolve, convalg's time less numpy.convolve's.

The issue's target for ``convolve(method="auto")``: geometric-mean ratio <= 0.5 and no case
above 1.0. Each convalg result is also compared with scipy's (a sanity flag, not a rigorous
check: ``convalg check`` is the rigorous one), so that a fast wrong answer cannot pass unseen.
While ``convalg.signal`` does not exist yet the convalg columns are skipped, and the output says so.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import math
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy
import scipy.fft
import scipy.signal

RERUN = "python benchmarks/bench_signal.py --markdown docs/benchmarks.md"
TORCH_WORKSPACE_LIMIT = 4e9  # bytes


@dataclass(frozen=True)
class Case:
    """One benchmark input: signal and kernel shapes, dtype and the mode used for every library."""

    name: str
    signal_shape: tuple[int, ...]
    kernel_shape: tuple[int, ...]
    dtype: str = "float64"
    mode: str = "full"
    kernel: str = "random"  # or 'sobel': the separable 3x3 Sobel kernel

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(20261125)
        if np.dtype(self.dtype).kind in "iu":
            a = rng.integers(-100, 101, self.signal_shape).astype(self.dtype)
            b = rng.integers(-100, 101, self.kernel_shape).astype(self.dtype)
            return a, b
        a = rng.standard_normal(self.signal_shape).astype(self.dtype)
        if self.kernel == "sobel":
            b = np.outer([1.0, 2.0, 1.0], [1.0, 0.0, -1.0]).astype(self.dtype)
        else:
            b = rng.standard_normal(self.kernel_shape).astype(self.dtype)
        return a, b


# The cases. 1-D uses mode 'full'; images and volumes use 'same' (filtering).
FULL_CASES = [
    Case("1d 1e5 x 31", (100_000,), (31,)),
    Case("1d 1e6 x 1001", (1_000_000,), (1001,)),
    Case("1d 1e6 x 1e6", (1_000_000,), (1_000_000,)),
    Case("2d 512^2 x 3^2", (512, 512), (3, 3), mode="same"),
    Case("2d 512^2 x 11^2", (512, 512), (11, 11), mode="same"),
    Case("2d 2048^2 x 5^2", (2048, 2048), (5, 5), mode="same"),
    Case("2d 2048^2 x sobel 3x3", (2048, 2048), (3, 3), mode="same", kernel="sobel"),
    Case("2d 1024^2 x 64^2", (1024, 1024), (64, 64), mode="same"),
    Case("3d 128^3 x 5^3", (128, 128, 128), (5, 5, 5), mode="same"),
    Case("int 1d 1e5 x 1e3", (100_000,), (1000,), dtype="int64"),
]

# The same cases at toy sizes: a smoke test of the script itself (ratios mean nothing here).
TINY_CASES = [
    Case("1d 1e3 x 31", (1000,), (31,)),
    Case("1d 2e3 x 101", (2000,), (101,)),
    Case("1d 1e3 x 1e3", (1000,), (1000,)),
    Case("2d 32^2 x 3^2", (32, 32), (3, 3), mode="same"),
    Case("2d 32^2 x sobel 3x3", (32, 32), (3, 3), mode="same", kernel="sobel"),
    Case("3d 8^3 x 3^3", (8, 8, 8), (3, 3, 3), mode="same"),
    Case("int 1d 500 x 50", (500,), (50,), dtype="int64"),
]


@dataclass(frozen=True)
class SmallCall:
    """One small call of the per-call overhead table: the same arguments for every library."""

    name: str
    function: str  # a function of convalg and scipy.signal alike
    signal_shape: tuple[int, ...]
    kernel_shape: tuple[int, ...]
    mode: str = "full"
    boundary: str | None = None  # convolve2d/correlate2d only
    numpy: str | None = None  # the numpy function computing the same ('convolve', 'correlate')

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(20261203)
        return rng.standard_normal(self.signal_shape), rng.standard_normal(self.kernel_shape)

    def options(self) -> dict[str, str]:
        return {"mode": self.mode} | ({"boundary": self.boundary} if self.boundary else {})


# Issue 15's small calls (names start with 'small': not the large cases' rows above), and
# the other public functions' small calls.
SMALL_CALLS = [
    SmallCall("small 1d 100 x 3", "convolve", (100,), (3,), numpy="convolve"),
    SmallCall("small 1d 1000 x 7", "convolve", (1000,), (7,), numpy="convolve"),
    SmallCall("small 2d 64^2 x 3^2 (convolve2d)", "convolve2d", (64, 64), (3, 3), mode="same"),
    SmallCall("small 1d 100 x 3 (correlate)", "correlate", (100,), (3,), numpy="correlate"),
    SmallCall("small 2d 64^2 x 3^2 (convolve2d wrap)", "convolve2d", (64, 64), (3, 3), "same", "wrap"),
    SmallCall("small 2d 64^2 x 3^2 (correlate2d symm)", "correlate2d", (64, 64), (3, 3), "same", "symm"),
    SmallCall("small 1d 1000 x 7 (fftconvolve)", "fftconvolve", (1000,), (7,)),
    SmallCall("small 1d 1000 x 7 (oaconvolve)", "oaconvolve", (1000,), (7,)),
]
#: The per-call overhead figure: the smallest call, where nearly all of the time is overhead.
OVERHEAD_CALL = SmallCall("1d 1 x 1", "convolve", (1,), (1,), numpy="convolve")
OVERHEAD_LIBRARIES = ("convalg", "scipy", "numpy")


def overhead_times(call: SmallCall, signal, *, rounds: int, number: int) -> dict[str, float]:
    """Median seconds per call of each library on ``call``, the libraries alternating each round."""
    a, b = call.arrays()
    options = call.options()
    timers = {"scipy": lambda: getattr(scipy.signal, call.function)(a, b, **options)}
    if signal is not None:
        timers["convalg"] = lambda: getattr(signal, call.function)(a, b, **options)
    if call.numpy is not None:
        timers["numpy"] = lambda: getattr(np, call.numpy)(a, b, mode=call.mode)
    samples: dict[str, list[float]] = {name: [] for name in timers}
    for func in timers.values():
        func()  # warm-up: imports and caches
    for _ in range(rounds):
        for name, func in timers.items():
            start = time.perf_counter()
            for _ in range(number):
                func()
            samples[name].append((time.perf_counter() - start) / number)
    return {name: sorted(times)[len(times) // 2] for name, times in samples.items()}


def overhead_lines(signal, *, quick: bool) -> list[str]:
    """The per-call overhead table (microseconds, medians of alternating rounds) and the
    per-call overhead figure, as Markdown lines for docs/benchmarks.md."""
    rounds, number = (3, 20) if quick else (31, 200)
    lines = [
        (
            f"Per-call overhead: median us per call over {rounds} rounds of {number} calls, "
            "the libraries alternating within each round. `numpy` is `numpy.convolve` (or "
            "`numpy.correlate`) on the same arrays. Targets (issue 15): convalg <= scipy, and "
            "1-D within 2x of numpy."
        ),
        "",
        "| small call | mode | convalg (us) | scipy (us) | numpy (us) | convalg/scipy | convalg/numpy |",
        "|---|---|---|---|---|---|---|",
    ]
    for call in SMALL_CALLS:
        t = overhead_times(call, signal, rounds=rounds, number=number)
        cells = [f"{t[lib] * 1e6:.1f}" if lib in t else "-" for lib in OVERHEAD_LIBRARIES]
        ratios = [_ratio(t["convalg"] / t[lib]) if "convalg" in t and lib in t else "-" for lib in ("scipy", "numpy")]
        mode = call.mode + (f", {call.boundary}" if call.boundary else "")
        lines.append("| " + " | ".join([call.name, mode] + cells + ratios) + " |")
    t = overhead_times(OVERHEAD_CALL, signal, rounds=rounds, number=number)
    if "convalg" in t:
        lines += [
            "",
            (
                f"Per-call overhead figure ({OVERHEAD_CALL.name} convolve, where almost all is overhead): "
                f"convalg {t['convalg'] * 1e6:.2f} us, numpy.convolve {t['numpy'] * 1e6:.2f} us, "
                f"scipy.signal {t['scipy'] * 1e6:.2f} us; convalg's own overhead beyond numpy.convolve "
                f"{(t['convalg'] - t['numpy']) * 1e6:.2f} us."
            ),
        ]
    return lines


@dataclass(frozen=True)
class IntegerCase:
    """One exact-integer call of issue 15: both libraries get the same arrays and arguments."""

    name: str
    function: str  # 'convolve' or 'convolve2d', in convalg and scipy.signal alike
    signal: tuple[tuple[int, ...], str, int, int]  # shape, dtype, low, high (inclusive)
    kernel: tuple[tuple[int, ...], str, int, int]
    mode: str = "full"

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(20261203)
        return tuple(  # type: ignore[return-value]
            rng.integers(low, high, shape, endpoint=True).astype(dtype)
            for shape, dtype, low, high in (self.signal, self.kernel)
        )


# Issue 15's typical integer data; method='auto' in both libraries.
INTEGER_CASES = [
    IntegerCase(
        "int64 1e5 x 1e3, +-2^15",
        "convolve",
        ((100_000,), "int64", -(2**15), 2**15),
        ((1000,), "int64", -(2**15), 2**15),
    ),
    IntegerCase(
        "int64 2e5 x 2e4, [0, 2^12)",
        "convolve",
        ((200_000,), "int64", 0, 2**12 - 1),
        ((20_000,), "int64", 0, 2**12 - 1),
    ),
    IntegerCase(
        "int16 audio 1e6 x 255 taps",
        "convolve",
        ((1_000_000,), "int16", -(2**15), 2**15 - 1),
        ((255,), "int16", -(2**15), 2**15 - 1),
    ),
    # medium sizes, where the certified transform's fixed cost per call is most of its time
    IntegerCase(
        "int64 8000 x 1000, +-2^15",
        "convolve",
        ((8000,), "int64", -(2**15), 2**15),
        ((1000,), "int64", -(2**15), 2**15),
    ),
    IntegerCase(
        "int64 20000 x 2000, +-2^15",
        "convolve",
        ((20_000,), "int64", -(2**15), 2**15),
        ((2000,), "int64", -(2**15), 2**15),
    ),
    *(
        IntegerCase(
            "uint8 image 1024^2 x int8 5^2",
            function,
            ((1024, 1024), "uint8", 0, 255),
            ((5, 5), "int8", -128, 127),
            "same",
        )
        for function in ("convolve", "convolve2d")
    ),
]


def exact_sample(a: np.ndarray, b: np.ndarray, mode: str, count: int = 64) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """``count`` random outputs of the convolution (their indices and values), each summed in Python ints.

    An oracle apart from every library timed here: object arrays of Python ints, by the
    definition ``c[n] = sum_k a[n - k] b[k]``, over the full output and then the mode's window.
    """
    full = tuple(n + k - 1 for n, k in zip(a.shape, b.shape))
    if mode == "same":
        offsets = tuple((f - n) // 2 for f, n in zip(full, a.shape))
        shape = a.shape
    else:
        offsets, shape = (0,) * a.ndim, full
    rng = np.random.default_rng(7)
    index = tuple(rng.integers(0, n, count) for n in shape)
    ao, bo = a.astype(object), b.astype(object)
    values = []
    for point in zip(*index):
        n = [p + o for p, o in zip(point, offsets)]
        low = [max(0, m - k + 1) for m, k in zip(n, b.shape)]
        high = [min(m, s - 1) for m, s in zip(n, a.shape)]
        if any(h < lo for lo, h in zip(low, high)):
            values.append(0)
            continue
        window = ao[tuple(slice(lo, h + 1) for lo, h in zip(low, high))]
        taps = bo[tuple(slice(m - h, m - lo + 1) for m, lo, h in zip(n, low, high))]
        taps = taps[(slice(None, None, -1),) * b.ndim]
        values.append(int((window * taps).sum()))
    return index, np.array(values, dtype=object)


def _minor_faults() -> int:
    """Page faults of this process so far that needed no disk (first touches of fresh memory);
    0 where the platform does not count them."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Unix
        return 0
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def _integer_times(
    signal, function: str, a: np.ndarray, b: np.ndarray, options: dict[str, str], rounds: int
) -> tuple[dict[str, float], dict[str, object], dict[str, float]]:
    """Median seconds of ``function(a, b, **options)`` in convalg and scipy.signal, the two
    alternating each round, each library's result (of the warm-up call), and its page
    faults per call (fresh memory touched: about 2 us a page on the 2-core VM, as much as
    the transforms at 1e5 points)."""
    timers = {"scipy": functools.partial(getattr(scipy.signal, function), a, b, **options)}
    if signal is not None:
        timers["convalg"] = functools.partial(getattr(signal, function), a, b, **options)
    samples: dict[str, list[float]] = {name: [] for name in timers}
    faults = dict.fromkeys(timers, 0)
    with np.errstate(all="ignore"):  # scipy casts rounded floats back to small integer dtypes
        results = {name: func() for name, func in timers.items()}  # warm-up
        for _ in range(rounds):
            for name, func in timers.items():
                before = _minor_faults()
                start = time.perf_counter()
                func()
                samples[name].append(time.perf_counter() - start)
                faults[name] += _minor_faults() - before
    medians = {name: sorted(v)[len(v) // 2] for name, v in samples.items()}
    return medians, results, {name: count / rounds for name, count in faults.items()}


def integer_lines(signal, *, quick: bool) -> list[str]:
    """The exact-integer table: median ms over alternating rounds, and an exactness check."""
    rounds = 3 if quick else 11
    lines = [
        (
            f"Exact integers: median ms over {rounds} rounds, convalg and scipy alternating, method='auto'; "
            "'exact' compares 64 random outputs with sums of Python ints; 'page faults' counts the fresh "
            "memory each call touches (minor faults per call, convalg / scipy)."
        ),
        "",
        "| call | function | mode | convalg (ms) | scipy (ms) | convalg/scipy | convalg method | exact | page faults |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for case in INTEGER_CASES:
        a, b = case.arrays()
        t, results, faults = _integer_times(signal, case.function, a, b, {"mode": case.mode}, rounds)
        method, exact = "-", "-"
        if signal is not None:
            method = signal.plan(case.function, a, b, mode=case.mode).method
            index, expected = exact_sample(a, b, case.mode)
            got = np.asarray(results["convalg"])[index]
            exact = "yes" if all(int(g) == e for g, e in zip(got, expected)) else "NO"
        ratio = _ratio(t["convalg"] / t["scipy"]) if "convalg" in t else "-"
        cells = [f"{t[name] * 1e3:.2f}" if name in t else "-" for name in ("convalg", "scipy")]
        touched = " / ".join(f"{faults[name]:.0f}" for name in ("convalg", "scipy") if name in faults)
        lines.append(
            "| " + " | ".join([case.name, case.function, case.mode, *cells, ratio, method, exact, touched]) + " |"
        )
    return lines


#: ``--integer-sizes``: the exact-integer range between the small direct calls and the large
#: rows above, per dtype (values: int64/int32 within +-2**15, int16 and uint8 their whole range).
INTEGER_GRID_DTYPES = {
    "int64": (-(2**15), 2**15),
    "int32": (-(2**15), 2**15),
    "int16": (-(2**15), 2**15 - 1),
    "uint8": (0, 255),
}
INTEGER_GRID_1D = [
    ((2000,), (100,)),
    ((8000,), (1000,)),
    ((20_000,), (2000,)),
    ((100_000,), (1000,)),
    ((100_000,), (10_000,)),
]
INTEGER_GRID_2D = [((256, 256), (15, 15)), ((512, 512), (31, 31))]
INTEGER_GRID_FUNCTIONS = ("convolve", "correlate", "fftconvolve", "oaconvolve")


def integer_grid() -> list[tuple[str, str, tuple[int, ...], tuple[int, ...], str, str]]:
    """``(name, function, signal shape, kernel shape, dtype, mode)`` of every call of the grid:
    1-D and 2-D sizes x dtypes x functions x modes; ``convolve2d`` (direct only) on 2-D."""
    return [
        (
            f"{dtype} {'x'.join(map(str, signal_shape))} x {'x'.join(map(str, kernel_shape))}",
            function,
            signal_shape,
            kernel_shape,
            dtype,
            mode,
        )
        for signal_shape, kernel_shape in INTEGER_GRID_1D + INTEGER_GRID_2D
        for dtype in INTEGER_GRID_DTYPES
        for function in INTEGER_GRID_FUNCTIONS + (("convolve2d",) if len(signal_shape) == 2 else ())
        for mode in ("full", "same", "valid")
    ]


def integer_grid_lines(signal, *, quick: bool, only: list[str]) -> list[str]:
    """The ``--integer-sizes`` table: every grid call (whose name contains one of ``only``, if
    given), median ms of alternating rounds; the slower-than-scipy calls are counted."""
    rounds = 3 if quick else 11
    lines = [
        (
            f"Exact-integer grid: median ms over {rounds} rounds, convalg and scipy alternating, method='auto'; "
            "page faults per call, convalg / scipy."
        ),
        "",
        "| call | function | mode | convalg (ms) | scipy (ms) | convalg/scipy | convalg method | page faults |",
        "|---|---|---|---|---|---|---|---|",
    ]
    ratios = []
    for name, function, signal_shape, kernel_shape, dtype, mode in integer_grid():
        if only and not any(text in name or text == function for text in only):
            continue
        low, high = INTEGER_GRID_DTYPES[dtype]
        rng = np.random.default_rng(20261204)
        a, b = (rng.integers(low, high, shape, endpoint=True).astype(dtype) for shape in (signal_shape, kernel_shape))
        slow = math.prod(signal_shape) * math.prod(kernel_shape) > 5e7  # a direct sum of seconds
        t, _, faults = _integer_times(signal, function, a, b, {"mode": mode}, 3 if slow else rounds)
        ratio = t["convalg"] / t["scipy"] if "convalg" in t else None
        method = signal.plan(function, a, b, mode=mode).method if signal is not None else "-"
        cells = [f"{t[lib] * 1e3:.2f}" if lib in t else "-" for lib in ("convalg", "scipy")]
        touched = " / ".join(f"{faults[lib]:.0f}" for lib in ("convalg", "scipy") if lib in faults)
        lines.append("| " + " | ".join([name, function, mode, *cells, _ratio(ratio), method, touched]) + " |")
        print(lines[-1], file=sys.stderr, flush=True)
        if ratio is not None:
            ratios.append(ratio)
    if ratios:
        slower = sum(r > 1 for r in ratios)
        lines += [
            "",
            (
                f"{len(ratios)} calls: geometric mean {geometric_mean(ratios):.2f}, worst {max(ratios):.2f}, "
                f"{slower} slower than scipy."
            ),
        ]
    return lines


@dataclass
class Row:
    """The timings (seconds) of one case; None where a library does not apply or was skipped."""

    case: Case
    times: dict[str, float | None] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    convalg_method: str = "-"
    scipy_method: str = "-"
    agrees: str = "-"

    def ratio(self, ours: str, theirs: str) -> float | None:
        a, b = self.times.get(ours), self.times.get(theirs)
        if a is None or b is None or b <= 0:
            return None
        return a / b


def _best_of(func: Callable[[], object], *, quick: bool, repeats: int | None = None) -> float:
    """Best wall time of ``func`` after a warm-up run; fewer repeats for slow calls."""
    start = time.perf_counter()
    func()  # warm-up: imports, plan caches, FFT twiddle tables, page faults
    first = time.perf_counter() - start
    if repeats is None:
        repeats = 1 if quick else max(2, min(7, int(1.5 / max(first, 1e-9))))
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def _load_convalg():
    """convalg.signal, or None (with the reason) while the numeric core has not landed."""
    try:
        import convalg.signal as signal
    except ImportError as exc:
        return None, f"convalg.signal is not available yet ({exc}); convalg columns skipped"
    return signal, ""


def _load_torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


def _torch_conv(torch, a: np.ndarray, b: np.ndarray, mode: str) -> Callable[[], object]:
    """torch.nn.functional.conv{1,2,3}d computing the same convolution (flipped kernel)."""
    conv = {1: torch.nn.functional.conv1d, 2: torch.nn.functional.conv2d, 3: torch.nn.functional.conv3d}[a.ndim]
    x = torch.from_numpy(np.ascontiguousarray(a))[None, None]
    w = torch.from_numpy(np.ascontiguousarray(b[(slice(None, None, -1),) * b.ndim]))[None, None]
    if mode == "full":
        padding = tuple(k - 1 for k in b.shape)
    else:  # 'same' with odd kernels, as in the cases above
        padding = tuple((k - 1) // 2 for k in b.shape)

    def run():
        with torch.no_grad():
            return conv(x, w, padding=padding)

    return run


def _sanity_agrees(ours: np.ndarray, theirs: np.ndarray, a: np.ndarray, b: np.ndarray) -> str:
    """Whether two results agree within a loose, non-rigorous multiple of the FFT error bound."""
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    if ours.shape != theirs.shape:
        return f"NO: shape {ours.shape} != scipy {theirs.shape}"
    if np.issubdtype(ours.dtype, np.integer) and np.issubdtype(theirs.dtype, np.integer):
        return "yes (exact)" if np.array_equal(ours, theirs) else "NO: integers differ"
    from convalg import errorbounds

    dtype = np.result_type(ours.dtype, np.float64) if ours.dtype.kind in "iu" else ours.dtype
    full = tuple(n + k - 1 for n, k in zip(a.shape, b.shape))
    fshape = tuple(scipy.fft.next_fast_len(n, real=True) for n in full)
    a64, b64 = np.abs(a.astype(np.float64)), np.abs(b.astype(np.float64))
    terms = math.prod(min(n, k) for n, k in zip(a.shape, b.shape))
    # Either side may be direct (componentwise, at most gamma_m ||a||_2 ||b||_1 in the
    # 2-norm by Young's inequality) or FFT-based; allow both for each side.
    direct_norm = errorbounds.gamma(terms, dtype) * float(np.linalg.norm(a64.ravel())) * float(b64.sum())
    tolerance = 2 * (errorbounds.fft(a, b, fft_shape=fshape, dtype=dtype).value + direct_norm)
    diff = float(np.linalg.norm((ours.astype(np.float64) - theirs.astype(np.float64)).ravel()))
    return "yes" if diff <= tolerance else f"NO: ||diff||_2 = {diff:.3g} > {tolerance:.3g}"


def _with_workers(func: Callable[[], object], workers: int) -> Callable[[], object]:
    """Run ``func`` with scipy.fft using ``workers`` threads (scipy.signal's default is 1)."""
    if workers == 1:
        return func

    def run():
        with scipy.fft.set_workers(workers):
            return func()

    return run


def run_case(case: Case, *, signal, torch, quick: bool, repeats: int | None = None, scipy_workers: int = 1) -> Row:
    """Time every library on one case."""
    a, b = case.arrays()
    row = Row(case)
    mode = case.mode
    timers: dict[str, Callable[[], object]] = {
        name: _with_workers(func, scipy_workers)
        for name, func in {
            "scipy convolve": lambda: scipy.signal.convolve(a, b, mode=mode),
            "scipy fftconvolve": lambda: scipy.signal.fftconvolve(a, b, mode=mode),
            "scipy oaconvolve": lambda: scipy.signal.oaconvolve(a, b, mode=mode),
        }.items()
    }
    if a.ndim == 1:
        if a.size * b.size > 1e10:
            row.notes["numpy convolve"] = f"skipped: O(n k) = {a.size * b.size:.0e} multiply-adds"
        else:
            timers["numpy convolve"] = lambda: np.convolve(a, b, mode=mode)
    if signal is not None:
        timers["convalg convolve"] = lambda: signal.convolve(a, b, mode=mode)
        timers["convalg fftconvolve"] = lambda: signal.fftconvolve(a, b, mode=mode)
        timers["convalg oaconvolve"] = lambda: signal.oaconvolve(a, b, mode=mode)
    if torch is not None and a.dtype.kind == "f":
        # torch's CPU convolution unfolds the input (im2col): skip it where that workspace
        # would not fit, instead of letting it try to allocate terabytes.
        workspace = 8 * math.prod(n + k - 1 for n, k in zip(a.shape, b.shape)) * b.size
        if workspace > TORCH_WORKSPACE_LIMIT:
            row.notes["torch conv"] = f"skipped: im2col workspace ~{workspace / 1e9:.0f} GB"
        else:
            timers["torch conv"] = _torch_conv(torch, a, b, mode)
    for name, func in timers.items():
        try:
            row.times[name] = _best_of(func, quick=quick, repeats=repeats)
        except Exception as exc:  # noqa: BLE001 - a failing library is reported, not fatal to the table
            row.times[name] = None
            row.notes[name] = f"{type(exc).__name__}: {exc}"
    row.scipy_method = scipy.signal.choose_conv_method(a, b, mode=mode)
    if signal is not None:
        try:
            row.convalg_method = signal.plan("convolve", a, b, mode=mode).method
        except Exception as exc:  # noqa: BLE001 - reported in the table, as above
            row.convalg_method = f"? ({type(exc).__name__})"
        try:
            row.agrees = _sanity_agrees(signal.convolve(a, b, mode=mode), scipy.signal.convolve(a, b, mode=mode), a, b)
        except Exception as exc:  # noqa: BLE001 - reported in the table, as above
            row.agrees = f"NO: {type(exc).__name__}: {exc}"
    return row


RATIOS = [
    ("convolve", "convalg convolve", "scipy convolve"),
    ("fftconvolve", "convalg fftconvolve", "scipy fftconvolve"),
    ("oaconvolve", "convalg oaconvolve", "scipy oaconvolve"),
]
TIME_COLUMNS = [
    "convalg convolve",
    "scipy convolve",
    "convalg fftconvolve",
    "scipy fftconvolve",
    "convalg oaconvolve",
    "scipy oaconvolve",
    "numpy convolve",
    "torch conv",
]


def geometric_mean(values: list[float]) -> float | None:
    values = [v for v in values if v is not None and v > 0]
    if not values:
        return None
    return math.exp(sum(math.log(v) for v in values) / len(values))


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1e3:.3g}"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def table_lines(rows: list[Row]) -> list[str]:
    """The results as a Markdown table (which also reads well as plain text)."""
    columns = [c for c in TIME_COLUMNS if any(c in r.times for r in rows)]
    header = (
        ["case", "mode", "dtype"]
        + [f"{c} (ms)" for c in columns]
        + [f"ratio {label}" for label, *_ in RATIOS]
        + ["auto chose (convalg / scipy)", "agrees"]
    )
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in rows:
        cells = [r.case.name, r.case.mode, r.case.dtype]
        cells += [_ms(r.times.get(c)) for c in columns]
        cells += [_ratio(r.ratio(ours, theirs)) for _, ours, theirs in RATIOS]
        cells += [f"{r.convalg_method} / {r.scipy_method}", r.agrees]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def summary_lines(rows: list[Row]) -> list[str]:
    lines = []
    for label, ours, theirs in RATIOS:
        ratios = [r.ratio(ours, theirs) for r in rows]
        known = [x for x in ratios if x is not None]
        gm = geometric_mean(known)
        if gm is None:
            lines.append(f"- {label}: no convalg timings")
            continue
        worst = max(known)
        lines.append(
            f"- {label}: geometric-mean ratio convalg/scipy = {gm:.2f} over {len(known)} cases; largest {worst:.2f}"
        )
    gm = geometric_mean([r.ratio("convalg convolve", "scipy convolve") for r in rows])
    if gm is not None:
        worst = max(x for r in rows if (x := r.ratio("convalg convolve", "scipy convolve")) is not None)
        met = gm <= 0.5 and worst <= 1.0
        lines.append(
            f"- target for convolve(method='auto') (geometric mean <= 0.5, no case above 1.0): "
            f"{'MET' if met else 'NOT MET'}"
        )
    notes = [f"- {r.case.name}, {name}: {note}" for r in rows for name, note in r.notes.items()]
    return lines + notes


def machine_lines(scipy_workers: int = 1) -> list[str]:
    """CPU model, cores, load, library versions and date, for the record."""
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    torch = sys.modules.get("torch")
    versions = f"Python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}" + (
        f", torch {torch.__version__} ({torch.get_num_threads()} threads)" if torch else ""
    )
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "unknown"
    return [
        (
            f"- machine: {cpu}, {cores} cores usable ({platform.system()} {platform.machine()}); "
            f"load average at the end: {load}"
        ),
        f"- software: {versions}",
        (
            "- threads: convalg uses the cores it finds idle (scipy.fft workers, direct-method slabs); "
            f"scipy.signal ran with scipy.fft workers={scipy_workers}"
        ),
        f"- date: {now}",
    ]


def markdown(
    rows: list[Row],
    *,
    quick: bool,
    skipped: str,
    scipy_workers: int = 1,
    overhead: list[str] = (),
    integers: list[str] = (),
) -> str:
    parts = (
        [
            "# Benchmarks",
            "",
            (
                "Wall-clock times (ms, best of N after a warm-up, same inputs, one process) of convalg "
                "against scipy.signal, numpy.convolve and torch (CPU, conv1d/2d/3d with a flipped kernel). "
                "Ratios are convalg time / scipy time: below 1 convalg is faster. `auto chose` is the "
                "method `convalg.signal.plan` picked for `convolve(method='auto')`, next to scipy's "
                "`choose_conv_method`. `agrees` compares convalg's result with scipy's (a sanity flag; "
                "`convalg check` is the rigorous check). On a shared machine single cells vary by up to "
                "~30% between runs (the load average is recorded below); cases bound by one large FFT, "
                "where both libraries call pocketfft, sit near parity."
            ),
            "",
            "Rerun with:",
            "",
            "```bash",
            RERUN + (" --quick" if quick else ""),
            "```",
            "",
            "## Machine",
            "",
        ]
        + machine_lines(scipy_workers)
        + ["", "## Results", ""]
        + table_lines(rows)
    )
    parts += ["", "## Summary", ""] + summary_lines(rows)
    if overhead:
        parts += ["", "## Per-call overhead", ""] + list(overhead)
    if integers:
        parts += ["", "## Exact integers", ""] + list(integers)
    if skipped:
        parts += ["", f"Note: {skipped}."]
    return "\n".join(parts) + "\n"


def warm_the_heap(nbytes: int = 1 << 26) -> None:
    """Allocate and free one large array before anything is timed.

    glibc serves large allocations by mmap (fresh pages, each faulted in on first touch)
    until a freed block raises its threshold; after that they come from the heap. A library
    timed first would pay the page faults its rival, timed after it, does not: scipy's
    int64 1e5 x 1e3 convolve took 7.6 ms in a fresh process and 3.5 ms after one 32 MB
    array was freed. Warming the heap once puts every library in the same state.
    """
    np.ones(nbytes // 8).sum()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one timed run per cell after the warm-up")
    parser.add_argument(
        "--sizes",
        choices=("full", "tiny"),
        default="full",
        help="'tiny' runs toy sizes: a smoke test of this script, not a measurement",
    )
    parser.add_argument(
        "--case", action="append", default=[], metavar="TEXT", help="only cases whose name contains TEXT (repeatable)"
    )
    parser.add_argument("--markdown", metavar="PATH", help="also write the table and machine to PATH")
    parser.add_argument("--no-torch", action="store_true", help="leave out the torch column")
    parser.add_argument(
        "--scipy-workers",
        type=int,
        default=1,
        metavar="N",
        help="run scipy.signal with scipy.fft.set_workers(N) (default 1, scipy's own default)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        metavar="N",
        help="timed runs per cell after the warm-up (default: 2-7, fewer for slow calls)",
    )
    parser.add_argument("--overhead", action="store_true", help="only the per-call overhead table of small calls")
    parser.add_argument("--integers", action="store_true", help="only the exact-integer table (issue 15)")
    parser.add_argument(
        "--integer-sizes",
        action="store_true",
        help="only the exact-integer grid of medium sizes, dtypes, functions and modes (--case filters it)",
    )
    args = parser.parse_args(argv)

    if args.integer_sizes:
        signal, skipped = _load_convalg()
        warm_the_heap()
        print(
            "\n".join(
                machine_lines(args.scipy_workers) + [""] + integer_grid_lines(signal, quick=args.quick, only=args.case)
            )
        )
        return 0
    cases = TINY_CASES if args.sizes == "tiny" else FULL_CASES
    if args.case:
        cases = [c for c in cases if any(text in c.name for text in args.case)]
        if not cases:
            parser.error(
                f"--case {args.case} matches no case; names: "
                + ", ".join(c.name for c in (TINY_CASES if args.sizes == "tiny" else FULL_CASES))
            )
    signal, skipped = _load_convalg()
    if skipped:
        print(f"NOTE: {skipped}", flush=True)
    warm_the_heap()
    if args.integers:
        print("\n".join(machine_lines(args.scipy_workers) + [""] + integer_lines(signal, quick=args.quick)))
        return 0
    torch = None if args.no_torch else _load_torch()
    overhead = overhead_lines(signal, quick=args.quick)
    integers = integer_lines(signal, quick=args.quick)
    if args.overhead:
        print("\n".join(machine_lines(args.scipy_workers) + [""] + overhead))
        return 0

    rows = []
    for case in cases:
        print(f"... {case.name}", file=sys.stderr, flush=True)
        rows.append(
            run_case(
                case,
                signal=signal,
                torch=torch,
                quick=args.quick,
                repeats=args.repeats,
                scipy_workers=args.scipy_workers,
            )
        )
    print(
        "\n".join(
            machine_lines(args.scipy_workers)
            + [""]
            + table_lines(rows)
            + [""]
            + summary_lines(rows)
            + [""]
            + overhead
            + [""]
            + integers
        )
    )
    if args.markdown:
        Path(args.markdown).write_text(
            markdown(
                rows,
                quick=args.quick,
                skipped=skipped,
                scipy_workers=args.scipy_workers,
                overhead=overhead,
                integers=integers,
            )
        )
        print(f"wrote {args.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
