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

import functools
import math
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, get_args

import numpy as np

from convalg import backends
from convalg._runtime import memory, validation, windows
from convalg._runtime.devices import device
from convalg._runtime.parallel import workers
from convalg._typing import SignalMethod
from convalg.signal import _choose, _direct, _direct_numpy, _dtypes, _exact_fft, _fft, _overlap_add, _ranges

FUNCTIONS = ("convolve", "correlate", "fftconvolve", "oaconvolve", "convolve2d", "correlate2d")
METHODS = get_args(SignalMethod)


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
    scale : int
        0, except for floating inputs so large that a partial sum (or an FFT
        intermediate) could overflow although the outputs need not: then 'fft'/'oa'
        transform the inputs scaled by powers of two whose exponents add to ``-scale``,
        and scale back, and 'direct' recomputes any output
        that came out non-finite with its products prescaled by ``2**-scale``. The error
        bounds of :mod:`convalg.errorbounds` hold either way.
    certificate : convalg.signal.Certificate or None
        For exact integers computed by 'fft' or 'oa': why the result is exact (the
        a-posteriori bound from the computed spectra, below 1/2, the limbs and centring
        used; docs/exact-integers.md). None otherwise.
    """

    method: str
    terms: int
    fft_shape: tuple[int, ...] | None
    overlaps: int
    dtype: np.dtype
    exact: bool
    scale: int = 0
    certificate: _exact_fft.Certificate | None = None


@dataclass
class Recipe:
    """A :class:`Plan` plus what the engines need to execute it (internal)."""

    plan: Plan
    function: str
    xp: ModuleType
    a: Any
    b: Any
    rule: _dtypes.DtypeRule
    axes: tuple[int, ...] = ()
    region: tuple[tuple[int, int], ...] = ()
    boundary: str = "fill"
    fillvalue: Any = 0
    finite: bool = True
    factors: list | None = None
    blocks: dict = field(default_factory=dict)
    fft_lengths: dict = field(default_factory=dict)
    special: str | None = None  # 'scalar' (zero-rank), 'product' (no convolved axis) or 'empty'
    empty_shape: tuple[int, ...] = (0,)
    moduli: int = 0  # exact integers: primes that confirm every output fits (_ranges)
    scale: int = 0  # floats: prescaling exponent that keeps sums finite (_ranges)
    fft_scales: tuple[int, int] = (0, 0)  # fft/oa: in1 and in2 transformed times 2**-s, 2**-t
    exact_transform: _exact_fft.Transform | None = None  # exact integers by fft/oa: certified spectra
    largest: tuple[int, int] = (-1, -1)  # exact integers: max|a|, max|b| from range analysis (-1: unknown)
    # exact int64 sums whose every partial sum is an integer below 2**53: the direct method
    # computes them in float64, exactly (every product and sum is representable), and faster
    float_exact: bool = False


def _reverse_conj(xp: ModuleType, x: Any) -> Any:
    if x.ndim:
        x = xp.flip(x)
    if _dtypes.numpy_dtype(x.dtype).kind == "c":
        x = xp.conj(x)
    return x


def _size(x: Any) -> int:
    return math.prod(x.shape)


def check_shapes(
    function: str, shape1: tuple[int, ...], shape2: tuple[int, ...], mode: str, axes: Any = None
) -> tuple[list[int], list[int], bool]:
    """The axes of a call and whether 'valid' swaps its inputs; ValueError for shapes that do not fit.

    Returns the axes named by ``axes`` (all of them except for fftconvolve/oaconvolve), the
    convolved ones among them (an axis where an input has length 1 broadcasts instead) and,
    for mode='valid', whether the second input is the larger. The eager and the dask path
    both check shapes here, so they refuse a call with the same error.
    """
    frequency_domain = function in ("fftconvolve", "oaconvolve")
    axes_list = validation.check_axes(axes if frequency_domain else None, len(shape1))
    conv_axes = [ax for ax in axes_list if shape1[ax] != 1 and shape2[ax] != 1]
    validation.broadcastable(shape1, shape2, axes_list)
    swapped = False
    if mode == "valid":
        checked = conv_axes if frequency_domain else list(range(len(shape1)))
        swapped = validation.valid_swap_needed(shape1, shape2, checked)
    return axes_list, conv_axes, swapped


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
    """Validate the arguments of ``function`` and decide everything about the call.

    Shapes are settled first and the result's memory checked before any pass over the
    data (the conjugate copy of a complex ``in2`` included), so a hostile but
    well-formed input is refused before it costs time or memory.
    """
    mode = validation.check_mode(mode)
    if function in ("convolve", "correlate"):
        method = validation.check_method(method, METHODS)
    elif function == "fftconvolve":
        method = "fft"
    elif function == "oaconvolve":
        method = "oa"
    else:
        method = "direct"
        boundary = validation.check_boundary(boundary)
    frequency_domain = function in ("fftconvolve", "oaconvolve")
    two_d = function in ("convolve2d", "correlate2d")
    dtype1 = _dtypes.numpy_dtype(in1.dtype)
    dtype2 = _dtypes.numpy_dtype(in2.dtype)
    _dtypes.check_dtype(dtype1, "in1")
    _dtypes.check_dtype(dtype2, "in2")
    rule = (_dtypes.fftconvolve_rule if frequency_domain else _dtypes.convolve_rule)(dtype1, dtype2)
    if rule.compute.kind == "O" and not backends.is_numpy(xp):
        raise TypeError("object arrays can only be convolved on the numpy backend")
    if two_d:
        if not (in1.ndim == 2 and in2.ndim == 2):
            raise ValueError(f"{function} inputs must both be 2-D arrays; got in1.ndim={in1.ndim}, in2.ndim={in2.ndim}")
        if boundary == "fill":
            fillvalue = validation.check_fillvalue(fillvalue, rule.result)
            if rule.compute.kind in "fc":
                # the value the engines fill with, rounded to the computing dtype (as scipy
                # rounds it to the output's): one that rounds to zero pads with zeros, which
                # are no term at all (0 * Inf in the kernel would be NaN)
                with np.errstate(over="ignore", under="ignore"):
                    fillvalue = rule.compute.type(fillvalue).item()
        else:  # checked as scipy checks it, then unused
            validation.check_fillvalue(fillvalue, np.complex128 if rule.result.kind == "c" else np.float64)
            fillvalue = 0
    validation.same_rank(in1.ndim, in2.ndim)
    correlation = function in ("correlate", "correlate2d")
    if in1.ndim == 0:
        # zero-rank inputs multiply (scipy returns in1 * in2 unconverted, even from fftconvolve)
        b = _reverse_conj(xp, in2) if correlation else in2
        return _product_recipe(function, xp, in1, b, _dtypes.convolve_rule(dtype1, dtype2), (), "scalar")

    empty = _size(in1) == 0 or _size(in2) == 0
    if empty and frequency_domain:
        # scipy.signal returns an empty 1-D float64 array for any empty input
        return _empty_recipe(function, xp, in1, in2, Plan("fft", 0, None, 1, np.dtype(np.float64), False), rule, (0,))
    s1, s2 = tuple(in1.shape), tuple(in2.shape)
    axes_list, conv_axes, swapped = check_shapes(function, s1, s2, mode, axes)
    if swapped:
        s1, s2 = s2, s1
    region = tuple(
        windows.axis_window(s1[ax], s2[ax], mode, ax in axes_list, centre_up=(function == "correlate2d"))
        for ax in range(in1.ndim)
    )
    out_shape = tuple(max(length, 0) for _, length in region)
    # the result, the conjugate copy of a complex in2 and the inputs converted to the
    # computing dtype must fit before anything touches the data
    copies = _size(in2) * dtype2.itemsize if correlation and dtype2.kind == "c" else 0
    for size, dtype in ((_size(in1), dtype1), (_size(in2), dtype2)):
        if dtype != rule.compute:
            copies += size * max(rule.compute.itemsize, 8)
    memory.check_memory(
        memory.size(out_shape) * max(rule.result.itemsize, 1) + copies,
        lambda: f"{function} (result {'x'.join(map(str, out_shape))}, {rule.result})",
    )
    a, b = in1, (_reverse_conj(xp, in2) if correlation else in2)
    if swapped:
        a, b = b, a

    if empty or min(out_shape) == 0:
        recipe = _empty_result(function, xp, a, b, mode, rule, out_shape, boundary, fillvalue, swapped)
        if recipe is not None:
            return recipe
    if frequency_domain and not conv_axes:
        # every axis has a length-1 input: scipy returns the broadcast product in1 * in2
        # (cut to the mode's window), keeping integers integer; here exact and widened
        return _product_recipe(function, xp, a, b, _dtypes.convolve_rule(dtype1, dtype2), region, "product")

    extended = two_d and (boundary != "fill" or fillvalue != 0)
    terms = math.prod(s2[ax] if extended and mode != "valid" else min(s1[ax], s2[ax]) for ax in range(a.ndim))
    complex_data = rule.compute.kind == "c"
    fft_shape = _fft.transform_shape(s1, s2, conv_axes, region, real=not complex_data)
    if extended or rule.compute.kind not in "fc":
        mag_a, mag_b = _ranges.magnitude(xp, a), _ranges.magnitude(xp, b)
    else:  # one pass per input where that shows no scaling is needed
        points = math.prod(fft_shape) if method != "direct" else None
        mag_a, mag_b = _ranges.magnitudes(xp, a, b, rule.compute, terms, points)
    finite = mag_a.finite and mag_b.finite
    largest_a = mag_a.largest
    if extended and boundary == "fill":
        finite = finite and bool(np.isfinite(fillvalue))
        if np.isfinite(fillvalue):
            largest_a = max(largest_a, abs(fillvalue))
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
    if rule.exact:
        recipe.largest = (int(mag_a.largest), int(mag_b.largest))
        recipe.moduli = _ranges.integer_moduli(xp, a, b, rule, terms, (largest_a, mag_b.largest), extended=extended)
        recipe.float_exact = floats_are_exact(rule.compute, terms, int(largest_a), int(mag_b.largest))
    recipe.fft_lengths = dict(zip(conv_axes, fft_shape))
    recipe.blocks = {}
    if method == "oa":
        # overlap-add's error locality, exactly as scipy's: every axis scipy blocks
        recipe.blocks = _locality_blocks(s1, s2, conv_axes)
    elif method == "auto":
        # exact integers along one axis: blocks also where one whole transform would run its
        # inverse on one core (measured in 1-D only: N-D plans are the float rule's)
        exact_1d = rule.exact and len(conv_axes) == 1
        recipe.blocks = auto_blocks(s1, s2, tuple(conv_axes), not complex_data, exact_1d)

    fft_scales = (0, 0)
    if rule.compute.kind in "fc":
        recipe.scale = _ranges.overflow_scale((largest_a, mag_b.largest), terms, rule.compute)
        if method != "direct" and not extended:
            fft_scales = _ranges.fft_overflow_scales(
                (largest_a, mag_b.largest), (_size(a), _size(b)), math.prod(fft_shape), rule.compute
            )
    if (
        method in ("auto", "direct")
        and not frequency_domain
        and rule.compute.kind in "fciu"
        and not extended
        and finite
        and not recipe.moduli
        and not _spread_pays(recipe)
    ):
        recipe.factors = _separable(recipe)
    method = _resolve_method(recipe, method, frequency_domain, extended, sum(fft_scales))
    if method != "direct":
        recipe.factors = None
        recipe.fft_scales, recipe.scale = fft_scales, sum(fft_scales)

    _check_memory(recipe, method, out_shape)
    recipe.plan = Plan(
        method=method,
        terms=int(terms),
        fft_shape=_reported_fft_shape(recipe, method),
        overlaps=_overlaps(recipe) if method == "oa" else 1,
        dtype=rule.result,
        exact=rule.exact,
        scale=recipe.scale,
        certificate=recipe.exact_transform.certificate if recipe.exact_transform is not None else None,
    )
    return recipe


def _locality_blocks(s1: tuple[int, ...], s2: tuple[int, ...], axes) -> dict[int, _overlap_add.AxisBlocks]:
    """scipy.signal.oaconvolve's blocks of every axis it blocks."""
    plans = {ax: _overlap_add.locality_blocks(s1[ax], s2[ax]) for ax in axes}
    return {ax: plan for ax, plan in plans.items() if plan is not None}


