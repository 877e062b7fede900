"""A worker told to stop is gone within a deadline, even when a library's shutdown hangs.

Faust stops a worker's services one by one, and one of them can wait for ever: with the
broker gone, the consumer thread of one of a split pool's two workers raised while it
closed its fetcher (aiokafka's `NodeNotReadyError`, then `CancelledError`), and that worker
never went on: in every try, one of the two (either role). Its pool killed it 30 s
later; a worker run alone would have stayed. Each stuck worker keeps
polling the broker, and one holding the store's lease keeps another from relaying.

So stopping arms a timer. When it fires, the stacks of every thread go to the log (what
held the stop) and the process exits at once with STUCK_EXIT_CODE. That is no worse than a
crash, which the engine is built for: every step's effect is one store transaction (the
store and the views file are SQLite in WAL mode: a transaction is whole or absent), and
Kafka's committed offsets and the relay's tracked position say where to start again.
"""
from __future__ import annotations

import faulthandler
import logging
import os
import sys
import threading
from typing import Any

from faust import Worker

log = logging.getLogger("grid_dispatch.worker")

STUCK_EXIT_CODE = 75   # (EX_TEMPFAIL: a pool starts such a worker again unless stopping)


class StopDeadline:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self._timer: threading.Timer | None = None

    def arm(self) -> None:
        """From the first stop on: exit after `seconds` unless the process ended first
        (0: no deadline). Arming again changes nothing."""
        if self.seconds <= 0 or self._timer is not None:
            return
        self._timer = threading.Timer(self.seconds, self._give_up)
        self._timer.daemon = True   # (an ordinary exit does not wait for it)
        self._timer.start()

    def _give_up(self) -> None:
        log.error("the worker did not stop within %g s of being told to: exiting now, as a "
                  "crash would (every thread's stack follows)", self.seconds)
        try:
            for handler in logging.getLogger().handlers:
                handler.flush()
            # (the process's own stderr: Faust puts a logging proxy without a file
            # descriptor in place of `sys.stderr`, and faulthandler needs one)
            faulthandler.dump_traceback(file=sys.__stderr__, all_threads=True)
        finally:
            os._exit(STUCK_EXIT_CODE)


class DeadlineWorker(Worker):
    """Faust's worker, with its stop held to a deadline (`GRID_DISPATCH_STOP_MS`)."""

    def __init__(self, *args: Any, stop_within: float, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.stop_deadline = StopDeadline(stop_within)

    async def stop(self) -> None:
        # A signal's stop comes here (and a worker that loses the store's lease signals
        # itself: infra/lease_tasks.py).
        self.stop_deadline.arm()
        await super().stop()
