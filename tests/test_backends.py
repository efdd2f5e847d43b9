"""Backend discovery and dispatch: which library computes a call, and clear errors when none can."""

from __future__ import annotations

import subprocess
import sys
import types

import numpy as np
import pytest

from convalg import backends


def test_numpy_and_array_api_strict_are_usable():
    status = backends.available()
    assert status["numpy"].usable
    assert status["array_api_strict"].usable


def test_every_unusable_backend_says_why():
    for status in backends.available().values():
        assert status.detail, status
        if not status.usable:
            assert status.name in status.detail
            assert any(word in status.detail for word in ("not installed", "cannot", "no CUDA device"))


def test_cupy_without_a_device_is_reported_unusable(monkeypatch):
    """A cupy whose runtime finds no CUDA device (as on CI) is unusable, with that reason."""

    class NoDevice(RuntimeError):
        pass

    def get_device_count():
        raise NoDevice("cudaErrorNoDevice: no CUDA-capable device is detected")

    fake = types.ModuleType("cupy")
    fake.__version__ = "0.test"
    fake.cuda = types.SimpleNamespace(runtime=types.SimpleNamespace(getDeviceCount=get_device_count))
    monkeypatch.setitem(sys.modules, "cupy", fake)
    monkeypatch.setattr(backends.importlib.util, "find_spec", lambda name: object())
    status = backends.available()["cupy"]
    assert not status.usable
    assert "cupy is installed but no CUDA device was found" in status.detail
    with pytest.raises(RuntimeError, match="no CUDA device"):
        backends.namespace(np.ones(3), backend="cupy")


def test_installed_cupy_without_device_leaves_numpy_working():
    """With the real cupy package installed on this GPU-less machine (if it is)."""
    pytest.importorskip("cupy", reason="cupy is not installed in this environment")
    status = backends.available()["cupy"]
    if status.usable:
        pytest.skip("a CUDA device is present; this test is about machines without one")
    assert "no CUDA device" in status.detail
    xp, (a,) = backends.namespace(np.arange(3.0))
    assert backends.library_name(xp) == "numpy"
    assert isinstance(a, np.ndarray)


def test_lists_and_scalars_count_as_numpy():
    xp, (a, b) = backends.namespace([1, 2, 3], 2.5)
    assert backends.is_numpy(xp)
    assert isinstance(a, np.ndarray) and isinstance(b, np.ndarray)


def test_mixing_array_libraries_is_a_type_error():
    strict = pytest.importorskip("array_api_strict")
    with pytest.raises(TypeError, match="different array libraries"):
        backends.namespace(np.ones(3), strict.ones(3))


def test_forcing_a_backend_converts_the_inputs():
    strict = pytest.importorskip("array_api_strict")
    xp, (a, b) = backends.namespace(np.ones(3), strict.ones(2), backend="numpy")
    assert backends.is_numpy(xp)
    assert isinstance(a, np.ndarray) and isinstance(b, np.ndarray)
    xp, (_c,) = backends.namespace(np.ones(3), backend="array_api_strict")
    assert backends.library_name(xp) == "array_api_strict"


def test_unknown_backend_name_is_a_value_error_naming_the_argument():
    with pytest.raises(ValueError, match="backend must be"):
        backends.namespace(np.ones(3), backend="jax")


def _loaded_after(code: str, modules: tuple[str, ...]) -> list[str]:
    """Which of ``modules`` a fresh interpreter has imported after running ``code``."""
    probe = f"{code}; import sys; print(','.join(m for m in {modules!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return [name for name in out.stdout.strip().split(",") if name]


def test_import_convalg_imports_no_heavy_library():
    assert _loaded_after("import convalg", ("cupy", "torch", "scipy", "sympy", "matplotlib", "dask")) == []


def test_an_unusable_backend_raises_one_exception_type_everywhere(monkeypatch):
    """Defect 9 of issue 13: convolve raised RuntimeError, crosscheck and the tour ValueError.
    Shown with array_api_strict made unusable, so it runs on every machine."""
    import convalg
    from convalg.tour import run_tour

    real = backends._module_status

    def status(name):
        if name == "array_api_strict":
            return backends.BackendStatus(name, False, "array_api_strict is not installed; pip install it")
        return real(name)

    monkeypatch.setattr(backends, "_module_status", status)
    calls = [
        lambda: convalg.convolve(np.ones(3), np.ones(2), backend="array_api_strict"),
        lambda: convalg.fftconvolve(np.ones(3), np.ones(2), backend="array_api_strict"),
        lambda: convalg.signal.plan("convolve", np.ones(3), np.ones(2), backend="array_api_strict"),
        lambda: convalg.crosscheck("convolve", np.ones(3), np.ones(2), backend="array_api_strict"),
        lambda: run_tour(None, backend="array_api_strict"),
    ]
    for call in calls:
        with pytest.raises(
            backends.BackendUnavailableError,
            match="backend 'array_api_strict' is not usable here: array_api_strict is not",
        ):
            call()
    # what users of GPU libraries and of optional dependencies catch both work
    assert issubclass(backends.BackendUnavailableError, RuntimeError)
    assert issubclass(backends.BackendUnavailableError, ImportError)
    with pytest.raises(ValueError, match="backend must be None or one of"):
        convalg.convolve(np.ones(3), np.ones(2), backend="jax")  # an unknown name: a bad argument


def test_big_endian_numpy_input_converts_to_another_backend():
    """Found by the adversarial suite: array_api_strict refused a big-endian int16 array."""
    strict = pytest.importorskip("array_api_strict")
    for dtype in (">i2", ">f8", ">c16", ">u8"):
        _xp, (a,) = backends.namespace(np.arange(3).astype(dtype), backend="array_api_strict")
        assert a.dtype == getattr(strict, np.dtype(dtype).newbyteorder("=").name)
        assert backends.to_numpy(a).tolist() == [0, 1, 2]


def test_computing_on_numpy_arrays_never_imports_torch():
    """torch is imported only when a tensor is passed or torch is asked for by name (seconds)."""
    code = (
        "import numpy as np, convalg; from convalg.nn import functional as F; "
        "convalg.convolve(np.arange(5), np.ones(3)); convalg.fftconvolve(np.ones((4, 4)), np.ones((2, 2))); "
        "convalg.correlate2d(np.ones((4, 4)), np.ones((2, 2)), boundary='wrap'); convalg.correlation_lags(4, 3); "
        "convalg.signal.plan('oaconvolve', np.ones(100), np.ones(9)); "
        "convalg.choose_conv_method(np.ones(9), np.ones(3)); "
        "F.conv2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 2, 2))); convalg.backends.status('numpy'); "
        "convalg.crosscheck('convolve', [1.0, 2.0], [1.0])"
    )
    assert _loaded_after(code, ("torch",)) == []


def test_torch_without_an_install_is_reported_unusable_with_the_install_line(monkeypatch):
    real = backends.importlib.util.find_spec
    monkeypatch.setattr(backends.importlib.util, "find_spec", lambda name: None if name == "torch" else real(name))
    status = backends.status("torch")
    assert not status.usable and status.detail == "torch is not installed; pip install torch"
    with pytest.raises(backends.BackendUnavailableError, match="backend 'torch' is not usable here"):
        backends.namespace(np.ones(3), backend="torch")
