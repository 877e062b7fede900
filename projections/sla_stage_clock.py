"""One stage's SLA clock: its limit, pauses and extensions, and the verdict frozen at its end.

Every duration here is in the stage's own measure, fixed by its limit's unit: working time
of the business calendar for working units, absolute time for calendar units (urgent).
The arithmetic takes the calendar as an argument, so a clock is plain data (comparable,
copyable) and the projection that holds them can be rebuilt and compared.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from policies.calendar import BusinessCalendar
from policies.sla_classes import Limit

ZERO = timedelta(0)
STOPPING = frozenset({"Voided", "MergedAsDuplicate"})


@dataclass(slots=True)
class StageClock:
    stage: str                          # dispatch | accept | handle | verify | close
    department: str | None              # whose clock (accept, handle, verify); None otherwise
    started_at: datetime
    sla_class: str | None = None        # the class whose limit applies; None until known
    limit: Limit | None = None          # as configured, fixed when the limit became known
    extension: timedelta = ZERO         # granted extensions, in the stage's measure
    paused: timedelta = ZERO            # finished pauses (挂账), in the stage's measure
    paused_since: datetime | None = None
    due_at: datetime | None = None      # earliest instant the limit (+ extensions + pauses) is used
    ended_at: datetime | None = None
    ended_by: str | None = None         # the event type that ended it
    on_time: bool | None = None         # frozen at the end; None while open and when stopped
    used: timedelta | None = None       # frozen at the end: time used, pauses excluded

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    @property
    def stopped(self) -> bool:
        """Voided or merged as a duplicate: no verdict, out of every denominator."""
        return self.ended_by in STOPPING

    @property
    def measure(self) -> str | None:
        return self.limit.measure if self.limit else None

    # -- changes (the projection calls these as events arrive) ----------------------------
    def fix_limit(self, sla_class: str, limit: Limit, calendar: BusinessCalendar) -> None:
        self.sla_class, self.limit = sla_class, limit
        self._reschedule(calendar)

    def pause(self, at: datetime) -> None:
        if self.is_open and self.paused_since is None:
            self.paused_since = at

    def resume(self, at: datetime, calendar: BusinessCalendar) -> None:
        if self.paused_since is not None:
            if self.limit is not None:
                self.paused += calendar.elapsed(self.paused_since, at, self.limit.measure)
            self.paused_since = None
            self._reschedule(calendar)

    def extend(self, span: timedelta, calendar: BusinessCalendar) -> None:
        self.extension += span
        self._reschedule(calendar)

    def end(self, at: datetime, by: str, calendar: BusinessCalendar) -> None:
        """Freeze the clock as it stands: a later pause or extension changes nothing."""
        self.resume(at, calendar)  # a pause still running ends with the stage
        self.ended_at, self.ended_by = at, by
        if self.limit is not None:
            self.used = self.used_at(at, calendar)
            self.on_time = None if by in STOPPING else self.used <= self.allowed(calendar)

    # -- questions ----------------------------------------------------------------------
    def allowed(self, calendar: BusinessCalendar) -> timedelta:
        """The limit plus granted extensions, in the stage's measure."""
        assert self.limit is not None
        return calendar.span(self.limit.amount, self.limit.unit) + self.extension

    def used_at(self, now: datetime, calendar: BusinessCalendar) -> timedelta:
        """Time used by `now` in the stage's measure, pauses (finished or running) excluded."""
        assert self.limit is not None
        measure = self.limit.measure
        used = calendar.elapsed(self.started_at, now, measure) - self.paused
        if self.paused_since is not None:
            used -= calendar.elapsed(self.paused_since, now, measure)
        return max(used, ZERO)

    def threshold(self, share: float, calendar: BusinessCalendar) -> timedelta:
        """`share` of the allowed time, to the microsecond (lights and alerts share it)."""
        return timedelta(0, 0, round(self.allowed(calendar) / timedelta(0, 0, 1) * share))

    def passes(self, share: float, calendar: BusinessCalendar) -> datetime:
        """The instant the clock passes `share` of the allowed time: at it the share is
        exactly reached, right after it exceeded. For working time that is inside a working
        period (or at its start), never in a gap. Valid while the clock runs (not paused)."""
        assert self.limit is not None
        return calendar.advance(self.started_at, self.threshold(share, calendar) + self.paused,
                                self.limit.measure, latest=True)

    def _reschedule(self, calendar: BusinessCalendar) -> None:
        # While paused this is the deadline as it stood; Resumed moves it by the pause.
        if self.limit is not None and self.is_open:
            self.due_at = calendar.advance(self.started_at, self.allowed(calendar) + self.paused,
                                           self.limit.measure)
