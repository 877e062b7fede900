"""The `Incident` aggregate: one reported incident and the whole story of its handling.

Public methods are commands: each checks its invariant and raises a named `DomainError`
(changing nothing) or records one event through a private `@event` method. Every event
carries `at`, the business time the thing happened, which the SLA clocks use; the store's
own timestamp is only when it was recorded.
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
        self.extension_hours = 0.0
        self.return_count = self.reassign_count = self.urge_count = self.rework_count = 0
        self.rating: str | None = None
        self.solved: bool | None = None
        self.judged_returns: list[int] = []
        self.merged_into: str | None = None
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
        self._located(place, at)

    @event("Located")
    def _located(self, place: dict[str, Any], at: datetime) -> None:
        self.place = place

    def dispatch(self, decision: RoutingDecision, at: datetime) -> None:
        """Apply a routing decision: to a department, or to a named manual queue."""
        self._guard("dispatch")
        if decision.department in self.excluded_departments:
            raise ExcludedDepartment(self.id, decision.department)
        if decision.department is not None:
            self._dispatched(decision.department, list(decision.co_handling), decision.rule_id,
                             decision.policy_version, decision.sla_class, at)
        else:
            self._queued(decision.manual_queue, decision.rule_id, decision.policy_version,
                         decision.sla_class, at)

    @event("Dispatched")
    def _dispatched(self, department: str, co_handling: list[str], rule_id: str,
                    policy_version: str, sla_class: str, at: datetime) -> None:
        self._route_to(department, None, rule_id, policy_version, sla_class)
        self.co_handling = co_handling

    @event("QueuedForManualDispatch")
    def _queued(self, manual_queue: str, rule_id: str, policy_version: str, sla_class: str,
                at: datetime) -> None:
        self._route_to(None, manual_queue, rule_id, policy_version, sla_class)

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
        self._reassigned(decision.department, list(decision.co_handling), decision.rule_id,
                         decision.policy_version, decision.sla_class, by, reason, at)

    @event("Reassigned")
    def _reassigned(self, department: str, co_handling: list[str], rule_id: str,
                    policy_version: str, sla_class: str, by: str, reason: str,
                    at: datetime) -> None:
        self._route_to(department, None, rule_id, policy_version, sla_class)
        self.co_handling = co_handling
        self.reassign_count += 1

    def reclassify(self, category: str, by: str, at: datetime) -> None:
        """A new category needs a new routing decision; earlier dispatches stay in history."""
        self._guard("reclassify")
        self._require("reclassify", "category", category)
        if category == self.category:
            raise InvalidCommand(self.id, "reclassify", f"the category is already {category}")
        self._reclassified(self.category, category, by, at)

    @event("Reclassified")
    def _reclassified(self, previous_category: str, category: str, by: str, at: datetime) -> None:
        self.category = category
        self.status, self.department, self.manual_queue = S.AWAITING_ROUTING, None, None
        self.pending_extension_hours = None

    # -- the department's side ------------------------------------------------------------
    def accept(self, department: str, at: datetime) -> None:
        self._guard_department("accept", department)
        self._accepted(department, at)

    @event("Accepted")
    def _accepted(self, department: str, at: datetime) -> None:
        self.status = S.ACCEPTED

    def return_(self, department: str, reason: str, at: datetime) -> None:
        """退单: not ours. The department is excluded from every later decision."""
        self._guard_department("return", department)
        self._require("return", "reason", reason)
        self._returned(department, reason, at)

    @event("Returned")
    def _returned(self, department: str, reason: str, at: datetime) -> None:
        self.excluded_departments.append(department)
        self.returned_by.append(department)
        self.return_count += 1
        self.status, self.department, self.pending_extension_hours = S.AWAITING_ROUTING, None, None

    def judge_return(self, number: int, justified: bool, by: str, note: str, at: datetime) -> None:
        """A supervisor judges the `number`-th return (1-based): an unjustified one is 推诿."""
        if not 1 <= number <= self.return_count:
            raise InvalidCommand(self.id, "judge return", f"there is no return number {number}")
        if number in self.judged_returns:
            raise InvalidCommand(self.id, "judge return", f"return {number} was judged already")
        self._require("judge return", "note", note)
        self._return_judged(number, self.returned_by[number - 1], bool(justified), by, note, at)

    @event("ReturnJudged")
    def _return_judged(self, number: int, department: str, justified: bool, by: str, note: str,
                       at: datetime) -> None:
        self.judged_returns.append(number)

    def request_extension(self, department: str, hours: float, reason: str, at: datetime) -> None:
        self._guard_department("request extension", department)
        self._require("request extension", "reason", reason)
        if self.pending_extension_hours is not None:
            raise InvalidCommand(self.id, "request extension", "an extension is already pending")
        if not hours > 0:
            raise InvalidCommand(self.id, "request extension", f"hours must be positive, got {hours}")
        self._extension_requested(department, float(hours), reason, at)

    @event("ExtensionRequested")
    def _extension_requested(self, department: str, hours: float, reason: str, at: datetime) -> None:
        self.pending_extension_hours = hours

    def decide_extension(self, granted: bool, by: str, at: datetime, reason: str = "") -> None:
        self._guard("decide extension")
        if self.pending_extension_hours is None:
            raise InvalidCommand(self.id, "decide extension", "no extension is pending")
        if granted:
            self._extension_granted(self.pending_extension_hours, by, at)
        else:
            self._require("refuse extension", "reason", reason)
            self._extension_refused(by, reason, at)

    @event("ExtensionGranted")
    def _extension_granted(self, hours: float, by: str, at: datetime) -> None:
        self.extension_hours += hours
        self.pending_extension_hours = None

    @event("ExtensionRefused")
    def _extension_refused(self, by: str, reason: str, at: datetime) -> None:
        self.pending_extension_hours = None

    def suspend(self, by: str, reason: str, at: datetime) -> None:
        """挂账: waiting on something outside the department's hands; the clock pauses."""
        self._guard("suspend")
        self._require("suspend", "reason", reason)
        self._suspended(by, reason, at)

    @event("Suspended")
    def _suspended(self, by: str, reason: str, at: datetime) -> None:
        self.status = S.SUSPENDED

    def resume(self, by: str, at: datetime) -> None:
        self._guard("resume")
        self._resumed(by, at)

    @event("Resumed")
    def _resumed(self, by: str, at: datetime) -> None:
        self.status = S.ACCEPTED

    def resolve(self, department: str, result: str, at: datetime) -> None:
        self._guard_department("resolve", department)
        self._require("resolve", "result", result)
        self._resolved(department, result, at)

    @event("Resolved")
    def _resolved(self, department: str, result: str, at: datetime) -> None:
        self.status = S.RESOLVED

    # -- verification, rating, supervision -----------------------------------------------
    def verify(self, grid_worker: str, passed: bool, note: str, at: datetime) -> None:
        """核查 on site: passed closes it (结案); failed reopens it for rework (返工)."""
        self._guard("verify")
        if not passed:
            self._require("verify", "note", note)
            self._reopened(grid_worker, note, at)
        else:
            self._closed(grid_worker, note, at)

    @event("Closed")
    def _closed(self, grid_worker: str, note: str, at: datetime) -> None:
        self.status = S.CLOSED

    @event("Reopened")
    def _reopened(self, grid_worker: str, note: str, at: datetime) -> None:
        self.status = S.ACCEPTED
        self.rework_count += 1

    def rate(self, rating: str, by: str, at: datetime, resolved: bool = True) -> None:
        """The reporter's verdict: how satisfied, and whether the problem was solved."""
        self._guard("rate")
        if self.rating is not None:
            raise InvalidCommand(self.id, "rate", f"already rated {self.rating}")
        if rating not in Rating._value2member_map_:
            raise InvalidCommand(self.id, "rate", f"unknown rating {rating!r}")
        self._rated(rating, bool(resolved), by, at)

    @event("Rated")
    def _rated(self, rating: str, resolved: bool, by: str, at: datetime) -> None:
        self.rating = rating
        self.solved = resolved

    def urge(self, by: str, note: str, at: datetime) -> None:
        """督办: a supervisor presses the current holder."""
        self._guard("urge")
        self._urged(by, note, at)

    @event("Urged")
    def _urged(self, by: str, note: str, at: datetime) -> None:
        self.urge_count += 1

    def void(self, by: str, reason: str, at: datetime) -> None:
        self._guard("void")
        self._require("void", "reason", reason)
        self._voided(by, reason, at)

    @event("Voided")
    def _voided(self, by: str, reason: str, at: datetime) -> None:
        self.status = S.VOIDED

    def merge_into(self, original_id: UUID, by: str, at: datetime) -> None:
        """Closed as a duplicate: the public is pointed to the original."""
        self._guard("merge")
        if original_id == self.id:
            raise InvalidCommand(self.id, "merge", "an incident cannot duplicate itself")
        self._merged(str(original_id), by, at)

    @event("MergedAsDuplicate")
    def _merged(self, original_id: str, by: str, at: datetime) -> None:
        self.status, self.merged_into = S.MERGED, original_id

    def alert_sla(self, key: str, stage: str, level: str, step: int, notified: list[str],
                  escalation_version: str, at: datetime) -> None:
        """An SLA stage reached at-risk or breached (or a later step): who was told.
        `key` names the stage clock, step and repeat, so each alert is recorded once."""
        self._guard("urge")  # alerts concern open incidents only
        if key in self.sla_alerts:
            raise InvalidCommand(self.id, "alert", f"alert {key} was recorded already")
        self._sla_alerted(key, stage, level, step, notified, escalation_version, at)

    @event("SlaAlerted")
    def _sla_alerted(self, key: str, stage: str, level: str, step: int, notified: list[str],
                     escalation_version: str, at: datetime) -> None:
        self.sla_alerts.append(key)

    def reject_command(self, command_id: str, command_type: str, issued_by: str, reason: str,
                       at: datetime) -> None:
        """Keep a refused command in the incident's history, so the sender sees why."""
        self._command_rejected(command_id, command_type, issued_by, reason, at)

    @event("CommandRejected")
    def _command_rejected(self, command_id: str, command_type: str, issued_by: str, reason: str,
                          at: datetime) -> None:
        pass

    def record_duplicate(self, duplicate_id: UUID, at: datetime) -> None:
        """The original keeps a note of every extra report of the same thing."""
        self._guard("record duplicate")
        if duplicate_id == self.id or str(duplicate_id) in self.duplicates:
            raise InvalidCommand(self.id, "record duplicate", f"{duplicate_id} is not a new duplicate")
        self._duplicate_recorded(str(duplicate_id), at)

    @event("DuplicateRecorded")
    def _duplicate_recorded(self, duplicate_id: str, at: datetime) -> None:
        self.duplicates.append(duplicate_id)
