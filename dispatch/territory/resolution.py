"""`Resolution`: what a location means on a given day, including "nothing", as a value."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dispatch.territory.values import GridKind, category_matches


@dataclass(frozen=True, slots=True)
class AppliedOverlay:
    """An overlay in force at the resolved place: these categories go to `district`."""
    code: str
    name: str
    district: str
    categories: tuple[str, ...]

    def covers(self, category: str) -> bool:
        return any(category_matches(prefix, category) for prefix in self.categories)

    def specificity(self, category: str) -> int:
        return max((len(p) for p in self.categories if category_matches(p, category)),
                   default=-1)


@dataclass(frozen=True, slots=True)
class Resolution:
    """Location → grid → responsible units on day `at`.

    `grid` is None when nothing answers; `reason` then says why, so the caller can send
    the incident to a visible manual queue instead of losing it. `notes` records the
    location keys that were given but did not resolve before the one that did.
    """
    how: str | None
    at: date
    grid: str | None = None
    grid_name: str | None = None
    community: str | None = None
    street: str | None = None
    district: str | None = None
    kind: GridKind | None = None
    managing_unit: str | None = None
    overlays: tuple[AppliedOverlay, ...] = ()
    address: str | None = None
    reason: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def resolved(self) -> bool:
        return self.grid is not None

    def responsible_district(self, category: str) -> str | None:
        return responsible_district(self, category)


def responsible_district(resolution: Resolution, category: str) -> str | None:
    """The overlay's district for the categories it lists, else the district the place
    lies in. Where two overlays list the category, the longer (more specific) prefix wins."""
    covering = [o for o in resolution.overlays if o.covers(category)]
    if not covering:
        return resolution.district
    return max(covering, key=lambda o: (o.specificity(category), o.code)).district


def unresolved(how: str | None, at: date, reason: str, **known: object) -> Resolution:
    return Resolution(how=how, at=at, reason=reason, **known)
