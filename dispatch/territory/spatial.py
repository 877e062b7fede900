"""Point → grid by point-in-polygon over an STRtree of every dated boundary.

One tree holds every (grid, boundary, period) span, so a lookup on any day, past or
future, uses the same index; the period filter runs only on the few tree hits.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import shapely
from shapely import STRtree

from dispatch.territory.geometry import polygon
from dispatch.territory.grid import Grid


class GridIndex:
    def __init__(self, grids: Iterable[Grid]):
        self._spans: list[tuple[str, date, date | None]] = []
        shapes = []
        for grid in grids:
            for start, end, rings in grid.boundary_spans():
                self._spans.append((grid.code, start, end))
                shapes.append(polygon(rings))
        self._shapes = shapes
        self._tree = STRtree(shapes)
        shapely.prepare(shapes)

    def __len__(self) -> int:
        return len(self._spans)

    def locate(self, lon: float, lat: float, day: date) -> str | None:
        """The active grid covering the point on `day`, or None.

        A point exactly on a shared edge is covered by both neighbours; the one whose
        interior holds it wins, then the lowest grid code, so the answer is stable."""
        hits = []
        # The predicate runs inside GEOS on prepared polygons: one call per lookup.
        for index in self._tree.query(shapely.Point(lon, lat), predicate="intersects"):
            code, start, end = self._spans[index]
            if start <= day and (end is None or day < end):
                hits.append((index, code))
        if len(hits) > 1:
            inside = [(i, c) for i, c in hits if shapely.contains_xy(self._shapes[i], lon, lat)]
            hits = inside or hits
        return min((code for _, code in hits), default=None)
