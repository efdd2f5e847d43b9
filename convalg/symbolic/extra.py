"""Laws that are not identities of sequences: transforms, the Toeplitz view, multi-channel layers.

Each function takes ``dims`` and returns a :class:`~convalg.symbolic.verdict.Verdict` whose proof
is a chain of sympy-checked rewrites, like the others:

* ``generating_function``: ``sum_n (f*g)(n) z^n = F(z) G(z)`` -- convolution is (Laurent)
  polynomial multiplication;
* ``correlation_generating_function``: ``sum_n corr(f,g)(n) z^n = F(z) conj(G)(1/z)``;
* ``dtft_theorem``: the DTFT of ``f*g`` is the product of the DTFTs;
* ``toeplitz``: ``w * x = T x`` with ``T[i, j] = w(i - j)`` Toeplitz (doubly block Toeplitz in
  2-D), checked exactly against ``scipy.linalg.convolution_matrix``, with the parameter counts;
* ``multichannel``: multi-channel layers compose associatively, ``delta * I`` is the identity,
  and composition is not commutative (smallest counterexample).
"""

from __future__ import annotations

import sympy
from sympy import Function, Sum, Symbol, conjugate, exp, oo

from convalg.symbolic import sums
from convalg.symbolic.language import parse
from convalg.symbolic.verdict import Proof, Verdict

__all__ = [
    "generating_function",
    "correlation_generating_function",
    "dtft_theorem",
    "toeplitz",
    "multichannel",
]

_SUPPORT = "f, g finitely supported on Z^%d (Laurent polynomials); for the DTFT, absolutely summable"


def _transform(dims, statement, kernel, rhs_factors, recipe, claim, law, hypotheses=None, recheck=None):
    """A transform law: sum_n value(statement side, n) kernel(n) rewritten by ``recipe``.

    ``recheck`` (a :class:`~convalg.symbolic.gate.Recheck`) is the law's independent check; a
    verdict is ``proved`` only when the proof verifies and the re-check agrees."""
    index = sums.index_symbols(dims)
    fresh = sums._Fresh(dims)
    inner = sums.value(parse(statement, dims).sides[0], index, dims, fresh)
    lhs = Sum(inner * kernel(index), *((i, -oo, oo) for i in index))
    rhs = rhs_factors(fresh)
    chains = [sums.Chain(lhs), sums.Chain(rhs)]
    for side, rule, *args in recipe:
        chains[side].apply(rule, *args)
    meet = sums.same_up_to_renaming(chains[0].current, chains[1].current)
    proof = Proof(
        claim=claim,
        method="sum rewriting",
        sides=chains,
        labels=["left side", "right side"],
        meet=meet,
        meet_how="sympy: equal after renaming summation variables and expanding",
        hypotheses=list(hypotheses or [_SUPPORT % dims]),
    )
    proved = proof.verified and recheck is not None and recheck.agrees
    reason = "" if proved else "; ".join(proof.failures()) or f"the independent re-check does not agree: {recheck}"
    return Verdict(claim, dims, "proved" if proved else "unknown", proof=proof, law=law, reason=reason, recheck=recheck)


