"""Random statements over the whole statement language, for the soundness harness.

Expressions are trees of tuples rendered to the language's text; every operator appears
(``*``, ``corr``, ``circ``, ``conv`` with modes full/same/valid, ``down``, ``shift``, ``flip``,
``conj``, ``dft``, ``hadamard``, ``+``, ``-``, scaling by numbers and scalars), in 1-D and 2-D,
nested. A statement is one of:

* ``pair``: two independent random expressions (mostly false);
* ``rewrite``: an expression and the same expression rewritten by identities of the language
  (commutativity, distributivity, shift equivariance, the convolution theorem, ...; meant to be
  true -- the oracle judges);
* ``mutate``: an expression and a near miss of it (a shift by a multiple of N, swapped
  arguments, another mode, a dropped conjugation: often false, sometimes true);
* ``scalar``: an identity of scalars and numbers;
* ``wrapped``: ``circ``/``dft`` of an expression holding ``hadamard``/``down``/``dft`` with shifts,
  against the same with one shift moved by a multiple of N (true only if the move is invisible
  modulo N: where a reduction modulo w^N - 1 reaching into an atom would make it look true).

Random choices go through a *chooser* with ``randint(a, b)``, ``choice(seq)`` and
``random()``: a ``random.Random`` in scripts, hypothesis's ``draw`` in the tests (so that a
failure shrinks).
"""

from __future__ import annotations

from fractions import Fraction

DFT_LENGTHS = (1, 2, 3, 4, 6, 12)  # the oracle's roots of unity: lengths dividing 12
CIRC_LENGTHS = (1, 2, 3, 4, 5, 6, 8, 12)
MODES = ("pair", "rewrite", "rewrite", "mutate", "mutate", "scalar", "wrapped")


class Draw:
    """A chooser over hypothesis's ``draw``."""

    def __init__(self, draw):
        from hypothesis import strategies as st

        self._draw, self._st = draw, st

    def randint(self, a, b):
        return self._draw(self._st.integers(a, b))

    def choice(self, seq):
        return self._draw(self._st.sampled_from(list(seq)))

    def random(self):
        return self._draw(self._st.integers(0, 999)) / 1000


# ---------------------------------------------------------------- rendering


def render(node) -> str:
    op = node[0]
    if op == "seq":
        return node[1]
    if op == "delta":
        return "delta"
    if op == "num":
        value = node[1]
        return str(value) if value.denominator == 1 and value >= 0 else f"({value})"
    if op == "scalar":
        return node[1]
    if op in ("add", "sub"):
        return f"({render(node[1])} {'+' if op == 'add' else '-'} {render(node[2])})"
    if op == "neg":
        return f"(-{render(node[1])})"
    if op == "scale":
        return (
            f"{render(node[1])} ({render(node[2])})"
            if node[1][0] != "num"
            else f"{render(node[1])}*({render(node[2])})"
        )
    if op == "smul":
        return f"({render(node[1])} * {render(node[2])})"
    if op == "conv":
        return f"({render(node[1])}) * ({render(node[2])})"
    if op == "convmode":
        return f'conv({render(node[1])}, {render(node[2])}, mode="{node[3]}")'
    if op in ("corr", "hadamard"):
        return f"{op}({render(node[1])}, {render(node[2])})"
    if op == "circ":
        return f"circ({render(node[1])}, {render(node[2])}, {_integer(node[3])})"
    if op == "shift":
        return f"shift({render(node[1])}, {_offset(node[2])})"
    if op in ("down", "dft"):
        return f"{op}({render(node[1])}, {_integer(node[2])})"
    if op in ("flip", "conj"):
        return f"{op}({render(node[1])})"
    raise ValueError(op)


def _integer(value) -> str:
    if isinstance(value, tuple):
        return f"-{value[1]}"
    return str(value)


def _offset(value) -> str:
    if isinstance(value, list):
        return "(" + ", ".join(_integer(v) for v in value) + ")"
    return _integer(value)


