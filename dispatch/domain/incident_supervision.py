"""What supervisors and the engine itself record: urging, voiding, duplicates merged
and noted, SLA alerts, commands refused.

The commands are a mixin of `Incident` (dispatch/domain/incident.py), where each event class
here is declared again so that it is stored under the topic it always had."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.domain import Aggregate

from dispatch.domain.errors import InvalidCommand
from dispatch.domain.incident_status import IncidentStatus as S

if TYPE_CHECKING:
    from dispatch.domain.incident import Incident


class Urged(Aggregate.Event):
    by: str
    note: str
    at: datetime

    def apply(self, incident: Incident) -> None:
        incident.urge_count += 1


class Voided(Aggregate.Event):
    by: str
    reason: str
    at: datetime

    def apply(self, incident: Incident) -> None:
        incident.status = S.VOIDED


class MergedAsDuplicate(Aggregate.Event):
    original_id: str
    by: str
    at: datetime

    def apply(self, incident: Incident) -> None:
        incident.status, incident.merged_into = S.MERGED, self.original_id


class DuplicateRecorded(Aggregate.Event):
    duplicate_id: str
    at: datetime

    def apply(self, incident: Incident) -> None:
        incident.duplicates.append(self.duplicate_id)


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


class CommandRejected(Aggregate.Event):
    command_id: str
    command_type: str
    issued_by: str
    reason: str
    at: datetime


class Supervision:
    """The commands of `Incident` that supervisors and the engine give.
    A mixin: `self` is the `Incident`."""

    def urge(self, by: str, note: str, at: datetime) -> None:
        """督办: a supervisor presses the current holder."""
        self._guard("urge")
        self.trigger_event(self.Urged, by=by, note=note, at=at)

    def void(self, by: str, reason: str, at: datetime) -> None:
        self._guard("void")
        self._require("void", "reason", reason)
        self.trigger_event(self.Voided, by=by, reason=reason, at=at)

    def merge_into(self, original_id: UUID, by: str, at: datetime) -> None:
        """Closed as a duplicate: the public is pointed to the original."""
        self._guard("merge")
        if original_id == self.id:
            raise InvalidCommand(self.id, "merge", "an incident cannot duplicate itself")
        self.trigger_event(self.MergedAsDuplicate, original_id=str(original_id), by=by, at=at)

    def record_duplicate(self, duplicate_id: UUID, at: datetime) -> None:
        """The original keeps a note of every extra report of the same thing."""
        self._guard("record duplicate")
        if duplicate_id == self.id or str(duplicate_id) in self.duplicates:
            raise InvalidCommand(self.id, "record duplicate", f"{duplicate_id} is not a new duplicate")
        self.trigger_event(self.DuplicateRecorded, duplicate_id=str(duplicate_id), at=at)

    def alert_sla(self, key: str, stage: str, level: str, step: int, notified: list[str],
                  escalation_version: str, at: datetime) -> None:
        """An SLA stage reached at-risk or breached (or a later step): who was told.
        `key` names the stage clock, step and repeat, so each alert is recorded once."""
        self._guard("urge")  # alerts concern open incidents only
        if key in self.sla_alerts:
            raise InvalidCommand(self.id, "alert", f"alert {key} was recorded already")
        self.trigger_event(self.SlaAlerted, key=key, stage=stage, level=level, step=step,
                           notified=notified, escalation_version=escalation_version, at=at)

    def reject_command(self, command_id: str, command_type: str, issued_by: str, reason: str,
                       at: datetime) -> None:
        """Keep a refused command in the incident's history, so the sender sees why."""
        self.trigger_event(self.CommandRejected, command_id=command_id, command_type=command_type,
                           issued_by=issued_by, reason=reason, at=at)
