"""The route step of the stream: a batch of raw `incidents.reported` messages in, incidents out.

Three steps, so that the caller can publish dead letters between them and lose nothing:
`prepare` drops positions already recorded and decodes the rest (bad ones become dead
letters); the caller sends the dead letters; `record` creates, routes and stores the
incidents with one tracking row per partition, in one transaction per partition.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from uuid import UUID

from eventsourcing.persistence import IntegrityError, Tracking

from dispatch.contracts import IncidentReported, InvalidMessage, decode_report
from dispatch.domain.incident import Incident, incident_id_for
from dispatch.service_layer.dispatcher import Dispatcher, place_of
from dispatch.service_layer.inbound import DeadLetter, InboundMessage, fresh_by_stream
from dispatch.service_layer.incident_service import IncidentService



@dataclass
class PartitionBatch:
    stream: str
    last_offset: int
    reports: list[IncidentReported] = field(default_factory=list)


@dataclass
class PreparedBatch:
    partitions: list[PartitionBatch]
    dead_letters: list[DeadLetter]
    redelivered: int


@dataclass(frozen=True)
class RouteOutcome:
    recorded: list[UUID]
    duplicates: int


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class RouteReports:
    def __init__(self, service: IncidentService, dispatcher: Dispatcher,
                 clock: Callable[[], datetime] = utc_now):
        self.service = service
        self.dispatcher = dispatcher
        self.clock = clock

    def prepare(self, messages: Sequence[InboundMessage]) -> PreparedBatch:
        streams, redelivered = fresh_by_stream(self.service, messages)
        partitions, dead_letters = [], []
        for stream, fresh in streams:
            partition = PartitionBatch(stream, max(m.offset for m in fresh))
            for message in fresh:
                try:
                    partition.reports.append(decode_report(message.value))
                except InvalidMessage as invalid:
                    dead_letters.append(DeadLetter(message, invalid.reason, invalid.errors))
            partitions.append(partition)
        return PreparedBatch(partitions, dead_letters, redelivered)

    def record(self, prepared: PreparedBatch) -> RouteOutcome:
        recorded: list[UUID] = []
        duplicates = 0
        for partition in prepared.partitions:
            tracking = Tracking(partition.stream, partition.last_offset + 1)
            incidents, repeats = self._new_incidents(partition.reports)
            try:
                # Optimistic: a report seen before is rare, and the store's unique
                # (incident, version) key refuses it anyway, so look only when refused.
                self.service.record(incidents, tracking)
            except IntegrityError:
                if (self.service.tracked_position(partition.stream) or 0) >= tracking.notification_id:
                    continue  # another worker recorded this position meanwhile
                known = self.service.existing(incident.id for incident in incidents)
                repeats += len(known)
                incidents = [self._incident(report) for report in partition.reports
                             if self._id(report) not in known]
                incidents = list({incident.id: incident for incident in incidents}.values())
                self.service.record(incidents, tracking)
            recorded.extend(incident.id for incident in incidents)
            duplicates += repeats
        return RouteOutcome(recorded, duplicates)

    def _new_incidents(self, reports: list[IncidentReported]) -> tuple[list[Incident], int]:
        """One incident per distinct report in the batch; repeats inside it are counted."""
        wanted: dict[UUID, IncidentReported] = {}
        for report in reports:
            wanted.setdefault(self._id(report), report)
        return [self._incident(report) for report in wanted.values()], len(reports) - len(wanted)

    @staticmethod
    def _id(report: IncidentReported) -> UUID:
        return incident_id_for(report.source.value, report.report_id)

    def _incident(self, report: IncidentReported) -> Incident:
        location = report.location.model_dump(mode="json", exclude_none=True)
        incident = Incident(
            source=report.source.value, report_id=report.report_id, category=report.category,
            reported_at=report.reported_at, location=location,
            description=report.description, priority=report.priority.value,
            reporter=report.reporter.model_dump(mode="json", exclude_none=True)
            if report.reporter else None,
            attachments=list(report.attachments), extra=dict(report.model_extra or {}),
        )
        placement = self.dispatcher.place(location, report.category, report.source.value,
                                          report.priority.value, report.reported_at)
        now = self.clock()
        incident.locate(place_of(placement.resolution, placement.grid_workers), at=now)
        incident.dispatch(self.dispatcher.decide(placement.situation), at=now)
        return incident
