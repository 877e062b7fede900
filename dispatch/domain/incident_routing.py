"""Where it is and who handles it: locating, routing decisions, reassignment
and reclassification.

The commands are a mixin of `Incident` (dispatch/domain/incident.py), where each event class
here is declared again so that it is stored under the topic it always had."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from eventsourcing.domain import Aggregate

from dispatch.domain.errors import ExcludedDepartment, InvalidCommand
from dispatch.domain.incident_status import IncidentStatus as S
from dispatch.domain.routing import RoutingDecision

if TYPE_CHECKING:
    from dispatch.domain.incident import Incident


class Located(Aggregate.Event):
    place: dict[str, Any]
    at: datetime

    def apply(self, incident: Incident) -> None:
        incident.place = self.place


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


class Routing:
    """The commands of `Incident` that locate it, route it, reassign it, reclassify it.
    A mixin: `self` is the `Incident`."""

    def locate(self, place: dict[str, Any], at: datetime) -> None:
        """Record where it is: the grid and the units over it, or why nothing answered.
        `place` is the territory's resolution as plain values."""
        self._guard("locate")
        self.trigger_event(self.Located, place=place, at=at)

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

    def reclassify(self, category: str, by: str, at: datetime) -> None:
        """A new category needs a new routing decision; earlier dispatches stay in history."""
        self._guard("reclassify")
        self._require("reclassify", "category", category)
        if category == self.category:
            raise InvalidCommand(self.id, "reclassify", f"the category is already {category}")
        self.trigger_event(self.Reclassified, previous_category=self.category, category=category,
                           by=by, at=at)
