"""Reading stored events in order, as rows, for replays and the relay.

`sqlite_rows` reads the SQLite store's `stored_events` table directly: a replay is then
bounded by decoding, not by building the recorder's notification objects (which costs
about as much as the projections themselves). `recorder_rows` does the same through the
recorder for any other store. A contract test holds the two equal.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from dispatch.service_layer.incident_service import IncidentService
from infra.sqlite_store import PERSISTENCE_TOPIC, read_only_uri

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


def rows_for(service: IncidentService) -> ReadRows:
    """The fastest reader this service's store allows."""
    name = service.env.get("SQLITE_DBNAME")
    if service.env.get("PERSISTENCE_MODULE") in SQLITE_MODULES and name:
        return sqlite_rows(Path(name))
    return recorder_rows(service)


def _dashed(hex_id: str) -> str:
    """The store keeps UUIDs as 32 hex digits; published ids have the usual dashes."""
    if len(hex_id) != 32:
        return hex_id
    return f"{hex_id[:8]}-{hex_id[8:12]}-{hex_id[12:16]}-{hex_id[16:20]}-{hex_id[20:]}"
