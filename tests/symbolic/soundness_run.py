"""The heavier soundness run, with statistics: ``python tests/symbolic/soundness_run.py --count 3000``.

Generates ``--count`` random statements (:mod:`statement_grammar`, seeded), decides each with
``convalg.symbolic.check`` (``certify=False``: the provers and the gate alone), judges every
verdict with the oracle (:func:`soundness_harness.judge`), and prints how many were decided,
undecided and unsound, by kind of statement, with the median and worst time per statement.
The exit status is 1 when any verdict is unsound (or the gate had to step in).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import statement_grammar as grammar
from soundness_harness import judge, truth


def _one(job):
    seed, index, timeout = job
    from convalg.symbolic import check

    rng = random.Random(f"{seed}:{index}")
    text, dims, mode = grammar.statement(rng)
    started = time.perf_counter()
    try:
        verdict = check(text, dims, certify=False, timeout=timeout)
    except Exception as error:  # noqa: BLE001 - a crash is a defect too: report it with the statement
        import traceback

        return text, dims, mode, "crash", time.perf_counter() - started, [traceback.format_exc()], None, str(error)
    seconds = time.perf_counter() - started
    problems = judge(text, dims, verdict)
    oracle_truth = truth(text, dims) if verdict.status == "unknown" else None
    return text, dims, mode, verdict.status, seconds, problems, oracle_truth, verdict.reason[:300]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--show-unknown", type=int, default=0, help="print this many undecided statements")
    args = parser.parse_args(argv)
    jobs = [(args.seed, i, args.timeout) for i in range(args.count)]
    started = time.perf_counter()
    with ProcessPoolExecutor(args.jobs) as pool:
        results = list(pool.map(_one, jobs, chunksize=4))
    wall = time.perf_counter() - started
    status = Counter(r[3] for r in results)
    by_mode = Counter((r[2], r[3]) for r in results)
    unsound = [r for r in results if r[5]]
    times = [r[4] for r in results]
    unknown_truth = Counter(r[6] for r in results if r[3] == "unknown")
    windowed = [r for r in results if "mode=" in r[0] and '"full"' not in r[0]]
    plain = [r for r in results if r not in windowed]
    print(f"{len(results)} statements (seed {args.seed}) in {wall:.0f} s with {args.jobs} workers")
    print(
        f"decided: {status['proved'] + status['refuted']} ({status['proved']} proved, {status['refuted']} refuted); "
        f"undecided: {status['unknown']} (oracle: {unknown_truth['false']} false, {unknown_truth['true?']} "
        f"no difference found); unsound: {sum(r[3] != 'crash' for r in unsound)}; "
        f"crashed: {sum(r[3] == 'crash' for r in unsound)}"
    )
    for label, group in (("without a same/valid window", plain), ("with a same/valid window", windowed)):
        decided = sum(1 for r in group if r[3] != "unknown")
        print(f"  {label}: {decided} of {len(group)} decided")
    for mode in sorted({r[2] for r in results}):
        counts = ", ".join(f"{s} {by_mode[(mode, s)]}" for s in ("proved", "refuted", "unknown"))
        print(f"  {mode:8s}: {counts}")
    print(
        f"time per statement: median {statistics.median(times):.2f} s, worst {max(times):.2f} s "
        f"({max(results, key=lambda r: r[4])[0]})"
    )
    for r in unsound:
        print("CRASH:" if r[3] == "crash" else "UNSOUND:", r[0], f"({r[1]}-D)", r[3], r[5])
    shown = [r for r in results if r[3] == "unknown"][: args.show_unknown]
    for r in shown:
        print(f"unknown ({r[6]}): {r[0]} ({r[1]}-D): {r[7]}")
    return 1 if unsound else 0


if __name__ == "__main__":
    sys.exit(main())
