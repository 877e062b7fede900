"""Which escalation alerts an incident's open SLA clocks have due, when the next one falls,
and who each alert tells.

Apart from the watcher (sla_watcher.py), which chooses the incidents a tick looks at and
keeps what is planned and saved: this is the calendar work on one incident's clocks. It
reads the live views and the escalation policy, and writes only the views' list of SLA
problems (a time beyond the calendar file's years).
"""
from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import chain

from policies.calendar_timeline import CalendarRangeError
from policies.escalation import EscalationPolicy, Step, fire_times
from projections.sla_stage_clock import StageClock
from projections.views import Views

CITY_CENTRE = "city-command-centre"


@dataclass(frozen=True)
class DueAlert:
    incident_id: str
    key: str
    stage: str
    level: str
    step: int
    notified: list[str]
    fires_at: datetime


class DueAlerts:
    def __init__(self, views: Views, policy: EscalationPolicy, departments: set[str]):
        self.views, self.policy, self.departments = views, policy, departments
        self.problems: set[str] = set()    # incidents with instants beyond the calendar
        # No step fires before the earliest level any step waits for is reached.
        thresholds = views.sla.classes.thresholds
        self._earliest_share = min(getattr(thresholds, step.level) for step in policy.step)

    def of(self, incident_id: str, clocks: Iterable[StageClock], now: datetime | None,
           recorded: Collection[str], pending: Collection[str],
           ) -> tuple[list[DueAlert], datetime | None]:
        """The incident's alerts due by `now` whose keys are neither `recorded` nor
        `pending`, and the earliest instant of the others (None: none left while its clocks
        stay as they are)."""
        sla = self.views.sla
        alerts, after, thresholds = [], None, sla.classes.thresholds
        # Keys are only spelled out when something could match them, or an alert is due:
        # most incidents looked at have nothing recorded yet and nothing due for hours.
        taken = recorded or pending
        earliest_share = self._earliest_share
        for clock in clocks:
            if clock.limit is None or clock.paused_since is not None:
                continue
            if not taken:
                # Nothing of this incident recorded or pending: no step fires before the
                # earliest level is reached, and until then that instant is all the schedule
                # needs; the steps are worked out when it comes (or the clock changes).
                # Until a lower bound of it, not even the instant: most clocks stop or
                # change before, and the calendar was half of a new incident's look.
                bound = clock.passes_no_sooner_than(earliest_share)
                if now is None or bound > now:
                    after = bound if after is None else min(after, bound)
                    continue
                try:
                    earliest = clock.passes(earliest_share, sla.calendar)
                except CalendarRangeError as error:
                    self._problem(incident_id, error)
                    continue
                if now is None or earliest > now:
                    after = earliest if after is None else min(after, earliest)
                    continue
            prefix, levels = f"{clock.stage}@{clock.started_at.isoformat()}#", {}
            for index, step in enumerate(self.policy.step):
                try:
                    if step.level not in levels:
                        levels[step.level] = clock.passes(getattr(thresholds, step.level),
                                                          sla.calendar)
                    times = fire_times(step, levels[step.level], clock.limit.measure,
                                       sla.calendar)
                    first = next(times)
                except CalendarRangeError as error:  # beyond the calendar file's years: in
                    self._problem(incident_id, error)  # plain sight, and the other steps go on
                    continue
                for repeat, fires_at in enumerate(chain((first,), times)):
                    key = f"{prefix}{index}.{repeat}" if taken or (now and fires_at <= now) else None
                    if taken and (key in recorded or key in pending):
                        continue
                    if now is None or fires_at > now:  # the repeats after it are later still
                        after = fires_at if after is None else min(after, fires_at)
                        break
                    alerts.append(DueAlert(incident_id, key, clock.stage, step.level, index,
                                           self.who(step, incident_id, clock.department),
                                           fires_at))
        return alerts, after

    def _problem(self, incident_id: str, error: Exception) -> None:
        if incident_id not in self.problems:
            self.problems.add(incident_id)
            self.views.sla_problems.append((incident_id, 0, f"SLA watcher: {error}"))

    def who(self, step: Step, incident_id: str, department: str | None) -> list[str]:
        """The departments a step of the incident's alert tells."""
        facts = self.views.facts.facts.get(incident_id)
        street = facts.street if facts else None
        district = facts.district if facts else None
        holder = department or (facts.department if facts else None)
        roles = {"holder": holder,
                 "street": f"{street}-office" if street else None,
                 "district": f"{district}-command-centre" if district else None,
                 "city": CITY_CENTRE}
        told = [roles[role] for role in step.notify if roles[role]]
        # A role the territory lacks (no street office here) falls to the city centre.
        return list(dict.fromkeys(d if d in self.departments else CITY_CENTRE for d in told))
