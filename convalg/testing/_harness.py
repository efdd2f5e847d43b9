"""Call a function under test safely: in a worker process, with a time limit, watching what it does.

A function that hangs cannot be stopped in a thread, but a process can be killed; so
:class:`Harness` runs every call in a forked worker process and waits at most
``timeout`` seconds for the answer, killing and replacing the worker when time runs out.
Whatever the function does is observed, never suffered: an exception (``SystemExit``
included; only ``KeyboardInterrupt`` propagates), the process dying, changing its inputs,
returning an input or a view of one (aliasing), or returning a buffer that a later call
overwrites. Memory is bounded in the worker (``RLIMIT_DATA``) where the platform allows.

Each new worker first makes a warm-up call on a tiny input with a generous limit, so that
the function's first-call costs (importing torch takes seconds on a busy machine) are not
mistaken for a hang of the input that happens to come first.

With ``timeout=None`` the calls run in this process (no time limit), which also serves
platforms without ``fork`` when the function cannot be pickled.
"""

from __future__ import annotations

import contextlib
import io
import math
import multiprocessing
import pickle
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # ForkContext exists only where fork does
    from multiprocessing.context import ForkContext, SpawnContext

__all__ = ["Harness", "Outcome", "to_numpy"]

# An output larger than this many elements is not sent back (a hostile function could exhaust memory).
_MAX_OUTPUT_ELEMENTS = 50_000_000


@dataclass
class Outcome:
    """What one call did.

    ``output`` is a NumPy copy of the result when the call returned numbers; otherwise
    exactly one of ``error`` (``'TypeError: message'``), ``timed_out`` or ``died`` says why not.
    """

    output: np.ndarray | None = None
    error: str | None = None
    error_type: str | None = None
    timed_out: bool = False
    died: str | None = None
    mutated: tuple[str, ...] = ()
    aliased: tuple[str, ...] = ()
    stale: bool = False
    seconds: float = 0.0
    traceback: str = ""

    @property
    def returned(self) -> bool:
        return self.output is not None

    def failure(self) -> str | None:
        """The kind of failure, or None when it returned numbers without side effects."""
        if self.timed_out:
            return "timeout"
        if self.died:
            return "died"
        if self.error is not None:
            return f"raised {self.error_type}"
        if self.mutated:
            return "mutated"
        if self.aliased:
            return "aliased"
        if self.stale:
            return "stale"
        return None


def to_numpy(out) -> np.ndarray:
    """The function's result as a NumPy array (torch, CuPy and array-api-strict results are copied)."""
    if hasattr(out, "detach") and hasattr(out, "cpu"):  # a torch tensor returned by a thin wrapper
        out = out.detach().cpu().numpy()
    elif type(out).__module__.split(".")[0] in ("cupy", "array_api_strict"):
        from convalg.backends import to_numpy as backend_to_numpy

        out = backend_to_numpy(out)
    out = np.asarray(out)
    if out.dtype.kind not in "biufc":
        raise TypeError(f"the function returned an array of dtype {out.dtype} ({out.shape}), not numbers")
    return out


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")


class _State:
    """What one worker (or the in-process caller) remembers between calls: the last output."""

    def __init__(self) -> None:
        self.last: np.ndarray | None = None  # the object the function returned last time
        self.last_copy: np.ndarray | None = None  # and a copy of its values then


