"""Every read model, fed together: live from `incidents.events`, or replayed from the store.

Each view drops events it has already applied (by incident id and version), so the
stream's redeliveries and the relay's resends do not count twice, and a replay of the
store in its own order gives the same state as the stream did.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from projections.incident_facts import IncidentFactsView
from projections.open_incidents import OpenIncidentsByDepartment


class Views:
    def __init__(self, open_incidents: OpenIncidentsByDepartment | None = None):
        self.open_incidents = open_incidents or OpenIncidentsByDepartment()
        self.facts = IncidentFactsView()
        self.changed_open: set[str] = set()

    def apply(self, events: Iterable[dict[str, Any]]) -> None:
        batch = events if isinstance(events, list) else list(events)
        self.changed_open |= self.open_incidents.apply(batch)
        self.facts.apply(batch)

    def stages_of(self, incident_id: str) -> list:
        """The SLA stage clocks of an incident (none until the SLA clock view is wired)."""
        return []

    def light_counts(self, now) -> dict[tuple[str, str], int]:
        """(stage, light) → open stages (none until the SLA clock view is wired)."""
        return {}

    def take_changed_open(self) -> set[str]:
        """Rows of the open-incidents view changed since last asked (for saving them)."""
        changed, self.changed_open = self.changed_open, set()
        return changed

    def state(self) -> dict[str, Any]:
        """Everything the views hold, as comparable values (for live-versus-replay checks)."""
        return {"open_incidents": self.open_incidents.rows, "facts": self.facts.facts}
