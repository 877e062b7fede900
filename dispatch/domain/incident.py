"""The `Incident` aggregate: one reported incident and the story of its handling."""
from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from dispatch.domain.errors import IllegalTransition
from dispatch.domain.routing import RoutingDecision

# Fixed forever: incident ids derive from it, so a redelivered report finds its incident.
INCIDENT_NAMESPACE = uuid5(NAMESPACE_URL, "urn:grid-dispatch:incident")


class IncidentStatus(str, Enum):
    REPORTED = "reported"
    DISPATCHED = "dispatched"
    AWAITING_MANUAL_DISPATCH = "awaiting_manual_dispatch"


def incident_id_for(source: str, report_id: str) -> UUID:
    return uuid5(INCIDENT_NAMESPACE, f"{source}\x1f{report_id}")


class Incident(Aggregate):
    @staticmethod
    def create_id(source: str, report_id: str) -> UUID:
        return incident_id_for(source, report_id)

    @event("Reported")
    def __init__(self, source: str, report_id: str, category: str, reported_at: datetime,
                 location: dict[str, Any], description: str, priority: str,
                 reporter: dict[str, Any] | None, attachments: list[str],
                 extra: dict[str, Any]):
        self.source = source
        self.report_id = report_id
        self.category = category
        self.reported_at = reported_at
        self.location = location
        self.description = description
        self.priority = priority
        self.reporter = reporter
        self.attachments = attachments
        self.extra = extra
        self.status = IncidentStatus.REPORTED
        self.department: str | None = None
        self.manual_queue: str | None = None
        self.decisions: list[dict[str, Any]] = []

    def dispatch(self, decision: RoutingDecision) -> None:
        """Apply the first routing decision: to a department, or to a manual queue."""
        if self.status is not IncidentStatus.REPORTED:
            raise IllegalTransition(self.id, "dispatch", self.status.value)
        if decision.department is not None:
            self._dispatched(decision.department, decision.rule_id,
                             decision.policy_version, decision.sla_class)
        else:
            self._queued_for_manual_dispatch(decision.manual_queue, decision.rule_id,
                                             decision.policy_version, decision.sla_class)

    @event("Dispatched")
    def _dispatched(self, department: str, rule_id: str, policy_version: str,
                    sla_class: str) -> None:
        self.status = IncidentStatus.DISPATCHED
        self.department = department
        self.decisions.append({"department": department, "rule_id": rule_id,
                               "policy_version": policy_version, "sla_class": sla_class})

    @event("QueuedForManualDispatch")
    def _queued_for_manual_dispatch(self, manual_queue: str, rule_id: str,
                                    policy_version: str, sla_class: str) -> None:
        self.status = IncidentStatus.AWAITING_MANUAL_DISPATCH
        self.manual_queue = manual_queue
        self.decisions.append({"manual_queue": manual_queue, "rule_id": rule_id,
                               "policy_version": policy_version, "sla_class": sla_class})
