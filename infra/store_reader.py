"""Reading stored events in order, as rows, for replays and the relay.

`sqlite_rows` reads the SQLite store's `stored_events` table directly: a replay is then
bounded by decoding, not by building the recorder's notification objects (which costs
about as much as the projections themselves). `PostgresRows` does the same on a
PostgreSQL store, `recorder_rows` through the recorder for any other store. Tests hold
them equal.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from dispatch.service_layer.incident_service import IncidentService
from infra.sqlite_recorder import read_only_uri
from infra.sqlite_store import PERSISTENCE_TOPIC

# (notification id, originator id as text, version, topic, state)
Row = tuple[int, str, int, str, bytes]
ReadRows = Callable[[int, int], list[Row]]
SQLITE_MODULES = ("eventsourcing.sqlite", PERSISTENCE_TOPIC)
_KEPT_IDS = 500_000  # about 60 MB of ids at most


def recorder_rows(service: IncidentService) -> ReadRows:
    def read(after: int, limit: int) -> list[Row]:
        return [(n.id, str(n.originator_id), n.originator_version, n.topic, n.state)
                for n in service.notifications_after(after, limit)]
    return read


def sqlite_rows(path: Path) -> ReadRows:
    connection = sqlite3.connect(read_only_uri(path), uri=True, check_same_thread=False)
    # An incident's events are spread over the log: its dashed id is worked out once and
    # shared (a dict hit costs a third of formatting it, and the views key on one string).
    dashed: dict[str, str] = {}

    def read(after: int, limit: int) -> list[Row]:
        rows = connection.execute(
            "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
            "WHERE rowid > ? ORDER BY rowid LIMIT ?", (after, limit)).fetchall()
        if len(dashed) > _KEPT_IDS:
            dashed.clear()
        known = dashed.get
        return [(rowid, known(originator) or dashed.setdefault(originator, _dashed(originator)),
                 version, topic, state)
                for rowid, originator, version, topic, state in rows]
    return read


class PostgresRows:
    """On a connection of its own (made again after a failure, which the caller retries),
    tuples rather than the recorder's dicts and notification objects; ids as the server
    writes them, dashed."""

    def __init__(self, service: IncidentService):
        from psycopg.sql import SQL, Identifier

        from infra.postgres_settings import connection_settings
        datastore, table = service.recorder.datastore, service.recorder.events_table_name
        self.statement = SQL(
            "SELECT notification_id, originator_id::text, originator_version, topic, state "
            "FROM {}.{} WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
        ).format(Identifier(datastore.schema), Identifier(table))
        self.connect = connection_settings(service.env, "grid-dispatch relay reader")
        self.connection = None

    def __call__(self, after: int, limit: int) -> list[Row]:
        import psycopg
        if self.connection is None or self.connection.closed:
            self.connection = psycopg.connect(**self.connect)
        try:
            return self.connection.execute(self.statement, (after, limit),
                                           prepare=True).fetchall()
        except psycopg.Error:
            self.connection.close()
            raise


def rows_for(service: IncidentService) -> ReadRows:
    """The fastest reader this service's store allows."""
    name = service.env.get("SQLITE_DBNAME")
    module = service.env.get("PERSISTENCE_MODULE")
    if module in SQLITE_MODULES and name:
        return sqlite_rows(Path(name))
    from infra.postgres_store import PERSISTENCE_TOPIC as POSTGRES  # (psycopg: not before)
    if module == POSTGRES:
        return PostgresRows(service)
    return recorder_rows(service)


def _dashed(hex_id: str) -> str:
    """The store keeps UUIDs as 32 hex digits; published ids have the usual dashes."""
    if len(hex_id) != 32:
        return hex_id
    return f"{hex_id[:8]}-{hex_id[8:12]}-{hex_id[12:16]}-{hex_id[16:20]}-{hex_id[20:]}"
