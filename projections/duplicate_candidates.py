"""Open incidents a new report could repeat: by category and place, within a time window.

A view like the others (published incident events in, each incident's events applied once
by version), which the route step also asks and tells: `original_of` finds the earliest
open incident a new report repeats (policies/duplicates.py says what "repeats" means), and
`remember` takes the incidents the step has just recorded, before their events come back
round the stream. The worker's route step runs in a thread beside the projector, so every
entry point holds the index's lock. Only the longest window is kept: older incidents are dropped in sweeps
(`state` shows the kept window the same whichever moment the last sweep ran).
"""
from __future__ import annotations

import threading
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from policies.duplicates import DuplicateRules
from projections.geo_cells import cell_of, cells_near, metres_between
from projections.open_incidents import CLOSING_EVENTS

CLOSING = CLOSING_EVENTS
SWEEP_EVERY = 4096  # additions between sweeps, at least (and at least as many as were kept)


@dataclass(slots=True)
class Candidate:
    version: int = field(compare=False)    # the last event applied that moves this index
    category: str
    reported_at: datetime
    point: tuple[float, float] | None      # (lat, lon) as reported
    address: str | None = None             # as located
    grid: str | None = None
    is_open: bool = True


class DuplicateCandidates:
    name = "duplicate_candidates"

    def __init__(self, rules: DuplicateRules | None = None):
        self.rules = rules or DuplicateRules.load()
        self.incidents: dict[str, Candidate] = {}
        self._buckets: dict[tuple, list[str]] = {}
        self._newest: datetime | None = None
        self._added = 0
        self._sweep_after = SWEEP_EVERY
        self._lock = threading.RLock()
        self._by_category: dict[str, tuple[timedelta | None, bool]] = {}  # window, by grid

    # -- fed by events ------------------------------------------------------------------
    def apply(self, events: Iterable[dict[str, Any]]) -> None:
        with self._lock:
            self._apply(events)

    def _apply(self, events: Iterable[dict[str, Any]]) -> None:
        for event in events:
            kind = event["type"]
            if kind not in _MOVES:
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
                self._index(incident_id, known)
            elif kind == "Reclassified":
                known.category = event["category"]
                self._index(incident_id, known)
            else:
                known.is_open = False

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
            self._index(incident_id, candidate)

    def forget(self, incident_id: str) -> None:
        """Found closed when it was to take a duplicate (its closing event is on its way)."""
        with self._lock:
            if incident_id in self.incidents:
                self.incidents[incident_id].is_open = False

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
        window = self._rule(category)[0]
        if window is None:
            return None
        earliest, best = reported_at - window, None
        with self._lock:
            for other_id in self._nearby(category, point, address, grid):
                other = self.incidents.get(other_id)
                if (other is None or not other.is_open or other_id == incident_id
                        or other.category != category
                        or not earliest <= other.reported_at <= reported_at
                        or other_id in skip
                        or not self._same_place(other, category, point, address, grid)):
                    continue
                if best is None or (other.reported_at, other_id) < best:
                    best = (other.reported_at, other_id)
        return best

    def state(self) -> dict[str, Candidate]:
        """The incidents reported within the longest window before the latest recording
        (comparable, whenever the last sweep ran)."""
        with self._lock:
            if self._newest is None:
                return {}
            oldest = self._newest - self.rules.longest_window
            return {i: c for i, c in self.incidents.items() if c.reported_at >= oldest}

    # -- inside -------------------------------------------------------------------------
    def _add(self, incident_id: str, candidate: Candidate, recorded_at: datetime) -> None:
        self.incidents[incident_id] = candidate
        # The store's clock, not the reports': a report dated ahead (a device's clock) must
        # not sweep away the open incidents of today.
        if self._newest is None or recorded_at > self._newest:
            self._newest = recorded_at
        self._added += 1
        if self._added >= self._sweep_after:
            self._sweep()

    def _rule(self, category: str) -> tuple[timedelta | None, bool]:
        """The category's window and whether its grid is a place (worked out once)."""
        rule = self._by_category.get(category)
        if rule is None:
            rule = self._by_category[category] = (self.rules.window_for(category),
                                                  self.rules.by_grid(category))
        return rule

    def _index(self, incident_id: str, c: Candidate) -> None:
        buckets = self._buckets
        for key in self._keys(c.category, c.point, c.address, c.grid, near=False):
            bucket = buckets.get(key)
            if bucket is None:
                buckets[key] = [incident_id]
            else:
                bucket.append(incident_id)

    def _nearby(self, category, point, address, grid) -> Iterator[str]:
        buckets = self._buckets
        for key in self._keys(category, point, address, grid, near=True):
            yield from buckets.get(key, ())

    def _keys(self, category, point, address, grid, near: bool) -> list[tuple]:
        keys = [("address", category, address)] if address else []
        if grid and self._rule(category)[1]:
            keys.append(("grid", category, grid))
        if point:
            radius = self.rules.radius_m
            keys += [(category, *cell) for cell in
                     (cells_near(point, radius) if near else [cell_of(point, radius)])]
        return keys

    def _same_place(self, other: Candidate, category, point, address, grid) -> bool:
        if address and other.address == address:
            return True
        if grid and other.grid == grid and self._rule(category)[1]:
            return True
        return bool(point and other.point
                    and metres_between(point, other.point) <= self.rules.radius_m)

    def _sweep(self) -> None:
        kept = self.state()
        # A sweep re-indexes all it keeps: the next waits for as many additions, so each
        # costs its share once (with a busy window and a fixed count, a route step re-indexed
        # a few dozen incidents for every one it added).
        self._added, self._sweep_after = 0, max(SWEEP_EVERY, len(kept))
        self.incidents, self._buckets = kept, {}
        for incident_id, candidate in kept.items():
            if candidate.is_open:
                self._index(incident_id, candidate)


def point_of(location: dict[str, Any]) -> tuple[float, float] | None:
    """The reported GPS point (lat, lon) of an ingress location, if it has one."""
    return (location["lat"], location["lon"]) if "lat" in location else None


def _time(value: datetime | str) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


_MOVES = frozenset({"Reported", "Located", "Reclassified", *CLOSING})
