"""The route step of the stream: a batch of raw `incidents.reported` messages in, incidents out.

Three steps, so that the caller can publish dead letters between them and lose nothing:
`prepare` drops positions already recorded and decodes the rest (bad ones become dead
letters); the caller sends the dead letters; `record` creates, locates and routes the
incidents (each new one written as its stored events at once: new_incidents.py), or
merges a repeat of an open incident into it (duplicate_merger.py), and stores them with
one tracking row per partition, all in one transaction where the store allows it, else
(or when that is refused) in one transaction per partition.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from uuid import UUID

from eventsourcing.persistence import IntegrityError, Tracking

from dispatch.contracts import InvalidMessage
from dispatch.service_layer.dispatcher import Dispatcher
from dispatch.service_layer.duplicate_merger import MergeAttempt
from dispatch.service_layer.inbound import (DeadLetter, InboundMessage, fresh_by_stream,
                                            record_partition)
from dispatch.service_layer.incident_service import IncidentService
from dispatch.service_layer.new_incidents import NewIncident
from dispatch.service_layer.reports import Report, ReportReading
from policies.situation import Situation
from projections.duplicate_candidates import DuplicateCandidates


@dataclass
class PartitionBatch:
    stream: str
    last_offset: int
    reports: list[Report] = field(default_factory=list)


@dataclass
class PreparedBatch:
    partitions: list[PartitionBatch]
    dead_letters: list[DeadLetter]
    redelivered: int


@dataclass(frozen=True)
class RouteOutcome:
    recorded: list[UUID]
    duplicates: int      # the same report again (same source and report id): nothing done
    merged: int = 0      # a new report of an open incident: recorded, merged into it


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class RouteReports:
    def __init__(self, service: IncidentService, dispatcher: Dispatcher,
                 clock: Callable[[], datetime] = utc_now,
                 duplicates: DuplicateCandidates | None = None,
                 reading: ReportReading | None = None):
        self.service = service
        self.reading = reading or ReportReading()
        self.dispatcher = dispatcher
        self.clock = clock
        # The open incidents new reports may repeat (None: no duplicate detection). The
        # worker shares its views' index, which the event stream keeps current.
        self.duplicates = duplicates

    def prepare(self, messages: Sequence[InboundMessage]) -> PreparedBatch:
        streams, redelivered = fresh_by_stream(self.service, messages)
        partitions, dead_letters = [], []
        for stream, fresh in streams:
            partition = PartitionBatch(stream, max(m.offset for m in fresh))
            for message in fresh:
                try:
                    partition.reports.append(self.reading.read(message.value))
                except InvalidMessage as invalid:
                    dead_letters.append(DeadLetter(message, invalid.reason, invalid.errors))
            partitions.append(partition)
        return PreparedBatch(partitions, dead_letters, redelivered)

    def record(self, prepared: PreparedBatch) -> RouteOutcome:
        if len(prepared.partitions) > 1 and self.service.records_several_positions:
            together = self._record_together(prepared.partitions)
            if together is not None:
                return together
        return self._record_each(prepared.partitions)

    def _record_together(self, partitions: list[PartitionBatch]) -> RouteOutcome | None:
        """Every partition's incidents and positions in one transaction: one commit a batch
        rather than one a partition (the route step 6-13% less CPU at 90 reports over six
        partitions, the same at 1,000). None when refused (a position another worker
        recorded after a rebalance, a report stored before at another offset, an original
        changed): then partition by partition, which sorts each of those out."""
        wanted = self._distinct(r for p in partitions for r in p.reports)
        attempt = self._attempt(wanted.items())
        try:
            self.service.record(attempt.changes,
                                *(Tracking(p.stream, p.last_offset + 1) for p in partitions))
        except IntegrityError:
            return None
        attempt.stored()
        return RouteOutcome(list(attempt.new), sum(len(p.reports) for p in partitions)
                            - len(wanted), attempt.merged)

    def _record_each(self, partitions: list[PartitionBatch]) -> RouteOutcome:
        recorded: list[UUID] = []
        repeated = merged = 0
        for partition in partitions:
            wanted = self._distinct(partition.reports)
            repeated += len(partition.reports) - len(wanted)

            def run(retry: int) -> MergeAttempt:
                nonlocal wanted, repeated
                if retry:  # reports stored before are repeats; an original changed: redo
                    known = self.service.existing(wanted)
                    repeated += len(known)
                    wanted = {i: r for i, r in wanted.items() if i not in known}
                attempt = self._attempt(wanted.items())
                # Optimistic: a report seen before is rare, and the store's unique
                # (incident, version) key refuses it anyway, so look only when refused.
                self.service.record(attempt.changes, tracking)
                return attempt

            tracking = Tracking(partition.stream, partition.last_offset + 1)
            attempt = record_partition(self.service, tracking, run)
            if attempt is not None:
                attempt.stored()
                recorded.extend(attempt.new)
                merged += attempt.merged
        return RouteOutcome(recorded, repeated, merged)

    def _attempt(self, reports: Iterable[tuple[UUID, Report]]) -> MergeAttempt:
        now = self.clock()
        attempt = MergeAttempt(self.service, self.duplicates, at=now)
        stored_at = NewIncident.create_timestamp()
        located = [self._located(incident_id, report, now, stored_at)
                   for incident_id, report in reports]
        attempt.prefetch(incident for incident, _ in located)
        for incident, situation in located:
            original = attempt.original_for(incident)
            if original is not None:
                attempt.merge(incident, original, at=now)
            else:
                incident.dispatch(self.dispatcher.decide(situation))
                attempt.dispatched(incident)
        return attempt

    @staticmethod
    def _distinct(reports: Iterable[Report]) -> dict[UUID, Report]:
        """One report per incident, the first of each: the others are repeats to count."""
        wanted: dict[UUID, Report] = {}
        for report in reports:
            wanted.setdefault(report.incident_id, report)
        return wanted

    def _located(self, incident_id: UUID, report: Report, now: datetime,
                 stored_at: datetime) -> tuple[NewIncident, Situation]:
        fields = report.fields
        location = fields["location"]
        placement = self.dispatcher.place(location, fields["category"], fields["source"],
                                          fields["priority"], fields["reported_at"])
        return (NewIncident(incident_id, fields, placement.located, now, stored_at,
                            report.reported_iso),
                placement.situation)
