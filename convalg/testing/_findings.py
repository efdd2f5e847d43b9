"""Judge one call against a completed contract with the fast oracle: what, if anything, is wrong.

The order of the checks is the order of severity: a call that did not return (time limit,
process death, exception), changed its inputs, returned an input (or a view of one) or a
buffer a later call overwrote, then the output's shape, dtype, non-finite values, integer
values and floating-point values within the error bound of a correct implementation
(componentwise for direct sums, normwise for an FFT of any sane length; either will do).
A :class:`Finding` names the kind of failure; two findings are "the same failure" when
their ``key`` is equal, which is what the shrinker keeps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from convalg import errorbounds
from convalg.testing._assertions import bound_report
from convalg.testing._tolerance import operand_tolerance

__all__ = ["Finding", "Check", "check_call", "compute_dtype"]


@dataclass
class Finding:
    """One way a call broke the contract."""

    kind: str
    key: tuple
    message: str
    reference: np.ndarray | None = None


@dataclass
class Check:
    """The verdict on one call: a finding, or the bound it met (None when the shapes are undefined)."""

    finding: Finding | None
    bound: str | None = None
    undefined: bool = False
    nonfinite: bool = False
    spread: bool = False
    unjudged: bool = False  # no error bound could be computed (it overflows): the call cannot be judged


def _real_bits(dtype: np.dtype) -> int:
    return dtype.itemsize * 4 if dtype.kind == "c" else dtype.itemsize * 8


def compute_dtype(contract, signal: np.ndarray, kernel: np.ndarray) -> np.dtype:
    """The dtype the contract promises to compute in (its output's least precision)."""
    promoted = np.dtype(np.result_type(signal, kernel))
    if contract.precision == "signal":
        dtype = signal.dtype
        if kernel.dtype.kind == "c" and dtype.kind != "c":
            dtype = np.result_type(dtype, np.complex64)
        return np.dtype(dtype)
    if contract.precision == "lowest" and promoted.kind in "fc":
        bits = min(_real_bits(d) for d in (signal.dtype, kernel.dtype) if d.kind in "fc")
        if bits < _real_bits(promoted):
            return np.dtype(np.complex64 if promoted.kind == "c" else np.float32)
    return promoted


def _dtype_problem(wanted: np.dtype, out: np.dtype, complex_inputs: bool) -> str | None:
    if out.kind not in "biufc":
        return f"returns dtype {out}, not numbers"
    if complex_inputs and out.kind != "c":
        return f"returns {out} for complex inputs: the imaginary part is lost"
    if wanted.kind in "fc" and out.kind in "biu":
        return f"returns {out} where the contract computes in {wanted}: precision is lost"
    if wanted.kind in "fc" and _real_bits(out) < _real_bits(wanted):
        return f"returns {out} where the contract computes in {wanted}: precision is lost"
    if wanted.kind in "iu" and out.kind in "fc" and _real_bits(out) < 64:
        return f"returns {out} for {wanted} inputs: integers beyond 2**24 lose precision"
    if wanted.kind in "iu" and out.kind in "iu" and out.itemsize < wanted.itemsize:
        return f"returns {out} for {wanted} inputs: a narrower integer"
    return None


def _overflows(contract, signal, kernel) -> bool:
    """Whether an integer result does not fit the inputs' dtype (so a raised error is a refusal)."""
    dtype = np.result_type(signal, kernel)
    if dtype.kind not in "iu":
        return False
    info = np.iinfo(dtype)
    reference = contract.reference(signal, kernel)
    return any(not (info.min <= int(v) <= info.max) for v in reference.ravel().tolist())


def _finite(x: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(x), x, 0) if x.dtype.kind in "fc" else x


def check_call(contract, signal: np.ndarray, kernel: np.ndarray, outcome, timeout=None) -> Check:
    """Judge one :class:`~convalg.testing._harness.Outcome` of ``fn(signal, kernel)``."""
    defined = contract.defined(signal.shape, kernel.shape)
    if outcome.timed_out:
        return Check(Finding("timeout", ("timeout",), f"does not return within the time limit ({timeout:g} s)"))
    if outcome.died:
        return Check(Finding("died", ("died",), f"{outcome.died} during the call"))
    if outcome.mutated:
        return Check(Finding("mutated", ("mutated",), f"changes its input ({', '.join(outcome.mutated)}) in place"))
    if not defined:
        return Check(None, undefined=True)
    if outcome.error is not None:
        if outcome.error_type in ("OverflowError", "ValueError", "ArithmeticError") and _overflows(
            contract, signal, kernel
        ):
            return Check(None, "refuses an integer result that does not fit (allowed)")
        return Check(Finding("raised", ("raised", outcome.error_type), f"raises {outcome.error}"))
    if outcome.aliased:
        return Check(
            Finding(
                "aliased",
                ("aliased",),
                f"returns its input ({', '.join(outcome.aliased)}) or a "
                "view of it: the caller's array and the result are one",
            )
        )
    if outcome.stale:
        return Check(
            Finding(
                "stale",
                ("stale",),
                "the previous call's result changes during this call (it returns an internal buffer that is reused)",
            )
        )
    out = outcome.output
    shape = contract.output_shape(signal.shape, kernel.shape)
    if tuple(out.shape) != tuple(shape):
        return Check(Finding("shape", ("shape",), f"returns shape {tuple(out.shape)}; the contract gives {shape}"))
    wanted = compute_dtype(contract, signal, kernel)
    problem = _dtype_problem(wanted, out.dtype, np.iscomplexobj(signal) or np.iscomplexobj(kernel))
    if problem:
        return Check(Finding("dtype", ("dtype", problem.split(":")[-1].strip()), problem))
    nonfinite_inputs = (signal.dtype.kind in "fc" and not np.all(np.isfinite(signal))) or (
        kernel.dtype.kind in "fc" and not np.all(np.isfinite(kernel))
    )
    touched = contract.touched(signal, kernel) if nonfinite_inputs else np.zeros(shape, dtype=bool)
    bad = ~np.isfinite(out) if out.dtype.kind in "fc" else np.zeros(shape, dtype=bool)
    # the outputs no NaN or infinity enters are judged first: a wrong value there is a wrong value,
    # whatever happens to the non-finite ones (under 'spread', non-finite ones there are allowed)
    judged = ~touched & ~bad if contract.nonfinite == "spread" and nonfinite_inputs else ~touched
    s, k = _finite(signal), _finite(kernel)
    reference = contract.reference(s, k)
    if out.dtype.kind in "iu":
        values = _check_integers(contract, s, k, out, reference)
    else:
        values = _check_floats(contract, s, k, out, reference, judged, wanted)
    if values.finding is not None or values.unjudged or not nonfinite_inputs:
        return values
    lost = touched & ~bad
    if lost.any():
        i = tuple(int(v) for v in np.argwhere(lost)[0])
        return Check(
            Finding(
                "nonfinite",
                ("nonfinite", "lost"),
                f"output {i} is {out[i]}, but a NaN or infinity enters its sum (rule: every output "
                "whose sum a non-finite value enters is non-finite)",
            )
        )
    spread = bad & ~touched
    if spread.any() and contract.nonfinite == "local":
        i = tuple(int(v) for v in np.argwhere(spread)[0])
        return Check(
            Finding(
                "nonfinite",
                ("nonfinite", "spread"),
                f"output {i} is {out[i]}, though no NaN or infinity enters its sum; {int(spread.sum())} "
                f"of {spread.size} outputs are non-finite beyond the {int(touched.sum())} reached "
                "(rule 'local': non-finite values reach exactly the outputs they enter)",
            )
        )
    return Check(None, values.bound, nonfinite=True, spread=bool(spread.any()))


def _check_floats(contract, signal, kernel, out, reference, judged, wanted) -> Check:
    dtype = wanted if wanted.kind in "fc" else np.dtype(np.float64)
    bounds = _float_bounds(contract, signal, kernel, dtype)
    if not bounds:
        return Check(None, unjudged=True)
    wide = np.asarray(
        reference, dtype=np.clongdouble if np.iscomplexobj(reference) or out.dtype.kind == "c" else np.longdouble
    )
    compared = np.where(judged, out, 0)
    wide = np.where(judged, wide, 0)
    for bound in bounds:
        if bound.holds(compared, wide):
            return Check(None, bound.description)
    reports = "\n".join(f"- {bound_report(compared, wide, b)}" for b in bounds)
    return Check(
        Finding("values", ("values",), f"outside every bound a correct implementation meets:\n{reports}", reference)
    )


def _float_bounds(contract, signal, kernel, dtype) -> list[errorbounds.Bound]:
    """The bounds a correct implementation meets: a direct sum's, or an FFT's of any sane length."""
    _, starts, shape = contract.convention().geometry(signal.shape, kernel.shape)
    a, b, _ = contract.operands(signal, kernel)
    with np.errstate(all="ignore"):
        bounds = [
            operand_tolerance(a, b, starts=starts, shape=shape, method=m, dtype=dtype) for m in ("direct", "fft-any")
        ]
    # a bound that overflowed would let anything pass: such a bound is not used
    return [b for b in bounds if np.all(np.isfinite(b.value))]


def _check_integers(contract, signal, kernel, out, reference) -> Check:
    """Integer outputs: exact, or wrapped modulo the output dtype ('wrap'), or within the float64
    direct or FFT bound of a float computation cast back ('float64', unchecked where it cannot fit)."""
    info = np.iinfo(out.dtype)
    got = np.array(out.ravel().tolist(), dtype=object)
    want = np.array([int(v) for v in reference.ravel().tolist()], dtype=object)
    diff = got - want
    fits = np.array([info.min <= w <= info.max for w in want], dtype=bool)
    if contract.integers == "exact":
        wrong = diff != 0
    elif contract.integers == "wrap":
        wrong = np.array([d % (1 << (8 * out.dtype.itemsize)) != 0 for d in diff], dtype=bool)
    else:
        error = np.array([float(abs(d)) if f else 0.0 for d, f in zip(diff, fits)])
        direct, fft = (
            np.broadcast_to(b.value, out.shape).ravel() if b.kind == "componentwise" else b.value
            for b in _float_bounds(contract, signal, kernel, np.dtype(np.float64))
        )
        if np.all(error <= direct + 1) or math.sqrt(float(np.sum(error**2))) <= fft + math.sqrt(error.size):
            wrong = np.zeros(error.shape, dtype=bool)
        else:
            wrong = error > direct + 1
    if not wrong.any():
        rule = {"wrap": "exact or wrapped", "exact": "exact", "float64": "float64 then cast"}[contract.integers]
        return Check(None, f"integers {rule} ({out.dtype})")
    i = int(np.flatnonzero(wrong)[0])
    index = tuple(int(v) for v in np.unravel_index(i, out.shape))
    if contract.integers == "exact" and not fits[i]:
        why = "it does not fit and the contract wants it exact"
    elif contract.integers == "wrap":
        why = f"not the exact result, nor the exact result wrapped modulo 2**{8 * out.dtype.itemsize}"
    else:
        why = "beyond the float64 bounds"
    return Check(
        Finding(
            "integers",
            ("integers",),
            f"output {index} is {got[i]} where the exact result is {want[i]} ({why}; integer rule "
            f"'{contract.integers}')",
            reference,
        )
    )
