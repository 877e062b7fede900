"""Open incidents a new report could repeat: by category and place, within a time window.

A view like the others (published incident events in, each incident's events applied once
by version), which the route step also asks and tells: `original_of` finds the earliest
open incident a new report repeats (policies/duplicates.py says what "repeats" means), and
`remember` takes the incidents the step has just recorded, before their events come back
round the stream. Every entry point holds the index's lock, for callers on other threads
than the worker's event loop (where its steps and its feeds run). An incident is kept for
the longest window after it was recorded (its events' recording time, not the report's):
each addition lets go of those recorded before that (a heap by recording time), and an
incident leaves its buckets when it closes, so no step ever re-indexes the window. (Sweeps that rebuilt the index
took 35 ms at 16,384 incidents kept and 270-320 ms at 32,768, in the route step, and made
the garbage collector walk it all again.)
"""
from __future__ import annotations

import heapq
import threading
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from policies.duplicates import DuplicateRules
from projections.incident_table import IncidentTable
from projections.place_index import PlaceIndex
from projections.open_incidents import CLOSING_EVENTS

CLOSING = CLOSING_EVENTS


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


class DuplicateCandidates:
    name = "duplicate_candidates"

    def __init__(self, rules: DuplicateRules | None = None):
        self.rules = rules or DuplicateRules.load()
        self.incidents: dict[str, Candidate] = {}
        self.places = PlaceIndex(self.rules)
        self._by_recording: list[tuple[datetime, str]] = []   # a heap: who leaves next
        self._newest: datetime | None = None
        self._lock = threading.RLock()
        self._windows: dict[str, timedelta | None] = {}   # by category, worked out once
        self._longest_window = self.rules.longest_window  # (the rules are frozen)

    # -- fed by events ------------------------------------------------------------------
    def apply(self, events: Iterable[dict[str, Any]]) -> None:
        with self._lock:
            self._apply(events)

    def _apply(self, events: Iterable[dict[str, Any]]) -> None:
        for event in events:
            kind = event["type"]
            if kind not in MOVES_THE_INDEX:
                continue
            incident_id = event["incident_id"]
            known = self.incidents.get(incident_id)
            if known is not None and event["version"] <= known.version:
                continue
            if kind == "Reported":
                at = _time(event["reported_at"])
                point = point_of(event.get("location") or {})
                recorded = event.get("recorded_at")
                self._add(incident_id, Candidate(event["version"], event["category"], at, point),
                          _time(recorded) if recorded else at)
                continue
            if known is None:
                continue  # its report is older than the kept window
            known.version = event["version"]
            if kind == "Located":
                place = event["place"]
                known.address, known.grid = place.get("address"), place.get("grid")
                if known.is_open:   # a closed one stays out of the buckets
                    self.places.file(incident_id, known)
            elif kind == "Reclassified":
                known.category = event["category"]
                if known.is_open:
                    self.places.file(incident_id, known)
            else:
                known.is_open = False
                self.places.remove(incident_id)

    def remember(self, incident_id: str, version: int, category: str, reported_at: datetime,
                 point: tuple[float, float] | None, address: str | None, grid: str | None,
                 recorded_at: datetime | None = None) -> None:
        """An incident just recorded and still open (its events up to `version` are known)."""
        candidate = Candidate(version, category, reported_at, point, address, grid)
        with self._lock:
            known = self.incidents.get(incident_id)
            if known is not None and known.version >= version:
                return  # the stream was quicker: what it brought is as new or newer
            self._add(incident_id, candidate, recorded_at or reported_at)
            if self.incidents.get(incident_id) is candidate:   # not older than the window
                self.places.file(incident_id, candidate)

    def forget(self, incident_id: str) -> None:
        """Found closed when it was to take a duplicate (its closing event is on its way)."""
        with self._lock:
            if incident_id in self.incidents:
                self.incidents[incident_id].is_open = False
                self.places.remove(incident_id)

    # -- asked by the route step --------------------------------------------------------
    def original_of(self, incident_id: str, category: str, reported_at: datetime,
                    point: tuple[float, float] | None, address: str | None,
                    grid: str | None, skip: Collection[str] = ()) -> str | None:
        """The earliest open incident this report repeats, or None."""
        found = self.earliest_of(incident_id, category, reported_at, point, address, grid, skip)
        return found[1] if found else None

    def earliest_of(self, incident_id: str, category: str, reported_at: datetime,
                    point: tuple[float, float] | None, address: str | None,
                    grid: str | None, skip: Collection[str] = ()) -> tuple[datetime, str] | None:
        """(reported at, id) of the earliest open incident this report repeats, leaving out
        those in `skip`; or None."""
        window = self._window(category)
        if window is None:
            return None
        earliest, best = reported_at - window, None
        with self._lock:
            for other_id in self.places.nearby(category, point, address, grid):
                other = self.incidents.get(other_id)
                if (other is None or not other.is_open or other_id == incident_id
                        or other.category != category
                        or not earliest <= other.reported_at <= reported_at
                        or other_id in skip
                        or not self.places.same_place(other, category, point, address,
                                                      grid)):
                    continue
                if best is None or (other.reported_at, other_id) < best:
                    best = (other.reported_at, other_id)
        return best

    def state(self) -> dict[str, Candidate]:
        """The incidents recorded within the longest window before the latest recording,
        open or closed."""
        with self._lock:
            return dict(self.incidents)

    def spread_tables(self) -> None:
        """Its tables by incident spread over shards (projections/incident_table.py)."""
        with self._lock:
            self.incidents = IncidentTable(self.incidents)
            self.places.spread_tables()

    # -- inside -------------------------------------------------------------------------
    def _add(self, incident_id: str, candidate: Candidate, recorded_at: datetime) -> None:
        candidate.recorded_at = recorded_at
        heapq.heappush(self._by_recording, (recorded_at, incident_id))
        self.incidents[incident_id] = candidate
        # The store's clock, not the reports': a report dated ahead (a device's clock) must
        # not push the open incidents of today out of the window.
        if self._newest is None or recorded_at > self._newest:
            self._newest = recorded_at
        self._let_go_of_older()   # a look at the heap's top, mostly

    def _let_go_of_older(self) -> None:
        oldest = self._newest - self._longest_window
        heap, incidents = self._by_recording, self.incidents
        while heap and heap[0][0] < oldest:
            _, incident_id = heapq.heappop(heap)
            candidate = incidents.get(incident_id)   # added again since: a later entry too
            if candidate is not None and candidate.recorded_at < oldest:
                del incidents[incident_id]
                self.places.remove(incident_id)

    def _window(self, category: str) -> timedelta | None:
        try:
            return self._windows[category]
        except KeyError:
            window = self._windows[category] = self.rules.window_for(category)
            return window


def point_of(location: dict[str, Any]) -> tuple[float, float] | None:
    """The reported GPS point (lat, lon) of an ingress location, if it has one."""
    return (location["lat"], location["lon"]) if "lat" in location else None


def _time(value: datetime | str) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


MOVES_THE_INDEX = frozenset({"Reported", "Located", "Reclassified", *CLOSING})
