"""Duplicate detection in the route step: a new report that repeats an open incident is
merged into it instead of being dispatched a second time.

One `MergeAttempt` per batch (then one per partition batch if that transaction is refused,
and again for a partition whose transaction is refused): it asks the shared index of open
incidents (projections/duplicate_candidates.py) and a private one of this batch's own new
incidents (projections/batch_candidates.py), loads each original once, and hands the new
incidents over to the shared index only once the batch is stored, so a refused attempt
leaves nothing behind. The new incident gets `MergedAsDuplicate` (pointing to the
original), the original `DuplicateRecorded`; both are saved in the batch's transaction.

A new incident, dispatched or merged, is a `NewIncident` (new_incidents.py), stored as its
events; an original that is one (dispatched in this batch, or kept so by the store) takes
its `DuplicateRecorded` so too, without being made an aggregate.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from dispatch.domain.incident import Incident
from dispatch.domain.incident_status import OPEN
from dispatch.service_layer.incident_service import IncidentService
from dispatch.service_layer.new_incidents import NewIncident
from projections.batch_candidates import BatchCandidates
from projections.duplicate_candidates import DuplicateCandidates
from projections.duplicate_feed import point_of

DETECTOR = "duplicate-detection"  # who merged it, in the event
LOOKUPS = 5  # candidates checked against the store before the report counts as new
NOT_ASKED: Any = object()   # the shared index's answer, for an incident `prefetch` left out


class MergeAttempt:
    def __init__(self, service: IncidentService, shared: DuplicateCandidates | None,
                 at: datetime):
        self.service, self.shared, self.at = service, shared, at  # at: when it is recorded
        self.batch = BatchCandidates(shared) if shared else None
        self.new: dict[UUID, NewIncident] = {}
        self.loaded: dict[UUID, Incident | NewIncident] = {}   # originals, saved with the batch
        self.merged = 0
        # Each new incident's id as text, its `_key`, what a lookup at its place reads
        # (`places.lookup_of`), and the shared index's first answer (asked ahead by
        # `prefetch`), each worked out once;
        # the dispatched by id as text.
        self._asked: dict[UUID, tuple[str, tuple, list[tuple] | None, tuple | None]] = {}
        self._by_text: dict[str, NewIncident] = {}

    def prefetch(self, incidents: Iterable[Incident | NewIncident]) -> None:
        """Ask the shared index for the batch's reports ahead, and load the originals it
        names together (`get_incidents`: one store query, not one each)."""
        if self.shared is None:
            return
        wanted, asked, earliest_of = set(), self._asked, self.shared.earliest_of
        lookup_of = self.shared.places.lookup_of
        for incident in incidents:
            text, key = str(incident.id), _key(incident)
            category, _, point, address, grid = key
            lookup = lookup_of(category, point, address, grid)
            found = earliest_of(text, *key, lookup=lookup)
            asked[incident.id] = (text, key, lookup, found)
            if found is not None:
                wanted.add(UUID(found[1]))
        wanted -= self.new.keys() | self.loaded.keys()
        if wanted:
            self.loaded.update(self.service.get_incidents(wanted, new_as_is=True))

    def original_for(self, incident: NewIncident) -> Incident | NewIncident | None:
        """The open incident this new one repeats (from the store or this batch), or None.
        The index may lag the store: each candidate is checked as stored, and the next one
        asked for when it no longer fits."""
        if self.batch is None:
            return None
        text, key, lookup, first = self._about(incident)
        skip: set[str] = set()
        for _ in range(LOOKUPS):
            found = [found for found in (
                first if first is not NOT_ASKED and not skip
                else self.shared.earliest_of(text, *key, skip=skip, lookup=lookup),
                self.batch.earliest_of(text, *key, skip=skip, lookup=lookup)) if found]
            if not found:
                return None
            original_id = min(found)[1]
            original = self._load(UUID(original_id))
            if original is not None and original.status in OPEN and \
                    original.category == incident.category:
                if text in original.duplicates:
                    return None  # this very report, merged before: the store refuses it
                return original
            skip.add(original_id)
            if original is None or original.status not in OPEN:
                self.shared.forget(original_id)  # closed meanwhile: its event is on its way
                self.batch.forget(original_id)
        return None

    def _about(self, incident: NewIncident
               ) -> tuple[str, tuple, list[tuple] | None, tuple | None]:
        """Its id as text, its `_key`, what a lookup at its place reads (None: not worked
        out, or nothing to), and the shared index's first answer (or NOT_ASKED)."""
        about = self._asked.get(incident.id)
        return about if about is not None else (str(incident.id), _key(incident), None,
                                                NOT_ASKED)

    def merge(self, incident: NewIncident, original: Incident | NewIncident, at) -> None:
        original.record_duplicate(incident.id, at=at)
        incident.merge_into(original.id, by=DETECTOR)
        self.new[incident.id] = incident
        self.merged += 1

    def dispatched(self, incident: NewIncident) -> None:
        """A new incident that others in this batch (and, once stored, later ones) may repeat."""
        self.new[incident.id] = incident
        if self.batch is not None:
            text, key, _, _ = self._about(incident)
            self._by_text[text] = incident
            self.batch.remember(text, incident.version, *key)

    @property
    def changes(self) -> list[Incident | NewIncident]:
        """What to store, in order: the new incidents, then the originals loaded."""
        return [*self.new.values(), *(o for o in self.loaded.values() if o.id not in self.new)]

    def stored(self) -> None:
        """The batch is in the store: later batches may find its new incidents."""
        if self.batch is not None:
            by_text = self._by_text
            self.batch.hand_over(lambda text: by_text[text].version, self.at)

    def _load(self, original_id: UUID) -> Incident | NewIncident | None:
        original = self.new.get(original_id) or self.loaded.get(original_id)
        if original is None:
            original = self.service.get_incidents([original_id], new_as_is=True).get(original_id)
            if original is None:   # indexed from the stream, not in this store
                return None
            self.loaded[original_id] = original
        return original


def _key(incident: Incident | NewIncident) -> tuple:
    place = incident.place or {}
    return (incident.category, incident.reported_at, point_of(incident.location),
            place.get("address"), place.get("grid"))
