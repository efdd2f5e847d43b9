"""``verify_layer``: check a convolution *layer* (and its backward) against PyTorch's semantics.

The steps, each in its own module:

1. how the function is called: a one-line template, layouts, fixed options
   (:mod:`~convalg.testing._layer_contract`);
2. every call runs in the worker harness of ``verify`` (:mod:`~convalg.testing._harness`),
   with its time limit, memory limit and mutation/aliasing checks;
3. the forms the function declines as a whole (a dtype, 'same', tuples) are probed;
4. the schedule (:mod:`~convalg.testing._layer_schedule`) draws geometries and values up
   to real layer sizes; each output is judged against the fast reference of
   :mod:`~convalg.testing._layer_oracle` within the allowance of
   :mod:`~convalg.testing._layer_bounds`; the backward's gradients likewise, and the
   laws of :mod:`~convalg.testing._layer_laws` are checked on the function itself;
5. the first case of each kind of failure is shrunk
   (:mod:`~convalg.testing._layer_shrink`), re-run, confirmed by the exact reference
   (Python integers), named (broken laws, matching bug models, what the failure needs)
   and reported once with a runnable snippet;
6. CONSISTENT is printed only after the exact reference agreed on a sample of the
   passing calls; anything that cannot be confirmed is UNKNOWN.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from convalg import errorbounds
from convalg.testing._findings import Finding
from convalg.testing._harness import Harness, Outcome, describe_mode
from convalg.testing._layer_bounds import forward_allowance, gradient_allowances
from convalg.testing._layer_contract import (
    BACKWARD_ROLES,
    LAYOUTS,
    TORCH_BACKWARD,
    TORCH_FORWARD,
    WEIGHT_LAYOUTS,
    BackwardCall,
    CallSpec,
    ForwardCall,
    parse_template,
    split_gradients,
)
from convalg.testing._layer_geometry import Geometry
from convalg.testing._layer_laws import check_laws, explain_backward, explain_forward
from convalg.testing._layer_oracle import (
    exact_forward,
    exact_gradients,
    forward,
    gradients,
)
from convalg.testing._layer_schedule import (
    Case,
    categories,
    schedule,
    tiny_geometry,
    values,
)
from convalg.testing._layer_shrink import shrink_case
from convalg.testing._report import VerifyReport, Violation, literal
from convalg.testing._report import _call_parts as call_parts
from convalg.testing._verify import _LAWS as _CALL_LAWS
from convalg.testing._verify import _BadType, _BadValue

__all__ = ["LAYERS", "LayerReport", "verify_layer"]

LAYERS = {"conv1d": 1, "conv2d": 2, "conv3d": 3}
_FLOAT_DTYPES = ("float64", "float32", "float16")
_ACCUMULATORS = ("int16", "int32", "int64")
# Products the exact reference may form: per confirmed violation, and in all on the passing sample.
_CONFIRM_ONE, _CONFIRM_PASSING = 2_000_000, 100_000
_LAW_PRODUCTS = 20_000  # laws are checked on the passing cases up to this size

_LAWS = {
    "values": "agrees with PyTorch's semantics (the exact result) within the error bound",
    "gradient": "the backward gives the exact gradients within the error bound",
    "law": "obeys the laws of a convolution layer",
    "shape": "returns PyTorch's output shape",
    "dtype": "keeps the inputs' precision (integers: the stated accumulator)",
    "raised": "returns a result for every geometry PyTorch defines",
    # what the harness sees is worded as for plain verify
    **{kind: _CALL_LAWS[kind] for kind in ("timeout", "died", "mutated", "aliased", "stale", "domain")},
}


@dataclass
class LayerReport(VerifyReport):
    """What :func:`verify_layer` found: a :class:`~convalg.testing.VerifyReport` for a layer.

    ``call`` says how the function was called; ``str(report)`` is what
    ``convalg verify --layer`` prints, and ``exit_status`` its exit status.
    """

    layer: str = ""
    call: str = ""

    def __str__(self) -> str:
        # the base class renders the checks, violations and verdict; only its header is a plain convolution's
        body = [line for line in super().__str__().splitlines()[1:] if not line.startswith("detected convention:")]
        header = [
            f"convalg verify --layer {self.layer} {self.target}",
            f"called as: {self.call}",
            (
                "semantics: PyTorch's (cross-correlation, zero padding, 'same' with the odd extra zero after, "
                "groups as consecutive channel blocks)"
            ),
        ]
        return "\n".join(header + body)


def _box(value) -> np.ndarray:
    """A Python object as a 0-d object array, so the harness can send it with the arrays."""
    box = np.empty((), dtype=object)
    box[()] = value
    return box


def _bias_array(bias, x) -> np.ndarray:
    """The bias as the harness sends it: an empty array stands for None (the geometry says which)."""
    return np.zeros(0, dtype=x.dtype) if bias is None else bias


_ARGUMENT_NAMES = {"forward": ("input", "weight", "bias"), "backward": ("grad_output", "input", "weight")}


def _call_failure(outcome: Outcome, which: str, timeout) -> Finding | None:
    """A finding for a call that did not return numbers cleanly, else None."""
    names = dict(zip(("signal", "kernel", "third"), _ARGUMENT_NAMES[which]))
    if outcome.timed_out:
        return Finding("timeout", ("timeout", which), f"the {which} returns nothing within {timeout:g} s")
    if outcome.died:
        return Finding("died", ("died", which), f"the {which} ends the process: {outcome.died}")
    if outcome.error is not None:
        if outcome.error_type == "LayerResultError":
            return Finding("shape", ("shape", which), outcome.error.split(": ", 1)[1])
        return Finding("raised", ("raised", which, outcome.error_type), f"the {which} raises {outcome.error}")
    if outcome.mutated:
        changed = ", ".join(names.get(n, n) for n in outcome.mutated)
        return Finding("mutated", ("mutated", which), f"the {which} changes its argument(s): {changed}")
    if outcome.aliased:
        shared = ", ".join(names.get(n, n) for n in outcome.aliased)
        return Finding("aliased", ("aliased", which), f"the {which} returns memory of its argument(s): {shared}")
    if outcome.stale:
        return Finding("stale", ("stale", which), f"the {which} overwrites the result of an earlier call")
    return None


def _gap(got, reference) -> np.ndarray:
    """``|got - reference|`` in float64 (NaN where either is not finite)."""
    with np.errstate(all="ignore"):
        return np.abs(np.asarray(got).astype(reference.dtype) - reference).astype(np.float64)


def _where(index) -> str:
    return "(" + ", ".join(str(int(i)) for i in index) + ")"


def _compare(name: str, got: np.ndarray, reference: np.ndarray, allowance) -> str | None:
    """Words for the worst element beyond the allowance, or None if all are within it."""
    gap = _gap(got, reference)
    bad = ~(gap <= allowance)
    if not bad.any():
        return None
    worst = np.unravel_index(int(np.argmax(np.where(bad, np.nan_to_num(gap, nan=np.inf), -1))), gap.shape)
    allowed = np.broadcast_to(allowance, gap.shape)[worst]
    return (
        f"{name}{_where(worst)} is {np.asarray(got)[worst].item()!r}, the exact result is "
        f"{float(reference[worst])!r} (off by {gap[worst]:.3g}, a correct layer is within {allowed:.3g}); "
        f"{int(bad.sum())} of {bad.size} outputs are off"
    )


class _Search:
    """One run: the harnesses, what the user's calls look like, and the violations so far."""

    def __init__(self, report: LayerReport, forward_harness, backward_harness, spec, backward_spec, options):
        self.report = report
        self.forward_harness, self.backward_harness = forward_harness, backward_harness
        self.spec, self.backward_spec = spec, backward_spec
        self.options = options
        self.roles = spec.template.roles | set(spec.fixed)
        self.by_key: dict = {}
        self.passed: list = []  # (which, case, output)
        self.counts = {
            "forward": 0,
            "backward": 0,
            "laws": 0,
            "law cases": 0,
            "nn agreed": 0,
            "nn cases": 0,
            "adjoint": 0,
            "skipped": 0,
        }
        self.largest: Geometry | None = None
        self.declined: set[str] = set()
        self.timed_out_products = math.inf

    # ------------------------------------------------------------ calls

    def call_forward(self, case: Case) -> Outcome:
        return self.forward_harness.call(
            case.input, case.weight, _bias_array(case.bias, case.input), _box(case.geometry)
        )

    def call_backward(self, case: Case) -> Outcome:
        geom = case.geometry.but(bias=False)
        return self.backward_harness.call(case.grad_output, case.input, case.weight, _box(geom))

    def judge(self, which: str, case: Case, outcome: Outcome) -> Finding | None:
        timeout = (self.forward_harness if which == "forward" else self.backward_harness).timeout
        failure = _call_failure(outcome, which, timeout)
        if failure is not None:
            return failure
        geom = case.geometry
        assert outcome.output is not None  # a call that returned nothing is a failure above
        if which == "forward":
            return self._judge_output(case, outcome.output)
        return self._judge_gradients(case, outcome.output.astype(outcome.output.dtype), geom)

    def _judge_output(self, case: Case, out: np.ndarray) -> Finding | None:
        geom = case.geometry
        if out.shape != geom.output_shape:
            return Finding(
                "shape",
                ("shape", "forward"),
                f"returns shape {out.shape}; PyTorch's semantics give {geom.output_shape} for {geom.words()}",
            )
        dtype = np.dtype(geom.dtype)
        if dtype.kind == "f" and (out.dtype.kind != "f" or out.dtype.itemsize < dtype.itemsize):
            return Finding("dtype", ("dtype", "forward"), f"returns {out.dtype} for {dtype} inputs")
        if dtype.kind in "iu":
            want = np.dtype(self.options["accumulator"])
            if out.dtype.kind not in "iu" or out.dtype.itemsize < want.itemsize:
                return Finding(
                    "dtype",
                    ("dtype", "forward"),
                    f"returns {out.dtype} for {dtype} inputs; the stated accumulator is {want}",
                )
        reference = forward(geom, case.input, case.weight, case.bias)
        allowance = forward_allowance(geom, case.input, case.weight, case.bias, error=_gap(out, reference))
        message = _compare("output", out, reference, allowance)
        return None if message is None else Finding("values", ("values", "forward"), message)

    def _judge_gradients(self, case: Case, flat: np.ndarray, geom: Geometry) -> Finding | None:
        geom = geom.but(bias=False)
        computed = split_gradients(flat, geom)
        references = gradients(geom, case.grad_output, case.input, case.weight)
        allowances = gradient_allowances(
            geom,
            case.grad_output,
            case.input,
            case.weight,
            errors=[None if c is None else _gap(c, r) for c, r in zip(computed, references)],
        )
        for name, got, ref, allow in zip(("grad_input", "grad_weight", "grad_bias"), computed, references, allowances):
            if got is None:
                continue
            message = _compare(name, got, ref, allow)
            if message is not None:
                return Finding("gradient", ("gradient", name), message)
        # implied by the elementwise check, counted for the report (and computed as the definition states it)
        self.counts["adjoint"] += all(holds for holds, _ in _adjoint_identities(geom, case, computed, allowances))
        return None

    # ------------------------------------------------------------ one case

    def run_case(self, case: Case, label: str) -> None:
        if categories(case.geometry) & self.declined or case.geometry.products >= self.timed_out_products:
            self.counts["skipped"] += 1
            return
        self.counts["forward"] += 1
        if self.largest is None or math.prod(case.geometry.input_shape) > math.prod(self.largest.input_shape):
            self.largest = case.geometry
        outcome = self.call_forward(case)
        finding = self.judge("forward", case, outcome)
        if finding is None:
            self.passed.append(("forward", case, outcome.output))
            if case.geometry.products <= _LAW_PRODUCTS and self.counts["forward"] % 3 == 1:
                self._check_laws(case, label)
        else:
            self.record(finding, "forward", case, label)
        if finding is not None and finding.kind == "timeout":  # larger cases would only wait out the limit too
            self.timed_out_products = min(self.timed_out_products, case.geometry.products)
            return
        if self.backward_harness is not None and np.dtype(case.geometry.dtype).kind == "f":
            self.counts["backward"] += 1
            outcome = self.call_backward(case)
            finding = self.judge("backward", case, outcome)
            if finding is None:
                self.passed.append(("backward", case, outcome.output))
                self._agrees_with_nn(case, outcome.output)
            else:
                self.record(finding, "backward", case, label)

    def _law_call(self, geom, x, w, b):
        outcome = self.forward_harness.call(x, w, _bias_array(b, x), _box(geom.but(bias=b is not None)))
        return outcome.output if outcome.failure() is None else None

    def _check_laws(self, case: Case, label: str) -> None:
        geom = case.geometry
        laws = check_laws(
            self._law_call, geom, case.input, case.weight, case.bias, self.spec.template.roles, self.spec.fixed
        )
        self.counts["law cases"] += 1
        self.counts["laws"] += sum(law.holds is True for law in laws)
        broken = [law for law in laws if law.holds is False]
        if not broken or ("law", broken[0].name) in self.by_key:
            return
        # a law broken although every call met the reference: confirm by checking it again
        again = [
            law
            for law in check_laws(
                self._law_call, geom, case.input, case.weight, case.bias, self.spec.template.roles, self.spec.fixed
            )
            if law.holds is False
        ]
        if not again:
            self.report.unknown.append(f"{label}: the law '{broken[0].name}' broke once and held when re-checked")
            return
        violation = Violation("law", _LAWS["law"], f"{again[0].name} is broken: {again[0].detail}")
        violation.diagnosis = [f"counterexample: {geom.words()}"] + [f"- {law.words()}" for law in laws]
        violation.found_by = f"found by: {label}"
        violation.confirmed = "confirmed by checking the law again"
        violation.snippet = self.snippet("forward", case, None)
        self.by_key[("law", broken[0].name)] = violation
        self.report.violations.append(violation)

    def _agrees_with_nn(self, case: Case, flat) -> None:
        """The backward's gradients against convalg.nn.functional.conv*_grad (two correct ones differ by 2x)."""
        from convalg.nn import functional

        geom = case.geometry.but(bias=False)
        grad = getattr(functional, f"conv{geom.dims}d_grad")
        try:
            ours = grad(
                case.grad_output,
                case.input,
                case.weight,
                stride=geom.stride,
                padding=geom.padding,
                dilation=geom.dilation,
                groups=geom.groups,
            )
        except (ValueError, TypeError, MemoryError):
            return
        self.counts["nn cases"] += 1
        theirs = split_gradients(flat, geom)
        gaps = [None if t is None else _gap(t, np.asarray(o, dtype=np.longdouble)) / 2 for t, o in zip(theirs, ours)]
        allowances = gradient_allowances(geom, case.grad_output, case.input, case.weight, errors=gaps)
        if all(
            t is None or _compare("", t, np.asarray(o, dtype=np.longdouble), 2 * a) is None
            for t, o, a in zip(theirs, ours, allowances)
        ):
            self.counts["nn agreed"] += 1
        else:  # the function met the exact reference: convalg's own gradient is the one to doubt
            self.report.notes.append(
                f"convalg.nn.functional.conv{geom.dims}d_grad disagrees with this backward on "
                f"{geom.words()} although the backward meets the exact reference"
            )

    # ------------------------------------------------------------ a failure

    def _fails_like(self, which: str, key):
        def fails(case: Case) -> bool:
            if categories(case.geometry) & self.declined:
                return False
            outcome = self.call_forward(case) if which == "forward" else self.call_backward(case)
            finding = self.judge(which, case, outcome)
            return finding is not None and finding.key == key

        return fails

    def record(self, finding: Finding, which: str, case: Case, label: str) -> None:
        if finding.key in self.by_key:
            if self.by_key[finding.key] is not None:
                self.by_key[finding.key].also_seen.append(label)
            return
        harness = self.forward_harness if which == "forward" else self.backward_harness
        seconds = 15.0 if finding.kind != "timeout" else 3 * (harness.timeout or 1)
        shrunk = shrink_case(
            case, self._fails_like(which, finding.key), self.roles, self.spec.fixed, max_seconds=seconds
        )
        small = shrunk.case
        outcome = self.call_forward(small) if which == "forward" else self.call_backward(small)
        final = self.judge(which, small, outcome)
        if final is None or final.key != finding.key:  # it no longer fails: report the original
            small, outcome = case, (self.call_forward(case) if which == "forward" else self.call_backward(case))
            final = self.judge(which, small, outcome) or finding
        violation = Violation(final.kind, _LAWS.get(final.kind, final.kind), final.message)
        violation.found_by = f"found by: {label}"
        violation.shrunk = shrunk.words(case)
        violation.diagnosis = [f"counterexample: {small.geometry.words()}"]
        if shrunk.needs:
            violation.diagnosis.append("it fails only as given: " + "; ".join(shrunk.needs))
        if not self._confirm(violation, which, small, outcome):
            self.by_key[finding.key] = None
            return
        self._name(violation, which, small, outcome)
        violation.snippet = self.snippet(which, small, outcome.output if outcome.failure() is None else None)
        self.by_key[finding.key] = violation
        self.report.violations.append(violation)

    def _confirm(self, violation: Violation, which: str, case: Case, outcome: Outcome) -> bool:
        """Confirm by the exact reference (values) or by the replay itself; else record UNKNOWN."""
        geom = case.geometry
        if violation.kind not in ("values", "gradient"):
            violation.confirmed = "confirmed by replaying the shrunk call"
            return True
        products = geom.products * (2 if which == "backward" else 1)
        if products > _CONFIRM_ONE:
            self.report.unknown.append(
                f"a {violation.kind} failure on {geom.words()} is too large for the exact "
                f"reference ({products} products)"
            )
            return False
        assert outcome.output is not None  # only a returned result is confirmed
        if which == "forward":
            exact = exact_forward(geom, case.input, case.weight, case.bias)
            errors = [(exact, outcome.output, forward_allowance(geom, case.input, case.weight, case.bias))]
            violation.output, violation.expected = outcome.output, exact.values()
        else:
            plain = geom.but(bias=False)
            exacts = exact_gradients(plain, case.grad_output, case.input, case.weight)
            computed = split_gradients(outcome.output, plain)
            allowances = gradient_allowances(plain, case.grad_output, case.input, case.weight)
            errors = [(e, c, a) for e, c, a in zip(exacts, computed, allowances) if c is not None]
        if any(np.any(~(e.error_of(c) <= a)) for e, c, a in errors):
            violation.confirmed = "confirmed by the exact reference (Python integers, shares no code with convalg.nn)"
            return True
        self.report.unknown.append(f"the fast and the exact references disagree on {geom.words()}: no verdict")
        return False

    def _name(self, violation: Violation, which: str, case: Case, outcome: Outcome) -> None:
        """Broken laws, matching bug models, and the adjoint identities: what the bug is."""
        geom = case.geometry
        fresh = self._fresh_failure(which, case)
        if fresh is None:
            return
        case, outcome = fresh
        if which == "forward":
            allowance = forward_allowance(geom, case.input, case.weight, case.bias)
            explained = explain_forward(geom, case.input, case.weight, case.bias, outcome.output, allowance)
            violation.diagnosis += [f"it computes this: {words}" for words in explained]
            laws = check_laws(
                self._law_call, geom, case.input, case.weight, case.bias, self.spec.template.roles, self.spec.fixed
            )
            violation.diagnosis += [f"law broken: {law.name} ({law.detail})" for law in laws if law.holds is False]
            violation.diagnosis += [f"law holds: {law.name}" for law in laws if law.holds]
            return
        plain = geom.but(bias=False)
        assert outcome.output is not None  # only a returned result is diagnosed
        computed = split_gradients(outcome.output, plain)
        allowances = gradient_allowances(plain, case.grad_output, case.input, case.weight)
        explained = explain_backward(plain, case.grad_output, case.input, case.weight, computed, allowances)
        violation.diagnosis += [f"it computes this: {words}" for words in explained]
        violation.diagnosis += _adjoint_words(plain, case, computed, allowances)

    def _fresh_failure(self, which: str, case: Case):
        """The shrunk geometry with random integers that still fail: shrunk values (zeros, ones) are degenerate.

        Bug models and laws are matched on these, so that a model is not named because it
        agrees on an all-ones input. None when no draw of a few returns a wrong result.
        """
        rng = np.random.default_rng(11)
        for kind in ("integers", "integers", "normal", "normal"):  # normal values: rounding errors show
            fresh = Case(case.geometry, *values(case.geometry, kind, rng, self.options["accumulator"]), label="fresh")
            if case.bias is None:
                fresh.bias = None
            outcome = self.call_forward(fresh) if which == "forward" else self.call_backward(fresh)
            if outcome.failure() is None and self.judge(which, fresh, outcome) is not None:
                return fresh, outcome
        return None

    # ------------------------------------------------------------ snippets

    def snippet(self, which: str, case: Case, output) -> str:
        spec = self.spec if which == "forward" else self.backward_spec
        harness = self.forward_harness if which == "forward" else self.backward_harness
        fn = harness.fn.fn
        import_line, call = call_parts(fn, self.options["names"][which])
        callee = call.split("(")[0]
        geom = case.geometry
        lines = ["import numpy as np", import_line, ""]
        arrays = {
            "input": ("x", spec.to_user(case.input)),
            "weight": ("w", spec.weight_to_user(case.weight)),
            "bias": ("b", case.bias),
            "grad_output": ("g", spec.to_user(case.grad_output)),
        }
        for role in ("grad_output", "input", "weight", "bias"):
            name, value = arrays[role]
            if role in spec.template.roles and (role != "bias" or (case.bias is not None and which == "forward")):
                lines.append(f"{name} = {literal(value) if value is not None else 'None'}")

        def text(role):
            if role in arrays:
                return (
                    arrays[role][0]
                    if role in spec.template.roles
                    and not (role == "bias" and (which == "backward" or case.bias is None))
                    else "None"
                )
            return repr(spec.value(role, geom))

        parts = [text(r) for r in spec.template.positional]
        parts += [f"{k}={text(r)}" for k, r in spec.template.keywords]
        parts += [f"{k}={v!r}" for k, v in spec.template.constants]
        lines.append(f"out = {callee}({', '.join(parts)})")
        options = f"stride={geom.stride!r}, padding={geom.padding!r}, dilation={geom.dilation!r}, groups={geom.groups}"
        # PyTorch's layout for the reference, and back to the user's for the comparison
        spatial_axes = ", ".join(str(a) for a in range(geom.dims))
        to_torch = {
            "x": "x" if spec.layout == "NCHW" else "np.moveaxis(x, -1, 1)",
            "g": "g" if spec.layout == "NCHW" else "np.moveaxis(g, -1, 1)",
            "w": "w" if spec.weight_layout == "OIHW" else f"np.transpose(w, (-1, -2, {spatial_axes}))",
        }
        back = "" if spec.layout == "NCHW" else "np.moveaxis("
        if which == "forward" and np.dtype(geom.dtype).kind == "f":
            bias = "b" if case.bias is not None else "None"
            lines += [
                f"from convalg.nn.functional import conv{geom.dims}d",
                f"expected = {back}conv{geom.dims}d({to_torch['x']}, {to_torch['w']}, {bias}, {options})"
                + (", 1, -1)" if back else "")
                + "  # PyTorch's semantics",
                "print(np.abs(np.asarray(out) - expected).max())",
            ]
        elif which == "forward":
            exact = forward(geom, case.input, case.weight, case.bias).astype(np.int64)
            lines.append("print(out)  # the exact result: " + literal(spec.to_user(exact), False))
        else:
            lines += [
                f"from convalg.nn.functional import conv{geom.dims}d_grad",
                (
                    f"expected = conv{geom.dims}d_grad({to_torch['g']}, {to_torch['x']}, {to_torch['w']}, {options})"
                    "  # (grad_input, grad_weight, grad_bias) in PyTorch's layout"
                ),
                "for got, want in zip(out, expected):",
                "    print(np.abs(np.asarray(got) - want).max())",
            ]
        return "\n".join(lines)


