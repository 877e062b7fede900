"""How each published incident event moves an incident's SLA clocks (see projections/sla_clock.py).

Kept apart from the projection so the rules of the stages read as one table-like function.
An event only records what it means (sla_stage_clock.py works out the rest when asked):
its time is parsed once and shared by the clocks it moves, and the calendar is only asked
whether that time and the deadlines it sets lie in the covered years (the day is enough:
WorkingTimeline.day_end). Resumed alone measures something now: the pause.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from policies.calendar import BusinessCalendar
from policies.calendar_timeline import CalendarRangeError
from policies.sla_classes import STAGES, Limit, SlaClasses
from projections.sla_stage_clock import ONE_US, STOPPING, StageClock

ROUTING = frozenset({"Dispatched", "QueuedForManualDispatch", "Reassigned"})
EVERY = ("dispatch", "accept", "handle", "verify", "close")
# What each event does to the stages: the ones whose running clocks it ends (as they stand:
# the verdict freezes), and the one it starts for the event's department. Events not named
# here move no clock and return before their time is even parsed.
MOVES: dict[str, tuple[tuple[str, ...], str | None]] = {
    "Reported": ((), None),                     # starts dispatch and close: no department
    "Dispatched": (("dispatch", "accept", "handle"), "accept"),
    "Reassigned": (("dispatch", "accept", "handle"), "accept"),
    "QueuedForManualDispatch": ((), None),      # the wait in the queue counts for dispatch
    "Returned": (("accept", "handle"), None),
    "Reclassified": (("accept", "handle"), None),
    "Accepted": (("accept",), "handle"),
    "Resolved": (("handle",), "verify"),        # rework after Reopened is not timed
    "Reopened": (("verify",), None),
    "Closed": (EVERY, None),
    **{kind: (EVERY, None) for kind in STOPPING},
    "Suspended": ((), None), "Resumed": ((), None), "ExtensionGranted": ((), None),
}
# stage -> the resolved class, the limit, its measure and its microseconds: StageClock.fix
Limits = dict[str, tuple[str, Limit, str, int]]


class Rules:
    """The SLA classes and calendar the clocks run on; each (class, priority) seen has its
    resolved class and stage limits worked out once (a dict hit per stage started)."""

    def __init__(self, classes: SlaClasses, calendar: BusinessCalendar):
        self.classes, self.calendar = classes, calendar
        self._limits: dict[tuple[str, str | None], Limits] = {}

    def limits(self, row: IncidentClocks) -> Limits | None:
        """The limits of the row's class and priority now; None before any class is known."""
        if row.sla_class is None:
            return None
        found = self._limits.get((row.sla_class, row.priority))
        if found is None:
            name, found = self.classes.resolve(row.sla_class), {}
            for stage in STAGES:
                limit = self.classes.limit(row.sla_class, row.priority, stage)
                us = self.calendar.microseconds(limit.amount, limit.unit)
                found[stage] = (name, limit, limit.measure, us)
            self._limits[row.sla_class, row.priority] = found
        return found


@dataclass(slots=True)
class IncidentClocks:
    version: int = 0
    priority: str | None = None
    sla_class: str | None = None        # the latest routing decision's
    suspended_since: datetime | None = None
    clocks: list[StageClock] = field(default_factory=list)
    limits: Limits | None = field(default=None, compare=False, repr=False)  # of class, priority

    def open(self, *stages: str) -> list[StageClock]:
        return [c for c in self.clocks if c.ended_at is None and (not stages or c.stage in stages)]


def apply_event(row: IncidentClocks, event: dict[str, Any], rules: Rules) -> None:
    """Fold one event (not yet applied to this row) into the incident's clocks."""
    kind = event["type"]
    move = MOVES.get(kind)
    if move is None:
        return
    cal, (ends, starts) = rules.calendar, move
    # Events arrive as dicts: ISO strings off the topic, datetimes straight from the store.
    at = event["reported_at"] if kind == "Reported" else event["occurred_at"]
    if not isinstance(at, datetime):
        at = datetime.fromisoformat(at)
    if at.tzinfo is None:
        at = at.replace(tzinfo=cal.time_zone)
    if kind in ROUTING:  # the class is the latest decision's
        row.sla_class = event["sla_class"]
        row.limits = limits = rules.limits(row)
        for clock in row.clocks if limits else ():
            if clock.limit is None and clock.ended_at is None:  # dispatch and close: the
                clock.fix(limits[clock.stage], cal)               # first class fixes them
    elif kind == "Reported":
        row.priority = event.get("priority")
        if row.sla_class is not None:  # (not in this order of events: the class comes later)
            row.limits = rules.limits(row)
        row.clocks += [StageClock("dispatch", None, at), StageClock("close", None, at)]
    elif kind == "Suspended":
        row.suspended_since = at
        for clock in row.open():
            clock.paused_since = clock.paused_since or at
    elif kind == "Resumed":
        row.suspended_since = None
        for clock in row.open():
            _resume(clock, at)
    elif kind == "ExtensionGranted":  # an hour is an hour of either measure
        for clock in row.open("handle", "close"):
            clock.extension_us += timedelta(hours=event["hours"]) // ONE_US
            clock.reschedule()
    for clock in row.clocks if ends else ():  # in the order they started: dispatch first
        if clock.ended_at is None and clock.stage in ends:  # frozen as it stands from now on
            if clock.paused_since is not None:
                _resume(clock, at)  # a pause still running ends with the stage
            clock.ended_at, clock.ended_by = at, kind
            if clock.measure == "working":  # `used` will look `at` up: it must be in the calendar
                try:
                    cal.timeline.day_end(at)
                except CalendarRangeError:
                    if at > clock.started_at:  # else nothing is looked up: used is zero
                        raise
    if starts:
        clock = StageClock(starts, event["department"], at)
        if row.limits:
            clock.fix(row.limits[starts], cal)
        if row.suspended_since is not None:  # cannot happen in today's loop; cheap to honour
            clock.paused_since = at
        row.clocks.append(clock)


def _resume(clock: StageClock, at: datetime) -> None:
    if clock.paused_since is not None:
        if clock.limit is not None:  # a pause before the limit was known does not count
            clock.paused_us += clock.elapsed_us(clock.paused_since, at)
        clock.paused_since = None
        clock.reschedule()
