"""Jurisdiction overlays: the enclave (飞地) case.

An overlay names an area (grids and/or communities) lying in `host_district` and the
incident categories (by prefix) that belong to `district` instead. Everything not listed
stays with the host. Overlays are dated like everything else.
"""
from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from dispatch.territory.errors import DateOutOfOrder, InvalidTerritoryValue
from dispatch.territory.values import territory_id


class JurisdictionOverlay(Aggregate):
    @staticmethod
    def create_id(code: str) -> UUID:
        return territory_id("overlay", code)

    @classmethod
    def declare(cls, code: str, name: str, host_district: str, district: str,
                grids: list[str], communities: list[str], categories: list[str],
                effective_from: date, effective_until: date | None = None
                ) -> "JurisdictionOverlay":
        subject = f"overlay {code}"
        if host_district == district:
            raise InvalidTerritoryValue(subject, "district", district,
                                        "must differ from host_district")
        if not (grids or communities):
            raise InvalidTerritoryValue(subject, "grids", grids,
                                        "and communities are both empty")
        if not categories:
            raise InvalidTerritoryValue(subject, "categories", categories, "is empty")
        if effective_until is not None and effective_until <= effective_from:
            raise DateOutOfOrder(subject, "end", effective_until, effective_from)
        return cls(code, name, host_district, district, sorted(grids), sorted(communities),
                   sorted(categories), effective_from, effective_until)

    @event("Declared")
    def __init__(self, code: str, name: str, host_district: str, district: str,
                 grids: list[str], communities: list[str], categories: list[str],
                 effective_from: date, effective_until: date | None):
        self.code = code
        self.name = name
        self.host_district = host_district
        self.district = district
        self.grids = tuple(grids)
        self.communities = tuple(communities)
        self.categories = tuple(categories)
        self.effective_from = effective_from
        self.effective_until = effective_until

    def end(self, effective_until: date) -> None:
        if self.effective_until is not None:
            raise InvalidTerritoryValue(f"overlay {self.code}", "effective_until",
                                        effective_until,
                                        f"cannot replace the recorded end {self.effective_until}")
        if effective_until <= self.effective_from:
            raise DateOutOfOrder(f"overlay {self.code}", "end", effective_until,
                                 self.effective_from)
        self._ended(effective_until)

    @event("Ended")
    def _ended(self, effective_until: date) -> None:
        self.effective_until = effective_until

    def in_force(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_until is None
                                               or day < self.effective_until)
