"""SLA clocks per incident and stage, from published incident events (pure, replayable).

    clocks = SlaClocks()                       # demo SLA classes + business calendar
    clocks.apply(events)                       # published event dicts, per-incident order
    clocks.stages(incident_id)                 # [StageClock, ...] in the order they started
    clocks.light(incident_id, "handle", now)   # "green" | "yellow" | "red" | None
    clocks.alert_times(incident_id)            # when each running stage passes 80% / 100%
    for incident_id, clock in clocks.all_clocks(): ...   # for the evaluation views

A StageClock (projections/sla_stage_clock.py) has stage, department, sla_class, limit,
started_at, due_at, ended_at, ended_by, on_time, used, paused, extension (due_at, on_time
and used are worked out when first asked, then kept: applying events is cheap). For evaluation:
count clocks with `ended_at` set and not `stopped`; `on_time` is the verdict. Use it rather
than `ended_at <= due_at`: both are in the stage's measure, so work finished in the lunch
break after a 12:00 deadline used no more working time and is on time.

The stages:
- dispatch 派遣: Reported -> the first Dispatched (or Reassigned out of a manual queue).
- accept 签收: each Dispatched/Reassigned to a department -> Accepted; Returned, Reassigned
  or Reclassified ends that department's clock as it stood; the next dispatch starts a new
  one. One clock per department, all kept.
- handle 处置: Accepted -> that acceptance's first Resolved (rework after Reopened is not
  timed here); ended as it stood by Returned/Reassigned/Reclassified.
- verify 核查: each Resolved -> Closed or Reopened.
- close 结案: Reported -> Closed, across returns and rework.
Suspended..Resumed pauses every running clock. ExtensionGranted(hours) adds that many hours
to the open handle and close clocks, in each one's measure (working hours for working-time
limits, absolute hours for calendar limits). Voided/MergedAsDuplicate stop every clock
with no verdict. The class is the latest routing decision's and the priority the report's;
a limit is fixed when its stage starts, except that dispatch and close start at the report,
before any class is known: their limits are fixed by the first routing decision.
Business time is each event's `occurred_at` (`reported_at` for Reported).

Lights and alerts: `light` compares the time used (stage measure, pauses excluded) with
80% / 100% of the limit plus extensions: green <= 80% < yellow <= 100% < red.
`alert_times` gives, per running stage, the instants the clock passes 80% and 100%: at
the instant the share equals the threshold, right after it exceeds it. For working-time
stages that instant lies in working time: a threshold reached at 12:00 is passed at 13:30,
so `breached_at` is `due_at` unless `due_at` ends a working period. A paused stage has no
alert instants until Resumed. An instant outside the calendar file's years raises
CalendarRangeError (policies/calendar.py): update the file, then rebuild.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from policies.calendar import BusinessCalendar, default_calendar
from policies.sla_classes import SlaClasses, default_sla_classes
from projections.incident_table import IncidentTable
from projections.sla_incident_clocks import IncidentClocks, Rules, apply_event
from projections.sla_stage_clock import StageClock

__all__ = ["Alert", "AlertTimes", "IncidentClocks", "SlaClocks", "StageClock"]
Light = Literal["green", "yellow", "red"]


@dataclass(frozen=True, slots=True)
class AlertTimes:
    """When a running stage passes at-risk (80%) and breached (100%): yellow and red after."""
    stage: str
    department: str | None
    at_risk_at: datetime
    breached_at: datetime


@dataclass(frozen=True, slots=True)
class Alert:
    incident_id: str
    stage: str
    department: str | None
    level: Literal["at_risk", "breached"]
    at: datetime


class SlaClocks:
    name = "sla_clocks"

    def __init__(self, classes: SlaClasses | None = None, calendar: BusinessCalendar | None = None,
                 incidents: dict[str, IncidentClocks] | None = None):
        self.classes = classes or default_sla_classes()
        self.calendar = calendar or default_calendar()
        self.incidents: dict[str, IncidentClocks] = incidents if incidents is not None else {}
        self._rules = Rules(self.classes, self.calendar)

    def apply(self, events: Iterable[dict[str, Any]]) -> set[str]:
        """Apply a batch; return the incident ids whose clocks changed."""
        changed: set[str] = set()
        rules = self._rules
        if rules.classes is not self.classes or rules.calendar is not self.calendar:
            rules = self._rules = Rules(self.classes, self.calendar)  # replaced since: follow
            for row in self.incidents.values():
                row.limits = rules.limits(row)
        incidents = self.incidents
        get, last_id, row = incidents.get, None, None
        for event in events:
            incident_id = event["incident_id"]
            if incident_id != last_id:   # (an incident's events mostly come together)
                row, last_id = get(incident_id), incident_id
            if row is None:
                if event["type"] != "Reported":
                    continue  # an incident let go of once finished (views.py): it stays gone
                row = incidents[incident_id] = IncidentClocks()
            elif event["version"] <= row.version:
                continue  # a resent event: applied already
            apply_event(row, event, rules)
            row.version = event["version"]  # after: an event that raised is not marked applied
            changed.add(incident_id)
        return changed

    def spread_tables(self) -> None:
        self.incidents = IncidentTable(self.incidents)   # grown live from here

    def forget(self, incident_id: str) -> None:
        self.incidents.pop(incident_id, None)

    # -- questions ----------------------------------------------------------------------
    def stages(self, incident_id: str) -> list[StageClock]:
        row = self.incidents.get(incident_id)
        return list(row.clocks) if row else []

    def all_clocks(self) -> Iterator[tuple[str, StageClock]]:
        for incident_id, row in self.incidents.items():
            for clock in row.clocks:
                yield incident_id, clock

    def light(self, incident_id: str, stage: str, now: datetime) -> Light | None:
        """The open stage's light by the share of its limit used at `now`; None when the
        stage is not running or its limit is not known yet."""
        row = self.incidents.get(incident_id)
        clock = next(iter(row.open(stage)), None) if row else None
        if clock is None or clock.limit is None:
            return None
        used, thresholds = clock.used_at(now, self.calendar), self.classes.thresholds
        if used <= clock.threshold(thresholds.at_risk, self.calendar):
            return "green"
        return "yellow" if used <= clock.threshold(thresholds.breached, self.calendar) else "red"

    def alert_times(self, incident_id: str) -> list[AlertTimes]:
        """For each open stage with a known limit that is not paused (a pause moves the
        instants: ask again after Resumed)."""
        row = self.incidents.get(incident_id)
        thresholds = self.classes.thresholds
        return [AlertTimes(c.stage, c.department, c.passes(thresholds.at_risk, self.calendar),
                           c.passes(thresholds.breached, self.calendar))
                for c in (row.open() if row else []) if c.limit and c.paused_since is None]

    def alerts_due(self, incident_id: str, now: datetime) -> list[Alert]:
        """The alerts whose instant is at or before `now`, for the emitter to dedupe."""
        due = []
        for times in self.alert_times(incident_id):
            for level, at in (("at_risk", times.at_risk_at), ("breached", times.breached_at)):
                if at <= now:
                    due.append(Alert(incident_id, times.stage, times.department, level, at))
        return due
