"""The contract a convolution function is checked against: every property a user can state.

A :class:`Contract` names the product (convolution or correlation, which argument is
conjugated, in which order the arguments enter), the output window (including where an
even kernel's 'same' output starts, and which shapes 'valid' leaves undefined), the
boundary, and the rules for non-finite values, integers and output precision. A field
left ``None`` is not stated: ``verify`` detects it and reports what it found, and only
the rules that hold for every convolution are checked for it. Presets
(:mod:`convalg.testing._presets`) state all of them in one word.

The algebraic part (product, window, boundary) is a :class:`~convalg.testing._convention.Convention`,
whose reference is the exact oracle; library quirks a preset documents (scipy.ndimage's
tiny-tap rules, ``correlate2d``'s swapped 'valid' output) adjust the operands here, once,
for every evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from convalg.testing._convention import BOUNDARIES, Convention, Transform, Window
from convalg.testing._oracle import convolution_block

__all__ = ["Contract", "FIELDS", "CHOICES", "ALIASES", "differences", "fields_of"]

#: The values each field may take (the first is what numpy and scipy.signal do).
CHOICES = {
    "operation": ("convolution", "correlation"),
    "conjugate": ("neither", "kernel", "signal", "both"),
    "order": ("signal-kernel", "kernel-signal"),
    "mode": ("full", "same", "valid"),
    "same_start": ("(k-1)//2", "k//2", "(k-1)//2, n//2 if k > n"),
    "same_length": ("signal", "longer"),
    "valid_shapes": ("either", "kernel-fits"),
    "boundary": tuple(BOUNDARIES) + ("constant",),
    "nonfinite": ("local", "spread"),
    "integers": ("wrap", "exact", "float64"),
    "precision": ("promote", "signal", "lowest"),
    "quirk": ("ndimage-1d", "ndimage", "correlate2d"),
}

#: Other names users know the same values by (scipy.signal's and ndimage's boundary words, ...).
ALIASES = {
    "conjugate": {"none": "neither", "in2": "kernel", "second": "kernel", "in1": "signal", "first": "signal"},
    "boundary": {
        "fill": "constant",
        "grid-constant": "constant",
        "symm": "reflect",
        "symmetric": "reflect",
        "grid-mirror": "reflect",
        "grid-wrap": "wrap",
        "circular": "wrap",
        "periodic": "wrap",
        "edge": "nearest",
    },
}

FIELDS = tuple(CHOICES)

_WORDS = {
    "operation": "product",
    "conjugate": "conjugated argument",
    "order": "argument order",
    "mode": "window",
    "same_start": "'same' start",
    "same_length": "'same' length",
    "valid_shapes": "'valid' shapes",
    "boundary": "boundary",
    "nonfinite": "non-finite rule",
    "integers": "integer rule",
    "precision": "output precision",
    "quirk": "documented quirk",
}

_EXPLAIN = {
    ("conjugate", "neither"): "conjugates neither argument",
    ("conjugate", "kernel"): "conjugates the kernel (scipy.signal.correlate's second argument)",
    ("conjugate", "signal"): "conjugates the signal",
    ("conjugate", "both"): "conjugates both arguments",
    ("order", "signal-kernel"): "fn(signal, kernel) slides the kernel over the signal",
    ("order", "kernel-signal"): "fn(signal, kernel) slides the signal over the kernel (as op(kernel, signal))",
    ("same_start", "(k-1)//2"): "'same' starts at full index (k - 1) // 2 (numpy, scipy.signal)",
    ("same_start", "k//2"): "'same' starts at full index k // 2 (ndimage.convolve, torch's padding='same')",
    ("same_start", "(k-1)//2, n//2 if k > n"): "'same' starts at (k - 1) // 2, or n // 2 for longer kernels "
    "(numpy.correlate)",
    ("same_length", "signal"): "'same' is as long as the signal (scipy.signal, ndimage, torch)",
    ("same_length", "longer"): "'same' is as long as the longer input (numpy)",
    ("valid_shapes", "either"): "'valid' slides the smaller input over the larger; undefined when neither is "
    "larger on every axis (scipy raises)",
    ("valid_shapes", "kernel-fits"): "'valid' needs the kernel to fit in the signal (torch raises otherwise)",
    ("nonfinite", "local"): "NaN and infinity reach exactly the outputs whose sums they enter",
    ("nonfinite", "spread"): "NaN and infinity reach every output whose sum they enter, and may spread further "
    "(FFT methods)",
    ("integers", "wrap"): "integer results are exact, or wrap around modulo the output dtype (numpy), or raise",
    ("integers", "exact"): "integer results are exact, or the function raises",
    ("integers", "float64"): "integer inputs are summed in float64 and cast back (ndimage); unchecked when "
    "the result does not fit",
    ("precision", "promote"): "the output is at least as precise as numpy.result_type of the inputs",
    ("precision", "signal"): "the output has the signal's dtype (ndimage)",
    ("precision", "lowest"): "computed in the precision of the less precise input (scipy's FFT methods "
    "transform each input in its own precision)",
    ("boundary", "zero"): "zero: terms outside the signal are left out (numpy)",
    ("boundary", "constant"): "explicit zeros: the signal is padded with zeros that are multiplied, so a NaN or "
    "infinity in the kernel reaches every output (scipy.signal's 'fill', ndimage's 'constant')",
    ("quirk", "ndimage-1d"): "odd kernels whose taps are symmetric or antisymmetric within 2.2e-16 are applied "
    "as exactly (anti)symmetric (scipy.ndimage's 1-D filters)",
    ("quirk", "ndimage"): "taps of magnitude <= 2.2e-16 are dropped, even under a NaN (scipy.ndimage's N-D filters)",
    ("quirk", "correlate2d"): "in 'valid' mode with the kernel the larger input, complex results are conjugated "
    "(scipy.signal.correlate2d)",
}

_EPSILON = float(np.finfo(np.float64).eps)  # ndimage's DBL_EPSILON


def canonical(field_name: str, value):
    """``value`` for ``field_name`` in its canonical spelling; ValueError naming the choices."""
    if value is None:
        return None
    if field_name not in CHOICES:
        raise ValueError(f"unknown contract field {field_name!r}; the fields are {', '.join(FIELDS)}")
    if not isinstance(value, str):
        raise TypeError(f"{field_name} must be a string; got {type(value).__name__}")
    word = ALIASES.get(field_name, {}).get(value.lower(), value.replace(" ", ""))
    choices = CHOICES[field_name]
    plain = {c.replace(" ", ""): c for c in choices}
    if word not in plain:
        raise ValueError(f"{field_name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return plain[word]


@dataclass(frozen=True)
class Contract:
    """What a convolution function promises. ``None`` marks a property that is not stated.

    Attributes
    ----------
    operation : {'convolution', 'correlation'}
    conjugate : {'neither', 'kernel', 'signal', 'both'}
        Which argument is conjugated (scipy.signal.correlate: the kernel; torch: neither).
    order : {'signal-kernel', 'kernel-signal'}
        ``'kernel-signal'``: ``fn(signal, kernel)`` computes ``op(kernel, signal)``.
    mode : {'full', 'same', 'valid'}
    same_start : {'(k-1)//2', 'k//2', '(k-1)//2, n//2 if k > n'}
        Where 'same' starts in the full product (they differ for even kernels).
    same_length : {'signal', 'longer'}
    valid_shapes : {'either', 'kernel-fits'}
        Which shapes 'valid' defines; the function may refuse the others.
    boundary : {'zero', 'reflect', 'mirror', 'wrap', 'nearest'}
        ndimage's names ('reflect' is half-sample symmetric, scipy.signal's 'symm').
    nonfinite : {'local', 'spread'}
    integers : {'wrap', 'exact', 'float64'}
    precision : {'promote', 'signal'}
    quirk : {'ndimage-1d', 'ndimage', 'correlate2d'}, optional
        A documented deviation of a library from the mathematical product.
    name : str
        The preset the contract came from, if any.
    """

    operation: str | None = None
    conjugate: str | None = None
    order: str | None = None
    mode: str | None = None
    same_start: str | None = None
    same_length: str | None = None
    valid_shapes: str | None = None
    boundary: str | None = None
    nonfinite: str | None = None
    integers: str | None = None
    precision: str | None = None
    quirk: str | None = None
    name: str = ""

    def __post_init__(self):
        for f in FIELDS:
            object.__setattr__(self, f, canonical(f, getattr(self, f)))

    # ------------------------------------------------------------ stating and completing

    def stated(self) -> dict:
        """The fields that are stated, by name."""
        return {f: getattr(self, f) for f in FIELDS if getattr(self, f) is not None}

    def override(self, **changes) -> Contract:
        """This contract with the given fields stated (``None`` values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def algebra_stated(self) -> bool:
        """Product, window and boundary are all stated: nothing needs detecting."""
        needed = ["operation", "conjugate", "order", "mode", "boundary"]
        if self.mode == "same":
            needed += ["same_start", "same_length"]
        return all(getattr(self, f) is not None for f in needed)

    def completed(self, detected: Convention | None) -> Contract:
        """Fill the unstated algebraic fields from a detected convention, the rules from the defaults.

        The defaults of the rules are the weakest that hold for every convolution: non-finite
        values reach the outputs they enter ('spread'), integers are exact or wrap, the
        output is as precise as the inputs' result type.
        """
        filled = dict(self.stated())
        if detected is not None:
            for key, value in fields_of(detected).items():
                filled.setdefault(key, value)
        filled.setdefault("operation", "convolution")
        filled.setdefault("conjugate", "neither" if filled["operation"] == "convolution" else "kernel")
        filled.setdefault("order", "signal-kernel")
        filled.setdefault("mode", "full")
        filled.setdefault("same_start", "(k-1)//2")
        filled.setdefault("same_length", "signal")
        filled.setdefault("valid_shapes", "either")
        filled.setdefault("boundary", "zero")
        filled.setdefault("nonfinite", "spread")
        filled.setdefault("integers", "wrap")
        filled.setdefault("precision", "promote")
        return Contract(**filled, name=self.name)

    # ------------------------------------------------------------ the algebra

    @property
    def transform(self) -> Transform:
        swapped = self.order == "kernel-signal"
        correlation = self.operation == "correlation"
        return Transform(
            conj_signal=self.conjugate in ("signal", "both"),
            flip_signal=correlation and swapped,
            conj_kernel=self.conjugate in ("kernel", "both"),
            flip_kernel=correlation and not swapped,
        )

    def _needed(self, field_name: str) -> str:
        value = getattr(self, field_name)
        if value is None:
            raise ValueError(f"the contract does not state {field_name!r}: complete it first (Contract.completed)")
        return value

    @property
    def window(self) -> Window:
        mode = self._needed("mode")
        if mode == "same":
            return Window("same", self._needed("same_length"), self._needed("same_start"))
        return Window(mode, mode, "0" if mode == "full" else "min-1")

    def convention(self) -> Convention:
        """The algebraic part (needs a completed contract); explicit zeros are zeros there."""
        boundary = self._needed("boundary")
        return Convention(self.transform, self.window, "zero" if boundary == "constant" else boundary)

    def defined(self, signal_shape, kernel_shape) -> bool:
        """Whether the contract defines an output for inputs of these shapes."""
        if len(signal_shape) != len(kernel_shape) or 0 in signal_shape or 0 in kernel_shape:
            return False
        if self.mode != "valid":
            return True
        fits = all(k <= n for n, k in zip(signal_shape, kernel_shape))
        if self.valid_shapes == "kernel-fits":
            return fits
        return fits or all(n <= k for n, k in zip(signal_shape, kernel_shape))

    def output_shape(self, signal_shape, kernel_shape) -> tuple[int, ...] | None:
        if not self.defined(signal_shape, kernel_shape):
            return None
        return self.convention().output_shape(signal_shape, kernel_shape)

    def operands(self, signal, kernel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The operands whose full convolution is windowed, and the footprint of the second.

        The footprint marks the kernel taps whose products enter the sums: every tap,
        except those scipy.ndimage's N-D filters drop.
        """
        a, b = self.convention().operands(signal, kernel)
        b = np.asarray(b)
        if self.quirk in ("ndimage", "ndimage-1d"):
            b, footprint = _ndimage_taps(b, self.quirk)
        else:
            footprint = np.ones(b.shape, dtype=bool)
        return a, b, footprint

    def reference(self, signal, kernel) -> np.ndarray:
        """The contract's output: exact for integers, extended precision for floats."""
        signal, kernel = np.asarray(signal), np.asarray(kernel)
        _, starts, shape = self.convention().geometry(signal.shape, kernel.shape)
        a, b, _ = self.operands(signal, kernel)
        with np.errstate(all="ignore"):  # NaN and infinity are inputs here, not accidents
            out = convolution_block(a, b, starts, shape)
        if self.conjugates_output(signal, kernel):
            out = np.conjugate(out)
        return out

    def conjugates_output(self, signal, kernel) -> bool:
        """scipy.signal.correlate2d's quirk: a swapped complex 'valid' result comes back conjugated."""
        return (
            self.quirk == "correlate2d"
            and self.mode == "valid"
            and np.iscomplexobj(signal) | np.iscomplexobj(kernel)
            and any(k > n for n, k in zip(np.shape(signal), np.shape(kernel)))
        )

    def touched(self, signal, kernel) -> np.ndarray:
        """Which outputs have a term with a NaN or infinite factor in their sums."""
        signal, kernel = np.asarray(signal), np.asarray(kernel)
        _, starts, shape = self.convention().geometry(signal.shape, kernel.shape)
        _, b, footprint = self.operands(signal, kernel)
        marks_a, _ = self.convention().operands(_nonfinite_marks(signal), np.zeros(kernel.shape))
        taps = footprint.astype(float)
        marks_b = _nonfinite_marks(b) * taps  # the taps the function really applies (a quirk may drop some)
        if self.boundary == "constant" and self.mode != "valid" and marks_b.any():
            return np.ones(shape, dtype=bool)  # the bad tap also multiplies the explicit zeros: every output
        marks = convolution_block(marks_a, taps, starts, shape) + convolution_block(
            np.ones(marks_a.shape), marks_b, starts, shape
        )
        return np.asarray(marks, dtype=float) > 0

    # ------------------------------------------------------------ words

    def lines(self, sources: dict | None = None) -> list[str]:
        """One line per stated (or completed) field, saying where it came from."""
        out = []
        for f in FIELDS:
            value = getattr(self, f)
            if value is None or (f in ("same_start", "same_length") and self.mode != "same"):
                continue
            if f == "valid_shapes" and self.mode != "valid":
                continue
            if f == "boundary" and self.mode == "valid":
                continue
            source = (sources or {}).get(f, "")
            explain = _EXPLAIN.get((f, value), value)
            out.append(f"{_WORDS[f]:<20} {explain}" + (f"  [{source}]" if source else ""))
        return out

    def short(self) -> str:
        """A one-line label of the algebraic part."""
        if self.operation is None:
            return "unstated product"
        return self.convention().short() if self.algebra_stated else f"{self.operation} (partly stated)"


def fields_of(convention: Convention) -> dict:
    """The contract fields a detected convention determines (a reversed output determines none)."""
    t, w = convention.transform, convention.window
    if t.flip_signal and t.flip_kernel:
        return {}
    operation = t.operation
    fields_ = {
        "operation": operation,
        "order": "kernel-signal" if t.swapped else "signal-kernel",
        "mode": w.name,
        "boundary": convention.boundary,
    }
    if not convention.real_only:
        fields_["conjugate"] = t.conjugated()
    if w.name == "same":
        fields_["same_start"] = w.centre
        fields_["same_length"] = w.length
    return fields_


def differences(contract: Contract, convention: Convention) -> list[str]:
    """How a detected convention differs from a (completed) contract, in words."""
    t = convention.transform
    if t.flip_signal and t.flip_kernel:
        return ["the output comes out reversed"]
    found = fields_of(convention)
    words = []
    for key, value in found.items():
        wanted = getattr(contract, key)
        if key == "boundary" and wanted == "constant":
            wanted = "zero"  # explicit zeros and absent terms give the same finite values
        if wanted is not None and value != wanted:
            words.append(f"{_WORDS[key]}: it {_verb(key, value)}, the contract says it {_verb(key, wanted)}")
    if convention.real_only:
        words.append("(conjugation cannot be seen: the function declines complex inputs)")
    return words


def _verb(key: str, value: str) -> str:
    if key == "operation":
        return f"computes the {value}"
    if key == "mode":
        return f"returns the '{value}' window"
    if key == "boundary":
        return f"extends the signal by '{value}'"
    return _EXPLAIN.get((key, value), value).replace("fn(signal, kernel) ", "")


def _nonfinite_marks(x: np.ndarray) -> np.ndarray:
    """1.0 where x is NaN or infinite, else 0.0 (real, whatever the dtype)."""
    x = np.asarray(x)
    if x.dtype.kind not in "fc":
        return np.zeros(x.shape)
    return (~np.isfinite(x)).astype(float)


def _ndimage_taps(b: np.ndarray, quirk: str) -> tuple[np.ndarray, np.ndarray]:
    """The taps scipy.ndimage really applies, in the operand frame, and their footprint.

    ndimage's C code sees the weights reversed relative to the operand of the convolution
    (``fw = b[::-1]``) and handles each real component separately. Its 1-D filters treat
    an odd kernel whose taps are symmetric (or antisymmetric) within DBL_EPSILON as exactly
    so, using the first half; its N-D filters drop every tap of magnitude <= DBL_EPSILON.
    """
    if b.dtype.kind == "c":
        real, real_print = _ndimage_taps(np.ascontiguousarray(b.real), quirk)
        imag, imag_print = _ndimage_taps(np.ascontiguousarray(b.imag), quirk)
        taps = np.empty(b.shape, dtype=b.dtype)
        taps.real, taps.imag = real, imag  # (not real + 1j * imag: 1j * inf would make a NaN)
        return taps, real_print | imag_print
    if b.dtype.kind != "f":  # integer taps are never within DBL_EPSILON of each other or of 0 but 0
        return b, (b != 0) if quirk == "ndimage" else np.ones(b.shape, dtype=bool)
    fw = np.array(b[(slice(None, None, -1),) * b.ndim], dtype=np.float64)
    if quirk == "ndimage":
        footprint = np.abs(fw) > _EPSILON  # False for NaN too: ndimage drops NaN taps
        fw = np.where(footprint, fw, 0.0)
    else:
        footprint = np.ones(fw.shape, dtype=bool)
        size = fw.shape[-1] if fw.ndim else 0
        if fw.ndim == 1 and size % 2 == 1 and size > 1:
            c = size // 2
            left, right = fw[c - 1 :: -1], fw[c + 1 :]
            with np.errstate(invalid="ignore"):
                if np.all(np.abs(right - left) <= _EPSILON):
                    fw[c + 1 :] = left
                elif np.all(np.abs(right + left) <= _EPSILON):
                    fw[c + 1 :] = -left
    flip = (slice(None, None, -1),) * fw.ndim
    return fw[flip].astype(b.dtype), footprint[flip]
