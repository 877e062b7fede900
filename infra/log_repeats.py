"""The Kafka client's repeated complaints, logged once a while with a count.

While the broker is away, aiokafka logs every retry at ERROR: each worker process wrote
about 230 lines a second in a broker's 20-30 s restart (connect failed, metadata not
updated, coordinator not ready, fetch failed), which is some 800,000 lines an hour of
outage, burying whatever else the log says. The first line of each kind still goes out at
once; the same kind again within `window` seconds is counted instead, and the next one
after the window goes out with that count.

A kind is the logger and the message's format string (its arguments, the address or the
exception, vary between retries of the same trouble).
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable

WINDOW_SECONDS = 30.0


class RepeatedRecords(logging.Filter):
    def __init__(self, window: float = WINDOW_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self.window, self.clock = window, clock
        self._kinds: dict[tuple[str, object], list] = {}   # kind -> [window start, held]

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        now, kind = self.clock(), (record.name, record.msg)
        seen = self._kinds.get(kind)
        if seen is not None and now - seen[0] < self.window:
            seen[1] += 1
            return False
        if seen is not None and seen[1]:
            # (the record's own text, not its format string: its arguments stay its own)
            record.msg = (f"{record.getMessage()} (and {seen[1]} more like it in the last "
                          f"{now - seen[0]:.0f} s)")
            record.args = ()   # (not None: Faust's formatter makes that (None,), and fails)
        self._kinds[kind] = [now, 0]
        if len(self._kinds) > 1000:   # (kinds are call sites: a bound, never reached)
            self._kinds.clear()
        return True


def hold_repeats(prefix: str = "aiokafka", window: float = WINDOW_SECONDS) -> RepeatedRecords:
    """One filter on every logger under `prefix` (a filter on a logger sees only the records
    made there, not its children's): call it once their modules are imported."""
    repeats = RepeatedRecords(window)
    names = [name for name in logging.root.manager.loggerDict
             if name == prefix or name.startswith(prefix + ".")]
    for name in names:
        logging.getLogger(name).addFilter(repeats)
    return repeats
