"""`TerritoryService`: the event-sourced application that owns the territory.

Its commands live in three small mixins (units, grids, people); each either saves its
events or raises a `TerritoryError` and changes nothing. Dates may be `date`s or ISO
strings. Use a store of its own (SQLite file or PostgreSQL schema), not the incidents'
store: both use the same table names, and the relay publishes every notification there.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import JSONTranscoder, Transcoding

from dispatch.territory.catalogue import Catalogue
from dispatch.territory.commands_grids import GridCommands
from dispatch.territory.commands_people import PeopleCommands
from dispatch.territory.commands_units import UnitCommands
from dispatch.territory.errors import DuplicateCode, InvalidTerritoryValue

if TYPE_CHECKING:
    from dispatch.territory.view import TerritoryView


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


@dataclass
class _Work:
    pending: dict[UUID, Aggregate] = field(default_factory=dict)
    before: dict[UUID, Aggregate | None] = field(default_factory=dict)
    checks: list[Callable[[], None]] = field(default_factory=list)


class TerritoryService(UnitCommands, GridCommands, PeopleCommands, Application[UUID]):
    name = "Territory"

    def __init__(self, env: dict[str, str] | None = None):
        super().__init__(env)
        self.catalogue = Catalogue()
        self._work: _Work | None = None

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    @contextmanager
    def unit_of_work(self) -> Iterator[None]:
        """Commands inside see each other's effects and are saved together, or not at all.

        Some changes are only valid together: a grid retires, its successor is filed on
        the same day (it would overlap the old grid before), and the addresses move to it
        (the old grid cannot retire with them in it). Rules of that kind are checked when
        the work closes, on the state it leaves."""
        if self._work is not None:
            yield
            return
        self._catch_up()
        work = self._work = _Work()
        try:
            yield
            for check in work.checks:
                check()
            if work.pending:
                self.save(*work.pending.values())
        except BaseException:
            for aggregate_id, before in work.before.items():
                self.catalogue.forget(aggregate_id)
                if before is not None:
                    self.catalogue.remember(before)
            raise
        finally:
            self._work = None

    def aggregates(self) -> list[Aggregate]:
        """The whole territory as recorded, including what other writers recorded."""
        self._catch_up()
        return list(self.catalogue.everything())

    def get(self, cls: type, code: str) -> Any:
        """A copy of one aggregate by its code, e.g. `get(Grid, "G0001")`."""
        self._catch_up()
        return self.catalogue.get(cls, code)

    def view(self) -> "TerritoryView":
        from dispatch.territory.view import TerritoryView
        return TerritoryView.from_aggregates(self.aggregates())

    def _new(self, cls: type, code: str) -> None:
        self._catch_up()
        if not code:
            raise InvalidTerritoryValue(cls.__name__.lower(), "code", code, "is empty")
        if self.catalogue.has(cls, code):
            raise DuplicateCode(cls.__name__.lower(), code)

    def _catch_up(self) -> None:
        self.catalogue.catch_up(
            lambda after: self.recorder.select_notifications(after, 500,
                                                             inclusive_of_start=False),
            self.mapper.to_domain_event)

    def _save(self, aggregate: Aggregate) -> None:
        if self._work is None:
            self.save(aggregate)
        else:
            self._work.before.setdefault(aggregate.id, self.catalogue.by_id(aggregate.id))
            self._work.pending[aggregate.id] = aggregate
        self.catalogue.remember(aggregate)

    def _check_at_close(self, check: Callable[[], None]) -> None:
        if self._work is None:
            check()
        else:
            self._work.checks.append(check)