def auto_blocks(
    s1: tuple[int, ...], s2: tuple[int, ...], conv_axes: tuple[int, ...], real: bool, exact_1d: bool = False
) -> dict[int, _overlap_add.AxisBlocks]:
    """Overlap-add's blocks under method='auto': of the one convolved axis whose blocking
    saves most (:func:`convalg.signal._overlap_add.axis_blocks`, or
    :func:`~convalg.signal._overlap_add.exact_blocks` for exact integers along one axis),
    none where no axis saves."""
    axis_blocks = _overlap_add.exact_blocks if exact_1d else _overlap_add.axis_blocks
    candidates = {}
    for ax in conv_axes:
        blocks = axis_blocks(s1[ax], s2[ax], real=real)
        if blocks is not None:
            candidates[ax] = blocks
    if not candidates:
        return {}
    best = max(candidates, key=lambda ax: candidates[ax].saving)
    return {best: candidates[best]}


@functools.lru_cache(maxsize=256)  # a loop of small calls asks for the same few shapes
def cheapest_transform(
    s1: tuple[int, ...],
    s2: tuple[int, ...],
    region: tuple[tuple[int, int], ...],
    complex_data: bool,
    exact_1d: bool = False,
) -> float:
    """The modelled seconds (:func:`estimate_costs`) of the cheaper of 'fft' and 'oa' under
    method='auto' for a call convolved along every axis, with inputs of shapes ``s1`` and
    ``s2`` in the planner's order and the output ``region`` (``exact_1d``: exact integers
    along one axis, blocked as :func:`auto_blocks` blocks them): what a direct cost must
    stay below for 'auto' to pick 'direct'. For exact integers it is a lower bound: a
    certified transform costs more (:func:`_cheapest_certified`).

    Examples
    --------
    >>> 40e-6 < cheapest_transform((64, 64), (3, 3), ((0, 66), (0, 66)), False) < 1e-3
    True
    """
    axes = tuple(range(len(s1)))
    fft_shape = list(_fft.transform_shape(s1, s2, axes, region, real=not complex_data))
    blocks = auto_blocks(s1, s2, axes, not complex_data, exact_1d)
    return min(_transform_costs(1, fft_shape, axes, blocks, complex_data).values())


