"""Exact integer convolution by float64 FFT, with an a-posteriori certificate.

An integer convolution may go through a float64 transform when every output of the
transform is provably within 1/2 of the exact integer: rounding then recovers it. The
proof is :func:`convalg.errorbounds.fft_spectral`, evaluated on the spectra actually
computed (the theorem is in docs/exact-integers.md). Three exact rewritings make it hold
for typical data, and everything is arithmetic modulo ``2**64`` (int64 with wrap-around),
so the final result is exact whenever it fits the result dtype, which range analysis
(:mod:`convalg.signal._ranges`) has established before this module is used:

* **Centring**: ``a = a' + m`` with an integer ``m`` near the mean, so the spectrum loses
  its DC peak (``sum a``, the whole 1-norm for non-negative data such as images).
  ``a * b = a' * b' + m_b box(a, B) + m_a box(b', A)``, where ``box(x, K)`` sums ``x`` over
  windows of the other input's shape: prefix sums, exact in integers.
* **Limbs**: ``x = sum_i x_i 2**(s i)`` with balanced digits ``|x_i| <= 2**(s - 1)``; the
  products of limbs with the same weight share one inverse transform, and the limb
  results (rounded to int64) are recombined exactly. More limbs make each bound smaller.
* **Blocks** (overlap-add): the bound is taken per block, from that block's norm and
  spectrum, and the rounded block results are added in integers. Under 'auto' integers
  are blocked also where floats are not (:func:`_overlap_add.exact_blocks`).

The certificate is computed from the forward transforms, which the execution reuses; if
it fails, the operand whose limbs carry more bits is split further and only its
transforms are recomputed.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

from convalg import backends, errorbounds
from convalg._runtime import memory, scratch
from convalg._runtime.devices import device
from convalg._runtime.parallel import parallel_map, pool, workers
from convalg.signal import _dtypes, _fft, _overlap_add
from convalg.signal._overlap_add import AxisBlocks

#: Rounding recovers an integer from a value within this distance of it.
HALF = 0.5
#: Limb results are converted to int64: their exact magnitude must stay below this.
_INT64_SAFE = 2.0**62
#: Largest magnitude a float64 holds exactly as an integer.
_FLOAT_EXACT = 2**53
#: Splitting rounds: a failed certificate splits further at most this often.
ROUNDS = 6
#: Spectrum points from which the centring terms are summed on an idle core while the
#: inverse transforms run; below, the hand-over costs more than it saves.
_CENTRING_ASIDE = 1 << 16
#: Prefix sums along an outer axis of at most this many entries, whose slices have at
#: least ``_SLICED_WIDTH`` entries, are summed slice by slice (:func:`_prefix_sums`).
_SLICED_SUMS = 4096
_SLICED_WIDTH = 256
#: The narrowest limb (balanced digits of one bit cannot represent every integer).
_MIN_LIMB_BITS = 2
#: Transformed limbs a certified transform keeps for its inverse transforms' outputs: fresh
#: memory costs a page fault per page on first touch (measured on the 2-core VM: about 2 us
#: per 4 KiB page, as much as the transforms themselves at 1e5 points).
_SPARE = 2
#: Seconds a certified transform takes beyond its transforms (:func:`cost_factor`): the
#: operands, the spectral peaks, the bound, the rounding and the recombination. Measured:
#: int64 against float64 inputs of the same transform, 300 x 300 to 8000 x 1000, 55-75 us.
CERTIFY_CALL = 6e-5


@dataclass(frozen=True)
class Certificate:
    """Why an integer result computed by a float64 transform is exact.

    Attributes
    ----------
    method : {'fft', 'oa'}
        The transform method.
    bound : float
        The largest error any transformed output can have before rounding (below 1/2).
    limbs : tuple of int
        How many limbs each input (after the 'valid' swap) was split into (1: unsplit).
    limb_bits : tuple of int
        The bits per limb of each input.
    centres : tuple of int
        The integers subtracted from each input before the transform (0: not centred).
    reason : str
        The theorem applied, in words.
    """

    method: str
    bound: float
    limbs: tuple[int, int]
    limb_bits: tuple[int, int]
    centres: tuple[int, int]
    reason: str


@dataclass
class _Operand:
    """One input's limbs and their spectra (internal)."""

    source: Any  # the input: int64 (uint64 wrapped modulo 2**64), or a narrower integer dtype as given
    exact_floats: bool  # whether the centred input is below 2**52 (exact in float64)
    centre: int
    largest: int  # max |source - centre|
    limb_bits: int = 0
    spectra: list = field(default_factory=list)  # one per limb (blocked for the long input of 'oa')
    norms: list = field(default_factory=list)  # per limb (of its largest block)
    peaks: list = field(default_factory=list)
    limbs: list = field(default_factory=list)  # the transformed limbs while their norms are estimates
    keep: tuple[int, ...] = ()  # the block-count axes of the limbs

    @property
    def bits(self) -> int:
        """The bit length of max |source - centre|."""
        return self.largest.bit_length()

    def values(self, xp: ModuleType) -> Any:
        """The centred input as int64 (modulo 2**64)."""
        source = _as_int64(xp, self.source)
        if not self.centre:
            return source
        return source - xp.asarray(self.centre, dtype=xp.int64, device=device(source))


