"""The territory in memory, kept level with the event store's notification log.

A city has thousands of grids and addresses, not millions, so the whole territory fits in
memory; that is what lets a command check invariants that span grids (no overlap, one
active grid per address) without a query language over the store.
"""
from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Notification

from dispatch.territory.errors import UnknownUnit
from dispatch.territory.grid import Grid
from dispatch.territory.overlay import JurisdictionOverlay
from dispatch.territory.people import Address, GridWorker
from dispatch.territory.units import Community, Department, District, Street

A = TypeVar("A", bound=Aggregate)
KINDS: dict[type, str] = {District: "district", Street: "street", Community: "community",
                          Department: "department", Grid: "grid", Address: "address",
                          GridWorker: "worker", JurisdictionOverlay: "overlay"}


class Catalogue:
    def __init__(self) -> None:
        self._by_id: dict[UUID, Aggregate] = {}
        self._by_kind: dict[type, dict[str, Aggregate]] = {cls: {} for cls in KINDS}
        self.addresses_by_qr: dict[str, str] = {}
        self.position = 0

    def catch_up(self, select: Callable[[int], Sequence[Notification]],
                 decode: Callable[[Notification], Any]) -> None:
        """Apply the notifications recorded after `position`, ours included, once each."""
        while batch := select(self.position):
            for notification in batch:
                domain_event = decode(notification)
                known = self._by_id.get(domain_event.originator_id)
                if known is None or domain_event.originator_version > known.version:
                    self.remember(domain_event.mutate(known))
                self.position = notification.id

    def remember(self, aggregate: Aggregate) -> None:
        self._by_id[aggregate.id] = aggregate
        self._by_kind[type(aggregate)][aggregate.code] = aggregate
        if isinstance(aggregate, Address) and aggregate.qr_code:
            self.addresses_by_qr[aggregate.qr_code] = aggregate.code

    def forget(self, aggregate_id: UUID) -> None:
        aggregate = self._by_id.pop(aggregate_id, None)
        if aggregate is not None:
            del self._by_kind[type(aggregate)][aggregate.code]
            if isinstance(aggregate, Address) and aggregate.qr_code:
                self.addresses_by_qr.pop(aggregate.qr_code, None)

    def by_id(self, aggregate_id: UUID) -> Aggregate | None:
        return self._by_id.get(aggregate_id)

    def has(self, cls: type, code: str | None) -> bool:
        return code in self._by_kind[cls]

    def get(self, cls: type[A], code: str) -> A:
        """A private copy to command: the remembered one changes only once saved."""
        return copy.deepcopy(self.peek(cls, code))

    def peek(self, cls: type[A], code: str) -> A:
        try:
            return self._by_kind[cls][code]  # type: ignore[return-value]
        except KeyError:
            raise UnknownUnit(KINDS[cls], code) from None

    def require(self, cls: type, code: str | None) -> None:
        if code is not None and code not in self._by_kind[cls]:
            raise UnknownUnit(KINDS[cls], code)

    def all(self, cls: type[A]) -> list[A]:
        return list(self._by_kind[cls].values())  # type: ignore[arg-type]

    def everything(self) -> Iterator[Aggregate]:
        return iter(list(self._by_id.values()))
