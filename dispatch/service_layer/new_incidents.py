"""A new incident the route step dispatched, or merged into an open one at once, written
as its stored events directly.

Every report becomes a new incident that is reported, located, then dispatched (or
queued) or merged as a duplicate, all at once. Building the `Incident` aggregate for that,
then its events, then each event's stored form cost about 40 µs a report, a third of the
route step. A `NewIncident` holds the same values and writes the same stored events
(`Reported`, `Located`, then `Dispatched`, `QueuedForManualDispatch` or
`MergedAsDuplicate`), byte for byte: tests/unit/test_new_incidents.py holds both ways
equal. A later report merged into it adds its `DuplicateRecorded` the same way.

The aggregate is made only when something else asks for it, a command say: it is then
rebuilt from these stored events (`IncidentService.rebuilt`), so it equals what the store
would give. A merged one is finished: nothing takes it again.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from dispatch.domain.errors import IllegalTransition, InvalidCommand
from dispatch.domain.incident import Incident
from dispatch.domain.incident_status import ALLOWED, IncidentStatus
from dispatch.domain.routing import RoutingDecision
from dispatch.service_layer.stored_state import StateWriter

INCIDENT_TOPIC = get_topic(Incident)
REPORTED, LOCATED = get_topic(Incident.Reported), get_topic(Incident.Located)
DISPATCHED = get_topic(Incident.Dispatched)
QUEUED = get_topic(Incident.QueuedForManualDispatch)
MERGED = get_topic(Incident.MergedAsDuplicate)
DUPLICATE_RECORDED = get_topic(Incident.DuplicateRecorded)


class NewIncident:
    """The values of a new incident's first three events, and of the `DuplicateRecorded`
    events of later reports merged into it (a merge needs no aggregate either)."""
    __slots__ = ("id", "report", "place", "at", "timestamp", "reported_iso", "decision",
                 "merged_into", "by", "duplicates", "_recorded", "_stored", "_saved")

    @staticmethod
    def create_timestamp() -> datetime:
        """A store time, as the aggregate's events take theirs."""
        return Incident.Reported.create_timestamp()

    def __init__(self, incident_id: UUID, report: dict[str, Any], place: dict[str, Any],
                 at: datetime, timestamp: datetime, reported_iso: str | None = None):
        """`report`: the `Reported` event's fields, in its constructor's order; `at`: when
        it was routed; `timestamp`: the store's time of the three events (the route step
        gives a batch's new incidents one: they are recorded in one transaction, and the
        transcoder then writes it once); `reported_iso`: the report time's `isoformat()`,
        when the reader has it (reports.py)."""
        self.id, self.report, self.place, self.at = incident_id, report, place, at
        self.timestamp, self.reported_iso = timestamp, reported_iso
        self.decision: RoutingDecision | None = None
        self.merged_into: UUID | None = None
        self.by: str | None = None
        self.duplicates: list[str] = []   # as `Incident.duplicates`
        self._recorded: list[tuple[datetime, datetime]] = []   # each one's store time, at
        self._stored: list[StoredEvent] = []
        self._saved = 0   # how many of them are in the store

    @property
    def version(self) -> int:
        return 3 + len(self.duplicates)

    @property
    def status(self) -> IncidentStatus:
        if self.merged_into is not None:
            return IncidentStatus.MERGED
        assert self.decision is not None, "routed before it is asked"
        return IncidentStatus.DISPATCHED if self.decision.department is not None \
            else IncidentStatus.AWAITING_MANUAL_DISPATCH

    # What the duplicate index reads of an incident (duplicate_merger._key).
    @property
    def category(self) -> str:
        return self.report["category"]

    @property
    def reported_at(self) -> datetime:
        return self.report["reported_at"]

    @property
    def location(self) -> dict[str, Any]:
        return self.report["location"]

    def dispatch(self, decision: RoutingDecision) -> None:
        """What `Incident.dispatch` checks cannot fail here: a new incident has excluded
        no department, and is located."""
        self.decision = decision

    def merge_into(self, original_id: UUID, by: str) -> None:
        """As `Incident.merge_into`: closed as a duplicate of another incident."""
        if original_id == self.id:
            raise ValueError(f"incident {self.id} cannot duplicate itself")
        self.merged_into, self.by = original_id, by

    @property
    def is_merged(self) -> bool:
        return self.merged_into is not None

    def record_duplicate(self, duplicate_id: UUID, at: datetime) -> None:
        """As `Incident.record_duplicate`, with its checks."""
        if self.status not in ALLOWED["record duplicate"]:
            raise IllegalTransition(self.id, "record duplicate", self.status.value)
        if duplicate_id == self.id or str(duplicate_id) in self.duplicates:
            raise InvalidCommand(self.id, "record duplicate",
                                 f"{duplicate_id} is not a new duplicate")
        self.duplicates.append(str(duplicate_id))
        self._recorded.append((self.create_timestamp(), at))

    def stored_events(self, writer: StateWriter) -> list[StoredEvent]:
        """Every stored event, each written once."""
        stored = self._stored
        if not stored:
            assert self.decision or self.merged_into, "dispatched or merged before it is stored"
            stored += self._written(writer)
        for n in range(len(stored) - 3, len(self._recorded)):
            timestamp, at = self._recorded[n]
            stored.append(StoredEvent(self.id, 4 + n, DUPLICATE_RECORDED, writer.encode(
                {"timestamp": writer.tag(timestamp), "duplicate_id": self.duplicates[n],
                 "at": writer.tag(at)})))
        return stored

    def unsaved_events(self, writer: StateWriter) -> list[StoredEvent]:
        """Those not in the store yet; `saved` once they are."""
        return self.stored_events(writer)[self._saved:]

    def saved(self) -> None:
        self._saved = len(self._stored)

    def _written(self, writer: StateWriter) -> list[StoredEvent]:
        encode, tag, decision = writer.encode, writer.tag, self.decision
        id_, (timestamp, at) = self.id, writer.tags(self.timestamp, self.at)
        report, iso = self.report, self.reported_iso
        reported = {"timestamp": timestamp, "originator_topic": INCIDENT_TOPIC, **report,
                    "reported_at": tag(report["reported_at"]) if iso is None
                    else writer.tag_iso(iso, report["reported_at"])}
        located = {"timestamp": timestamp, "place": self.place, "at": at}
        if decision is None:
            topic, routed = MERGED, {"timestamp": timestamp, "original_id": str(self.merged_into),
                                     "by": self.by, "at": at}
        elif decision.department is not None:
            topic, routed = DISPATCHED, {
                "timestamp": timestamp, "department": decision.department,
                "co_handling": list(decision.co_handling), "rule_id": decision.rule_id,
                "policy_version": decision.policy_version, "sla_class": decision.sla_class,
                "at": at}
        else:
            topic, routed = QUEUED, {
                "timestamp": timestamp, "manual_queue": decision.manual_queue,
                "rule_id": decision.rule_id, "policy_version": decision.policy_version,
                "sla_class": decision.sla_class, "at": at}
        return [StoredEvent(id_, 1, REPORTED, encode(reported)),
                StoredEvent(id_, 2, LOCATED, encode(located)),
                StoredEvent(id_, 3, topic, encode(routed))]

    def as_reported(self) -> Incident:
        """The aggregate, reported and located, its events pending (what the route step
        did before writing new incidents directly; the tests compare the two)."""
        incident = Incident.reported(self.id, **self.report)
        incident.locate(self.place, at=self.at)
        return incident
