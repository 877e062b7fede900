"""What happened to each incident, as plain facts: the input of every evaluation figure.

Fed with published incident events (any batch size, in per-incident order); an event
already applied (same incident, version not above the last) is dropped, so a resend after
a relay crash changes nothing and a replay of the store gives the same facts as the
stream did.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from projections.incident_table import IncidentTable


@dataclass
class IncidentFacts:
    incident_id: str
    version: int = 0
    reported_at: datetime | None = None
    category: str = ""
    priority: str = "normal"
    grid: str | None = None
    street: str | None = None
    district: str | None = None
    grid_workers: tuple[str, ...] = ()
    first_department: str | None = None
    department: str | None = None          # who holds it now (or held it when it ended)
    dispatches: list[tuple[str, datetime]] = field(default_factory=list)  # to a department
    first_dispatched_at: datetime | None = None
    returns: list[tuple[str, datetime]] = field(default_factory=list)
    unjustified_returns: list[tuple[str, datetime]] = field(default_factory=list)
    reassigned: int = 0
    extensions_granted: list[datetime] = field(default_factory=list)
    suspended: bool = False
    verifications: list[tuple[datetime, bool]] = field(default_factory=list)
    closed_at: datetime | None = None
    rated: tuple[str, bool, datetime] | None = None   # rating, solved, when
    voided: bool = False
    merged: bool = False

    @property
    def dispatched_once_and_kept(self) -> bool:
        """首派准确: the first department kept it: never returned, never reassigned."""
        return len(self.dispatches) == 1 and not self.returns and not self.reassigned

    @property
    def counts(self) -> bool:
        """Voided tickets and merged duplicates leave every denominator (the original counts)."""
        return not (self.voided or self.merged)


def _at(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(event["occurred_at"])


class IncidentFactsView:
    name = "incident_facts"

    def __init__(self) -> None:
        self.facts: dict[str, IncidentFacts] = {}

    def spread_tables(self) -> None:
        self.facts = IncidentTable(self.facts)   # grown live from here (incident_table.py)

    def forget(self, incident_id: str) -> None:
        self.facts.pop(incident_id, None)

    def apply(self, events: Iterable[dict[str, Any]]) -> None:
        get, last_id, facts = self.facts.get, None, None
        for event in events:
            incident_id = event["incident_id"]
            if incident_id != last_id:   # (an incident's events mostly come together)
                facts, last_id = get(incident_id), incident_id
            if facts is None:
                if event["type"] != "Reported":
                    continue  # an incident let go of once finished (views.py): it stays gone
                facts = self.facts[incident_id] = IncidentFacts(incident_id)
            elif event["version"] <= facts.version:
                continue
            facts.version = event["version"]
            handler = _HANDLERS.get(event["type"])
            if handler:
                handler(facts, event)


def _reported(f: IncidentFacts, e: dict) -> None:
    f.reported_at = datetime.fromisoformat(e["reported_at"])
    f.category, f.priority = e["category"], e["priority"]


def _located(f: IncidentFacts, e: dict) -> None:
    place = e["place"]
    f.grid, f.street, f.district = place["grid"], place["street"], place["district"]
    f.grid_workers = tuple(place.get("grid_workers", ()))


def _to_department(f: IncidentFacts, e: dict) -> None:
    f.department = e["department"]
    f.dispatches.append((e["department"], _at(e)))
    if f.first_department is None:
        f.first_department, f.first_dispatched_at = e["department"], _at(e)
    if e["type"] == "Reassigned":
        f.reassigned += 1


def _returned(f: IncidentFacts, e: dict) -> None:
    f.returns.append((e["department"], _at(e)))
    f.department = None


def _return_judged(f: IncidentFacts, e: dict) -> None:
    if not e["justified"]:
        f.unjustified_returns.append((e["department"], _at(e)))


def _set(**values: Any):
    def handler(f: IncidentFacts, e: dict) -> None:
        for key, value in values.items():
            setattr(f, key, value)
    return handler


def _closed(f: IncidentFacts, e: dict) -> None:
    f.verifications.append((_at(e), True))
    f.closed_at = _at(e)


_HANDLERS = {
    "Reported": _reported,
    "Located": _located,
    "Dispatched": _to_department,
    "Reassigned": _to_department,
    "Returned": _returned,
    "Reclassified": _set(department=None),
    "ReturnJudged": _return_judged,
    "ExtensionGranted": lambda f, e: f.extensions_granted.append(_at(e)),
    "Suspended": _set(suspended=True),
    "Resumed": _set(suspended=False),
    "Reopened": lambda f, e: f.verifications.append((_at(e), False)),
    "Closed": _closed,
    "Rated": lambda f, e: setattr(f, "rated", (e["rating"], e["resolved"], _at(e))),
    "Voided": _set(voided=True),
    "MergedAsDuplicate": _set(merged=True),
}