def _resolve_method(recipe: Recipe, method: str, frequency_domain: bool, extended: bool, fft_scale: int = 0) -> str:
    """The method a call runs: the requested one, or for 'auto' the cheapest allowed one.

    Rules before cost: no FFT/overlap-add for object data or boundary extensions, none
    under 'auto' when an input is not finite or so large that a transform could overflow
    (``fft_scale``), and for exact integers only with the certificate of
    :func:`_certify_integers` (an explicit 'fft'/'oa' without one computes directly; so do
    integers whose range is confirmed exactly, which needs the wrap-around of direct
    integer sums). A certified transform of exact integers costs its limbs' transforms:
    when that makes it dearer than the direct sum, 'auto' computes directly.
    """
    rule = recipe.rule
    if recipe.moduli:
        return "direct"
    allowed = ["direct"]
    if rule.compute.kind != "O" and not extended:
        allowed += ["fft", "oa"] if recipe.blocks else ["fft"]
    if method == "oa" and not recipe.blocks:
        method = "fft"  # no axis scipy would block: one transform, as scipy.signal.oaconvolve
    if method == "auto":
        if not recipe.finite or fft_scale:
            allowed = ["direct"]
        costs = estimate_costs(recipe, allowed)
        return _cheapest_certified(recipe, costs) if rule.exact else _choose.cheapest(costs)
    unproven = method in allowed and method != "direct" and rule.exact and not _certify_integers(recipe, method)
    if (method not in allowed or unproven) and (not frequency_domain or rule.compute.kind == "O"):
        recipe.exact_transform = None
        return "direct"  # documented fallback: integers without a certificate, objects
    return method