def _transform_recheck(dims: int, correlation: bool = False, sign: int = 1, trials: int = 6):
    """Evaluate a transform law exactly at roots of unity z = zeta_12^(sign e) on random sequences.

    ``sum_n (f*g)(n) z^n`` (or of ``corr(f, g)``) is computed from the reference evaluator's
    value of ``f*g`` (``corr(f, g)``), and compared with ``F(z) G(z)`` (``F(z) conj(G)(1/z)``):
    exact arithmetic in Q(zeta_12), independent of the sum rewriting.
    """
    import random

    from convalg.symbolic import reference
    from convalg.symbolic.gate import Recheck

    rng = random.Random(12 * dims + correlation + 3 * sign)
    order = 12

    def series(value, exponents, conj=False):
        total = reference.Number.zero(order)
        for index in reference.np.ndindex(value.shape):
            entry = reference.number(value.entry(index), order)
            entry = entry.conjugate() if conj else entry
            power = sum(e * (s + i) for e, s, i in zip(exponents, value.start, index))
            total = total + entry * reference.Number.root(sign * power, order)
        return total

    def random_sequence():
        shape = tuple(rng.randint(1, 6 if dims == 1 else 3) for _ in range(dims))
        flat = [complex(rng.randint(-3, 3), rng.randint(-3, 3)) for _ in range(reference.math.prod(shape))]
        return flat if dims == 1 else [flat[r * shape[1] : (r + 1) * shape[1]] for r in range(shape[0])]

    for trial in range(trials):
        f, g = random_sequence(), random_sequence()
        exponents = tuple(rng.randrange(order) for _ in range(dims))
        side, value_f, value_g = reference.evaluate_statement(
            parse("corr(f, g) == f == g" if correlation else "f*g == f == g", dims), dims, {"f": f, "g": g}, {}, {}
        )
        left = series(side, exponents)
        inverse = tuple(-e for e in exponents)
        right = series(value_f, exponents) * (
            series(value_g, inverse, conj=True) if correlation else series(value_g, exponents)
        )
        if left != right:
            return Recheck(False, trial + 1, 0, contradiction=f"f = {f}, g = {g}, z = zeta_12^{exponents}")
    return Recheck(
        True,
        trials,
        0,
        "random pairs of Gaussian-integer sequences, at roots of unity z = zeta_12^e (exact arithmetic in Q(zeta_12))",
    )


def _series(name, fresh, dims, weight, conj=False):
    k = fresh()
    term = Function(name)(*k)
    if conj:
        term = conjugate(term)
    return Sum(term * weight(k), *((v, -oo, oo) for v in k))


def _powers(z, sign=1):
    return lambda index: sympy.Mul(*(zi ** (sign * i) for zi, i in zip(z, index)))


def generating_function(dims: int = 1, numeric: bool = True, *, control: bool = False) -> Verdict:
    """``sum_n (f*g)(n) z^n = F(z) G(z)``: convolution is polynomial multiplication.

    ``control=True`` runs the same recipe on a false law (correlation in place of convolution),
    which must not be proved.

    Examples
    --------
    >>> from convalg.symbolic.extra import generating_function
    >>> generating_function(1).status
    'proved'
    """
    z = (Symbol("z", nonzero=True),) if dims == 1 else (Symbol("z1", nonzero=True), Symbol("z2", nonzero=True))
    return _transform(
        dims,
        "corr(f, g) == f" if control else "f*g == f*g",
        _powers(z),
        lambda fresh: _series("f", fresh, dims, _powers(z)) * _series("g", fresh, dims, _powers(z)),
        (
            (0, "pull_in", "k0"),
            (0, "reorder", "n", "k0"),
            (0, "change_index", "n", "n + k0"),
            (0, "expand"),
            (1, "merge"),
        ),
        "sum_n (f*g)(n) z^n == F(z) G(z)",
        "convolution/generating-function",
        recheck=_transform_recheck(dims),
    )


def correlation_generating_function(dims: int = 1, numeric: bool = True, *, control: bool = False) -> Verdict:
    """``sum_n corr(f,g)(n) z^n = F(z) conj(G)(1/z)``.

    ``control=True`` drops the conjugation on the right side (a false law).

    Examples
    --------
    >>> from convalg.symbolic.extra import correlation_generating_function
    >>> correlation_generating_function(1).status
    'proved'
    """
    z = (Symbol("z", nonzero=True),) if dims == 1 else (Symbol("z1", nonzero=True), Symbol("z2", nonzero=True))
    return _transform(
        dims,
        "corr(f, g) == f",
        _powers(z),
        lambda fresh: (
            _series("f", fresh, dims, _powers(z)) * _series("g", fresh, dims, _powers(z, -1), conj=not control)
        ),
        (
            (0, "pull_in", "k0"),
            (0, "reorder", "n", "k0"),
            (0, "change_index", "n", "n - k0"),
            (0, "expand"),
            (1, "merge"),
            (1, "reorder", "k1", "k2"),
        ),
        "sum_n corr(f,g)(n) z^n == F(z) conj(G)(1/z)",
        "correlation/correlation-generating-function",
        recheck=_transform_recheck(dims, correlation=True),
    )