# ---------------------------------------------------------------- generation


class _Context:
    def __init__(self, r, dims):
        self.r = r
        self.dims = dims
        self.modulus = r.choice(CIRC_LENGTHS + (40,))
        self.symbolic = r.random() < 0.2

    def shift_amount(self):
        r = self.r
        if self.symbolic and r.random() < 0.3:
            return r.choice(["k", "m", ("-", "k")])
        n = self.modulus
        return r.choice([0, 1, -1, 2, -2, 3, n, 2 * n, -n, n + 1])

    def offset(self):
        if self.dims == 1:
            return self.shift_amount()
        return [self.shift_amount(), self.shift_amount() if self.r.random() < 0.5 else 0]

    def length(self, dft: bool):
        r = self.r
        if self.symbolic and r.random() < 0.3:
            return "N"
        if dft:
            return r.choice(DFT_LENGTHS)
        return r.choice((self.modulus, self.modulus, r.choice(CIRC_LENGTHS)))

    def stride(self):
        if self.symbolic and self.r.random() < 0.3:
            return "s"
        return self.r.choice((1, 2, 2, 3))


def scalar(r, depth=1):
    if depth == 0 or r.random() < 0.5:
        return r.choice(
            [
                ("num", Fraction(2)),
                ("num", Fraction(-1)),
                ("num", Fraction(1, 2)),
                ("num", Fraction(3)),
                ("scalar", "alpha"),
                ("scalar", "beta"),
                ("conj", ("scalar", "alpha")),
            ]
        )
    kind = r.choice(["smul", "add", "conj", "neg"])
    if kind in ("conj", "neg"):
        return (kind, scalar(r, depth - 1))
    return (kind, scalar(r, depth - 1), scalar(r, depth - 1))


def leaf(c: _Context):
    r = c.r
    pick = r.choice(["f", "f", "g", "g", "h", "delta", "sdelta"])
    if pick == "delta":
        return ("delta",)
    if pick == "sdelta":
        return ("shift", ("delta",), c.offset())
    return ("seq", pick)


def expression(c: _Context, depth: int):
    r = c.r
    if depth == 0 or r.random() < 0.25:
        return leaf(c)
    op = r.choice(
        [
            "conv",
            "conv",
            "add",
            "sub",
            "corr",
            "hadamard",
            "circ",
            "convmode",
            "shift",
            "flip",
            "conj",
            "down",
            "dft",
            "scale",
            "neg",
        ]
    )
    if op in ("flip", "conj", "neg"):
        return (op, expression(c, depth - 1))
    if op == "shift":
        return ("shift", expression(c, depth - 1), c.offset())
    if op == "down":
        return ("down", expression(c, depth - 1), c.stride())
    if op == "dft":
        return ("dft", expression(c, depth - 1), c.length(dft=True))
    if op == "scale":
        return ("scale", scalar(r), expression(c, depth - 1))
    a, b = expression(c, depth - 1), expression(c, depth - 1)
    if op == "circ":
        return ("circ", a, b, c.length(dft=False))
    if op == "convmode":
        return ("convmode", a, b, r.choice(["same", "same", "valid", "full"]))
    return (op, a, b)


# ---------------------------------------------------------------- rewrites (identities) and mutations


# which arguments of each sequence operation are sequences
_CHILDREN = {
    "add": (1, 2),
    "sub": (1, 2),
    "conv": (1, 2),
    "convmode": (1, 2),
    "corr": (1, 2),
    "hadamard": (1, 2),
    "circ": (1, 2),
    "neg": (1,),
    "flip": (1,),
    "conj": (1,),
    "shift": (1,),
    "down": (1,),
    "dft": (1,),
    "scale": (2,),
}


def _positions(node, path=(), inside_window=False):
    """Every sequence subterm: ``(path, node, inside a conv(..., mode=...) window)``."""
    yield path, node, inside_window
    window = inside_window or (node[0] == "convmode" and node[3] != "full")
    for index in _CHILDREN.get(node[0], ()):
        yield from _positions(node[index], path + (index,), window)


