"""Who holds which grid on a day: vacant grids and workers spread over several grids."""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from dispatch.territory.values import Employment
from dispatch.territory.view import TerritoryView


def holders(view: TerritoryView, day: date) -> dict[str, list[str]]:
    """Active grid → the workers (any employment) holding it on `day`."""
    held: dict[str, list[str]] = {g.code: [] for g in view.active_grids(day)}
    for worker in view.workers.values():
        for grid in worker.grids_at(day):
            if grid in held:
                held[grid].append(worker.code)
    return held


def vacant_grids(view: TerritoryView, day: date) -> list[str]:
    """Active grids without a full-time worker (every grid must have one)."""
    return sorted(grid for grid, workers in holders(view, day).items()
                  if not any(view.workers[w].employment is Employment.FULL_TIME
                             for w in workers))


def multi_grid_workers(view: TerritoryView, day: date) -> dict[str, list[str]]:
    """Workers holding two or more active grids on `day`."""
    grids_of: dict[str, list[str]] = defaultdict(list)
    for grid, workers in holders(view, day).items():
        for worker in workers:
            grids_of[worker].append(grid)
    return {w: sorted(g) for w, g in sorted(grids_of.items()) if len(g) >= 2}


def district_of(view: TerritoryView, grid: str, day: date) -> str | None:
    street = view.streets.get(view.grids[grid].responsibility_at(day).street)
    return street.district if street else None
