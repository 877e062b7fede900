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
from policies.situation import Situation


@dataclass(frozen=True)
class Placement:
    resolution: Resolution
    situation: Situation
    grid_workers: tuple[str, ...] = ()
    located: dict | None = None   # `place_of` the above, shared by every answer alike: read only


class Dispatcher:
    def __init__(self, territory: TerritoryView, policy: RoutingPolicy):
        self.territory = territory
        self.policy = policy
        self.tz: tzinfo = ZoneInfo(policy.document.policy.timezone)
        self._workers_by_day: dict[date, dict[str, tuple[str, ...]]] = {}
        # What a location means on a day: a stream of reports names the same grids and
        # plates over and over. Kept without its point: GPS fixes seldom repeat exactly,
        # and -0.0 == 0.0 would share an answer whose text differs. A point decides only
        # where every key before it fails (precedence.py), so an answer that a key before
        # it gave holds whatever the point (a third of the simulated city's reports carry
        # one beside their grid).
        self._places: dict[tuple, tuple[Resolution, tuple[str, ...], dict, str | None,
                                        frozenset[str]]] = {}

    def place(self, location: dict, category: str, source: str, priority: str,
              reported_at: datetime) -> Placement:
        local = reported_at.astimezone(self.tz)
        with_point = "lat" in location or "lon" in location
        try:
            key = (*(location.items() if not with_point else
                     ((k, v) for k, v in location.items() if k not in POINT)),
                   self.territory.day(local), local.date())
            known = self._places.get(key)
        except TypeError:   # lists or dicts in it (fields of its own): not kept
            key = known = None
        if known is not None and with_point and not _holds_for_any_point(known[0]):
            known = None
        if known is None:
            resolution = self.territory.resolve(location, local)
            workers = self.full_time_workers(resolution.grid, local.date()) \
                if resolution.grid else ()
            known = (resolution, workers, place_of(resolution, workers),
                     resolution.kind.value if resolution.kind else None,
                     frozenset(overlay.code for overlay in resolution.overlays))
            if key is not None and (not with_point or _holds_for_any_point(resolution)):
                if len(self._places) > 100_000:
                    self._places.clear()
                self._places[key] = known
        r, workers, located, kind, areas = known
        # As `situation_from` makes it, with what does not depend on the category kept.
        district = r.responsible_district(category) if r.overlays else r.district
        situation = Situation(category, source, priority, local, r.grid, r.community,
                              r.street, district, kind, r.managing_unit, areas)
        return Placement(resolution=r, situation=situation, grid_workers=workers,
                         located=located)

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


POINT = ("lat", "lon")


def _holds_for_any_point(resolution: Resolution) -> bool:
    """Whether a location's point had no say: a key before it resolved the place."""
    return resolution.resolved and resolution.how != "point"


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
