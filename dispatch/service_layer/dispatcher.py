"""Where is it, and whose is it: territory resolution, then the routing policy.

Pure glue over two read models, so the stream, a replay and a backtest decide alike.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from dispatch.domain.routing import RoutingDecision
from dispatch.territory.resolution import Resolution
from dispatch.territory.view import TerritoryView
from policies.routing_policy import RoutingPolicy
from policies.situation import Situation, situation_from


@dataclass(frozen=True)
class Placement:
    resolution: Resolution
    situation: Situation


class Dispatcher:
    def __init__(self, territory: TerritoryView, policy: RoutingPolicy):
        self.territory = territory
        self.policy = policy
        self.tz: tzinfo = ZoneInfo(policy.document.policy.timezone)

    def place(self, location: dict, category: str, source: str, priority: str,
              reported_at: datetime) -> Placement:
        local = reported_at.astimezone(self.tz)
        resolution = self.territory.resolve(location, local)
        return Placement(resolution, situation_from(resolution, category, source, priority, local))

    def decide(self, situation: Situation, excluded: Collection[str] = (),
               returns: int = 0) -> RoutingDecision:
        return self.policy.decide(situation, excluded, returns)


def place_of(resolution: Resolution) -> dict:
    """The resolution as plain values, as the `Located` event records it."""
    return {
        "how": resolution.how, "grid": resolution.grid, "community": resolution.community,
        "street": resolution.street, "district": resolution.district,
        "grid_kind": resolution.kind.value if resolution.kind else None,
        "managing_unit": resolution.managing_unit,
        "overlays": [overlay.code for overlay in resolution.overlays],
        "address": resolution.address, "reason": resolution.reason,
        "notes": list(resolution.notes),
    }
