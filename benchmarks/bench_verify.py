"""Run ``convalg verify`` on every fixture of tests/verify/catalogue.py and count what it gets right.

Run on demand (never as a timed unit test)::

    python benchmarks/bench_verify.py                 # every fixture torch-free, 2 processes
    python benchmarks/bench_verify.py --torch          # only the torch fixtures (needs torch)
    python benchmarks/bench_verify.py --case same      # fixtures whose name contains 'same'
    python benchmarks/bench_verify.py --max-examples 50 --jobs 1

Each fixture runs in its own process at verify's default settings (or the given
``--max-examples``) with the contract its author meant. The summary counts buggy fixtures
caught (a confirmed violation) and missed, correct ones passed and false alarms (a
violation on a correct fixture), UNKNOWN verdicts, and the time per run (median and worst);
it lists the library functions classified by their preset without a false alarm.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "verify"

_RUN_ONE = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
import catalogue
from convalg.testing import verify
fixture = catalogue.by_name(sys.argv[2])
options = json.loads(sys.argv[3])
start = time.perf_counter()
report = verify(fixture.fn, dims=fixture.dims, **fixture.contract, **options)
print("RESULT " + json.dumps({
    "status": report.status,
    "seconds": time.perf_counter() - start,
    "violations": [v.law + ": " + v.message.splitlines()[0] for v in report.violations],
    "unknown": report.unknown[:2],
}))
"""


def _run(fixture, options: dict, limit: float) -> dict:
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-c", _RUN_ONE, str(FIXTURES), fixture.name, json.dumps(options)],
            capture_output=True,
            text=True,
            timeout=limit,
        )
        lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
        if lines:
            result = json.loads(lines[-1][7:])
        else:
            tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
            result = {"status": "error", "seconds": time.perf_counter() - start, "violations": [tail], "unknown": []}
    except subprocess.TimeoutExpired:
        result = {"status": "error", "seconds": limit, "violations": [f"verify ran over {limit:g} s"], "unknown": []}
    result.update(name=fixture.name, buggy=fixture.buggy, library=fixture.library)
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--torch", action="store_true", help="run the torch fixtures only")
    parser.add_argument("--case", default="", help="only fixtures whose name contains this")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--max-examples", type=int, default=None)
    parser.add_argument("--json", type=Path, help="write every result here")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(FIXTURES))
    import catalogue

    fixtures = [f for f in catalogue.ALL if f.torch == args.torch and args.case in f.name]
    options = {} if args.max_examples is None else {"max_examples": args.max_examples}
    with ThreadPoolExecutor(args.jobs) as pool:
        results = []
        for result in pool.map(lambda f: _run(f, options, 900.0), fixtures):
            wanted = "violation" if result["buggy"] else "consistent"
            mark = "ok " if result["status"] == wanted else "BAD"
            print(
                f"{mark} {result['status']:<10} {result['seconds']:6.1f}s  {result['name']}"
                + (f"  -- {result['violations'][0][:110]}" if result["violations"] else "")
                + (f"  -- UNKNOWN {result['unknown'][0][:110]}" if result["unknown"] else ""),
                flush=True,
            )
            results.append(result)
    buggy = [r for r in results if r["buggy"]]
    correct = [r for r in results if not r["buggy"]]
    seconds = [r["seconds"] for r in results]
    print()
    print(
        f"buggy fixtures:   {sum(r['status'] == 'violation' for r in buggy)} of {len(buggy)} caught, "
        f"{sum(r['status'] == 'consistent' for r in buggy)} missed (called CONSISTENT), "
        f"{sum(r['status'] not in ('violation', 'consistent') for r in buggy)} unknown or error"
    )
    print(
        f"correct fixtures: {sum(r['status'] == 'consistent' for r in correct)} of {len(correct)} consistent, "
        f"{sum(r['status'] == 'violation' for r in correct)} false alarms, "
        f"{sum(r['status'] not in ('violation', 'consistent') for r in correct)} unknown or error"
    )
    if seconds:
        print(
            f"time per run: median {statistics.median(seconds):.1f} s, worst {max(seconds):.1f} s "
            f"({max(results, key=lambda r: r['seconds'])['name']})"
        )
    library = [r for r in correct if r["library"]]
    print(
        f"library functions classified with no false alarm: {sum(r['status'] == 'consistent' for r in library)} "
        f"of {len(library)}"
    )
    for r in library:
        if r["status"] != "consistent":
            print(f"  NOT: {r['name']}: {r['status']} {(r['violations'] or r['unknown'] or [''])[0][:150]}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
