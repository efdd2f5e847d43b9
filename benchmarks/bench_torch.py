"""Time convalg on torch CPU tensors against torch.nn.functional.conv1d/conv2d and against convalg on NumPy.

Run on demand (never as a timed unit test)::

    python benchmarks/bench_torch.py                # every case
    python benchmarks/bench_torch.py --case 2-D     # only cases whose name contains '2-D'
    python benchmarks/bench_torch.py --rounds 3     # fewer rounds per case
    python benchmarks/bench_torch.py --threads 1    # torch on one thread (torch.set_num_threads)

Three contestants compute the same 'valid' convolution of the same float32 data in one process:

* ``convalg(torch)``: ``convalg.convolve`` (1-D) or ``convalg.convolve2d`` (2-D) on CPU tensors,
  method 'auto', the result a tensor;
* ``torch.F``: ``torch.nn.functional.conv1d``/``conv2d`` with the kernel flipped (torch's
  "convolution" is a correlation), on (1, 1, ...) views of the same tensors;
* ``convalg(numpy)``: the same convalg call on the NumPy arrays.

Each round times the three in turn (the order rotates from round to round, so that all see the
same load on a shared machine); a cell is the time per call of as many calls as fill
``MIN_CELL_SECONDS``. The figure reported is the median over ``--rounds`` rounds. Before timing,
each result is compared with torch's (largest deviation over the largest magnitude): a fast
wrong answer cannot pass unseen (the tests hold the rigorous checks).

Threads: torch's intra-op pool spins and waits for its workers, so on a machine whose cores are
busy with other work a call may wait milliseconds for them: on the loaded 2-vCPU development
machine ``torch.amax`` of 100,000 floats took 11 ms with 2 threads and 8 us with 1. Run with
``--threads 1`` there (convalg's own NumPy path uses only the idle cores).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from dataclasses import dataclass

import numpy as np

MIN_CELL_SECONDS = 0.2


@dataclass(frozen=True)
class Case:
    name: str
    signal: tuple[int, ...]
    kernel: tuple[int, ...]

    def arrays(self):
        rng = np.random.default_rng(20261203)
        a = rng.standard_normal(self.signal).astype(np.float32)
        b = rng.standard_normal(self.kernel).astype(np.float32)
        return a, b


CASES = [
    Case("1-D 100000 x 15", (100_000,), (15,)),
    Case("1-D 100000 x 1001", (100_000,), (1001,)),
    Case("2-D 512x512 x 5x5", (512, 512), (5, 5)),
    Case("2-D 1024x1024 x 31x31", (1024, 1024), (31, 31)),
]


def _per_call(function) -> float:
    function()  # warm-up: first-call costs (plans, caches) are not what is measured
    calls, elapsed = 1, 0.0
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            function()
        elapsed = time.perf_counter() - start
        if elapsed >= MIN_CELL_SECONDS:
            return elapsed / calls
        calls *= 2


def contestants(case: Case):
    import torch
    import torch.nn.functional as functional

    import convalg

    a, b = case.arrays()
    ta, tb = torch.asarray(a), torch.asarray(b)
    flipped = torch.flip(tb, tuple(range(tb.ndim)))[None, None]
    batched = ta[None, None]
    convolve = convalg.convolve if len(case.signal) == 1 else convalg.convolve2d
    torch_conv = functional.conv1d if len(case.signal) == 1 else functional.conv2d
    return {
        "convalg(torch)": lambda: convolve(ta, tb, mode="valid"),
        "torch.F": lambda: torch_conv(batched, flipped)[0, 0],
        "convalg(numpy)": lambda: convolve(a, b, mode="valid"),
    }


def _as_numpy(x) -> np.ndarray:
    return x.numpy() if hasattr(x, "numpy") and not isinstance(x, np.ndarray) else np.asarray(x)


def run_case(case: Case, rounds: int) -> dict[str, float]:
    calls = contestants(case)
    reference = _as_numpy(calls["torch.F"]()).astype(np.float64)
    scale = float(np.max(np.abs(reference))) or 1.0
    for name, call in calls.items():
        deviation = float(np.max(np.abs(_as_numpy(call()).astype(np.float64) - reference))) / scale
        if deviation > 1e-4:
            raise SystemExit(f"{case.name}: {name} deviates from torch by {deviation:.2e} of the largest output")
    names = list(calls)
    times: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(rounds):
        for name in names[round_ % 3 :] + names[: round_ % 3]:
            times[name].append(_per_call(calls[name]))
    return {name: statistics.median(values) for name, values in times.items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", default="", help="only cases whose name contains this text")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per case; the median is reported")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    args = parser.parse_args(argv)
    import torch

    if args.threads is not None:
        torch.set_num_threads(args.threads)

    import convalg

    print(
        f"convalg {convalg.__version__}, torch {torch.__version__} ({torch.get_num_threads()} threads), "
        f"numpy {np.__version__}, {platform.machine()}, {args.rounds} rounds, median ms per call"
    )
    header = f"{'case':<24} {'convalg(torch)':>15} {'torch.F':>10} {'convalg(numpy)':>15} {'/torch.F':>9} {'/numpy':>8}"
    print(header)
    for case in CASES:
        if args.case not in case.name:
            continue
        t = run_case(case, args.rounds)
        ours, theirs, host = t["convalg(torch)"], t["torch.F"], t["convalg(numpy)"]
        print(
            f"{case.name:<24} {ours * 1e3:>15.3f} {theirs * 1e3:>10.3f} {host * 1e3:>15.3f} "
            f"{ours / theirs:>9.2f} {ours / host:>8.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
