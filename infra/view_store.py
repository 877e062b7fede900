"""SQLite persistence for the open-incidents view: rows saved as they change.

The file belongs to one store (`meta.store` holds its identity, infra/store.py): a worker
starting claims it, and a file written for another store (one deleted and made again at
the same path) is emptied then, before any row is saved.

Rows sit in the order their incidents were recorded (`recorded_at`, the report's store
time, then the id): keyed by the random id alone, each new row dirtied a page of its own,
written to the log and copied back (a row's save 4 → 15 µs as a file grew to 150,000 rows;
2.1 throughout in order: benchmarks/JOURNAL.md, session 22). A file of the former schema
is emptied when opened (`_MIGRATED`); the next worker to start writes every row again.
"""
from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson

from infra.sqlite_opening import beside_other_openers
from projections.open_incidents import UNASSIGNED, IncidentRow, OpenIncidentsByDepartment

LOCK_TIMEOUT = 30.0   # seconds a statement waits for another worker's write to end

SCHEMA = """
CREATE TABLE IF NOT EXISTS open_incidents (
    recorded_at TEXT NOT NULL,
    incident_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    holder TEXT NOT NULL,
    is_open INTEGER NOT NULL,
    PRIMARY KEY (recorded_at, incident_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""
# A file written before rows were ordered by `recorded_at`: its rows go, and so does the
# store it was claimed for, so that the next claim empties it too.
_MIGRATED = ("DROP TABLE open_incidents", "DELETE FROM meta WHERE key = 'store'")


class OpenIncidentsStore:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        current = beside_other_openers(self._in_wal_mode, LOCK_TIMEOUT)   # sqlite_opening.py
        if not current:   # a new file, or one of the former schema
            with self._connect() as connection:
                connection.execute("BEGIN IMMEDIATE")   # workers open it together
                columns = self._columns(connection)
                if columns and "recorded_at" not in columns:
                    connection.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, "
                                       "value TEXT NOT NULL)")
                    for statement in _MIGRATED:
                        connection.execute(statement)
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        connection.execute(statement)

    def _in_wal_mode(self) -> bool:
        """The file switched to WAL; whether its table has the current schema."""
        with self._connect() as connection:
            connection.execute("PRAGMA journal_mode=WAL")
            return "recorded_at" in self._columns(connection)

    @staticmethod
    def _columns(connection: sqlite3.Connection) -> set[str]:
        return {row[1] for row in connection.execute("PRAGMA table_info(open_incidents)")}

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """One transaction on the store's one connection, kept open: a worker saves many
        times a second from a thread, and opening, setting up and closing a connection
        each time cost as much as the save (and, in a thread, a wait for the GIL each)."""
        with self._lock:
            if self._connection is None:
                self._connection = sqlite3.connect(self.path, timeout=LOCK_TIMEOUT,
                                                   check_same_thread=False)
                self._connection.execute("PRAGMA synchronous=NORMAL")
            try:
                with self._connection:  # one transaction: commit on success, else roll back
                    yield self._connection
            except sqlite3.Error:   # (a connection left in a bad state is not kept)
                self._connection.close()
                self._connection = None
                raise

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def load(self) -> OpenIncidentsByDepartment:
        with self._connect() as connection:
            rows = connection.execute("SELECT incident_id, version, holder, is_open, recorded_at "
                                      "FROM open_incidents").fetchall()
        return OpenIncidentsByDepartment(
            {incident_id: IncidentRow(version, holder, bool(is_open), recorded_at)
             for incident_id, version, holder, is_open, recorded_at in rows})

    def decided_count(self) -> int:
        """Incidents the route step is done with: sent to a department or a queue, or
        merged into the open incident they repeat (cheap, for progress polling)."""
        with self._connect() as connection:
            return connection.execute(
                "SELECT count(*) FROM open_incidents WHERE holder != ? OR NOT is_open",
                (UNASSIGNED,)).fetchone()[0]

    def claim_for(self, store_identity: str | None) -> None:
        """Make the file this store's: emptied if it was written for another one."""
        with self._connect() as connection:
            connection.execute("BEGIN IMMEDIATE")   # read and empty as one: workers start together
            self._claim(connection, store_identity)

    def save_rows(self, rows: dict[str, IncidentRow]) -> None:
        """Save these rows as they are (a live view's changed rows, copied; a replay's
        finished incidents as they ended)."""
        with self._connect() as connection:
            self._upsert(connection, rows.items())

    def catch_up(self, view: OpenIncidentsByDepartment) -> None:
        """Bring the file up to a view just built from the store, in one transaction,
        without taking back what another worker saved meanwhile: a newer row stays, as
        does a row the view lacks (an incident it let go of once finished, whose last row
        the replay saved, or one recorded since). A worker starting uses this."""
        with self._connect() as connection:
            self._upsert(connection, view.rows.items())

    def replace(self, view: OpenIncidentsByDepartment, store_identity: str | None) -> None:
        """Swap the whole view in one transaction: `grid-dispatch rebuild`, whose rows are
        written as the replay has them, whatever version the file held."""
        with self._connect() as connection:
            connection.execute("DELETE FROM open_incidents")
            self._claim(connection, store_identity)
            self._upsert(connection, view.rows.items())

    @staticmethod
    def _claim(connection: sqlite3.Connection, store_identity: str | None) -> None:
        found = connection.execute("SELECT value FROM meta WHERE key = 'store'").fetchone()
        if found is None or found[0] != store_identity:
            connection.execute("DELETE FROM open_incidents")
            connection.execute("DELETE FROM meta WHERE key = 'store'")
            if store_identity is not None:
                connection.execute("INSERT INTO meta VALUES ('store', ?)", (store_identity,))

    @staticmethod
    def _upsert(connection: sqlite3.Connection, rows: Iterable[tuple[str, IncidentRow]]) -> None:
        values = [(row.recorded_at, incident_id, row.version, row.holder, row.is_open)
                  for incident_id, row in rows]
        if values:
            # One statement over a JSON array rather than `executemany`: Python's sqlite3
            # lets go of the GIL for every statement it steps, and a save runs in a thread
            # beside the busy event loop, so each row waited for the GIL to come back (up
            # to the 5 ms switch interval). Measured, 2,000 rows beside busy Python: 10-12 s
            # with a statement a row, against 11-15 ms alone.
            connection.execute(
                "INSERT INTO open_incidents (recorded_at, incident_id, version, holder, is_open) "
                "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), "
                "json_extract(value, '$[2]'), json_extract(value, '$[3]'), "
                "json_extract(value, '$[4]') FROM json_each(?) "
                "WHERE true "  # (SQLite's grammar: an upsert's SELECT needs a WHERE)
                "ON CONFLICT(recorded_at, incident_id) DO UPDATE SET "
                "version = excluded.version, holder = excluded.holder, "
                "is_open = excluded.is_open "
                # Workers sharing the file each save every row: one behind must not undo
                # what one ahead saved.
                "WHERE excluded.version > open_incidents.version", (orjson.dumps(values).decode(),))
