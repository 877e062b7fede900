"""The `Grid` aggregate: one cell of the one network, its lifecycle and its dated owners.

Nothing is overwritten: a redraw or a transfer is a new entry with an effective date, so
"who owned this grid on day T" keeps its answer after later changes are recorded.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from dispatch.territory.errors import (DateOutOfOrder, GridAlreadyRetired, GridNotApproved,
                                       GridNotFiled, GridNotProposed, InvalidTerritoryValue)
from dispatch.territory.geometry import Rings, as_rings, checked_rings
from dispatch.territory.timeline import last_start, periods, value_at
from dispatch.territory.values import GridKind, GridStatus, territory_id


@dataclass(frozen=True, slots=True)
class Responsibility:
    street: str
    community: str | None
    kind: GridKind
    managing_unit: str | None


def responsibility(subject: str, street: str, community: str | None, kind: str,
                   managing_unit: str | None) -> Responsibility:
    grid_kind = GridKind(kind)
    if (grid_kind is GridKind.EXCLUSIVE) != (managing_unit is not None):
        raise InvalidTerritoryValue(subject, "managing_unit", managing_unit,
                                    "is required for exclusive grids and only for them")
    return Responsibility(street, community, grid_kind, managing_unit)


class Grid(Aggregate):
    @staticmethod
    def create_id(code: str) -> UUID:
        return territory_id("grid", code)

    @classmethod
    def propose(cls, code: str, name: str, kind: str, street: str, community: str | None,
                managing_unit: str | None, boundary: Any, proposed_on: date) -> "Grid":
        responsibility(f"grid {code}", street, community, kind, managing_unit)
        rings = checked_rings(f"grid {code}", boundary)
        return cls(code, name, kind, street, community, managing_unit,
                   [list(map(list, r)) for r in rings], proposed_on)

    @event("Proposed")
    def __init__(self, code: str, name: str, kind: str, street: str, community: str | None,
                 managing_unit: str | None, boundary: list, proposed_on: date):
        self.code = code
        self.name = name
        self.status = GridStatus.PROPOSED
        self.proposed_on = proposed_on
        self.approved_on: date | None = None
        self.filed_on: date | None = None
        self.effective_from: date | None = None
        self.retired_on: date | None = None
        self.boundaries: list[tuple[date | None, Rings]] = [(None, as_rings(boundary))]
        self.responsibilities: list[tuple[date | None, Responsibility]] = [
            (None, Responsibility(street, community, GridKind(kind), managing_unit))]

    def approve(self, approved_on: date) -> None:
        if self.status is not GridStatus.PROPOSED:
            raise GridNotProposed(self.code, "approve", self.status.value)
        self._not_before("approval", approved_on, self.proposed_on, inclusive=True)
        self._approved(approved_on)

    @event("Approved")
    def _approved(self, approved_on: date) -> None:
        self.status = GridStatus.APPROVED
        self.approved_on = approved_on

    def file(self, filed_on: date, effective_from: date | None = None) -> None:
        if self.status is not GridStatus.APPROVED:
            raise GridNotApproved(self.code, "file", self.status.value)
        self._not_before("filing", filed_on, self.approved_on, inclusive=True)
        self._not_before("effective date", effective_from or filed_on, self.approved_on,
                         inclusive=True)
        self._filed(filed_on, effective_from or filed_on)

    @event("Filed")
    def _filed(self, filed_on: date, effective_from: date) -> None:
        self.status = GridStatus.FILED
        self.filed_on = filed_on
        self.effective_from = effective_from

    def retire(self, retired_on: date) -> None:
        self._must_be_filed("retire")
        latest = max(d for d in (self.effective_from, last_start(self.boundaries),
                                 last_start(self.responsibilities)) if d is not None)
        self._not_before("retirement", retired_on, latest)
        self._retired(retired_on)

    @event("Retired")
    def _retired(self, retired_on: date) -> None:
        self.status = GridStatus.RETIRED
        self.retired_on = retired_on

    def redraw(self, boundary: Any, effective_from: date) -> None:
        if self.status is GridStatus.RETIRED:
            raise GridAlreadyRetired(self.code, "redraw", self.status.value)
        rings = checked_rings(f"grid {self.code}", boundary)
        if self.status is GridStatus.FILED:
            self._not_before("redraw", effective_from, max(
                d for d in (self.effective_from, last_start(self.boundaries)) if d))
        self._redrawn([list(map(list, r)) for r in rings], effective_from)

    @event("Redrawn")
    def _redrawn(self, boundary: list, effective_from: date) -> None:
        rings = as_rings(boundary)
        if self.status is GridStatus.FILED:
            self.boundaries.append((effective_from, rings))
        else:
            # A draft has no history in force yet: the new drawing simply replaces it.
            self.boundaries = [(None, rings)]

    def transfer(self, to_street: str, to_community: str | None, kind: str,
                 managing_unit: str | None, effective_from: date) -> None:
        self._must_be_filed("transfer")
        responsibility(f"grid {self.code}", to_street, to_community, kind, managing_unit)
        self._not_before("transfer", effective_from, max(
            d for d in (self.effective_from, last_start(self.responsibilities)) if d))
        self._transferred(to_street, to_community, kind, managing_unit, effective_from)

    @event("Transferred")
    def _transferred(self, to_street: str, to_community: str | None, kind: str,
                     managing_unit: str | None, effective_from: date) -> None:
        self.responsibilities.append((effective_from, Responsibility(
            to_street, to_community, GridKind(kind), managing_unit)))

    def is_active(self, day: date) -> bool:
        return (self.effective_from is not None and self.effective_from <= day
                and (self.retired_on is None or day < self.retired_on))

    def active_span(self) -> tuple[date, date | None] | None:
        return None if self.effective_from is None else (self.effective_from, self.retired_on)

    def boundary_spans(self) -> list[tuple[date, date | None, Rings]]:
        span = self.active_span()
        return [] if span is None else periods(self.boundaries, *span)

    def responsibility_at(self, day: date) -> Responsibility:
        return value_at(self.responsibilities, day)

    def _must_be_filed(self, command: str) -> None:
        if self.status is GridStatus.RETIRED:
            raise GridAlreadyRetired(self.code, command, self.status.value)
        if self.status is not GridStatus.FILED:
            raise GridNotFiled(self.code, command, self.status.value)

    def _not_before(self, what: str, on: date, bound: date | None, inclusive: bool = False):
        if bound is not None and (on < bound or (on == bound and not inclusive)):
            raise DateOutOfOrder(f"grid {self.code}", what, on, bound, inclusive)
