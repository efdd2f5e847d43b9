"""The memory guard: a call whose result or workspace would not fit is refused before it allocates.

A refused call gets a ``MemoryError`` naming the size and the limit instead of an attempt
that would swap or be killed. The limit is the memory the operating system reports
available, or ``CONVALG_MEMORY_LIMIT`` bytes when that environment variable is set.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

#: Environment variable that caps the memory one call may use, in bytes (for tests and
#: shared machines). Without it the cap is the memory the operating system reports available.
MEMORY_LIMIT_ENV = "CONVALG_MEMORY_LIMIT"

#: Calls needing less than this (256 MiB) are not checked against the available memory.
ALWAYS_FITS = 1 << 28


def memory_limit() -> int:
    """Bytes one call may allocate: ``CONVALG_MEMORY_LIMIT`` if set, else available memory.

    Examples
    --------
    >>> memory_limit() > 0
    True
    """
    configured = os.environ.get(MEMORY_LIMIT_ENV)
    if configured:
        try:
            limit = float(configured)
        except ValueError:
            limit = math.nan
        if not limit > 0:  # also NaN
            raise ValueError(
                f"the environment variable {MEMORY_LIMIT_ENV} must be a positive number of bytes "
                f"(e.g. 4e9, or inf for no limit); got {configured!r}"
            )
        return int(min(limit, 1 << 62))
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 1 << 62


def check_memory(nbytes: int, what: object) -> None:
    """MemoryError naming the size when ``nbytes`` would not fit in :func:`memory_limit`.

    ``what`` names the call in the message; it is formatted (``str``, or called first when it
    is a callable) only when the error is raised, so a lazy description costs a small call
    nothing.

    Examples
    --------
    >>> check_memory(1000, "a small call")
    >>> check_memory(1 << 70, "a huge call")
    Traceback (most recent call last):
      ...
    MemoryError: a huge call would need about 1048576.0 PiB, ...
    """
    if not fits(nbytes):
        limit = memory_limit()
        what = what() if callable(what) else what
        raise MemoryError(
            f"{what} would need about {_human(nbytes)}, more than the {_human(limit)} available "
            f"(set {MEMORY_LIMIT_ENV} to change the limit); use smaller inputs, mode='valid' or "
            "'same', or a chunked (dask) input"
        )


def fits(nbytes: int) -> bool:
    """True when ``nbytes`` fit in :func:`memory_limit` (small calls skip reading the limit).

    Examples
    --------
    >>> fits(1000), fits(1 << 70)
    (True, False)
    """
    # Is CONVALG_MEMORY_LIMIT set (now: it may change at any time)? ``name in os.environ``
    # raises and catches a KeyError when it is not, about 1 us: most of a small call's
    # budget. CPython's os.environ keeps the variables in the dict ``_data`` under encoded
    # names, which answers the same question at once.
    unset = (LIMIT_KEY not in ENVIRONMENT) if ENVIRONMENT is not None else (MEMORY_LIMIT_ENV not in os.environ)
    if nbytes < ALWAYS_FITS and unset:
        return True  # skip reading /proc/meminfo for small calls
    return nbytes <= memory_limit()


#: Where a caller can ask "is CONVALG_MEMORY_LIMIT set?" without a call, as :func:`fits`
#: does: ``LIMIT_KEY in ENVIRONMENT`` (os.environ's own dict, changed in place by every
#: ``os.environ`` update; None where the interpreter keeps no such dict). A call below
#: ``ALWAYS_FITS`` bytes with the variable unset fits.
ENVIRONMENT: dict | None = getattr(os.environ, "_data", None)
if type(ENVIRONMENT) is not dict:
    ENVIRONMENT = None
LIMIT_KEY = getattr(os.environ, "encodekey", str)(MEMORY_LIMIT_ENV)


def _human(nbytes: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if nbytes < 1024 or unit == "PiB":
            return f"{nbytes:.1f} {unit}" if unit != "B" else f"{int(nbytes)} B"
        nbytes /= 1024
    return f"{nbytes:.1f} EiB"


def size(shape: Sequence[int]) -> int:
    """Number of elements of a shape (a Python int, so it never overflows).

    Examples
    --------
    >>> size((2**40, 2**40))
    1208925819614629174706176
    """
    return math.prod(int(n) for n in shape)
