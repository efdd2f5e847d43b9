"""The public functions: scipy.signal's convolution API, computed by convalg's engines.

Each function resolves the array namespace (``backend=``), plans the call once
(:func:`convalg.signal._plan.prepare`) and executes the plan; :func:`plan` reports the
same plan without executing it.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import math
import operator
from collections.abc import Callable, Sequence

import numpy as np

from convalg import backends
from convalg._runtime import fft as runtime_fft
from convalg._runtime import scratch, validation
from convalg._runtime.devices import device
from convalg._typing import Array, Backend, Boundary, Mode, SignalMethod
from convalg.signal import _choose, _direct, _direct_numpy, _dtypes, _exact_fft, _fast, _fft, _overlap_add, _ranges
from convalg.signal._plan import FUNCTIONS, Plan, Recipe, blas_allowed, prepare

__all__ = [
    "convolve",
    "correlate",
    "fftconvolve",
    "oaconvolve",
    "convolve2d",
    "correlate2d",
    "choose_conv_method",
    "correlation_lags",
    "plan",
]


#: The functions that take dask arrays (computed in chunks by convalg.chunked).
_CHUNKED = ("convolve", "correlate", "fftconvolve", "oaconvolve", "convolve2d", "correlate2d")


def _inputs(in1, in2, backend):
    """The namespace that computes a call and its inputs in it, plus where the result goes:
    None when it stays there, else the namespace and device to move it to (torch tensors of
    dtypes torch has no arithmetic for are computed by NumPy on the host)."""
    xp, (a, b) = backends.namespace(in1, in2, backend=backend, names=("in1", "in2"))
    if backends.has_wide_unsigned_arithmetic(xp) or not (_wide_unsigned(a) or _wide_unsigned(b)):
        return xp, a, b, None
    host_xp, (host_a, host_b) = backends.namespace(backends.to_numpy(a), backends.to_numpy(b))
    return host_xp, host_a, host_b, (xp, device(a))


def _wide_unsigned(x) -> bool:
    dtype = _dtypes.numpy_dtype(x.dtype)
    return dtype.kind == "u" and dtype.itemsize > 1


def _direct_fast_path(function: str, in1, in2, mode, boundary="fill", fillvalue=0, method="direct"):
    """The result of a small direct N-D call on the fast path (:func:`_fast.direct_nd`:
    the engine's result, or the planner's recipe executed), or None for the general path."""
    return _fast_result(_fast.direct_nd(function, in1, in2, mode, boundary, fillvalue, method))


def _exact_fast_path(function: str, in1, in2, mode, method):
    """The result of an exact integer call on the fast path (:func:`_fast.exact_alike`: a
    transform certified as for a call alike, or the planner's recipe executed), or None."""
    return _fast_result(_fast.exact_alike(function, in1, in2, mode, method))


def _fast_result(fast):
    """A fast path's answer as a result: its array, its recipe executed, or None."""
    return fast if fast is None or isinstance(fast, np.ndarray) else execute(fast)


def _run(function: str, in1, in2, backend, **kwargs):
    """The general path of a public call: dask routing, namespace, plan, execution."""
    if function in _CHUNKED and backends.is_dask(in1, in2):
        from convalg import chunked  # dask support lives there; imported only for dask input

        return chunked.apply(globals()[function], in1, in2, backend=backend, **kwargs)
    xp, a, b, home = _inputs(in1, in2, backend)
    recipe = prepare(function, xp, a, b, **kwargs)
    if kwargs.get("method") in ("fft", "oa") and not recipe.finite and recipe.plan.method in ("fft", "oa"):
        runtime_fft.warn_nonfinite(kwargs["method"], stacklevel=3)
    out = execute(recipe)
    return out if home is None else backends.from_numpy(home[0], out, home[1])


def convolve(
    in1: Array, in2: Array, mode: Mode = "full", method: SignalMethod = "auto", *, backend: Backend = None
) -> Array:
    """Convolve two N-dimensional arrays (a drop-in for ``scipy.signal.convolve``).

    Parameters
    ----------
    in1, in2 : array_like
        The inputs, with the same number of dimensions.
    mode : {'full', 'valid', 'same'}, optional
        'full' returns every output, 'valid' only those not depending on zero padding
        (the inputs are swapped if ``in2`` is the larger), 'same' the size of ``in1``,
        centred on the full output.
    method : {'auto', 'direct', 'fft', 'oa'}, optional
        'auto' picks the fastest exact-enough method (:func:`choose_conv_method`); 'oa'
        (overlap-add) is an extension to scipy's choices. Integer inputs use 'fft' or
        'oa' only when an error bound proves the rounded result exact, else 'direct'.
    backend : {None, 'numpy', 'cupy', 'array_api_strict', 'torch'}, optional
        The array library to compute in; None uses the inputs' own.

    Returns
    -------
    array
        The convolution. Floating inputs give ``numpy.result_type(in1, in2)``; integer
        inputs give exact int64 (uint64 for unsigned with a uint64) results.

    Raises
    ------
    ValueError
        For a bad ``mode`` or ``method``, inputs of different dimensionality, an empty
        input in 'full' mode (or an empty ``in2`` in 'same' mode), or 'valid' mode when
        neither input is the larger in every dimension.
    TypeError
        For inputs of string, bytes or datetime dtype.
    OverflowError
        When an exact integer output falls outside the int64 (or uint64) range; the
        message names it and its exact value.
    MemoryError
        When the result or workspace would not fit in memory (checked before computing).
    convalg.backends.BackendUnavailableError
        When ``backend`` names a library that cannot be used here.

    Warns
    -----
    RuntimeWarning
        For ``method='fft'`` or ``'oa'`` on input with NaN or Inf, which an FFT spreads
        over every output (as scipy.signal warns).

    Examples
    --------
    >>> import convalg
    >>> convalg.convolve([1, 2, 3], [0, 1, 0.5])
    array([0. , 1. , 2.5, 4. , 1.5])
    >>> convalg.convolve([1, 2, 3], [1, 1], mode="valid")
    array([3, 5])
    """
    if backend is None:
        if (out := _fast.convolve_1d("convolve", in1, in2, mode, method)) is not None:
            return out
        if (out := _direct_fast_path("convolve", in1, in2, mode, method=method)) is not None:
            return out
        if (out := _exact_fast_path("convolve", in1, in2, mode, method)) is not None:
            return out
    return _run("convolve", in1, in2, backend, mode=mode, method=method)


def correlate(
    in1: Array, in2: Array, mode: Mode = "full", method: SignalMethod = "auto", *, backend: Backend = None
) -> Array:
    """Cross-correlate two N-dimensional arrays (a drop-in for ``scipy.signal.correlate``).

    ``correlate(in1, in2)[k] = sum_n in1[n + k] * conj(in2[n])``: the second input is
    conjugated, and the result equals ``convolve(in1, flip(conj(in2)))``.

    Parameters
    ----------
    in1, in2 : array_like
        The inputs, with the same number of dimensions.
    mode : {'full', 'valid', 'same'}, optional
        As in :func:`convolve`.
    method : {'auto', 'direct', 'fft', 'oa'}, optional
        As in :func:`convolve`.
    backend : {None, 'numpy', 'cupy', 'array_api_strict', 'torch'}, optional
        The array library to compute in; None uses the inputs' own.

    Returns
    -------
    array
        The cross-correlation, with the dtype rules of :func:`convolve`.

    Examples
    --------
    >>> import convalg
    >>> convalg.correlate([1, 2, 3], [0, 1, 0.5])
    array([0.5, 2. , 3.5, 3. , 0. ])
    >>> convalg.correlate([1j, 2], [1j, 1], mode="valid")
    array([3.+0.j])
    """
    if backend is None:
        if (out := _fast.convolve_1d("correlate", in1, in2, mode, method)) is not None:
            return out
        if (out := _direct_fast_path("correlate", in1, in2, mode, method=method)) is not None:
            return out
        if (out := _exact_fast_path("correlate", in1, in2, mode, method)) is not None:
            return out
    return _run("correlate", in1, in2, backend, mode=mode, method=method)


def fftconvolve(
    in1: Array, in2: Array, mode: Mode = "full", axes: int | Sequence[int] | None = None, *, backend: Backend = None
) -> Array:
    """Convolve two N-dimensional arrays by FFT (a drop-in for ``scipy.signal.fftconvolve``).

    Parameters
    ----------
    in1, in2 : array_like
        The inputs, with the same number of dimensions. Axes not in ``axes`` broadcast.
    mode : {'full', 'valid', 'same'}, optional
        As in :func:`convolve`.
    axes : int or sequence of int, optional
        The axes to convolve over (default: all).
    backend : {None, 'numpy', 'cupy', 'array_api_strict', 'torch'}, optional
        The array library to compute in; None uses the inputs' own.

    Returns
    -------
    array
        A floating array (integer inputs are converted to float64, as in scipy).

    Examples
    --------
    >>> import numpy as np
    >>> import convalg
    >>> out = convalg.fftconvolve(np.ones((2, 4)), np.ones((1, 3)), axes=1)
    >>> out.shape, bool(np.allclose(out[0], [1, 2, 3, 3, 2, 1]))
    ((2, 6), True)
    """
    if backend is None and (recipe := _fast.recipe_fft("fftconvolve", in1, in2, mode, axes)) is not None:
        return execute(recipe)
    return _run("fftconvolve", in1, in2, backend, mode=mode, axes=axes)


def oaconvolve(
    in1: Array, in2: Array, mode: Mode = "full", axes: int | Sequence[int] | None = None, *, backend: Backend = None
) -> Array:
    """Convolve two N-dimensional arrays by overlap-add (a drop-in for ``scipy.signal.oaconvolve``).

    The long input is cut into blocks that are transformed in one batched FFT; axes where
    blocking does not pay are transformed whole. See :mod:`convalg.signal._overlap_add`
    for the block-length rule.

    Parameters
    ----------
    in1, in2 : array_like
        The inputs, with the same number of dimensions. Axes not in ``axes`` broadcast.
    mode : {'full', 'valid', 'same'}, optional
        As in :func:`convolve`.
    axes : int or sequence of int, optional
        The axes to convolve over (default: all).
    backend : {None, 'numpy', 'cupy', 'array_api_strict', 'torch'}, optional
        The array library to compute in; None uses the inputs' own.

    Returns
    -------
    array
        A floating array, as :func:`fftconvolve`.

    Examples
    --------
    >>> import numpy as np
    >>> import convalg
    >>> out = convalg.oaconvolve(np.ones(1000), np.ones(5))
    >>> out.shape, bool(np.allclose(out[:6], [1, 2, 3, 4, 5, 5]))
    ((1004,), True)
    """
    if backend is None and (recipe := _fast.recipe_fft("oaconvolve", in1, in2, mode, axes)) is not None:
        return execute(recipe)
    return _run("oaconvolve", in1, in2, backend, mode=mode, axes=axes)


def _boundary_function(name: str, doc: str) -> Callable[..., Array]:
    """The public 2-D function ``name`` ('convolve2d' or 'correlate2d'): one signature and
    one body for both, which differ only in what they compute."""

    def function(
        in1: Array,
        in2: Array,
        mode: Mode = "full",
        boundary: Boundary = "fill",
        fillvalue: complex = 0,
        *,
        backend: Backend = None,
    ) -> Array:
        if backend is None and (out := _direct_fast_path(name, in1, in2, mode, boundary, fillvalue)) is not None:
            return out
        return _run(name, in1, in2, backend, mode=mode, boundary=boundary, fillvalue=fillvalue)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    return function


convolve2d = _boundary_function(
    "convolve2d",
    """Convolve two 2-D arrays with a boundary rule (a drop-in for ``scipy.signal.convolve2d``).

    Parameters
    ----------
    in1, in2 : array_like
        Two 2-D inputs.
    mode : {'full', 'valid', 'same'}, optional
        As in :func:`convolve`.
    boundary : {'fill', 'wrap', 'symm'}, optional
        How ``in1`` is extended beyond its edges: by ``fillvalue``, periodically, or by
        reflection with the edge repeated ('circular' and 'symmetric' are aliases).
    fillvalue : scalar, optional
        The value outside ``in1`` for boundary='fill' (default 0), rounded to the dtype
        the sums are computed in (as scipy rounds it to the output's): a value that rounds
        to zero pads with zeros, which add no term (an Inf in ``in2`` stays local).
    backend : {None, 'numpy', 'cupy', 'array_api_strict', 'torch'}, optional
        The array library to compute in; None uses the inputs' own.

    Returns
    -------
    array
        The convolution, with the dtype rules of :func:`convolve`.

    Examples
    --------
    >>> import numpy as np
    >>> import convalg
    >>> convalg.convolve2d(np.arange(4).reshape(2, 2), [[1, 1]], boundary="wrap", mode="same")
    array([[1, 1],
           [5, 5]])
    """,
)

correlate2d = _boundary_function(
    "correlate2d",
    """Cross-correlate two 2-D arrays with a boundary rule (``scipy.signal.correlate2d``).

    Parameters
    ----------
    in1, in2 : array_like
        Two 2-D inputs; ``in2`` is conjugated.
    mode : {'full', 'valid', 'same'}, optional
        As in :func:`convolve`; 'same' is centred as scipy's correlate2d centres it.
    boundary : {'fill', 'wrap', 'symm'}, optional
        As in :func:`convolve2d`.
    fillvalue : scalar, optional
        As in :func:`convolve2d`.
    backend : {None, 'numpy', 'cupy', 'array_api_strict', 'torch'}, optional
        The array library to compute in; None uses the inputs' own.

    Returns
    -------
    array
        The cross-correlation.

    Examples
    --------
    >>> import convalg
    >>> convalg.correlate2d([[1, 2, 3]], [[1, 1]], mode="valid")
    array([[3, 5]])
    """,
)


def choose_conv_method(
    in1: Array, in2: Array, mode: Mode = "full", measure: bool = False, *, backend: Backend = None
) -> str | tuple[str, dict[str, float]]:
    """The method ``convolve``/``correlate`` with method='auto' would use (``scipy.signal`` API).

    The choice follows correctness rules first (no FFT when an input has NaN or Inf; for
    integers FFT only with a certificate of exactness, :class:`Certificate`) and then a cost model in seconds; see
    :mod:`convalg.signal._choose`.

    Parameters
    ----------
    in1, in2 : array_like
        The inputs, as for :func:`convolve`.
    mode : {'full', 'valid', 'same'}, optional
        As in :func:`convolve`.
    measure : bool, optional
        If True, time every allowed method and return the fastest with the timings.
    backend : {None, 'numpy', 'cupy', 'array_api_strict', 'torch'}, optional
        The array library to compute in; None uses the inputs' own.

    Returns
    -------
    method : {'direct', 'fft', 'oa'}
        The method.
    times : dict of str to float
        Only with ``measure=True``: seconds per call of each allowed method.

    Examples
    --------
    >>> import numpy as np
    >>> import convalg
    >>> convalg.choose_conv_method(np.ones(10), np.ones(3))
    'direct'
    >>> convalg.choose_conv_method(np.r_[1.0, np.nan, np.ones(10**5)], np.ones(10**4))
    'direct'
    """
    xp, a, b, _home = _inputs(in1, in2, backend)
    recipe = prepare("convolve", xp, a, b, mode=mode, method="auto")
    if not measure:
        return recipe.plan.method
    import timeit

    candidates: list[SignalMethod] = ["direct", *_allowed_methods(xp, a, b, mode)]
    times: dict[str, float] = {}
    for method in candidates:
        timer = timeit.Timer(functools.partial(convolve, a, b, mode=mode, method=method))
        number = 1
        while (elapsed := timer.timeit(number)) < 5e-3 and number < 10**6:
            number *= 4  # enough calls to last 5 ms, like scipy's measurement
        times[method] = min([elapsed] + timer.repeat(2, number)) / number
    return min(times, key=times.__getitem__), times


_FAST_METHODS: tuple[SignalMethod, ...] = ("fft", "oa")


def _allowed_methods(xp, a, b, mode) -> list[SignalMethod]:
    return [m for m in _FAST_METHODS if prepare("convolve", xp, a, b, mode=mode, method=m).plan.method == m]


def correlation_lags(in1_len: int, in2_len: int, mode: Mode = "full", *, backend: Backend = None) -> Array:
    """Lag indices of a 1-D cross-correlation's outputs (``scipy.signal.correlation_lags``).

    Parameters
    ----------
    in1_len, in2_len : int
        The lengths of the two inputs.
    mode : {'full', 'valid', 'same'}, optional
        The mode the correlation was computed with.
    backend : {None, 'numpy', 'cupy', 'array_api_strict', 'torch'}, optional
        The array library of the returned lags (default NumPy).

    Returns
    -------
    array of int
        ``lags[i]`` is the displacement of ``in2`` against ``in1`` at output ``i``.

    Examples
    --------
    >>> import convalg
    >>> convalg.correlation_lags(4, 3)
    array([-2, -1,  0,  1,  2,  3])
    >>> convalg.correlation_lags(4, 3, mode="same")
    array([-1,  0,  1,  2])
    """
    mode = validation.check_mode(mode)
    lengths = []
    for name, value in (("in1_len", in1_len), ("in2_len", in2_len)):
        try:
            value = operator.index(value)
        except TypeError as exc:
            raise TypeError(f"{name} must be an integer; got {value!r}") from exc
        if value < 1:
            raise ValueError(f"{name} must be at least 1; got {value}")
        lengths.append(value)
    n1, n2 = lengths
    if mode == "full":
        start, stop = -n2 + 1, n1
    elif mode == "same":
        # the n1 lags centred in the full range, as scipy.signal centres them
        full = n1 + n2 - 1
        mid, half = full // 2, n1 // 2
        first = mid - half
        start, stop = -n2 + 1 + first, -n2 + 1 + first + n1
    else:
        bound = n1 - n2
        start, stop = (0, bound + 1) if bound >= 0 else (bound, 1)
    lags = np.arange(start, stop)
    if backend is None or backend == "numpy":
        return lags
    _xp, (converted,) = backends.namespace(lags, backend=backend)
    return converted


def plan(func_name: str, in1, in2, **kwargs) -> Plan:
    """The plan the public function ``func_name`` would execute for these arguments.

    Parameters
    ----------
    func_name : {'convolve', 'correlate', 'fftconvolve', 'oaconvolve', 'convolve2d', 'correlate2d'}
        The public function.
    in1, in2 : array_like
        Its inputs.
    **kwargs
        Its keyword arguments (``mode``, ``method``, ``axes``, ``boundary``, ``fillvalue``,
        ``backend``), exactly as the function accepts them.

    Returns
    -------
    Plan
        ``method``, ``terms``, ``fft_shape``, ``overlaps``, ``dtype`` and ``exact``: what
        the call computes and what an error bound for it needs.

    Notes
    -----
    Exact integer results are the same whatever the method. An integer call under
    method='auto' like an earlier one (the same function, mode, shapes, dtypes and bit
    lengths of the inputs' largest magnitudes) may run the certified transform the planner
    chose for that one, certified again from this call's own data; if that certificate
    fails, the call runs this plan (docs/exact-integers.md).

    Examples
    --------
    >>> import numpy as np
    >>> from convalg.signal import plan
    >>> p = plan("convolve", np.ones(100, dtype=np.int8), np.ones(3, dtype=np.int8))
    >>> p.method, p.terms, p.dtype, p.exact
    ('direct', 3, dtype('int64'), True)
    >>> plan("fftconvolve", np.ones(100), np.ones(3), mode="valid").fft_shape
    (100,)
    """
    if func_name not in FUNCTIONS:
        raise ValueError(f"func_name must be one of {', '.join(FUNCTIONS)}; got {func_name!r}")
    function = globals()[func_name]
    try:
        bound = inspect.signature(function).bind(in1, in2, **kwargs)
    except TypeError as exc:
        raise TypeError(f"plan({func_name!r}, ...): {exc}") from exc
    bound.apply_defaults()
    arguments = dict(bound.arguments)
    backend = arguments.pop("backend")
    a, b = arguments.pop("in1"), arguments.pop("in2")
    xp, a, b, _home = _inputs(a, b, backend)
    return prepare(func_name, xp, a, b, **arguments).plan


def execute(recipe: Recipe):
    """Compute a prepared recipe (internal; the public functions call it)."""
    xp = recipe.xp
    rule = recipe.rule
    result_dtype = _dtypes.namespace_dtype(xp, rule.result)
    if recipe.special == "empty":
        return xp.zeros(recipe.empty_shape, dtype=result_dtype, device=device(recipe.a))
    if recipe.moduli and not backends.has_wide_unsigned_arithmetic(xp):
        # sums confirmed modulo 2**64 need uint64 arithmetic: computed by NumPy on the host
        host_xp, (host_a, host_b) = backends.namespace(backends.to_numpy(recipe.a), backends.to_numpy(recipe.b))
        out = execute(dataclasses.replace(recipe, xp=host_xp, a=host_a, b=host_b))
        return backends.from_numpy(xp, out, device(recipe.a))
    method = recipe.plan.method
    if recipe.exact_transform is not None:  # exact integers by a certified transform
        out = _exact_fft.execute(recipe.exact_transform)
        return out != 0 if rule.result.kind == "b" else _astype(xp, out, result_dtype)
    through_float = rule.exact and method != "direct"
    float_exact = method == "direct" and recipe.float_exact  # no rounding: exact in float64
    compute = np.dtype(np.float64) if through_float or float_exact else rule.compute
    fillvalue = recipe.fillvalue
    if recipe.moduli:
        # sums that may wrap are computed modulo 2**64 (well defined for unsigned
        # integers); _ranges.confirm_fits then shows every output fits, or raises
        compute, fillvalue = np.dtype(np.uint64), int(fillvalue) % 2**64
    compute_dtype = _dtypes.namespace_dtype(xp, compute)
    a = _operand(xp, recipe.a, compute_dtype)
    b = _operand(xp, recipe.b, compute_dtype)
    if recipe.special in ("scalar", "product"):
        out = _product(xp, a, b)[_crop(recipe.region)]
    elif method == "direct":
        out = _run_direct(recipe, a, b, fillvalue)
    else:
        if recipe.scale:  # keep every transform finite (_ranges.fft_overflow_scales)
            a = _ranges.scaled(xp, a, -recipe.fft_scales[0])
            b = _ranges.scaled(xp, b, -recipe.fft_scales[1])
        if method == "fft":
            shape = [recipe.fft_lengths[ax] for ax in recipe.axes]
            out = _fft.convolve(xp, a, b, recipe.axes, shape, recipe.region, compute.kind == "c")
        else:
            out = _overlap_add.convolve(
                xp, a, b, recipe.axes, recipe.blocks, recipe.fft_lengths, recipe.region, compute.kind == "c"
            )
        if recipe.scale:
            out = _ranges.scaled(xp, out, recipe.scale)
    if through_float:
        out = xp.astype(xp.round(out), _dtypes.namespace_dtype(xp, rule.compute))
    elif float_exact:
        out = _astype(xp, out, _dtypes.namespace_dtype(xp, rule.compute))
    if recipe.moduli:
        out = xp.astype(out, _dtypes.namespace_dtype(xp, rule.compute))  # two's complement
        _ranges.confirm_fits(xp, out, lambda p: _residues(recipe, p), recipe.moduli, rule, recipe.function)
    if rule.result.kind == "b":
        return out != 0
    return _astype(xp, out, result_dtype)


def _operand(xp, x, dtype):
    """An input in the computing dtype: a large NumPy copy in memory the scratch pool lends
    (this call's own, given back when the call ends; fresh memory costs a page fault a
    page: int32 512x512, 256 faults)."""
    return scratch.astype(x, dtype) if type(x) is np.ndarray else _astype(xp, x, dtype)


def _astype(xp, x, dtype):
    """``xp.astype(x, dtype, copy=False)``; a NumPy array's own method where ``x`` is one
    (the same conversion without the compatibility layer's checks, a microsecond a call)."""
    return x.astype(dtype, copy=False) if type(x) is np.ndarray else xp.astype(x, dtype, copy=False)


def _product(xp, a, b):
    """The elementwise product ``a * b`` (the convolution of zero-rank inputs, or along no
    axis): one rounding per product, as a direct sum of one term.

    A complex product ``(ar br - ai bi) + (ar bi + ai br) i`` can overflow in ``ar br`` or
    ``ai bi`` although the component it gives is representable: such outputs are computed
    again from ``a * 2**-s`` and scaled back (the prescaled recomputation of the direct
    method, :mod:`convalg.errorbounds`), and kept where they are no worse.
    """
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is handled here
        out = a * b
        if _dtypes.numpy_dtype(out.dtype).kind != "c" or bool(xp.all(xp.isfinite(out))):
            return out
        largest = (_ranges.magnitude(xp, a).largest, _ranges.magnitude(xp, b).largest)
        scale = _ranges.overflow_scale(largest, 2, _dtypes.numpy_dtype(out.dtype))
        if not scale:
            return out
        # (NumPy multiplies zero-rank arrays into a scalar: the rescue works on arrays)
        product = xp.asarray(out)
        rescued = _ranges.scaled(xp, xp.asarray(_ranges.scaled(xp, xp.asarray(a), -scale) * b), scale)
        result = xp.where(_rescues(xp, product, rescued), rescued, product)
        return result[()] if isinstance(out, np.generic) else result


def _crop(region) -> tuple:
    return tuple(slice(start, start + length) for start, length in region)


def _residues(recipe: Recipe, modulus: int):
    """The exact result modulo ``modulus`` (int64), for :func:`_ranges.confirm_fits`."""
    xp, a, b = recipe.xp, recipe.a, recipe.b
    if recipe.special in ("scalar", "product"):
        product = _direct.reduced(xp, a, modulus) * _direct.reduced(xp, b, modulus)
        return xp.remainder(product, modulus)[_crop(recipe.region)]
    extended = recipe.boundary != "fill" or recipe.fillvalue != 0
    if not extended and math.prod(b.shape) > math.prod(a.shape):
        a, b = b, a  # loop over the taps of the smaller input
    return _direct.modular_accumulation(
        xp, a, b, recipe.region, modulus, boundary=recipe.boundary, fillvalue=recipe.fillvalue
    )


def _run_direct(recipe: Recipe, a, b, fillvalue):
    xp = recipe.xp
    extended = recipe.boundary != "fill" or fillvalue != 0
    if not extended and math.prod(b.shape) > math.prod(a.shape):
        a, b = b, a  # loop over the taps of the smaller input
    skip = recipe.finite and recipe.rule.compute.kind != "O"
    if not recipe.scale:
        return _direct_engine(recipe, a, b, fillvalue, extended, skip)
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is handled here
        out = _direct_engine(recipe, a, b, fillvalue, extended, skip)
        if not bool(xp.all(xp.isfinite(out))):
            # partial sums overflowed: recompute with every product prescaled (exactly) by
            # 2**-scale and keep those outputs that are finite now (_ranges, errorbounds)
            rescued = _direct.shifted_accumulation(
                xp,
                a,
                b,
                recipe.region,
                boundary=recipe.boundary,
                fillvalue=fillvalue,
                skip_zero_taps=skip,
                prescale=recipe.scale,
            )
            out = xp.where(_rescues(xp, out, rescued), rescued, out)
    return out


def _rescues(xp, out, rescued):
    """Where the prescaled ``rescued`` output replaces a non-finite ``out``: every component
    that ``out`` got wrong (non-finite) ``rescued`` gets at least as right (not NaN), and
    none that ``out`` got finite does ``rescued`` lose."""

    def acceptable(o, r):
        return (xp.isfinite(o) & xp.isfinite(r)) | (~xp.isfinite(o) & ~xp.isnan(r))

    take = ~xp.isfinite(out)
    if _dtypes.numpy_dtype(out.dtype).kind == "c":
        return take & acceptable(xp.real(out), xp.real(rescued)) & acceptable(xp.imag(out), xp.imag(rescued))
    return take & acceptable(out, rescued)


def _direct_engine(recipe: Recipe, a, b, fillvalue, extended: bool, skip: bool):
    """The direct method's engine for this call: separable passes, a NumPy fast path or the
    generic shifted accumulation."""
    xp = recipe.xp
    numpy = backends.is_numpy(xp)
    if recipe.factors is not None:
        return _direct.separable(
            xp,
            a,
            recipe.factors,
            recipe.region,
            skip_zero_taps=skip,
            pass_function=_direct_numpy.numpy_pass if numpy else None,
        )
    if numpy and a.ndim == 1:
        outputs = recipe.region[0][1]
        complex_data = recipe.rule.compute.kind == "c"
        if blas_allowed(recipe) and _choose.use_blas_1d(outputs, b.shape[0], complex_data):
            return _direct_numpy.numpy_blas_1d(a, b, recipe.region)
        return _direct_numpy.numpy_1d(a, b, recipe.region, boundary=recipe.boundary, fillvalue=fillvalue)
    if numpy and recipe.rule.compute.kind != "O" and (recipe.finite or extended):
        # The slab fast path multiplies the zero padding too; with a NaN or Inf in the data
        # the generic path keeps it local.
        return _direct_numpy.numpy_nd(
            a,
            b,
            recipe.region,
            boundary=recipe.boundary,
            fillvalue=fillvalue,
            skip_zero_taps=skip,
            finite=recipe.finite,
        )
    return _direct.shifted_accumulation(
        xp, a, b, recipe.region, boundary=recipe.boundary, fillvalue=fillvalue, skip_zero_taps=skip
    )
