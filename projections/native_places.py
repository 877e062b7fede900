"""The duplicate index's places, kept natively (native/src/places.rs): what
projections/place_index.py does, with the same keys and the same answers (the tests hold
the two equal, on any history hypothesis makes), and the lookup done in Rust. In Python a
lookup was a few µs of tuples and dict probes for 0.3 candidates on average, a route
step's largest single part (benchmarks/JOURNAL.md, session 25).

It keeps what it needs of each filed incident (category, report time in UTC microseconds,
point, address, grid); the candidates themselves stay in the Python index, which hands
them in as `file` is called and tells it of each `remove`. A naive report time counts as
UTC (reports carry their offset: the contract refuses one without), where Python would
compare it with the aware ones by raising TypeError; and times compare by their instant,
where Python compares two of one zone object by the wall clock (apart only across that
zone's autumn fold; reports' times have fixed offsets).
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

from policies.duplicates import DuplicateRules
from projections.place_index import PlaceIndex, Point, grid_is_place

try:
    from grid_dispatch_native import PlaceTable
except ImportError:  # not built: `make` builds it with the virtual environment
    PlaceTable = None


def place_index(rules: DuplicateRules) -> PlaceIndex | NativePlaceIndex:
    """The native index when it is built, else the Python one."""
    return NativePlaceIndex(rules) if PlaceTable is not None else PlaceIndex(rules)


class NativePlaceIndex:
    def __init__(self, rules: DuplicateRules, by_grid: Callable[[str], bool] | None = None):
        if PlaceTable is None:
            raise RuntimeError("grid_dispatch_native is not built (`make` builds it: native/)")
        self.rules = rules
        self._table = PlaceTable(rules.radius_m)
        self._by_grid = by_grid or grid_is_place(rules)

    def fresh(self) -> NativePlaceIndex:
        """An empty index by the same rules (a route batch's own)."""
        return NativePlaceIndex(self.rules, self._by_grid)

    def spread_tables(self) -> None:
        """Nothing to spread: its table is not the collector's to walk."""

    def file(self, incident_id: str, place: Any, keys: list[tuple] | None = None) -> None:
        """As `PlaceIndex.file` (`keys` is the Python index's, of no use here)."""
        self._table.file(incident_id, place.category, place.reported_at, place.point,
                         place.address, place.grid, self._by_grid(place.category))

    def filed_keys(self, incident_id: str) -> None:
        return None

    def remove(self, incident_id: str) -> None:
        self._table.remove(incident_id)

    def lookup_of(self, category: str, point: Point | None, address: str | None,
                  grid: str | None) -> None:
        return None   # the table works its keys out itself, faster than handing them over

    def earliest(self, candidates: Mapping[str, Any], incident_id: str, category: str,
                 reported_at: datetime, window: timedelta, point: Point | None,
                 address: str | None, grid: str | None, skip: Collection[str] = (),
                 lookup: None = None) -> tuple[datetime, str] | None:
        """As `PlaceIndex.earliest`."""
        by_grid = self._by_grid(category)
        while True:
            found = self._table.earliest(incident_id, category, reported_at, window, point,
                                         address, grid, by_grid, skip or None)
            if found is None:
                return None
            candidate = candidates.get(found)
            if (candidate is not None and candidate.is_open and candidate.category == category
                    and reported_at - window <= candidate.reported_at <= reported_at):
                return candidate.reported_at, found
            # Out of step with the candidates (not known, closed and not taken out, or
            # changed and not filed again): the Python index passes over such an entry on
            # every lookup; this one drops it.
            self._table.remove(found)

    @property
    def buckets(self) -> dict[tuple, list[str]]:
        """Place key -> the incidents filed there, keyed as `PlaceIndex.buckets` (a copy)."""
        return self._table.buckets()

    def __len__(self) -> int:
        return len(self._table)
