"""Opening a SQLite file that another process may be setting up at the same moment.

`worker --processes N` starts its children together, and on a new store each of them
makes the store's tables and switches the store and the views file to WAL. SQLite does not
wait for a lock (whatever the connection's timeout) when asked to switch a file to WAL
while another connection is doing the same: it answers "database is locked" at once. And
eventsourcing's making of the tables refuses the second process's migration row rather
than waiting for it. Measured before this module: two processes opening one new store
together, one of them failed in 22 rounds of 40 (the views file: 11 of 60), and the pool
started it again 2 s later, which in a benchmark delayed the relay by 3-4 s.
"""
from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from typing import TypeVar

from eventsourcing.persistence import OperationalError

T = TypeVar("T")
PAUSE = 0.01   # seconds between attempts: the other process's setting up takes milliseconds


def beside_other_openers(attempt: Callable[[], T], seconds: float,
                         refusals: tuple[type[BaseException], ...] = ()) -> T:
    """`attempt()`, again while the file is locked for up to `seconds`, and again, at most
    twice, when it raises one of `refusals` (another opener's row: there the next time)."""
    deadline = time.monotonic() + seconds
    refused = 0
    while True:
        try:
            return attempt()
        except (sqlite3.OperationalError, OperationalError) as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
        except refusals:
            refused += 1
            if refused > 2:
                raise
        time.sleep(PAUSE)
