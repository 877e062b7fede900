"""Commands for addresses (with QR codes) and grid workers, tied to grids by date."""
from __future__ import annotations

from datetime import date
from typing import Any

from dispatch.territory import invariants
from dispatch.territory.errors import DuplicateCode, GridNotActive, InvalidTerritoryValue
from dispatch.territory.grid import Grid
from dispatch.territory.people import Address, GridWorker
from dispatch.territory.values import Employment, to_day

Day = date | str


class PeopleCommands:
    """Mixed into `TerritoryService`; uses its catalogue, `_new`, `_catch_up` and `_save`."""

    def register_address(self, code: str, text: str, point: Any, qr_code: str | None = None,
                         grid: str | None = None, effective_from: Day | None = None) -> None:
        """Register an address and, if `grid` is given, its first assignment, in one save."""
        self._new(Address, code)
        if qr_code is not None and qr_code in self.catalogue.addresses_by_qr:
            raise DuplicateCode("QR code", qr_code)
        try:
            lon, lat = (float(v) for v in point)
        except (TypeError, ValueError):
            raise InvalidTerritoryValue(f"address {code}", "point", point,
                                        "is not [lon, lat]") from None
        address = Address(code, text, qr_code, [lon, lat])
        if grid is not None:
            self._assign(address, grid, effective_from)
        self._save(address)

    def assign_address(self, code: str, grid: str, effective_from: Day) -> None:
        """Move the address to `grid` from `effective_from`; earlier days keep the old grid."""
        self._catch_up()
        address = self.catalogue.get(Address, code)
        self._assign(address, grid, effective_from)
        self._save(address)

    def register_worker(self, code: str, name: str, employment: str) -> None:
        self._new(GridWorker, code)
        if employment not in {e.value for e in Employment}:
            raise InvalidTerritoryValue(f"worker {code}", "employment", employment,
                                        "is not full_time or part_time")
        self._save(GridWorker(code, name, employment))

    def assign_worker(self, code: str, grid: str, since: Day, until: Day | None = None) -> None:
        self._catch_up()
        worker = self.catalogue.get(GridWorker, code)
        held, day = self.catalogue.peek(Grid, grid), to_day(since)
        if not held.is_active(day):
            why = invariants.why_not_assignable(held, day) or f"retired from {held.retired_on}"
            raise GridNotActive(f"worker {code}", grid, day, why)
        worker.assign(grid, day, to_day(until) if until else None)
        self._save(worker)

    def release_worker(self, code: str, grid: str, until: Day) -> None:
        self._catch_up()
        worker = self.catalogue.get(GridWorker, code)
        worker.release(grid, to_day(until))
        self._save(worker)

    def _assign(self, address: Address, grid: str, effective_from: Day | None) -> None:
        if effective_from is None:
            raise InvalidTerritoryValue(f"address {address.code}", "effective_from", None,
                                        "is required with a grid")
        day = to_day(effective_from)
        invariants.refuse_inactive_grid(f"address {address.code}",
                                        self.catalogue.peek(Grid, grid), day)
        address.assign(grid, day)