#: A whole N-D transform whose certificate :func:`_exact_fft.likely_excess` guesses at more
#: than this many times its limit is not tried without limbs where blocks may be instead.
_DOOMED = 1.25


def _whole_transform_doomed(recipe: Recipe) -> bool:
    """Whether one whole transform of exact integers would surely need limbs (a guess: a
    failed first round costs its forward transforms, int16 512x512 * 31x31: 11 ms)."""
    shape = tuple(recipe.fft_lengths[ax] for ax in recipe.axes)
    return _exact_fft.likely_excess(recipe.xp, recipe.a, recipe.b, shape, {}) > _DOOMED


#: Exact integers: modelled transform costs within this factor count as equal (the model's
#: error is larger), and the transform likelier to be certified without limbs is tried first.
_EXACT_TIE = 1.25


def _cheapest_certified(recipe: Recipe, costs: dict[str, float]) -> str:
    """The cheapest method for exact integers: a transform only with a certificate, its
    modelled cost scaled by :func:`_exact_fft.cost_factor` (at least that of one limb per
    input before certifying, the certified limbs' after) plus the certificate's own
    :data:`_exact_fft.CERTIFY_CALL`. Leaves the chosen method's
    certified transform in ``recipe.exact_transform`` (None for 'direct').

    Each transform is first certified without splitting its inputs further: where the
    cheaper one would need limbs, another may not, if its transforms are shorter (smaller
    blocks, smaller bounds; a longer one is not tried). Where one whole transform fails so
    and no blocks were planned, scipy's overlap-add blocks are tried next if they cost less
    than the least split (int16 512x512 * 31x31: 3.4 times the bound's limit in one
    transform, 0.92 times in blocks of 186 x 186). Only if none is certified so do the
    splitting rounds go on, from where each stopped.
    """
    cores = workers() if backends.is_numpy(recipe.xp) else 1

    def one_line(method: str) -> bool:
        return method == "fft" and recipe.a.ndim == 1

    raw = dict(costs)

    def certified_cost(method: str, certificate: _exact_fft.Certificate | None) -> float:
        factor = _exact_fft.cost_factor(certificate, one_line(method), cores)
        return raw[method] * factor + _exact_fft.CERTIFY_CALL

    least = {method: cost if method == "direct" else certified_cost(method, None) for method, cost in raw.items()}
    attempts = {method: _exact_fft.Attempt() for method in raw if method != "direct"}
    blocks = {} if recipe.blocks or "fft" not in raw else _locality_blocks(recipe.a.shape, recipe.b.shape, recipe.axes)
    for rounds in (1, _exact_fft.ROUNDS) if len(attempts) > 1 or blocks else (_exact_fft.ROUNDS,):
        costs = dict(least)
        certified: set[str] = set()
        while True:
            method = _choose.cheapest(costs)
            if rounds == 1 and method != "direct":
                # modelled costs this close are a tie, won by a certificate in hand, else by
                # the shorter transform (smaller bounds: likelier certified without limbs)
                ties = [m for m in costs if m != "direct" and costs[m] <= _EXACT_TIE * costs[method]]
                method = min(ties, key=lambda m: (m not in certified, math.prod(_reported_fft_shape(recipe, m) or ())))
            if method == "direct":
                break
            if method in certified:
                transform = recipe.exact_transform
                if transform is None or transform.certificate.method != method:
                    _certify_integers(recipe, method)  # dropped for a dearer one: the same certificate again
                return method
            # a whole transform is not tried without limbs where blocks may be instead and it
            # surely needs them (guessed only now, when it is about to be tried)
            doomed = rounds == 1 and method == "fft" and blocks and _whole_transform_doomed(recipe)
            if not doomed and _certify_integers(recipe, method, rounds, attempts[method]):
                certificate = recipe.exact_transform.certificate  # type: ignore[union-attr]
                costs[method] = certified_cost(method, certificate)
                certified.add(method)
                continue
            del costs[method]
            _exact_fft.release(attempts[method])
            if rounds > 1:
                continue
            # a transform at least as long would not do better: split instead, or try blocks
            failed = math.prod(_reported_fft_shape(recipe, method) or ())
            for other in [m for m in costs if m != "direct"]:
                if math.prod(_reported_fft_shape(recipe, other) or ()) >= failed:
                    del costs[other]
            if blocks:
                recipe.blocks, blocks = blocks, {}
                raw["oa"] = estimate_costs(recipe, ["oa"])["oa"]
                split = raw[method] * _exact_fft.split_factor(one_line(method), cores) + _exact_fft.CERTIFY_CALL
                if certified_cost("oa", None) < split:
                    least["oa"] = costs["oa"] = certified_cost("oa", None)
                    attempts["oa"] = _exact_fft.Attempt()
                else:
                    recipe.blocks = {}
        if certified or all(attempt.final for attempt in attempts.values()):
            break  # direct is cheaper than every certified transform, or none can be certified
    recipe.exact_transform = None
    return "direct"


