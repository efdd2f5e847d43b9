"""Second certificate: exhaustive exact checks with fully symbolic entries, every size up to a bound.

Each sequence of length ``n`` gets ``n`` independent symbolic entries (and their conjugates when
the statement can see complex values) in a sympy polynomial ring over the Gaussian rationals;
scalars are symbols too. The statement is evaluated exactly for every combination of lengths
up to the bound and every small value of its integer parameters; it holds for those sizes if
and only if the two sides are the same polynomials. This is independent of the proofs: it
uses the definitions directly (:mod:`convalg.symbolic.evaluate`), not the rewrites.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from itertools import product

from convalg.symbolic.budget import Budget
from convalg.symbolic.evaluate import Arithmetic, Finite, TooLarge, Undefined, equal, evaluate_sides, root_order
from convalg.symbolic.language import POSITIVE_PARAMETERS, Statement, terms_bound

__all__ = ["Certificate", "exhaustive_check"]

_PARAMETERS = {"positive": (1, 2, 3, 4), "stride": (1, 2, 3), "offset": (-1, 0, 1, 2)}
# default length bounds by number of sequences, so that the battery of every law stays well
# under a minute; the proof scripts pass larger bounds (32 for two sequences in 1-D)
_BOUNDS_1D = {0: 1, 1: 32, 2: 10, 3: 5}
_BOUNDS_2D = {0: 1, 1: 5, 2: 3, 3: 2}
# a case whose sides may expand to more monomials than this is not evaluated (a product of one
# sequence nested five deep at length 32 has 32^5 of them): the certificate says it stopped
MAX_TERMS = 20_000


@dataclass(frozen=True)
class Certificate:
    """The outcome of an exhaustive symbolic check."""

    holds: bool
    bound: int
    cases: int
    diagonal: int | None
    seconds: float
    failure: str = ""
    failing_shapes: tuple = ()
    failing_parameters: tuple = ()
    stopped: str = ""  # why some cases were not evaluated (time, size); empty when all were

    def __str__(self) -> str:
        if self.holds and self.stopped:
            return (
                f"exact symbolic check: holds in the {self.cases} cases evaluated (lengths 1..{self.bound}, "
                f"symbolic entries); {self.stopped}"
            )
        if self.holds:
            extra = f", and equal lengths up to {self.diagonal}" if self.diagonal and self.diagonal > self.bound else ""
            return (
                f"exact symbolic check: holds in all {self.cases} cases: every combination of lengths "
                f"1..{self.bound}{extra} (symbolic entries), small parameter values"
            )
        return f"exact symbolic check FAILS: {self.failure}"


def exhaustive_check(
    statement: Statement,
    dims: int = 1,
    bound: int | None = None,
    diagonal: int | None = None,
    budget: Budget | None = None,
) -> Certificate:
    """Check ``statement`` with symbolic entries for every length up to ``bound`` per sequence.

    ``diagonal`` adds every size up to ``diagonal`` with all sequences of that same length
    (``diagonal=32`` in the proof scripts). The default bound is 32 for one sequence, 10 for two
    and 5 for three in 1-D (5, 3, 2 side lengths in 2-D), shrunk when integer parameters
    multiply the cases; at least 2.

    Examples
    --------
    >>> from convalg.symbolic.language import parse
    >>> from convalg.symbolic.certificate import exhaustive_check
    >>> exhaustive_check(parse("f*g == g*f"), bound=4).holds
    True
    """
    started = time.perf_counter()
    names = statement.names("seq")
    scalars = statement.names("scalar")
    params = statement.names("param")
    param_domains = [
        _PARAMETERS["stride"]
        if p == "s"
        else _PARAMETERS["positive"]
        if p in POSITIVE_PARAMETERS
        else _PARAMETERS["offset"]
        for p in params
    ]
    if bound is None:
        combos = 1
        for domain in param_domains:
            combos *= len(domain)
        base = (_BOUNDS_1D if dims == 1 else _BOUNDS_2D).get(len(names), 2)
        bound = max(2, int(base / combos ** (1 / max(dims * len(names), 1))))
    complex_sensitive = statement.uses("corr", "conj", "dft")
    lengths = range(1, bound + 1)
    shapes = [(n,) for n in lengths] if dims == 1 else [(m, n) for m in lengths for n in lengths]
    choices = list(product(shapes, repeat=len(names)))
    if diagonal is not None and diagonal > bound:
        choices += [((n,) * dims,) * len(names) for n in range(bound + 1, diagonal + 1)]
    cases = 0
    stopped = []
    arithmetics: dict = {}
    for param_values in product(*param_domains):
        env_params = dict(zip(params, param_values))
        try:
            order = root_order(statement, env_params)
        except TooLarge as error:
            stopped.append(f"stopped: {error}")
            break
        if order not in arithmetics:
            largest = (max(bound, diagonal or 0),) * dims
            generator_names = [
                f"{name}_{'_'.join(map(str, index))}"
                for name in names
                for index in product(*(range(n) for n in largest))
            ] + list(scalars)
            arithmetics[order] = Arithmetic(generator_names, conjugates=complex_sensitive, root_order=order)
        arithmetic = arithmetics[order]
        for shape_choice in choices:
            if budget is not None and budget.expired():
                stopped.append("stopped: out of time")
                return Certificate(True, bound, cases, diagonal, time.perf_counter() - started, stopped=stopped[0])
            sizes = {}
            for name, shape in zip(names, shape_choice):
                sizes[name] = 1
                for n in shape:
                    sizes[name] *= n
            terms = max(terms_bound(side, sizes, env_params, dims) for side in statement.sides)
            if terms > MAX_TERMS:
                if not stopped:
                    stopped.append(f"cases whose sides may have more than {MAX_TERMS} monomials skipped")
                continue
            env: dict[str, object] = dict(env_params)
            for name, shape in zip(names, shape_choice):
                data = {
                    index: arithmetic.generator(f"{name}_{'_'.join(map(str, index))}")
                    for index in product(*(range(n) for n in shape))
                }
                env[name] = Finite((0,) * dims, shape, data)
            for scalar in scalars:
                env[scalar] = arithmetic.generator(scalar)
            try:
                sides = evaluate_sides(statement, env, arithmetic, dims)
            except Undefined:
                continue
            except TooLarge as error:
                stopped.append(f"stopped: {error}")
                continue
            cases += 1
            for other in sides[1:]:
                if not equal(sides[0], other, arithmetic):
                    described = ", ".join(f"len({n}) = {s if dims > 1 else s[0]}" for n, s in zip(names, shape_choice))
                    described += "".join(f", {p} = {v}" for p, v in env_params.items())
                    return Certificate(
                        False,
                        bound,
                        cases,
                        diagonal,
                        time.perf_counter() - started,
                        f"sides differ for {described}",
                        tuple(shape_choice),
                        tuple(env_params.items()),
                    )
    return Certificate(
        True, bound, cases, diagonal, time.perf_counter() - started, stopped=stopped[0] if stopped else ""
    )
