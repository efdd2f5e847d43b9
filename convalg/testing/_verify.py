"""``verify``: detect the convention of somebody else's convolution and check it against the oracle.

The function under test is called as ``fn(signal, kernel)``. Its convention is detected
from random complex (or real) probes (:mod:`convalg.testing._convention`); then
hypothesis searches, deterministically by default, for inputs on which it disagrees with
the oracle of that convention (or of the one the user expects) beyond the error bound,
breaks a law the convention must satisfy, crashes, mutates its inputs, or returns the
wrong shape or dtype. Each violation carries the minimal counterexample hypothesis shrank
to, and a snippet that reproduces it.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np

from convalg import errorbounds
from convalg.testing._assertions import bound_report
from convalg.testing._convention import (
    Call,
    Convention,
    call_quietly,
    detect_convention,
)
from convalg.testing._tolerance import operand_tolerance

__all__ = ["verify", "VerifyReport", "Violation", "Check"]

_SEARCHES_PER_LAW = 3
_DTYPES = ("float64", "float32", "complex128", "complex64", "int64")
_MAX_SIDE = {1: (12, 10), 2: (6, 5), 3: (4, 3)}  # (signal, kernel) sides searched per dimension


@dataclass
class Violation:
    """A law the function broke, on the smallest inputs hypothesis found."""

    law: str
    message: str
    signal: np.ndarray | None = None
    kernel: np.ndarray | None = None
    snippet: str = ""

    def __str__(self) -> str:
        lines = [f"VIOLATION  {self.law}"] + [f"  {line}" for line in self.message.splitlines()]
        if self.signal is not None:
            lines.append(f"  minimal counterexample: signal={_literal(self.signal)}, kernel={_literal(self.kernel)}")
        if self.snippet:
            lines.append("  reproduce with:")
            lines.extend("    " + line for line in self.snippet.splitlines())
        return "\n".join(lines)


@dataclass
class Check:
    """One law checked: its name, how many examples, and the bounds that were applied."""

    law: str
    examples: int
    passed: bool
    bounds: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        applied = "; ".join(sorted(set(self.bounds))) or "-"
        return f"{'PASS' if self.passed else 'FAIL'}  {self.law} ({self.examples} examples; bound: {applied})"


@dataclass
class VerifyReport:
    """What :func:`verify` found. ``consistent`` is True when there is no violation.

    Attributes
    ----------
    target : str
        The function's name.
    convention : Convention or None
        The detected convention (None if none explains the function's outputs).
    expected : Convention or None
        The convention ``expect``/``mode`` asked for, if any.
    accepted, declined : list of str
        The dtypes the function computes with, and those it rejects (with the reason).
    checks : list of Check
    violations : list of Violation
    notes : list of str
        Observations that are not violations (how NaN spreads, integer overflow, ...).
    """

    target: str
    dims: int
    convention: Convention | None = None
    expected: Convention | None = None
    accepted: list[str] = field(default_factory=list)
    declined: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def consistent(self) -> bool:
        return not self.violations

    @property
    def exit_status(self) -> int:
        """0 when consistent, 1 when a violation was found (the CLI's exit status)."""
        return 0 if self.consistent else 1

    def __str__(self) -> str:
        lines = [f"convalg verify {self.target} ({self.dims}-D inputs)"]
        if self.convention is not None:
            lines.append(f"convention: {self.convention.describe()}")
        else:
            lines.append("convention: none detected")
        if self.expected is not None and self.expected != self.convention:
            lines.append(f"expected:   {self.expected.describe()}")
        if self.accepted:
            lines.append(f"computes with: {', '.join(self.accepted)}")
        for d in self.declined:
            lines.append(f"declines: {d}")
        lines.extend(str(c) for c in self.checks)
        lines.extend(f"note: {n}" for n in self.notes)
        lines.extend(str(v) for v in self.violations)
        verdict = "CONSISTENT" if self.consistent else f"{len(self.violations)} VIOLATION(S)"
        lines.append(f"result: {verdict}")
        return "\n".join(lines)


# ---------------------------------------------------------------- snippets


def _number(v) -> str:
    if isinstance(v, complex):
        if math.isfinite(v.real) and math.isfinite(v.imag):
            return repr(v)
        return f"complex({_number(v.real)}, {_number(v.imag)})"
    if isinstance(v, float) and not math.isfinite(v):
        return f"float({str(v)!r})"
    return repr(v)


def _literal(x: np.ndarray) -> str:
    def nested(v):
        if isinstance(v, list):
            return "[" + ", ".join(nested(e) for e in v) + "]"
        return _number(v)

    return f"np.array({nested(x.tolist())}, dtype={x.dtype.name!r})"


def _call_parts(fn, name: str | None) -> tuple[str, str]:
    """The import line and the call expression that reproduce ``fn(signal, kernel)``."""
    kwargs = {}
    target = fn
    while isinstance(target, functools.partial) and not target.args:
        kwargs = {**target.keywords, **kwargs}
        target = target.func
    extra = "".join(f", {k}={v!r}" for k, v in kwargs.items())
    if name and ":" in name:
        module, _, qualname = name.partition(":")
        return f"from {module} import {qualname.split('.')[0]}", f"{qualname}(signal, kernel{extra})"
    module = getattr(target, "__module__", None)
    qualname = getattr(target, "__qualname__", None)
    if module and qualname and "<" not in qualname:
        head = qualname.split(".")[0]
        public = {"numpy._core.multiarray": "numpy", "numpy._core.numeric": "numpy"}.get(module, module)
        return f"from {public} import {head}", f"{qualname}(signal, kernel{extra})"
    return f"# fn = {fn!r}", f"fn(signal, kernel{extra})"


def _snippet(fn, name, signal, kernel, expected: np.ndarray | None, convention: Convention | None) -> str:
    import_line, call = _call_parts(fn, name)
    lines = [
        "import numpy as np",
        import_line,
        f"signal = {_literal(signal)}",
        f"kernel = {_literal(kernel)}",
        f"print({call})",
    ]
    if expected is not None and convention is not None:
        if expected.dtype != object:
            expected = np.asarray(expected, dtype=np.complex128 if np.iscomplexobj(expected) else np.float64)
        lines.append(f"# expected ({convention.short()}): {_literal(expected)[9:].rsplit(', dtype', 1)[0]}")
    return "\n".join(lines)


# ---------------------------------------------------------------- one call against the oracle


def _dtype_problem(in_dtype: np.dtype, out_dtype: np.dtype) -> str | None:
    if out_dtype.kind not in "iufc":
        return f"returns dtype {out_dtype} for {in_dtype} inputs (not a numeric dtype)"
    if in_dtype.kind == "c" and out_dtype.kind != "c":
        return f"returns {out_dtype} for {in_dtype} inputs: the imaginary part is lost"
    if in_dtype.kind in "fc" and (out_dtype.kind in "iu" or _real_size(out_dtype) < _real_size(in_dtype)):
        return f"returns {out_dtype} for {in_dtype} inputs: precision is lost"
    return None


def _real_size(dtype: np.dtype) -> int:
    return dtype.itemsize // 2 if dtype.kind == "c" else dtype.itemsize


def _bounds(convention: Convention, signal, kernel, dtype: np.dtype) -> list[errorbounds.Bound]:
    """The bounds a correct implementation meets: exact for integers, else direct or FFT."""
    pads, starts, shape = convention.geometry(signal.shape, kernel.shape)
    a, b = convention.operands(signal, kernel)
    if dtype.kind in "iub":
        return [errorbounds.exact(dtype)]
    return [
        operand_tolerance(a, b, starts=starts, shape=shape, method=method, dtype=dtype)
        for method in ("direct", "fft-any")
    ]


def _integer_equal(result: np.ndarray, reference: np.ndarray) -> bool:
    return all(int(r) == int(e) for r, e in zip(result.ravel().tolist(), reference.ravel().tolist()))


@dataclass
class _Outcome:
    problem: str | None
    bound: str | None = None
    call: Call | None = None
    reference: np.ndarray | None = None


def _check_call(fn, convention: Convention, signal: np.ndarray, kernel: np.ndarray) -> _Outcome:
    """Call ``fn`` once and compare with the convention's reference within the bounds."""
    call = call_quietly(fn, signal, kernel)
    expected_shape = convention.output_shape(signal.shape, kernel.shape)
    if call.mutated:
        return _Outcome("mutates its inputs", call=call)
    if call.error is not None:
        return _Outcome(f"raises {type(call.error).__name__}: {call.error}", call=call)
    out = call.output
    if expected_shape is None:
        return _Outcome(None, "no output defined for these shapes", call)
    if tuple(out.shape) != tuple(expected_shape):
        return _Outcome(f"returns shape {tuple(out.shape)}; the convention gives {tuple(expected_shape)}", call=call)
    dtype = np.result_type(signal, kernel)
    problem = _dtype_problem(dtype, out.dtype)
    if problem:
        return _Outcome(problem, call=call)
    reference = convention.reference(signal, kernel)
    if out.dtype.kind in "iu" and dtype.kind in "iu":
        bound = errorbounds.exact(out.dtype)
        if _integer_equal(out, reference):
            return _Outcome(None, bound.description, call, reference)
        differs = [i for i, (r, e) in enumerate(zip(out.ravel().tolist(), reference.ravel().tolist())) if int(r) != int(e)]
        i = differs[0]
        return _Outcome(
            f"{bound.description}: VIOLATED, output {out.ravel()[i]} where the exact result is "
            f"{reference.ravel()[i]} (flat index {i}; silent integer overflow or rounding?)",
            call=call,
            reference=reference,
        )
    compute = dtype if dtype.kind in "fc" else out.dtype
    bounds = _bounds(convention, signal, kernel, compute)
    reference = np.asarray(reference, dtype=np.clongdouble if np.iscomplexobj(reference) or out.dtype.kind == "c" else np.longdouble)
    for bound in bounds:
        if bound.holds(out, reference):
            return _Outcome(None, bound.description, call, reference)
    reports = "\n".join(f"- {bound_report(out, reference, b)}" for b in bounds)
    return _Outcome(f"outside every bound a correct implementation meets:\n{reports}", call=call, reference=reference)


# ---------------------------------------------------------------- the laws


@dataclass(frozen=True)
class _Law:
    name: str
    applies: callable
    run: callable  # (fn, convention, signal, kernel) -> (problem, bound, signal, kernel, reference)


def _agreement(fn, convention, signal, kernel):
    outcome = _check_call(fn, convention, signal, kernel)
    return outcome, signal, kernel


def _commutativity(fn, convention, signal, kernel):
    # conv(kernel, signal) must meet the bound of the exact conv(signal, kernel); the swap
    # exercises the code paths for kernels longer than signals, where taps get lost.
    outcome = _check_call(fn, convention, kernel, signal)
    return outcome, kernel, signal


def _homogeneity(fn, convention, signal, kernel):
    # Scaling the signal by -2 is exact in binary floating point and in integers, so
    # fn(-2 x, h) must meet the bound of -2 fn's reference; a stateful or
    # magnitude-dependent implementation fails here.
    scaled = signal * signal.dtype.type(-2)
    outcome = _check_call(fn, convention, scaled, kernel)
    return outcome, scaled, kernel


def _translation(fn, convention, signal, kernel):
    # Prepending a zero to the signal shifts a full, zero-padded result by one.
    shifted = np.concatenate([np.zeros((1,) + signal.shape[1:], signal.dtype), signal], axis=0)
    outcome = _check_call(fn, convention, shifted, kernel)
    return outcome, shifted, kernel


def _is_full(convention: Convention) -> bool:
    return convention.window.name == "full"


_LAWS = (
    _Law("agrees with the convention's exact result within the error bound", lambda c: True, _agreement),
    _Law(
        "commutativity: fn(kernel, signal) == fn(signal, kernel)",
        lambda c: c.operation == "convolution" and not c.transform.flip_signal and _is_full(c)
        and c.transform.conj_signal == c.transform.conj_kernel,
        _commutativity,
    ),
    _Law("homogeneity: fn(-2 signal, kernel) == -2 fn(signal, kernel)", lambda c: True, _homogeneity),
    _Law("translation equivariance: a zero prepended shifts the output", _is_full, _translation),
)


# ---------------------------------------------------------------- domain and notes


def _small_pair(dims: int, dtype: str, fits: bool = True):
    rng = np.random.default_rng(1)
    s_shape, k_shape = {1: ((7,), (3,)), 2: ((5, 4), (2, 3)), 3: ((4, 3, 3), (2, 2, 1))}[dims]
    signal = rng.integers(-4, 5, s_shape)
    kernel = rng.integers(-4, 5, k_shape)
    if np.dtype(dtype).kind == "c":
        signal = signal + 1j * rng.integers(-4, 5, s_shape)
        kernel = kernel + 1j * rng.integers(-4, 5, k_shape)
    return signal.astype(dtype), kernel.astype(dtype)


def _domain(fn, convention: Convention, dims: int, report: VerifyReport) -> list[str]:
    accepted = []
    for dtype in _DTYPES:
        if convention.real_only and np.dtype(dtype).kind == "c":
            report.declined.append(f"{dtype} (complex inputs are not supported)")
            continue
        signal, kernel = _small_pair(dims, dtype)
        call = call_quietly(fn, signal, kernel)
        if call.error is not None and not call.mutated:
            report.declined.append(f"{dtype} ({type(call.error).__name__}: {str(call.error)[:100]})")
            continue
        accepted.append(dtype)
    return accepted


def _nonfinite_note(fn, convention: Convention, dims: int) -> str | None:
    signal, kernel = _small_pair(dims, "float64")
    signal = np.concatenate([signal] * 3, axis=0)
    middle = tuple(n // 2 for n in signal.shape)
    signal[middle] = np.nan
    call = call_quietly(fn, signal, kernel)
    if not call.ok or call.output.shape != convention.output_shape(signal.shape, kernel.shape):
        return None
    reach = ~np.isfinite(np.asarray(convention.reference(signal, kernel), dtype=np.complex128))
    bad = ~np.isfinite(call.output)
    if not np.any(bad & ~reach):
        return "a NaN in the signal stays local: only the outputs it touches become NaN"
    return (
        f"a NaN in the signal spreads to {int(bad.sum())} of {bad.size} outputs, beyond the "
        f"{int(reach.sum())} it touches (as FFT-based methods do)"
    )


def _overflow_note(fn, convention: Convention, dims: int) -> str | None:
    signal, kernel = _small_pair(dims, "int64")
    signal = np.where(signal == 0, 1, signal) * np.int64(2**40)
    kernel = np.where(kernel == 0, 1, kernel) * np.int64(2**40)
    call = call_quietly(fn, signal, kernel)
    if call.error is not None:
        return f"integer results beyond int64 raise {type(call.error).__name__}"
    if not call.ok or call.output.shape != convention.output_shape(signal.shape, kernel.shape):
        return None
    reference = convention.reference(signal, kernel)
    if call.output.dtype.kind in "iu":
        if _integer_equal(call.output, reference):
            return f"integer results beyond int64 are exact (widened to {call.output.dtype})"
        return f"integer results beyond int64 come back wrong in {call.output.dtype} without an error (wrapped or rounded; numpy wraps too)"
    return f"integer inputs give {call.output.dtype} results (rounded, not exact)"


# ---------------------------------------------------------------- the search


def _pairs(dims: int, dtypes: list[str], kernel_fits: bool):
    from hypothesis import strategies as st

    from convalg.testing.strategies import signal_kernel_pairs

    side, kernel_side = _MAX_SIDE[dims]
    return st.sampled_from(dtypes).flatmap(
        lambda d: signal_kernel_pairs(
            d, dims=dims, max_side=side, max_kernel_side=kernel_side, magnitude="wide", kernel_fits=kernel_fits
        )
    )


def _search(fn, convention, law: _Law, strategy, settings) -> tuple[Check, tuple | None]:
    """Run one law over hypothesis's examples; return the check and the shrunk counterexample."""
    from hypothesis import find
    from hypothesis.errors import NoSuchExample, Unsatisfiable

    seen = {"n": 0, "bounds": []}

    def violated(pair) -> bool:
        signal, kernel = pair
        seen["n"] += 1
        outcome, _, _ = law.run(fn, convention, signal, kernel)
        if outcome.problem is None and outcome.bound:
            seen["bounds"].append(outcome.bound.split(" + oracle")[0])
        return outcome.problem is not None

    try:
        example = find(strategy, violated, settings=settings)
    except (NoSuchExample, Unsatisfiable):
        return Check(law.name, seen["n"], True, _summarise(seen["bounds"])), None
    return Check(law.name, seen["n"], False, _summarise(seen["bounds"])), example


def _summarise(bounds: list[str]) -> list[str]:
    kinds = []
    for b in bounds:
        head = b.split(" (")[0]
        if head.startswith("componentwise"):
            head = "componentwise gamma_m (|a|*|b|) + m eta (direct)"
        elif head.startswith("normwise"):
            head = "normwise FFT bound of an FFT of unknown length"
        kinds.append(head)
    return sorted(set(kinds))


def _violation(fn, name, law: _Law, checked: Convention, detected: Convention, example) -> Violation:
    outcome, signal, kernel = law.run(fn, checked, *example)
    reference = outcome.reference
    if reference is None:
        try:
            reference = checked.reference(signal, kernel)
        except Exception:  # the convention's window is undefined for these shapes
            reference = None
    return Violation(
        law.name + (f" (expected {checked.short()})" if checked != detected else ""),
        outcome.problem or "violated",
        signal,
        kernel,
        _snippet(fn, name, signal, kernel, reference, checked),
    )


def verify(
    fn,
    *,
    expect: str | None = None,
    mode: str | None = None,
    dims: int = 1,
    max_examples: int = 50,
    derandomize: bool = True,
    name: str | None = None,
    examples=(),
) -> VerifyReport:
    """Detect the convention of ``fn(signal, kernel)`` and check it against the exact oracle.

    Parameters
    ----------
    fn : callable
        ``fn(signal, kernel) -> array`` taking NumPy arrays of ``dims`` dimensions (wrap
        other calling conventions in a few lines; see the torch example in the docs).
    expect : {None, 'convolution', 'correlation'}
        What ``fn`` is meant to compute; a different detected product is a violation.
    mode : {None, 'full', 'same', 'valid'}
        The output window ``fn`` is meant to return ('same' centred as numpy and
        scipy.signal: start ``(k - 1) // 2``, zero-padded).
    dims : {1, 2, 3}
        Dimension of the inputs.
    max_examples : int
        Hypothesis examples per law.
    derandomize : bool
        Deterministic search (the default), so runs reproduce.
    name : str, optional
        ``'module:function'`` for the reproducing snippets.
    examples : sequence of (signal, kernel), optional
        Inputs checked against the convention's exact result before the search, as
        hypothesis's ``@example`` does (reported as given, not shrunk).

    Returns
    -------
    VerifyReport
        ``consistent``, ``exit_status``, the convention, the checks and the violations;
        ``str(report)`` is the text ``convalg verify`` prints.

    Notes
    -----
    Functions with another calling convention need a few lines of wrapping. For
    ``torch.nn.functional.conv1d``, which takes ``(N, C, L)`` tensors and ``(out, in, K)``
    weights::

        import torch
        from torch.nn.functional import conv1d

        def torch_conv1d(signal, kernel):
            x = torch.from_numpy(signal)[None, None, :]  # (N=1, C=1, L)
            w = torch.from_numpy(kernel)[None, None, :]  # (out=1, in=1, K)
            return conv1d(x, w)[0, 0].numpy()

        verify(torch_conv1d)  # correlation, conjugating neither argument, 'valid'

    Examples
    --------
    >>> import numpy as np
    >>> report = verify(np.convolve, max_examples=10)
    >>> report.consistent, report.convention.short()
    (True, 'convolution (conj neither), full')
    >>> def flipped(signal, kernel):
    ...     return np.convolve(signal, kernel[::-1])
    >>> report = verify(flipped, expect="convolution", max_examples=10)
    >>> report.exit_status, report.convention.operation
    (1, 'correlation')
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable as fn(signal, kernel); got {type(fn).__name__}")
    if expect not in (None, "convolution", "correlation"):
        raise ValueError(f"expect must be None, 'convolution' or 'correlation'; got {expect!r}")
    if mode not in (None, "full", "same", "valid"):
        raise ValueError(f"mode must be None, 'full', 'same' or 'valid'; got {mode!r}")
    if dims not in (1, 2, 3):
        raise ValueError(f"dims must be 1, 2 or 3; got {dims!r}")
    if int(max_examples) < 1:
        raise ValueError(f"max_examples must be at least 1; got {max_examples!r}")
    from hypothesis import HealthCheck, Phase, settings

    target = name or getattr(fn, "__qualname__", None) or repr(fn)
    report = VerifyReport(target=target, dims=dims)
    detection = detect_convention(fn, dims=dims)
    for problem in detection.problems:
        probe = next((p for p in detection.probes if p.call.error is not None or p.call.mutated), None)
        law = "a convention explains the outputs" if "convention" in problem else "runs on ordinary inputs"
        signal = probe.signal if probe else None
        kernel = probe.kernel if probe else None
        snippet = _snippet(fn, name, signal, kernel, None, None) if probe else ""
        report.violations.append(Violation(law, f"the function {problem}", signal, kernel, snippet))
    convention = detection.convention
    report.convention = convention
    if convention is None:
        return report
    checked = convention.with_expectation(expect, mode)
    if checked != convention:
        report.expected = checked
    report.accepted = _domain(fn, convention, dims, report)
    if not report.accepted:
        report.violations.append(Violation("accepts some dtype", "the function rejects every dtype probed"))
        return report
    config = settings(
        max_examples=int(max_examples),
        derandomize=derandomize,
        database=None,
        deadline=None,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    given = [(np.asarray(s), np.asarray(k)) for s, k in examples]
    for signal, kernel in given:
        outcome, _, _ = _agreement(fn, checked, signal, kernel)
        if outcome.problem is not None:
            report.violations.append(_violation(fn, name, _LAWS[0], checked, convention, (signal, kernel)))
    if given:
        report.checks.append(Check(_LAWS[0].name + " [given examples]", len(given), not report.violations))
    for law in _LAWS:
        if not law.applies(checked):
            continue
        # Search all accepted dtypes at once; after a violation, search the others again
        # (up to _SEARCHES_PER_LAW times: shrinking is the expensive part), so that dtypes
        # with a problem get their own minimal counterexample.
        dtypes = list(report.accepted)
        for _ in range(_SEARCHES_PER_LAW):
            strategy = _pairs(dims, dtypes, convention.kernel_longer_declined)
            check, example = _search(fn, checked, law, strategy, config)
            if len(dtypes) < len(report.accepted):
                check.law += f" [{', '.join(dtypes)}]"
            report.checks.append(check)
            if example is None:
                break
            report.violations.append(_violation(fn, name, law, checked, convention, example))
            dtypes.remove(example[0].dtype.name)
            if not dtypes:
                break
        if report.violations and law.run is _agreement:
            break  # the other laws add nothing once the function disagrees with its convention
    for note in (_nonfinite_note(fn, convention, dims) if "float64" in report.accepted else None,
                 _overflow_note(fn, convention, dims) if "int64" in report.accepted else None):
        if note:
            report.notes.append(note)
    return report
