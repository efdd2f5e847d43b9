"""The named laws: each law's statement, the verdict convalg expects, its proof recipe and its control.

A law is named by what it states (as in mathlib's ``conv_comm``/``conv_assoc``) and belongs to
an operator: ``convolution``, ``correlation`` or ``circular``. Its statement is text in the
statement language (per dimension when they differ). ``recipe`` lists the rewrites of its sum
proof as ``(side, rule, *args)``; without one the generating-function method is used. Every
recipe has a ``control``: a false statement on which the same recipe must fail, so that a
passing proof means something. Laws whose content is not an identity of sequences (transforms,
Toeplitz matrices, multi-channel layers) are :mod:`convalg.symbolic.extra` laws.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Law", "LAWS", "OPERATORS", "find", "names"]

OPERATORS = ("convolution", "correlation", "circular")


@dataclass(frozen=True)
class Law:
    """A named statement about one operator and what convalg says about it."""

    name: str
    operator: str
    statement: object  # str, or {dims: str}
    expected: str  # 'proved' or 'refuted'
    recipe: tuple | None = None
    control: object = None  # a false statement the recipe must fail on (str or {dims: str})
    dims: tuple = (1, 2)
    summary: str = ""
    custom: str | None = None  # name of a function in convalg.symbolic.extra

    def text(self, dims: int) -> str:
        return self.statement[dims] if isinstance(self.statement, dict) else self.statement

    def control_text(self, dims: int) -> str | None:
        return self.control[dims] if isinstance(self.control, dict) else self.control

    @property
    def key(self) -> str:
        return f"{self.operator}/{self.name}"


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
    Law("commutativity", "convolution", "f*g == g*f", "proved", _COMMUTE, "corr(f, g) == corr(g, f)",
        summary="f*g = g*f"),
    Law("associativity", "convolution", "(f*g)*h == f*(g*h)", "proved", _ASSOCIATE,
        "corr(corr(f, g), h) == corr(f, corr(g, h))", summary="(f*g)*h = f*(g*h)"),
    Law("left-distributivity", "convolution", "f*(g+h) == f*g + f*h", "proved", _DISTRIBUTE,
        _NOTES_DISTRIBUTIVITY, summary="f*(g+h) = f*g + f*h"),
    Law("right-distributivity", "convolution", "(f+g)*h == f*h + g*h", "proved", _DISTRIBUTE,
        "(f+g)*h == f*h + f*h", summary="(f+g)*h = f*h + g*h"),
    Law("notes-distributivity", "convolution", _NOTES_DISTRIBUTIVITY, "refuted",
        summary="the notes' f*(g+h) = (f*g)+(f*g)"),
    Law("homogeneity", "convolution", "alpha*(f*g) == (alpha*f)*g == f*(alpha*g)", "proved", _HOMOGENEOUS,
        "alpha*(f*g) == (alpha*f)*(alpha*g)", summary="alpha(f*g) = (alpha f)*g = f*(alpha g)"),
    Law("identity", "convolution", "f*delta == f == delta*f", "proved",
        ((0, "delta", "k0"), (2, "delta", "k1")), "corr(f, delta) == f == corr(delta, f)",
        summary="delta is a two-sided identity"),
    Law("translation-equivariance", "convolution",
        {1: "shift(f, k)*g == shift(f*g, k) == f*shift(g, k)",
         2: "shift(f, (k, m))*g == shift(f*g, (k, m)) == f*shift(g, (k, m))"},
        "proved", ((0, "change_index", "k0", "k0 + k|k0 + m"),),
        {1: "shift(f, k)*g == shift(f*g, k) == f*shift(g, -k)",
         2: "shift(f, (k, m))*g == shift(f*g, (k, m)) == f*shift(g, (-k, -m))"},
        summary="shift(f,k)*g = shift(f*g,k) = f*shift(g,k)"),
    Law("convolution-is-flipped-correlation", "convolution", "f*g == corr(f, conj(flip(g)))", "proved",
        ((1, "change_index", "k1", "k1 - n"),), "f*g == corr(f, flip(g))",
        summary="f*g = corr(f, conj(flip(g)))"),
    Law("generating-function", "convolution", None, "proved", custom="generating_function",
        summary="sum_n (f*g)(n) z^n = F(z) G(z): polynomial multiplication"),
    Law("convolution-theorem", "convolution", None, "proved", custom="dtft_theorem",
        summary="DTFT(f*g) = DTFT(f) DTFT(g)"),
    Law("toeplitz", "convolution", None, "proved", custom="toeplitz",
        summary="a convolution layer is a fully connected layer with a (doubly block) Toeplitz matrix"),
    Law("multichannel", "convolution", None, "proved", custom="multichannel",
        summary="multi-channel layers compose associatively, identity delta*I, not commutatively"),
    Law("valid-associativity", "convolution",
        'conv(conv(f, g, mode="valid"), h, mode="valid") == conv(f, conv(g, h, mode="valid"), mode="valid")',
        "refuted", summary="'valid' truncation breaks associativity"),
    Law("same-associativity", "convolution",
        'conv(conv(f, g, mode="same"), h, mode="same") == conv(f, conv(g, h, mode="same"), mode="same")',
        "refuted", summary="'same' truncation breaks associativity"),
    Law("same-commutativity", "convolution", 'conv(f, g, mode="same") == conv(g, f, mode="same")',
        "refuted", summary="'same' truncation breaks commutativity"),
    Law("strided-associativity", "convolution", "down(down(f*g, 2)*h, 2) == down(f*down(g*h, 2), 2)",
        "refuted", summary="strided convolution (stride 2) is not associative"),
    Law("strided-equivariance", "convolution",
        {1: "down(shift(f, 2)*g, 2) == shift(down(f*g, 2), 1)",
         2: "down(shift(f, (2, 2))*g, 2) == shift(down(f*g, 2), (1, 1))"},
        "proved", ((0, "change_index", "k0", "k0 + 2"),),
        {1: "down(shift(f, 1)*g, 2) == shift(down(f*g, 2), 1)",
         2: "down(shift(f, (1, 1))*g, 2) == shift(down(f*g, 2), (1, 1))"},
        summary="stride 2 commutes with shifts by multiples of 2"),
    Law("strided-odd-shift", "convolution",
        {1: "down(shift(f, 1)*g, 2) == shift(down(f*g, 2), 1)",
         2: "down(shift(f, (1, 1))*g, 2) == shift(down(f*g, 2), (1, 1))"},
        "refuted", summary="... and not with a shift by 1"),
    # --- correlation
    Law("commutativity", "correlation", "corr(f, g) == corr(g, f)", "refuted", _COMMUTE,
        "corr(f, g) == corr(g, f)", summary="corr(f,g) = corr(g,f)"),
    Law("associativity", "correlation", "corr(corr(f, g), h) == corr(f, corr(g, h))", "refuted", _ASSOCIATE,
        "corr(corr(f, g), h) == corr(f, corr(g, h))", summary="corr(corr(f,g),h) = corr(f,corr(g,h))"),
    Law("left-distributivity", "correlation", "corr(f, g+h) == corr(f, g) + corr(f, h)", "proved",
        ((0, "expand"), (0, "split", "k0")), "corr(f, g+h) == corr(f, g) + corr(f, g)",
        summary="corr(f,g+h) = corr(f,g) + corr(f,h)"),
    Law("right-distributivity", "correlation", "corr(f+g, h) == corr(f, h) + corr(g, h)", "proved",
        _DISTRIBUTE, "corr(f+g, h) == corr(f, h) + corr(f, h)", summary="corr(f+g,h) = corr(f,h) + corr(g,h)"),
    Law("notes-distributivity", "correlation", "corr(f, g+h) == corr(f, g) + corr(f, g)", "refuted",
        summary="the notes' distributivity, correlation"),
    Law("homogeneity", "correlation", "alpha*corr(f, g) == corr(alpha*f, g) == corr(f, alpha*g)", "refuted",
        summary="alpha corr(f,g) = corr(alpha f,g) = corr(f,alpha g) (complex alpha)"),
    Law("conjugate-homogeneity", "correlation",
        "alpha*corr(f, g) == corr(alpha*f, g) == corr(f, conj(alpha)*g)", "proved",
        ((0, "pull_in", "k0"), (2, "expand")), "alpha*corr(f, g) == corr(f, alpha*g)",
        summary="alpha corr(f,g) = corr(alpha f,g) = corr(f, conj(alpha) g)"),
    Law("identity", "correlation", "corr(f, delta) == f == corr(delta, f)", "refuted",
        summary="delta is a two-sided identity"),
    Law("right-identity", "correlation", "corr(f, delta) == f", "proved", ((0, "delta", "k0"),),
        "corr(delta, f) == f", summary="corr(f, delta) = f"),
    Law("translation-equivariance", "correlation",
        {1: "corr(shift(f, k), g) == shift(corr(f, g), k) == corr(f, shift(g, -k))",
         2: "corr(shift(f, (k, m)), g) == shift(corr(f, g), (k, m)) == corr(f, shift(g, (-k, -m)))"},
        "proved", ((2, "change_index", "k2", "k2 - k|k2 - m"),),
        {1: "corr(shift(f, k), g) == shift(corr(f, g), k) == corr(f, shift(g, k))",
         2: "corr(shift(f, (k, m)), g) == shift(corr(f, g), (k, m)) == corr(f, shift(g, (k, m)))"},
        summary="corr(shift(f,k),g) = shift(corr(f,g),k) = corr(f,shift(g,-k))"),
    Law("conjugate-symmetry", "correlation", "corr(g, f) == conj(flip(corr(f, g)))", "proved",
        ((1, "conjugate_in", "k1"), (1, "change_index", "k1", "k1 + n")), "corr(g, f) == flip(corr(f, g))",
        summary="corr(g,f)(n) = conj(corr(f,g)(-n))"),
    Law("correlation-is-flipped-convolution", "correlation", "corr(f, g) == f*conj(flip(g))", "proved",
        ((0, "change_index", "k0", "k0 - n"),), "corr(f, g) == f*flip(g)",
        summary="corr(f,g) = f * conj(flip(g))"),
    Law("correlation-generating-function", "correlation", None, "proved", custom="correlation_generating_function",
        summary="sum_n corr(f,g)(n) z^n = F(z) conj(G)(1/z)"),
    # --- circular
    Law("commutativity", "circular", "circ(f, g, N) == circ(g, f, N)", "proved", _CIRC_COMMUTE,
        "circ(f, g, N) == circ(f, flip(g), N)", summary="f (*)_N g = g (*)_N f"),
    Law("associativity", "circular", "circ(circ(f, g, N), h, N) == circ(f, circ(g, h, N), N)", "proved",
        _CIRC_ASSOCIATE, "circ(circ(f, g, N), h, N) == circ(f, circ(g, flip(h), N), N)",
        summary="associativity on Z/N"),
    Law("left-distributivity", "circular", "circ(f, g+h, N) == circ(f, g, N) + circ(f, h, N)", "proved",
        _DISTRIBUTE, "circ(f, g+h, N) == circ(f, g, N) + circ(f, g, N)", summary="distributivity on Z/N"),
    Law("right-distributivity", "circular", "circ(f+g, h, N) == circ(f, h, N) + circ(g, h, N)", "proved",
        _DISTRIBUTE, "circ(f+g, h, N) == circ(f, h, N) + circ(f, h, N)", summary="distributivity on Z/N"),
    Law("notes-distributivity", "circular", "circ(f, g+h, N) == circ(f, g, N) + circ(f, g, N)", "refuted",
        summary="the notes' distributivity, circular"),
    Law("homogeneity", "circular",
        "alpha*circ(f, g, N) == circ(alpha*f, g, N) == circ(f, alpha*g, N)", "proved", _HOMOGENEOUS,
        "alpha*circ(f, g, N) == circ(alpha*f, alpha*g, N)", summary="scalars move freely"),
    Law("identity", "circular",
        "circ(circ(f, delta, N), delta, N) == circ(f, delta, N) == circ(delta, circ(f, delta, N), N)",
        "proved", control="circ(f, delta, N) == f",
        summary="delta is the identity of Z/N (circ(f, delta, N) is f wrapped onto Z/N)"),
    Law("translation-equivariance", "circular",
        {1: "circ(shift(f, k), g, N) == circ(f, shift(g, k), N) == circ(shift(circ(f, g, N), k), delta, N)",
         2: "circ(shift(f, (k, m)), g, N) == circ(f, shift(g, (k, m)), N) == "
            "circ(shift(circ(f, g, N), (k, m)), delta, N)"},
        "proved", summary="cyclic shifts commute with circular convolution"),
    Law("convolution-theorem", "circular", "dft(circ(f, g, N), N) == hadamard(dft(f, N), dft(g, N))", "proved",
        (
            (0, "pull_in", "k1"),
            (0, "reorder", "k0", "k1"),
            (0, "change_index", "k0", "k0 + k1"),
            (0, "periodic_window", "k0", "N"),
            (0, "expand"),
            (1, "merge"),
        ),
        "dft(circ(f, g, N), N) == hadamard(dft(f, N), dft(flip(g), N))",
        summary="DFT_N(f (*)_N g) = DFT_N(f) . DFT_N(g), symbolic N"),
)


def names(operator: str | None = None) -> list[str]:
    """The law names (for one operator, or all), in registry order.

    Examples
    --------
    >>> from convalg.symbolic.laws import names
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
    >>> from convalg.symbolic.laws import find
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
