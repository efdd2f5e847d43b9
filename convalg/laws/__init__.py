"""The law registry: every law convalg states about convolution, once, with everything its readers need.

A law is named by what it states (as in mathlib's ``conv_comm``/``conv_assoc``) and belongs to
an operator: ``convolution``, ``correlation`` or ``circular``. Each entry carries

* ``statement``: the law in the statement language of :mod:`convalg.symbolic` (per
  dimension when they differ), or None for a law that is not an identity of sequences;
* ``expected``: the verdict convalg gives it, ``'proved'`` or ``'refuted'`` (``reason`` says
  why a refuted law is false, e.g. where the lecture notes go wrong);
* how it is proved: ``recipe`` lists the sum rewrites ``(side, rule, *args)`` of its proof
  (without one, generating functions decide it) and ``control`` is a false statement on
  which the same recipe must fail, so that a passing proof means something; or ``prover``,
  the function of :mod:`convalg.symbolic.extra` that proves a transform, Toeplitz or
  multi-channel law;
* ``numeric``: for a law about what ``convalg.signal`` computes, the
  :class:`~convalg.laws.numeric.NumericCheck` that computes both sides and holds each to its
  rigorous error bound.

The readers: the prover (:func:`convalg.symbolic.prove_law`, ``convalg prove``), the pytest
law suite (``tests/laws``, parametrised over :data:`LAWS`) and the tour's law suite. Adding a
law is one entry here.

Examples
--------
>>> from convalg.laws import LAWS, find
>>> law = find("commutativity", "correlation")
>>> law.expected, law.reason
('refuted', 'corr(g, f) is conj(flip(corr(f, g))), not corr(f, g)')
>>> sorted({law.operator for law in LAWS})
['circular', 'convolution', 'correlation']
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

from convalg.laws import numeric
from convalg.laws.numeric import NumericCheck
from convalg.symbolic import extra

__all__ = ["Law", "LAWS", "OPERATORS", "find", "names", "with_numeric_check", "NumericCheck"]

OPERATORS = ("convolution", "correlation", "circular")


@dataclass(frozen=True)
class Law:
    """A named statement about one operator, what convalg says about it, and how each reader checks it."""

    name: str
    operator: str
    statement: str | dict[int, str] | None  # {dims: str} where 1-D and 2-D differ; None: the prover states it
    expected: str  # 'proved' or 'refuted'
    recipe: tuple | None = None
    control: str | dict[int, str] | None = None  # a false statement the recipe must fail on
    dims: tuple = (1, 2)
    summary: str = ""
    prover: Callable | None = None  # a function of convalg.symbolic.extra: prover(dims, numeric=...) -> Verdict
    numeric: NumericCheck | None = None
    reason: str = ""  # why a refuted law is false

    def text(self, dims: int) -> str:
        """The statement in ``dims`` dimensions ('' for a law whose prover states it)."""
        return (self.statement[dims] if isinstance(self.statement, dict) else self.statement) or ""

    def control_text(self, dims: int) -> str | None:
        return self.control[dims] if isinstance(self.control, dict) else self.control

    @property
    def key(self) -> str:
        return f"{self.operator}/{self.name}"

    @property
    def custom(self) -> str | None:
        """Deprecated: the name of :attr:`prover` (laws now carry the prover function itself)."""
        warnings.warn("Law.custom is deprecated; use Law.prover (the function)", DeprecationWarning, stacklevel=2)
        return None if self.prover is None else self.prover.__name__


_COMMUTE = ((0, "change_index", "k0", "n - k0"),)
_ASSOCIATE = (
    (0, "pull_in", "k1"),
    (0, "reorder", "k0", "k1"),
    (0, "change_index", "k0", "k0 + k1"),
    (1, "pull_in", "k3"),
)
_CIRC_COMMUTE = ((0, "change_index", "k0", "n - k0"), (0, "periodic_window", "k0", "N"))
_CIRC_ASSOCIATE = (
    (0, "pull_in", "k1"),
    (0, "reorder", "k0", "k1"),
    (0, "change_index", "k0", "k0 + k1"),
    (0, "periodic_window", "k0", "N"),
    (1, "pull_in", "k3"),
)
_DISTRIBUTE = ((0, "split", "k0"),)
_HOMOGENEOUS = ((0, "pull_in", "k0"),)
_NOTES_DISTRIBUTIVITY = "f*(g+h) == (f*g)+(f*g)"

LAWS: tuple[Law, ...] = (
    # --- convolution
    Law(
        "commutativity",
        "convolution",
        "f*g == g*f",
        "proved",
        _COMMUTE,
        "corr(f, g) == corr(g, f)",
        summary="f*g = g*f",
        numeric=numeric.COMMUTATIVITY,
    ),
    Law(
        "associativity",
        "convolution",
        "(f*g)*h == f*(g*h)",
        "proved",
        _ASSOCIATE,
        "corr(corr(f, g), h) == corr(f, corr(g, h))",
        summary="(f*g)*h = f*(g*h)",
        numeric=numeric.ASSOCIATIVITY,
    ),
    Law(
        "left-distributivity",
        "convolution",
        "f*(g+h) == f*g + f*h",
        "proved",
        _DISTRIBUTE,
        _NOTES_DISTRIBUTIVITY,
        summary="f*(g+h) = f*g + f*h",
        numeric=numeric.LEFT_DISTRIBUTIVITY,
    ),
    Law(
        "right-distributivity",
        "convolution",
        "(f+g)*h == f*h + g*h",
        "proved",
        _DISTRIBUTE,
        "(f+g)*h == f*h + f*h",
        summary="(f+g)*h = f*h + g*h",
    ),
    Law(
        "notes-distributivity",
        "convolution",
        _NOTES_DISTRIBUTIVITY,
        "refuted",
        summary="the notes' f*(g+h) = (f*g)+(f*g)",
        reason="the notes' second term repeats g: f*(g+h) is f*g + f*h",
    ),
    Law(
        "homogeneity",
        "convolution",
        "alpha*(f*g) == (alpha*f)*g == f*(alpha*g)",
        "proved",
        _HOMOGENEOUS,
        "alpha*(f*g) == (alpha*f)*(alpha*g)",
        summary="alpha(f*g) = (alpha f)*g = f*(alpha g)",
        numeric=numeric.HOMOGENEITY,
    ),
    Law(
        "identity",
        "convolution",
        "f*delta == f == delta*f",
        "proved",
        ((0, "delta", "k0"), (2, "delta", "k1")),
        "corr(f, delta) == f == corr(delta, f)",
        summary="delta is a two-sided identity",
        numeric=numeric.IDENTITY,
    ),
    Law(
        "translation-equivariance",
        "convolution",
        {
            1: "shift(f, k)*g == shift(f*g, k) == f*shift(g, k)",
            2: "shift(f, (k, m))*g == shift(f*g, (k, m)) == f*shift(g, (k, m))",
        },
        "proved",
        ((0, "change_index", "k0", "k0 + k|k0 + m"),),
        {
            1: "shift(f, k)*g == shift(f*g, k) == f*shift(g, -k)",
            2: "shift(f, (k, m))*g == shift(f*g, (k, m)) == f*shift(g, (-k, -m))",
        },
        summary="shift(f,k)*g = shift(f*g,k) = f*shift(g,k)",
        numeric=numeric.TRANSLATION_EQUIVARIANCE,
    ),
    Law(
        "convolution-is-flipped-correlation",
        "convolution",
        "f*g == corr(f, conj(flip(g)))",
        "proved",
        ((1, "change_index", "k1", "k1 - n"),),
        "f*g == corr(f, flip(g))",
        summary="f*g = corr(f, conj(flip(g)))",
        numeric=numeric.CONVOLUTION_IS_FLIPPED_CORRELATION,
    ),
    Law(
        "full-window",
        "convolution",
        'conv(f, g, mode="full") == f*g',
        "proved",
        summary="the 'full' window is the whole convolution (what the exact oracle computes)",
        numeric=numeric.FULL_WINDOW,
    ),
    Law(
        "generating-function",
        "convolution",
        None,
        "proved",
        prover=extra.generating_function,
        summary="sum_n (f*g)(n) z^n = F(z) G(z): polynomial multiplication",
    ),
    Law(
        "convolution-theorem",
        "convolution",
        None,
        "proved",
        prover=extra.dtft_theorem,
        summary="DTFT(f*g) = DTFT(f) DTFT(g)",
    ),
    Law(
        "toeplitz",
        "convolution",
        None,
        "proved",
        prover=extra.toeplitz,
        summary="a convolution layer is a fully connected layer with a (doubly block) Toeplitz matrix",
    ),
    Law(
        "multichannel",
        "convolution",
        None,
        "proved",
        prover=extra.multichannel,
        summary="multi-channel layers compose associatively, identity delta*I, not commutatively",
    ),
    Law(
        "valid-associativity",
        "convolution",
        'conv(conv(f, g, mode="valid"), h, mode="valid") == conv(f, conv(g, h, mode="valid"), mode="valid")',
        "refuted",
        summary="'valid' truncation breaks associativity",
        reason="'valid' keeps the outputs of full overlap only, and the two groupings truncate different ranges",
    ),
    Law(
        "same-associativity",
        "convolution",
        'conv(conv(f, g, mode="same"), h, mode="same") == conv(f, conv(g, h, mode="same"), mode="same")',
        "refuted",
        summary="'same' truncation breaks associativity",
        reason="'same' crops to the first input's shape, and the crops of the two groupings differ",
    ),
    Law(
        "same-commutativity",
        "convolution",
        'conv(f, g, mode="same") == conv(g, f, mode="same")',
        "refuted",
        summary="'same' truncation breaks commutativity",
        reason="'same' takes the shape and centre of the first argument, so swapping moves the window",
    ),
    Law(
        "strided-associativity",
        "convolution",
        "down(down(f*g, 2)*h, 2) == down(f*down(g*h, 2), 2)",
        "refuted",
        summary="strided convolution (stride 2) is not associative",
        reason="subsampling between the products drops different terms in the two groupings",
    ),
    Law(
        "strided-equivariance",
        "convolution",
        {
            1: "down(shift(f, 2)*g, 2) == shift(down(f*g, 2), 1)",
            2: "down(shift(f, (2, 2))*g, 2) == shift(down(f*g, 2), (1, 1))",
        },
        "proved",
        ((0, "change_index", "k0", "k0 + 2"),),
        {
            1: "down(shift(f, 1)*g, 2) == shift(down(f*g, 2), 1)",
            2: "down(shift(f, (1, 1))*g, 2) == shift(down(f*g, 2), (1, 1))",
        },
        summary="stride 2 commutes with shifts by multiples of 2",
    ),
    Law(
        "strided-odd-shift",
        "convolution",
        {
            1: "down(shift(f, 1)*g, 2) == shift(down(f*g, 2), 1)",
            2: "down(shift(f, (1, 1))*g, 2) == shift(down(f*g, 2), (1, 1))",
        },
        "refuted",
        summary="... and not with a shift by 1",
        reason="a shift by 1 moves the samples off the stride-2 grid",
    ),
    # --- correlation
    Law(
        "commutativity",
        "correlation",
        "corr(f, g) == corr(g, f)",
        "refuted",
        _COMMUTE,
        "corr(f, g) == corr(g, f)",
        summary="corr(f,g) = corr(g,f)",
        reason="corr(g, f) is conj(flip(corr(f, g))), not corr(f, g)",
    ),
    Law(
        "associativity",
        "correlation",
        "corr(corr(f, g), h) == corr(f, corr(g, h))",
        "refuted",
        _ASSOCIATE,
        "corr(corr(f, g), h) == corr(f, corr(g, h))",
        summary="corr(corr(f,g),h) = corr(f,corr(g,h))",
        reason="correlation flips and conjugates its second argument, a different factor in each grouping",
    ),
    Law(
        "left-distributivity",
        "correlation",
        "corr(f, g+h) == corr(f, g) + corr(f, h)",
        "proved",
        ((0, "expand"), (0, "split", "k0")),
        "corr(f, g+h) == corr(f, g) + corr(f, g)",
        summary="corr(f,g+h) = corr(f,g) + corr(f,h)",
    ),
    Law(
        "right-distributivity",
        "correlation",
        "corr(f+g, h) == corr(f, h) + corr(g, h)",
        "proved",
        _DISTRIBUTE,
        "corr(f+g, h) == corr(f, h) + corr(f, h)",
        summary="corr(f+g,h) = corr(f,h) + corr(g,h)",
    ),
    Law(
        "notes-distributivity",
        "correlation",
        "corr(f, g+h) == corr(f, g) + corr(f, g)",
        "refuted",
        summary="the notes' distributivity, correlation",
        reason="the notes' second term repeats g",
    ),
    Law(
        "homogeneity",
        "correlation",
        "alpha*corr(f, g) == corr(alpha*f, g) == corr(f, alpha*g)",
        "refuted",
        summary="alpha corr(f,g) = corr(alpha f,g) = corr(f,alpha g) (complex alpha)",
        reason="correlation conjugates its second argument: a complex scalar there comes out conjugated",
    ),
    Law(
        "conjugate-homogeneity",
        "correlation",
        "alpha*corr(f, g) == corr(alpha*f, g) == corr(f, conj(alpha)*g)",
        "proved",
        ((0, "pull_in", "k0"), (2, "expand")),
        "alpha*corr(f, g) == corr(f, alpha*g)",
        summary="alpha corr(f,g) = corr(alpha f,g) = corr(f, conj(alpha) g)",
    ),
    Law(
        "identity",
        "correlation",
        "corr(f, delta) == f == corr(delta, f)",
        "refuted",
        summary="delta is a two-sided identity",
        reason="corr(delta, f) is conj(flip(f)): delta is a right identity only",
    ),
    Law(
        "right-identity",
        "correlation",
        "corr(f, delta) == f",
        "proved",
        ((0, "delta", "k0"),),
        "corr(delta, f) == f",
        summary="corr(f, delta) = f",
    ),
    Law(
        "translation-equivariance",
        "correlation",
        {
            1: "corr(shift(f, k), g) == shift(corr(f, g), k) == corr(f, shift(g, -k))",
            2: "corr(shift(f, (k, m)), g) == shift(corr(f, g), (k, m)) == corr(f, shift(g, (-k, -m)))",
        },
        "proved",
        ((2, "change_index", "k2", "k2 - k|k2 - m"),),
        {
            1: "corr(shift(f, k), g) == shift(corr(f, g), k) == corr(f, shift(g, k))",
            2: "corr(shift(f, (k, m)), g) == shift(corr(f, g), (k, m)) == corr(f, shift(g, (k, m)))",
        },
        summary="corr(shift(f,k),g) = shift(corr(f,g),k) = corr(f,shift(g,-k))",
    ),
    Law(
        "conjugate-symmetry",
        "correlation",
        "corr(g, f) == conj(flip(corr(f, g)))",
        "proved",
        ((1, "conjugate_in", "k1"), (1, "change_index", "k1", "k1 + n")),
        "corr(g, f) == flip(corr(f, g))",
        summary="corr(g,f)(n) = conj(corr(f,g)(-n))",
        numeric=numeric.CONJUGATE_SYMMETRY,
    ),
    Law(
        "correlation-is-flipped-convolution",
        "correlation",
        "corr(f, g) == f*conj(flip(g))",
        "proved",
        ((0, "change_index", "k0", "k0 - n"),),
        "corr(f, g) == f*flip(g)",
        summary="corr(f,g) = f * conj(flip(g))",
        numeric=numeric.CORRELATION_IS_FLIPPED_CONVOLUTION,
    ),
    Law(
        "correlation-generating-function",
        "correlation",
        None,
        "proved",
        prover=extra.correlation_generating_function,
        summary="sum_n corr(f,g)(n) z^n = F(z) conj(G)(1/z)",
    ),
    # --- circular
    Law(
        "commutativity",
        "circular",
        "circ(f, g, N) == circ(g, f, N)",
        "proved",
        _CIRC_COMMUTE,
        "circ(f, g, N) == circ(f, flip(g), N)",
        summary="f (*)_N g = g (*)_N f",
    ),
    Law(
        "associativity",
        "circular",
        "circ(circ(f, g, N), h, N) == circ(f, circ(g, h, N), N)",
        "proved",
        _CIRC_ASSOCIATE,
        "circ(circ(f, g, N), h, N) == circ(f, circ(g, flip(h), N), N)",
        summary="associativity on Z/N",
    ),
    Law(
        "left-distributivity",
        "circular",
        "circ(f, g+h, N) == circ(f, g, N) + circ(f, h, N)",
        "proved",
        _DISTRIBUTE,
        "circ(f, g+h, N) == circ(f, g, N) + circ(f, g, N)",
        summary="distributivity on Z/N",
    ),
    Law(
        "right-distributivity",
        "circular",
        "circ(f+g, h, N) == circ(f, h, N) + circ(g, h, N)",
        "proved",
        _DISTRIBUTE,
        "circ(f+g, h, N) == circ(f, h, N) + circ(f, h, N)",
        summary="distributivity on Z/N",
    ),
    Law(
        "notes-distributivity",
        "circular",
        "circ(f, g+h, N) == circ(f, g, N) + circ(f, g, N)",
        "refuted",
        summary="the notes' distributivity, circular",
        reason="the notes' second term repeats g",
    ),
    Law(
        "homogeneity",
        "circular",
        "alpha*circ(f, g, N) == circ(alpha*f, g, N) == circ(f, alpha*g, N)",
        "proved",
        _HOMOGENEOUS,
        "alpha*circ(f, g, N) == circ(alpha*f, alpha*g, N)",
        summary="scalars move freely",
    ),
    Law(
        "identity",
        "circular",
        "circ(circ(f, delta, N), delta, N) == circ(f, delta, N) == circ(delta, circ(f, delta, N), N)",
        "proved",
        control="circ(f, delta, N) == f",
        summary="delta is the identity of Z/N (circ(f, delta, N) is f wrapped onto Z/N)",
    ),
    Law(
        "translation-equivariance",
        "circular",
        {
            1: "circ(shift(f, k), g, N) == circ(f, shift(g, k), N) == circ(shift(circ(f, g, N), k), delta, N)",
            2: "circ(shift(f, (k, m)), g, N) == circ(f, shift(g, (k, m)), N) == "
            "circ(shift(circ(f, g, N), (k, m)), delta, N)",
        },
        "proved",
        summary="cyclic shifts commute with circular convolution",
    ),
    Law(
        "convolution-theorem",
        "circular",
        "dft(circ(f, g, N), N) == hadamard(dft(f, N), dft(g, N))",
        "proved",
        (
            (0, "pull_in", "k1"),
            (0, "reorder", "k0", "k1"),
            (0, "change_index", "k0", "k0 + k1"),
            (0, "periodic_window", "k0", "N"),
            (0, "expand"),
            (1, "merge"),
        ),
        "dft(circ(f, g, N), N) == hadamard(dft(f, N), dft(flip(g), N))",
        summary="DFT_N(f (*)_N g) = DFT_N(f) . DFT_N(g), symbolic N",
    ),
)


def names(operator: str | None = None) -> list[str]:
    """The law names (for one operator, or all), in registry order.

    Examples
    --------
    >>> from convalg.laws import names
    >>> names("circular")[:3]
    ['commutativity', 'associativity', 'left-distributivity']
    """
    out: list[str] = []
    for law in LAWS:
        if (operator is None or law.operator == operator) and law.name not in out:
            out.append(law.name)
    return out


def find(name: str, operator: str = "convolution") -> Law:
    """The law called ``name`` for ``operator``.

    Examples
    --------
    >>> from convalg.laws import find
    >>> find("commutativity", "correlation").expected
    'refuted'
    """
    if operator not in OPERATORS:
        raise ValueError(f"operator must be one of {', '.join(OPERATORS)}, got {operator!r}")
    for law in LAWS:
        if law.name == name and law.operator == operator:
            return law
    known = ", ".join(names(operator))
    raise ValueError(f"no law named {name!r} for operator {operator!r}; known: {known}")


def with_numeric_check() -> list[Law]:
    """The laws about what ``convalg.signal`` computes: those with a numeric check, in registry order.

    Examples
    --------
    >>> from convalg.laws import with_numeric_check
    >>> [law.key for law in with_numeric_check()][:2]
    ['convolution/commutativity', 'convolution/associativity']
    """
    return [law for law in LAWS if law.numeric is not None]
