"""Rules that span several aggregates, checked by the service before it saves."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from dispatch.territory.errors import GridNotActive, GridOverlap, GridStillHasAddresses
from dispatch.territory.geometry import M2_PER_DEG2, bounds, boxes_meet, shared_area
from dispatch.territory.grid import Grid
from dispatch.territory.people import Address
from dispatch.territory.timeline import spans_meet


def overlaps(grid: Grid, others: Iterable[Grid]) -> list[tuple[str, date, date | None, float]]:
    """Every other grid sharing ground with `grid` while both are active: (grid, from,
    until, m²)."""
    found = []
    mine = [(start, end, rings, bounds(rings)) for start, end, rings in grid.boundary_spans()]
    if not mine:
        return found
    for other in others:
        if other.code == grid.code:
            continue
        for o_start, o_end, o_rings in other.boundary_spans():
            o_box = bounds(o_rings)
            for start, end, rings, box in mine:
                if not (spans_meet(start, end, o_start, o_end) and boxes_meet(box, o_box)):
                    continue
                area = shared_area(rings, o_rings)
                if area:
                    until = end if o_end is None else (o_end if end is None else min(end, o_end))
                    found.append((other.code, max(start, o_start), until, area * M2_PER_DEG2))
    return found


def refuse_overlaps(grid: Grid, others: Iterable[Grid]) -> None:
    found = overlaps(grid, others)
    if found:
        raise GridOverlap(grid.code, found)


def why_not_assignable(grid: Grid, day: date) -> str | None:
    """Why an address cannot be put in `grid` from `day` on, or None if it can."""
    if grid.effective_from is None:
        return f"it is {grid.status.value}, not filed"
    if day < grid.effective_from:
        return f"it is in force from {grid.effective_from}"
    if grid.retired_on is not None:
        # From `day` on the address must always have an active grid, and this one ends.
        return f"it is retired from {grid.retired_on}; assign to its successor"
    return None


def refuse_inactive_grid(subject: str, grid: Grid, day: date) -> None:
    why = why_not_assignable(grid, day)
    if why:
        raise GridNotActive(subject, grid.code, day, why)


def refuse_orphaning(grid: Grid, retired_on: date, addresses: Iterable[Address]) -> None:
    stranded = sorted(address.code for address in addresses
                      for start, end in address.spans_in(grid.code)
                      if end is None or end > retired_on)
    if stranded:
        raise GridStillHasAddresses(grid.code, retired_on, stranded)
