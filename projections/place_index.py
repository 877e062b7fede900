"""Open incidents filed under the keys of their place, for the duplicate index
(projections/duplicate_candidates.py): by address, by grid where the category's rule says
a grid is a place, and by the cell of a reported point (projections/geo_cells.py: cells
at least the radius wide). A lookup reads the report's own keys and, for a point, its cell
and the neighbours, so that every incident within the radius is among those it reads; the
exact test (`same_place`) then keeps those that really are at the same place.

The reference: projections/native_places.py answers the same natively (the tests hold the
two equal), and the duplicate index takes that one when it is built.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

from policies.duplicates import DuplicateRules
from projections.geo_cells import cell_of, cells_near, metres_between
from projections.incident_table import IncidentTable

Point = tuple[float, float]


class PlaceIndex:
    def __init__(self, rules: DuplicateRules, by_grid: Callable[[str], bool] | None = None):
        self.rules = rules
        self._by_grid = by_grid or grid_is_place(rules)
        # place key -> the incidents there (a dict for an ordered set)
        self.buckets: dict[tuple, dict[str, None]] = {}
        self._keys_of: dict[str, list[tuple]] = {}        # incident -> its buckets' keys

    def fresh(self) -> PlaceIndex:
        """An empty index by the same rules (a route batch's own)."""
        return PlaceIndex(self.rules, self._by_grid)

    def spread_tables(self) -> None:
        self._keys_of = IncidentTable(self._keys_of)

    def __len__(self) -> int:
        return len(self._keys_of)

    def file(self, incident_id: str, place: Any, keys: list[tuple] | None = None) -> None:
        """File the incident under the keys of its place as it stands now (and only them);
        `place` has its `category`, `reported_at`, `point`, `address` and `grid` (a
        duplicate candidate). `keys`: `filed_keys` of another index's filing of it."""
        self.file_under(incident_id, keys if keys is not None else self.keys_of(
            place.category, place.point, place.address, place.grid))

    def filed_keys(self, incident_id: str) -> list[tuple] | None:
        """The keys it is filed under, worked out once, for another index to take."""
        return self._keys_of.get(incident_id)

    def keys_of(self, category: str, point: Point | None, address: str | None,
                grid: str | None) -> list[tuple]:
        """The keys an incident at this place is filed under."""
        return self._keys(category, point, address, grid, near=False)

    def file_under(self, incident_id: str, keys: list[tuple]) -> None:
        """File the incident under these keys (`keys_of` its place), and only them."""
        if self._keys_of.get(incident_id) == keys:
            return
        self.remove(incident_id)
        self._keys_of[incident_id] = keys
        buckets = self.buckets
        for key in keys:
            bucket = buckets.get(key)
            if bucket is None:
                buckets[key] = {incident_id: None}
            else:
                bucket[incident_id] = None

    def remove(self, incident_id: str) -> None:
        buckets = self.buckets
        for key in self._keys_of.pop(incident_id, ()):
            bucket = buckets.get(key)
            if bucket is not None:
                bucket.pop(incident_id, None)
                if not bucket:
                    del buckets[key]

    def keys_near(self, category: str, point: Point | None, address: str | None,
                  grid: str | None) -> list[tuple]:
        """The keys under which an incident at the same place as this one is filed (and a
        few more: `same_place` tells)."""
        return self._keys(category, point, address, grid, near=True)

    lookup_of = keys_near   # what a lookup at a place reads, worked out once for several

    def earliest(self, candidates: Mapping[str, Any], incident_id: str, category: str,
                 reported_at: datetime, window: timedelta, point: Point | None,
                 address: str | None, grid: str | None, skip: Collection[str] = (),
                 lookup: list[tuple] | None = None) -> tuple[datetime, str] | None:
        """(reported at, id) of the earliest open incident filed here (as it stands in
        `candidates`) that this report repeats within `window`, leaving out those in
        `skip`; or None. `lookup`: `lookup_of` the place, when worked out already."""
        earliest, best = reported_at - window, None
        buckets = self.buckets
        for key in lookup if lookup is not None else self.keys_near(category, point, address,
                                                                    grid):
            for other_id in buckets.get(key, ()):
                other = candidates.get(other_id)
                if (other is None or not other.is_open or other_id == incident_id
                        or other.category != category
                        or not earliest <= other.reported_at <= reported_at
                        or other_id in skip
                        or not self.same_place(other, category, point, address, grid)):
                    continue
                if best is None or (other.reported_at, other_id) < best:
                    best = (other.reported_at, other_id)
        return best

    def same_place(self, other: Any, category: str, point: Point | None, address: str | None,
                   grid: str | None) -> bool:
        """Whether `other` (with `point`, `address`, `grid`) is at this place."""
        if address and other.address == address:
            return True
        if grid and other.grid == grid and self._by_grid(category):
            return True
        return bool(point and other.point
                    and metres_between(point, other.point) <= self.rules.radius_m)

    def _keys(self, category: str, point: Point | None, address: str | None,
              grid: str | None, near: bool) -> list[tuple]:
        keys = [("address", category, address)] if address else []
        if grid and self._by_grid(category):
            keys.append(("grid", category, grid))
        if point:
            radius = self.rules.radius_m
            keys += [(category, *cell) for cell in
                     (cells_near(point, radius) if near else [cell_of(point, radius)])]
        return keys


def grid_is_place(rules: DuplicateRules) -> Callable[[str], bool]:
    """Whether a category's rule counts the same grid as the same place (`rules.by_grid`),
    worked out once a category."""
    known: dict[str, bool] = {}

    def by_grid(category: str) -> bool:
        answer = known.get(category)
        if answer is None:
            answer = known[category] = rules.by_grid(category)
        return answer
    return by_grid
