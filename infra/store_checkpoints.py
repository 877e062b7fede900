"""WAL checkpoints of the SQLite store in a thread of their own, off the commit path.

By default SQLite checkpoints in the commit that takes the write-ahead log past 1,000
pages: that commit copies the log into the database file and waits for two fsyncs. In a
worker the route step commits in the event loop's thread (infra/inbound_steps.py), so
everything the loop does waited with it: traced at 2,000 reports/s, such commits waited
5-212 ms in fdatasync, several times a second (a batch's random incident ids touch a
hundred index pages: the log grows by about 20 MB/s at that rate).

Here the writers' own checkpoints are off (`wal_autocheckpoint=0`) and this thread, every
`interval` seconds, first copies the log with a PASSIVE checkpoint, which no writer or
reader waits for. That alone does not bound the log: it is written from its start again
only after a checkpoint that copied all of it, and commits keep coming while one copies
(measured: 622 MB of log in 45 s at 2,000/s, for a 163 MB database). So, once the log
holds `restart_pages`, a RESTART checkpoint follows: it holds writers back while it copies
what came since the PASSIVE one (little) and syncs, and the next commit starts the log over.
Writers (`journal_size_limit`) then cut the file back to that size.

A RESTART must also wait for every reader to be off the log, and SQLite makes it wait
holding the writers' lock, asleep in its busy handler (1, 2, 5, 10 ... ms at a time), while
writers queue behind it asleep in theirs: a worker whose loop commits waited with it, for
as long as any reader stayed. This thread's connection has no busy timeout, so a
RESTART that finds a writer or a reader gives way at once, and is tried again a few
milliseconds later, and at the next turn: it only ever holds writers back for its own copy.

Whatever is not checkpointed when the process ends stays in the log, as safe as it was:
the next connection reads it, and the last one to close checkpoints it.
"""
from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)
PAGE_BYTES = 4096
SLOW_CHECKPOINT_S = 0.05   # logged, to be told apart from a stall of the worker's own
RESTART_TRIES, RESTART_PAUSE_S = 4, 0.003   # a RESTART given way, tried again this turn


class BackgroundCheckpoints:
    RESTART_PAGES = 4000

    def __init__(self, path: Path | str, interval: float = 0.5,
                 restart_pages: int = RESTART_PAGES):
        self.path, self.interval, self.restart_pages = Path(path), interval, restart_pages
        self.restarts = 0   # RESTART checkpoints that ran (busy ones not counted)
        self.log_pages = self.copied_pages = 0  # as the last checkpoint left them
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="store-checkpoints", daemon=True)

    @property
    def log_limit_bytes(self) -> int:
        """What writers cut the log back to once it starts over (`journal_size_limit`)."""
        return self.restart_pages * PAGE_BYTES

    def start(self) -> BackgroundCheckpoints:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()

    def connect(self) -> sqlite3.Connection:
        """The thread's connection: no busy timeout, so that it never waits holding the lock."""
        return sqlite3.connect(self.path, timeout=0, check_same_thread=False)

    def checkpoint(self, connection: sqlite3.Connection) -> None:
        if self._run_one(connection, "PASSIVE") and self.log_pages >= self.restart_pages:
            for attempt in range(RESTART_TRIES):
                if attempt:
                    time.sleep(RESTART_PAUSE_S)
                if self._run_one(connection, "RESTART"):
                    self.restarts += 1
                    return

    def _run_one(self, connection: sqlite3.Connection, mode: str) -> bool:
        started = time.monotonic()
        busy, pages, copied = connection.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
        took = time.monotonic() - started
        if took >= SLOW_CHECKPOINT_S:   # a RESTART holds writers (and new readers) back
            log.warning("%s checkpoint of %s took %.0f ms (%d of %d log pages copied%s)",
                        mode, self.path.name, took * 1000, max(copied, 0), max(pages, 0),
                        ", busy" if busy else "")
        if busy:   # another connection's checkpoint ran (another worker's), or a reader stayed
            return False
        self.log_pages, self.copied_pages = max(pages, 0), max(copied, 0)
        return True

    def _run(self) -> None:
        connection = None
        while not self._stopping.wait(self.interval):
            try:
                if connection is None:
                    connection = self.connect()
                self.checkpoint(connection)
            except Exception:   # the next one copies what this one did not
                log.warning("checkpoint of %s failed; trying again", self.path, exc_info=True)
                if connection is not None:
                    connection.close()
                connection = None
        if connection is not None:
            connection.close()
