"""Chunked convolution on a distributed LocalCluster of local processes, and dask stays optional."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest

da = pytest.importorskip("dask.array", reason="the chunked path needs the dask extra: pip install 'convalg[dask]'")
distributed = pytest.importorskip("distributed", reason="the cluster tests need the dask extra")

from chunked_support import (  # noqa: E402
    NN_FUNCTIONS,
    SIGNAL_FUNCTIONS,
    assert_chunked_within_bounds,
    assert_within,
    floats,
    integers,
    nn_difference_bound,
)

from convalg import chunked, errorbounds  # noqa: E402


@pytest.fixture(scope="module")
def client():
    """Two worker processes on the loopback interface, started here and closed at the end."""
    with warnings.catch_warnings():
        # without a dashboard the scheduler still serves /health on 127.0.0.1, moving off a
        # port another cluster on this machine holds (and saying so)
        warnings.filterwarnings("ignore", message="Port .* is already in use", category=UserWarning)
        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
    with cluster, distributed.Client(cluster) as client:
        client.wait_for_workers(2, timeout=60)
        yield client


@pytest.mark.parametrize("name", ["convolve", "correlate"])
def test_a_cluster_of_processes_gives_the_exact_integer_result(client, name):
    rng = np.random.default_rng(8)
    func = SIGNAL_FUNCTIONS[name]
    x, k = integers(rng, (31, 27)), integers(rng, (4, 5))
    result = func(da.from_array(x, chunks=(8, (10, 2, 15))), k, mode="same")
    computed = client.compute(result).result(timeout=120)
    assert errorbounds.exact(np.int64).holds(computed, func(x, k, mode="same"))
    # asked of the scheduler now: scheduler_info() may answer from a cache polled in the
    # background, which once held no workers at all (CI, distributed 2026.8)
    assert len(client.nthreads()) == 2


def test_a_cluster_of_processes_gives_float_blocks_within_their_bounds(client):
    rng = np.random.default_rng(10)
    x, k = floats(rng, (40, 33), "float32"), floats(rng, (6, 5), "float32")
    result = SIGNAL_FUNCTIONS["fftconvolve"](da.from_array(x, chunks=(9, 11)), k, mode="valid")
    computed = client.compute(result).result(timeout=120)
    expected = SIGNAL_FUNCTIONS["fftconvolve"](x, k, mode="valid")
    assert_chunked_within_bounds("fftconvolve", x, k, computed, result.chunks, expected, mode="valid")


def test_a_cluster_of_processes_computes_a_strided_layer(client):
    rng = np.random.default_rng(9)
    func = NN_FUNCTIONS[2]
    x, w, b = floats(rng, (2, 3, 21, 18)), floats(rng, (4, 3, 3, 3)), floats(rng, (4,))
    options = {"stride": 2, "padding": 1, "dilation": (1, 2)}
    result = chunked.apply(func, da.from_array(x, chunks=(1, 3, 6, 7)), w, bias=b, method="direct", **options)
    bound = nn_difference_bound(func, x, w, b, dtype="float64", **options)
    assert_within(bound, client.compute(result).result(timeout=120), func(x, w, b, method="direct", **options))


def test_importing_convalg_does_not_import_dask():
    code = (
        "import sys, numpy, convalg; from convalg import backends; "
        "assert not backends.is_dask(numpy.ones(3)); "
        "assert 'dask' not in sys.modules, sorted(m for m in sys.modules if m.startswith('dask'))"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr


def test_the_chunked_module_imports_dask_only_when_called():
    completed = subprocess.run(
        [sys.executable, "-c", "import sys, convalg.chunked; assert 'dask' not in sys.modules"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