def _product_recipe(function: str, xp: ModuleType, a: Any, b: Any, rule, region, special) -> Recipe:
    """Zero-rank inputs ('scalar') or no convolved axis ('product'): the broadcast product."""
    plan = Plan("direct", 1, None, 1, rule.result, rule.exact)
    recipe = Recipe(plan=plan, function=function, xp=xp, a=a, b=b, rule=rule, region=region, special=special)
    if rule.exact:
        largest = (_ranges.magnitude(xp, a).largest, _ranges.magnitude(xp, b).largest)
        recipe.moduli = _ranges.integer_moduli(xp, a, b, rule, 1, largest, extended=False)
    return recipe


def _empty_recipe(function, xp, a, b, plan: Plan, rule, shape) -> Recipe:
    return Recipe(plan=plan, function=function, xp=xp, a=a, b=b, rule=rule, special="empty", empty_shape=tuple(shape))


def _empty_result(function, xp, a, b, mode, rule, out_shape, boundary, fillvalue, swapped):
    """The recipe of a call with an empty input or output (``a``, ``b`` after the 'valid'
    swap); None when it must be computed (convolve2d extending an empty ``in1`` by a
    nonzero fillvalue).

    An output with no products is an empty sum, 0: 'valid' with an empty smaller input
    gives zeros of shape ``n - k + 1`` (scipy.signal's N-D convolve and convolve2d do too;
    its 1-D convolve raises, through numpy.convolve), 'same' with an empty ``in1`` gives
    its empty shape. 'full' of an empty input, and 'same' with an empty ``in2``, have no
    meaningful shape: ValueError, as in scipy.signal.
    """
    two_d = function in ("convolve2d", "correlate2d")
    plan = Plan("direct", 0, None, 1, rule.result, rule.exact)
    second = a if swapped else b  # in2, wherever the 'valid' swap put it
    undefined = mode == "full" or (mode == "same" and _size(second) == 0)
    if not two_d and _size(a) * _size(b) == 0 and undefined:
        raise ValueError(
            f"{function}: an empty input has no mode={mode!r} result; got "
            f"in1.shape={tuple((b if swapped else a).shape)}, in2.shape={tuple(second.shape)} "
            f"(scipy.signal raises an error here too; mode='valid' gives the empty sums, 0, "
            "and mode='same' an empty in1)"
        )
    if two_d and _size(a) == 0 and _size(b) > 0 and min(out_shape) > 0:
        if boundary != "fill":
            raise ValueError(
                f"{function}: boundary={boundary!r} cannot extend an empty in1 (shape "
                f"{tuple(a.shape)}); use boundary='fill'"
            )
        if fillvalue != 0:
            return None  # every output reads only fill values: computed as usual
    return _empty_recipe(function, xp, a, b, plan, rule, out_shape)