@dataclass
class Transform:
    """A certified transform ready to execute: spectra, layout and certificate (internal)."""

    xp: ModuleType
    a: Any
    b: Any
    axes: tuple[int, ...]
    shape: tuple[int, ...]  # transform lengths along ``axes`` (of one block for 'oa')
    region: tuple[tuple[int, int], ...]
    blocks: dict[int, AxisBlocks]
    operands: tuple[_Operand, _Operand]
    certificate: Certificate
    largest: float = _INT64_SAFE  # a bound on every exact limb result (Cauchy-Schwarz)
    executed: bool = False  # execute multiplies the spectra in place: once only
    spare: list = field(default_factory=list)  # transformed limbs (NumPy), free for inverse outputs


@dataclass
class Attempt:
    """Where a certification that has not succeeded yet stopped, to go on from (internal)."""

    operands: tuple[_Operand, _Operand] | None = None
    changed: list[int] = field(default_factory=lambda: [0, 1])  # the operands to split next
    rounds: int = 0  # splitting rounds done
    final: bool = False  # more rounds will not give a certificate


def release(attempt: Attempt) -> None:
    """Drop the spectra of an attempt that did not certify unless twice their size fits in
    memory (the memory guard counted them for their own method only); it then starts anew
    if resumed. A final attempt drops them in any case."""
    if attempt.operands is None:
        return
    held = sum(math.prod(s.shape) * 16 for operand in attempt.operands for s in operand.spectra)
    if attempt.final or not memory.fits(2 * held):
        attempt.operands, attempt.changed, attempt.rounds = None, [0, 1], 0


def certify(
    xp: ModuleType,
    a: Any,
    b: Any,
    axes: tuple[int, ...],
    fft_lengths: dict[int, int],
    blocks: dict[int, AxisBlocks],
    region: tuple[tuple[int, int], ...],
    method: str,
    known: tuple[int, int] = (-1, -1),
    rounds: int = ROUNDS,
    attempt: Attempt | None = None,
    limb_bits: tuple[int, int] | None = None,
) -> Transform | None:
    """The certified transform of ``a * b`` by ``method``, or None when none was found
    within ``rounds`` splitting rounds in all and the memory limit (the caller computes
    directly).

    ``a`` and ``b`` are integer (or boolean) arrays whose exact result fits int64 or
    uint64; ``blocks`` is empty for 'fft'. ``known`` may give ``max|a|`` and ``max|b|``
    where range analysis knows them (-1: not known), which saves passes over the data.
    An ``attempt`` that stopped after fewer rounds goes on where it stopped (its limbs and
    spectra are kept), and records where this one stops. ``limb_bits`` gives the limb
    widths to start a fresh attempt from (those certified before for a call like this one;
    default: the widest limbs float64 holds).
    """
    attempt = Attempt() if attempt is None else attempt
    if attempt.final:
        return None
    blocks = blocks if method == "oa" else {}
    shape = tuple(blocks[ax].fft_length if ax in blocks else fft_lengths[ax] for ax in axes)
    if attempt.operands is None:
        centre = _centring_may_pay(math.prod(a.shape), math.prod(b.shape), known, shape)
        attempt.operands = (_operand(xp, a, known[0], centre), _operand(xp, b, known[1], centre))
        for operand, start in zip(attempt.operands, limb_bits or (64, 64)):
            widest = operand.bits if operand.bits <= 52 else math.ceil(operand.bits / math.ceil(operand.bits / 52))
            operand.limb_bits = widest if start >= widest else max(start, _MIN_LIMB_BITS)
    operands, changed = attempt.operands, attempt.changed
    attempt.final = True  # until a round ends with more to try
    while attempt.rounds < min(rounds, ROUNDS):
        attempt.rounds += 1
        if not _fits_in_memory(xp, operands, axes, shape, blocks, region):
            return None
        _split(xp, [(operands[i], i + 1) for i in changed], axes, shape, blocks)
        bound, largest = _bound(operands, shape)
        if not (bound < HALF and largest < _INT64_SAFE) and _measure_norms(xp, operands):
            bound, largest = _bound(operands, shape)  # the same theorem with the limbs' own norms
        # the transformed limbs are free now: execute may write inverse transforms into them
        spare = [limb for operand in operands for limb in operand.limbs if isinstance(limb, np.ndarray)][:_SPARE]
        for operand in operands:
            operand.limbs = []  # (their norms, estimated or measured, are kept)
        if bound < HALF and largest < _INT64_SAFE:
            certificate = Certificate(
                method=method,
                bound=bound,
                limbs=(len(operands[0].spectra), len(operands[1].spectra)),
                limb_bits=(operands[0].limb_bits, operands[1].limb_bits),
                centres=(operands[0].centre, operands[1].centre),
                reason=(
                    "a-posteriori float64 FFT bound from the computed spectra (errorbounds.fft_spectral) "
                    f"{bound:.3g} < 1/2 for every output{' of every block' if blocks else ''}: rounding "
                    "gives the exact integers; centring and limbs recombined exactly modulo 2**64"
                ),
            )
            return Transform(xp, a, b, axes, shape, region, blocks, operands, certificate, largest, spare=spare)
        # the bound scales about as 2**(bits_a + bits_b): take the bits it is too large by
        # off the limbs, keeping at least 2 bits (balanced digits of 1 bit cannot represent
        # every integer)
        ratio = max(bound / (HALF / 2), largest / _INT64_SAFE)
        if not math.isfinite(ratio) or [op.limb_bits for op in operands] == [_MIN_LIMB_BITS] * 2:
            return None
        widths = _narrower(operands, max(math.ceil(math.log2(ratio)) + 1, 1))
        changed = [i for i in (0, 1) if widths[i] != operands[i].limb_bits]
        if not changed:
            return None
        for i in changed:
            operands[i].limb_bits = widths[i]
        attempt.changed = changed
    attempt.final = attempt.rounds >= ROUNDS
    return None


