"""The department's side and the end of the loop: accepting, returning (and the
judgement on a return), resolving, verification on site, the reporter's rating.

The commands are a mixin of `Incident` (dispatch/domain/incident.py), where each event class
here is declared again so that it is stored under the topic it always had."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from eventsourcing.domain import Aggregate

from dispatch.domain.errors import InvalidCommand
from dispatch.domain.incident_status import IncidentStatus as S, Rating

if TYPE_CHECKING:
    from dispatch.domain.incident import Incident


class Accepted(Aggregate.Event):
    department: str
    at: datetime

    def apply(self, incident: Incident) -> None:
        incident.status = S.ACCEPTED


class Returned(Aggregate.Event):
    department: str
    reason: str
    at: datetime

    def apply(self, incident: Incident) -> None:
        incident.excluded_departments.append(self.department)
        incident.returned_by.append(self.department)
        incident.return_count += 1
        incident.status = S.AWAITING_ROUTING
        incident.department = incident.pending_extension_hours = None


class ReturnJudged(Aggregate.Event):
    number: int
    department: str
    justified: bool
    by: str
    note: str
    at: datetime

    def apply(self, incident: Incident) -> None:
        incident.judged_returns.append(self.number)


class Resolved(Aggregate.Event):
    department: str
    result: str
    at: datetime

    def apply(self, incident: Incident) -> None:
        incident.status = S.RESOLVED


class Closed(Aggregate.Event):
    grid_worker: str
    note: str
    at: datetime

    def apply(self, incident: Incident) -> None:
        incident.status = S.CLOSED


class Reopened(Aggregate.Event):
    grid_worker: str
    note: str
    at: datetime

    def apply(self, incident: Incident) -> None:
        incident.status = S.ACCEPTED
        incident.rework_count += 1


class Rated(Aggregate.Event):
    rating: str
    resolved: bool
    by: str
    at: datetime

    def apply(self, incident: Incident) -> None:
        incident.rating = self.rating
        incident.solved = self.resolved


class Handling:
    """The commands of `Incident` that the department and the grid worker give.
    A mixin: `self` is the `Incident`."""

    def accept(self, department: str, at: datetime) -> None:
        self._guard_department("accept", department)
        self.trigger_event(self.Accepted, department=department, at=at)

    def return_(self, department: str, reason: str, at: datetime) -> None:
        """退单: not ours. The department is excluded from every later decision."""
        self._guard_department("return", department)
        self._require("return", "reason", reason)
        self.trigger_event(self.Returned, department=department, reason=reason, at=at)

    def judge_return(self, number: int, justified: bool, by: str, note: str, at: datetime) -> None:
        """A supervisor judges the `number`-th return (1-based): an unjustified one is 推诿."""
        if not 1 <= number <= self.return_count:
            raise InvalidCommand(self.id, "judge return", f"there is no return number {number}")
        if number in self.judged_returns:
            raise InvalidCommand(self.id, "judge return", f"return {number} was judged already")
        self._require("judge return", "note", note)
        self.trigger_event(self.ReturnJudged, number=number,
                           department=self.returned_by[number - 1], justified=bool(justified),
                           by=by, note=note, at=at)

    def resolve(self, department: str, result: str, at: datetime) -> None:
        self._guard_department("resolve", department)
        self._require("resolve", "result", result)
        self.trigger_event(self.Resolved, department=department, result=result, at=at)

    def verify(self, grid_worker: str, passed: bool, note: str, at: datetime) -> None:
        """核查 on site: passed closes it (结案); failed reopens it for rework (返工)."""
        self._guard("verify")
        if not passed:
            self._require("verify", "note", note)
            self.trigger_event(self.Reopened, grid_worker=grid_worker, note=note, at=at)
        else:
            self.trigger_event(self.Closed, grid_worker=grid_worker, note=note, at=at)

    def rate(self, rating: str, by: str, at: datetime, resolved: bool = True) -> None:
        """The reporter's verdict: how satisfied, and whether the problem was solved."""
        self._guard("rate")
        if self.rating is not None:
            raise InvalidCommand(self.id, "rate", f"already rated {self.rating}")
        if rating not in Rating._value2member_map_:
            raise InvalidCommand(self.id, "rate", f"unknown rating {rating!r}")
        self.trigger_event(self.Rated, rating=rating, resolved=bool(resolved), by=by, at=at)
