"""The application over the event store: incidents in, events and tracking out, atomically."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import (IntegrityError, Notification, ProcessRecorder, StoredEvent,
                                      Tracking)

from dispatch.domain.incident import Incident
from dispatch.domain.incident_status import FINAL
from dispatch.domain.policy_version import PolicyVersion
from dispatch.service_layer.new_incidents import NewIncident
from dispatch.service_layer.recent_incidents import DEFAULT_CAPACITY, RecentIncidents
from dispatch.service_layer.stored_state import StateWriter

log = logging.getLogger(__name__)


class IncidentService(Application[UUID]):
    """Records incidents together with the input position that produced them.

    The store is a process recorder: events and a tracking row are written in one
    transaction, so a redelivered input is recognised by its position and skipped.
    """

    name = "GridDispatch"

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.recent: RecentIncidents[Incident | NewIncident] = RecentIncidents(
            int(self.env.get("RECENT_INCIDENTS", DEFAULT_CAPACITY)))
        # Told of every change stored through this service, after it is stored (a worker
        # that is the store's only writer of incidents keeps an index from it).
        self.on_recorded: Callable[[list[DomainEventProtocol]], None] | None = None
        self.state_writer = StateWriter(self.mapper)

    def construct_recorder(self) -> ProcessRecorder:
        return self.factory.process_recorder()

    @property
    def process_recorder(self) -> ProcessRecorder:
        assert isinstance(self.recorder, ProcessRecorder)
        return self.recorder

    def tracked_position(self, stream: str) -> int | None:
        """The highest position recorded for an input stream (e.g. `topic:partition`)."""
        return self.process_recorder.max_tracking_id(stream)

    def tracked_positions(self, streams: Iterable[str]) -> dict[str, int]:
        """The highest position recorded for each of several input streams, those with none
        left out."""
        return self._each_at_once("max_tracking_ids", streams, self.tracked_position)

    def existing(self, incident_ids: Iterable[UUID]) -> set[UUID]:
        return set(self.max_versions(incident_ids))

    @property
    def records_several_positions(self) -> bool:
        """Whether `record` takes more than one tracking row (the engine's own recorders)."""
        return getattr(self.recorder, "records_more_tracking", False)

    def record(self, changes: Sequence[Aggregate | NewIncident], tracking: Tracking,
               *more_tracking: Tracking) -> int:
        """Store the changes and the tracking rows in one transaction, in the order given:
        each aggregate's pending events, each `NewIncident`'s stored events as written."""
        processing = ProcessingEvent[UUID](tracking)
        if more_tracking:
            if not self.records_several_positions:
                raise TypeError(f"{type(self.recorder).__name__} records one position a "
                                "transaction")
            processing.saved_kwargs["more_tracking"] = more_tracking
        stored: list[StoredEvent] = []
        new: list[NewIncident] = []
        to_stored = self.mapper.to_stored_event
        for change in changes:
            if type(change) is NewIncident:
                stored.extend(change.unsaved_events(self.state_writer))
                new.append(change)
                continue
            # Collected directly: collect_events() checks each object against runtime
            # protocols, which costs more than creating the incident.
            events = change.collect_events()
            processing.events.extend(events)
            processing.aggregates[change.id] = change
            stored.extend(map(to_stored, events))
        # As eventsourcing's `Application._record` does, without the recordings nobody here
        # reads (and its aggregate cache, not used: see `_kept`).
        self.recorder.insert_events(stored, tracking=processing.tracking,
                                    **processing.saved_kwargs)
        for incident in new:
            incident.saved()
        self._kept(processing, new)
        return len(stored)

    def _record(self, processing_event: ProcessingEvent[UUID]) -> Any:
        recordings = super()._record(processing_event)   # `save`: policy versions
        self._kept(processing_event)
        return recordings

    def _kept(self, processing: ProcessingEvent[UUID], new: Sequence[NewIncident] = ()) -> None:
        # Every stored change passes here: the incidents are kept as they now stand (a new
        # one as its stored events, made an aggregate when taken). eventsourcing's own
        # aggregate cache does not fit: it trusts the cache without asking the store, or
        # deep-copies on every get.
        # Not those finished for good (merged into another, voided): no command changes
        # them, and at a peak nearly half the new incidents are repeats merged at once.
        # Kept, they pushed out the open ones that later repeats are merged into.
        self.recent.keep([*((n.id, n) for n in new if not n.is_merged),
                          *((i, a) for i, a in processing.aggregates.items()
                            if type(a) is Incident and a.status not in FINAL)])
        # The listeners are told of changes after the report: a new incident's own events
        # are the report, which the route step tells the duplicate index itself.
        if self.on_recorded is not None:
            try:
                self.on_recorded(processing.events)
            except Exception:   # stored already: a listener's failure must not undo that
                log.exception("told of %d stored events, a listener failed",
                              len(processing.events))

    def rebuilt(self, new: NewIncident) -> Incident:
        """The aggregate of a new incident, from its stored events, as a load would give."""
        incident = _apply_in_order(None, map(self.mapper.to_domain_event,
                                             new.stored_events(self.state_writer)))
        assert isinstance(incident, Incident)
        return incident

    def record_policy_version(self, version: str, name: str, source: str, text: str,
                              at: datetime) -> bool:
        """Keep the text behind a policy version; False when it was recorded before."""
        record = PolicyVersion(version=version, name=name, source=source, text=text, at=at)
        if self.existing([record.id]):
            return False
        try:
            self.save(record)
        except IntegrityError:
            return False  # another worker recorded it first
        return True

    def policy_text(self, version: str) -> str | None:
        record_id = PolicyVersion.create_id(version)
        return self.repository.get(record_id).text if self.existing([record_id]) else None

    def get_incident(self, incident_id: UUID) -> Incident:
        """The incident as stored now; the caller owns the object (see recent_incidents.py)."""
        found = self.get_incidents([incident_id])
        if incident_id not in found:
            raise AggregateNotFoundError(incident_id)
        incident = found[incident_id]
        assert type(incident) is Incident
        return incident

    def get_incidents(self, incident_ids: Iterable[UUID],
                      new_as_is: bool = False) -> dict[UUID, Incident | NewIncident]:
        """Several incidents as stored now (those not stored left out), the kept ones checked
        against the store together: one query, where `get_incident` makes one each (on a
        store across the network, a round trip each). `new_as_is`: a new incident kept
        as its stored events is handed out so (the route step merges into it), not made
        an aggregate."""
        wanted = list(dict.fromkeys(incident_ids))
        kept = {i: k for i in wanted if (k := self.recent.take(i)) is not None}
        stored = self.max_versions(kept) if kept else {}
        found: dict[UUID, Incident] = {}
        for incident_id in wanted:
            incident = kept.get(incident_id)
            if incident is not None and stored.get(incident_id) == incident.version:
                found[incident_id] = self.rebuilt(incident) \
                    if type(incident) is NewIncident and not new_as_is else incident
                continue
            try:
                found[incident_id] = self.repository.get(incident_id,
                                                         projector_func=_apply_in_order)
            except AggregateNotFoundError:
                pass
        return found

    def max_versions(self, incident_ids: Iterable[UUID]) -> dict[UUID, int]:
        """Each incident's last stored version, those with none left out."""
        def last_version(incident_id: UUID) -> int | None:
            last = self.recorder.select_events(incident_id, desc=True, limit=1)
            return last[0].originator_version if last else None
        return self._each_at_once("max_versions", incident_ids, last_version)

    def _each_at_once(self, query: str, keys: Iterable[Any],
                      one: Callable[[Any], int | None]) -> dict[Any, int]:
        """`query` on the recorder for all `keys` at once (the engine's recorders: one
        query), else `one` for each (eventsourcing's own); the keys with none left out."""
        ask = getattr(self.recorder, query, None)
        if ask is not None:
            return ask(list(keys))
        return {key: found for key in keys if (found := one(key)) is not None}

    def notifications_after(self, position: int, limit: int) -> Sequence[Notification]:
        return self.recorder.select_notifications(position, limit, inclusive_of_start=False)

    def domain_event(self, notification: Notification) -> Any:
        return self.mapper.to_domain_event(notification)


def _apply_in_order(incident: Incident | None, events: Iterable[Any]) -> Incident | None:
    """eventsourcing's projector without its per-event `assert isinstance(event,
    CanMutateProtocol)`: a runtime protocol check, about 15 µs an event on Python 3.11, a
    third of loading an incident."""
    for event in events:
        incident = event.mutate(incident)
    return incident
