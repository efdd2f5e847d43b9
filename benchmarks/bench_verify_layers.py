"""Run ``convalg verify --layer`` on every fixture of tests/verify_layers/layer_catalogue.py and count.

Run on demand (never as a timed unit test)::

    python benchmarks/bench_verify_layers.py                  # every torch-free fixture, 2 processes
    python benchmarks/bench_verify_layers.py --torch           # only the torch fixtures (needs torch)
    python benchmarks/bench_verify_layers.py --case grad       # fixtures whose name contains 'grad'
    python benchmarks/bench_verify_layers.py --max-examples 100 --jobs 1

Each fixture runs in its own process with verify_layer's default settings (or the given
``--max-examples``) and the options its author states. The summary counts buggy fixtures
caught (a confirmed violation) and missed, correct ones passed and false alarms, UNKNOWN
verdicts, and the seconds per run (median and worst).
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
FIXTURES = ROOT / "tests" / "verify_layers"

_RUN_ONE = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
import layer_catalogue
from convalg.testing import verify_layer
fixture = layer_catalogue.by_name(sys.argv[2])
options = {**fixture.options, **json.loads(sys.argv[3])}
layer = options.pop("layer", "conv2d")
start = time.perf_counter()
report = verify_layer(fixture.fn, layer, **options)
print("RESULT " + json.dumps({
    "status": report.status,
    "seconds": time.perf_counter() - start,
    "named": fixture.named in str(report),
    "violations": [v.law + ": " + v.message.splitlines()[0][:100] for v in report.violations],
    "unknown": report.unknown[:2],
}))
"""


def _run(fixture, options: dict, limit: float) -> dict:
    try:
        done = subprocess.run(
            [sys.executable, "-c", _RUN_ONE, str(FIXTURES), fixture.name, json.dumps(options)],
            capture_output=True,
            text=True,
            timeout=limit,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"status": "hung", "seconds": limit, "violations": [], "unknown": [], "named": False}
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if not lines:
        tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        return {"status": "crashed", "seconds": 0.0, "violations": [tail], "unknown": [], "named": False}
    return json.loads(lines[-1][7:])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--torch", action="store_true", help="run only the fixtures that need torch")
    parser.add_argument("--case", default="", help="only fixtures whose name contains this")
    parser.add_argument("--max-examples", type=int, default=None)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--limit", type=float, default=600.0, help="seconds before a run counts as hung")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(FIXTURES))
    import layer_catalogue

    fixtures = [f for f in layer_catalogue.ALL if f.torch == args.torch and args.case in f.name]
    options = {} if args.max_examples is None else {"max_examples": args.max_examples}
    start = time.perf_counter()
    with ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(lambda f: _run(f, options, args.limit), fixtures))
    caught = missed = passed = false_alarms = unknown = unnamed = 0
    for fixture, result in zip(fixtures, results):
        status = result["status"]
        if fixture.buggy:
            good = status == "violation"
            caught += good
            missed += not good
            unnamed += good and not result["named"]
            verdict = ("CAUGHT" if good else "MISSED") + ("" if result["named"] or not good else " (bug not named)")
        else:
            good = status == "consistent"
            passed += good
            false_alarms += status == "violation"
            verdict = "OK" if good else ("FALSE ALARM" if status == "violation" else status.upper())
        unknown += status == "unknown"
        print(f"{verdict:<14} {result['seconds']:6.1f} s  {fixture.name}")
        for line in result["violations"][:3] + result["unknown"][:1]:
            print(f"{'':24}{line}")
    seconds = [r["seconds"] for r in results]
    print(
        f"\nbuggy: {caught} caught, {missed} missed ({unnamed} caught without the bug named); correct: {passed} "
        f"passed, {false_alarms} false alarms; {unknown} unknown"
    )
    if seconds:
        print(
            f"seconds per run: median {statistics.median(seconds):.1f}, worst {max(seconds):.1f} "
            f"({len(seconds)} runs, {args.jobs} at a time, {time.perf_counter() - start:.0f} s in all)"
        )
    return 0 if missed == 0 and false_alarms == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
