"""WAL checkpoints of the SQLite store in a thread of their own, off the commit path.

By default SQLite checkpoints in the commit that takes the write-ahead log past 1,000
pages: that commit copies the log into the database file and waits for two fsyncs. In a
worker the route step commits in the event loop's thread (infra/inbound_steps.py), so
everything the loop does waited with it: traced at 2,000 reports/s, such commits waited
5-212 ms in fdatasync, about once a second. Here the writers' own checkpoints are off
(`wal_autocheckpoint=0`) and this thread checkpoints every `interval` seconds with
PASSIVE, which takes no lock that a writer or reader waits for: it copies what no reader
still needs, and the log is written from its start again once it has all been copied.
SQLite's GIL-free fsync lets the loop run meanwhile.

Whatever is not checkpointed when the process ends stays in the log, as safe as it was:
the next connection reads it, and the last one to close checkpoints it.
"""
from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger(__name__)


class BackgroundCheckpoints:
    def __init__(self, path: Path | str, interval: float = 0.5):
        self.path, self.interval = Path(path), interval
        self.checkpoints = 0            # that ran (busy ones not counted)
        self.frames_copied = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="store-checkpoints", daemon=True)

    def start(self) -> BackgroundCheckpoints:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()

    def checkpoint(self, connection: sqlite3.Connection) -> None:
        busy, _, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if not busy:   # busy: another connection's checkpoint runs (another worker's)
            self.checkpoints += 1
            self.frames_copied += max(copied, 0)

    def _run(self) -> None:
        connection = sqlite3.connect(self.path, timeout=1, check_same_thread=False)
        try:
            while not self._stopping.wait(self.interval):
                try:
                    self.checkpoint(connection)
                except sqlite3.Error:   # the next one copies what this one did not
                    log.debug("checkpoint of %s failed", self.path, exc_info=True)
        finally:
            connection.close()