def _replace(node, path, new):
    if not path:
        return new
    index = path[0]
    parts = list(node)
    parts[index] = _replace(node[index], path[1:], new)
    return tuple(parts)


def _rewrites(node, c: _Context, inside_window: bool):
    """Identities that apply at ``node``: each a new node equal to it (as values; as boxes too
    unless only used outside a window)."""
    op = node[0]
    out = []
    if op in ("conv", "add", "hadamard"):
        out.append((op, node[2], node[1]))
    if op == "circ":
        out.append(("circ", node[2], node[1], node[3]))
        out.append(("circ", ("circ", node[1], ("delta",), node[3]), node[2], node[3]))
        if isinstance(node[3], int) or node[3] == "N":
            k = c.offset()
            out.append(("circ", ("shift", node[1], k), ("shift", node[2], _negate(k)), node[3]))
    if op == "conv" and node[2][0] == "add":
        a, (_, b, d) = node[1], node[2]
        out.append(("add", ("conv", a, b), ("conv", a, d)))
    if op == "conv":
        k = c.offset()
        out.append(("conv", ("shift", node[1], k), ("shift", node[2], _negate(k))))
    if op == "scale" and node[2][0] == "conv":
        out.append(("conv", ("scale", node[1], node[2][1]), node[2][2]))
    if op == "shift" and node[1][0] == "conv":
        out.append(("conv", ("shift", node[1][1], node[2]), node[1][2]))
    if op == "corr":
        out.append(("conv", node[1], ("conj", ("flip", node[2]))))
    if op == "conj" and node[1][0] in ("conv", "add"):
        inner = node[1]
        out.append((inner[0], ("conj", inner[1]), ("conj", inner[2])))
    if op == "flip" and node[1][0] == "conv":
        out.append(("conv", ("flip", node[1][1]), ("flip", node[1][2])))
    if op == "dft" and node[1][0] == "circ" and node[1][3] == node[2]:
        out.append(("hadamard", ("dft", node[1][1], node[2]), ("dft", node[1][2], node[2])))
    if op == "dft" and node[1][0] == "add":
        out.append(("add", ("dft", node[1][1], node[2]), ("dft", node[1][2], node[2])))
    if op == "dft" and node[1][0] == "dft" and node[1][2] == node[2] and isinstance(node[2], int):
        out.append(("scale", ("num", Fraction(node[2] ** c.dims)), ("circ", ("flip", node[1][1]), ("delta",), node[2])))
    if op == "down" and isinstance(node[2], int) and node[2] in (4, 6):
        out.append(("down", ("down", node[1], 2), node[2] // 2))
    if op == "down" and isinstance(node[2], int):
        k = c.r.choice([1, -1, 2])
        offset = k * node[2] if c.dims == 1 else [k * node[2], 0]
        out.append(("shift", ("down", ("shift", node[1], offset), node[2]), _negate(k if c.dims == 1 else [k, 0])))
    if op == "convmode" and node[1][0] == "scale":
        out.append(("scale", node[1][1], ("convmode", node[1][2], node[2], node[3])))
    if not inside_window:
        if op == "hadamard" and node[2][0] == "add":
            out.append(("add", ("hadamard", node[1], node[2][1]), ("hadamard", node[1], node[2][2])))
        if op == "down" and node[1][0] == "add":
            out.append(("add", ("down", node[1][1], node[2]), ("down", node[1][2], node[2])))
        if op == "down" and node[1][0] == "hadamard":
            out.append(("hadamard", ("down", node[1][1], node[2]), ("down", node[1][2], node[2])))
    # identities that apply to any sequence
    out.append(("flip", ("flip", node)))
    out.append(("conj", ("conj", node)))
    out.append(("sub", ("scale", ("num", Fraction(2)), node), node))
    out.append(("convmode", node, ("delta",), "same"))
    k = c.offset()
    out.append(("shift", ("shift", node, k), _negate(k)))
    return out


def _negate(k):
    if isinstance(k, list):
        return [_negate(v) for v in k]
    if isinstance(k, tuple):
        return k[1]
    if isinstance(k, str):
        return ("-", k)
    return -k


def rewrite(c: _Context, node, steps: int):
    for _ in range(steps):
        positions = list(_positions(node))
        path, target, inside = c.r.choice(positions)
        options = _rewrites(target, c, inside)
        if options:
            node = _replace(node, path, c.r.choice(options))
    return node


def mutate(c: _Context, node):
    r = c.r
    positions = list(_positions(node))
    path, target, _ = r.choice(positions)
    op = target[0]
    options = [leaf(c), ("conj", target), ("flip", target), ("shift", target, c.offset())]
    if op in ("conv", "corr", "hadamard", "sub"):
        options.append((op, target[2], target[1]))
    if op == "circ":
        options.append(("circ", target[1], target[2], c.length(dft=False)))
        options.append(
            ("circ", target[1], ("shift", target[2], c.modulus if c.dims == 1 else [c.modulus, 0]), target[3])
        )
    if op == "shift":
        options.append(("shift", target[1], c.offset()))
    if op in ("conj", "flip"):
        options.append(target[1])
    if op == "convmode":
        options.append(("convmode", target[1], target[2], r.choice(["same", "valid", "full"])))
        options.append(("convmode", target[2], target[1], target[3]))
    if op == "down":
        options.append(("down", target[1], c.stride()))
    if op == "dft":
        options.append(("dft", target[1], c.length(dft=True)))
    return _replace(node, path, r.choice(options))


def _wrapped(c: _Context):
    """circ/dft of an expression with an atom that holds a shift, and the same shift moved by N."""
    r = c.r
    n = c.modulus if c.modulus <= 12 else r.choice((2, 3, 4, 6))
    k = r.choice([n, 2 * n, n + 1, 1, 0])
    moved = k + r.choice([n, 2 * n, -n])
    a, b, other = leaf(c), leaf(c), r.choice([("delta",), leaf(c)])
    stride, length, atom, wrap = r.choice((2, 3)), r.choice((2, 3, 4)), r.randint(0, 3), r.randint(0, 1)

    def build(shift_by):
        offset = shift_by if c.dims == 1 else [shift_by, 0]
        inner = [
            ("hadamard", a, ("shift", ("delta",), offset)),
            ("hadamard", ("shift", a, offset), b),
            ("down", ("shift", a, offset), stride),
            ("dft", ("shift", a, offset), length),
        ][atom]
        return ("circ", inner, other, n) if wrap == 0 else ("dft", inner, n if 12 % n == 0 else 4)

    return build(k), build(moved)


def statement(r, dims: int | None = None, mode: str | None = None) -> tuple[str, int, str]:
    """``(text, dims, mode)``: one random statement."""
    dims = dims or r.choice([1, 1, 1, 2])
    mode = mode or r.choice(MODES)
    c = _Context(r, dims)
    if mode == "wrapped":
        left, right = _wrapped(c)
        return f"{render(left)} == {render(right)}", dims, mode
    if mode == "scalar":
        left = scalar(r, 2)
        right = left if r.random() < 0.5 else scalar(r, 2)
        right = _scalar_rewrite(r, right)
        return f"{render(left)} == {render(right)}", dims, mode
    left = expression(c, r.choice([1, 2, 2, 3]))
    if mode == "pair":
        right = expression(c, r.choice([1, 2, 2, 3]))
    elif mode == "rewrite":
        right = rewrite(c, left, r.choice([1, 1, 2, 3]))
    else:
        right = mutate(c, left)
    return f"{render(left)} == {render(right)}", dims, mode


def _scalar_rewrite(r, node):
    op = node[0]
    if op in ("smul", "add") and r.random() < 0.7:
        return (op, node[2], node[1])
    if op == "conj" and node[1][0] == "smul":
        return ("smul", ("conj", node[1][1]), ("conj", node[1][2]))
    return node
