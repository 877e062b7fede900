"""Open incidents a new report could repeat: by category and place, within a time window.

A view like the others (published incident events in, each incident's events applied once
by version: projections/duplicate_feed.py), which the route step also asks and tells:
`original_of` finds the earliest open incident a new report repeats (policies/duplicates.py
says what "repeats" means), and `remember` takes the incidents the step has just recorded,
before their events come back round the stream. Every entry point holds the index's lock,
for callers on other threads than the worker's event loop (where its steps and its feeds
run). Which incidents it keeps, and for how long: projections/duplicate_window.py; where
they are filed by place: projections/place_index.py (natively, when built:
projections/native_places.py).
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable
from datetime import datetime, timedelta
from typing import Any

from policies.duplicates import DuplicateRules
from projections.duplicate_feed import apply_events
from projections.duplicate_window import Candidate, KeptCandidates
from projections.handed_over_table import collector_paused
from projections.native_places import place_index


class DuplicateCandidates:
    name = "duplicate_candidates"

    def __init__(self, rules: DuplicateRules | None = None):
        self.rules = rules or DuplicateRules.load()
        self.places = place_index(self.rules)
        self.kept = KeptCandidates(self.rules.longest_window,   # (the rules are frozen)
                                   self.places.remove)
        self._lock = threading.RLock()
        self._windows: dict[str, timedelta | None] = {}   # by category, worked out once
        self._handed: Callable[[], tuple[list, datetime | None]] | None = None

    @property
    def incidents(self) -> dict[str, Candidate]:
        """The incidents kept (projections/duplicate_window.py), open or closed, by id."""
        self._take_handed_over()
        return self.kept.incidents

    def adopt(self, take: Callable[[], tuple[list, datetime | None]]) -> None:
        """Take a native replay's kept incidents (projections/native_replay.py) when first
        asked: `take()` gives (incident id, Candidate, filed under its place) in the order
        they were added, and the newest recording time."""
        self._handed = take

    def _take_handed_over(self) -> None:
        if self._handed is not None:
            with self._lock:
                take, self._handed = self._handed, None
                if take is not None:
                    with collector_paused():
                        kept, newest = take()
                        self.kept.adopt([(candidate, incident_id)
                                         for incident_id, candidate, _ in kept], newest)
                        for incident_id, candidate, filed in kept:
                            if filed:
                                self.places.file(incident_id, candidate)

    # -- fed by events ------------------------------------------------------------------
    def apply(self, events: Iterable[dict[str, Any]]) -> None:
        self._take_handed_over()
        with self._lock:
            apply_events(events, self.kept, self.places)

    def remember(self, incident_id: str, version: int, category: str, reported_at: datetime,
                 point: tuple[float, float] | None, address: str | None, grid: str | None,
                 recorded_at: datetime | None = None) -> None:
        """An incident just recorded and still open (its events up to `version` are known)."""
        self.remember_filed(incident_id, Candidate(version, category, reported_at, point,
                                                   address, grid),
                            recorded_at or reported_at)

    def remember_filed(self, incident_id: str, candidate: Candidate, recorded_at: datetime,
                       keys: list[tuple] | None = None) -> None:
        """As `remember`, for a candidate made already: a batch's new incidents, handed over
        once stored (projections/batch_candidates.py), with the keys of its place if the
        batch's index worked them out (`places.filed_keys`). The index keeps the candidate
        itself."""
        self._take_handed_over()
        with self._lock:
            kept = self.kept
            known = kept.incidents.get(incident_id)
            if known is not None and known.version >= candidate.version:
                return  # the stream was quicker: what it brought is as new or newer
            kept.add(incident_id, candidate, recorded_at)
            if kept.incidents.get(incident_id) is candidate:   # not older than the window
                self.places.file(incident_id, candidate, keys)

    def forget(self, incident_id: str) -> None:
        """Found closed when it was to take a duplicate (its closing event is on its way)."""
        self._take_handed_over()
        with self._lock:
            if incident_id in self.kept.incidents:
                self.kept.incidents[incident_id].is_open = False
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
                    grid: str | None, skip: Collection[str] = (),
                    lookup: list[tuple] | None = None) -> tuple[datetime, str] | None:
        """(reported at, id) of the earliest open incident this report repeats, leaving out
        those in `skip`; or None. `lookup`: `places.lookup_of` the place, when worked out."""
        self._take_handed_over()
        window = self.window_for(category)
        if window is None:
            return None
        with self._lock:
            return self.places.earliest(self.kept.incidents, incident_id, category,
                                        reported_at, window, point, address, grid, skip,
                                        lookup)

    def state(self) -> dict[str, Candidate]:
        """The incidents recorded within the longest window before the latest recording,
        open or closed."""
        self._take_handed_over()
        with self._lock:
            return dict(self.kept.incidents)

    def spread_tables(self) -> None:
        """Its tables by incident spread over shards (projections/incident_table.py)."""
        self._take_handed_over()
        with self._lock:
            self.kept.spread_tables()
            self.places.spread_tables()

    def window_for(self, category: str) -> timedelta | None:
        """How long before a report an incident it repeats may have been reported (None:
        the category has no repeats)."""
        try:
            return self._windows[category]
        except KeyError:
            window = self._windows[category] = self.rules.window_for(category)
            return window

