"""The incidents the duplicate index keeps, and what it keeps of each (a `Candidate`).

An incident is kept for the longest window after it was recorded (its events' recording
time, not the report's): each addition lets go of those recorded before that (a heap by
recording time), so no step ever re-indexes the window. (Sweeps that rebuilt the index
took 35 ms at 16,384 incidents kept and 270-320 ms at 32,768, in the route step, and made
the garbage collector walk it all again.) Apart from the index
(projections/duplicate_candidates.py), which asks and feeds it under its lock: how long an
incident stays is a question of its own, answered the same for the route step's incidents
and the stream's.
"""
from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from projections.incident_table import IncidentTable


@dataclass(slots=True)
class Candidate:
    version: int = field(compare=False)    # the last event applied that moves this index
    category: str
    reported_at: datetime
    point: tuple[float, float] | None      # (lat, lon) as reported
    address: str | None = None             # as located
    grid: str | None = None
    is_open: bool = True
    recorded_at: datetime | None = field(default=None, compare=False)   # kept from then on


class KeptCandidates:
    def __init__(self, longest_window: timedelta, let_go: Callable[[str], None]):
        self.incidents: dict[str, Candidate] = {}
        self._by_recording: list[tuple[datetime, str]] = []   # a heap: who leaves next
        self._newest: datetime | None = None
        self._longest_window = longest_window
        self._let_go = let_go   # told of each incident let go (the place index's `remove`)

    def add(self, incident_id: str, candidate: Candidate, recorded_at: datetime) -> None:
        candidate.recorded_at = recorded_at
        heapq.heappush(self._by_recording, (recorded_at, incident_id))
        self.incidents[incident_id] = candidate
        # The store's clock, not the reports': a report dated ahead (a device's clock) must
        # not push the open incidents of today out of the window.
        if self._newest is None or recorded_at > self._newest:
            self._newest = recorded_at
        self._let_go_of_older()   # a look at the heap's top, mostly

    def spread_tables(self) -> None:
        """Its table by incident spread over shards (projections/incident_table.py)."""
        self.incidents = IncidentTable(self.incidents)

    def adopt(self, kept: list[tuple[Candidate, str]], newest: datetime | None) -> None:
        """Hold these candidates (a native replay's: projections/native_replay.py) and
        nothing else; `newest` is the latest recording time seen."""
        self.incidents = {incident_id: candidate for candidate, incident_id in kept}
        self._by_recording = [(candidate.recorded_at, incident_id) for candidate, incident_id in kept]
        heapq.heapify(self._by_recording)
        self._newest = newest

    def _let_go_of_older(self) -> None:
        oldest = self._newest - self._longest_window
        heap, incidents = self._by_recording, self.incidents
        while heap and heap[0][0] < oldest:
            _, incident_id = heapq.heappop(heap)
            candidate = incidents.get(incident_id)   # added again since: a later entry too
            if candidate is not None and candidate.recorded_at < oldest:
                del incidents[incident_id]
                self._let_go(incident_id)
