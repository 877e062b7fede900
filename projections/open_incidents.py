"""Open incidents per department (or manual queue), from published incident events.

Pure and replayable: it takes the dicts of `incidents.events` in any batch size, drops an
event it has already applied (by incident id and version, since the relay may resend
after a crash), and answers the same whether fed live or from a replay of the store.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from projections.incident_table import IncidentTable

UNASSIGNED = "(not yet dispatched)"
AWAITING_ROUTING = "(awaiting a new decision)"
CLOSING_EVENTS = frozenset({"Closed", "Voided", "MergedAsDuplicate"})


@dataclass(slots=True)
class IncidentRow:
    version: int
    holder: str
    is_open: bool
    # When its report was recorded (the store's time, as the event gives it): what the
    # views file orders its rows by (infra/view_store.py). Every writer reads it off the
    # same event, so they agree on it. Kept as the text it comes as: parsing it cost the
    # views about 1 µs an incident.
    recorded_at: str


class OpenIncidentsByDepartment:
    name = "open_incidents_by_department"

    def __init__(self, rows: dict[str, IncidentRow] | None = None):
        self.rows: dict[str, IncidentRow] = rows if rows is not None else {}

    def apply(self, events: Iterable[dict[str, Any]]) -> set[str]:
        """Apply a batch; return the incident ids whose row changed."""
        changed: set[str] = set()
        get, last_id, row = self.rows.get, None, None
        for event in events:
            incident_id = event["incident_id"]
            if incident_id != last_id:   # (an incident's events mostly come together)
                row, last_id = get(incident_id), incident_id
            if row is not None and event["version"] <= row.version:
                continue  # a resent event: applied already
            if row is None:
                if event["type"] != "Reported":
                    continue  # an incident let go of once finished (views.py): it stays gone
                row = self.rows[incident_id] = IncidentRow(
                    0, UNASSIGNED, True, _text(event["recorded_at"]))
            row.version = event["version"]
            kind = event["type"]
            if kind in ("Dispatched", "Reassigned"):
                row.holder = event["department"]
            elif kind == "QueuedForManualDispatch":
                row.holder = f"queue:{event['manual_queue']}"
            elif kind in ("Returned", "Reclassified"):
                row.holder = AWAITING_ROUTING
            elif kind in CLOSING_EVENTS:
                row.is_open = False
            changed.add(incident_id)
        return changed

    def spread_tables(self) -> None:
        self.rows = IncidentTable(self.rows)   # grown live from here (incident_table.py)

    def forget(self, incident_id: str) -> IncidentRow | None:
        """Let go of an incident's row (finished long enough ago: views.py); the row."""
        return self.rows.pop(incident_id, None)

    def counts(self) -> dict[str, int]:
        tally = Counter(row.holder for row in list(self.rows.values()) if row.is_open)
        return dict(sorted(tally.items(), key=lambda item: (-item[1], item[0])))

    def holder_of(self, incident_id: str) -> str | None:
        row = self.rows.get(incident_id)
        return row.holder if row else None



def _text(at: str | datetime) -> str:
    """A store time as published (ISO text; a datetime, as some callers give, made so)."""
    return at if type(at) is str else at.isoformat()
