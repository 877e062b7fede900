"""SQLite persistence for the open-incidents view: rows saved as they change."""
from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from projections.open_incidents import UNASSIGNED, IncidentRow, OpenIncidentsByDepartment

SCHEMA = """
CREATE TABLE IF NOT EXISTS open_incidents (
    incident_id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    holder TEXT NOT NULL,
    is_open INTEGER NOT NULL
)
"""


class OpenIncidentsStore:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as connection:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        connection = sqlite3.connect(self.path, timeout=30)
        # Derived data, caught up from the store whenever a worker starts: a commit need
        # not wait for an fsync (a power cut may lose the last saves, never the store's).
        connection.execute("PRAGMA synchronous=NORMAL")
        try:
            with connection:  # one transaction: commit on success, roll back on error
                yield connection
        finally:
            connection.close()

    def load(self) -> OpenIncidentsByDepartment:
        with self._connect() as connection:
            rows = connection.execute(
                "SELECT incident_id, version, holder, is_open FROM open_incidents").fetchall()
        return OpenIncidentsByDepartment(
            {incident_id: IncidentRow(version, holder, bool(is_open))
             for incident_id, version, holder, is_open in rows})

    def decided_count(self) -> int:
        """Incidents the route step is done with: sent to a department or a queue, or
        merged into the open incident they repeat (cheap, for progress polling)."""
        with self._connect() as connection:
            return connection.execute(
                "SELECT count(*) FROM open_incidents WHERE holder != ? OR NOT is_open",
                (UNASSIGNED,)).fetchone()[0]

    def save(self, view: OpenIncidentsByDepartment, changed: Iterable[str]) -> None:
        with self._connect() as connection:
            self._upsert(connection, view, changed)

    def catch_up(self, view: OpenIncidentsByDepartment,
                 still_stored: Callable[[list[str]], set[str]]) -> None:
        """Bring the file up to a view just built from the store, in one transaction,
        without taking back what another worker saved meanwhile: a newer row stays, and a
        row of an incident the view lacks stays if the store has it (recorded after the
        view was built), else goes (left from another store). A worker starting uses this."""
        with self._connect() as connection:
            self._upsert(connection, view, list(view.rows))
            unknown = [incident_id for (incident_id,) in
                       connection.execute("SELECT incident_id FROM open_incidents")
                       if incident_id not in view.rows]
            gone = set(unknown) - still_stored(unknown) if unknown else set()
            connection.executemany("DELETE FROM open_incidents WHERE incident_id = ?",
                                   [(incident_id,) for incident_id in gone])

    def replace(self, view: OpenIncidentsByDepartment) -> None:
        """Swap the whole view in one transaction: `grid-dispatch rebuild`, whose rows are
        written as the replay has them, whatever version the file held."""
        with self._connect() as connection:
            connection.execute("DELETE FROM open_incidents")
            self._upsert(connection, view, list(view.rows))

    @staticmethod
    def _upsert(connection: sqlite3.Connection, view: OpenIncidentsByDepartment,
                changed: Iterable[str]) -> None:
        rows = [(incident_id, row.version, row.holder, int(row.is_open))
                for incident_id in changed for row in (view.rows[incident_id],)]
        if rows:
            connection.executemany(
                "INSERT INTO open_incidents (incident_id, version, holder, is_open) "
                "VALUES (?, ?, ?, ?) ON CONFLICT(incident_id) DO UPDATE SET "
                "version = excluded.version, holder = excluded.holder, "
                "is_open = excluded.is_open "
                # Workers sharing the file each save every row: one behind must not undo
                # what one ahead saved.
                "WHERE excluded.version > open_incidents.version", rows)

