"""The call harness observes whatever the function does and always gets back: hangs, exits, deaths, side effects."""

from __future__ import annotations

import os
import sys
import time

import numpy as np
import pytest

from convalg.testing._harness import Harness

SIGNAL, KERNEL = np.array([1.0, 2.0, 3.0]), np.array([1.0, -1.0])


def sleeps(signal, kernel):
    time.sleep(60)


def exits(signal, kernel):
    raise SystemExit(0)


def dies(signal, kernel):
    os._exit(7)


def interrupted(signal, kernel):
    raise KeyboardInterrupt


def mutates(signal, kernel):
    kernel *= 2
    return np.convolve(signal, kernel)


def identity(signal, kernel):
    return signal


def view(signal, kernel):
    return signal[1:]


def returns_text(signal, kernel):
    return np.array(["a", "b"])


def allocates(signal, kernel):
    return np.ones(1 << 31)  # 16 GiB


_BUFFER = np.zeros(64)


def reuses_a_buffer(signal, kernel):
    out = _BUFFER[: len(signal) + len(kernel) - 1]
    out[...] = np.convolve(signal, kernel)
    return out


@pytest.fixture(params=[2.0, None], ids=["worker", "in-process"])
def timeout(request):
    return request.param


def test_a_correct_call_returns_a_copy_of_its_output_and_leaves_the_inputs_alone(timeout):
    with Harness(np.convolve, timeout=timeout) as harness:
        outcome = harness.call(SIGNAL, KERNEL)
    assert outcome.failure() is None
    assert outcome.output.tolist() == [1.0, 1.0, 1.0, -3.0]


def test_a_hang_is_stopped_at_the_time_limit_and_the_next_call_works():
    with Harness(sleeps, timeout=0.5) as harness:
        start = time.perf_counter()
        outcome = harness.call(SIGNAL, KERNEL)
        assert outcome.timed_out and outcome.failure() == "timeout"
        assert time.perf_counter() - start < 10
        harness.fn = np.convolve  # the next worker starts with the new function
        assert harness.call(SIGNAL, KERNEL).failure() is None


def test_a_slow_first_call_is_absorbed_by_the_warm_up():
    state = {"loaded": False}

    def imports_slowly(signal, kernel):
        if not state["loaded"]:  # the first call in a process, like `import torch` inside a wrapper
            time.sleep(1.5)
            state["loaded"] = True
        return np.convolve(signal, kernel)

    with Harness(imports_slowly, timeout=1.0, warmup=(np.ones(1), np.ones(1))) as harness:
        assert harness.call(SIGNAL, KERNEL).failure() is None


def test_system_exit_is_an_error_of_the_function_not_the_end_of_the_caller(timeout):
    with Harness(exits, timeout=timeout) as harness:
        outcome = harness.call(SIGNAL, KERNEL)
    assert outcome.error_type == "SystemExit" and outcome.failure() == "raised SystemExit"


def test_a_function_that_ends_its_process_is_reported_with_the_exit_status():
    with Harness(dies, timeout=2.0) as harness:
        outcome = harness.call(SIGNAL, KERNEL)
    assert outcome.failure() == "died" and "exit status 7" in outcome.died


def test_keyboard_interrupt_reaches_the_caller(timeout):
    with Harness(interrupted, timeout=timeout) as harness, pytest.raises(KeyboardInterrupt):
        harness.call(SIGNAL, KERNEL)


@pytest.mark.parametrize(("fn", "failure"), [(mutates, "mutated"), (identity, "aliased"), (view, "aliased")])
def test_side_effects_and_aliasing_are_observed(fn, failure, timeout):
    with Harness(fn, timeout=timeout) as harness:
        assert harness.call(SIGNAL, KERNEL).failure() == failure


def test_a_result_overwritten_by_the_next_call_is_noticed_on_that_call(timeout):
    with Harness(reuses_a_buffer, timeout=timeout) as harness:
        assert harness.call(SIGNAL, KERNEL).failure() is None
        assert harness.call(SIGNAL * 5, KERNEL).failure() == "stale"


def test_a_result_that_is_not_numbers_is_an_error(timeout):
    with Harness(returns_text, timeout=timeout) as harness:
        outcome = harness.call(SIGNAL, KERNEL)
    assert outcome.error_type == "TypeError" and "not numbers" in outcome.error


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_DATA bounds the worker on Linux only")
def test_the_worker_memory_is_bounded():
    with Harness(allocates, timeout=10.0, memory=256 << 20) as harness:
        outcome = harness.call(SIGNAL, KERNEL)
    assert outcome.error_type == "MemoryError" or outcome.died, outcome


def test_bad_time_limits_are_refused():
    with pytest.raises(ValueError, match="timeout must be a positive number"):
        Harness(np.convolve, timeout=0)
