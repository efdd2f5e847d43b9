"""Planning: what a public call will compute (method, shapes, dtypes), decided once.

Every public function builds a :class:`Recipe` with :func:`prepare` and executes it, and
:func:`plan` returns the same recipe's :class:`Plan`, so the plan reported is the plan
executed (``convalg.crosscheck`` picks its error bound from it).

The problem is normalised here: correlation becomes convolution with the reversed,
conjugated second input; mode='valid' swaps the inputs when the second is the larger;
the wanted outputs become a *region* (per axis ``(start, length)`` in the coordinates of
the full convolution), which every engine computes directly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

from convalg import backends
from convalg.signal import _choose, _direct, _dtypes, _fft, _overlap_add, _validate

FUNCTIONS = ("convolve", "correlate", "fftconvolve", "oaconvolve", "convolve2d", "correlate2d")


@dataclass(frozen=True)
class Plan:
    """The plan a public convolution function executes for given arguments.

    Attributes
    ----------
    method : {'direct', 'fft', 'oa'}
        The engine that computes the result.
    terms : int
        The largest number of products summed into one output (``m`` of the componentwise
        bound :func:`convalg.errorbounds.direct`).
    fft_shape : tuple of int or None
        Transform lengths along the convolved axes for 'fft'; the per-block transform
        lengths for 'oa'; None for 'direct'.
    overlaps : int
        For 'oa', the largest number of blocks adding into one output; else 1.
    dtype : numpy.dtype
        The dtype of the result.
    exact : bool
        True when the result is an exact integer (or boolean) result.
    """

    method: str
    terms: int
    fft_shape: tuple[int, ...] | None
    overlaps: int
    dtype: np.dtype
    exact: bool


@dataclass
class Recipe:
    """A :class:`Plan` plus what the engines need to execute it (internal)."""

    plan: Plan
    function: str
    xp: ModuleType
    a: Any
    b: Any
    axes: tuple[int, ...] = ()
    region: tuple[tuple[int, int], ...] = ()
    rule: _dtypes.DtypeRule | None = None
    boundary: str = "fill"
    fillvalue: Any = 0
    finite: bool = True
    factors: list | None = None
    blocks: dict = field(default_factory=dict)
    fft_lengths: dict = field(default_factory=dict)
    special: str | None = None  # 'scalar' (zero-rank), 'product' (no convolved axis) or 'empty'
    empty_shape: tuple[int, ...] = (0,)


def _reverse_conj(xp: ModuleType, x: Any) -> Any:
    if x.ndim:
        x = xp.flip(x)
    if _dtypes.numpy_dtype(x.dtype).kind == "c":
        x = xp.conj(x)
    return x


def _size(x: Any) -> int:
    return math.prod(x.shape)


def _all_finite(xp: ModuleType, x: Any) -> bool:
    kind = _dtypes.numpy_dtype(x.dtype).kind
    if kind not in "fc":
        return True
    # A finite sum proves every element finite (NaN and Inf propagate through sums); only
    # an overflowing sum needs the elementwise test.
    if _size(x) > 0 and bool(xp.isfinite(xp.sum(x))):
        return True
    return bool(xp.all(xp.isfinite(x)))


def prepare(
    function: str,
    xp: ModuleType,
    in1: Any,
    in2: Any,
    *,
    mode: Any = "full",
    method: Any = "auto",
    axes: Any = None,
    boundary: Any = "fill",
    fillvalue: Any = 0,
) -> Recipe:
    """Validate the arguments of ``function`` and decide everything about the call."""
    mode = _validate.check_mode(mode)
    if function in ("convolve", "correlate"):
        method = _validate.check_method(method)
    elif function == "fftconvolve":
        method = "fft"
    elif function == "oaconvolve":
        method = "oa"
    else:
        method = "direct"
        boundary = _validate.check_boundary(boundary)
    frequency_domain = function in ("fftconvolve", "oaconvolve")
    dtype1 = _dtypes.numpy_dtype(in1.dtype)
    dtype2 = _dtypes.numpy_dtype(in2.dtype)
    _dtypes.check_dtype(dtype1, "in1")
    _dtypes.check_dtype(dtype2, "in2")
    rule = (_dtypes.fftconvolve_rule if frequency_domain else _dtypes.convolve_rule)(dtype1, dtype2)
    if rule.compute.kind == "O" and not backends.is_numpy(xp):
        raise TypeError("object arrays can only be convolved on the numpy backend")
    if function in ("convolve2d", "correlate2d"):
        if not (in1.ndim == 2 and in2.ndim == 2):
            raise ValueError(
                f"{function} inputs must both be 2-D arrays; got in1.ndim={in1.ndim}, "
                f"in2.ndim={in2.ndim}"
            )
        fillvalue = _validate.check_fillvalue(fillvalue, rule.result.kind)
        if rule.exact and boundary == "fill" and fillvalue != int(np.real(fillvalue)):
            raise ValueError(
                f"fillvalue {fillvalue!r} is not an integer but the inputs are integers; pass "
                "an integer fillvalue or floating inputs"
            )
    if in1.ndim != in2.ndim:
        raise ValueError(
            f"in1 and in2 should have the same dimensionality; got in1.ndim={in1.ndim} and "
            f"in2.ndim={in2.ndim}"
        )
    correlation = function in ("correlate", "correlate2d")
    a, b = in1, in2
    if correlation:
        b = _reverse_conj(xp, b)

    if a.ndim == 0:
        # zero-rank inputs multiply (scipy returns in1 * in2 unconverted, even from fftconvolve)
        return _scalar_recipe(function, xp, a, b, _dtypes.convolve_rule(dtype1, dtype2))
    if _size(a) == 0 or _size(b) == 0:
        return _empty_recipe(function, xp, a, b, mode, rule)

    axes_list = _validate.check_axes(axes if frequency_domain else None, a.ndim)
    s1, s2 = a.shape, b.shape
    conv_axes = [ax for ax in axes_list if s1[ax] != 1 and s2[ax] != 1]
    for ax in range(a.ndim):
        if ax not in axes_list and not (s1[ax] == s2[ax] or s1[ax] == 1 or s2[ax] == 1):
            raise ValueError(f"incompatible shapes for in1 and in2: {s1} and {s2}")
    if mode == "valid":
        checked = conv_axes if frequency_domain else list(range(a.ndim))
        if _validate.valid_swap_needed(s1, s2, checked):
            a, b = b, a
            s1, s2 = s2, s1
    region = tuple(
        _axis_region(s1[ax], s2[ax], mode, ax in axes_list,
                     centre_up=(function == "correlate2d"))
        for ax in range(a.ndim)
    )
    out_shape = tuple(length for _, length in region)
    if min(out_shape) <= 0:
        return _empty_recipe(function, xp, a, b, mode, rule, out_shape)
    if frequency_domain and not conv_axes:
        # every axis has a length-1 input: scipy returns the broadcast product in1 * in2
        # (cut to the mode's window), keeping integers integer; here exact and widened
        rule = _dtypes.convolve_rule(dtype1, dtype2)
        plan = Plan("direct", 1, None, 1, rule.result, rule.exact)
        return Recipe(plan=plan, function=function, xp=xp, a=a, b=b, rule=rule,
                      region=region, special="product")

    # the result alone must fit before anything else touches the data
    _validate.check_memory(
        _validate.size(out_shape) * max(rule.result.itemsize, 1),
        f"{function} (result {'x'.join(map(str, out_shape))}, {rule.result})",
    )
    extended = function in ("convolve2d", "correlate2d") and (
        boundary != "fill" or fillvalue != 0
    )
    finite = _all_finite(xp, a) and _all_finite(xp, b)
    if extended and boundary == "fill":
        finite = finite and bool(np.isfinite(fillvalue))
    if rule.exact:
        _dtypes.check_integer_range(xp, a, b, rule, function, fill=fillvalue if extended else 0)

    terms = math.prod(
        s2[ax] if extended and mode != "valid" else min(s1[ax], s2[ax]) for ax in range(a.ndim)
    )
    complex_data = rule.compute.kind == "c"
    recipe = Recipe(
        plan=None,  # type: ignore[arg-type]
        function=function,
        xp=xp,
        a=a,
        b=b,
        axes=tuple(conv_axes),
        region=region,
        rule=rule,
        boundary=boundary,
        fillvalue=fillvalue,
        finite=finite,
    )
    fft_shape = _fft.transform_shape(s1, s2, conv_axes, region, real=not complex_data)
    recipe.fft_lengths = dict(zip(conv_axes, fft_shape))
    recipe.blocks = {}
    if method in ("auto", "oa"):
        candidates = {}
        for ax in conv_axes:
            blocks = _overlap_add.axis_blocks(s1[ax], s2[ax], real=not complex_data)
            if blocks is not None:
                candidates[ax] = blocks
        if candidates:  # block the one axis that saves most
            best = max(candidates, key=lambda ax: candidates[ax].saving)
            recipe.blocks = {best: candidates[best]}

    if method in ("auto", "direct") and not frequency_domain and rule.compute.kind in "fciu" \
            and not extended:
        recipe.factors = _separable(recipe)
    method = _resolve_method(recipe, method, frequency_domain, extended)
    if method != "direct":
        recipe.factors = None

    _check_memory(recipe, method, out_shape)
    recipe.plan = Plan(
        method=method,
        terms=int(terms),
        fft_shape=_reported_fft_shape(recipe, method),
        overlaps=_overlaps(recipe) if method == "oa" else 1,
        dtype=rule.result,
        exact=rule.exact,
    )
    return recipe


def _resolve_method(recipe: Recipe, method: str, frequency_domain: bool, extended: bool) -> str:
    """The method a call runs: the requested one, or for 'auto' the cheapest allowed one.

    Rules before cost: no FFT/overlap-add for object data or boundary extensions, none
    under 'auto' when an input is not finite, and for exact integers only with the proof
    of :func:`_fft_is_exact` (an explicit 'fft'/'oa' without it computes directly).
    """
    rule = recipe.rule
    allowed = ["direct"]
    if rule.compute.kind != "O" and not extended:
        allowed += ["fft", "oa"] if recipe.blocks else ["fft"]
    if method == "oa" and not recipe.blocks:
        method = "fft"  # no axis where blocking pays: one transform is overlap-add's best
    if method == "auto":
        if not recipe.finite:
            allowed = ["direct"]
        costs = estimate_costs(recipe, allowed)
        while True:  # the cheapest allowed method (integers: only with the proof)
            method = _choose.cheapest(costs)
            if method == "direct" or not rule.exact or _fft_is_exact(recipe, method):
                return method
            del costs[method]
    unproven = method != "direct" and rule.exact and not _fft_is_exact(recipe, method)
    if (method not in allowed or unproven) and (not frequency_domain or rule.compute.kind == "O"):
        return "direct"  # documented fallback: integers without the proof, objects
    return method


def _axis_region(n1: int, n2: int, mode: str, convolved: bool, centre_up: bool) -> tuple[int, int]:
    """(start, length) of the wanted outputs along one axis, in full-convolution coordinates."""
    full = n1 + n2 - 1 if convolved else max(n1, n2)
    if mode == "full":
        return 0, full
    if mode == "same":
        # scipy's correlate2d centres its 'same' output half a sample later than convolve
        return ((full - n1 + 1) // 2 if centre_up else (full - n1) // 2), n1
    if not convolved or n1 == 1 or n2 == 1:
        # broadcast axis (scipy's fftconvolve keeps its whole length in 'valid' mode)
        return 0, full
    length = n1 - n2 + 1
    return (full - length) // 2, length


def _scalar_recipe(function: str, xp: ModuleType, a: Any, b: Any, rule) -> Recipe:
    plan = Plan("direct", 1, None, 1, rule.result, rule.exact)
    return Recipe(plan=plan, function=function, xp=xp, a=a, b=b, rule=rule, special="scalar")


def _empty_recipe(function, xp, a, b, mode, rule, shape=None) -> Recipe:
    if function in ("convolve", "correlate"):
        raise ValueError(
            f"{function}: inputs must not be empty; got in1.shape={tuple(a.shape)}, "
            f"in2.shape={tuple(b.shape)} (as in scipy.signal, which also rejects them)"
        )
    if function in ("fftconvolve", "oaconvolve") and shape is None:
        # scipy.signal returns an empty 1-D float64 array for empty inputs
        plan = Plan("fft", 0, None, 1, np.dtype(np.float64), False)
        return Recipe(plan=plan, function=function, xp=xp, a=a, b=b, rule=rule,
                      special="empty", empty_shape=(0,))
    if shape is None:
        shape = tuple(
            _axis_region(n1, n2, mode, True, False)[1] for n1, n2 in zip(a.shape, b.shape)
        )
    shape = tuple(max(n, 0) for n in shape)
    method = "direct" if function in ("convolve2d", "correlate2d") else "fft"
    plan = Plan(method, 0, None, 1, rule.result, rule.exact)
    return Recipe(plan=plan, function=function, xp=xp, a=a, b=b, rule=rule,
                  special="empty", empty_shape=shape)


def _batch(recipe: Recipe) -> int:
    """Product of the output lengths along axes that are not convolved (broadcast axes)."""
    return math.prod(
        length for ax, (_, length) in enumerate(recipe.region) if ax not in recipe.axes
    )


def estimate_costs(recipe: Recipe, allowed: list[str]) -> dict[str, float]:
    """Modelled seconds of each allowed method for this recipe."""
    xp = recipe.xp
    outputs = math.prod(length for _, length in recipe.region)
    complex_data = recipe.rule.compute.kind == "c"
    costs: dict[str, float] = {}
    if "direct" in allowed:
        kernel_shape = recipe.b.shape if _size(recipe.b) <= _size(recipe.a) else recipe.a.shape
        taps = _direct.taps_cost(kernel_shape, recipe.factors)
        numpy_1d = backends.is_numpy(xp) and recipe.a.ndim == 1
        costs["direct"] = _choose.direct_cost(outputs, taps, numpy_1d, blas=blas_allowed(recipe))
    batch = math.prod(
        max(recipe.a.shape[ax], recipe.b.shape[ax])
        for ax in range(recipe.a.ndim) if ax not in recipe.axes
    )
    if "fft" in allowed:
        costs["fft"] = _choose.fft_cost(batch, list(recipe.fft_lengths.values()), complex_data)
    if "oa" in allowed and recipe.blocks:
        counts = [recipe.blocks[ax].count for ax in recipe.blocks]
        shape = [
            recipe.blocks[ax].fft_length if ax in recipe.blocks else recipe.fft_lengths[ax]
            for ax in recipe.axes
        ]
        costs["oa"] = _choose.oa_cost(batch, counts, shape, complex_data)
    return costs


def blas_allowed(recipe: Recipe) -> bool:
    """Whether the direct method may use BLAS (finite floating data, no boundary extension)."""
    return (
        recipe.finite
        and recipe.rule.compute.kind in "fc"
        and recipe.boundary == "fill"
        and recipe.fillvalue == 0
    )


def _separable(recipe: Recipe) -> list | None:
    """Separable factors (in xp) of the tap input, when it is small and exactly rank one."""
    if recipe.a.ndim < 2:
        return None
    kernel = recipe.b if _size(recipe.b) <= _size(recipe.a) else recipe.a
    if _size(kernel) > 4096 or sum(1 for k in kernel.shape if k > 1) < 2:
        return None
    factors = _direct.separable_factors(backends.to_numpy(kernel))
    if factors is None:
        return None
    dtype = _dtypes.namespace_dtype(recipe.xp, recipe.rule.compute)
    return [
        None if f is None else recipe.xp.asarray(np.asarray(f), dtype=dtype,
                                                 device=_device(recipe.a))
        for f in factors
    ]


def _device(x: Any) -> Any:
    import array_api_compat

    return array_api_compat.device(x)


def _overlaps(recipe: Recipe) -> int:
    q = 1
    for ax, blocks in recipe.blocks.items():
        k = min(recipe.a.shape[ax], recipe.b.shape[ax])
        q *= _overlap_add.blocks_overlapping(blocks, k)
    return q


def _reported_fft_shape(recipe: Recipe, method: str) -> tuple[int, ...] | None:
    if method == "fft":
        return tuple(recipe.fft_lengths[ax] for ax in recipe.axes)
    if method == "oa":
        return tuple(
            recipe.blocks[ax].fft_length if ax in recipe.blocks else recipe.fft_lengths[ax]
            for ax in recipe.axes
        )
    return None


def _fft_is_exact(recipe: Recipe, method: str) -> bool:
    """True when float64 FFT (or overlap-add) provably rounds to the exact integer result.

    The inputs must be exactly representable in float64 (|x| <= 2**53) and the rigorous
    normwise bound of :mod:`convalg.errorbounds`, which bounds every element's error,
    must be below 1/2.
    """
    from convalg import errorbounds

    if method == "oa" and not recipe.blocks:
        return False
    a = backends.to_numpy(recipe.a)
    b = backends.to_numpy(recipe.b)
    limit = 2**53
    for x in (a, b):
        if x.dtype.kind != "b" and (int(x.max()) > limit or int(x.min()) < -limit):
            return False
    try:
        if method == "fft":
            shape = tuple(recipe.fft_lengths[ax] for ax in recipe.axes)
            bound = errorbounds.fft(a, b, fft_shape=shape, dtype=np.float64)
        else:
            shape = _reported_fft_shape(recipe, "oa")
            bound = errorbounds.overlap_add(a, b, block_fft_shape=shape,
                                            overlaps=_overlaps(recipe), dtype=np.float64)
    except ValueError:  # transform too long for any bound
        return False
    return float(bound.value) < 0.5


def _check_memory(recipe: Recipe, method: str, out_shape: tuple[int, ...]) -> None:
    result_bytes = _validate.size(out_shape) * max(recipe.rule.result.itemsize, 1)
    compute = recipe.rule.compute
    item = compute.itemsize if compute.kind != "O" else 8
    batch = math.prod(
        max(recipe.a.shape[ax], recipe.b.shape[ax])
        for ax in range(recipe.a.ndim) if ax not in recipe.axes
    )
    if method == "direct":
        window = math.prod(
            length + recipe.b.shape[ax] - 1 for ax, (_, length) in enumerate(recipe.region)
        )
        workspace = (2 * _validate.size(out_shape) + window) * item
    elif method == "fft":
        points = batch * math.prod(recipe.fft_lengths.values())
        workspace = 3 * points * 2 * item
    else:
        points = batch
        for ax in recipe.axes:
            if ax in recipe.blocks:
                points *= recipe.blocks[ax].count * recipe.blocks[ax].fft_length
            else:
                points *= recipe.fft_lengths[ax]
        workspace = 3 * points * 2 * item
    shape_text = "x".join(str(n) for n in out_shape)
    _validate.check_memory(
        result_bytes + workspace,
        f"{recipe.function} with method={method!r} (result {shape_text}, {recipe.rule.result})",
    )
