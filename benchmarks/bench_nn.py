"""Time convalg.nn.functional's convolution and its gradients against torch CPU, side by side.

Run on demand (never as a timed unit test)::

    python benchmarks/bench_nn.py              # the issue's three cases plus a large kernel, forward and backward
    python benchmarks/bench_nn.py --repeat 3   # fewer timed runs per cell
    python benchmarks/bench_nn.py --case 5x5   # only cases whose name contains '5x5'

Every cell is the best of ``--repeat`` runs after one warm-up, on the same float32 arrays, in one
process, with torch using as many threads as it likes (``torch.get_num_threads()`` is printed) and
NumPy's BLAS likewise. ``ratio`` is convalg time / torch time (below 1 means convalg is faster).
The issue's target: ``conv2d`` forward within 1.5x of ``torch.nn.functional.conv2d`` on the first
three cases. Each convalg result is compared with torch's (max relative deviation, a sanity flag
so that a fast wrong answer cannot pass unseen; the tests hold the rigorous checks).

Allocator: by default the benchmark first asks glibc's malloc (``mallopt``) to serve every
block up to 1 GiB from its heap and to keep freed memory. Without this, torch's CPU allocator
gets each multi-megabyte output and scratch buffer from fresh ``mmap`` pages, and the first
configuration of a process stays in that state: on the 2-vCPU benchmark machine the 64x1x28x28
case took 3.1 ms with 2,273 page faults per call instead of 0.39 ms with none (the same oneDNN
kernel; ``MALLOC_MMAP_THRESHOLD_`` has the same effect), and the 8x3x224x224 case 72 ms with
25,089 faults instead of 40 ms. Timing torch in that state would flatter
convalg, so both libraries run with the heap kept; the columns ``faults`` show the minor page
faults per call of each. ``--malloc default`` leaves glibc's defaults alone.

``backward`` times ``conv2d_grad`` (input, weight and bias gradients) against torch autograd's
backward of the same convolution (graph built once outside the timed region, ``retain_graph``).
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import os
import platform
import resource
import sys
import time
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Case:
    name: str
    input_shape: tuple[int, int, int, int]
    out_channels: int
    kernel: int
    padding: int = 0

    def arrays(self):
        rng = np.random.default_rng(20261125)
        x = rng.standard_normal(self.input_shape).astype(np.float32)
        w = rng.standard_normal((self.out_channels, self.input_shape[1], self.kernel, self.kernel)).astype(np.float32)
        b = rng.standard_normal(self.out_channels).astype(np.float32)
        return x, w, b


CASES = [
    Case("32x64x56x56, 64 3x3 (ResNet block)", (32, 64, 56, 56), 64, 3, padding=1),
    Case("8x3x224x224, 64 7x7 (ResNet stem)", (8, 3, 224, 224), 64, 7, padding=3),
    Case("64x1x28x28, 32 5x5 (MNIST)", (64, 1, 28, 28), 32, 5),
    Case("4x1x256x256, 4 31x31 (large kernel)", (4, 1, 256, 256), 4, 31),
]
TARGET = 1.5

# glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def _keep_heap() -> bool:
    """Have glibc serve blocks up to 1 GiB from the heap and keep freed memory (see the docstring)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, 1 << 30)) and bool(libc.mallopt(_M_TRIM_THRESHOLD, 2 << 30))
    except (OSError, AttributeError):  # not glibc
        return False


def _faults(function, calls: int = 20) -> float:
    """Minor page faults per call of ``function`` (after a warm-up call)."""
    function()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(calls):
        function()
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / calls


def _best(function, repeat: int) -> float:
    function()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def _deviation(ours, theirs) -> float:
    theirs = np.asarray(theirs, dtype=np.float64)
    return float(np.max(np.abs(np.asarray(ours, dtype=np.float64) - theirs)) / max(np.max(np.abs(theirs)), 1e-30))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--case", default="", help="only cases whose name contains this text")
    parser.add_argument("--malloc", choices=("keep-heap", "default"), default="keep-heap",
                        help="glibc malloc settings for both libraries (see the module docstring)")
    args = parser.parse_args(argv)
    heap = "heap kept (mallopt)" if args.malloc == "keep-heap" and _keep_heap() else "glibc default"

    import torch

    from convalg.nn import functional as F

    print(f"convalg.nn vs torch {torch.__version__} CPU ({torch.get_num_threads()} threads), numpy {np.__version__}, "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, float32, best of {args.repeat}, "
          f"malloc: {heap}")
    header = (f"{'case':38} {'pass':8} {'torch ms':>9} {'convalg ms':>11} {'ratio':>6} {'method':>7} {'max rel dev':>11}"
              f" {'faults':>11}")
    print(header)
    print("-" * len(header))
    ratios = []
    for case in CASES:
        if args.case not in case.name:
            continue
        x, w, b = case.arrays()
        tx, tw, tb = (torch.from_numpy(a) for a in (x, w, b))
        options = dict(padding=case.padding)
        method = F._choose_method(x.shape[0], 1, x.shape[1], w.shape[0],
                                  tuple(n + 2 * case.padding for n in x.shape[2:]), w.shape[2:],
                                  F._output_shape(tuple(n + 2 * case.padding for n in x.shape[2:]), w.shape[2:], (1, 1), (1, 1)))

        with torch.no_grad():
            torch_forward = _best(lambda: torch.nn.functional.conv2d(tx, tw, tb, **options), args.repeat)
            torch_faults = _faults(lambda: torch.nn.functional.conv2d(tx, tw, tb, **options))
            expected = torch.nn.functional.conv2d(tx, tw, tb, **options).numpy()
        ours_forward = _best(lambda: F.conv2d(x, w, b, **options), args.repeat)
        our_faults = _faults(lambda: F.conv2d(x, w, b, **options))
        deviation = _deviation(F.conv2d(x, w, b, **options), expected)
        ratio = ours_forward / torch_forward
        ratios.append((case.name, ratio))
        print(f"{case.name:38} {'forward':8} {1e3 * torch_forward:9.2f} {1e3 * ours_forward:11.2f} "
              f"{ratio:6.2f} {method:>7} {deviation:11.1e} {torch_faults:5.0f}/{our_faults:<5.0f}")

        g = np.random.default_rng(1).standard_normal(expected.shape).astype(np.float32)
        tg = torch.from_numpy(g)
        lx, lw, lb = (a.clone().requires_grad_(True) for a in (tx, tw, tb))
        ty = torch.nn.functional.conv2d(lx, lw, lb, **options)

        def torch_backward():
            return torch.autograd.grad(ty, (lx, lw, lb), tg, retain_graph=True)

        torch_time = _best(torch_backward, args.repeat)
        ours_time = _best(lambda: F.conv2d_grad(g, x, w, **options), args.repeat)
        deviation = max(_deviation(a, t.numpy()) for a, t in zip(F.conv2d_grad(g, x, w, **options), torch_backward()))
        print(f"{'':38} {'backward':8} {1e3 * torch_time:9.2f} {1e3 * ours_time:11.2f} "
              f"{ours_time / torch_time:6.2f} {method:>7} {deviation:11.1e}")
    met = [name for name, ratio in ratios[:3] if ratio <= TARGET]
    print(f"\nforward within {TARGET}x of torch on {len(met)} of {min(3, len(ratios))} target cases")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
