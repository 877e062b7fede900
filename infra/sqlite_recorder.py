"""The SQLite store's process recorder: a transaction's events written with one
`executemany`, and incidents and positions read on a read-only connection of each thread's.

eventsourcing's SQLite application recorder inserts events one `execute` at a time, to
learn each one's notification id (its rowid). Nothing here asks for those ids (the relay
reads the table in rowid order), so the batch goes in one call: fewer trips between
Python and SQLite and, in a busy worker, fewer hand-overs of the GIL while the store's
write lock is held. The table, the rows and the tracking rows are the same; the contract
suite runs against this recorder too.

Apart from the factory (sqlite_store.py), which sets how the store's connections commit and
checkpoint: this is what a transaction writes and how a query reads.
"""
from __future__ import annotations

import sqlite3
import threading
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent, Tracking
from eventsourcing.sqlite import SQLiteAggregateRecorder, SQLiteCursor, SQLiteProcessRecorder


def names_a_plain_file(pool: Any) -> bool:
    """Whether the store's pool opens a file by its path (not in memory, not a URI): what
    a connection of our own, beside the pool's, can open too."""
    return not (pool.is_sqlite_memory_mode or pool.db_name.startswith("file:"))


def read_only_uri(path: Path | str) -> str:
    """The SQLite URI opening `path` read-only (characters such as ? # % escaped)."""
    return f"{Path(path).resolve().as_uri()}?mode=ro"


class BatchInsertProcessRecorder(SQLiteProcessRecorder):
    records_more_tracking = True   # several input positions with one transaction's events

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._readers = threading.local()
        self._opened: list[sqlite3.Connection] = []   # every thread's, to close them all
        self._opening = threading.Lock()
        self._max_statements: dict[tuple[str, int], str] = {}   # by table and how many keys

    def select_events(self, originator_id: UUID | str, *, gt: int | None = None,
                      lte: int | None = None, desc: bool = False,
                      limit: int | None = None) -> list[StoredEvent]:
        """eventsourcing's query, on the thread's read connection: what loading an incident
        costs is mostly the pooled connection's transaction around it and a UUID made
        anew for every row (measured: 80 against 25 µs for an incident's three events)."""
        connection = self._reader()
        if connection is None:
            return super().select_events(originator_id, gt=gt, lte=lte, desc=desc, limit=limit)
        stored_id = originator_id.hex if isinstance(originator_id, UUID) else originator_id
        statement = (f"SELECT originator_version, topic, state FROM {self.events_table_name} "
                     "WHERE originator_id=? ")
        params: list[Any] = [stored_id]
        if gt is not None:
            statement += "AND originator_version>? "
            params.append(gt)
        if lte is not None:
            statement += "AND originator_version<=? "
            params.append(lte)
        statement += "ORDER BY originator_version DESC " if desc else "ORDER BY originator_version "
        if limit is not None:
            statement += "LIMIT ?"
            params.append(limit)
        rows = connection.execute(statement, params).fetchall()
        if not rows:
            return []
        key = self.convert_originator_id(stored_id)   # every row's id: converted once
        return [StoredEvent(originator_id=key, originator_version=version, topic=topic,
                            state=state) for version, topic, state in rows]

    def max_versions(self, originator_ids: Collection[UUID]) -> dict[UUID, int]:
        """Each incident's last stored version (those with none left out), in one query a
        few hundred ids."""
        by_stored = {i.hex: i for i in originator_ids}
        return {by_stored[stored_id]: version for stored_id, version in self._max_by(
            self.events_table_name, "originator_id", "originator_version", list(by_stored))}

    def max_tracking_ids(self, application_names: Collection[str]) -> dict[str, int]:
        """Each input stream's tracked position (those with none left out), in one query:
        a batch's partitions, where `max_tracking_id` asks for each in a transaction of
        its own on the pool's connection."""
        return dict(self._max_by("tracking", "application_name", "notification_id",
                                 list(application_names)))

    def _max_by(self, table: str, key: str, column: str, keys: list) -> list[tuple]:
        """(key, MAX(column)) for each of `keys` found in `table`, on the thread's read
        connection."""
        rows: list[tuple] = []
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            statement = self._max_statements.get((table, len(chunk)))
            if statement is None:   # one text a length, so sqlite3's statement cache hits
                statement = self._max_statements[table, len(chunk)] = (
                    f"SELECT {key}, MAX({column}) FROM {table} WHERE {key} IN "
                    f"({','.join('?' * len(chunk))}) GROUP BY {key}")
            connection = self._reader()
            if connection is not None:
                rows += connection.execute(statement, chunk).fetchall()
            else:   # in memory, or named by URI: the pool's connection
                with self.datastore.transaction(commit=False) as cursor:
                    cursor.execute(statement, chunk)
                    rows += cursor.fetchall()
        return rows

    def close_readers(self) -> None:
        with self._opening:
            for connection in self._opened:
                connection.close()
            self._opened.clear()
        self._readers = threading.local()

    def _reader(self) -> sqlite3.Connection | None:
        """This thread's read-only connection (None for an in-memory or URI-named store,
        which the pool's connections must serve). Each query is its own read transaction:
        it sees every commit made before it."""
        connection = getattr(self._readers, "connection", None)
        if connection is None:
            pool = self.datastore.pool
            if not names_a_plain_file(pool):
                return None
            connection = self._readers.connection = sqlite3.connect(
                read_only_uri(pool.db_name), uri=True, check_same_thread=False)
            with self._opening:
                self._opened.append(connection)
        return connection

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent],
                       **kwargs: Any) -> Sequence[int] | None:
        SQLiteAggregateRecorder._insert_events(self, c, stored_events)  # executemany
        tracking: Tracking | None = kwargs.get("tracking")
        if tracking is not None:
            self._insert_tracking(c, tracking)
        for more in kwargs.get("more_tracking", ()):   # a batch over several partitions
            self._insert_tracking(c, more)
        return None   # no notification ids: the recordings are not followed in process
