"""``verify``: check somebody else's convolution against the contract its author states.

The steps, each in its own module:

1. the contract the user states (a preset such as ``like='numpy.convolve'`` and/or fields;
   :mod:`~convalg.testing._presets`, :mod:`~convalg.testing._contract`);
2. every call runs in a worker process with a time limit (:mod:`~convalg.testing._harness`);
3. the convention is detected from random probes (:mod:`~convalg.testing._convention`);
   unstated fields are filled from it, and every probe is also checked against the contract;
4. the dtypes the function accepts are probed, then the schedule
   (:mod:`~convalg.testing._schedule`) draws inputs up to real sizes;
5. each call is judged with the fast oracle (:mod:`~convalg.testing._findings`); the first
   input of each kind of failure is shrunk (:mod:`~convalg.testing._shrink`), diagnosed
   (which convention the function computes instead, or the nearest one), confirmed by
   the independent exact evaluation (:mod:`~convalg.testing._definition`) or a replay in a
   fresh process, and reported once with a runnable snippet (:mod:`~convalg.testing._report`);
6. CONSISTENT is printed only after the independent evaluation agreed on a sample of the
   passing calls; a verdict that cannot be confirmed is UNKNOWN.
"""

from __future__ import annotations

import functools
import inspect
import math
import time

import numpy as np

from convalg.testing._contract import FIELDS, Contract, differences, fields_of
from convalg.testing._convention import candidates, detect_convention
from convalg.testing._definition import judge, refusal_allowed, terms_of
from convalg.testing._findings import Finding, check_call, compute_dtype
from convalg.testing._harness import Harness, Outcome, describe_mode
from convalg.testing._presets import contract_from_options
from convalg.testing._report import VerifyReport, Violation, snippet
from convalg.testing._schedule import DEFAULT_MAX_SIZE, DTYPE_PAIRS, MAX_MAX_SIZE, schedule, size_summary
from convalg.testing._shrink import shrink

__all__ = ["verify", "VerifyReport", "Violation", "UsageError"]


class UsageError(Exception):
    """A bad argument to :func:`verify`; raised as a ValueError or a TypeError (both subclass this)."""


class _BadValue(UsageError, ValueError):
    pass


class _BadType(UsageError, TypeError):
    pass


# Products the independent exact evaluation may form to confirm a CONSISTENT verdict (about half a second).
_CONFIRM_BUDGET = 200_000
_SHRINK_CALLS, _SHRINK_SECONDS = 300, 15.0

_LAWS = {
    "convention": "computes another convention than the contract's",
    "values": "agrees with the contract's exact result within the error bound",
    "integers": "integer results follow the contract's integer rule",
    "nonfinite": "NaN and infinity reach the outputs the contract says",
    "shape": "returns the contract's output shape",
    "dtype": "returns a dtype that keeps the inputs' precision",
    "raised": "returns a result for every input the contract defines",
    "timeout": "returns within the time limit",
    "died": "does not end the process",
    "mutated": "leaves its inputs unchanged",
    "aliased": "returns a new array, not its input or a view of it",
    "stale": "keeps earlier results intact (no reused output buffer)",
    "domain": "accepts some dtype",
}


def _small_shapes(dims: int):
    return {1: ((7,), (3,)), 2: ((5, 4), (2, 3)), 3: ((4, 3, 3), (2, 2, 1))}[dims]


def _small_pair(dims: int, pair) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    arrays = []
    for shape, dtype in zip(_small_shapes(dims), pair):
        x = rng.integers(-4, 5, shape).astype(np.float64)
        if np.dtype(dtype).kind == "c":
            x = x + 1j * rng.integers(-4, 5, shape)
        arrays.append(x.astype(dtype))
    return arrays[0], arrays[1]


