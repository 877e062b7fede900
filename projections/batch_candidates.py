"""A route batch's own new incidents, for the repeats among them: what the shared duplicate
index (projections/duplicate_candidates.py) answers for the stored ones, and by the same
rules, for the few hundred incidents of one transaction.

So it keeps none of the shared index's machinery: no window to let incidents go by (a batch
is recorded at one time), no lock (one step owns it), no tables to spread. Each incident's
place keys are worked out once, when it is remembered, and handed over with it to the shared
index once the batch is stored (`hand_over`), which then files it under them as they are.
A `DuplicateCandidates` of its own for each batch cost about twice as much (the route step
alone: remembering each new incident twice, each time working out its keys).
"""
from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime

from projections.duplicate_candidates import DuplicateCandidates, earliest_in
from projections.duplicate_window import Candidate


class BatchCandidates:
    def __init__(self, shared: DuplicateCandidates):
        self.shared, self.places = shared, shared.places
        self.incidents: dict[str, Candidate] = {}
        self._keys: dict[str, list[tuple]] = {}   # each incident's, as `places.keys_of`
        self._buckets: dict[tuple, list[str]] = {}

    def remember(self, incident_id: str, version: int, category: str, reported_at: datetime,
                 point: tuple[float, float] | None, address: str | None,
                 grid: str | None) -> None:
        """A new incident of the batch, still open."""
        keys = self._keys[incident_id] = self.places.keys_of(category, point, address, grid)
        self.incidents[incident_id] = Candidate(version, category, reported_at, point, address,
                                                grid)
        buckets = self._buckets
        for key in keys:
            bucket = buckets.get(key)
            if bucket is None:
                buckets[key] = [incident_id]
            else:
                bucket.append(incident_id)

    def forget(self, incident_id: str) -> None:
        if incident_id in self.incidents:
            self.incidents[incident_id].is_open = False

    def earliest_of(self, incident_id: str, category: str, reported_at: datetime,
                    point: tuple[float, float] | None, address: str | None,
                    grid: str | None, skip: Collection[str] = (),
                    near: list[tuple] | None = None) -> tuple[datetime, str] | None:
        """As `DuplicateCandidates.earliest_of`, among the batch's incidents."""
        if not self.incidents:
            return None
        window = self.shared.window_for(category)
        if window is None:
            return None
        return earliest_in(self._buckets, self.incidents, self.places, incident_id, category,
                           reported_at, window, point, address, grid, skip, near)

    def hand_over(self, version_of: Callable[[str], int], recorded_at: datetime) -> None:
        """The batch is stored: the shared index takes its open incidents, each at its
        version now (`version_of`: a repeat merged into it in the batch adds one)."""
        remember, keys = self.shared.remember_filed, self._keys
        for incident_id, candidate in self.incidents.items():
            if candidate.is_open:
                candidate.version = version_of(incident_id)
                remember(incident_id, candidate, keys[incident_id], recorded_at)