def _batch(recipe: Recipe) -> int:
    """Product of the output lengths along axes that are not convolved (broadcast axes)."""
    return math.prod(length for ax, (_, length) in enumerate(recipe.region) if ax not in recipe.axes)


def estimate_costs(recipe: Recipe, allowed: list[str]) -> dict[str, float]:
    """Modelled seconds of each allowed method for this recipe."""
    xp = recipe.xp
    outputs = math.prod(length for _, length in recipe.region)
    complex_data = recipe.rule.compute.kind == "c"
    costs: dict[str, float] = {}
    if "direct" in allowed:
        kernel_shape = recipe.b.shape if _size(recipe.b) <= _size(recipe.a) else recipe.a.shape
        extended = recipe.boundary != "fill" or recipe.fillvalue != 0
        blas = blas_allowed(recipe)
        if backends.is_numpy(xp) and (recipe.a.ndim == 1 or recipe.finite or extended):
            # NumPy's engines (the generic one runs where a NaN or Inf must stay local)
            lengths = tuple(length for _, length in recipe.region)
            costs["direct"] = numpy_direct_cost(
                kernel_shape, lengths, recipe.factors, complex_data, blas, recipe.finite
            )
        else:
            taps = _direct.taps_cost(kernel_shape, recipe.factors)
            costs["direct"] = _choose.direct_cost(outputs, taps, False, blas, complex_data)
    batch = math.prod(
        max(recipe.a.shape[ax], recipe.b.shape[ax]) for ax in range(recipe.a.ndim) if ax not in recipe.axes
    )
    fft_shape = [recipe.fft_lengths[ax] for ax in recipe.axes]
    transforms = _transform_costs(batch, fft_shape, recipe.axes, recipe.blocks, complex_data)
    costs.update((method, cost) for method, cost in transforms.items() if method in allowed)
    return costs