def _check_keywords(fn, keywords: dict) -> None:
    """A misspelled keyword is a usage error (TypeError), not a violation of every call."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return  # builtins without a signature: the first call will tell
    try:
        signature.bind_partial(None, None, **keywords)
    except TypeError as exc:
        raise _BadType(
            f"keywords {sorted(keywords)} do not fit {getattr(fn, '__name__', fn)}{signature}: {exc}"
        ) from None


def _validate(fn, dims, max_examples, max_size, timeout, examples) -> None:
    if not callable(fn):
        raise _BadType(f"fn must be callable as fn(signal, kernel); got {type(fn).__name__}")
    if dims not in (1, 2, 3) or isinstance(dims, bool):
        raise _BadValue(f"dims must be 1, 2 or 3; got {dims!r}")
    if isinstance(max_examples, bool) or not isinstance(max_examples, int | np.integer) or max_examples < 1:
        raise _BadValue(f"max_examples must be an integer of at least 1; got {max_examples!r}")
    if isinstance(max_size, bool) or not isinstance(max_size, int | np.integer) or not (16 <= max_size <= MAX_MAX_SIZE):
        raise _BadValue(f"max_size must be an integer from 16 to {MAX_MAX_SIZE}; got {max_size!r}")
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, int | float) or not (0 < timeout < math.inf)
    ):
        raise _BadValue(f"timeout must be a positive number of seconds, or None; got {timeout!r}")
    for i, example in enumerate(examples):
        if len(example) != 2 or np.ndim(example[0]) != dims or np.ndim(example[1]) != dims:
            raise _BadValue(f"examples[{i}] must be a (signal, kernel) pair of {dims}-D arrays")


class _Search:
    """One run of verify: the harness, the contract, and the violations found so far."""

    def __init__(self, fn, call, name, contract: Contract, detection, harness: Harness, dims: int):
        self.fn, self.call_fn, self.name = fn, call, name
        self.contract = contract
        self.detection = detection
        self.harness = harness
        self.dims = dims
        self.by_finding: dict = {}
        self.by_diagnosis: dict = {}
        self.violations: list[Violation] = []
        self.unknown: list[str] = []
        self.passed: list = []  # (signal, kernel, output, compute dtype) of passing calls, for confirmation
        self.bounds: set[str] = set()
        self.counts = {
            "cases": 0,
            "undefined": 0,
            "nonfinite": 0,
            "integers": 0,
            "spread": 0,
            "skipped": 0,
            "declined": 0,
            "refused": 0,
        }
        self.declined: set = set()
        self.largest = [(0,), (0,)]
        self.timed_out_size = math.inf
        self._previous: tuple | None = None  # the inputs of the call before, for a result overwritten by the next call

    # ------------------------------------------------------------ one case

    def run_case(self, signal, kernel, label: str, outcome=None) -> None:
        size = signal.size * kernel.size
        if outcome is None and size >= self.timed_out_size:
            self.counts["skipped"] += 1
            return
        if outcome is None:
            outcome = self.harness.call(signal, kernel)
        self.counts["cases"] += 1
        for i, a in enumerate((signal, kernel)):
            if a.size > np.prod(self.largest[i]):
                self.largest[i] = a.shape
        if outcome.error is not None and not outcome.mutated and (signal.dtype, kernel.dtype) in self.declined:
            self.counts["declined"] += 1  # a dtype the function refuses outright: allowed
            return
        verdict = check_call(self.contract, signal, kernel, outcome, self.harness.timeout)
        if verdict.finding is None:
            if verdict.undefined:
                self.counts["undefined"] += 1
                return
            if verdict.unjudged:
                self.unknown.append(f"{label}: no error bound can be computed for these magnitudes (it overflows)")
                return
            if verdict.bound:
                self.bounds.add(_bound_kind(verdict.bound))
            self.counts["nonfinite"] += verdict.nonfinite
            self.counts["spread"] += verdict.spread
            if outcome.output is None:  # an allowed refusal of a result that does not fit
                self.counts["refused"] += 1
                self.passed.append((signal, kernel, None, None, label))
                return
            self.counts["integers"] += outcome.output.dtype.kind in "iu"
            self.passed.append((signal, kernel, outcome.output, compute_dtype(self.contract, signal, kernel), label))
            return
        finding = verdict.finding
        wrong_convention = self.by_diagnosis.get("convention")
        if (
            wrong_convention is not None
            and outcome.output is not None
            and _matches(self.detection.convention, signal, kernel, outcome.output)
        ):
            wrong_convention.also_seen.append(label)  # a consequence of computing the other convention
            return
        if finding.kind == "timeout":
            self.timed_out_size = min(self.timed_out_size, size)
        if finding.key in self.by_finding:
            if self.by_finding[finding.key] is not None:
                self.by_finding[finding.key].also_seen.append(label)
            return
        violation = self.report_finding(finding, signal, kernel, label, self._previous)
        self.by_finding[finding.key] = violation

    def remember(self, signal, kernel) -> None:
        self._previous = (signal, kernel)

    # ------------------------------------------------------------ a new kind of failure

    def _fails_like(self, key):
        def fails(arrays) -> bool:
            if key == ("stale",):
                first_s, first_k, s, k = arrays
                self.harness.call(first_s, first_k)
            else:
                s, k = arrays
            if not self.contract.defined(s.shape, k.shape) or (s.dtype, k.dtype) in self.declined:
                return False
            outcome = self.harness.call(s, k)
            verdict = check_call(self.contract, s, k, outcome, self.harness.timeout)
            return verdict.finding is not None and verdict.finding.key == key

        return fails

    def report_finding(self, finding: Finding, signal, kernel, label, previous) -> Violation | None:
        key = finding.key
        original = (previous[0], previous[1], signal, kernel) if key == ("stale",) and previous else (signal, kernel)
        if key == ("stale",) and not previous:
            original = (signal, kernel, signal, kernel)
        # a hang costs the whole time limit per try: shrink it for a few tries only
        seconds = _SHRINK_SECONDS if key != ("timeout",) else 3 * (self.harness.timeout or 1)
        shrunk = shrink(original, self._fails_like(key), max_calls=_SHRINK_CALLS, max_seconds=seconds)
        arrays = shrunk.arrays
        earlier = arrays[:2] if key == ("stale",) else None
        s, k = arrays[-2], arrays[-1]
        final: Finding | None
        if key in (("timeout",), ("died",)):  # the shrinker's last try already showed it: no need to wait again
            outcome, final = Outcome(), finding
        else:
            if earlier is not None:
                self.harness.call(*earlier)
            outcome = self.harness.call(s, k)
            verdict = check_call(self.contract, s, k, outcome, self.harness.timeout)
            final = verdict.finding if verdict.finding is not None and verdict.finding.key == key else None
        if final is None:  # the shrunk input no longer fails (a history-dependent function): report the original
            s, k, earlier = signal, kernel, (previous if key == ("stale",) else None)
            if earlier is not None:
                self.harness.call(*earlier)
            outcome = self.harness.call(s, k)
            verdict = check_call(self.contract, s, k, outcome, self.harness.timeout)
            final = verdict.finding or finding
        violation = Violation(
            kind=final.kind,
            law=_LAWS.get(final.kind, final.kind),
            message=final.message,
            signal=s,
            kernel=k,
            output=outcome.output,
            earlier=earlier,
            found_by=f"found by: {label}",
            shrunk=shrunk.words(original[-2:] if key != ("stale",) else original),
        )
        if self.contract.defined(s.shape, k.shape):
            try:
                violation.expected = self.contract.reference(s, k)
                violation.contract_label = f"the contract: {self.contract.short()}"
            except (ValueError, TypeError, OverflowError):
                violation.expected = None
        self._diagnose(violation, final)
        if not self._confirm(violation, final):
            return None
        diagnosis_key = (violation.kind, tuple(violation.diagnosis[:1]))
        if diagnosis_key in self.by_diagnosis:
            self.by_diagnosis[diagnosis_key].also_seen.append(label)
            return self.by_diagnosis[diagnosis_key]
        violation.snippet = snippet(self.call_fn, self.name, violation, self.harness.timeout)
        self.by_diagnosis[diagnosis_key] = violation
        if violation.kind == "convention":
            self.by_diagnosis["convention"] = violation
        self.violations.append(violation)
        return violation

    def _diagnose(self, violation: Violation, finding: Finding) -> None:
        if finding.kind not in ("values", "shape", "integers", "nonfinite") or violation.output is None:
            return
        detected = self.detection.convention
        s, k, out = violation.signal, violation.kernel, violation.output
        if detected is not None and detected != self.contract.convention():
            words = differences(self.contract, detected)
            if words and _matches(detected, s, k, out):
                violation.kind = "convention"
                violation.law = _LAWS["convention"]
                violation.diagnosis = [
                    (
                        f"it computes {detected.short()} (explains {self.detection.explained} of "
                        f"{self.detection.answered} probes and this counterexample):"
                    )
                ]
                violation.diagnosis += [f"- {w}" for w in words]
                return
        nearest = _nearest(s, k, out, self.contract) if finding.kind != "nonfinite" else None
        if nearest is not None and not _close(nearest[1], violation.expected):
            violation.nearest = nearest
        else:
            nearest = None
        violation.diagnosis = [
            "no convention explains this output" + ("" if nearest is None else "; the nearest is shown below")
        ]

    def _confirm(self, violation: Violation, finding: Finding) -> bool:
        """Confirm by a check that does not share the code that found it; otherwise record UNKNOWN."""
        s, k = violation.signal, violation.kernel
        assert s is not None  # a violation to confirm carries its counterexample
        assert k is not None
        if finding.kind in ("values", "shape", "integers", "nonfinite"):
            taps = _kernel_taps(self.contract, s, k)
            dtype = compute_dtype(self.contract, s, k)
            assert violation.output is not None  # these findings are about a returned output
            answer = judge(
                self.contract,
                s,
                k,
                violation.output,
                kernel_taps=taps,
                compute_dtype=dtype if dtype.kind in "fc" else None,
            )
            if answer.agrees:
                self.unknown.append(
                    f"the oracle reports '{finding.message.splitlines()[0]}' on signal={s.tolist()}, "
                    f"kernel={k.tolist()}, but the independent exact evaluation finds it "
                    f"{answer.reason}: not reported"
                )
                return False
            violation.confirmed = f"confirmed by the independent exact evaluation: {answer.reason}"
            return True
        with Harness(
            self.call_fn, timeout=self.harness.timeout, memory=self.harness.memory, warmup=self.harness.warmup
        ) as fresh:
            if violation.earlier is not None:
                fresh.call(*violation.earlier)
            again = fresh.call(s, k)
        verdict = check_call(self.contract, s, k, again, self.harness.timeout)
        if verdict.finding is None or verdict.finding.kind != finding.kind:
            violation.confirmed = (
                "seen once; a fresh process on the same input does not repeat it (the function "
                "depends on earlier calls)"
            )
            return True
        violation.confirmed = "confirmed by a replay in a fresh process"
        return True

    # ------------------------------------------------------------ the verdict

    def confirm_passing(self) -> tuple[int, int]:
        """Re-judge a sample of passing calls by the independent exact evaluation."""
        budget, checked = _CONFIRM_BUDGET, 0
        seen_labels = set()
        for signal, kernel, output, dtype, label in self.passed:
            cost = terms_of(signal.shape, kernel.shape)
            tier = label.split(" ")[0] + str(signal.dtype) + str(kernel.dtype)
            if cost > budget or (tier in seen_labels and cost > budget / 8):
                continue
            seen_labels.add(tier)
            budget -= cost
            if output is None:
                answer = refusal_allowed(self.contract, signal, kernel)
            else:
                answer = judge(
                    self.contract,
                    signal,
                    kernel,
                    output,
                    kernel_taps=_kernel_taps(self.contract, signal, kernel),
                    compute_dtype=dtype if dtype.kind in "fc" else None,
                )
            checked += 1
            if not answer.agrees:
                self.unknown.append(
                    f"the oracle passed {label} (signal shape {signal.shape}, kernel {kernel.shape}) "
                    f"but the independent exact evaluation says: {answer.reason}"
                )
        return checked, _CONFIRM_BUDGET - budget


def _close(a, b) -> bool:
    """Equal non-finite pattern and finite values within 1e-5 relative (a display-level comparison)."""
    if a is None or b is None:
        return False
    a, b = np.asarray(a, dtype=np.complex128), np.asarray(b, dtype=np.complex128)
    if a.shape != b.shape or not np.array_equal(np.isfinite(a), np.isfinite(b)):
        return False
    finite = np.isfinite(a)
    scale = float(np.sqrt(np.sum(np.abs(b[finite]) ** 2))) + 1e-300
    return bool(np.sqrt(np.sum(np.abs(a[finite] - b[finite]) ** 2)) <= 1e-5 * scale)


def _matches(convention, signal, kernel, output) -> bool:
    """Whether ``convention`` gives ``output`` on these inputs (NaN where it gives NaN)."""
    if convention.output_shape(signal.shape, kernel.shape) != tuple(np.shape(output)):
        return False
    try:
        return _close(output, convention.reference(signal, kernel))
    except (ValueError, TypeError):
        return False


def _bound_kind(description: str) -> str:
    head = description.split(" (")[0].split(" + ")[0]
    if head.startswith("componentwise"):
        return "componentwise gamma_m (|a|*|b|) (direct)"
    if head.startswith("normwise"):
        return "normwise FFT bound (an FFT of any sane length)"
    return head


def _kernel_taps(contract: Contract, signal, kernel):
    """The kernel (and footprint) a documented quirk makes the library use, in the kernel's own frame."""
    if contract.quirk not in ("ndimage", "ndimage-1d"):
        return None
    _, b, footprint = contract.operands(signal, kernel)
    transform = contract.transform
    flip = (slice(None, None, -1),) * b.ndim
    if transform.flip_kernel:
        b, footprint = b[flip], footprint[flip]
    if transform.conj_kernel and b.dtype.kind == "c":
        b = np.conjugate(b)
    return np.asarray(b).astype(
        np.asarray(kernel).dtype if np.asarray(kernel).dtype.kind in "fc" else b.dtype
    ), footprint