def _adjoint_words(geom: Geometry, case: Case, computed, allowances) -> list[str]:
    return [words for _, words in _adjoint_identities(geom, case, computed, allowances)]


def _adjoint_identities(geom: Geometry, case: Case, computed, allowances) -> list[tuple[bool, str]]:
    """The adjoint identities <conv(x, w), g> = <x, grad_input> = <w, grad_weight>: (holds, words) each."""
    g = np.asarray(case.grad_output, dtype=np.longdouble)
    y = forward(geom, case.input, case.weight)
    target = float(np.sum(y * g))
    # the inner products' own rounding in long double: gamma_n of the sums of magnitudes
    slack = errorbounds.gamma(max(y.size, case.input.size, case.weight.size) + 1, np.longdouble)
    target_error = slack * float(np.sum(np.abs(y * g)))
    words = []
    for name, other, got, allow in (
        ("<x, grad_input>", case.input, computed[0], allowances[0]),
        ("<w, grad_weight>", case.weight, computed[1], allowances[1]),
    ):
        product = np.asarray(other, dtype=np.longdouble) * np.asarray(got, dtype=np.longdouble)
        value = float(np.sum(product))
        bound = (
            float(np.sum(np.abs(np.asarray(other, dtype=np.float64)) * allow))
            + target_error
            + slack * float(np.sum(np.abs(product)))
        ) * (1 + 1e-12) + 1e-300
        holds = abs(value - target) <= bound
        words.append(
            (
                holds,
                (
                    f"adjoint identity <conv(x, w), g> = {name}: {'holds' if holds else 'BROKEN'} "
                    f"({target:.6g} and {value:.6g}, allowed difference {bound:.3g})"
                ),
            )
        )
    return words


