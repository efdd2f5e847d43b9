"""Time each library alone in a fresh process: what a loop of one library's calls costs.

Run on demand (never as a timed unit test)::

    python benchmarks/bench_alone.py                       # the default calls
    python benchmarks/bench_alone.py --calls 100           # more calls per process

``bench_signal.py`` alternates convalg and scipy in one process, so that a load that comes
and goes hits both alike. But the two libraries then share glibc's heap: memory one frees,
the other reuses without page faults (a fresh 4 KiB page costs about 2 us on the 2-core VM).
This script runs each library (and convalg with its scratch pool off,
``CONVALG_SCRATCH_BYTES=0``) in a process of its own, calls it ``--calls`` times on the same
inputs, and prints the median time and the minor page faults per call (``getrusage``) of
all calls after the first five, side by side with the same call made alternating in one
process. Where the alternating and the alone figures of scipy agree, the alternating
benchmark does not favour either library.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

# (name, in1 shape, in2 shape, dtype, value range): integers are drawn from [-range, range)
CALLS = [
    ("int16 1e5 x 1e4", (100_000,), (10_000,), "int16", 2**15),
    ("int64 1e5 x 1e3", (100_000,), (1_000,), "int64", 2**15),
    ("int16 256x256 x 15x15", (256, 256), (15, 15), "int16", 2**15),
    ("float64 256x256 x 15x15", (256, 256), (15, 15), "float64", 0),
    ("float64 512x512 x 31x31", (512, 512), (31, 31), "float64", 0),
]

_CHILD = r"""
import json, resource, sys, time
import numpy as np
name, shape1, shape2, dtype, spread, library, calls = json.loads(sys.argv[1])
rng = np.random.default_rng(0)
if spread:
    a = rng.integers(-spread, spread, shape1).astype(dtype)
    b = rng.integers(-spread, spread, shape2).astype(dtype)
else:
    a, b = rng.standard_normal(shape1).astype(dtype), rng.standard_normal(shape2).astype(dtype)
import scipy.signal
import convalg.signal
functions = {"scipy": scipy.signal.convolve, "convalg": convalg.signal.convolve}
order = ["scipy", "convalg"] if library == "alternating" else [library]
times = {lib: [] for lib in order}
faults = {lib: [] for lib in order}
for _ in range(calls):
    for lib in order:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        start = time.perf_counter()
        functions[lib](a, b)
        times[lib].append(time.perf_counter() - start)
        faults[lib].append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
print(json.dumps({lib: (float(np.median(times[lib][5:])), float(np.median(faults[lib][5:]))) for lib in order}))
"""


def _run(call: tuple, library: str, calls: int, scratch: bool = True) -> dict:
    """The child's medians (seconds, faults per call) for ``library`` ('scipy', 'convalg' or
    'alternating', both in one process)."""
    env = dict(os.environ)
    if not scratch:
        env["CONVALG_SCRATCH_BYTES"] = "0"
    argument = json.dumps([*call, library, calls])
    done = subprocess.run([sys.executable, "-c", _CHILD, argument], env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=60, help="calls per process (the first five are not counted)")
    args = parser.parse_args(argv)
    if args.calls < 6:
        parser.error(f"--calls must be at least 6 (the first five are warm-up); got {args.calls}")
    print(f"median ms and minor page faults per call over calls 6..{args.calls}, method='auto'\n")
    print("| call | scipy alone | scipy alternating | convalg alone | convalg alternating | convalg alone, no pool |")
    print("|---|---|---|---|---|---|")
    for call in CALLS:
        scipy_alone = _run(call, "scipy", args.calls)["scipy"]
        convalg_alone = _run(call, "convalg", args.calls)["convalg"]
        no_pool = _run(call, "convalg", args.calls, scratch=False)["convalg"]
        both = _run(call, "alternating", args.calls)
        cells = [scipy_alone, both["scipy"], convalg_alone, both["convalg"], no_pool]
        print(f"| {call[0]} | " + " | ".join(f"{1e3 * t:.2f} ms, {f:.0f}" for t, f in cells) + " |", flush=True)


if __name__ == "__main__":
    main()
