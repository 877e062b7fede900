"""`TerritoryView`: the pure read model that answers "where is this, and whose is it, on T".

Built once from the territory's aggregates (or from its events, replayed); it holds its
own copies and never touches the event store, so it can sit in a stream processor's hot
path or in a backtest and give the same answers.
"""
from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timezone
from typing import Any

from eventsourcing.domain import Aggregate

from dispatch.territory.grid import Grid, Responsibility
from dispatch.territory.overlay import JurisdictionOverlay
from dispatch.territory.people import Address, GridWorker
from dispatch.territory.precedence import resolve_location
from dispatch.territory.resolution import AppliedOverlay, Resolution, unresolved
from dispatch.territory.spatial import GridIndex
from dispatch.territory.units import Community, Department, District, Street
from dispatch.territory.values import CITY_UTC_OFFSET, local_day

At = date | datetime


class TerritoryView:
    def __init__(self, aggregates: Iterable[Aggregate], utc_offset: timezone = CITY_UTC_OFFSET):
        self.utc_offset = utc_offset
        by_kind: dict[type, dict[str, Any]] = defaultdict(dict)
        for aggregate in aggregates:
            by_kind[type(aggregate)][aggregate.code] = copy.deepcopy(aggregate)
        self.districts: dict[str, District] = by_kind[District]
        self.streets: dict[str, Street] = by_kind[Street]
        self.communities: dict[str, Community] = by_kind[Community]
        self.departments: dict[str, Department] = by_kind[Department]
        self.grids: dict[str, Grid] = by_kind[Grid]
        self.addresses: dict[str, Address] = by_kind[Address]
        self.workers: dict[str, GridWorker] = by_kind[GridWorker]
        self.overlays: dict[str, JurisdictionOverlay] = by_kind[JurisdictionOverlay]
        self.qr_codes = {a.qr_code: a.code for a in self.addresses.values() if a.qr_code}
        self.index = GridIndex(self.grids.values())
        self._placements: dict[tuple[str, date], tuple] = {}
        self._overlays_at: dict[str, list[JurisdictionOverlay]] = defaultdict(list)
        for overlay in self.overlays.values():
            for place in (*overlay.grids, *overlay.communities):
                self._overlays_at[place].append(overlay)

    @classmethod
    def from_aggregates(cls, aggregates: Iterable[Aggregate], **options: Any) -> "TerritoryView":
        return cls(aggregates, **options)

    @classmethod
    def from_events(cls, events: Iterable[Any], **options: Any) -> "TerritoryView":
        """Replay territory domain events (in recorded order) into a view."""
        state: dict[Any, Aggregate] = {}
        for domain_event in events:
            state[domain_event.originator_id] = domain_event.mutate(
                state.get(domain_event.originator_id))
        return cls(state.values(), **options)

    def day(self, at: At) -> date:
        return local_day(at, self.utc_offset)

    # -- resolving a location ------------------------------------------------------------
    def resolve(self, location: Mapping[str, Any], at: At) -> Resolution:
        """Resolve an ingress `location` (qr_code, address_id, grid_id, lat+lon); see
        `precedence` for which key wins when several are given."""
        return resolve_location(self, location, self.day(at))

    def by_qr_code(self, qr_code: str, at: At) -> Resolution:
        day = self.day(at)
        address = self.qr_codes.get(qr_code)
        if address is None:
            return unresolved("qr_code", day, f"unknown QR code {qr_code!r}")
        return self._via_address("qr_code", self.addresses[address], day)

    def by_address(self, address_id: str, at: At) -> Resolution:
        day = self.day(at)
        address = self.addresses.get(address_id)
        if address is None:
            return unresolved("address_id", day, f"unknown address {address_id!r}")
        return self._via_address("address_id", address, day)

    def by_grid(self, grid_id: str, at: At) -> Resolution:
        day = self.day(at)
        grid = self.grids.get(grid_id)
        if grid is None:
            return unresolved("grid_id", day, f"unknown grid {grid_id!r}")
        if not grid.is_active(day):
            return unresolved("grid_id", day, f"grid {grid_id} is not active on {day}"
                              f" ({_lifecycle(grid)})")
        return self._placed("grid_id", grid, day)

    def by_point(self, lon: float, lat: float, at: At) -> Resolution:
        day = self.day(at)
        code = self.index.locate(float(lon), float(lat), day)
        if code is None:
            return unresolved("point", day, f"no active grid covers ({lon}, {lat}) on {day}")
        return self._placed("point", self.grids[code], day)

    # -- who is responsible ----------------------------------------------------------------
    def responsibility_history(self, grid_id: str) -> list[tuple[date | None, Responsibility]]:
        """Every owner the grid has had or will have, with the day each takes effect."""
        return list(self.grids[grid_id].responsibilities)

    def active_grids(self, at: At) -> list[Grid]:
        day = self.day(at)
        return [grid for grid in self.grids.values() if grid.is_active(day)]

    def _via_address(self, how: str, address: Address, day: date) -> Resolution:
        grid_id = address.grid_at(day)
        if grid_id is None:
            return unresolved(how, day, f"address {address.code} has no grid on {day}",
                              address=address.code)
        grid = self.grids[grid_id]
        if not grid.is_active(day):
            return unresolved(how, day, f"address {address.code} is in grid {grid_id},"
                              f" not active on {day} ({_lifecycle(grid)})",
                              address=address.code)
        return self._placed(how, grid, day, address=address.code)

    def _placed(self, how: str, grid: Grid, day: date, address: str | None = None) -> Resolution:
        # Cached per (grid, day): a stream of incidents asks about the same few days.
        known = self._placements.get((grid.code, day))
        if known is None:
            if len(self._placements) > 200_000:
                self._placements.clear()
            known = self._placements[(grid.code, day)] = self._placement(grid, day)
        return Resolution(how, day, *known, address)

    def _placement(self, grid: Grid, day: date) -> tuple:
        owner = grid.responsibility_at(day)
        street = self.streets.get(owner.street)
        overlays = tuple(dict.fromkeys(
            AppliedOverlay(o.code, o.name, o.district, o.categories)
            for place in (grid.code, owner.community) if place is not None
            for o in self._overlays_at.get(place, ()) if o.in_force(day)))
        return (grid.code, grid.name, owner.community, owner.street,
                street.district if street else None, owner.kind, owner.managing_unit,
                overlays)


def _lifecycle(grid: Grid) -> str:
    if grid.effective_from is None:
        return grid.status.value
    span = f"in force from {grid.effective_from}"
    return span + (f" until {grid.retired_on}" if grid.retired_on else "")
