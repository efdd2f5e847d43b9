"""Array backends: which array libraries convalg can compute with, and which one a call uses.

A backend is the array library a result is computed by and returned in. convalg never
imports a library just to look for its arrays: it checks ``sys.modules`` first (the einops
rule), so ``import convalg`` costs nothing and cupy or torch is imported only when one of
its arrays is passed or the backend is asked for by name (``backend=``, :func:`available`).

The computation itself is written once against the array API standard; what differs
between backends is small and lives here: how to recognise an array, how to move an array
into a library (onto the device of the call's other inputs), and which FFT module to use.

Rules for torch tensors (CPU or CUDA, the same code):

* the result is a tensor on the inputs' device; inputs on two devices, or a tensor with a
  NumPy array, are a TypeError naming both (force one library with ``backend=``);
* a tensor that requires grad is accepted only where torch itself records no graph (under
  ``torch.no_grad()`` or ``torch.inference_mode()``): convalg computes values, not autograd
  graphs, so elsewhere it is a TypeError naming the argument (pass ``x.detach()``);
* the dtypes are NumPy's (bool, int8..int64, uint8..uint64, float16..float64, complex64,
  complex128); bfloat16, complex32 and the quantized dtypes have no NumPy equivalent and are
  a TypeError naming the argument. torch stores uint16/uint32/uint64 but has no arithmetic
  for them, so calls that need it compute through NumPy on the host
  (:func:`has_wide_unsigned_arithmetic`).
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import sys
from collections.abc import Sequence
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
    "status",
    "namespace",
    "fft_module",
    "is_numpy",
    "is_dask",
    "library_name",
    "to_numpy",
    "from_numpy",
    "has_wide_unsigned_arithmetic",
]

#: Backends convalg knows, in order of preference for reporting.
KNOWN_BACKENDS = get_args(BackendName)

_INSTALL_HINT = {
    "numpy": "pip install numpy",
    "cupy": "pip install 'convalg[gpu]' (cupy for CUDA 12)",
    "array_api_strict": "pip install array-api-strict",
    "torch": "pip install torch",
}

#: torch dtypes that have a NumPy equivalent (by name), the ones convalg computes in.
_TORCH_DTYPES = frozenset(
    [
        "bool",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "int8",
        "int16",
        "int32",
        "int64",
        "float16",
        "float32",
        "float64",
        "complex64",
        "complex128",
    ]
)


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


def _import_installed(name: str) -> ModuleType | BackendStatus:
    """The library, or the status that says why it cannot be imported (absent or broken)."""
    if importlib.util.find_spec(name) is None:
        return BackendStatus(name, False, f"{name} is not installed; {_INSTALL_HINT[name]}")
    try:
        return importlib.import_module(name)
    except Exception as exc:  # noqa: BLE001 - a broken install must not break convalg
        return BackendStatus(name, False, f"{name} is installed but cannot be imported: {exc}")


def _cupy_status() -> BackendStatus:
    cupy = _import_installed("cupy")
    if isinstance(cupy, BackendStatus):
        return cupy
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # noqa: BLE001 - CUDARuntimeError without a driver or device, or worse
        return BackendStatus("cupy", False, f"cupy is installed but no CUDA device was found ({exc})")
    if count < 1:
        return BackendStatus("cupy", False, "cupy is installed but no CUDA device was found")
    return BackendStatus("cupy", True, f"cupy {cupy.__version__}, {count} CUDA device(s)")


def _torch_status() -> BackendStatus:
    torch = _import_installed("torch")
    if isinstance(torch, BackendStatus):
        return torch
    try:
        count = torch.cuda.device_count()
    except Exception:  # noqa: BLE001 - a CPU build, or a driver that fails: the CPU still computes
        count = 0
    return BackendStatus("torch", True, f"torch {torch.__version__}, CPU and {count} CUDA device(s)")


def _module_status(name: str) -> BackendStatus:
    if name == "cupy":
        return _cupy_status()
    if name == "torch":
        return _torch_status()
    try:
        module = importlib.import_module(name)
    except ImportError:
        return BackendStatus(name, False, f"{name} is not installed; {_INSTALL_HINT[name]}")
    return BackendStatus(name, True, f"{name} {getattr(module, '__version__', '?')}")


def status(name: str) -> BackendStatus:
    """Whether one known backend is usable here, importing only that library.

    Examples
    --------
    >>> status("numpy").usable
    True
    """
    if name not in KNOWN_BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(map(repr, KNOWN_BACKENDS))}; got {name!r}")
    return _module_status(name)


def available() -> dict[str, BackendStatus]:
    """Report every backend convalg knows: whether it is usable here, and why not.

    Returns
    -------
    dict of str to BackendStatus
        One entry per known backend (``numpy``, ``cupy``, ``array_api_strict``, ``torch``);
        torch's detail gives its version and the number of CUDA devices it sees.

    Examples
    --------
    >>> import convalg
    >>> status = convalg.backends.available()
    >>> status["numpy"].usable
    True
    >>> sorted(status)
    ['array_api_strict', 'cupy', 'numpy', 'torch']
    """
    return {name: _module_status(name) for name in KNOWN_BACKENDS}


def _library_of(x: Any) -> str:
    """Name the array library an input belongs to, without importing any library."""
    module = type(x).__module__.split(".")[0]
    if module in ("cupy", "array_api_strict", "dask", "torch"):
        return module
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
    >>> require_usable("jax")
    Traceback (most recent call last):
      ...
    ValueError: backend must be None or one of 'numpy', 'cupy', 'array_api_strict', 'torch'; got 'jax'
    """
    if name not in KNOWN_BACKENDS:
        raise ValueError(f"backend must be None or one of {', '.join(map(repr, KNOWN_BACKENDS))}; got {name!r}")
    if name == "numpy":
        return
    status = _module_status(name)
    if not status.usable:
        raise BackendUnavailableError(f"backend {name!r} is not usable here: {status.detail}")


