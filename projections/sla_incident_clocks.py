"""How each published incident event moves an incident's SLA clocks (see projections/sla_clock.py).

Kept apart from the projection so the rules of the stages read as one table-like function.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from policies.calendar import BusinessCalendar
from policies.sla_classes import SlaClasses
from projections.sla_stage_clock import STOPPING, StageClock

ROUTING = frozenset({"Dispatched", "QueuedForManualDispatch", "Reassigned"})
LEAVES_DEPARTMENT = frozenset({"Returned", "Reassigned", "Reclassified"})


@dataclass(slots=True)
class IncidentClocks:
    version: int = 0
    priority: str | None = None
    sla_class: str | None = None        # the latest routing decision's
    suspended_since: datetime | None = None
    clocks: list[StageClock] = field(default_factory=list)

    def open(self, *stages: str) -> list[StageClock]:
        return [c for c in self.clocks if c.is_open and (not stages or c.stage in stages)]


def apply_event(row: IncidentClocks, event: dict[str, Any], classes: SlaClasses,
                calendar: BusinessCalendar) -> None:
    """Fold one event (not yet applied to this row) into the incident's clocks."""
    kind, cal = event["type"], calendar
    at = _time(event["reported_at"] if kind == "Reported" else event["occurred_at"], cal)
    if kind == "Reported":
        row.priority = event.get("priority")
        row.clocks += [StageClock("dispatch", None, at), StageClock("close", None, at)]
    elif kind in ROUTING:
        row.sla_class = event["sla_class"]
        for clock in row.open():
            if clock.limit is None:  # dispatch and close: the first class known
                _fix_limit(row, clock, classes, cal)
        if kind != "QueuedForManualDispatch":
            _end(row, ("dispatch",), at, kind, cal)
            _end(row, ("accept", "handle"), at, kind, cal)
            _start(row, "accept", event["department"], at, classes, cal)
    elif kind in LEAVES_DEPARTMENT:  # Returned, Reclassified (Reassigned is routing)
        _end(row, ("accept", "handle"), at, kind, cal)
    elif kind == "Accepted":
        _end(row, ("accept",), at, kind, cal)
        _start(row, "handle", event["department"], at, classes, cal)
    elif kind == "Resolved":
        _end(row, ("handle",), at, kind, cal)
        _start(row, "verify", event["department"], at, classes, cal)
    elif kind == "Reopened":
        _end(row, ("verify",), at, kind, cal)
    elif kind == "Closed" or kind in STOPPING:
        _end(row, (), at, kind, cal)
    elif kind == "Suspended":
        row.suspended_since = at
        for clock in row.open():
            clock.pause(at)
    elif kind == "Resumed":
        row.suspended_since = None
        for clock in row.open():
            clock.resume(at, cal)
    elif kind == "ExtensionGranted":
        for clock in row.open("handle", "close"):
            clock.extend(timedelta(hours=event["hours"]), cal)


def _start(row: IncidentClocks, stage: str, department: str, at: datetime,
           classes: SlaClasses, calendar: BusinessCalendar) -> None:
    clock = StageClock(stage, department, at)
    _fix_limit(row, clock, classes, calendar)
    if row.suspended_since is not None:  # cannot happen in today's loop; cheap to honour
        clock.pause(at)
    row.clocks.append(clock)


def _fix_limit(row: IncidentClocks, clock: StageClock, classes: SlaClasses,
               calendar: BusinessCalendar) -> None:
    if row.sla_class is not None:
        limit = classes.limit(row.sla_class, row.priority, clock.stage)
        clock.fix_limit(classes.resolve(row.sla_class), limit, calendar)


def _end(row: IncidentClocks, stages: tuple[str, ...], at: datetime, by: str,
         calendar: BusinessCalendar) -> None:
    for clock in row.open(*stages):
        clock.end(at, by, calendar)


def _time(value: datetime | str, calendar: BusinessCalendar) -> datetime:
    # Events arrive as dicts: ISO strings off the topic, datetimes straight from the store.
    t = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return t if t.tzinfo is not None else t.replace(tzinfo=calendar.time_zone)
