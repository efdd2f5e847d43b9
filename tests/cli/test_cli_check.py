"""`convalg check` and the benchmark script: exit status follows the bounds; the battery covers the issue's grid."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import convalg.signal as signal
from convalg.backends import available
from convalg.cli import main
from convalg.testing._crosscheck import FUNCTIONS
from convalg.testing.battery import battery

ROOT = Path(__file__).resolve().parents[2]


def test_check_quick_exits_0_and_writes_every_row_as_json(tmp_path, capsys):
    out = tmp_path / "check.json"
    assert main(["check", "--quick", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert re.search(r"(\d+) of \1 calls within their bounds; 0 failed", printed)
    payload = json.loads(out.read_text())
    assert payload["ok"] is True and payload["failures"] == 0
    assert payload["calls"] == len(battery(quick=True))
    rows = [row for check in payload["checks"] for row in check["rows"]]
    assert {row["engine"] for row in rows} >= {"convalg", "scipy.signal"}
    assert all(row["ok"] for row in rows if row["counted"])


def test_check_exits_1_when_a_deviation_exceeds_its_bound(monkeypatch, tmp_path, capsys):
    original = signal.fftconvolve

    def off_by_a_little(*args, **kwargs):
        out = np.array(original(*args, **kwargs), copy=True)
        out.flat[0] += 1e-6
        return out

    monkeypatch.setattr(signal, "fftconvolve", off_by_a_little)
    out = tmp_path / "check.json"
    assert main(["check", "--quick", "--backend", "numpy", "--json", str(out)]) == 1
    printed = capsys.readouterr().out
    assert "FAIL" in printed and "fftconvolve" in printed
    failed = [c for c in json.loads(out.read_text())["checks"] if not c["ok"]]
    assert failed and all(c["function"] == "fftconvolve" for c in failed)


def test_check_refuses_a_backend_that_is_not_usable(capsys):
    with pytest.raises(SystemExit) as refused:  # not a backend at all: argparse's choices
        main(["check", "--backend", "jax"])
    assert refused.value.code == 2
    status = available()["cupy"]
    if not status.usable:  # on a machine without a GPU: the reason is printed
        assert main(["check", "--backend", "cupy"]) == 2
        assert status.detail in capsys.readouterr().err


def test_battery_covers_every_function_mode_boundary_dtype_and_rank():
    cases = battery(quick=False)
    assert {c.function for c in cases} == set(FUNCTIONS)
    assert {c.options.get("mode", "full") for c in cases} == {"full", "same", "valid"}
    assert {c.options.get("boundary", "fill") for c in cases if c.function.endswith("2d")} == {"fill", "wrap", "symm"}
    assert any(c.options.get("fillvalue") not in (None, 0) for c in cases)
    arrays = [c.arrays() for c in cases]
    kinds = {x.dtype.kind for pair in arrays for x in pair}
    assert kinds >= {"f", "c", "i", "u"}
    assert {x.ndim for pair in arrays for x in pair} >= {0, 1, 2, 3}
    kernel_sizes = {x.shape[-1] % 2 for _, x in arrays if x.ndim}
    assert kernel_sizes == {0, 1}  # odd and even kernels
    scales = [np.max(np.abs(x)) for pair in arrays for x in pair if x.size and x.dtype.kind == "f"]
    assert min(scales) < 1e-100 and max(scales) > 1e100  # tiny and large magnitudes
    assert any(not np.isfinite(x).all() for pair in arrays for x in pair if x.dtype.kind == "f")
    quick = battery(quick=True)
    assert 0 < len(quick) < len(cases) / 2


def test_benchmark_script_prints_ratios_in_tiny_mode(tmp_path):
    markdown = tmp_path / "bench.md"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "bench_signal.py"),
            "--quick",
            "--sizes",
            "tiny",
            "--no-torch",
            "--case",
            "1d",
            "--case",
            "2d",
            "--markdown",
            str(markdown),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert "convalg columns skipped" not in result.stdout
    assert re.search(r"convolve: geometric-mean ratio convalg/scipy = \d+\.\d\d over \d+ cases", result.stdout)
    table = [line for line in result.stdout.splitlines() if line.startswith(("| 1d", "| 2d"))]
    assert len(table) == 5
    assert all(re.search(r"\| \d+\.\d\d \|", line) for line in table)  # a ratio in every row
    text = markdown.read_text()
    assert "## Machine" in text and "python benchmarks/bench_signal.py" in text and "| case |" in text


def test_scan_benchmark_summarises_every_call_of_its_grid(tmp_path):
    markdown = tmp_path / "scan.md"
    command = [sys.executable, str(ROOT / "benchmarks" / "bench_scan.py"), "--function", "correlate"]
    command += ["--dtype", "uint8", "--rounds", "1", "--worst", "3", "--markdown", str(markdown)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    calls = re.search(
        r"(\d+) calls; geometric mean of convalg / scipy: \d+\.\d\d; slower than scipy: (\d+)", result.stdout
    )
    assert calls and int(calls[1]) == len(result.stderr.strip().splitlines()) > 10  # one progress line per call
    rows = [line for line in result.stdout.splitlines() if line.startswith("| correlate ")]
    assert len(rows) == min(3, int(calls[2]))
    assert "Every call against scipy.signal" in markdown.read_text()


def test_check_prints_a_plain_table_without_rich(monkeypatch, capsys):
    # `pip install . && convalg check` has no rich (it is a test/learn extra): plain text then.
    for name in ("rich", "rich.console", "rich.progress", "rich.table"):
        monkeypatch.setitem(sys.modules, name, None)
    assert main(["check", "--quick", "--backend", "numpy"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["case", "convalg", "methods", "rows", "worst", "ratio", "status"]
    assert len([line for line in lines if line.rstrip().endswith(" ok")]) == len(battery(quick=True))
