"""What moves the SLA clocks without moving the ticket: extensions asked and decided,
suspension (挂账) and resumption.

The commands are a mixin of `Incident` (dispatch/domain/incident.py), where each event class
here is declared again so that it is stored under the topic it always had."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from eventsourcing.domain import Aggregate

from dispatch.domain.errors import InvalidCommand
from dispatch.domain.incident_status import IncidentStatus as S

if TYPE_CHECKING:
    from dispatch.domain.incident import Incident


class ExtensionRequested(Aggregate.Event):
    department: str
    hours: float
    reason: str
    at: datetime

    def apply(self, incident: Incident) -> None:
        incident.pending_extension_hours = self.hours


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


class Suspended(Aggregate.Event):
    by: str
    reason: str
    at: datetime

    def apply(self, incident: Incident) -> None:
        incident.status = S.SUSPENDED


class Resumed(Aggregate.Event):
    by: str
    at: datetime

    def apply(self, incident: Incident) -> None:
        incident.status = S.ACCEPTED


class ClockChanges:
    """The commands of `Incident` that pause or lengthen its clocks.
    A mixin: `self` is the `Incident`."""

    def request_extension(self, department: str, hours: float, reason: str, at: datetime) -> None:
        self._guard_department("request extension", department)
        self._require("request extension", "reason", reason)
        if self.pending_extension_hours is not None:
            raise InvalidCommand(self.id, "request extension", "an extension is already pending")
        if not hours > 0:
            raise InvalidCommand(self.id, "request extension", f"hours must be positive, got {hours}")
        self.trigger_event(self.ExtensionRequested, department=department, hours=float(hours),
                           reason=reason, at=at)

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

    def suspend(self, by: str, reason: str, at: datetime) -> None:
        """挂账: waiting on something outside the department's hands; the clock pauses."""
        self._guard("suspend")
        self._require("suspend", "reason", reason)
        self.trigger_event(self.Suspended, by=by, reason=reason, at=at)

    def resume(self, by: str, at: datetime) -> None:
        self._guard("resume")
        self.trigger_event(self.Resumed, by=by, at=at)
