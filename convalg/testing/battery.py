"""The battery of cross-checks: a fixed list of calls covering what convalg.signal promises.

Each :class:`Case` is one call of a scipy.signal-compatible function, with arrays drawn from a
seed derived from its label; :func:`run_case` runs it through :func:`convalg.crosscheck` on
every usable backend and method and on scipy.signal. The battery covers 1-D, 2-D and 3-D
inputs, every mode and boundary (with fill values), real, complex and integer dtypes, odd and
even kernel sizes, tiny and large magnitudes, non-finite values, zero-rank inputs and calls
scipy rejects. ``convalg check`` and the tour run it.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from convalg.testing._crosscheck import crosscheck

__all__ = ["Case", "battery", "run_case"]


@dataclass(frozen=True)
class Case:
    """One call of the battery; its arrays are drawn from a seed derived from its label."""

    label: str
    function: str
    make: Callable[[Any], tuple]  # rng -> (in1, in2)
    options: dict = field(default_factory=dict)
    quick: bool = False  # part of the --quick subset

    def arrays(self):
        import numpy as np

        return self.make(np.random.default_rng(zlib.crc32(self.label.encode())))


def _real(shape, dtype="float64", scale=1.0):
    def draw(rng):
        return (scale * rng.standard_normal(shape)).astype(dtype)

    return draw


def _complex(shape, dtype="complex128", scale=1.0):
    def draw(rng):
        return (scale * (rng.standard_normal(shape) + 1j * rng.standard_normal(shape))).astype(dtype)

    return draw


def _ints(shape, dtype="int64", low=-100, high=100):
    def draw(rng):
        return rng.integers(low, high, shape, endpoint=True).astype(dtype)

    return draw


def _fractions(shape):
    def draw(rng):
        from fractions import Fraction

        import numpy as np

        values = [
            Fraction(int(p), int(q))
            for p, q in zip(rng.integers(-20, 20, np.prod(shape)), rng.integers(1, 12, np.prod(shape)))
        ]
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out.reshape(shape)

    return draw


def _pair(first, second):
    return lambda rng: (first(rng), second(rng))


def _with_nonfinite(draw, value):
    def with_value(rng):
        x = draw(rng).copy()
        x.flat[x.size // 2] = value
        return x

    return with_value


def battery(quick: bool = False) -> list[Case]:
    """The fixed list of calls; ``quick`` keeps the cases marked as the quick subset.

    Examples
    --------
    >>> cases = battery()
    >>> len(cases) > len(battery(quick=True)) > 0
    True
    >>> sorted({case.function for case in cases})[:3]
    ['convolve', 'convolve2d', 'correlate']
    """
    cases: list[Case] = []

    def add(label, function, make, quick=False, **options):
        cases.append(Case(label, function, make, options, quick))

    # 1-D convolve/correlate: every mode, odd and even kernels, short and long, every method.
    for n, k, q in [
        (1, 1, False),
        (7, 4, True),
        (50, 9, True),
        (64, 64, False),
        (257, 16, False),
        (1000, 33, True),
        (3000, 8, False),
        (300, 301, False),
        (5, 40, False),
    ]:
        for mode in ("full", "same", "valid"):
            if mode == "valid" and n < k and (n, k) != (5, 40):
                continue
            for function in ("convolve", "correlate"):
                add(
                    f"1-D {function} {n}x{k} {mode}",
                    function,
                    _pair(_real(n), _real(k)),
                    quick=q and mode != "full",
                    mode=mode,
                )
    for dtype in ("float32", "complex64", "complex128"):
        draw = _complex if dtype.startswith("complex") else _real
        for function in ("convolve", "correlate"):
            add(
                f"1-D {function} {dtype} 400x21",
                function,
                _pair(draw(400, dtype), draw(21, dtype)),
                quick=function == "correlate",
                mode="same",
            )
    add("1-D convolve complex x real 300x12", "convolve", _pair(_complex(300), _real(12)), quick=True)
    # Integers: exact, widened where the input type could overflow, OverflowError beyond int64.
    add("1-D convolve int64 500x41", "convolve", _pair(_ints(500), _ints(41)), quick=True)
    add("1-D correlate int64 200x200 valid", "correlate", _pair(_ints(200), _ints(200)), mode="valid")
    add(
        "1-D convolve int8 (widened) 300x31",
        "convolve",
        _pair(_ints(300, "int8", -128, 127), _ints(31, "int8", -128, 127)),
        quick=True,
    )
    add(
        "1-D convolve uint8 x int16 200x9",
        "convolve",
        _pair(_ints(200, "uint8", 0, 255), _ints(9, "int16", -30000, 30000)),
    )
    add(
        "1-D convolve int64 near 2**62 (overflow)",
        "convolve",
        _pair(_ints(20, "int64", 2**61, 2**62), _ints(5, "int64", 2, 4)),
    )
    # Inputs scipy does not cover everywhere, where convalg documents a result.
    add(
        "1-D convolve bool x bool 100x7",
        "convolve",
        lambda rng: (rng.random(100) < 0.3, rng.random(7) < 0.5),
        quick=True,
    )
    add(
        "2-D convolve2d float16 20x20 x 3x3 same (scipy raises)",
        "convolve2d",
        _pair(_real((20, 20), "float16"), _real((3, 3), "float16")),
        mode="same",
    )
    add("2-D convolve Fractions (object) 6x5 x 3x2", "convolve", _pair(_fractions((6, 5)), _fractions((3, 2))))
    # Tiny and large magnitudes (products stay inside the normal range).
    for scale, name in ((1e-150, "tiny"), (1e140, "large")):
        add(
            f"1-D convolve {name} float64 600x17",
            "convolve",
            _pair(_real(600, scale=scale), _real(17)),
            quick=name == "tiny",
            mode="same",
        )
        add(
            f"1-D correlate {name} float64 x {name} 200x64",
            "correlate",
            _pair(_real(200, scale=scale), _real(64, scale=scale)),
        )
    for scale, name in ((1e-15, "tiny"), (1e12, "large")):
        add(
            f"1-D convolve {name} float32 500x13", "convolve", _pair(_real(500, "float32", scale), _real(13, "float32"))
        )
    # Non-finite values must stay local (direct and auto).
    for value, name in ((math.nan, "NaN"), (math.inf, "Inf")):
        add(
            f"1-D convolve with {name} 200x7",
            "convolve",
            _pair(_with_nonfinite(_real(200), value), _real(7)),
            quick=name == "NaN",
            mode="same",
        )
    # Zero-rank inputs, and calls scipy rejects (convalg must reject them with the same type).
    add(
        "0-D convolve scalar x scalar",
        "convolve",
        lambda rng: (rng.standard_normal(()), rng.standard_normal(())),
        quick=True,
    )
    add("1-D convolve empty input (rejected)", "convolve", _pair(_real(0), _real(3)))
    add("2-D convolve valid, neither larger (rejected)", "convolve", _pair(_real((3, 6)), _real((5, 4))), mode="valid")

    # N-D convolve/correlate through every method.
    add("2-D convolve 40x30 x 5x4 same", "convolve", _pair(_real((40, 30)), _real((5, 4))), quick=True, mode="same")
    add("2-D correlate complex 32x32 x 6x6 full", "correlate", _pair(_complex((32, 32)), _complex((6, 6))))
    add("2-D convolve int64 30x30 x 7x7 valid", "convolve", _pair(_ints((30, 30)), _ints((7, 7))), mode="valid")
    add(
        "3-D convolve 12x10x8 x 3x3x3 same",
        "convolve",
        _pair(_real((12, 10, 8)), _real((3, 3, 3))),
        quick=True,
        mode="same",
    )
    add("3-D correlate 9x9x9 x 4x2x5 valid", "correlate", _pair(_real((9, 9, 9)), _real((4, 2, 5))), mode="valid")
    add(
        "3-D convolve int8 (widened) 9x8x7 x 4x3x3",
        "convolve",
        _pair(_ints((9, 8, 7), "int8", -128, 127), _ints((4, 3, 3), "int8", -128, 127)),
    )

    # fftconvolve / oaconvolve, including axes with broadcasting over the others.
    for function in ("fftconvolve", "oaconvolve"):
        for mode in ("full", "same", "valid"):
            add(
                f"1-D {function} 2000x45 {mode}",
                function,
                _pair(_real(2000), _real(45)),
                quick=mode == "same",
                mode=mode,
            )
        add(f"1-D {function} complex 1500x30", function, _pair(_complex(1500), _complex(30)))
        add(f"2-D {function} 80x70 x 9x8 same", function, _pair(_real((80, 70)), _real((9, 8))), mode="same")
        add(
            f"3-D {function} 20x18x16 x 5x4x3",
            function,
            _pair(_real((20, 18, 16)), _real((5, 4, 3))),
            quick=function == "oaconvolve",
        )
        add(
            f"2-D {function} axes=1, broadcast 4x500 x 1x25",
            function,
            _pair(_real((4, 500)), _real((1, 25))),
            quick=True,
            axes=1,
        )
        add(
            f"3-D {function} axes=(0, 2) 60x3x40 x 7x3x5 valid",
            function,
            _pair(_real((60, 3, 40)), _real((7, 3, 5))),
            mode="valid",
            axes=(0, 2),
        )
        add(f"1-D {function} int64 700x50", function, _pair(_ints(700), _ints(50)))
        add(f"1-D {function} int64 x one-element kernel 300x1", function, _pair(_ints(300), _ints(1)))

    # convolve2d / correlate2d: every boundary and mode, fill values, odd and even kernels.
    for function in ("convolve2d", "correlate2d"):
        for boundary, fill in (("fill", 0), ("fill", 2.5), ("wrap", 0), ("symm", 0)):
            for mode in ("full", "same", "valid"):
                for shape, kshape in (((20, 17), (3, 3)), ((16, 16), (4, 6))):
                    label = f"2-D {function} {shape[0]}x{shape[1]} x {kshape[0]}x{kshape[1]} {mode} {boundary}"
                    label += f" fill={fill}" if boundary == "fill" else ""
                    add(
                        label,
                        function,
                        _pair(_real(shape), _real(kshape)),
                        quick=mode == "same" and kshape == (4, 6),
                        mode=mode,
                        boundary=boundary,
                        fillvalue=fill,
                    )
        add(
            f"2-D {function} kernel larger than image 5x4 x 7x9 same symm",
            function,
            _pair(_real((5, 4)), _real((7, 9))),
            mode="same",
            boundary="symm",
        )
        add(
            f"2-D {function} complex fill=1-2j 12x10 x 3x4",
            function,
            _pair(_complex((12, 10)), _complex((3, 4))),
            quick=True,
            mode="same",
            fillvalue=1 - 2j,
        )
        add(
            f"2-D {function} int16 wrap 15x15 x 5x5 (widened)",
            function,
            _pair(_ints((15, 15), "int16", -3000, 3000), _ints((5, 5), "int16", -3000, 3000)),
            quick=True,
            mode="same",
            boundary="wrap",
        )
        add(f"2-D {function} int64 fill=7 10x12 x 4x3", function, _pair(_ints((10, 12)), _ints((4, 3))), fillvalue=7)
        add(
            f"2-D {function} valid, second larger 4x5 x 6x9",
            function,
            _pair(_complex((4, 5)), _complex((6, 9))),
            mode="valid",
        )
        add(
            f"2-D {function} tiny 30x30 x 5x5 same",
            function,
            _pair(_real((30, 30), scale=1e-150), _real((5, 5))),
            mode="same",
        )
    return [c for c in cases if c.quick] if quick else cases


def run_case(case: Case, backend: str | None):
    """The case's CrossCheck and None, or None and the exception crosscheck itself raised.

    Examples
    --------
    >>> case = next(c for c in battery(quick=True) if c.label.startswith("1-D convolve int64"))
    >>> check, error = run_case(case, "numpy")
    >>> check.ok, error
    (True, None)
    """
    in1, in2 = case.arrays()
    options = dict(case.options)
    if backend is not None:
        options["backend"] = backend
    try:
        return crosscheck(case.function, in1, in2, **options), None
    except Exception as exc:  # noqa: BLE001 - a crash of the check is a failure to report, not a traceback
        return None, exc
