"""Coverage of the city by active grids: the gaps nobody owns, and grids outside the city."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import shapely
from shapely.geometry.base import BaseGeometry

from dispatch.territory.geometry import M2_PER_DEG2, Rings, polygon
from dispatch.territory.view import TerritoryView

MIN_GAP_M2 = 1.0   # below this a gap is rounding in the drawing, not unowned ground


@dataclass(frozen=True, slots=True)
class Gap:
    day: date
    area_m2: float
    point: tuple[float, float]      # a point inside the gap, to go and look
    bounds: tuple[float, float, float, float]


def covered(view: TerritoryView, day: date) -> BaseGeometry:
    shapes = [polygon(rings) for grid in view.active_grids(day)
              for start, end, rings in grid.boundary_spans()
              if start <= day and (end is None or day < end)]
    return shapely.union_all(shapes) if shapes else shapely.Polygon()


def gaps(view: TerritoryView, day: date, city: Rings | None) -> list[Gap]:
    """Ground in the city boundary no active grid covers on `day`. Without a city
    boundary, the holes enclosed by the grids are the only gaps that can be seen."""
    union = covered(view, day)
    if city is not None:
        missing = polygon(city).difference(union)
    else:
        parts = getattr(union, "geoms", [union])
        missing = shapely.union_all([shapely.Polygon(hole) for part in parts
                                     for hole in getattr(part, "interiors", [])])
    return [_gap(day, part) for part in getattr(missing, "geoms", [missing])
            if not part.is_empty and part.area * M2_PER_DEG2 >= MIN_GAP_M2]


def outside_city(view: TerritoryView, day: date, city: Rings) -> list[tuple[str, float]]:
    """Active grids reaching beyond the city boundary, with the m² outside."""
    town = polygon(city)
    found = []
    for grid in view.active_grids(day):
        for start, end, rings in grid.boundary_spans():
            if start <= day and (end is None or day < end):
                area = polygon(rings).difference(town).area * M2_PER_DEG2
                if area >= MIN_GAP_M2:
                    found.append((grid.code, area))
    return found


def change_days(view: TerritoryView, since: date) -> list[date]:
    """`since` and every later day on which the set of active boundaries changes."""
    days = {since}
    for grid in view.grids.values():
        for start, end, _ in grid.boundary_spans():
            days.update(d for d in (start, end) if d is not None and d > since)
    return sorted(days)


def _gap(day: date, part: BaseGeometry) -> Gap:
    inside = part.representative_point()
    return Gap(day, part.area * M2_PER_DEG2, (round(inside.x, 6), round(inside.y, 6)),
               tuple(round(b, 6) for b in part.bounds))
