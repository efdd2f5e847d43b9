"""What ``verify`` reports: violations with their minimal counterexamples and runnable snippets, and the verdict.

Kept apart from the search so that other checkers (conv layers, issue 17) can report the
same way: a :class:`Violation` carries the inputs, the function's output, what the
contract gives (and the nearest convention, when none fits), how it was shrunk and
confirmed, and a snippet that reproduces it; :class:`VerifyReport` renders the contract,
the checks, the violations and a verdict that is CONSISTENT only when confirmed.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # only annotations: the contract and the convention modules need no report
    from convalg.testing._contract import Contract
    from convalg.testing._convention import Convention

__all__ = ["Violation", "VerifyReport", "snippet", "literal"]

_EXIT = {"consistent": 0, "violation": 1, "unknown": 3}


def _number(v) -> str:
    if isinstance(v, complex):
        if math.isfinite(v.real) and math.isfinite(v.imag):
            return repr(v)
        return f"complex({_number(v.real)}, {_number(v.imag)})"
    if isinstance(v, float) and not math.isfinite(v):
        return f"float({str(v)!r})"
    return repr(v)


def _plain(x: np.ndarray) -> np.ndarray:
    """Extended-precision and object results as float64/complex128 or Python ints (for printing)."""
    x = np.asarray(x)
    if x.dtype == object:
        return x
    if x.dtype.kind == "f" and x.dtype.itemsize > 8:
        return x.astype(np.float64)
    if x.dtype.kind == "c" and x.dtype.itemsize > 16:
        return x.astype(np.complex128)
    return x


def _nested(v) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_nested(e) for e in v) + "]"
    return _number(v)


def literal(x: np.ndarray, dtype: bool = True) -> str:
    """``x`` as a NumPy expression that rebuilds it exactly.

    Arrays of more than 24 elements that are constant but for at most 8 elements are
    written as ``np.full`` plus the exceptions, so that a 1,000-sample impulse stays short.

    Examples
    --------
    >>> import numpy as np
    >>> literal(np.array([1.0, float("nan")]))
    "np.array([1.0, float('nan')], dtype='float64')"
    >>> x = np.zeros(1000)
    >>> x[3] = 2.0
    >>> literal(x)
    "np.full((1000,), 0.0, dtype='float64'); x[(3,)] = 2.0"
    """
    x = _plain(x)
    if x.dtype == object:
        values = np.array([int(v) for v in x.ravel().tolist()], dtype=object).reshape(x.shape).tolist()
        return f"np.array({_nested(values)}, dtype=object)"
    suffix = f", dtype={x.dtype.name!r}" if dtype else ""
    if x.size > 24:
        flat = x.ravel()
        values, counts = np.unique(flat, return_counts=True)
        common = values[np.argmax(counts)]
        others = np.flatnonzero(
            ~((flat == common) | (np.isnan(flat) & np.isnan(common)) if x.dtype.kind in "fc" else flat == common)
        )
        if len(others) <= 8:
            fixes = "".join(
                f"; x[{tuple(int(i) for i in np.unravel_index(j, x.shape))}] = {_number(flat[j].item())}"
                for j in others
            )
            return f"np.full({x.shape}, {_number(common.item())}{suffix}){fixes}"
    return f"np.array({_nested(x.tolist())}{suffix})"


def _short(x: np.ndarray, limit: int = 12) -> str:
    """A readable summary of ``x``: all of it when short, else its head, tail and shape."""
    x = _plain(x)
    if x.size <= limit or x.ndim != 1:
        text = literal(x, dtype=False)
        return text if len(text) < 400 else text[:200] + " ... " + text[-120:]
    head = ", ".join(_number(v) for v in x[:5].tolist())
    tail = ", ".join(_number(v) for v in x[-3:].tolist())
    return f"[{head}, ..., {tail}] (shape {x.shape}, dtype {x.dtype})"


def _assign(name: str, x: np.ndarray, dtype: bool = True) -> list[str]:
    """Lines that bind ``name`` to ``x`` exactly."""
    text = literal(x, dtype)
    if "; x[" not in text:
        return [f"{name} = {text}"]
    head, *fixes = text.split("; ")
    return [f"{name} = {head}"] + [fix.replace("x[", f"{name}[", 1) for fix in fixes]


def _call_parts(fn, name: str | None) -> tuple[str, str]:
    """The import line and the call expression that reproduce ``fn(signal, kernel)``."""
    kwargs: dict = {}
    target = fn
    while isinstance(target, functools.partial) and not target.args:
        kwargs = {**target.keywords, **kwargs}
        target = target.func
    extra = "".join(f", {k}={v!r}" for k, v in kwargs.items())
    if name and ":" in name:
        module, _, qualname = name.partition(":")
        return f"from {module} import {qualname.split('.')[0]}", f"{qualname}(signal, kernel{extra})"
    defined_in = getattr(target, "__module__", None)
    defined_as = getattr(target, "__qualname__", None)
    if defined_in and defined_as and "<" not in defined_as:
        head = defined_as.split(".")[0]
        public = {"numpy._core.multiarray": "numpy", "numpy._core.numeric": "numpy", "numpy.core.numeric": "numpy"}.get(
            defined_in, defined_in
        )
        return f"from {public} import {head}", f"{defined_as}(signal, kernel{extra})"
    return f"# fn = {fn!r}  (define it here: it cannot be imported by name)", f"fn(signal, kernel{extra})"


def snippet(fn, name, violation: Violation, timeout: float | None = None) -> str:
    """A script that reproduces ``violation`` with the counterexample written out exactly."""
    if violation.signal is None or violation.kernel is None:
        raise ValueError(f"a {violation.kind!r} violation without a counterexample has no snippet")
    import_line, call = _call_parts(fn, name)
    lines = (
        ["import numpy as np", import_line, ""]
        + _assign("signal", violation.signal)
        + _assign("kernel", violation.kernel)
    )
    kind = violation.kind
    if kind == "timeout":
        lines.append(f"out = {call}  # does not return within {timeout:g} s")
    elif kind == "died":
        lines.append(f"out = {call}  # the Python process ends here")
    elif kind == "raised":
        lines.append(f"out = {call}  # raises {violation.message.removeprefix('raises ')}")
    elif kind == "mutated":
        lines += [
            "before = signal.copy(), kernel.copy()",
            f"out = {call}",
            "print(np.array_equal(signal, before[0]), np.array_equal(kernel, before[1]))  # False: changed",
        ]
    elif kind == "aliased":
        lines += [f"out = {call}", "print(np.shares_memory(out, signal) or np.shares_memory(out, kernel))  # True"]
    elif kind == "stale" and violation.earlier is not None:
        first = violation.earlier
        lines += _assign("first_signal", first[0]) + _assign("first_kernel", first[1])
        lines += [
            f"first = {call.replace('(signal, kernel', '(first_signal, first_kernel')}",
            "kept = first.copy()",
            f"out = {call}",
            "print(np.array_equal(first, kept))  # False: the first result was overwritten",
        ]
    else:
        lines += [f"out = {call}", "print(out)"]
    if violation.expected is not None and kind not in ("timeout", "died", "mutated", "aliased", "stale"):
        lines += _assign("expected", violation.expected, dtype=False)
        lines[-1] += f"  # {violation.contract_label}"
        lines.append("print(expected)")
    if violation.nearest is not None and violation.nearest[1] is not None:
        label, value = violation.nearest
        lines += _assign("nearest", value, dtype=False)
        lines[-1] += f"  # {label}"
    return "\n".join(lines)


@dataclass
class Violation:
    """One way the function breaks its contract, on a minimal counterexample.

    Attributes
    ----------
    kind : str
        ``'values'``, ``'integers'``, ``'nonfinite'``, ``'shape'``, ``'dtype'``,
        ``'convention'``, ``'raised'``, ``'timeout'``, ``'died'``, ``'mutated'``,
        ``'aliased'``, ``'stale'`` or ``'domain'``.
    law : str
        The property broken, in words (the report's headline).
    message : str
        What happened on the counterexample.
    signal, kernel : numpy.ndarray
        The counterexample, shrunk.
    output, expected : numpy.ndarray or None
        The function's output on it, and the contract's.
    nearest : (str, numpy.ndarray) or None
        When no convention fits: the closest one, and what it gives.
    snippet : str
        A script that reproduces it.
    """

    kind: str
    law: str
    message: str
    signal: np.ndarray | None = None
    kernel: np.ndarray | None = None
    output: np.ndarray | None = None
    expected: np.ndarray | None = None
    contract_label: str = ""
    nearest: tuple | None = None
    diagnosis: list[str] = field(default_factory=list)
    found_by: str = ""
    shrunk: str = ""
    confirmed: str = ""
    also_seen: list[str] = field(default_factory=list)
    earlier: tuple | None = None
    snippet: str = ""

    def __str__(self) -> str:
        lines = [f"VIOLATION  {self.law}"]
        lines += [f"  {line}" for line in self.message.splitlines()]
        lines += [f"  {line}" for line in self.diagnosis]
        if self.signal is not None and self.kernel is not None:
            for head, x in (("  counterexample: signal=", self.signal), ("                  kernel=", self.kernel)):
                text = _short(x)
                lines.append(head + text + ("" if "dtype" in text else f", dtype {x.dtype}"))
            if self.output is not None:
                lines.append(f"  the function returns: {_short(self.output)}")
            if self.expected is not None:
                lines.append(f"  the contract gives:   {_short(self.expected)}  ({self.contract_label})")
            if self.nearest is not None and self.nearest[1] is not None:
                lines.append(f"  nearest convention:   {_short(self.nearest[1])}  ({self.nearest[0]})")
        for words in (self.found_by, self.shrunk, self.confirmed):
            if words:
                lines.append(f"  {words}")
        if self.also_seen:
            lines.append(
                f"  also seen on: {'; '.join(self.also_seen[:6])}"
                + (f" and {len(self.also_seen) - 6} more" if len(self.also_seen) > 6 else "")
            )
        if self.snippet:
            lines.append("  reproduce with:")
            lines.extend("    " + line for line in self.snippet.splitlines())
        return "\n".join(lines)


@dataclass
class VerifyReport:
    """What :func:`convalg.testing.verify` found.

    Attributes
    ----------
    target : str
    dims : int
    contract : Contract
        The contract checked (stated fields, then detected ones, then the default rules).
    sources : dict
        For each field, where it came from: ``'stated'``, a preset's name, ``'detected'``
        or ``'default'``.
    convention : Convention or None
        The convention detected from the probes (None if none explains them).
    accepted, declined : list of str
        The dtypes the function computes with, and those it refuses (with the reason).
    checks : list of str
        What was checked, on how many calls, with which bounds.
    violations : list of Violation
    unknown : list of str
        Why a verdict could not be confirmed (the verdict is then UNKNOWN).
    notes : list of str
    """

    target: str
    dims: int
    contract: Contract | None = None
    sources: dict = field(default_factory=dict)
    convention: Convention | None = None
    explained: str = ""
    accepted: list[str] = field(default_factory=list)
    declined: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def status(self) -> str:
        """``'violation'`` (confirmed), ``'unknown'`` or ``'consistent'`` (confirmed)."""
        if self.violations:
            return "violation"
        return "unknown" if self.unknown else "consistent"

    @property
    def consistent(self) -> bool:
        """True when no violation was found and that was confirmed."""
        return self.status == "consistent"

    @property
    def exit_status(self) -> int:
        """0 consistent, 1 a violation, 3 unknown (the command line's exit status)."""
        return _EXIT[self.status]

    def __str__(self) -> str:
        lines = [f"convalg verify {self.target} ({self.dims}-D inputs)"]
        if self.contract is not None:
            lines.append("contract:")
            lines += [f"  {line}" for line in self.contract.lines(self.sources)]
        detected = self.convention.describe() if self.convention is not None else "none explains the probes"
        lines.append(f"detected convention: {detected}" + (f" ({self.explained})" if self.explained else ""))
        if self.accepted:
            lines.append(f"computes with: {', '.join(self.accepted)}")
        lines.extend(f"declines: {d}" for d in self.declined)
        lines.extend(f"checked: {c}" for c in self.checks)
        lines.extend(f"note: {n}" for n in self.notes)
        lines.extend(str(v) for v in self.violations)
        lines.extend(f"UNKNOWN: {u}" for u in self.unknown)
        if self.status == "violation":
            verdict = f"{len(self.violations)} VIOLATION(S)"
        elif self.status == "unknown":
            verdict = "UNKNOWN (no violation found, but the verdict could not be confirmed)"
        else:
            verdict = "CONSISTENT"
        lines.append(f"result: {verdict}  [{self.seconds:.1f} s]")
        return "\n".join(lines)
