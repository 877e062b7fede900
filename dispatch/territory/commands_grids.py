"""Commands for a grid's lifecycle, its boundary and its owner, with the cross-grid checks."""
from __future__ import annotations

from datetime import date
from typing import Any

from dispatch.territory import invariants
from dispatch.territory.errors import InvalidTerritoryValue
from dispatch.territory.grid import Grid
from dispatch.territory.people import Address
from dispatch.territory.units import Community, Department, Street
from dispatch.territory.values import to_day

Day = date | str


class GridCommands:
    """Mixed into `TerritoryService`; uses its catalogue, `_new`, `_catch_up` and `_save`."""

    def propose_grid(self, code: str, name: str, kind: str, street: str,
                     community: str | None, boundary: Any, proposed_on: Day,
                     managing_unit: str | None = None) -> None:
        """Drawn by the street (街道初划). Exclusive grids name their `managing_unit`."""
        self._new(Grid, code)
        self._check_owner(street, community, managing_unit)
        self._save(Grid.propose(code, name, kind, street, community, managing_unit, boundary,
                                to_day(proposed_on)))

    def approve_grid(self, code: str, approved_on: Day) -> None:
        """Checked by the district (区级审核)."""
        grid = self._grid(code)
        grid.approve(to_day(approved_on))
        self._save(grid)

    def file_grid(self, code: str, filed_on: Day, effective_from: Day | None = None) -> None:
        """Filed with the city (市级备案): from `effective_from` on, the grid is active."""
        grid = self._grid(code)
        grid.file(to_day(filed_on), to_day(effective_from) if effective_from else None)
        invariants.refuse_overlaps(grid, self.catalogue.all(Grid))
        self._save(grid)

    def redraw_grid(self, code: str, boundary: Any, effective_from: Day) -> None:
        grid = self._grid(code)
        grid.redraw(boundary, to_day(effective_from))
        invariants.refuse_overlaps(grid, self.catalogue.all(Grid))
        self._save(grid)

    def transfer_grid(self, code: str, to_street: str, to_community: str | None, kind: str,
                      effective_from: Day, managing_unit: str | None = None) -> None:
        """A new owner from `effective_from`; the old one stays on record before that."""
        grid = self._grid(code)
        self._check_owner(to_street, to_community, managing_unit)
        grid.transfer(to_street, to_community, kind, managing_unit, to_day(effective_from))
        self._save(grid)

    def retire_grid(self, code: str, retired_on: Day) -> None:
        """Inactive from `retired_on`; refused while addresses would be left in it (inside a
        unit of work, checked when it closes, so the addresses can move in the same work)."""
        grid = self._grid(code)
        grid.retire(to_day(retired_on))
        self._check_at_close(lambda: invariants.refuse_orphaning(
            grid, grid.retired_on, self.catalogue.all(Address)))
        self._save(grid)

    def _grid(self, code: str) -> Grid:
        self._catch_up()
        return self.catalogue.get(Grid, code)

    def _check_owner(self, street: str, community: str | None,
                     managing_unit: str | None) -> None:
        self.catalogue.require(Street, street)
        self.catalogue.require(Department, managing_unit)
        if community is not None and self.catalogue.peek(Community, community).street != street:
            raise InvalidTerritoryValue(f"community {community}", "street", street,
                                        "is not the community's street")
