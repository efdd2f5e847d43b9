"""Array backends: which array libraries convalg can compute with, and which one a call uses.

A backend is the array library a result is computed by and returned in. convalg never
imports a library just to look for its arrays: it checks ``sys.modules`` first (the einops
rule), so ``import convalg`` costs nothing and cupy is imported only when a cupy array
is passed or the backend is asked for by name.

The computation itself is written once against the array API standard; what differs
between backends is small and lives here: how to recognise an array, how to move an array
into a library, and which FFT module to use.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Any, get_args

import array_api_compat

from convalg._typing import BackendName

__all__ = [
    "BackendStatus",
    "BackendUnavailableError",
    "require_usable",
    "available",
    "namespace",
    "fft_module",
    "is_numpy",
    "is_dask",
    "library_name",
    "to_numpy",
]

#: Backends convalg knows, in order of preference for reporting.
KNOWN_BACKENDS = get_args(BackendName)

_INSTALL_HINT = {
    "numpy": "pip install numpy",
    "cupy": "pip install 'convalg[gpu]' (cupy for CUDA 12)",
    "array_api_strict": "pip install array-api-strict",
}


class BackendUnavailableError(RuntimeError, ImportError):
    """A backend named in ``backend=`` cannot be used on this machine.

    Raised, with the reason, wherever a backend is asked for by name: the signal
    functions, :func:`convalg.crosscheck`, :func:`convalg.tour.run_tour`. It is a
    ``RuntimeError``, as CuPy's CUDA errors and PyTorch's "no GPU" errors are, and an
    ``ImportError``, as a missing optional dependency is, so either habit catches it. A
    name convalg does not know at all is a ``ValueError`` instead (a wrong argument).

    Examples
    --------
    >>> issubclass(BackendUnavailableError, RuntimeError), issubclass(BackendUnavailableError, ImportError)
    (True, True)
    """


@dataclass(frozen=True)
class BackendStatus:
    """Whether a backend can be used here, and why not if it cannot.

    Attributes
    ----------
    name : str
        The backend's name, as accepted by the ``backend=`` keyword.
    usable : bool
        True when arrays of this library can be computed with on this machine.
    detail : str
        The library's version (and device) when usable, else the reason it is not.
    """

    name: str
    usable: bool
    detail: str

    def __str__(self) -> str:
        return f"{self.name}: {'usable' if self.usable else 'not usable'} ({self.detail})"


def _cupy_status() -> BackendStatus:
    if importlib.util.find_spec("cupy") is None:
        return BackendStatus("cupy", False, f"cupy is not installed; {_INSTALL_HINT['cupy']}")
    try:
        cupy = importlib.import_module("cupy")
    except Exception as exc:  # noqa: BLE001 - a broken install must not break convalg
        return BackendStatus("cupy", False, f"cupy is installed but cannot be imported: {exc}")
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # noqa: BLE001 - CUDARuntimeError without a driver or device, or worse
        return BackendStatus("cupy", False, f"cupy is installed but no CUDA device was found ({exc})")
    if count < 1:
        return BackendStatus("cupy", False, "cupy is installed but no CUDA device was found")
    return BackendStatus("cupy", True, f"cupy {cupy.__version__}, {count} CUDA device(s)")


def _module_status(name: str) -> BackendStatus:
    if name == "cupy":
        return _cupy_status()
    try:
        module = importlib.import_module(name)
    except ImportError:
        return BackendStatus(name, False, f"{name} is not installed; {_INSTALL_HINT[name]}")
    return BackendStatus(name, True, f"{name} {getattr(module, '__version__', '?')}")


def available() -> dict[str, BackendStatus]:
    """Report every backend convalg knows: whether it is usable here, and why not.

    Returns
    -------
    dict of str to BackendStatus
        One entry per known backend (``numpy``, ``cupy``, ``array_api_strict``).

    Examples
    --------
    >>> import convalg
    >>> status = convalg.backends.available()
    >>> status["numpy"].usable
    True
    >>> sorted(status)
    ['array_api_strict', 'cupy', 'numpy']
    """
    return {name: _module_status(name) for name in KNOWN_BACKENDS}


def _library_of(x: Any) -> str:
    """Name the array library an input belongs to, without importing any library."""
    module = type(x).__module__.split(".")[0]
    if module in ("cupy", "array_api_strict", "dask"):
        return module
    if module == "torch":
        return "torch"
    # NumPy arrays and scalars, Python numbers and nested lists are all NumPy input,
    # exactly as scipy.signal treats them.
    return "numpy"


def require_usable(name: Any) -> None:
    """Raise unless ``name`` is a backend that can compute here.

    Raises
    ------
    ValueError
        If ``name`` is not one of the known backends.
    BackendUnavailableError
        If it is known but cannot be used here (not installed, no device); the message
        gives the reason.

    Examples
    --------
    >>> require_usable("numpy")
    >>> require_usable("torch")
    Traceback (most recent call last):
      ...
    ValueError: backend must be None or one of 'numpy', 'cupy', 'array_api_strict'; got 'torch'
    """
    if name not in KNOWN_BACKENDS:
        raise ValueError(f"backend must be None or one of {', '.join(map(repr, KNOWN_BACKENDS))}; got {name!r}")
    if name == "numpy":
        return
    status = _module_status(name)
    if not status.usable:
        raise BackendUnavailableError(f"backend {name!r} is not usable here: {status.detail}")


def _convert(x: Any, source: str, target: str) -> Any:
    if source == target:
        return x
    if target == "numpy":
        return to_numpy(x)
    module = importlib.import_module(target)
    host = to_numpy(x)
    if host.dtype.byteorder not in "=|":
        # other libraries know only native byte order (a big-endian int16 is still an int16)
        host = host.astype(host.dtype.newbyteorder("="))
    return module.asarray(host)


def to_numpy(x: Any) -> Any:
    """Return ``x`` as a NumPy array, copying from a device where needed."""
    import numpy as np

    library = _library_of(x)
    if library == "cupy":
        return x.get()
    if library == "array_api_strict":
        return np.asarray(x._array)  # array-api-strict wraps a NumPy array
    return np.asarray(x)


def namespace(*arrays: Any, backend: str | None = None) -> tuple[ModuleType, tuple[Any, ...]]:
    """Choose the array namespace for a call and bring its inputs into it.

    Parameters
    ----------
    *arrays : array_like
        The call's array inputs. NumPy arrays, scalars and nested lists count as NumPy.
    backend : {None, 'numpy', 'cupy', 'array_api_strict'}, optional
        None computes in the library of the inputs; a name forces that library and
        converts the inputs into it.

    Returns
    -------
    xp : module
        The array-API-compatible namespace (from ``array_api_compat``).
    arrays : tuple
        The inputs as arrays of that namespace.

    Raises
    ------
    TypeError
        If the inputs come from different array libraries and no backend is forced.
    ValueError
        If ``backend`` is not a known name.
    BackendUnavailableError
        If ``backend`` names a library that cannot be used here.

    Examples
    --------
    >>> import numpy as np
    >>> from convalg.backends import namespace
    >>> xp, (a, b) = namespace(np.ones(3), [1, 2])
    >>> xp.__name__
    'array_api_compat.numpy'
    >>> type(b).__name__
    'ndarray'
    """
    if (
        (backend is None or (type(backend) is str and backend == "numpy"))
        and arrays
        and all(type(x) is _ndarray() for x in arrays)
    ):
        # plain NumPy arrays (exact type: no subclass) need neither detection nor conversion
        return _numpy_namespace(), arrays
    libraries = [_library_of(x) for x in arrays]
    if "torch" in libraries:
        raise TypeError(
            "torch tensors are not a convalg backend; pass tensor.numpy() (CPU) or use convalg.nn for layers"
        )
    if "dask" in libraries:
        raise TypeError(
            "dask arrays are computed in chunks only by convolve, correlate, fftconvolve, oaconvolve, "
            "convolve2d, correlate2d and convalg.nn.functional.conv1d/conv2d/conv3d; this function "
            "cannot work chunk by chunk (it needs every value at once): pass it a computed array "
            "(dask_array.compute())"
        )
    if backend is None:
        distinct = sorted(set(libraries))
        if len(distinct) > 1:
            described = ", ".join(f"argument {i} is {lib}" for i, lib in enumerate(libraries))
            raise TypeError(
                f"inputs come from different array libraries ({described}); convert them to "
                "one library, or force one with backend='numpy' or backend='cupy'"
            )
        target = distinct[0] if distinct else "numpy"
    else:
        require_usable(backend)
        target = backend
    if target == "numpy":
        import numpy as np

        converted = tuple(np.asarray(_convert(x, lib, "numpy")) for x, lib in zip(arrays, libraries))
    else:
        converted = tuple(_convert(x, lib, target) for x, lib in zip(arrays, libraries))
    return array_api_compat.array_namespace(*converted), converted


@functools.cache
def _ndarray() -> type:
    import numpy as np

    return np.ndarray


@functools.cache
def _numpy_namespace() -> ModuleType:
    import array_api_compat.numpy

    return array_api_compat.numpy


def is_numpy(xp: ModuleType) -> bool:
    """True when ``xp`` is NumPy's namespace (compat-wrapped or not)."""
    return array_api_compat.is_numpy_namespace(xp)