def _call_once(fn, args: tuple, state: _State) -> Outcome:
    """Call ``fn(*args)`` on the caller's arrays and observe everything it does.

    Shared by the worker process and the in-process caller, so both judge alike.
    """
    pristine = [a.copy() for a in args]
    names = ("signal", "kernel", "third", "fourth")[: len(args)]
    start = time.perf_counter()
    sink = io.StringIO()
    try:
        with (
            warnings.catch_warnings(),
            np.errstate(all="ignore"),
            contextlib.redirect_stdout(sink),
            contextlib.redirect_stderr(sink),
        ):
            warnings.simplefilter("ignore")
            result = fn(*args)
            out = to_numpy(result)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001  SystemExit too: a finding, not verify's exit
        import traceback

        seconds = time.perf_counter() - start
        tb = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return Outcome(
            error=f"{type(exc).__name__}: {str(exc)[:300]}",
            error_type=type(exc).__name__,
            seconds=seconds,
            mutated=tuple(n for n, a, p in zip(names, args, pristine) if not _same(a, p)),
            traceback=tb[-2000:],
        )
    seconds = time.perf_counter() - start
    mutated = tuple(n for n, a, p in zip(names, args, pristine) if not _same(a, p))
    aliased = tuple(
        n
        for n, a in zip(names, args)
        if result is a or np.may_share_memory(out, a)  # the arguments are fresh copies: any overlap is a view
    )
    stale = state.last is not None and state.last_copy is not None and not _same(state.last, state.last_copy)
    if isinstance(out, np.ndarray) and out.size <= _MAX_OUTPUT_ELEMENTS:
        state.last, state.last_copy = out, out.copy()
    else:
        state.last = state.last_copy = None
    if out.size > _MAX_OUTPUT_ELEMENTS:
        return Outcome(
            error=f"ValueError: returned {out.size} elements", error_type="ValueError", seconds=seconds, mutated=mutated
        )
    return Outcome(output=np.array(out, copy=True), mutated=mutated, aliased=aliased, stale=stale, seconds=seconds)


def _limit_memory(extra_bytes: int | None) -> None:
    if not extra_bytes:
        return
    try:
        import resource

        with open("/proc/self/status") as status:
            data = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmData:"))
        _, hard = resource.getrlimit(resource.RLIMIT_DATA)
        wanted = data + int(extra_bytes)
        if hard == resource.RLIM_INFINITY or wanted <= hard:
            resource.setrlimit(resource.RLIMIT_DATA, (wanted, hard))
    except (ImportError, OSError, ValueError, StopIteration):  # not Linux: no memory bound
        pass


def _worker(fn, connection, memory: int | None) -> None:
    """The worker process: answer calls until the pipe closes."""
    _limit_memory(memory)
    if "torch" in sys.modules:  # forked after torch started its thread pool: keep to one thread
        with contextlib.suppress(Exception):
            sys.modules["torch"].set_num_threads(1)
    state = _State()
    while True:
        try:
            args = connection.recv()
        except (EOFError, OSError):
            return
        if args is None:  # the parent is done
            return
        try:
            outcome = _call_once(fn, args, state)
        except KeyboardInterrupt:
            outcome = Outcome(error="KeyboardInterrupt", error_type="KeyboardInterrupt")
        try:
            connection.send(outcome)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            connection.send(
                Outcome(
                    error=f"{type(exc).__name__}: the result cannot be sent back ({exc})", error_type=type(exc).__name__
                )
            )


