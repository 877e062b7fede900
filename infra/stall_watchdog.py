"""Naming what held a worker's event loop: when the loop has not come round for longer
than a threshold, the stack of its thread is logged, once a stall.

A worker's steps, its relay and its store calls all run in the loop's thread, so a step
that takes long delays everything behind it. Latency runs have shown rare stalls of about
2 s that probes attached from outside never caught; this one is always there and costs a
heartbeat task and a thread that wakes a few times a second.

When the loop comes round, the stall's length is logged with what happened meanwhile: how
long the process spent collecting garbage (`gc.callbacks`), and, from Linux's scheduler
statistics (/proc/self/task/<id>/schedstat), how long the loop's thread ran on a CPU and
how long it was ready but waited for one. A step's own work shows as running; a machine
too busy as waiting; the rest of the time the thread slept (on I/O, a lock, the GIL held
by another thread).

Where it slept is asked of the kernel when the stall is first reported: the thread's
state (R running, S asleep, D asleep and not to be woken: mostly disk I/O) and, where
Linux shows it (/proc/self/task/<id>/stack, to root), the innermost kernel functions it
is in. An inbound worker held 533 ms asleep in a SQLite read could not be told apart
otherwise: the disk, a file lock, SQLite's own retry sleeps and the GIL all look alike
from Python.
"""
from __future__ import annotations

import asyncio
import gc
import logging
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable

log = logging.getLogger("grid_dispatch.worker")


class CollectionTime:
    """Seconds this process has spent in the cyclic garbage collector (a `gc.callbacks`
    entry): a collection holds the GIL throughout, so a stack taken during one shows where
    the loop was when it let go of the GIL afterwards, not the collection."""

    def __init__(self):
        self.total = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.total += time.perf_counter() - self._started


class StallWatchdog:
    def __init__(self, threshold: float, on_stall: Callable[[], None] = lambda: None):
        """`threshold`: seconds the loop may go without coming round; `on_stall` is told
        of each stall (a metric)."""
        self.threshold = threshold
        self.on_stall = on_stall
        self.beat = time.monotonic()
        self._loop_thread: int | None = None
        self._loop_task: int | None = None   # its id in the kernel's scheduler
        self._stopped = threading.Event()
        self.collections = CollectionTime()

    async def heartbeat(self) -> None:
        """Run in the loop: marks each time the loop comes round; starts the watcher."""
        self._loop_thread, self._loop_task = threading.get_ident(), threading.get_native_id()
        threading.Thread(target=self._watch, name="stall-watchdog", daemon=True).start()
        gc.callbacks.append(self.collections)
        try:
            while True:
                self.beat = time.monotonic()
                await asyncio.sleep(self.threshold / 4)
        finally:
            self._stopped.set()
            gc.callbacks.remove(self.collections)

    def _watch(self) -> None:
        held_since: float | None = None   # the last beat before the stall being reported
        looks: deque = deque(maxlen=8)   # the watcher's last looks (`_look`)
        before = None                    # the last look before the stall began
        while not self._stopped.wait(self.threshold / 4):
            beat = self.beat
            if held_since is not None and beat != held_since:
                # the heartbeat sleeps a quarter threshold between beats
                log.warning("event loop came round after about %.0f ms%s",
                            (beat - held_since - self.threshold / 4) * 1000,
                            self._what_happened_since(before))
                held_since = None
            looks.append(self._look())
            stalled = time.monotonic() - beat
            if stalled > self.threshold and held_since is None:
                held_since = beat
                before = next((look for look in reversed(looks) if look[0] <= beat),
                              looks[0] if looks else None)
                self.on_stall()
                frame = sys._current_frames().get(self._loop_thread)
                stack = "".join(traceback.format_stack(frame)) if frame else "(gone)\n"
                log.warning("event loop held for %.0f ms so far%s, in:\n%s", stalled * 1000,
                            self._in_the_kernel(), stack.rstrip())

    def _in_the_kernel(self, calls: int = 6) -> str:
        """The loop's thread as the kernel has it now: its state, and its innermost kernel
        functions where they can be read."""
        task = f"/proc/self/task/{self._loop_task}"
        try:
            with open(f"{task}/stat") as stat:
                state = stat.read().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return ""
        try:
            with open(f"{task}/stack") as stack:
                names = [line.split("] ", 1)[-1].split("+", 1)[0]
                         for line in stack.read().splitlines() if line.strip()]
        except OSError:
            names = []
        return f" (its thread: state {state}" + (
            f", in the kernel at {' < '.join(names[:calls])})" if names else ")")

    def _look(self) -> tuple[float, float, tuple[int, int] | None]:
        """(now, seconds collecting garbage so far, (ns the loop's thread has run, ns it
        has waited for a CPU) where Linux tells)."""
        try:
            with open(f"/proc/self/task/{self._loop_task}/schedstat") as stat:
                ran, waited = stat.read().split()[:2]
            scheduled = (int(ran), int(waited))
        except (OSError, ValueError):
            scheduled = None
        return time.monotonic(), self.collections.total, scheduled

    def _what_happened_since(self, before: tuple[float, float, tuple[int, int] | None]) -> str:
        if before is None:
            return ""
        after = self._look()
        said = (f"; over the last {(after[0] - before[0]) * 1000:.0f} ms the process spent "
                f"{(after[1] - before[1]) * 1000:.0f} ms collecting garbage")
        if before[2] is not None and after[2] is not None:
            said += (f", and the loop's thread ran {(after[2][0] - before[2][0]) / 1e6:.0f} ms "
                     f"and waited {(after[2][1] - before[2][1]) / 1e6:.0f} ms for a CPU (the "
                     "rest asleep: I/O, a lock, the GIL)")
        return said
