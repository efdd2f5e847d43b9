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

``backward`` times ``conv2d_grad`` (input, weight and bias gradients) against torch autograd's
backward of the same convolution (graph built once outside the timed region, ``retain_graph``).
"""

from __future__ import annotations

import argparse
import os
import platform
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
    args = parser.parse_args(argv)

    import torch

    from convalg.nn import functional as F

    print(f"convalg.nn vs torch {torch.__version__} CPU ({torch.get_num_threads()} threads), numpy {np.__version__}, "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, float32, best of {args.repeat}")
    header = f"{'case':38} {'pass':8} {'torch ms':>9} {'convalg ms':>11} {'ratio':>6} {'method':>7} {'max rel dev':>11}"
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
            expected = torch.nn.functional.conv2d(tx, tw, tb, **options).numpy()
        ours_forward = _best(lambda: F.conv2d(x, w, b, **options), args.repeat)
        deviation = _deviation(F.conv2d(x, w, b, **options), expected)
        ratio = ours_forward / torch_forward
        ratios.append((case.name, ratio))
        print(f"{case.name:38} {'forward':8} {1e3 * torch_forward:9.2f} {1e3 * ours_forward:11.2f} "
              f"{ratio:6.2f} {method:>7} {deviation:11.1e}")

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