def _narrower(operands: tuple[_Operand, _Operand], excess: int) -> list[int]:
    """Limb widths ``excess`` bits narrower in all, the split that costs fewest transform
    points: all off one input (the short one of 'oa' has one block to transform, the long
    one every block), or alternately off the wider limbs of both."""
    sizes = [math.prod(op.spectra[0].shape) for op in operands]

    def take(widths: list[int], order: list[int]) -> list[int]:
        widths = list(widths)
        for _ in range(excess):
            for i in order or ([0, 1] if widths[0] >= widths[1] else [1, 0]):  # []: the wider first
                if widths[i] > _MIN_LIMB_BITS:
                    widths[i] -= 1
                    break
        return widths

    def points(widths: list[int]) -> int:
        counts = [max(1, -(-op.bits // w)) for op, w in zip(operands, widths)]
        weights = {i * widths[0] + j * widths[1] for i in range(counts[0]) for j in range(counts[1])}
        return counts[0] * sizes[0] + counts[1] * sizes[1] + len(weights) * max(sizes)

    start = [op.limb_bits for op in operands]
    return min((take(start, order) for order in ([], [0, 1], [1, 0])), key=points)


def cost_factor(certificate: Certificate | None, one_line: bool, cores: int) -> float:
    """The modelled cost of a certified transform over that of one plain FFT convolution
    (three transforms): every limb's forward transform, one inverse per weight, and about
    a fifth more for the spectral peaks, the rounding and the integer recombination.
    ``certificate`` None gives the least factor, that of one limb per input.

    A transform of ``one_line`` (1-D 'fft', no batch) runs on one core: the forward
    transforms go side by side on the idle ``cores``, but each inverse runs alone, while
    the lines of a batch (the blocks of 'oa') share every idle core. Its cost is scaled by
    how much longer that takes than the same transforms on every idle core.
    """
    first, second = certificate.limbs if certificate is not None else (1, 1)
    bits = certificate.limb_bits if certificate is not None else (1, 1)
    weights = len({i * bits[0] + j * bits[1] for i in range(first) for j in range(second)})
    return _limbs_factor(first, second, weights, one_line, cores)


def split_factor(one_line: bool, cores: int) -> float:
    """:func:`cost_factor` of the least split, one input in two limbs: what a transform
    whose certificate failed without limbs costs at least once certified."""
    return _limbs_factor(2, 1, 2, one_line, cores)


def _limbs_factor(first: int, second: int, weights: int, one_line: bool, cores: int) -> float:
    factor = 1.2 * (first + second + weights) / 3
    if one_line and cores > 1:
        alone = -(-(first + second) // cores) + weights
        factor *= alone / ((first + second + weights) / cores)
    return factor


#: Entries :func:`likely_excess` reads of each input, evenly spaced.
_SAMPLE = 4096


def likely_excess(xp: ModuleType, a: Any, b: Any, shape: tuple[int, ...], blocks: dict[int, AxisBlocks]) -> float:
    """A guess, before any transform, of the certificate's bound over 1/2 without limbs for
    transforms of ``shape`` (one block's, ``blocks`` as in :func:`certify`): a speed rule
    only, which lets the planner skip a transform that would not be certified without limbs
    (the certificate itself is always computed from the data).

    Each input's norm is guessed from the spread of at most :data:`_SAMPLE` evenly spaced
    entries (about its mean: centring may remove that) times the square root of a block's
    entries; each spectral peak as the norm times ``sqrt(ln(N / 2) + 1)``, about the
    largest of ``N / 2`` spectral values of data without structure. Data with structure
    has larger peaks, so the guess errs low: towards trying the transform.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> a = rng.integers(-(2**15), 2**15, (512, 512))
    >>> b = rng.integers(-(2**15), 2**15, (31, 31))
    >>> likely_excess(np, a, b, (576, 576), {}) > 1  # one whole transform needs limbs
    True
    """
    points = math.prod(shape)
    peak_factor = math.sqrt(math.log(max(points, 2) / 2) + 1)
    norms = []
    for long, x in ((1, a), (2, b)):
        flat = x.reshape(-1) if isinstance(x, np.ndarray) else xp.reshape(x, (-1,))
        sample = flat[:: max(1, math.prod(x.shape) // _SAMPLE)]
        if isinstance(sample, np.ndarray):  # (NumPy's own calls: a few microseconds less)
            sample = sample.astype(np.float64)
            mean, mean_square = float(sample.mean()), float(np.dot(sample, sample)) / sample.size
        else:
            sample = xp.astype(sample, xp.float64)
            mean, mean_square = float(xp.mean(sample)), float(xp.mean(sample * sample))
        variance = max(mean_square - mean * mean, 0.0)  # (about the mean: a guess, not a bound)
        norms.append(math.sqrt(variance) * _norm_estimate(x.shape, blocks, long, 1))
    peaks = [norm * peak_factor for norm in norms]
    bound = errorbounds.fft_spectral([norms[0]], [peaks[0]], [norms[1]], [peaks[1]], fft_shape=shape)
    return float(bound) / HALF


@functools.lru_cache(maxsize=256)  # a loop of calls asks about the same sizes and extremes
def _centring_may_pay(size_a: int, size_b: int, known: tuple[int, int], shape: tuple[int, ...]) -> bool:
    """Whether centring the inputs may be needed for a certificate without limbs: unless
    the bound of the inputs as they are (:func:`convalg.errorbounds.fft_spectral`), from
    their sizes and largest magnitudes alone (``||x||_2 <= sqrt(n) max|x|``, spectra at
    most ``n max|x|``), stays below 1/2 (uint8 3000 x 3000: about 0.1). A speed rule only,
    like the centring rule itself: the certificate is worked out from the data either way.
    Unknown magnitudes (-1) leave it to the centring rule."""
    if known[0] < 0 or known[1] < 0 or max(known) >= 2**52:
        return True
    norms = (math.sqrt(size_a) * known[0], math.sqrt(size_b) * known[1])
    peaks = (float(size_a * known[0]), float(size_b * known[1]))
    bound = errorbounds.fft_spectral([norms[0]], [peaks[0]], [norms[1]], [peaks[1]], fft_shape=shape)
    return not float(bound) < HALF


def _operand(xp: ModuleType, x: Any, known: int = -1, centre: bool = True) -> _Operand:
    """``x`` as int64, centred by an integer near its mean when that shrinks its spectrum
    (and ``centre`` allows it).

    Only inputs below ``2**52`` in magnitude are centred (their float64 copy, centred, is
    exact); larger ones are split into limbs anyway. ``known`` is ``max|x|`` when range
    analysis has it (-1 otherwise, or when ``x`` is unsigned 64-bit and so wraps here).
    """
    numpy = isinstance(x, np.ndarray)  # NumPy's own methods: a few microseconds less per call
    # narrower integers stay as they are: every int64 reader widens them (no copy of the input
    # where none is needed: fresh memory costs a page fault a page); uint64 wraps here
    source = x if (x.dtype if numpy else _dtypes.numpy_dtype(x.dtype)) in _NARROW else _as_int64(xp, x)
    bounds = _extremes(xp, source) if known < 0 or known >= 2**63 else None  # (max, min), when taken
    if bounds is not None:
        known = max(abs(bounds[0]), abs(bounds[1]))
    if known >= 2**52:
        return _Operand(source, False, 0, known)
    if not centre:
        return _Operand(source, True, 0, known)
    n = math.prod(x.shape)
    if n * known < 2**63:  # the exact sum in int64: cheaper than one in float64
        mean = int(source.sum() if numpy else xp.sum(source)) / n
    else:
        mean = float(source.sum(dtype=np.float64) if numpy else xp.sum(source, dtype=xp.float64)) / n
    # the DC coefficient n |mean| against the others' typical size, sqrt(n) times the
    # spread (a quarter of the range): the choice only affects speed, never exactness.
    # Whatever the extremes, the half range is at least (max|x| - |mean|) / 2: below that
    # there is no centring, and the extremes are not needed.
    if round(mean) == 0 or abs(mean) * math.sqrt(n) <= (known - abs(mean)) / 2:
        return _Operand(source, True, 0, known)
    top, bottom = bounds if bounds is not None else _extremes(xp, source)
    if abs(mean) * math.sqrt(n) <= (top - bottom) / 2:
        return _Operand(source, True, 0, known)
    centre = round(mean)
    return _Operand(source, True, centre, max(abs(top - centre), abs(bottom - centre)))


#: Integer dtypes every int64 reader widens exactly: their inputs are not copied as int64.
_NARROW = frozenset(np.dtype(t) for t in (np.int8, np.int16, np.int32, np.uint8, np.uint16, np.uint32))


def _as_int64(xp: ModuleType, x: Any) -> Any:
    """``x`` as int64 (uint64 wraps modulo 2**64); no copy if it is one."""
    if isinstance(x, np.ndarray):
        return x.astype(np.int64, copy=False)
    return xp.astype(x, xp.int64, copy=False)


def _extremes(xp: ModuleType, x: Any) -> tuple[int, int]:
    """``(max(x), min(x))`` as Python ints."""
    if isinstance(x, np.ndarray):
        return int(x.max()), int(x.min())
    return int(xp.max(x)), int(xp.min(x))


def _digits(xp: ModuleType, values: Any, bits: int, single: bool) -> list:
    """Balanced base-``2**bits`` digits of ``values`` (int64, modulo 2**64), lowest first."""
    if single:
        return [values]
    half = xp.asarray(1 << (bits - 1), dtype=xp.int64, device=device(values))
    mask = xp.asarray((1 << bits) - 1, dtype=xp.int64, device=device(values))
    digits = []
    rest = values
    # |rest| shrinks by 2**bits (less the digit) each step: zero within 64 // (bits - 1) + 2
    for _ in range(64 // (bits - 1) + 2):
        digit = xp.bitwise_and(rest + half, mask) - half
        digits.append(digit)
        rest = xp.bitwise_right_shift(rest - digit, xp.asarray(bits, dtype=xp.int64, device=device(values)))
        if not bool(xp.any(rest != 0)):
            return digits
    raise RuntimeError(f"balanced base-2**{bits} digits did not terminate")  # unreachable for bits >= 2


def _split(xp: ModuleType, operands: list[tuple[_Operand, int]], axes, shape, blocks: dict[int, AxisBlocks]) -> None:
    """Recompute the limbs of ``operands`` (``(operand, long)`` pairs: ``long`` is 1 or 2,
    as in :class:`AxisBlocks`), their spectra, norms and spectral peaks.

    Each limb is written once, as float64, into the zero-padded (and for the long input of
    'oa', blocked) array the transform reads; its norm is taken there, before the transform.
    """
    lengths = dict(zip(axes, shape))
    jobs = []
    for operand, long in operands:
        # a short input (a kernel) is padded along its last transformed axis only: its rows
        # of zeros would transform to zeros (:func:`_fft.padded_transforms` pads the spectrum instead)
        compact = _compact(xp, operand.source.shape, axes, shape, blocks)
        single = operand.bits <= operand.limb_bits
        if single and operand.exact_floats:
            sources = [(operand.source, operand.centre)]  # centred while converted
        else:
            sources = [(d, 0) for d in _digits(xp, operand.values(xp), operand.limb_bits, single)]
        if single:
            operand.limb_bits = max(operand.bits, 1)
        padding = {axes[-1]: shape[-1]} if compact else lengths
        limbs = [
            _overlap_add.padded(xp, values, padding, blocks, long, xp.float64, offset) for values, offset in sources
        ]
        # First estimated, without a pass over the data: ||x||_2 <= sqrt(entries) max|x| per
        # block; the certificate measures them (_measure_norms) only if that does not suffice
        top = operand.largest if single else 1 << (operand.limb_bits - 1)  # balanced digits
        operand.norms = [_norm_estimate(operand.source.shape, blocks, long, top)] * len(limbs)
        operand.limbs, operand.keep = limbs, _count_axes(blocks, long)
        jobs += limbs
    forward, _ = _fft.padded_transforms(xp, shape, _overlap_add.transform_axes(axes, blocks), math.prod(jobs[0].shape))
    if backends.is_numpy(xp) and len(jobs) > 1 and not blocks and workers() > 1 and shape[-1] >= _fft.PARALLEL_LENGTH:
        spectra = iter(parallel_map(forward, jobs))  # 1-D transforms use one core each
    else:
        spectra = iter([forward(x) for x in jobs])  # blocks: the batched transform uses the cores
    for operand, _ in operands:
        operand.spectra = [next(spectra) for _ in operand.norms]
        operand.peaks = [_peak(xp, s) for s in operand.spectra]


def _compact(xp: ModuleType, size: tuple[int, ...], axes, shape, blocks: dict[int, AxisBlocks]) -> bool:
    """Whether an input of ``size`` is transformed from its rows along the last transformed
    axis alone (one whole NumPy transform of two or more axes, the input at most half the
    transform along the others): the other axes' rows of zeros transform to zeros, so
    :func:`_fft.padded_transforms`' forward transform pads the rows' spectra instead, a fraction of
    the work and memory (a 15 x 15 kernel of a 270 x 270 transform: 15 rows, not 270)."""
    if blocks or len(axes) < 2 or not backends.is_numpy(xp) or _fft._pocketfft is None:
        return False
    return 2 * math.prod(size[ax] for ax in axes[:-1]) <= math.prod(shape[:-1])


def _count_axes(blocks: dict[int, AxisBlocks], long: int) -> tuple[int, ...]:
    """Positions (after cutting) of the block-count axes of the input that is ``long``."""
    return _count_positions(tuple(blocks.items()), long)


@functools.lru_cache(maxsize=256)
def _count_positions(blocks: tuple[tuple[int, AxisBlocks], ...], long: int) -> tuple[int, ...]:
    return tuple(axis + sum(1 for other, _ in blocks if other < axis) for axis, plan in blocks if plan.long == long)


def _per_block(xp: ModuleType, x: Any, keep: tuple[int, ...], reduce) -> float:
    """The largest over blocks of ``reduce`` over each block (the axes not in ``keep``)."""
    if not keep:
        return float(reduce(x))
    per_block = reduce(x, axis=tuple(ax for ax in range(x.ndim) if ax not in keep))
    return float(xp.max(per_block))


def _norm_estimate(shape: tuple[int, ...], blocks: dict[int, AxisBlocks], long: int, top: int) -> float:
    """``sqrt(entries) * top``, rounded up: at least the 2-norm of any block of an input of
    ``shape`` (``long`` as in :class:`AxisBlocks`) whose entries are at most ``top`` in magnitude."""
    entries = _block_entries(tuple(shape), tuple(blocks.items()), long)
    return math.sqrt(entries) * top * (1 + 2.0**-50)  # top < 2**53: two roundings, each relative 2**-53


@functools.lru_cache(maxsize=256)
def _block_entries(shape: tuple[int, ...], blocks: tuple[tuple[int, AxisBlocks], ...], long: int) -> int:
    """The entries of one block of an input of ``shape`` (:func:`_norm_estimate`)."""
    cut = {ax: plan.block for ax, plan in blocks if plan.long == long}
    return math.prod(min(n, cut[ax]) if ax in cut else n for ax, n in enumerate(shape))


def _measure_norms(xp: ModuleType, operands: tuple[_Operand, _Operand]) -> bool:
    """Replace the estimated norms by the limbs' own (:func:`_norm`); False if none were estimates."""
    measured = False
    for operand in operands:
        if operand.limbs:
            operand.norms = [_norm(xp, limb, operand.keep) for limb in operand.limbs]
            operand.limbs = []
            measured = True
    return measured


def _norm(xp: ModuleType, limb: Any, keep: tuple[int, ...]) -> float:
    """``||limb||_2`` of the largest block, rounded up: a sum of squares of integers below
    2**53 in float64, in any order, errs by at most ``(n + 2) 2**-52`` relatively."""
    n = math.prod(limb.shape) // math.prod(limb.shape[ax] for ax in keep)
    if isinstance(limb, np.ndarray):
        # NumPy's own sum of products: no temporary, and no BLAS threads left spinning
        letters = "abcdefghijklmnopqrstuvwxyz"[: limb.ndim]
        kept = "".join(letters[ax] for ax in keep)
        squares = float(np.max(np.einsum(f"{letters},{letters}->{kept}", limb, limb)))
    elif not keep:
        squares = float(xp.sum(limb * limb))
    else:
        squares = _per_block(xp, limb * limb, keep, xp.sum)
    return math.sqrt(squares * (1 + (n + 2) * 2.0**-52)) * (1 + 2.0**-51)


def _peak(xp: ModuleType, spectrum: Any) -> float:
    """``max|spectrum|`` over every block (the bound takes the largest), rounded up: the
    modulus errs by at most one ulp."""
    if isinstance(spectrum, np.ndarray):
        return float(np.abs(spectrum).max()) * (1 + 2.0**-50)
    return float(xp.max(xp.abs(spectrum))) * (1 + 2.0**-50)


def _groups(first: _Operand, second: _Operand) -> tuple[tuple[int, tuple[tuple[int, int, bool, bool], ...]], ...]:
    """Limb pairs by the weight ``2**e`` of their product (:func:`_weights`)."""
    return _weights(len(first.spectra), first.limb_bits, len(second.spectra), second.limb_bits)


@functools.lru_cache(maxsize=256)  # a loop of calls splits alike
def _weights(
    first: int, first_bits: int, second: int, second_bits: int
) -> tuple[tuple[int, tuple[tuple[int, int, bool, bool], ...]], ...]:
    """The limb pairs ``(i, j)`` of ``first`` and ``second`` limbs by the weight ``2**e`` of
    their product, in increasing weight; each pair with whether it is the last product, in
    that order, to use limb ``i`` and limb ``j`` (its spectrum may then be overwritten;
    products of weight ``2**64`` and above, zero modulo ``2**64``, are no use)."""
    groups: dict[int, list[tuple[int, int]]] = {}
    for i in range(first):
        for j in range(second):
            groups.setdefault(i * first_bits + j * second_bits, []).append((i, j))
    ordered = sorted(groups.items())
    last: dict[tuple[int, int], tuple[int, int]] = {}  # the last pair to use each limb
    for weight, pairs in ordered:
        for i, j in pairs if weight < 64 else ():
            last[0, i] = last[1, j] = (i, j)
    return tuple(
        (weight, tuple((i, j, last.get((0, i)) == (i, j), last.get((1, j)) == (i, j)) for i, j in pairs))
        for weight, pairs in ordered
    )


def _bound(operands: tuple[_Operand, _Operand], shape) -> tuple[float, float]:
    """The certificate's bound (the worst group and block) and the largest exact limb
    result by Cauchy-Schwarz (``sum ||a_i||_2 ||b_j||_2``), which must fit int64."""
    first, second = operands
    worst, largest = 0.0, 0.0
    for _, pairs in _groups(first, second):
        value = errorbounds.fft_spectral(
            [first.norms[i] for i, *_ in pairs],
            [first.peaks[i] for i, *_ in pairs],
            [second.norms[j] for _, j, *_ in pairs],
            [second.peaks[j] for _, j, *_ in pairs],
            fft_shape=shape,
        )
        size = sum(first.norms[i] * second.norms[j] for i, j, *_ in pairs)
        worst = max(worst, float(value) if value.ndim == 0 else float(value.max()))  # (a 0-d max: ~2 us)
        largest = max(largest, size * (1 + 2.0**-40))
    return worst, largest


def _fits_in_memory(xp, operands, axes, shape, blocks, region) -> bool:
    """Whether the limbs, spectra and integer results of the next split fit (memory guard)."""
    points = math.prod(shape)
    counts = [max(1, math.ceil(max(op.bits, 1) / max(op.limb_bits, 1))) + 1 for op in operands]
    batch = 1
    for plan in blocks.values():
        batch = max(batch, plan.count)
    outputs = math.prod(length for _, length in region)
    workspace = (sum(counts) * batch * points * 2 + 2 * batch * points) * 8 + 4 * outputs * 8
    return memory.fits(workspace)


def execute(transform: Transform) -> Any:
    """The exact result (int64, modulo 2**64) of a certified transform, cropped to its region.

    Each transform's spectra are used once: a spectrum in a single product is overwritten
    by it, so a second execution is refused (it would multiply products again).
    """
    if transform.executed:
        raise RuntimeError("a certified transform runs once: its spectra are overwritten; prepare the call again")
    transform.executed = True
    xp = transform.xp
    first, second = transform.operands
    points = 2 * max(math.prod(s.shape) for s in first.spectra + second.spectra)  # (about: a worker count)
    along = _overlap_add.transform_axes(transform.axes, transform.blocks)
    _, inverse = _fft.padded_transforms(xp, transform.shape, along, points)
    corrections = None
    if (first.centre or second.centre) and backends.is_numpy(xp) and workers() > 1 and points >= _CENTRING_ASIDE:
        # the centring terms on an idle core while the inverse transforms run
        shape = tuple(length for _, length in transform.region)
        corrections = pool().submit(_centring_terms, xp, shape, transform)
    total = strips = None
    spare, free = list(transform.spare), None  # float64 arrays for inverse outputs; a complex one for products
    for weight, pairs in _groups(first, second):
        if weight >= 64:
            break  # (weights of 2**64 and above are zero modulo 2**64)
        spectrum = None
        for i, j, last_i, last_j in pairs:
            product = _fft.pooled_product(first.spectra[i], second.spectra[j], last_i, last_j, free)
            if spectrum is None:
                spectrum, free = product, None
            else:
                spectrum += product
        y = inverse(spectrum, _spare_for(spare, spectrum, along[-1], transform.shape[-1]))
        free = spectrum  # (a product's own memory, or a spectrum used up by this product)
        if _adds_into_strips(y, transform):
            add = strips is not None  # (the first weight writes the strips)
            if strips is None:
                strips = scratch.empty(_strips_shape(y, transform), np.int64)
            total = _add_rounded(y, transform, strips, weight, add=add)
            spare.append(y)
            continue
        part = _integers(xp, y, transform)
        if isinstance(y, np.ndarray) and not np.shares_memory(part, y):
            spare.append(y)
        if weight:
            part = _shifted(xp, part, weight)
        if total is None:
            total = part
        else:
            total += part
    if corrections is not None:
        total += corrections.result()
    else:
        _add_centring(xp, total, transform)
    return total


def _rounds_in_place(y: Any, transform: Transform) -> bool:
    """Whether an inverse transform ``y`` is rounded in its own memory (:func:`_round_in_place`):
    NumPy results whose exact limb results are below 2**50."""
    return isinstance(y, np.ndarray) and transform.largest < 2**50


def _adds_into_strips(y: Any, transform: Transform) -> bool:
    """Whether an inverse transform's integers are added straight into the blocks' strips
    (:func:`_add_rounded`): rounded in place, one blocked axis."""
    return _rounds_in_place(y, transform) and len(transform.blocks) == 1


def _blocked_axis(transform: Transform) -> tuple[int, AxisBlocks, int, int]:
    """The one blocked axis: its block-count position, plan, short and full lengths."""
    ((axis, plan),) = transform.blocks.items()
    short = min(transform.a.shape[axis], transform.b.shape[axis])
    return axis, plan, short, transform.a.shape[axis] + transform.b.shape[axis] - 1


def _strips_shape(y: np.ndarray, transform: Transform) -> tuple[int, ...]:
    axis, plan, short, _ = _blocked_axis(transform)
    return _overlap_add.strips_shape(y.shape, axis, plan, short)


def _add_rounded(y: np.ndarray, transform: Transform, strips: np.ndarray, weight: int, add: bool) -> np.ndarray:
    """Add ``y`` rounded (in place), times ``2**weight``, block by block into ``strips``
    (int64, modulo 2**64; the first weight, ``add`` False, writes them); the sum so far,
    cropped to the region (a view of ``strips``). Every weight adds into the same strips:
    no integer result per weight, no shifted copy."""
    rounded = _round_in_place(y)
    if weight:
        np.left_shift(rounded, weight, out=rounded)
    axis, plan, short, full = _blocked_axis(transform)
    merged = _overlap_add._add_blocks(np, rounded, axis, plan, short, full, out=strips, add=add)
    return merged[tuple(slice(start, start + length) for start, length in transform.region)]


def _spare_for(spare: list, spectrum: Any, axis: int, length: int) -> Any:
    """An array of ``spare`` (taken from it) with the shape of the real inverse transform of
    ``spectrum`` (whose last transformed axis, ``axis``, has ``length`` points), or None."""
    if not isinstance(spectrum, np.ndarray):
        return None
    shape = spectrum.shape[:axis] + (length,) + spectrum.shape[axis + 1 :]
    for index, array in enumerate(spare):
        if array.shape == shape and array.dtype == np.float64 and array.flags.c_contiguous:
            return spare.pop(index)
    return None


def _shifted(xp: ModuleType, part: Any, weight: int) -> Any:
    """``part * 2**weight`` (int64, modulo 2**64): in place for NumPy (``part`` is this call's own)."""
    if isinstance(part, np.ndarray):
        part <<= weight
        return part
    return xp.bitwise_left_shift(part, xp.asarray(weight, dtype=xp.int64, device=device(part)))


def _centring_terms(xp: ModuleType, shape: tuple[int, ...], transform: Transform) -> Any:
    terms = scratch.zeros_in(xp, shape, xp.int64, transform.a)
    _add_centring(xp, terms, transform)
    return terms


def _integers(xp: ModuleType, y: Any, transform: Transform) -> Any:
    """``y`` rounded to int64, its blocks added back (overlap-add), cropped to the region.

    NumPy results below 2**50 are rounded in place (:func:`_round_in_place`), then added in
    integers; otherwise the rounding is fused with the int64 conversion and with the first
    overlap-add (one ``rint`` writing int64): the float results are read once.
    """
    crop = tuple(slice(start, start + length) for start, length in transform.region)
    store = _rounding_store(xp)
    if _rounds_in_place(y, transform):
        y, store = _round_in_place(y), None  # (y is this call's own inverse transform)
    elif not transform.blocks:
        return _round(xp, y[crop])
    for axis in sorted(transform.blocks, reverse=True):
        plan = transform.blocks[axis]
        short = min(transform.a.shape[axis], transform.b.shape[axis])
        full = transform.a.shape[axis] + transform.b.shape[axis] - 1
        position = axis + sum(1 for other in transform.blocks if other < axis)  # its count axis
        y = _overlap_add._add_blocks(xp, y, position, plan, short, full, store=store, dtype=xp.int64)
        store = None  # integers from here on
    return y[crop]


#: Adding 1.5 * 2**52 to a float64 below 2**51 in magnitude gives a sum in [2**52, 2**53),
#: whose unit in the last place is 1: the addition rounds to the nearest integer (ties to
#: even, as ``rint``), and the sum's bits are those of 1.5 * 2**52 plus that integer.
_ROUNDER = 1.5 * 2.0**52
_ROUNDER_BITS = 0x4338000000000000


def _round_in_place(y: np.ndarray) -> np.ndarray:
    """``y`` (float64, each below 2**51 in magnitude) rounded to the nearest integers, as an
    int64 view of its own memory: two passes that convert nothing (``rint`` into int64 is
    a conversion, several times slower)."""
    np.add(y, _ROUNDER, out=y)
    rounded = y.view(np.int64)
    rounded -= _ROUNDER_BITS
    return rounded


def _round(xp: ModuleType, y: Any) -> Any:
    """``y`` rounded to the nearest integers, as int64 (exact: they are below 2**62)."""
    if isinstance(y, np.ndarray):
        return np.rint(y, out=np.empty(y.shape, dtype=np.int64), casting="unsafe")
    return xp.astype(xp.round(y), xp.int64)


def _rounding_store(xp: ModuleType):
    """The ``store`` of :func:`_overlap_add._add_blocks` that rounds float pieces into int64."""

    def store(out: Any, index: tuple, piece: Any, add: bool) -> None:
        if add:
            out[index] += _round(xp, piece)
        elif isinstance(piece, np.ndarray):
            np.rint(piece, out=out[index], casting="unsafe")  # rounded straight into the result
        else:
            out[index] = _round(xp, piece)

    return store


def _add_centring(xp: ModuleType, total: Any, transform: Transform) -> None:
    """Add ``m_b box(a, B) + m_a box(b', A)`` over the region to ``total`` (in place): the
    exact terms that centring removed."""
    first, second = transform.operands
    if second.centre:  # box(a, B) of the uncentred a
        _add_box(xp, total, first.source, transform.b.shape, transform.region, second.centre)
    if first.centre:  # box(b', A) of the centred b'
        _add_box(xp, total, second.values(xp), transform.a.shape, transform.region, first.centre)


def _add_box(xp: ModuleType, total: Any, x: Any, other: tuple[int, ...], region, scale: int) -> None:
    """Add ``scale`` times the convolution of ``x`` with ones of shape ``other`` over the
    region to ``total``, by prefix sums (modulo 2**64)."""
    summed = [ax for ax in range(x.ndim) if x.shape[ax] > 1 and other[ax] > 1]
    # a broadcast axis is not summed: the region of x, or its single entry broadcast
    x = x[
        tuple(
            slice(start, start + length) if ax not in summed and x.shape[ax] > 1 else slice(None)
            for ax, (start, length) in enumerate(region)
        )
    ]
    x = _as_int64(xp, x)  # (sums modulo 2**64)
    factor = xp.asarray(scale, dtype=xp.int64, device=device(x))
    if not summed:
        total += x * factor
        return
    for ax in summed[:-1]:
        x = _box_axis(xp, x, ax, other[ax], *region[ax])
    ax = summed[-1]
    sums = _prefix_sums(xp, x, ax)
    sums *= factor
    _add_box_axis(xp, total, sums, ax, x.shape[ax], other[ax], *region[ax])


def _box_axis(xp: ModuleType, x: Any, ax: int, k: int, start: int, length: int) -> Any:
    """``box[j] = S[min(j + 1, n)] - S[max(j - k + 1, 0)]`` for ``j`` in ``start ..
    start + length - 1``, ``S`` the prefix sums of ``x`` along ``ax`` (``S[0] = 0``)."""
    shape = list(x.shape)
    shape[ax] = length
    out = scratch.zeros_in(xp, tuple(shape), x.dtype, x)
    _add_box_axis(xp, out, _prefix_sums(xp, x, ax), ax, x.shape[ax], k, start, length)
    return out


def _add_box_axis(xp: ModuleType, total: Any, sums: Any, ax: int, n: int, k: int, start: int, length: int) -> None:
    """Add the box sums ``S[min(j + 1, n)] - S[max(j - k + 1, 0)]`` to ``total`` in place."""
    inside = max(0, min(length, n - start))  # + S[j + 1] while j + 1 <= n, then + S[n]
    if inside:
        total[_along(ax, slice(0, inside))] += sums[_along(ax, slice(start + 1, start + 1 + inside))]
    if inside < length:
        total[_along(ax, slice(inside, length))] += sums[_along(ax, slice(n, n + 1))]
    first = max(0, k - 1 - start)  # - S[j - k + 1] once j >= k - 1 (before: S[0] = 0)
    if first < length:
        low = start + first - k + 1
        total[_along(ax, slice(first, length))] -= sums[_along(ax, slice(low, low + length - first))]


def _along(axis: int, index: slice) -> tuple:
    return (slice(None),) * axis + (index, ...)


def _prefix_sums(xp: ModuleType, x: Any, axis: int) -> Any:
    """Sums of the first ``0 .. n`` entries along ``axis`` (wrapping modulo 2**64)."""
    shape = list(x.shape)
    shape[axis] += 1
    if isinstance(x, np.ndarray):  # summed into place: no extra copy
        sums = scratch.empty(tuple(shape), x.dtype)
        sums[_along(axis, slice(0, 1))] = 0
        n, width = x.shape[axis], math.prod(x.shape) // max(x.shape[axis], 1)
        if axis == x.ndim - 1 or n > _SLICED_SUMS or width < _SLICED_WIDTH:
            np.cumsum(x, axis=axis, out=sums[_along(axis, slice(1, None))])
            return sums
        # NumPy accumulates along an outer axis one line at a time, strided (256 x 256 int64
        # along axis 0: 330-650 us; slice by slice, each a contiguous add: 176 us)
        lines, terms = np.moveaxis(sums, axis, 0), np.moveaxis(x, axis, 0)  # views
        for i in range(n):
            np.add(lines[i], terms[i], out=lines[i + 1])
        return sums
    sums = xp.zeros(tuple(shape), dtype=x.dtype, device=device(x))
    sums[_along(axis, slice(1, None))] = xp.cumulative_sum(x, axis=axis)
    return sums
