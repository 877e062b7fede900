"""The demo city's ground plan: a 27 × 15 lattice of jittered cells around lon 121.40–121.60,
lat 31.15–31.30, cut into 3 districts × 4 streets × about 4 communities.

Neighbouring cells share their corner points exactly, so the grids drawn from them tile
the city with no overlap and no sliver. Jitter comes from a hash, not a random generator,
so the plan is the same on every Python.
"""
from __future__ import annotations

import hashlib

COLS, ROWS = 27, 15
LON0, LAT0, LON1, LAT1 = 121.40, 31.15, 121.60, 31.30
DISTRICT_COLS = 9                      # D01 cols 0-8, D02 9-17, D03 18-26
STREET_ROWS = ((0, 4), (4, 8), (8, 12), (12, 15))
COMMUNITY_COLS = ((0, 3), (3, 5), (5, 7), (7, 9))   # within a district
JITTER = 0.2                           # of a cell; below 0.25 every cell stays convex


def score(*key: object) -> float:
    """A stable pseudo-random number in [0, 1) for `key`."""
    digest = hashlib.sha256("\x1f".join(map(str, key)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def vertex(i: int, j: int) -> tuple[float, float]:
    dlon, dlat = (LON1 - LON0) / COLS, (LAT1 - LAT0) / ROWS
    # The city's outline stays straight: edge points slide only along their edge.
    ji = 0.0 if i in (0, COLS) else (score("lon", i, j) - 0.5) * 2 * JITTER
    jj = 0.0 if j in (0, ROWS) else (score("lat", i, j) - 0.5) * 2 * JITTER
    return round(LON0 + (i + ji) * dlon, 6), round(LAT0 + (j + jj) * dlat, 6)


def block_ring(col: int, row: int, width: int = 1, height: int = 1) -> list[list[float]]:
    """The closed outline of a width × height block of cells, counter-clockwise."""
    points = ([vertex(col + k, row) for k in range(width)]
              + [vertex(col + width, row + k) for k in range(height)]
              + [vertex(col + width - k, row + height) for k in range(width)]
              + [vertex(col, row + height - k) for k in range(height)])
    return [list(p) for p in points + points[:1]]


def point_in_cell(col: int, row: int, u: float, v: float) -> list[float]:
    """The point at fractions (u, v) across a cell, by bilinear interpolation of its corners."""
    (x0, y0), (x1, y1) = vertex(col, row), vertex(col + 1, row)
    (x2, y2), (x3, y3) = vertex(col + 1, row + 1), vertex(col, row + 1)
    lon = (1 - u) * (1 - v) * x0 + u * (1 - v) * x1 + u * v * x2 + (1 - u) * v * x3
    lat = (1 - u) * (1 - v) * y0 + u * (1 - v) * y1 + u * v * y2 + (1 - u) * v * y3
    return [round(lon, 6), round(lat, 6)]


def district_of(col: int) -> int:
    return col // DISTRICT_COLS


def street_of(col: int, row: int) -> int:
    """0-based street number across the city: 4 per district."""
    band = next(n for n, (lo, hi) in enumerate(STREET_ROWS) if lo <= row < hi)
    return district_of(col) * len(STREET_ROWS) + band


def community_chunk(col: int) -> int:
    local = col % DISTRICT_COLS
    return next(n for n, (lo, hi) in enumerate(COMMUNITY_COLS) if lo <= local < hi)


def city_ring() -> list[list[float]]:
    return [[LON0, LAT0], [LON1, LAT0], [LON1, LAT1], [LON0, LAT1], [LON0, LAT0]]
