"""Where is it, and whose is it: territory resolution, then the routing policy.

Pure glue over two read models, so the stream, a replay and a backtest decide alike.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo

from dispatch.domain.routing import RoutingDecision
from dispatch.territory.resolution import Resolution
from dispatch.territory.staffing import holders
from dispatch.territory.values import Employment
from dispatch.territory.view import TerritoryView
from policies.routing_policy import RoutingPolicy
from policies.situation import Situation, situation_from


@dataclass(frozen=True)
class Placement:
    resolution: Resolution
    situation: Situation
    grid_workers: tuple[str, ...] = ()


class Dispatcher:
    def __init__(self, territory: TerritoryView, policy: RoutingPolicy):
        self.territory = territory
        self.policy = policy
        self.tz: tzinfo = ZoneInfo(policy.document.policy.timezone)
        self._workers_by_day: dict[date, dict[str, tuple[str, ...]]] = {}

    def place(self, location: dict, category: str, source: str, priority: str,
              reported_at: datetime) -> Placement:
        local = reported_at.astimezone(self.tz)
        resolution = self.territory.resolve(location, local)
        workers = self.full_time_workers(resolution.grid, local.date()) if resolution.grid else ()
        return Placement(resolution, situation_from(resolution, category, source, priority, local),
                         workers)

    def full_time_workers(self, grid: str, day: date) -> tuple[str, ...]:
        """Who answers for the grid that day: evaluated with its incidents (cached per day)."""
        by_grid = self._workers_by_day.get(day)
        if by_grid is None:
            by_grid = {g: tuple(w for w in workers if self.territory.workers[w].employment
                                is Employment.FULL_TIME)
                       for g, workers in holders(self.territory, day).items()}
            if len(self._workers_by_day) > 60:
                self._workers_by_day.clear()
            self._workers_by_day[day] = by_grid
        return by_grid.get(grid, ())

    def decide(self, situation: Situation, excluded: Collection[str] = (),
               returns: int = 0) -> RoutingDecision:
        return self.policy.decide(situation, excluded, returns)


def place_of(resolution: Resolution, grid_workers: tuple[str, ...] = ()) -> dict:
    """The resolution as plain values, as the `Located` event records it."""
    return {
        "grid_workers": list(grid_workers),
        "how": resolution.how, "grid": resolution.grid, "community": resolution.community,
        "street": resolution.street, "district": resolution.district,
        "grid_kind": resolution.kind.value if resolution.kind else None,
        "managing_unit": resolution.managing_unit,
        "overlays": [overlay.code for overlay in resolution.overlays],
        "address": resolution.address, "reason": resolution.reason,
        "notes": list(resolution.notes),
    }
