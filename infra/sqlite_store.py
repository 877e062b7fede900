"""The SQLite event store, writing a transaction's events with one `executemany`.

eventsourcing's SQLite application recorder inserts events one `execute` at a time, to
learn each one's notification id (its rowid). Nothing here asks for those ids (the relay
reads the table in rowid order), so the batch goes in one call: fewer trips between
Python and SQLite and, in a busy worker, fewer hand-overs of the GIL while the store's
write lock is held. The table, the rows and the tracking rows are the same; the contract
suite runs against this recorder too.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent, Tracking
from eventsourcing.sqlite import (SQLiteAggregateRecorder, SQLiteCursor, SQLiteFactory,
                                  SQLiteProcessRecorder)


class BatchInsertProcessRecorder(SQLiteProcessRecorder):
    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent],
                       **kwargs: Any) -> Sequence[int] | None:
        SQLiteAggregateRecorder._insert_events(self, c, stored_events)  # executemany
        tracking: Tracking | None = kwargs.get("tracking")
        if tracking is not None:
            self._insert_tracking(c, tracking)
        return None   # no notification ids: the recordings are not followed in process


class BatchInsertSQLiteFactory(SQLiteFactory):
    process_recorder_class = BatchInsertProcessRecorder


PERSISTENCE_TOPIC = f"{__name__}:{BatchInsertSQLiteFactory.__name__}"
