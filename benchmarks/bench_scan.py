"""Time a grid of calls of every public function against scipy.signal: is convalg faster on every call?

Run on demand (never as a timed unit test)::

    python benchmarks/bench_scan.py                 # the whole grid (about 5 minutes)
    python benchmarks/bench_scan.py --function convolve2d --dtype complex128
    python benchmarks/bench_scan.py --markdown docs/benchmarks-scan.md

``bench_signal.py`` times the issue's chosen cases; this script looks for the calls nobody
chose: every function of ``convalg.signal`` that scipy.signal has, on 1-D, 2-D and 3-D shapes
from tiny to medium, six dtypes and the three modes. Each cell alternates convalg and scipy
in rounds of as many calls as fill about 5 ms, and keeps each library's median per-call time,
so a load that comes and goes hits both alike. The summary gives the geometric mean of the
ratios (convalg / scipy), how many calls are slower than scipy, and the slowest, so that a
regression or a forgotten path shows up by name.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import math
import os
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable

import numpy as np
import scipy
import scipy.signal

FUNCTIONS = ("convolve", "correlate", "fftconvolve", "oaconvolve", "convolve2d", "correlate2d")
DTYPES = ("float64", "float32", "complex128", "int64", "int16", "uint8")
MODES = ("full", "same", "valid")
SHAPES = (
    ((10,), (3,)),
    ((100,), (3,)),
    ((1000,), (7,)),
    ((1000,), (51,)),
    ((10_000,), (31,)),
    ((5,), (9,)),
    ((8, 8), (3, 3)),
    ((64, 64), (3, 3)),
    ((64, 64), (7, 7)),
    ((128, 128), (5, 5)),
    ((3, 40), (2, 5)),
    ((8, 8, 8), (3, 3, 3)),
    ((16, 16, 16), (3, 3, 3)),
)


def arrays(shape1, shape2, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    """Random inputs of ``dtype``: small integers, or normal floats (complex: both parts)."""
    rng = np.random.default_rng(20261203)

    def draw(shape):
        if np.dtype(dtype).kind in "iu":
            return rng.integers(0, 100, shape).astype(dtype)
        x = rng.standard_normal(shape)
        if np.dtype(dtype).kind == "c":
            x = x + 1j * rng.standard_normal(shape)
        return x.astype(dtype)

    return draw(shape1), draw(shape2)


def calls(functions, dtypes) -> list[tuple[str, tuple, tuple, str, str]]:
    """The grid: (function, shape1, shape2, dtype, mode), leaving out what scipy does not take."""
    grid = []
    for (s1, s2), dtype, mode, function in itertools.product(SHAPES, dtypes, MODES, functions):
        if function.endswith("2d") and len(s1) != 2:
            continue
        if mode == "valid" and not all(n >= k for n, k in zip(s1, s2)):
            continue
        grid.append((function, s1, s2, dtype, mode))
    return grid


def median_times(timers: dict[str, Callable[[], object]], *, rounds: int = 7, budget: float = 5e-3) -> dict[str, float]:
    """Median seconds per call of each timer, the timers alternating in each round."""
    for func in timers.values():
        func()  # warm-up: imports, caches, plans
    number = {}
    for name, func in timers.items():
        start = time.perf_counter()
        func()
        number[name] = max(1, min(1000, int(budget / max(time.perf_counter() - start, 1e-7))))
    samples: dict[str, list[float]] = {name: [] for name in timers}
    for _ in range(rounds):
        for name, func in timers.items():
            start = time.perf_counter()
            for _ in range(number[name]):
                func()
            samples[name].append((time.perf_counter() - start) / number[name])
    return {name: statistics.median(values) for name, values in samples.items()}


def scan(functions, dtypes, *, rounds: int) -> list[tuple[str, float, float]]:
    """(call, convalg seconds, scipy seconds) for every call of the grid."""
    import convalg.signal

    np.ones(1 << 23).sum()  # warm the heap, as bench_signal.warm_the_heap does
    rows = []
    for function, s1, s2, dtype, mode in calls(functions, dtypes):
        a, b = arrays(s1, s2, dtype)
        timers = {
            "convalg": functools.partial(getattr(convalg.signal, function), a, b, mode=mode),
            "scipy": functools.partial(getattr(scipy.signal, function), a, b, mode=mode),
        }
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scipy's integer wrap-around and casts
            t = median_times(timers, rounds=rounds)
        name = f"{function} {'x'.join(map(str, s1))} * {'x'.join(map(str, s2))} {dtype} {mode}"
        rows.append((name, t["convalg"], t["scipy"]))
        print(f"{t['convalg'] / t['scipy']:6.2f}  {name}", file=sys.stderr, flush=True)
    return rows


def summary(rows: list[tuple[str, float, float]], worst: int) -> list[str]:
    """Markdown lines: the geometric mean ratio, the count above 1.0 and the slowest calls."""
    ratios = [c / s for _, c, s in rows]
    slower = [(r, name, c, s) for r, (name, c, s) in zip(ratios, rows) if r > 1.0]
    lines = [
        (
            f"{len(rows)} calls; geometric mean of convalg / scipy: "
            f"{math.exp(statistics.fmean(math.log(r) for r in ratios)):.2f}; "
            f"slower than scipy: {len(slower)} ({len(slower) / len(rows):.0%}); "
            f"above 1.5x: {sum(r > 1.5 for r in ratios)}."
        ),
        "",
        "| call | convalg (us) | scipy (us) | convalg/scipy |",
        "|---|---|---|---|",
    ]
    for r, name, c, s in sorted(slower, reverse=True)[:worst]:
        lines.append(f"| {name} | {c * 1e6:.1f} | {s * 1e6:.1f} | {r:.2f} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--function", action="append", choices=FUNCTIONS, help="only this function (repeatable)")
    parser.add_argument("--dtype", action="append", choices=DTYPES, help="only this dtype (repeatable)")
    parser.add_argument("--rounds", type=int, default=7, help="alternating rounds per call (default 7)")
    parser.add_argument("--worst", type=int, default=40, help="list this many of the slowest calls (default 40)")
    parser.add_argument("--markdown", metavar="PATH", help="also write the summary to PATH")
    args = parser.parse_args(argv)
    rows = scan(args.function or FUNCTIONS, args.dtype or DTYPES, rounds=args.rounds)
    lines = summary(rows, args.worst)
    print("\n".join(lines))
    if args.markdown:
        header = [
            "# Every call against scipy.signal",
            "",
            __doc__.strip().split("\n\n")[-1],
            "",
            "Rerun with:",
            "",
            "```bash",
            "python benchmarks/bench_scan.py --markdown docs/benchmarks-scan.md",
            "```",
            "",
            (
                f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; Python "
                f"{platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}; "
                f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}."
            ),
            "",
        ]
        with open(args.markdown, "w", encoding="utf-8") as out:
            out.write("\n".join([*header, *lines, ""]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
