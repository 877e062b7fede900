"""Points on the sphere in square cells at least a radius wide: the cells a point within the
radius of another may lie in are that point's cell and its eight neighbours (and, near the
edge of a 1° band of latitude, the next band's, whose cells are wider).
"""
from __future__ import annotations

from math import asin, cos, floor, pi, radians, sin, sqrt

_EARTH_RADIUS_M = 6_371_000.0
_M_PER_DEGREE = _EARTH_RADIUS_M * pi / 180  # on the sphere the distances are measured on


def cell_of(point: tuple[float, float], radius_m: float) -> tuple:
    """Cells at least `radius_m` wide: per 1° band of latitude, the band's narrowest."""
    lat, lon = point
    band = floor(lat)
    return ("point", band, floor(lat * _M_PER_DEGREE / radius_m),
            floor(lon / _lon_width(band, radius_m)))


def cells_near(point: tuple[float, float], radius_m: float) -> list[tuple]:
    """The cells a point within the radius may lie in: the point's and its neighbours, in
    its band and, near a band's edge, the next band's (whose cells are wider)."""
    lat, lon = point
    reach = radius_m / _M_PER_DEGREE
    row = floor(lat * _M_PER_DEGREE / radius_m)
    cells = []
    for band in {floor(lat - reach), floor(lat), floor(lat + reach)}:
        column = floor(lon / _lon_width(band, radius_m))
        cells += [("point", band, r, c) for r in (row - 1, row, row + 1)
                  for c in (column - 1, column, column + 1)]
    return cells


def _lon_width(band: int, radius_m: float) -> float:
    """Degrees of longitude at least `radius_m` long anywhere in the band."""
    return radius_m / (_M_PER_DEGREE * cos(radians(min(abs(band) + 1, 89))))


def metres_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(radians, (*a, *b))
    h = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos(lat2) * sin((lon2 - lon1) / 2) ** 2
    return 2 * _EARTH_RADIUS_M * asin(sqrt(h))
