"""Commands for the administrative tree, the departments and the jurisdiction overlays."""
from __future__ import annotations

from datetime import date

from dispatch.territory.errors import InvalidTerritoryValue
from dispatch.territory.grid import Grid
from dispatch.territory.overlay import JurisdictionOverlay
from dispatch.territory.units import Community, Department, District, Street
from dispatch.territory.values import DepartmentLevel, to_day

LEVEL_RANK = {DepartmentLevel.CITY: 0, DepartmentLevel.DISTRICT: 1, DepartmentLevel.STREET: 2}
LEVEL_UNIT = {DepartmentLevel.DISTRICT: District, DepartmentLevel.STREET: Street}


class UnitCommands:
    """Mixed into `TerritoryService`; uses its catalogue, `_new` and `_save`."""

    def register_district(self, code: str, name: str) -> None:
        self._new(District, code)
        self._save(District(code, name))

    def register_street(self, code: str, name: str, district: str) -> None:
        self._new(Street, code)
        self.catalogue.require(District, district)
        self._save(Street(code, name, district))

    def register_community(self, code: str, name: str, street: str) -> None:
        self._new(Community, code)
        self.catalogue.require(Street, street)
        self._save(Community(code, name, street))

    def register_department(self, code: str, name: str, level: str,
                            parent: str | None = None, unit: str | None = None) -> None:
        """`unit` is the district or street a district- or street-level department serves."""
        self._new(Department, code)
        try:
            rank = DepartmentLevel(level)
        except ValueError:
            raise InvalidTerritoryValue(f"department {code}", "level", level,
                                        "is not one of city, district, street") from None
        if parent is not None:
            above = self.catalogue.peek(Department, parent)
            if LEVEL_RANK[above.level] > LEVEL_RANK[rank]:
                raise InvalidTerritoryValue(f"department {code}", "parent", parent,
                                            f"is a {above.level.value}-level department,"
                                            f" below {rank.value} level")
        if (unit is None) != (rank is DepartmentLevel.CITY):
            raise InvalidTerritoryValue(f"department {code}", "unit", unit,
                                        "must name the district or street served below city"
                                        " level, and nothing at city level")
        if unit is not None:
            self.catalogue.require(LEVEL_UNIT[rank], unit)
        self._save(Department(code, name, rank.value, parent, unit))

    def declare_overlay(self, code: str, name: str, host_district: str, district: str,
                        categories: list[str], effective_from: date | str,
                        grids: list[str] = (), communities: list[str] = (),
                        effective_until: date | str | None = None) -> None:
        """Hand the listed categories in an area of `host_district` to `district`."""
        self._new(JurisdictionOverlay, code)
        for cls, codes in ((District, [host_district, district]), (Grid, grids),
                           (Community, communities)):
            for unit in codes:
                self.catalogue.require(cls, unit)
        self._save(JurisdictionOverlay.declare(
            code, name, host_district, district, list(grids), list(communities),
            list(categories), to_day(effective_from),
            to_day(effective_until) if effective_until else None))

    def end_overlay(self, code: str, effective_until: date | str) -> None:
        self._catch_up()
        overlay = self.catalogue.get(JurisdictionOverlay, code)
        overlay.end(to_day(effective_until))
        self._save(overlay)