def numpy_direct_cost(
    kernel_shape: tuple[int, ...],
    lengths: tuple[int, ...],
    factors: Any,
    complex_data: bool,
    blas: bool,
    finite: bool = True,
) -> float:
    """Modelled seconds of NumPy's direct engines for an output of ``lengths`` with a
    kernel of ``kernel_shape`` (separable ``factors``, or None): numpy.correlate or BLAS
    rows in 1-D (``blas``: :func:`blas_allowed`), else the one-slab correlations of
    :func:`convalg.signal._direct_numpy.one_slab_work` (the spread kernel only where the
    data is ``finite``), or tap by tap. The planner (:func:`estimate_costs`) and the
    small-call fast paths price a call with it alike."""
    taps = _direct.taps_cost(kernel_shape, factors)
    outputs = math.prod(lengths)
    if len(lengths) == 1:
        return _choose.direct_cost(outputs, taps, True, blas, complex_data)
    slab_work = None if factors is not None else _direct_numpy.one_slab_work(kernel_shape, lengths, finite)
    return _choose.direct_cost(outputs, taps, False, complex_data=complex_data, slab_work=slab_work)


def _transform_costs(
    batch: int, fft_shape: list[int], axes: tuple[int, ...], blocks: dict, complex_data: bool
) -> dict[str, float]:
    """Modelled seconds of 'fft' (transforms of ``fft_shape`` along ``axes``) and, where
    ``blocks`` block an axis, of 'oa', for ``batch`` signals."""
    costs = {"fft": _choose.fft_cost(batch, fft_shape, complex_data)}
    if blocks:
        counts = [blocks[ax].count for ax in blocks]
        shape = [blocks[ax].fft_length if ax in blocks else length for ax, length in zip(axes, fft_shape)]
        costs["oa"] = _choose.oa_cost(batch, counts, shape, complex_data)
    return costs


def blas_allowed(recipe: Recipe) -> bool:
    """Whether the direct method may use BLAS: finite floating data, or exact integers whose
    sums run in float64 (``recipe.float_exact``: every product and partial sum is an exact
    integer whatever the order, the band's zeros included), with no boundary extension."""
    floating = recipe.rule.compute.kind in "fc" or recipe.float_exact
    return recipe.finite and floating and recipe.boundary == "fill" and recipe.fillvalue == 0


#: Integers below this are exact in float64, and so is every sum of products that stays below it.
FLOAT_EXACT_BOUND = 1 << 53


def floats_are_exact(compute: np.dtype, terms: int, largest_a: int, largest_b: int) -> bool:
    """Whether exact int64 direct sums of ``terms`` products of integers at most
    ``largest_a`` and ``largest_b`` in magnitude may run in float64: every product and
    every partial sum is then an integer below 2**53, exact in float64 whatever the order
    of summation, so the float result converts back to the same int64 values (and the
    float engines are 2-3x faster than NumPy's integer loops).

    Examples
    --------
    >>> floats_are_exact(np.dtype(np.int64), 49, 255, 255), floats_are_exact(np.dtype(np.int64), 1000, 2**31, 2**31)
    (True, False)
    """
    return compute == np.int64 and terms * largest_a * largest_b < FLOAT_EXACT_BOUND


def _spread_pays(recipe: Recipe) -> bool:
    """Whether NumPy's direct engine computes this small finite N-D call as one correlation
    (:func:`convalg.signal._direct_numpy.spread_pays`): cheaper than separable passes, so the
    kernel is not factored (and the small-call fast path, which computes the same, need not
    factor it either)."""
    if recipe.a.ndim < 2 or not backends.is_numpy(recipe.xp):
        return False
    kernel = recipe.b if _size(recipe.b) <= _size(recipe.a) else recipe.a
    return _direct_numpy.spread_pays(kernel.shape, tuple(length for _, length in recipe.region))


def _separable(recipe: Recipe) -> list | None:
    """Separable factors (in xp) of the tap input, when it is small and exactly rank one."""
    factors = separable_factors(recipe.a, recipe.b, recipe.rule.compute)
    if factors is None:
        return None
    # converted on the host (integer factors are Python ints), then moved next to the input,
    # in the dtype the direct method computes in (exact integer factors: exact in float64)
    compute = np.dtype(np.float64) if recipe.float_exact else recipe.rule.compute
    return [None if f is None else backends.from_numpy(recipe.xp, f.astype(compute), device(recipe.a)) for f in factors]