def dtft_theorem(dims: int = 1, numeric: bool = True, *, control: bool = False) -> Verdict:
    """The DTFT of ``f*g`` is the product of the DTFTs (``theta`` real).

    ``control=True`` takes the DTFT of ``corr(f, g)`` instead (a false law).

    Examples
    --------
    >>> from convalg.symbolic.extra import dtft_theorem
    >>> dtft_theorem(1).status
    'proved'
    """
    theta = (Symbol("theta", real=True),) if dims == 1 else (Symbol("theta1", real=True), Symbol("theta2", real=True))

    def kernel(index):
        return exp(-sympy.I * sum((t * i for t, i in zip(theta, index)), sympy.Integer(0)))

    return _transform(
        dims,
        "corr(f, g) == f" if control else "f*g == f*g",
        kernel,
        lambda fresh: _series("f", fresh, dims, kernel) * _series("g", fresh, dims, kernel),
        (
            (0, "pull_in", "k0"),
            (0, "reorder", "n", "k0"),
            (0, "change_index", "n", "n + k0"),
            (0, "expand"),
            (1, "merge"),
        ),
        "DTFT(f*g)(theta) == DTFT(f)(theta) DTFT(g)(theta)",
        "convolution/convolution-theorem",
        hypotheses=[
            (
                f"f, g absolutely summable on Z^{dims} (l^1): the double sum converges absolutely, so "
                "Fubini applies; finite support is a special case"
            )
        ],
        recheck=_transform_recheck(dims, sign=-1),
    )


def toeplitz(dims: int = 1, numeric: bool = True, bound: int = 6, *, control: bool = False) -> Verdict:
    """A convolution layer is a fully connected layer whose matrix is (doubly block) Toeplitz.

    ``control=True`` claims the Hankel matrix ``T[i, j] = w(i + j)`` instead (a false law).

    Examples
    --------
    >>> from convalg.symbolic.extra import toeplitz
    >>> toeplitz(1, bound=3).status
    'proved'
    """
    import numpy as np
    import scipy.linalg

    index = sums.index_symbols(dims, "i")
    j = tuple(Symbol(f"k0{axis}", integer=True) for axis in ("ab"[:dims] if dims == 2 else [""]))
    if dims == 1:
        j = (Symbol("k0", integer=True),)
    w, x = Function("w"), Function("x")
    lhs = Sum(w(*j) * x(*(i - k for i, k in zip(index, j))), *((v, -oo, oo) for v in j))
    sign = 1 if control else -1
    matrix = sympy.Lambda((*index, *j), w(*(i + sign * k for i, k in zip(index, j))))  # T[i, j] = w(i - j)
    rhs = Sum(matrix(*index, *j) * x(*j), *((v, -oo, oo) for v in j))
    chains = [sums.Chain(lhs).apply("change_index", "k0", "i - k0"), sums.Chain(rhs)]
    # one axis at a time: in 2-D, shifting (i1, j1) together is the block-Toeplitz structure,
    # shifting (i2, j2) together the Toeplitz structure of every block
    toeplitz_ok = True
    for axis in range(dims):
        step_i = tuple(i + int(a == axis) for a, i in enumerate(index))
        step_j = tuple(k + int(a == axis) for a, k in enumerate(j))
        toeplitz_ok &= sympy.simplify(matrix(*step_i, *step_j) - matrix(*index, *j)) == 0
    chains[1].steps.append(
        sums.Step(
            "T[i, j] = w(i - j) depends only on i - j: T is Toeplitz"
            + (" (doubly block Toeplitz)" if dims == 2 else ""),
            rhs,
            rhs,
            "",
            bool(toeplitz_ok),
            "sympy: T[i + e, j + e] - T[i, j] simplifies to 0 for each unit vector e",
        )
    )
    # exact certificate against scipy.linalg.convolution_matrix, symbolic entries, every size
    cases, exact = 0, True
    for m in range(1, bound + 1):
        for length in range(1, bound + 1):
            if dims == 2 and (m > 3 or length > 3):
                continue
            shape_w = (m,) * dims
            shape_x = (length,) * dims
            wv = np.array(sympy.symbols(f"w0:{m**dims}"), dtype=object).reshape(shape_w)
            xv = np.array(sympy.symbols(f"x0:{length**dims}"), dtype=object).reshape(shape_x)
            t = _conv_matrix(wv, shape_x, scipy.linalg.convolution_matrix)
            product = sympy.Matrix(t) * sympy.Matrix(xv.reshape(-1))
            direct = _direct(wv, xv)
            exact &= all(sympy.expand(a - b) == 0 for a, b in zip(product, direct.reshape(-1)))
            cases += 1
    n_in, m_ = sympy.symbols("L m", positive=True, integer=True)
    dense = (n_in**dims) * (n_in + m_ - 1) ** dims
    conv = m_**dims
    proof = Proof(
        claim="(w * x)(i) == sum_j T[i, j] x(j) with T[i, j] = w(i - j)",
        method="sum rewriting",
        sides=chains,
        labels=["(w*x)(i)", "(T x)(i)"],
        meet=sums.same_up_to_renaming(chains[0].current, chains[1].current),
        meet_how="sympy: equal after renaming summation variables",
        hypotheses=["w, x finitely supported (x of length L, w of length m per axis)"],
        notes=[
            (
                f"exact check against scipy.linalg.convolution_matrix with symbolic entries: "
                f"{'holds' if exact else 'FAILS'} for {cases} size pairs"
            ),
            (
                f"parameters: a fully connected layer from L^{dims} inputs to the (L+m-1)^{dims} outputs "
                f"has {sympy.sstr(dense)} weights; the convolution layer has {sympy.sstr(conv)} "
                f"(e.g. L = 32, m = 3: {dense.subs({n_in: 32, m_: 3})} vs {conv.subs({m_: 3})})"
            ),
        ],
    )
    status = "proved" if proof.verified and exact else "unknown"
    return Verdict(
        proof.claim,
        dims,
        status,
        proof=proof,
        law="convolution/toeplitz",
        reason="" if status == "proved" else "; ".join(proof.failures()) or "matrix check failed",
    )