@dataclass
class Harness:
    """Calls ``fn`` in a worker process with a per-call time limit.

    Parameters
    ----------
    fn : callable
    timeout : float or None
        Seconds a call may take; ``None`` calls in this process without a limit.
    memory : int or None
        Bytes the worker may allocate beyond what it starts with (``RLIMIT_DATA``).
    warmup : tuple of arrays, optional
        Arguments of the warm-up call each new worker makes first (limit: ``warmup_limit``).

    Examples
    --------
    >>> import numpy as np
    >>> with Harness(np.convolve, timeout=5.0) as harness:
    ...     outcome = harness.call(np.array([1.0, 2.0]), np.array([1.0, 1.0]))
    >>> outcome.output.tolist(), outcome.failure()
    ([1.0, 3.0, 2.0], None)
    """

    fn: Callable[..., object]
    timeout: float | None = 5.0
    memory: int | None = 4 << 30
    warmup: tuple | None = None
    warmup_limit: float = 60.0
    calls: int = 0
    slowest: float = 0.0
    mode: str = field(init=False, default="")
    _process: BaseProcess | None = field(init=False, default=None, repr=False)
    _connection: Connection | None = field(init=False, default=None, repr=False)
    _state: _State = field(init=False, default_factory=_State, repr=False)

    def __post_init__(self) -> None:
        if self.timeout is not None and not (self.timeout > 0 and math.isfinite(self.timeout)):
            raise ValueError(f"timeout must be a positive number of seconds or None; got {self.timeout!r}")
        self._context: ForkContext | SpawnContext | None = None
        if self.timeout is None:
            self.mode = "in-process"
        elif "fork" in multiprocessing.get_all_start_methods():
            self._context = multiprocessing.get_context("fork")
            self.mode = "fork"
        elif _picklable(self.fn):
            self._context = multiprocessing.get_context("spawn")
            self.mode = "spawn"
        else:
            self.mode = "in-process"

    @property
    def limited(self) -> bool:
        """Whether calls have a time limit (they run in a worker process)."""
        return self._context is not None

    def __enter__(self) -> Harness:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Stop the worker (if any)."""
        if self._connection is not None:
            with contextlib.suppress(OSError, BrokenPipeError):
                self._connection.send(None)
                self._connection.close()
        if self._process is not None:
            self._process.join(timeout=1.0)
            if self._process.is_alive():
                self._process.kill()
                self._process.join()
        self._process = self._connection = None

    def _start(self) -> tuple[BaseProcess, Connection]:
        assert self._context is not None, "only a harness with a time limit starts workers"
        parent, child = self._context.Pipe()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads: the child only calls fn
            process = self._context.Process(target=_worker, args=(self.fn, child, self.memory), daemon=True)
            process.start()
        child.close()
        self._process, self._connection = process, parent
        return process, parent

    def _kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join()
        if self._connection is not None:
            with contextlib.suppress(OSError):
                self._connection.close()
        self._process = self._connection = None

    def call(self, *args: np.ndarray) -> Outcome:
        """Call ``fn(*args)`` once (on copies: the caller's arrays are never touched)."""
        self.calls += 1
        args = tuple(np.array(a, copy=True) for a in args)
        if not self.limited:
            outcome = _call_once(self.fn, args, self._state)
        else:
            outcome = self._call_in_worker(args)
        if outcome.error_type == "KeyboardInterrupt":
            raise KeyboardInterrupt
        self.slowest = max(self.slowest, outcome.seconds)
        return outcome

    def _call_in_worker(self, args: tuple) -> Outcome:
        assert self.timeout is not None, "only a harness with a time limit calls in a worker"
        if self._process is None or self._connection is None:
            process, connection = self._start()
            if self.warmup is not None:
                connection.send(tuple(np.array(a, copy=True) for a in self.warmup))
                if connection.poll(max(self.warmup_limit, self.timeout)):
                    with contextlib.suppress(EOFError, OSError):
                        connection.recv()
                else:  # it hangs even on the tiny input: no more warm-ups, the real call will tell
                    self.warmup = None
                    self._kill()
                if self._process is None or not process.is_alive():
                    self._kill()
                    process, connection = self._start()
        else:
            process, connection = self._process, self._connection
        start = time.perf_counter()
        try:
            connection.send(args)
            if not connection.poll(self.timeout):
                self._kill()
                return Outcome(timed_out=True, seconds=time.perf_counter() - start)
            return connection.recv()
        except (EOFError, OSError, BrokenPipeError):
            process.join(timeout=5.0)
            code = process.exitcode
            self._kill()
            how = f"exit status {code}" if code is not None and code >= 0 else f"signal {-code}" if code else "?"
            return Outcome(died=f"the process ended ({how})", seconds=time.perf_counter() - start)


def _picklable(fn) -> bool:
    try:
        pickle.dumps(fn)
    except Exception:  # noqa: BLE001  any failure means: cannot be sent to a spawned worker
        return False
    return True


def describe_mode(harness: Harness) -> str:
    """How the calls were run, for the report."""
    if harness.mode == "in-process":
        if harness.timeout is None:
            return "calls ran in this process (no time limit: timeout=None)"
        return "calls ran in this process: no time limit (the function cannot be sent to a worker process)"
    return f"each call in a worker process ({harness.mode}), limited to {harness.timeout:g} s"