def _nearest(signal, kernel, output, contract: Contract):
    """The convention closest to ``output`` on these inputs (other than the contract's), and what it gives."""
    best, best_error = None, math.inf
    out = np.asarray(output, dtype=np.complex128)
    scale = float(np.sqrt(np.sum(np.abs(np.where(np.isfinite(out), out, 0)) ** 2))) + 1e-300
    own = contract.convention()
    for candidate in candidates(real_only=not (np.iscomplexobj(signal) or np.iscomplexobj(kernel))):
        if candidate == own or candidate.output_shape(signal.shape, kernel.shape) != tuple(out.shape):
            continue
        try:
            value = np.asarray(candidate.reference(signal, kernel), dtype=np.complex128)
        except (ValueError, TypeError):
            continue
        with np.errstate(all="ignore"):
            error = float(np.sqrt(np.nansum(np.abs(value - out) ** 2))) / scale
        if error < best_error:
            best, best_error = (candidate, value), error
    if best is None or best_error > 0.5:
        return None
    candidate, value = best
    shown = value if np.iscomplexobj(output) else value.real
    return f"{candidate.short()}, relative distance {best_error:.2g}", shown


def _sources(stated: Contract, like: str | None, user_fields: set, completed: Contract, detected) -> dict:
    sources = {}
    for f in FIELDS:
        if getattr(stated, f) is not None:
            sources[f] = "stated" if (f in user_fields or not like) else f"preset {like}"
        elif getattr(completed, f) is not None:
            detected_fields = set() if detected is None else set(_detected_field_names(detected))
            sources[f] = "detected" if f in detected_fields else "default"
    return sources


