"""Convolve a volume larger than a worker's memory limit on a LocalCluster, with 1 and then 2 workers.

Run on demand (never as a timed unit test)::

    python benchmarks/bench_dask.py                         # 1 GiB of float32, 512 MiB per worker
    python benchmarks/bench_dask.py --gib 8 --memory-limit 2GiB   # the issue's 8 GB volume
    python benchmarks/bench_dask.py --workers 1 2 4 --kernel 7 7 7

The volume is float32 noise generated chunk by chunk on the workers (``dask.array.random``), so
it never exists in one place: neither in the client nor in any worker, whose memory is bounded
by ``memory_limit``. The result is reduced as it is produced (sum and sum of squares per chunk),
so no worker has to hold it either. Each worker count gets a fresh ``LocalCluster`` of local
processes on the loopback interface (one thread per worker).

Reported per worker count:

* ``generate`` -- seconds to generate the volume and reduce it, without convolving (the floor);
* ``convolve`` -- seconds to generate, convolve (``mode='same'``) and reduce;
* ``MB/s`` -- input megabytes (10**6 bytes) convolved per second of ``convolve``;
* ``net MB/s`` -- the same with the generation time subtracted;
* ``worker CPU s`` -- CPU seconds all workers spent in ``convolve`` (the work, whatever the
  wall clock: on a shared machine the wall clock also measures the other processes);
* ``peak MiB/worker`` -- the largest peak resident memory (``ru_maxrss``) among the workers,
  from the start of the worker process, so it includes Python, NumPy and dask themselves.

The convolution is the public ``convalg.fftconvolve`` / ``convalg.convolve`` on the dask array
(so each chunk's method is convalg's own choice), or with ``--engine scipy`` the same chunked
graph with scipy.signal computing every chunk.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import resource
import sys
import time

import numpy as np


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=float, default=1.0, help="volume size in GiB of float32 (default 1)")
    parser.add_argument(
        "--chunk", type=int, nargs=3, default=(32, 256, 256), help="chunk shape (default 32 256 256: 8 MiB)"
    )
    parser.add_argument("--kernel", type=int, nargs=3, default=(5, 5, 5), help="kernel shape (default 5 5 5)")
    parser.add_argument("--memory-limit", default="512MiB", help="memory limit per worker (default 512MiB)")
    parser.add_argument(
        "--timeout",
        type=float,
        default=1800,
        help="seconds per computation before giving up (a worker paused at its memory "
        "limit would otherwise wait forever)",
    )
    parser.add_argument("--workers", type=int, nargs="+", default=(1, 2), help="worker counts (default 1 2)")
    parser.add_argument("--function", choices=("fftconvolve", "convolve"), default="fftconvolve")
    parser.add_argument(
        "--engine",
        choices=("convalg", "scipy"),
        default="convalg",
        help="what computes each chunk (default: the public convalg function)",
    )
    return parser.parse_args()


def _volume_shape(gib: float, chunk: tuple[int, int, int]) -> tuple[int, int, int]:
    """A shape of about ``gib`` GiB of float32: whole chunks in the plane, the rest along axis 0."""
    elements = gib * 2**30 / 4
    plane = chunk[1] * 4 * chunk[2] * 4  # 4 x 4 chunks across
    return (max(chunk[0], round(elements / plane)), chunk[1] * 4, chunk[2] * 4)


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _convolution(args):
    import scipy.signal

    import convalg
    from convalg import chunked

    if args.engine == "convalg":
        return getattr(convalg, args.function)
    function = getattr(scipy.signal, args.function)
    return lambda x, k, mode: chunked.apply(function, x, k, mode=mode)


def _run(workers: int, args, shape, kernel) -> dict:
    import dask.array as da
    import distributed

    with (
        distributed.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            memory_limit=args.memory_limit,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):

        def volume():
            rng = da.random.default_rng(20261125)
            return rng.standard_normal(shape, chunks=tuple(args.chunk), dtype=np.float32)

        def reduced(y):
            return da.stack([y.sum(dtype=np.float64), (y.astype(np.float64) ** 2).sum()])

        start = time.perf_counter()
        base = client.compute(reduced(volume())).result(timeout=args.timeout)
        generate = time.perf_counter() - start

        y = _convolution(args)(volume(), kernel, mode="same")
        assert isinstance(y, da.Array)
        assert y.shape == shape
        cpu_before = sum(client.run(_cpu_seconds).values())
        start = time.perf_counter()
        total, squares = client.compute(reduced(y)).result(timeout=args.timeout)
        convolve = time.perf_counter() - start
        cpu = sum(client.run(_cpu_seconds).values()) - cpu_before
        peaks = client.run(_peak_rss_mib)
    megabytes = math.prod(shape) * 4 / 1e6
    return {
        "workers": workers,
        "generate": generate,
        "convolve": convolve,
        "MB/s": megabytes / convolve,
        "net MB/s": megabytes / max(convolve - generate, 1e-9),
        "peak": max(peaks.values()),
        "cpu": cpu,
        "check": (float(base[0]), float(total), float(squares)),
    }


def main() -> int:
    args = _parse()
    shape = _volume_shape(args.gib, tuple(args.chunk))
    kernel = np.random.default_rng(1).standard_normal(tuple(args.kernel)).astype(np.float32)
    kernel /= np.abs(kernel).sum()
    gib = math.prod(shape) * 4 / 2**30
    print(
        f"volume {shape} float32 = {gib:.2f} GiB in chunks {tuple(args.chunk)}; kernel {tuple(args.kernel)}; "
        f"{args.engine} {args.function}(mode='same'); memory limit {args.memory_limit} per worker"
    )
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {sys.version.split()[0]}, numpy {np.__version__}"
    )
    print(f"load average before the run: {os.getloadavg()[0]:.1f} (other processes share the CPUs)")
    print(
        f"{'workers':>7} {'generate s':>10} {'convolve s':>10} {'MB/s':>8} {'net MB/s':>9} "
        f"{'worker CPU s':>12} {'peak MiB/worker':>16}"
    )
    rows = []
    for workers in args.workers:
        row = _run(workers, args, shape, kernel)
        rows.append(row)
        print(
            f"{row['workers']:>7} {row['generate']:>10.1f} {row['convolve']:>10.1f} {row['MB/s']:>8.1f} "
            f"{row['net MB/s']:>9.1f} {row['cpu']:>12.1f} {row['peak']:>16.0f}",
            flush=True,
        )
    if len(rows) > 1:
        print(
            f"speed-up {rows[0]['workers']} -> {rows[-1]['workers']} workers: "
            f"{rows[0]['convolve'] / rows[-1]['convolve']:.2f}x"
        )
    sums = {round(r["check"][1], 0) for r in rows}
    print(f"result sums agree across worker counts: {len(sums) == 1} (sum {rows[0]['check'][1]:.6g})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