def fft_module(xp: ModuleType) -> ModuleType:
    """The FFT module for a namespace: scipy.fft for NumPy, cupyx.scipy.fft for CuPy.

    scipy.fft is preferred over ``numpy.fft`` for its ``workers`` argument and real-to-real
    speed; for any other namespace the standard's ``xp.fft`` extension is used.
    """
    if is_numpy(xp):
        import scipy.fft

        return scipy.fft
    if array_api_compat.is_cupy_namespace(xp):
        return importlib.import_module("cupyx.scipy.fft")
    return xp.fft


def library_name(xp: ModuleType) -> str:
    """The backend name of a namespace (``'numpy'``, ``'cupy'``, ``'array_api_strict'``)."""
    if is_numpy(xp):
        return "numpy"
    if array_api_compat.is_cupy_namespace(xp):
        return "cupy"
    return xp.__name__.split(".")[-1]


def is_dask(*arrays: Any) -> bool:
    """True when any input is a dask array (checked without importing dask).

    Public functions route such calls to :mod:`convalg.chunked`, which builds a lazy
    ``map_overlap`` graph whose chunks are computed by convalg itself.

    Examples
    --------
    >>> import numpy as np
    >>> is_dask(np.ones(3), [1, 2])
    False
    """
    return "dask" in sys.modules and any(_library_of(x) == "dask" for x in arrays)


def loaded(name: str) -> bool:
    """True when the library has already been imported by someone (it is in ``sys.modules``)."""
    return name in sys.modules
