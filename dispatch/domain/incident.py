"""The `Incident` aggregate: one reported incident and the whole story of its handling.

Public methods are commands: each checks its invariant and raises a named `DomainError`
(changing nothing) or records one event, a nested class whose `apply` is the change (the
report itself is the `@event` on `__init__`). Every event carries `at`, the business time
the thing happened, which the SLA clocks use; the store's own timestamp is only when it
was recorded.

Explicit event classes rather than `@event` methods: the decorator matches every call's
arguments against the method's signature, then the event's fields against it again, about
10 µs an event against 3.5 (two or three events per report, several per command). The
stored topics (`dispatch.domain.incident:Incident.Located`, ...) and fields are the same.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from dispatch.domain.errors import (ExcludedDepartment, IllegalTransition, InvalidCommand,
                                    NotResponsible)
from dispatch.domain.incident_status import ALLOWED, IncidentStatus, Rating
from dispatch.domain.routing import RoutingDecision

S = IncidentStatus
# Fixed forever: incident ids derive from it, so a redelivered report finds its incident.
INCIDENT_NAMESPACE = uuid5(NAMESPACE_URL, "urn:grid-dispatch:incident")


def incident_id_for(source: str, report_id: str) -> UUID:
    return uuid5(INCIDENT_NAMESPACE, f"{source}\x1f{report_id}")


class Incident(Aggregate):
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

    # -- location and routing -------------------------------------------------------------
    def locate(self, place: dict[str, Any], at: datetime) -> None:
        """Record where it is: the grid and the units over it, or why nothing answered.
        `place` is the territory's resolution as plain values."""
        self._guard("locate")
        self.trigger_event(self.Located, place=place, at=at)

    class Located(Aggregate.Event):
        place: dict[str, Any]
        at: datetime

        def apply(self, incident: Incident) -> None:
            incident.place = self.place

    def dispatch(self, decision: RoutingDecision, at: datetime) -> None:
        """Apply a routing decision: to a department, or to a named manual queue."""
        self._guard("dispatch")
        if decision.department in self.excluded_departments:
            raise ExcludedDepartment(self.id, decision.department)
        if decision.department is not None:
            self.trigger_event(self.Dispatched, department=decision.department,
                               co_handling=list(decision.co_handling), rule_id=decision.rule_id,
                               policy_version=decision.policy_version,
                               sla_class=decision.sla_class, at=at)
        else:
            self.trigger_event(self.QueuedForManualDispatch, manual_queue=decision.manual_queue,
                               rule_id=decision.rule_id, policy_version=decision.policy_version,
                               sla_class=decision.sla_class, at=at)

    class Dispatched(Aggregate.Event):
        department: str
        co_handling: list[str]
        rule_id: str
        policy_version: str
        sla_class: str
        at: datetime

        def apply(self, incident: Incident) -> None:
            incident._route_to(self.department, None, self.rule_id, self.policy_version,
                               self.sla_class)
            incident.co_handling = self.co_handling

    class QueuedForManualDispatch(Aggregate.Event):
        manual_queue: str
        rule_id: str
        policy_version: str
        sla_class: str
        at: datetime

        def apply(self, incident: Incident) -> None:
            incident._route_to(None, self.manual_queue, self.rule_id, self.policy_version,
                               self.sla_class)

    def _route_to(self, department: str | None, queue: str | None, rule_id: str,
                  policy_version: str, sla_class: str) -> None:
        self.status = S.DISPATCHED if department else S.AWAITING_MANUAL_DISPATCH
        self.department, self.manual_queue, self.sla_class = department, queue, sla_class
        self.co_handling = []
        self.pending_extension_hours = None  # asked by the previous holder, if any
        self.decisions.append({"department": department, "manual_queue": queue,
                               "rule_id": rule_id, "policy_version": policy_version,
                               "sla_class": sla_class})

    def reassign(self, decision: RoutingDecision, by: str, reason: str, at: datetime) -> None:
        """改派: a supervisor sends it to another department (also: manual dispatch)."""
        self._guard("reassign")
        self._require("reassign", "reason", reason)
        if decision.department is None or decision.department == self.department:
            raise InvalidCommand(self.id, "reassign", "needs a department other than the current one")
        self.trigger_event(self.Reassigned, department=decision.department,
                           co_handling=list(decision.co_handling), rule_id=decision.rule_id,
                           policy_version=decision.policy_version, sla_class=decision.sla_class,
                           by=by, reason=reason, at=at)

    class Reassigned(Aggregate.Event):
        department: str
        co_handling: list[str]
        rule_id: str
        policy_version: str
        sla_class: str
        by: str
        reason: str
        at: datetime

        def apply(self, incident: Incident) -> None:
            incident._route_to(self.department, None, self.rule_id, self.policy_version,
                               self.sla_class)
            incident.co_handling = self.co_handling
            incident.reassign_count += 1

    def reclassify(self, category: str, by: str, at: datetime) -> None:
        """A new category needs a new routing decision; earlier dispatches stay in history."""
        self._guard("reclassify")
        self._require("reclassify", "category", category)
        if category == self.category:
            raise InvalidCommand(self.id, "reclassify", f"the category is already {category}")
        self.trigger_event(self.Reclassified, previous_category=self.category, category=category,
                           by=by, at=at)

    class Reclassified(Aggregate.Event):
        previous_category: str
        category: str
        by: str
        at: datetime

        def apply(self, incident: Incident) -> None:
            incident.category = self.category
            incident.status = S.AWAITING_ROUTING
            incident.department = incident.manual_queue = None
            incident.pending_extension_hours = None

    # -- the department's side ------------------------------------------------------------
    def accept(self, department: str, at: datetime) -> None:
        self._guard_department("accept", department)
        self.trigger_event(self.Accepted, department=department, at=at)

    class Accepted(Aggregate.Event):
        department: str
        at: datetime

        def apply(self, incident: Incident) -> None:
            incident.status = S.ACCEPTED

    def return_(self, department: str, reason: str, at: datetime) -> None:
        """退单: not ours. The department is excluded from every later decision."""
        self._guard_department("return", department)
        self._require("return", "reason", reason)
        self.trigger_event(self.Returned, department=department, reason=reason, at=at)

    class Returned(Aggregate.Event):
        department: str
        reason: str
        at: datetime

        def apply(self, incident: Incident) -> None:
            incident.excluded_departments.append(self.department)
            incident.returned_by.append(self.department)
            incident.return_count += 1
            incident.status = S.AWAITING_ROUTING
            incident.department = incident.pending_extension_hours = None

    def judge_return(self, number: int, justified: bool, by: str, note: str, at: datetime) -> None:
        """A supervisor judges the `number`-th return (1-based): an unjustified one is 推诿."""
        if not 1 <= number <= self.return_count:
            raise InvalidCommand(self.id, "judge return", f"there is no return number {number}")
        if number in self.judged_returns:
            raise InvalidCommand(self.id, "judge return", f"return {number} was judged already")
        self._require("judge return", "note", note)
        self.trigger_event(self.ReturnJudged, number=number,
                           department=self.returned_by[number - 1], justified=bool(justified),
                           by=by, note=note, at=at)

    class ReturnJudged(Aggregate.Event):
        number: int
        department: str
        justified: bool
        by: str
        note: str
        at: datetime

        def apply(self, incident: Incident) -> None:
            incident.judged_returns.append(self.number)

    def request_extension(self, department: str, hours: float, reason: str, at: datetime) -> None:
        self._guard_department("request extension", department)
        self._require("request extension", "reason", reason)
        if self.pending_extension_hours is not None:
            raise InvalidCommand(self.id, "request extension", "an extension is already pending")
        if not hours > 0:
            raise InvalidCommand(self.id, "request extension", f"hours must be positive, got {hours}")
        self.trigger_event(self.ExtensionRequested, department=department, hours=float(hours),
                           reason=reason, at=at)

    class ExtensionRequested(Aggregate.Event):
        department: str
        hours: float
        reason: str
        at: datetime

        def apply(self, incident: Incident) -> None:
            incident.pending_extension_hours = self.hours

    def decide_extension(self, granted: bool, by: str, at: datetime, reason: str = "") -> None:
        self._guard("decide extension")
        if self.pending_extension_hours is None:
            raise InvalidCommand(self.id, "decide extension", "no extension is pending")
        if granted:
            self.trigger_event(self.ExtensionGranted, hours=self.pending_extension_hours, by=by,
                               at=at)
        else:
            self._require("refuse extension", "reason", reason)
            self.trigger_event(self.ExtensionRefused, by=by, reason=reason, at=at)

    class ExtensionGranted(Aggregate.Event):
        hours: float
        by: str
        at: datetime

        def apply(self, incident: Incident) -> None:
            incident.extension_hours += self.hours
            incident.pending_extension_hours = None

    class ExtensionRefused(Aggregate.Event):
        by: str
        reason: str
        at: datetime

        def apply(self, incident: Incident) -> None:
            incident.pending_extension_hours = None

    def suspend(self, by: str, reason: str, at: datetime) -> None:
        """挂账: waiting on something outside the department's hands; the clock pauses."""
        self._guard("suspend")
        self._require("suspend", "reason", reason)
        self.trigger_event(self.Suspended, by=by, reason=reason, at=at)

    class Suspended(Aggregate.Event):
        by: str
        reason: str
        at: datetime

        def apply(self, incident: Incident) -> None:
            incident.status = S.SUSPENDED

    def resume(self, by: str, at: datetime) -> None:
        self._guard("resume")
        self.trigger_event(self.Resumed, by=by, at=at)

    class Resumed(Aggregate.Event):
        by: str
        at: datetime

        def apply(self, incident: Incident) -> None:
            incident.status = S.ACCEPTED

    def resolve(self, department: str, result: str, at: datetime) -> None:
        self._guard_department("resolve", department)
        self._require("resolve", "result", result)
        self.trigger_event(self.Resolved, department=department, result=result, at=at)

    class Resolved(Aggregate.Event):
        department: str
        result: str
        at: datetime

        def apply(self, incident: Incident) -> None:
            incident.status = S.RESOLVED

    # -- verification, rating, supervision -----------------------------------------------
    def verify(self, grid_worker: str, passed: bool, note: str, at: datetime) -> None:
        """核查 on site: passed closes it (结案); failed reopens it for rework (返工)."""
        self._guard("verify")
        if not passed:
            self._require("verify", "note", note)
            self.trigger_event(self.Reopened, grid_worker=grid_worker, note=note, at=at)
        else:
            self.trigger_event(self.Closed, grid_worker=grid_worker, note=note, at=at)

    class Closed(Aggregate.Event):
        grid_worker: str
        note: str
        at: datetime

        def apply(self, incident: Incident) -> None:
            incident.status = S.CLOSED

    class Reopened(Aggregate.Event):
        grid_worker: str
        note: str
        at: datetime

        def apply(self, incident: Incident) -> None:
            incident.status = S.ACCEPTED
            incident.rework_count += 1

    def rate(self, rating: str, by: str, at: datetime, resolved: bool = True) -> None:
        """The reporter's verdict: how satisfied, and whether the problem was solved."""
        self._guard("rate")
        if self.rating is not None:
            raise InvalidCommand(self.id, "rate", f"already rated {self.rating}")
        if rating not in Rating._value2member_map_:
            raise InvalidCommand(self.id, "rate", f"unknown rating {rating!r}")
        self.trigger_event(self.Rated, rating=rating, resolved=bool(resolved), by=by, at=at)

    class Rated(Aggregate.Event):
        rating: str
        resolved: bool
        by: str
        at: datetime

        def apply(self, incident: Incident) -> None:
            incident.rating = self.rating
            incident.solved = self.resolved

    def urge(self, by: str, note: str, at: datetime) -> None:
        """督办: a supervisor presses the current holder."""
        self._guard("urge")
        self.trigger_event(self.Urged, by=by, note=note, at=at)

    class Urged(Aggregate.Event):
        by: str
        note: str
        at: datetime

        def apply(self, incident: Incident) -> None:
            incident.urge_count += 1

    def void(self, by: str, reason: str, at: datetime) -> None:
        self._guard("void")
        self._require("void", "reason", reason)
        self.trigger_event(self.Voided, by=by, reason=reason, at=at)

    class Voided(Aggregate.Event):
        by: str
        reason: str
        at: datetime

        def apply(self, incident: Incident) -> None:
            incident.status = S.VOIDED

    def merge_into(self, original_id: UUID, by: str, at: datetime) -> None:
        """Closed as a duplicate: the public is pointed to the original."""
        self._guard("merge")
        if original_id == self.id:
            raise InvalidCommand(self.id, "merge", "an incident cannot duplicate itself")
        self.trigger_event(self.MergedAsDuplicate, original_id=str(original_id), by=by, at=at)

    class MergedAsDuplicate(Aggregate.Event):
        original_id: str
        by: str
        at: datetime

        def apply(self, incident: Incident) -> None:
            incident.status, incident.merged_into = S.MERGED, self.original_id

    def alert_sla(self, key: str, stage: str, level: str, step: int, notified: list[str],
                  escalation_version: str, at: datetime) -> None:
        """An SLA stage reached at-risk or breached (or a later step): who was told.
        `key` names the stage clock, step and repeat, so each alert is recorded once."""
        self._guard("urge")  # alerts concern open incidents only
        if key in self.sla_alerts:
            raise InvalidCommand(self.id, "alert", f"alert {key} was recorded already")
        self.trigger_event(self.SlaAlerted, key=key, stage=stage, level=level, step=step,
                           notified=notified, escalation_version=escalation_version, at=at)

    class SlaAlerted(Aggregate.Event):
        key: str
        stage: str
        level: str
        step: int
        notified: list[str]
        escalation_version: str
        at: datetime

        def apply(self, incident: Incident) -> None:
            incident.sla_alerts.append(self.key)

    def reject_command(self, command_id: str, command_type: str, issued_by: str, reason: str,
                       at: datetime) -> None:
        """Keep a refused command in the incident's history, so the sender sees why."""
        self.trigger_event(self.CommandRejected, command_id=command_id, command_type=command_type,
                           issued_by=issued_by, reason=reason, at=at)

    class CommandRejected(Aggregate.Event):
        command_id: str
        command_type: str
        issued_by: str
        reason: str
        at: datetime

    def record_duplicate(self, duplicate_id: UUID, at: datetime) -> None:
        """The original keeps a note of every extra report of the same thing."""
        self._guard("record duplicate")
        if duplicate_id == self.id or str(duplicate_id) in self.duplicates:
            raise InvalidCommand(self.id, "record duplicate", f"{duplicate_id} is not a new duplicate")
        self.trigger_event(self.DuplicateRecorded, duplicate_id=str(duplicate_id), at=at)

    class DuplicateRecorded(Aggregate.Event):
        duplicate_id: str
        at: datetime

        def apply(self, incident: Incident) -> None:
            incident.duplicates.append(self.duplicate_id)
    
