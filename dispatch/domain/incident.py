"""The `Incident` aggregate: one reported incident and the whole story of its handling.

Public methods are commands: each checks its invariant and raises a named `DomainError`
(changing nothing) or records one event, a class whose `apply` is the change (the report
itself is the `@event` on `__init__`). Every event carries `at`, the business time the
thing happened, which the SLA clocks use; the store's own timestamp is only when it was
recorded.

The commands and their events live in four modules by stage of the loop, mixed in here:
incident_routing, incident_handling, incident_clock and incident_supervision. Each event
class is declared again at the end of the class body: eventsourcing then makes it
`Incident`'s own, stored as `dispatch.domain.incident:Incident.<name>`, the topic every
store written so far holds (tests/unit/test_stored_topics.py).

Explicit event classes rather than `@event` methods: the decorator matches every call's
arguments against the method's signature, then the event's fields against it again, about
10 µs an event against 3.5 (two or three events per report, several per command).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from dispatch.domain import (incident_clock as clock, incident_handling as handling,
                             incident_routing as routing, incident_supervision as supervision)
from dispatch.domain.errors import IllegalTransition, InvalidCommand, NotResponsible
from dispatch.domain.incident_status import ALLOWED, IncidentStatus

S = IncidentStatus
# Fixed forever: incident ids derive from it, so a redelivered report finds its incident.
INCIDENT_NAMESPACE = uuid5(NAMESPACE_URL, "urn:grid-dispatch:incident")


def incident_id_for(source: str, report_id: str) -> UUID:
    return uuid5(INCIDENT_NAMESPACE, f"{source}\x1f{report_id}")


class Incident(routing.Routing, handling.Handling, clock.ClockChanges,
               supervision.Supervision, Aggregate):
    # State most incidents never change: these defaults stand until an event sets its own.
    # Kept out of `__init__` so that a new incident has at most 29 attributes: CPython
    # (3.11) shares the keys of instances with fewer than 30, and their attributes then
    # take 328 bytes against 1,648 (a fifth of a worker's 20,000 recent incidents' memory).
    # Immutable values only: an instance gets its own by assignment (`+=` included).
    extension_hours = 0.0
    return_count = reassign_count = urge_count = rework_count = 0
    rating: str | None = None
    solved: bool | None = None
    merged_into: str | None = None

    @staticmethod
    def create_id(source: str, report_id: str) -> UUID:
        return incident_id_for(source, report_id)

    @classmethod
    def reported(cls, incident_id: UUID, **fields: Any) -> "Incident":
        """`Incident(**fields)` for a caller that has worked the id out already (the route
        step does, to spot repeats): the same event, without a second uuid5 and the
        constructor's argument matching (together about a tenth of the route step)."""
        return cls._create(cls.Reported, id=incident_id, **fields)

    @event("Reported")
    def __init__(self, source: str, report_id: str, category: str, reported_at: datetime,
                 location: dict[str, Any], description: str, priority: str,
                 reporter: dict[str, Any] | None, attachments: list[str],
                 extra: dict[str, Any]):
        self.source, self.report_id, self.category = source, report_id, category
        self.reported_at, self.location, self.description = reported_at, location, description
        self.priority, self.reporter, self.attachments = priority, reporter, attachments
        self.extra = extra
        self.place: dict[str, Any] | None = None
        self.status = S.REPORTED
        self.department: str | None = None
        self.co_handling: list[str] = []
        self.manual_queue: str | None = None
        self.sla_class: str | None = None
        self.decisions: list[dict[str, Any]] = []
        self.excluded_departments: list[str] = []
        self.returned_by: list[str] = []   # in order; a department may return it twice
        self.pending_extension_hours: float | None = None
        self.judged_returns: list[int] = []
        self.duplicates: list[str] = []
        self.sla_alerts: list[str] = []

    # -- guards ---------------------------------------------------------------------------
    def _guard(self, command: str) -> None:
        if self.status not in ALLOWED[command]:
            raise IllegalTransition(self.id, command, self.status.value)

    def _guard_department(self, command: str, department: str) -> None:
        self._guard(command)
        if department != self.department:
            raise NotResponsible(self.id, command, department, self.department)

    def _require(self, command: str, field: str, value: Any) -> None:
        if not (value.strip() if isinstance(value, str) else value):
            raise InvalidCommand(self.id, command, f"{field} must not be empty")

    # -- the events (see the module's docstring) -----------------------------------------
    Located, Dispatched = routing.Located, routing.Dispatched
    QueuedForManualDispatch = routing.QueuedForManualDispatch
    Reassigned, Reclassified = routing.Reassigned, routing.Reclassified
    Accepted, Returned, ReturnJudged = handling.Accepted, handling.Returned, handling.ReturnJudged
    Resolved, Closed, Reopened = handling.Resolved, handling.Closed, handling.Reopened
    Rated = handling.Rated
    ExtensionRequested = clock.ExtensionRequested
    ExtensionGranted, ExtensionRefused = clock.ExtensionGranted, clock.ExtensionRefused
    Suspended, Resumed = clock.Suspended, clock.Resumed
    Urged, Voided = supervision.Urged, supervision.Voided
    MergedAsDuplicate = supervision.MergedAsDuplicate
    DuplicateRecorded = supervision.DuplicateRecorded
    SlaAlerted, CommandRejected = supervision.SlaAlerted, supervision.CommandRejected
