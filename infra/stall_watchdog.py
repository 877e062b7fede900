"""Naming what held a worker's event loop: when the loop has not come round for longer
than a threshold, the stack of its thread is logged, once a stall.

A worker's steps, its relay and its store calls all run in the loop's thread, so a step
that takes long delays everything behind it. Latency runs have shown rare stalls of about
2 s that probes attached from outside never caught; this one is always there and costs a
heartbeat task and a thread that wakes a few times a second.
"""
from __future__ import annotations

import asyncio
import logging
import sys
import threading
import time
import traceback
from collections.abc import Callable

log = logging.getLogger("grid_dispatch.worker")


class StallWatchdog:
    def __init__(self, threshold: float, on_stall: Callable[[], None] = lambda: None):
        """`threshold`: seconds the loop may go without coming round; `on_stall` is told
        of each stall (a metric)."""
        self.threshold = threshold
        self.on_stall = on_stall
        self.beat = time.monotonic()
        self._loop_thread: int | None = None
        self._stopped = threading.Event()

    async def heartbeat(self) -> None:
        """Run in the loop: marks each time the loop comes round; starts the watcher."""
        self._loop_thread = threading.get_ident()
        threading.Thread(target=self._watch, name="stall-watchdog", daemon=True).start()
        try:
            while True:
                self.beat = time.monotonic()
                await asyncio.sleep(self.threshold / 4)
        finally:
            self._stopped.set()

    def _watch(self) -> None:
        held_since: float | None = None   # the last beat before the stall being reported
        while not self._stopped.wait(self.threshold / 4):
            beat = self.beat
            if held_since is not None and beat != held_since:
                # the heartbeat sleeps a quarter threshold between beats
                log.warning("event loop came round after about %.0f ms",
                            (beat - held_since - self.threshold / 4) * 1000)
                held_since = None
            stalled = time.monotonic() - beat
            if stalled > self.threshold and held_since is None:
                held_since = beat
                self.on_stall()
                frame = sys._current_frames().get(self._loop_thread)
                stack = "".join(traceback.format_stack(frame)) if frame else "(gone)\n"
                log.warning("event loop held for %.0f ms so far, in:\n%s", stalled * 1000,
                            stack.rstrip())