def _convert(x: Any, source: str, target: str, device: Any = None) -> Any:
    """``x`` (of library ``source``) as an array of ``target``, on ``device`` (None: the default one)."""
    if source == target:
        return x
    if target == "numpy":
        return to_numpy(x)
    module = importlib.import_module(target)
    host = to_numpy(x)
    if host.dtype.byteorder not in "=|":
        # other libraries know only native byte order (a big-endian int16 is still an int16)
        host = host.astype(host.dtype.newbyteorder("="))
    if target == "cupy":
        return module.asarray(host)  # onto the current CUDA device
    if target == "torch":
        # a C-ordered copy: torch refuses negative strides (a flipped view), and a tensor must
        # not share the caller's (maybe read-only) NumPy memory
        return module.asarray(host.copy(order="C"), device=device)
    return module.asarray(host, device=device)


def to_numpy(x: Any) -> Any:
    """Return ``x`` as a NumPy array, copying from a device where needed.

    A torch tensor is detached (its values only), copied from a GPU, and has its lazy
    conjugate or negation bits resolved.
    """
    import numpy as np

    library = _library_of(x)
    if library == "cupy":
        return x.get()
    if library == "array_api_strict":
        return np.asarray(x._array)  # array-api-strict wraps a NumPy array
    if library == "torch":
        return x.detach().cpu().resolve_conj().resolve_neg().numpy()
    return np.asarray(x)


def from_numpy(xp: ModuleType, host: Any, device: Any) -> Any:
    """The NumPy array ``host`` as an array of namespace ``xp`` on ``device``.

    Examples
    --------
    >>> import numpy as np
    >>> import array_api_compat.numpy as xp
    >>> from_numpy(xp, np.arange(3), "cpu")
    array([0, 1, 2])
    """
    return _convert(host, "numpy", library_name(xp), device)


def _check_tensor(x: Any, name: str) -> None:
    """TypeError, naming the argument, for a tensor convalg cannot compute with (module docstring)."""
    torch = sys.modules["torch"]
    if x.layout != torch.strided:
        raise TypeError(f"{name} is a torch tensor of layout {x.layout}; convalg needs dense ones ({name}.to_dense())")
    if str(x.dtype).rsplit(".", 1)[-1] not in _TORCH_DTYPES:
        raise TypeError(
            f"{name} has dtype {x.dtype}, which has no NumPy equivalent and no convolution in convalg; "
            f"convert it first, e.g. {name}.to(torch.float32)"
        )
    if x.requires_grad and torch.is_grad_enabled():
        raise TypeError(
            f"{name} is a torch tensor that requires grad: convalg computes values, not autograd "
            f"graphs, so its result would silently carry no gradient; pass {name}.detach(), or call "
            "under torch.no_grad()"
        )


