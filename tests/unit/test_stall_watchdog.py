"""A loop held longer than the threshold is reported once, naming what held it, and again
with its whole length when it comes round; a loop that comes round in time is not."""
import asyncio
import logging
import os
import re
import threading
import time

import pytest

from infra.stall_watchdog import StallWatchdog


def hold_the_loop_for(seconds: float) -> None:
    time.sleep(seconds)   # a step that does not let the loop come round


def run(threshold: float, work) -> list[int]:
    stalls: list[int] = []

    async def main() -> None:
        watchdog = StallWatchdog(threshold, on_stall=lambda: stalls.append(1))
        beating = asyncio.create_task(watchdog.heartbeat())
        await asyncio.sleep(0.05)
        await work()
        await asyncio.sleep(0.1)
        beating.cancel()
    asyncio.run(main())
    return stalls


def test_a_held_loop_is_reported_once_with_the_stack_that_held_it(caplog):
    async def work() -> None:
        hold_the_loop_for(0.5)
    with caplog.at_level(logging.WARNING, logger="grid_dispatch.worker"):
        stalls = run(0.1, work)
    assert stalls == [1]
    [record] = [r for r in caplog.records if "event loop held" in r.getMessage()]
    assert "hold_the_loop_for" in record.getMessage()
    [ended] = [r for r in caplog.records if "came round after" in r.getMessage()]
    assert 400 <= ended.args[0] <= 700    # the whole stall, not the part seen when reported


def test_a_loop_that_comes_round_in_time_is_not_reported(caplog):
    async def work() -> None:
        for _ in range(10):
            hold_the_loop_for(0.02)
            await asyncio.sleep(0)
    with caplog.at_level(logging.WARNING, logger="grid_dispatch.worker"):
        assert run(0.2, work) == []
    assert not [r for r in caplog.records if "event loop held" in r.getMessage()]


def test_two_stalls_are_two_reports():
    async def work() -> None:
        hold_the_loop_for(0.4)
        await asyncio.sleep(0.2)
        hold_the_loop_for(0.4)
    assert run(0.1, work) == [1, 1]


def spin_the_loop_for(seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pass


def report_of(caplog, hold, kind: str) -> str:
    """The one report starting with `kind` ("event loop held", "event loop came round")
    about a loop held 0.5 s by `hold`, watched at 0.1 s (the held one's stack shows the
    caller's lines, `kind` among them)."""
    caplog.clear()

    async def work() -> None:
        hold(0.5)
    with caplog.at_level(logging.WARNING, logger="grid_dispatch.worker"):
        run(0.1, work)
    [message] = [r.getMessage() for r in caplog.records if r.getMessage().startswith(kind)]
    return message


def what_the_thread_did(caplog, hold) -> tuple[int, int]:
    """(ms the loop's thread ran, ms it waited for a CPU), as the stall's end report says."""
    ended = report_of(caplog, hold, "event loop came round")
    ran, waited = re.search(r"ran (\d+) ms and waited (\d+) ms", ended).groups()
    return int(ran), int(waited)


linux_scheduler_statistics = pytest.mark.skipif(
    not os.path.exists(f"/proc/self/task/{threading.get_native_id()}/schedstat"),
    reason="no scheduler statistics for threads here (Linux's /proc)")


@linux_scheduler_statistics
def test_a_loop_held_by_work_is_seen_running(caplog):
    ran, waited = what_the_thread_did(caplog, spin_the_loop_for)
    assert ran + waited >= 400          # on a CPU, or ready for one, all along


@linux_scheduler_statistics
def test_a_loop_held_asleep_is_seen_not_running(caplog):
    ran, waited = what_the_thread_did(caplog, hold_the_loop_for)
    assert ran + waited < 100


def collect_garbage_for(seconds: float) -> None:
    """Full collections, walking enough objects to take about `seconds`."""
    import gc
    heap = [[[] for _ in range(100)] for _ in range(5_000)]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        gc.collect()
    del heap


def test_time_spent_collecting_garbage_is_told_apart(caplog):
    ended = report_of(caplog, collect_garbage_for, "event loop came round")
    assert int(re.search(r"spent (\d+) ms collecting garbage", ended).group(1)) >= 350
    ended = report_of(caplog, hold_the_loop_for, "event loop came round")
    assert int(re.search(r"spent (\d+) ms collecting garbage", ended).group(1)) < 50


def test_where_a_held_loop_sleeps_is_asked_of_the_kernel(caplog):
    """Held asleep, its thread is seen asleep (S); where the kernel shows its stack (to
    root), the sleep's own kernel function is named. Held by work, it is seen running."""
    held = report_of(caplog, hold_the_loop_for, "event loop held")
    assert "(its thread: state S" in held
    if os.access(f"/proc/self/task/{threading.get_native_id()}/stack", os.R_OK):
        assert re.search(r"in the kernel at [^)]*nanosleep", held), held.splitlines()[0]
    assert "(its thread: state R" in report_of(caplog, spin_the_loop_for, "event loop held")
