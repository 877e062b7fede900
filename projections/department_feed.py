"""A department's own feed of the shared incident log ("collect once, share everywhere").

Every department system reads the one `incidents.events` topic and keeps only its tickets:
from the moment a decision names it (dispatch, reassignment, or co-handling), every event
of that incident, including the report and its location from before, so the department
never re-enters any data. Pure and stateful: it remembers, per incident, the events seen
so far and whether the department is involved.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

DECISIONS = ("Dispatched", "Reassigned")


class DepartmentFeed:
    def __init__(self, department: str):
        self.department = department
        self.involved: set[str] = set()
        self.earlier: dict[str, list[dict[str, Any]]] = {}
        self.last_version: dict[str, int] = {}

    def filter(self, events: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """The events the department should see, in order, each once."""
        for event in events:
            incident = event["incident_id"]
            if event["version"] <= self.last_version.get(incident, 0):
                continue  # a resend
            self.last_version[incident] = event["version"]
            if incident in self.involved:
                yield event
            elif self._names_us(event):
                self.involved.add(incident)
                yield from self.earlier.pop(incident, [])
                yield event
            else:
                self.earlier.setdefault(incident, []).append(event)

    def _names_us(self, event: dict[str, Any]) -> bool:
        return event["type"] in DECISIONS and (
            event["department"] == self.department or self.department in event.get("co_handling", ()))