def _common_device(arrays: Sequence[Any], names: Sequence[str]) -> Any:
    """The one device of ``arrays`` (None for none); TypeError naming them when they differ."""
    devices = [array_api_compat.device(x) for x in arrays]
    if any(d != devices[0] for d in devices[1:]):
        described = ", ".join(f"{name} is on {d}" for name, d in zip(names, devices))
        raise TypeError(
            f"inputs are on different devices ({described}); move them to one device "
            "(e.g. tensor.to(device)) before the call"
        )
    return devices[0] if devices else None


def namespace(
    *arrays: Any, backend: str | None = None, names: Sequence[str] | None = None
) -> tuple[ModuleType, tuple[Any, ...]]:
    """Choose the array namespace for a call and bring its inputs into it.

    Parameters
    ----------
    *arrays : array_like
        The call's array inputs. NumPy arrays, scalars and nested lists count as NumPy.
    backend : {None, 'numpy', 'cupy', 'array_api_strict', 'torch'}, optional
        None computes in the library of the inputs, on their device; a name forces that
        library and converts the inputs into it (onto the device of those inputs that are
        already its arrays, else its default device).
    names : sequence of str, optional
        The arguments' names, for the error messages (default ``argument 0``, ...).

    Returns
    -------
    xp : module
        The array-API-compatible namespace (from ``array_api_compat``).
    arrays : tuple
        The inputs as arrays of that namespace.

    Raises
    ------
    TypeError
        If the inputs come from different array libraries and no backend is forced, sit
        on different devices, or are torch tensors convalg cannot compute with (see the
        module docstring); the message names the arguments.
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
    names = tuple(names) if names is not None else tuple(f"argument {i}" for i in range(len(arrays)))
    libraries = [_library_of(x) for x in arrays]
    for x, library, name in zip(arrays, libraries, names):
        if library == "torch":
            _check_tensor(x, name)
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
            described = ", ".join(f"{name} is {lib}" for name, lib in zip(names, libraries))
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
        native = [(x, name) for x, lib, name in zip(arrays, libraries, names) if lib == target]
        device = _common_device([x for x, _ in native], [name for _, name in native])
        converted = tuple(_convert(x, lib, target, device) for x, lib in zip(arrays, libraries))
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
    speed; for any other namespace the standard's ``xp.fft`` extension is used (for torch
    with the standard's ``axis`` keyword, see :func:`_torch_fft`).
    """
    if is_numpy(xp):
        import scipy.fft

        return scipy.fft
    if array_api_compat.is_cupy_namespace(xp):
        return importlib.import_module("cupyx.scipy.fft")
    if array_api_compat.is_torch_namespace(xp):
        return _torch_fft()
    return xp.fft


@functools.cache
def _torch_fft() -> ModuleType:
    """array_api_compat's torch.fft, whose 1-D transforms take the standard's ``axis``.

    array-api-compat 1.16 maps ``axes`` to torch's ``dim`` for the N-D transforms only; its
    ``fft``/``rfft``/... are torch's own, which know ``dim`` but not ``axis``.
    """
    import array_api_compat.torch.fft as compat_fft

    module = ModuleType("convalg.backends.torch_fft")
    for name in ("fftn", "ifftn", "rfftn", "irfftn"):
        setattr(module, name, getattr(compat_fft, name))
    for name in ("fft", "ifft", "rfft", "irfft"):
        setattr(module, name, _with_axis(getattr(compat_fft, name)))
    return module


def _with_axis(transform: Any) -> Any:
    def along_axis(x: Any, /, *, n: int | None = None, axis: int = -1, norm: str = "backward") -> Any:
        return transform(x, n=n, dim=axis, norm=norm)

    return along_axis


def has_wide_unsigned_arithmetic(xp: ModuleType) -> bool:
    """Whether ``xp`` adds, multiplies and reduces uint16/uint32/uint64 arrays.

    torch (2.x, CPU) stores these dtypes but has no arithmetic for them: convalg computes
    such calls, and exact integer sums it confirms modulo ``2**64``, through NumPy.

    Examples
    --------
    >>> import array_api_compat.numpy as xp
    >>> has_wide_unsigned_arithmetic(xp)
    True
    """
    return not array_api_compat.is_torch_namespace(xp)


def library_name(xp: ModuleType) -> str:
    """The backend name of a namespace (``'numpy'``, ``'cupy'``, ``'array_api_strict'``, ``'torch'``)."""
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
