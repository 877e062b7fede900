"""A route batch's own new incidents, for the repeats among them: what the shared duplicate
index (projections/duplicate_candidates.py) answers for the stored ones, and by the same
rules, for the few hundred incidents of one transaction.

So it keeps none of the shared index's machinery: no window to let incidents go by (a batch
is recorded at one time), no lock (one step owns it), no tables to spread: only a place
index of the shared one's kind (`places.fresh()`). Each incident's place keys are worked out
once, when it is remembered, and handed over with it to the shared index once the batch is
stored (`hand_over`), which files it under them as they are (the Python index; the native
one works them out again faster than they could be handed over). A `DuplicateCandidates`
of its own for each batch cost about twice as much (the route step alone: remembering each
new incident twice, each time working out its keys).
"""
from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime

from projections.duplicate_candidates import DuplicateCandidates
from projections.duplicate_window import Candidate


class BatchCandidates:
    def __init__(self, shared: DuplicateCandidates):
        self.shared, self.places = shared, shared.places.fresh()
        self.incidents: dict[str, Candidate] = {}

    def remember(self, incident_id: str, version: int, category: str, reported_at: datetime,
                 point: tuple[float, float] | None, address: str | None,
                 grid: str | None) -> None:
        """A new incident of the batch, still open."""
        candidate = self.incidents[incident_id] = Candidate(version, category, reported_at,
                                                            point, address, grid)
        self.places.file(incident_id, candidate)

    def forget(self, incident_id: str) -> None:
        if incident_id in self.incidents:
            self.incidents[incident_id].is_open = False
            self.places.remove(incident_id)

    def earliest_of(self, incident_id: str, category: str, reported_at: datetime,
                    point: tuple[float, float] | None, address: str | None,
                    grid: str | None, skip: Collection[str] = (),
                    lookup: list[tuple] | None = None) -> tuple[datetime, str] | None:
        """As `DuplicateCandidates.earliest_of`, among the batch's incidents."""
        if not self.incidents:
            return None
        window = self.shared.window_for(category)
        if window is None:
            return None
        return self.places.earliest(self.incidents, incident_id, category, reported_at, window,
                                    point, address, grid, skip, lookup)

    def hand_over(self, version_of: Callable[[str], int], recorded_at: datetime) -> None:
        """The batch is stored: the shared index takes its open incidents, each at its
        version now (`version_of`: a repeat merged into it in the batch adds one)."""
        remember, keys_of = self.shared.remember_filed, self.places.filed_keys
        for incident_id, candidate in self.incidents.items():
            if candidate.is_open:
                candidate.version = version_of(incident_id)
                remember(incident_id, candidate, recorded_at, keys_of(incident_id))
