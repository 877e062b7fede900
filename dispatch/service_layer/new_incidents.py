"""A new incident the route step dispatched, or merged into an open one at once, written
as its three stored events directly.

Every report becomes a new incident that is reported, located and then dispatched (or
queued) or merged as a duplicate, at once, and most have nothing else happen to them in
the batch. Building the `Incident` aggregate
for that, then its events, then each event's stored form cost about 40 µs a report, a
third of the route step. A `NewIncident` holds the same values and writes the three stored
events (`Reported`, `Located`, then `Dispatched`, `QueuedForManualDispatch` or
`MergedAsDuplicate`) with the same topics and state, byte for byte (tests/unit/test_new_incidents.py holds both ways equal).

The aggregate is made only when something asks for it: a later report merged into it, a
command. It is then rebuilt from these stored events (`IncidentService.rebuilt`), so it
equals what the store would give. A merged one is finished: nothing takes it again.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import get_topic

from dispatch.domain.incident import Incident
from dispatch.domain.routing import RoutingDecision

INCIDENT_TOPIC = get_topic(Incident)
REPORTED, LOCATED = get_topic(Incident.Reported), get_topic(Incident.Located)
DISPATCHED = get_topic(Incident.Dispatched)
QUEUED = get_topic(Incident.QueuedForManualDispatch)
MERGED = get_topic(Incident.MergedAsDuplicate)


class StateWriter:
    """An event's state as `Mapper.to_stored_event` stores it (none of the three events
    has a class version above 1, which would add a field: tests/unit/test_new_incidents.py)."""

    def __init__(self, mapper: Mapper):
        self.mapper = mapper
        # A time as the transcoder writes it, where it says (infra/json_transcoder.py),
        # so its encoder meets no datetime; else the time, for `encode` to write.
        self.tag: Callable[[datetime], Any] = getattr(mapper.transcoder, "tag", lambda t: t)

    def encode(self, state: dict[str, Any]) -> bytes:
        mapper = self.mapper
        data = mapper.transcoder.encode(state)
        if mapper.compressor:
            data = mapper.compressor.compress(data)
        if mapper.cipher:
            data = mapper.cipher.encrypt(data)
        return data


class NewIncident:
    """The values of a new incident's first three events; `version` is the last's."""
    __slots__ = ("id", "report", "place", "at", "timestamp", "decision", "merged_into", "by",
                 "_stored")
    version = 3

    @staticmethod
    def create_timestamp() -> datetime:
        """A store time, as the aggregate's events take theirs."""
        return Incident.Reported.create_timestamp()

    def __init__(self, incident_id: UUID, report: dict[str, Any], place: dict[str, Any],
                 at: datetime, timestamp: datetime):
        """`report`: the `Reported` event's fields, in its constructor's order; `at`: when
        it was routed; `timestamp`: the store's time of the three events (the route step
        gives a batch's new incidents one: they are recorded in one transaction, and the
        transcoder then writes it once)."""
        self.id, self.report, self.place, self.at = incident_id, report, place, at
        self.timestamp = timestamp
        self.decision: RoutingDecision | None = None
        self.merged_into: UUID | None = None
        self.by: str | None = None
        self._stored: list[StoredEvent] | None = None

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

    def stored_events(self, writer: StateWriter) -> list[StoredEvent]:
        """The three stored events, written once."""
        if self._stored is None:
            assert self.decision or self.merged_into, "dispatched or merged before it is stored"
            self._stored = self._written(writer.encode, writer.tag)
        return self._stored

    def _written(self, encode: Callable[[dict[str, Any]], bytes],
                 tag: Callable[[datetime], Any]) -> list[StoredEvent]:
        id_, timestamp, at, decision = self.id, tag(self.timestamp), tag(self.at), self.decision
        report = self.report
        reported = {"timestamp": timestamp, "originator_topic": INCIDENT_TOPIC, **report,
                    "reported_at": tag(report["reported_at"])}
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