def separable_factors(a: Any, b: Any, compute: np.dtype) -> tuple | None:
    """The 1-D factors (NumPy arrays) by which the direct method runs a call on ``a`` and
    ``b`` as separable passes: those of the tap input (the smaller) where it has at most
    4096 elements, two axes longer than 1, rank one exactly, and factors that ``compute``
    holds; else None."""
    if a.ndim < 2:
        return None
    kernel = b if _size(b) <= _size(a) else a
    if _size(kernel) > 4096 or sum(1 for k in kernel.shape if k > 1) < 2:
        return None
    host = backends.to_numpy(kernel)
    factors = _separable_factors(host.dtype, host.shape, host.tobytes())
    if factors is None:
        return None
    if compute.kind in "iu":
        info = np.iinfo(compute)
        if any(f is not None and not all(info.min <= int(v) <= info.max for v in f) for f in factors):
            return None  # a factor such as 2**63 of an int64 kernel: not in the computing dtype
    return factors


@functools.lru_cache(maxsize=64)
def _separable_factors(dtype: np.dtype, shape: tuple[int, ...], data: bytes) -> tuple | None:
    """:func:`_direct.separable_factors` of a kernel given by its bytes (at most 4096
    elements), remembered: a filter applied in a loop is factored once. The factors are
    read-only, so no caller can change what the next call gets."""
    factors = _direct.separable_factors(np.frombuffer(data, dtype=dtype).reshape(shape))
    if factors is None:
        return None
    for f in factors:
        if f is not None:
            f.flags.writeable = False
    return tuple(factors)


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
            recipe.blocks[ax].fft_length if ax in recipe.blocks else recipe.fft_lengths[ax] for ax in recipe.axes
        )
    return None


def _certify_integers(
    recipe: Recipe, method: str, rounds: int | None = None, attempt: _exact_fft.Attempt | None = None
) -> bool:
    """Whether a float64 transform by ``method`` provably rounds to the exact integer result.

    On success the certified spectra are kept in ``recipe.exact_transform`` (the execution
    reuses them) and the plan reports the certificate (:mod:`convalg.signal._exact_fft`).
    ``rounds`` and ``attempt`` are :func:`_exact_fft.certify`'s (default: every round, anew).
    """
    if (method == "oa" and not recipe.blocks) or not recipe.axes:
        return False  # (no convolved axis: the direct product is exact and cheapest)
    recipe.exact_transform = _exact_fft.certify(
        recipe.xp,
        recipe.a,
        recipe.b,
        recipe.axes,
        recipe.fft_lengths,
        recipe.blocks,
        recipe.region,
        method,
        recipe.largest,
        _exact_fft.ROUNDS if rounds is None else rounds,
        attempt,
    )
    return recipe.exact_transform is not None


def _check_memory(recipe: Recipe, method: str, out_shape: tuple[int, ...]) -> None:
    result_bytes = memory.size(out_shape) * max(recipe.rule.result.itemsize, 1)
    compute = recipe.rule.compute
    item = compute.itemsize if compute.kind != "O" else 8
    batch = math.prod(
        max(recipe.a.shape[ax], recipe.b.shape[ax]) for ax in range(recipe.a.ndim) if ax not in recipe.axes
    )
    window = math.prod(length + recipe.b.shape[ax] - 1 for ax, (_, length) in enumerate(recipe.region))
    if method == "direct":
        workspace = (2 * memory.size(out_shape) + window) * item
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
    if recipe.exact_transform is not None:
        workspace = 0  # certified before: _exact_fft checked its limbs, spectra and results
    # the inputs converted to the computing dtype (copies, also of zero-stride views)
    engine_dtype = np.dtype(np.float64) if recipe.rule.exact and method != "direct" else compute
    for x in (recipe.a, recipe.b):
        if _dtypes.numpy_dtype(x.dtype) != engine_dtype or recipe.moduli:
            workspace += _size(x) * item
    if recipe.moduli:  # the residues: a reduced window and an int64 sum
        workspace += 2 * (window + memory.size(out_shape)) * 8
    memory.check_memory(
        result_bytes + workspace,
        lambda: (
            f"{recipe.function} with method={method!r} (result "
            f"{'x'.join(str(n) for n in out_shape)}, {recipe.rule.result})"
        ),
    )
