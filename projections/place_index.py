"""Open incidents filed under the keys of their place, for the duplicate index
(projections/duplicate_candidates.py): by address, by grid where the category's rule says
a grid is a place, and by the cell of a reported point (projections/geo_cells.py: cells
at least the radius wide). A lookup reads the report's own keys and, for a point, its cell
and the neighbours, so that every incident within the radius is among those it reads; the
exact test (`same_place`) then keeps those that really are at the same place.
"""
from __future__ import annotations

from typing import Any

from policies.duplicates import DuplicateRules
from projections.geo_cells import cell_of, cells_near, metres_between
from projections.incident_table import IncidentTable

Point = tuple[float, float]


class PlaceIndex:
    def __init__(self, rules: DuplicateRules):
        self.rules = rules
        self._grid_is_place: dict[str, bool] = {}   # by category, worked out once
        # place key -> the incidents there (a dict for an ordered set)
        self.buckets: dict[tuple, dict[str, None]] = {}
        self._keys_of: dict[str, list[tuple]] = {}        # incident -> its buckets' keys

    def spread_tables(self) -> None:
        self._keys_of = IncidentTable(self._keys_of)

    def file(self, incident_id: str, place: Any) -> None:
        """File the incident under the keys of its place as it stands now (and only them);
        `place` has its `category`, `point`, `address` and `grid` (a duplicate candidate)."""
        self.file_under(incident_id, self.keys_of(place.category, place.point, place.address,
                                                  place.grid))

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

    def same_place(self, other: Any, category: str, point: Point | None, address: str | None,
                   grid: str | None) -> bool:
        """Whether `other` (with `point`, `address`, `grid`) is at this place."""
        if address and other.address == address:
            return True
        if grid and other.grid == grid and self._by_grid(category):
            return True
        return bool(point and other.point
                    and metres_between(point, other.point) <= self.rules.radius_m)

    def _by_grid(self, category: str) -> bool:
        """Whether the category's rule counts the same grid as the same place."""
        try:
            return self._grid_is_place[category]
        except KeyError:
            answer = self._grid_is_place[category] = self.rules.by_grid(category)
            return answer

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
