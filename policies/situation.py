"""What the routing policy decides on: one incident's category, place, source and time."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Situation:
    category: str
    source: str
    priority: str
    at: datetime                      # the city's local time (the policy's time zone)
    grid: str | None = None
    community: str | None = None
    street: str | None = None
    district: str | None = None       # the responsible district: overlays already applied
    grid_kind: str | None = None
    managing_unit: str | None = None  # of an exclusive grid, while it is in force
    areas: frozenset[str] = frozenset()

    def place_key(self) -> tuple:
        """Everything about the place and category that decides which rules can apply."""
        return (self.category, self.grid, self.community, self.street, self.district,
                self.grid_kind, self.managing_unit, self.areas)


def situation_from(resolution, category: str, source: str, priority: str,
                   at: datetime) -> Situation:
    """The situation for a category at a resolved place (a territory `Resolution`).

    The district is the one responsible for this category there: an enclave's overlay
    may hand some categories to another district than the one the place lies in.
    """
    return Situation(
        category=category, source=source, priority=priority, at=at,
        grid=resolution.grid, community=resolution.community, street=resolution.street,
        district=resolution.responsible_district(category),
        grid_kind=resolution.kind.value if resolution.kind else None,
        managing_unit=resolution.managing_unit,
        areas=frozenset(overlay.code for overlay in resolution.overlays))