def _detected_field_names(convention):
    return fields_of(convention).keys()


def verify(
    fn,
    contract: Contract | None = None,
    *,
    like: str | None = None,
    expect: str | None = None,
    conjugate: str | None = None,
    order: str | None = None,
    mode: str | None = None,
    same_start: str | None = None,
    same_length: str | None = None,
    boundary: str | None = None,
    nonfinite: str | None = None,
    integers: str | None = None,
    precision: str | None = None,
    dims: int = 1,
    max_examples: int = 100,
    max_size: int = DEFAULT_MAX_SIZE,
    timeout: float | None = 5.0,
    keywords: dict | None = None,
    seed: int = 0,
    derandomize: bool = True,
    name: str | None = None,
    examples=(),
) -> VerifyReport:
    """Check ``fn(signal, kernel)`` against the contract its author states.

    Parameters
    ----------
    fn : callable
        ``fn(signal, kernel) -> array`` on NumPy arrays of ``dims`` dimensions (wrap other
        calling conventions in a few lines; the docs show torch's).
    contract : Contract, optional
        A contract built beforehand; the keyword fields below override it.
    like : str, optional
        A preset: the whole contract of a well-known function, e.g. ``'numpy.convolve'``,
        ``'scipy.signal.correlate'``, ``'scipy.ndimage.convolve1d'``, ``'torch.conv2d'``
        (:func:`convalg.testing._presets.preset_names` lists them).
    expect : {'convolution', 'correlation'}, optional
        The product. Alone, it states scipy's: a correlation conjugates the kernel and the
        arguments come in order.
    conjugate : {'neither', 'kernel', 'signal', 'both'}, optional
    order : {'signal-kernel', 'kernel-signal'}, optional
    mode : {'full', 'same', 'valid'}, optional
        The window; with a preset, that library's version of it (numpy's 'same' is as
        long as the longer input, scipy's as the signal).
    same_start : {'(k-1)//2', 'k//2'}, optional
        Where 'same' starts (scipy and numpy: ``(k-1)//2``; ndimage.convolve and torch:
        ``k//2``).
    same_length : {'signal', 'longer'}, optional
    boundary : {'zero', 'reflect', 'mirror', 'wrap', 'nearest'}, optional
        ndimage's names; scipy.signal's 'fill', 'symm' and 'wrap' are accepted too.
    nonfinite : {'local', 'spread'}, optional
        'local': NaN and infinity reach exactly the outputs whose sums they enter; 'spread'
        (FFT methods): at least those. Unstated, 'spread' is checked.
    integers : {'wrap', 'exact', 'float64'}, optional
        Unstated, 'wrap' (exact, or wrapped modulo the output dtype as numpy does).
    precision : {'promote', 'signal', 'lowest'}, optional
        The precision the output must keep: numpy's result type of the inputs (unstated),
        the signal's dtype (ndimage), or the less precise input's (scipy's FFT methods).
    dims : {1, 2, 3}
    max_examples : int
        Inputs drawn by the schedule (beyond the convention probes and ``examples``).
    max_size : int
        Elements of the largest signal drawn (default 4096: 1-D signals up to 4,096
        samples, 2-D sides up to 80, 3-D sides up to 20).
    timeout : float or None
        Seconds one call may take (each call runs in a worker process); ``None`` calls
        in this process without a limit.
    keywords : dict, optional
        Keyword arguments passed on every call (checked against ``fn``'s signature).
    seed : int
        Seed of the probes and the schedule.
    derandomize : bool
        ``False`` draws a fresh seed (then reported in the notes).
    name : str, optional
        ``'module:function'`` for the reproducing snippets.
    examples : sequence of (signal, kernel), optional
        Inputs checked before the schedule.

    Returns
    -------
    VerifyReport
        ``status`` ('consistent', 'violation', 'unknown'), ``exit_status`` (0, 1, 3), the
        contract and where each field came from, the checks and the violations;
        ``str(report)`` is what ``convalg verify`` prints.

    Raises
    ------
    TypeError, ValueError
        For a bad argument, an unknown preset or field value, or keywords ``fn`` does not take.

    Examples
    --------
    >>> import numpy as np
    >>> report = verify(np.convolve, like="numpy.convolve", max_examples=20)
    >>> report.status, report.exit_status
    ('consistent', 0)
    >>> def conjugating(signal, kernel):
    ...     return np.convolve(signal, np.conj(kernel))
    >>> report = verify(conjugating, expect="convolution", max_examples=20)
    >>> report.status, report.violations[0].kind
    ('violation', 'convention')
    """
    started = time.perf_counter()
    if keywords is not None and not isinstance(keywords, dict):
        raise _BadType(f"keywords must be a dict; got {type(keywords).__name__}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise _BadType(f"seed must be an integer; got {seed!r}")
    keywords = dict(keywords or {})
    examples = list(examples)
    _validate(fn, dims, max_examples, max_size, timeout, examples)
    fields = dict(
        conjugate=conjugate,
        order=order,
        mode=mode,
        same_start=same_start,
        same_length=same_length,
        boundary=boundary,
        nonfinite=nonfinite,
        integers=integers,
        precision=precision,
    )
    user_fields = {f for f, v in {"operation": expect, **fields}.items() if v is not None}
    try:
        stated = contract_from_options(contract, like=like, dims=dims, expect=expect, **fields)
    except TypeError as exc:
        raise _BadType(str(exc)) from None
    except ValueError as exc:
        raise _BadValue(str(exc)) from None
    if expect is not None and like is None:
        user_fields |= {"conjugate", "order"}
    if keywords:
        _check_keywords(fn, keywords)
    call_fn = functools.partial(fn, **keywords) if keywords else fn
    if not derandomize:
        seed = int(np.random.SeedSequence().generate_state(1)[0])  # fresh entropy, 32 bits
    target = name or getattr(fn, "__qualname__", None) or repr(fn)
    report = VerifyReport(target=target, dims=dims)
    tiny = tuple(np.ones((1,) * dims) for _ in range(2))
    with Harness(call_fn, timeout=timeout, warmup=tiny) as harness:
        # 1. which dtypes the function accepts (refusing a dtype outright is allowed)
        pairs, domain = [], []
        for pair in DTYPE_PAIRS:
            signal, kernel = _small_pair(dims, pair)
            outcome = harness.call(signal, kernel)
            label = pair[0] if pair[0] == pair[1] else f"{pair[0]} x {pair[1]}"
            if outcome.error is not None and not outcome.mutated:
                report.declined.append(f"{label} ({outcome.error[:120]})")
                continue
            pairs.append(pair)
            report.accepted.append(label)
            domain.append((signal, kernel, f"dtype probe {label}", outcome))
        # 2. the convention: detected from probes, then completed by what the user did not state
        detection = detect_convention(call_fn, dims=dims, seed=seed, call=harness.call)
        if keywords and all(
            p.outcome.error_type == "TypeError" and "keyword" in p.outcome.error for p in detection.probes
        ):
            raise _BadType(
                f"{target} does not take the keywords {sorted(keywords)}: {detection.probes[0].outcome.error}"
            )
        detected = detection.convention or detection.nearest
        completed = stated.completed(detected)
        report.contract = completed
        report.sources = _sources(stated, like, user_fields, completed, detected)
        report.convention = detection.convention
        if detection.answered:
            report.explained = f"explains {detection.explained} of {detection.answered} answered probes"
        search = _Search(fn, call_fn, name, completed, detection, harness, dims)
        search.declined = {tuple(np.dtype(d) for d in pair) for pair in DTYPE_PAIRS if pair not in pairs}
        if not pairs:
            report.violations.append(Violation("domain", _LAWS["domain"], "the function raises for every dtype probed"))
        # the probes are evidence too: each is checked against the contract
        for signal, kernel, label, outcome in domain:
            search.run_case(signal, kernel, label, outcome)
            search.remember(signal, kernel)
        for i, probe in enumerate(detection.probes):
            search.run_case(probe.signal, probe.kernel, f"convention probe {i + 1}", probe.outcome)
            search.remember(probe.signal, probe.kernel)
        # 3. the user's examples, then the schedule
        for i, (signal, kernel) in enumerate(examples):
            search.run_case(np.asarray(signal), np.asarray(kernel), f"given example {i + 1}")
            search.remember(np.asarray(signal), np.asarray(kernel))
        for case in schedule(
            dims, pairs, max_examples=max_examples, max_size=max_size, seed=seed, defined=completed.defined
        ):
            search.run_case(
                case.signal, case.kernel, f"schedule: {case.label}, shapes {case.signal.shape} and {case.kernel.shape}"
            )
            search.remember(case.signal, case.kernel)
        confirmed, products = search.confirm_passing() if not search.violations else (0, 0)
        report.violations += search.violations
        report.unknown += search.unknown
        _summarise(report, search, harness, completed, confirmed, products, max_size, seed, derandomize)
    report.seconds = time.perf_counter() - started
    return report


def _summarise(report, search: _Search, harness, contract, confirmed, products, max_size, seed, derandomize):
    counts = search.counts
    report.checks.append(f"{harness.calls} calls; {describe_mode(harness)}; slowest {harness.slowest:.2f} s")
    report.checks.append(
        f"{counts['cases']} inputs: {len(search.passed)} met the contract"
        + (f", {counts['undefined']} had shapes the contract leaves undefined" if counts["undefined"] else "")
        + (f", {counts['skipped']} skipped (at least as large as one that timed out)" if counts["skipped"] else "")
        + (f", {counts['declined']} refused in a dtype it declines" if counts["declined"] else "")
        + (f", {counts['refused']} refused an integer result that does not fit" if counts["refused"] else "")
    )
    reached = " and ".join(str(tuple(s)) for s in search.largest)
    report.checks.append(f"largest inputs: {reached} (the schedule reaches {size_summary(report.dims, max_size)})")
    if search.bounds:
        report.checks.append(f"values within: {'; '.join(sorted(search.bounds))}")
    report.checks.append(
        f"non-finite rule '{contract.nonfinite}' on {counts['nonfinite']} inputs with NaN or "
        "infinity" + (f" (it spread beyond the outputs they enter on {counts['spread']})" if counts["spread"] else "")
    )
    report.checks.append(f"integer rule '{contract.integers}' on {counts['integers']} integer results")
    if not report.violations and search.passed:
        report.checks.append(
            f"the independent exact evaluation re-judged {confirmed} of them ({products} products)"
            + ("" if report.unknown else " and agreed")
        )
        if confirmed == 0:
            report.unknown.append("no passing call was small enough for the independent exact evaluation")
    if not search.passed and not report.violations:
        report.unknown.append("no input the contract defines was answered")
    if not derandomize:
        report.notes.append(f"seed {seed} (rerun with seed={seed} to repeat this run)")
    for note in search.detection.convention.notes if search.detection.convention is not None else ():
        report.notes.append(note)
