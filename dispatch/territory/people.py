"""Addresses (with their QR codes) and grid workers, each tied to grids by dated assignments."""
from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from dispatch.territory.errors import DateOutOfOrder, InvalidTerritoryValue
from dispatch.territory.timeline import last_start, value_at
from dispatch.territory.values import Employment, territory_id


class Address(Aggregate):
    """A standard address (一标三实) and the QR plate on it; its grid is a timeline."""

    @staticmethod
    def create_id(code: str) -> UUID:
        return territory_id("address", code)

    @event("Registered")
    def __init__(self, code: str, text: str, qr_code: str | None, point: list[float]):
        self.code = code
        self.text = text
        self.qr_code = qr_code
        self.point = (float(point[0]), float(point[1]))
        self.assignments: list[tuple[date, str]] = []

    def assign(self, grid: str, effective_from: date) -> None:
        latest = last_start(self.assignments)
        if latest is not None and effective_from <= latest:
            raise DateOutOfOrder(f"address {self.code}", "assignment", effective_from, latest)
        self._assigned(grid, effective_from)

    @event("AssignedToGrid")
    def _assigned(self, grid: str, effective_from: date) -> None:
        self.assignments.append((effective_from, grid))

    def grid_at(self, day: date) -> str | None:
        return value_at(self.assignments, day)

    def spans_in(self, grid: str) -> list[tuple[date, date | None]]:
        """The periods during which this address belongs to `grid`."""
        spans = []
        for index, (start, assigned) in enumerate(self.assignments):
            if assigned == grid:
                end = self.assignments[index + 1][0] if index + 1 < len(self.assignments) \
                    else None
                spans.append((start, end))
        return spans


class GridWorker(Aggregate):
    """A grid worker (网格员), full-time or part-time, holding grids for dated spans."""

    @staticmethod
    def create_id(code: str) -> UUID:
        return territory_id("worker", code)

    @event("Registered")
    def __init__(self, code: str, name: str, employment: str):
        self.code = code
        self.name = name
        self.employment = Employment(employment)
        self.assignments: list[dict] = []

    def assign(self, grid: str, since: date, until: date | None = None) -> None:
        subject = f"worker {self.code}"
        if until is not None and until <= since:
            raise InvalidTerritoryValue(subject, "until", until, f"must be after {since}")
        for held in self.assignments:
            if held["grid"] == grid and (held["until"] is None or since < held["until"]) \
                    and (until is None or held["since"] < until):
                raise InvalidTerritoryValue(subject, "grid", grid,
                                            f"is already held from {held['since']}")
        self._assigned(grid, since, until)

    @event("AssignedToGrid")
    def _assigned(self, grid: str, since: date, until: date | None) -> None:
        self.assignments.append({"grid": grid, "since": since, "until": until})

    def release(self, grid: str, until: date) -> None:
        """End the open assignment to `grid` on `until` (the first day not held)."""
        for held in self.assignments:
            if held["grid"] == grid and held["until"] is None:
                if until <= held["since"]:
                    raise DateOutOfOrder(f"worker {self.code}", "release", until,
                                         held["since"])
                self._released(grid, until)
                return
        raise InvalidTerritoryValue(f"worker {self.code}", "grid", grid,
                                    "has no open assignment to release")

    @event("ReleasedFromGrid")
    def _released(self, grid: str, until: date) -> None:
        for held in self.assignments:
            if held["grid"] == grid and held["until"] is None:
                held["until"] = until

    def grids_at(self, day: date) -> list[str]:
        return [held["grid"] for held in self.assignments
                if held["since"] <= day and (held["until"] is None or day < held["until"])]