def _validate(fn, layer, backward, layout, weight_layout, fixed, dtypes, accumulator, max_examples, timeout, seed):
    if fn is not None and not callable(fn):
        raise _BadType(f"fn must be callable; got {type(fn).__name__}")
    if backward is not None and not callable(backward):
        raise _BadType(f"backward must be callable; got {type(backward).__name__}")
    if fn is None and backward is None:
        raise _BadValue("give the forward (fn), the backward, or both")
    if layer not in LAYERS:
        raise _BadValue(f"layer must be one of {', '.join(LAYERS)}; got {layer!r}")
    if layout not in LAYOUTS:
        raise _BadValue(f"layout must be one of {', '.join(LAYOUTS)} (channels first or last); got {layout!r}")
    if weight_layout not in WEIGHT_LAYOUTS:
        raise _BadValue(f"weight_layout must be one of {', '.join(WEIGHT_LAYOUTS)}; got {weight_layout!r}")
    if not isinstance(fixed, dict):
        raise _BadType(f"fixed must be a dict of role: value; got {type(fixed).__name__}")
    dims = LAYERS[layer]
    for role, value in fixed.items():
        if role not in ("stride", "padding", "dilation", "groups"):
            raise _BadValue(f"fixed: {role!r} cannot be fixed; fix stride, padding, dilation or groups")
        ok_int = isinstance(value, int) and not isinstance(value, bool) and value >= (0 if role == "padding" else 1)
        ok_tuple = (
            isinstance(value, tuple)
            and len(value) == dims
            and role != "groups"
            and all(isinstance(v, int) and not isinstance(v, bool) and v >= (role != "padding") for v in value)
        )
        if not (ok_int or ok_tuple or (role == "padding" and value in ("same", "valid"))):
            raise _BadValue(f"fixed[{role!r}] must be a valid {role} for a {layer}; got {value!r}")
    if isinstance(dtypes, str) or not all(d in _FLOAT_DTYPES for d in dtypes) or not dtypes:
        raise _BadValue(f"dtypes must be a non-empty sequence of {', '.join(_FLOAT_DTYPES)}; got {dtypes!r}")
    if accumulator is not None and accumulator not in _ACCUMULATORS:
        raise _BadValue(f"accumulator (of int8 inputs) must be one of {', '.join(_ACCUMULATORS)}; got {accumulator!r}")
    if isinstance(max_examples, bool) or not isinstance(max_examples, int | np.integer) or max_examples < 1:
        raise _BadValue(f"max_examples must be an integer of at least 1; got {max_examples!r}")
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, int | float) or not (0 < timeout < math.inf)
    ):
        raise _BadValue(f"timeout must be a positive number of seconds, or None; got {timeout!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise _BadType(f"seed must be an integer; got {seed!r}")


def _spec(text, roles, required, dims, layout, weight_layout, fixed, what) -> CallSpec:
    try:
        template = parse_template(text, roles, required)
    except ValueError as exc:
        raise _BadValue(f"{what}: {exc}") from None
    clash = set(fixed) & template.roles
    if clash:
        raise _BadValue(f"{what}: {', '.join(sorted(clash))} is both passed by the template and fixed")
    return CallSpec(dims, template, layout, weight_layout, dict(fixed))


def _probe_declined(search: _Search, dims: int, dtypes, accumulator) -> list:
    """Forms of a call the function refuses outright (allowed), and the dtypes it computes with."""
    fixed = search.spec.fixed
    probes = [tiny_geometry(dims, d).but(**fixed) for d in dtypes]
    if accumulator:
        probes.append(tiny_geometry(dims, "int8").but(**fixed))
    base = tiny_geometry(dims).but(**fixed)
    roles = search.spec.template.roles
    if "padding" in roles and "stride" not in fixed:
        probes.append(base.but(padding="same", kernel=(3,) * dims))
    if "padding" in roles:
        probes += [base.but(padding="valid"), base.but(padding=(1,) * dims)]
    for role in ("stride", "dilation"):
        if role in roles:
            probes.append(base.but(**{role: (1,) * dims}))
    rng = np.random.default_rng(3)
    evidence = []
    for geom in (p for p in probes if p.defined()):
        case = Case(geom, *values(geom, "integers", rng, accumulator), label="probe")
        outcome = search.call_forward(case)
        form = sorted(categories(geom) - categories(base))
        what = form[0] if form else f"dtype {geom.dtype}"
        if outcome.error is not None and not outcome.mutated and outcome.error_type != "LayerResultError":
            search.declined.add(what)
            search.report.declined.append(f"{what.removeprefix('dtype ')} ({outcome.error[:120]})")
        else:
            evidence.append((case, f"probe of {what.removeprefix('dtype ')}"))
            if what.startswith("dtype"):
                search.report.accepted.append(what.removeprefix("dtype "))
    return evidence


def verify_layer(
    fn=None,
    layer: str = "conv2d",
    *,
    backward=None,
    takes: str = TORCH_FORWARD,
    backward_takes: str = TORCH_BACKWARD,
    layout: str = "NCHW",
    weight_layout: str = "OIHW",
    fixed: dict | None = None,
    dtypes=("float64", "float32"),
    accumulator: str | None = None,
    max_examples: int = 100,
    timeout: float | None = 5.0,
    seed: int = 0,
    derandomize: bool = True,
    name: str | None = None,
    backward_name: str | None = None,
) -> LayerReport:
    """Check a convolution layer ``fn`` (and its ``backward``) against PyTorch's semantics.

    Parameters
    ----------
    fn : callable, optional
        The forward, e.g. ``conv2d(input, weight, bias, stride, padding, dilation, groups)``.
    layer : {'conv1d', 'conv2d', 'conv3d'}
    backward : callable, optional
        Returns ``(grad_input, grad_weight, grad_bias)`` for an upstream gradient
        (``grad_bias`` may be None); one built on torch autograd will do.
    takes, backward_takes : str
        How they are called, one item per argument: ``ROLE`` (positional), ``NAME=ROLE``
        (keyword) or ``NAME=LITERAL`` (a constant). Roles: ``input, weight, bias, stride,
        padding, dilation, groups`` (and ``grad_output`` for the backward). Left-out roles
        stay at ``fixed``'s value or PyTorch's default. Default: PyTorch's argument lists.
    layout : {'NCHW', 'NHWC'}
        Activations channels-first or channels-last (the letters name the order in 1-D and
        3-D too).
    weight_layout : {'OIHW', 'HWIO'}
    fixed : dict, optional
        Options the function hard-wires, e.g. ``{'stride': 2}``.
    dtypes : sequence of {'float64', 'float32', 'float16'}
    accumulator : {'int16', 'int32', 'int64'}, optional
        States the int8 path: int8 input and weight, bias and output in this dtype, exact.
    max_examples : int
        Cases drawn by the schedule (beyond the probes); 100 by default, as for ``verify``.
    timeout : float or None
        Seconds per call (each in a worker process); None calls in this process.
    seed, derandomize
        The schedule's seed; ``derandomize=False`` draws a fresh one (printed in the notes).
    name, backward_name : str, optional
        ``'module:function'`` for the snippets.

    Returns
    -------
    LayerReport
        ``status`` and ``exit_status`` (0 consistent, 1 a violation, 3 unknown) as for
        :func:`convalg.testing.verify`; ``str(report)`` is what ``convalg verify --layer`` prints.

    Examples
    --------
    >>> from convalg.nn.functional import conv1d, conv1d_grad
    >>> report = verify_layer(conv1d, "conv1d", backward=conv1d_grad, max_examples=6)
    >>> report.status
    'consistent'
    """
    started = time.perf_counter()
    fixed = {} if fixed is None else fixed
    _validate(fn, layer, backward, layout, weight_layout, fixed, dtypes, accumulator, max_examples, timeout, seed)
    dims = LAYERS[layer]
    spec = _spec(
        takes,
        tuple(r for r in BACKWARD_ROLES if r != "grad_output"),
        ("input", "weight"),
        dims,
        layout,
        weight_layout,
        fixed,
        "takes",
    )
    backward_spec = (
        spec
        if backward is None
        else _spec(
            backward_takes,
            BACKWARD_ROLES,
            ("grad_output", "input", "weight"),
            dims,
            layout,
            weight_layout,
            fixed,
            "backward_takes",
        )
    )
    if not derandomize:
        seed = int(np.random.SeedSequence().generate_state(1)[0])  # fresh entropy, 32 bits
    target = name or getattr(fn, "__qualname__", None) or repr(fn)
    if backward is not None:
        target += f" with backward {backward_name or getattr(backward, '__qualname__', None) or repr(backward)}"
    report = LayerReport(target=target, dims=dims, layer=layer, call=spec.words())
    tiny = tiny_geometry(dims)
    warm_x, warm_w, _, warm_g = values(tiny, "ones", np.random.default_rng(0))
    forward_fn = ForwardCall(fn if fn is not None else _missing, spec)
    options = {"accumulator": accumulator, "names": {"forward": name, "backward": backward_name}}
    with (
        Harness(
            forward_fn, timeout=timeout, warmup=(warm_x, warm_w, _bias_array(None, warm_x), _box(tiny))
        ) as forward_harness,
        Harness(
            BackwardCall(backward or _missing, backward_spec),
            timeout=timeout,
            warmup=(warm_g, warm_x, warm_w, _box(tiny)),
        ) as backward_harness,
    ):
        search = _Search(
            report, forward_harness, backward_harness if backward is not None else None, spec, backward_spec, options
        )
        if fn is None:  # the backward alone: the forward harness computes PyTorch's semantics
            forward_harness.fn = ForwardCall(_reference_forward, spec.__class__(dims, parse_template(TORCH_FORWARD)))
            search.spec = forward_harness.fn.spec
            search.roles = search.spec.template.roles
        evidence = _probe_declined(search, dims, dtypes, accumulator)
        if not report.accepted:
            report.violations.append(Violation("domain", _LAWS["domain"], "the function raises for every dtype probed"))
        for case, label in evidence:
            search.run_case(case, label)
        accepted = [
            d for d in (*dtypes, "int8") if f"dtype {d}" not in search.declined and (d != "int8" or accumulator)
        ]
        forms = [
            f
            for f in ("int", "tuple", "same", "valid")
            if f in ("int", "tuple") or f"padding={f!r}" not in search.declined
        ]
        if accepted:
            for case in schedule(
                dims,
                accepted,
                max_examples=max_examples,
                seed=seed,
                roles=search.roles,
                fixed=fixed,
                padding_forms=forms,
                accumulator=accumulator,
            ):
                search.run_case(case, f"schedule: {case.label}, {case.geometry.words()}")
        confirmed, products = _confirm_passing(search) if not report.violations else (0, 0)
        _summarise(report, search, confirmed, products, seed, derandomize)
    report.seconds = time.perf_counter() - started
    return report


def _missing(*args, **kwargs):
    raise TypeError("no function given")


def _reference_forward(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    from convalg.nn import functional

    if np.asarray(input).dtype.kind != "f":
        raise TypeError("the reference forward computes floats only")
    return getattr(functional, f"conv{input.ndim - 2}d")(input, weight, bias, stride, padding, dilation, groups)


def _confirm_passing(search: _Search) -> tuple[int, int]:
    """Re-judge the smallest passing calls with the exact reference, within a budget of products."""
    confirmed = products = 0
    for which, case, output in sorted(search.passed, key=lambda p: p[1].geometry.products):
        geom = case.geometry if which == "forward" else case.geometry.but(bias=False)
        cost = geom.products * (1 if which == "forward" else 2)
        if products + cost > _CONFIRM_PASSING:
            break
        products += cost
        if which == "forward":
            error = exact_forward(geom, case.input, case.weight, case.bias).error_of(output)
            pairs = [(error, forward_allowance(geom, case.input, case.weight, case.bias, error=error))]
        else:
            exact = exact_gradients(geom, case.grad_output, case.input, case.weight)
            errors = [None if c is None else e.error_of(c) for e, c in zip(exact, split_gradients(output, geom))]
            allowances = gradient_allowances(geom, case.grad_output, case.input, case.weight, errors=errors)
            pairs = [(e, a) for e, a in zip(errors, allowances) if e is not None]
        if any(np.any(~(e <= a)) for e, a in pairs):
            search.report.unknown.append(f"the exact reference disagrees with the fast one on {geom.words()}")
            return confirmed, products
        confirmed += 1
    return confirmed, products


def _summarise(report: LayerReport, search: _Search, confirmed: int, products: int, seed, derandomize) -> None:
    counts = search.counts
    harness = search.forward_harness
    calls = harness.calls + (search.backward_harness.calls if search.backward_harness is not None else 0)
    report.checks.append(f"{calls} calls; {describe_mode(harness)}")
    report.checks.append(
        f"{counts['forward']} forward cases"
        + (f", {counts['backward']} backward cases" if search.backward_harness else "")
        + (
            f", {counts['skipped']} skipped (a declined form, or as large as one that timed out)"
            if counts["skipped"]
            else ""
        )
    )
    if search.largest is not None:
        report.checks.append(f"largest: {search.largest.words()}")
    report.checks.append(
        f"laws checked on {counts['law cases']} cases ({counts['laws']} held): linearity in x "
        "and w, bias per channel, shift by the stride, groups as blocks, padding as zeros"
    )
    if search.backward_harness is not None:
        report.checks.append(
            f"gradients agreed with convalg.nn.functional.conv{report.dims}d_grad on "
            f"{counts['nn agreed']} of {counts['nn cases']} cases; the adjoint identities "
            f"<conv(x, w), g> = <x, grad_input> = <w, grad_weight> held on {counts['adjoint']}"
        )
    if not report.violations and search.passed:
        report.checks.append(
            f"the exact reference (Python integers) re-judged {confirmed} passing calls "
            f"({products} products)" + ("" if report.unknown else " and agreed")
        )
        if confirmed == 0:
            report.unknown.append("no passing call was small enough for the exact reference")
    if not search.passed and not report.violations:
        report.unknown.append("no call was answered")
    report.notes.append("NaN and infinity are not checked for layers (PyTorch spreads them differently per engine)")
    if not derandomize:
        report.notes.append(f"seed {seed} (rerun with seed={seed} to repeat this run)")