def _conv_matrix(w, shape_x, convolution_matrix):
    """The (doubly block) Toeplitz matrix of full convolution with ``w`` on inputs of ``shape_x``."""
    import numpy as np

    if w.ndim == 1:
        return convolution_matrix(w, shape_x[0])
    # block (i1, j1) is the Toeplitz matrix of row w[i1 - j1]: doubly block Toeplitz
    blocks = [convolution_matrix(w[r], shape_x[1]) for r in range(w.shape[0])]
    zero = np.zeros_like(blocks[0])
    rows = w.shape[0] + shape_x[0] - 1
    return np.block(
        [[blocks[i - j] if 0 <= i - j < w.shape[0] else zero for j in range(shape_x[0])] for i in range(rows)]
    )


def _direct(w, x):
    import numpy as np

    out = np.zeros(tuple(a + b - 1 for a, b in zip(w.shape, x.shape)), dtype=object)
    for i in np.ndindex(w.shape):
        for j in np.ndindex(x.shape):
            out[tuple(p + q for p, q in zip(i, j))] += w[i] * x[j]
    return out


def multichannel(dims: int = 1, numeric: bool = True, *, control: bool = False) -> Verdict:
    """Multi-channel layers: associative composition, identity ``delta * I``, not commutative.

    ``control=True`` compares ``(U o V) o W`` with ``U o (W o V)`` (a false law).

    A layer with weights ``W[o, c]`` maps channels ``x[c]`` to ``y[o] = sum_c W[o, c] * x[c]``;
    the composition of layers is ``(U o V)[o, c] = sum_j U[o, j] * V[j, c]``.

    Examples
    --------
    >>> from convalg.symbolic.extra import multichannel
    >>> multichannel(1, numeric=False).status
    'proved'
    """
    index = sums.index_symbols(dims)
    o, c = Symbol("o", integer=True), Symbol("c", integer=True)
    c1, c2 = Symbol("C1", integer=True, positive=True), Symbol("C2", integer=True, positive=True)
    U, V, W = Function("U"), Function("V"), Function("W")
    fresh = sums._Fresh(dims)

    def compose(a, b, channels, out_ch, in_ch, at):
        j = Symbol(f"j{fresh.count}", integer=True)
        k = fresh()
        return Sum(
            a(out_ch, j, k) * b(j, in_ch, tuple(p - q for p, q in zip(at, k))),
            *((v, -oo, oo) for v in k),
            (j, 0, channels - 1),
        )

    def layer(f):
        return lambda ch_out, ch_in, at: f(ch_out, ch_in, *at)

    def uv(ch_out, ch_in, at):
        return compose(layer(U), layer(V), c1, ch_out, ch_in, at)

    def vw(ch_out, ch_in, at):
        if control:
            return compose(layer(W), layer(V), c2, ch_out, ch_in, at)
        return compose(layer(V), layer(W), c2, ch_out, ch_in, at)

    lhs = compose(uv, layer(W), c2, o, c, index)  # ((U o V) o W)[o, c](n)
    rhs = compose(layer(U), vw, c1, o, c, index)  # (U o (V o W))[o, c](n)
    left = sums.Chain(lhs)
    right = sums.Chain(rhs)
    left.apply("pull_in", "k1").apply("reorder", "k0", "k1").apply("change_index", "k0", "k0 + k1")
    left.apply("reorder", "j0", "j1")
    right.apply("pull_in", "k3")
    meet = sums.same_up_to_renaming(left.current, right.current)
    proof = Proof(
        claim="((U o V) o W)[o, c] == (U o (V o W))[o, c]",
        method="sum rewriting",
        sides=[left, right],
        labels=["((U o V) o W)[o, c](n)", "(U o (V o W))[o, c](n)"],
        meet=meet,
        meet_how="sympy: equal after renaming summation variables",
        hypotheses=["kernels finitely supported; channel counts C1, C2 arbitrary"],
    )
    # identity delta * I, for channel counts 1..3, by generating functions (exact)
    z = Symbol("z")
    identity_ok = True
    for channels in (1, 2, 3):
        generic = sympy.Matrix(channels, channels, lambda a, b: Function(f"W{a}{b}")(z))
        eye = sympy.eye(channels)  # delta * I has generating function I
        identity_ok &= sympy.expand(eye * generic - generic) == sympy.zeros(channels) and sympy.expand(
            generic * eye - generic
        ) == sympy.zeros(channels)
    proof.notes.append(
        "identity: delta*I has generating-function matrix I, and I M = M I = M for generic "
        f"1x1..3x3 matrices of generating functions: {'checked' if identity_ok else 'FAILED'}"
    )
    example = _noncommuting_layers()
    proof.notes.append(
        "not commutative: smallest counterexample (2 channels, length-1 kernels) "
        f"U = {example['U']}, V = {example['V']}: U o V = {example['UV']} but V o U = {example['VU']}"
    )
    if numeric:
        from convalg.symbolic.numeric import recheck_layers

        proof.notes.append("numeric re-check: " + recheck_layers(example))
    status = "proved" if proof.verified and identity_ok and example["UV"] != example["VU"] else "unknown"
    return Verdict(
        proof.claim,
        dims,
        status,
        proof=proof,
        law="convolution/multichannel",
        reason="" if status == "proved" else "; ".join(proof.failures()),
    )


def _noncommuting_layers():
    """The smallest 2-channel pair of 0/1 length-1 kernel matrices with U o V != V o U."""
    from itertools import product

    for entries in product((0, 1), repeat=8):
        u = sympy.Matrix(2, 2, entries[:4])
        v = sympy.Matrix(2, 2, entries[4:])
        if u * v != v * u:
            return {"U": u.tolist(), "V": v.tolist(), "UV": (u * v).tolist(), "VU": (v * u).tolist()}
    raise AssertionError("every pair commutes")  # pragma: no cover - 2x2 matrices do not commute
