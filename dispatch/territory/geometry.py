"""Boundaries as plain rings of (lon, lat), and their shapely polygons.

Events carry plain nested lists (JSON), the aggregates keep tuples, and shapely objects
are made on demand and cached, so nothing unserialisable ever enters an event.
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import shapely
from shapely.geometry import Polygon

from dispatch.territory.errors import InvalidTerritoryValue

Rings = tuple[tuple[tuple[float, float], ...], ...]
# Shared edges of neighbouring grids are drawn twice; an overlap under about one square
# metre (in degrees² at the city's latitude) is drawing noise, not a jurisdiction conflict.
OVERLAP_TOLERANCE_DEG2 = 1e-10
M2_PER_DEG2 = 111_320.0 * 95_000.0  # metres per degree of lat × of lon near 31°N


def as_rings(boundary: Sequence[Sequence[Sequence[float]]]) -> Rings:
    """Outer ring first, then holes; each a closed or open list of [lon, lat]."""
    return tuple(tuple((float(p[0]), float(p[1])) for p in ring) for ring in boundary)


@lru_cache(maxsize=8192)
def polygon(rings: Rings) -> Polygon:
    shell, *holes = rings
    return Polygon(shell, holes)


def boundary_problem(rings: Rings) -> str | None:
    """Why these rings cannot be a grid's boundary, or None."""
    if not rings or any(len(ring) < 3 for ring in rings):
        return "needs an outer ring of at least 3 points"
    for ring in rings:
        for lon, lat in ring:
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                return f"has a point outside lon/lat range ({lon}, {lat})"
    shape = polygon(rings)
    if not shape.is_valid:
        return f"is not a valid polygon ({shapely.is_valid_reason(shape)})"
    if shape.area <= OVERLAP_TOLERANCE_DEG2:
        return "encloses no area"
    return None


def checked_rings(subject: str, boundary: Any) -> Rings:
    try:
        rings = as_rings(boundary)
    except (TypeError, ValueError, IndexError):
        raise InvalidTerritoryValue(subject, "boundary", boundary, "is not a list of rings") \
            from None
    problem = boundary_problem(rings)
    if problem:
        raise InvalidTerritoryValue(subject, "boundary", boundary, problem)
    return rings


def shared_area(a: Rings, b: Rings) -> float:
    """Area (deg²) of ground both boundaries claim; touching edges share none."""
    pa, pb = polygon(a), polygon(b)
    if not pa.intersects(pb):
        return 0.0
    area = pa.intersection(pb).area
    return area if area > OVERLAP_TOLERANCE_DEG2 else 0.0


def bounds(rings: Rings) -> tuple[float, float, float, float]:
    xs = [p[0] for p in rings[0]]
    ys = [p[1] for p in rings[0]]
    return min(xs), min(ys), max(xs), max(ys)


def boxes_meet(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]
