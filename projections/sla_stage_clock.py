"""One stage's SLA clock: its limit, pauses and extensions, and the verdict frozen at its end.

Every duration is in the stage's own measure, fixed by its limit's unit (working time of the
business calendar for working units, absolute time for calendar units: urgent), in integer
microseconds between positions (calendar.timeline's working time, or time since 1970).
Applying an event only records it and checks that the instants it brings and the deadline
it sets lie in the calendar's years (CalendarRangeError then, not when asked). `due_at` is
worked out when first asked and kept until a pause or an extension moves it; `used` and
`on_time` once the stage has ended, for good: the projection changes open clocks only. The
calendar and the kept answers are left out of comparisons and copies (plain data).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from policies.calendar import BusinessCalendar
from policies.calendar_timeline import CalendarRangeError
from policies.sla_classes import Limit

ONE_US = timedelta(microseconds=1)
STOPPING = frozenset({"Voided", "MergedAsDuplicate"})


@dataclass(slots=True)
class StageClock:
    stage: str                          # dispatch | accept | handle | verify | close
    department: str | None              # whose clock (accept, handle, verify); None otherwise
    started_at: datetime
    sla_class: str | None = None        # the class whose limit applies; None until known
    limit: Limit | None = None          # as configured, fixed when the limit became known
    measure: str | None = None          # the limit's: "working" or "calendar"
    paused_since: datetime | None = None
    ended_at: datetime | None = None
    ended_by: str | None = None         # the event type that ended it
    limit_us: int = 0                   # the limit, in microseconds of the measure
    extension_us: int = 0               # granted extensions, likewise
    paused_us: int = 0                  # finished pauses (挂账), likewise
    calendar: BusinessCalendar | None = field(default=None, compare=False, repr=False)
    origin: int | None = field(default=None, compare=False, repr=False)  # the start's, working
    kept_due: datetime | None = field(default=None, compare=False, repr=False)
    kept_used: int | None = field(default=None, compare=False, repr=False)

    is_open = property(lambda self: self.ended_at is None)
    stopped = property(lambda self: self.ended_by in STOPPING, doc="Voided or merged: no verdict")
    extension = property(lambda self: timedelta(0, 0, self.extension_us))
    paused = property(lambda self: timedelta(0, 0, self.paused_us))

    @property
    def due_at(self) -> datetime | None:
        """The earliest instant the limit (+ extensions + finished pauses) is used; while
        paused, as it stood. None until the limit is known or if beyond the calendar."""
        due = self.kept_due  # read once: an event applied meanwhile may forget it
        if due is None and self.limit is not None:
            try:  # (applying the event that moved it beyond the calendar raised)
                span_us = self.limit_us + self.extension_us + self.paused_us
                due = self.kept_due = self._advance(span_us)
            except CalendarRangeError:
                return None
        return due

    @property
    def used_us(self) -> int | None:
        """`used` in microseconds of the measure."""
        used = self.kept_used
        if used is None and self.ended_at is not None and self.limit is not None:
            try:
                used = self.elapsed_us(self.started_at, self.ended_at) - self.paused_us
            except CalendarRangeError:  # ended outside the calendar: `end` raised for it
                return None
            used = self.kept_used = max(used, 0)
        return used

    @property
    def used(self) -> timedelta | None:
        """Time used by the end, pauses excluded: None while open or untimed."""
        used = self.used_us
        return None if used is None else timedelta(0, 0, used)

    @property
    def on_time(self) -> bool | None:
        """used <= limit + extensions; None while open, when stopped or untimed."""
        used = self.used_us
        if used is None or self.ended_by in STOPPING:
            return None
        return used <= self.limit_us + self.extension_us

    # -- the limit (projections/sla_incident_clocks.py makes the other changes) -----------
    def fix_limit(self, sla_class: str, limit: Limit, calendar: BusinessCalendar) -> None:
        self.fix((sla_class, limit, limit.measure, calendar.microseconds(limit.amount, limit.unit)),
                 calendar)

    def fix(self, limit: tuple[str, Limit, str, int], calendar: BusinessCalendar) -> None:
        """`fix_limit` with (class, limit, measure, microseconds) worked out once per class.
        A start outside the calendar raises with the clock left untimed; a deadline beyond
        it raises with the limit fixed (verdicts follow; the deadline is unknown)."""
        span_us, timeline = limit[3] + self.extension_us + self.paused_us, calendar.timeline
        checks = limit[2] == "working" and span_us and self.ended_at is None
        bound = timeline.day_end(self.started_at) if checks else 0  # outside: left untimed
        self.sla_class, self.limit, self.measure, self.limit_us = limit
        self.calendar, self.kept_due = calendar, None
        if checks and bound + span_us > timeline.total:  # near the calendar's end
            timeline.check_reach(self.started_at, span_us)

    # -- questions (lights and alerts) ------------------------------------------------------
    def allowed(self, calendar: BusinessCalendar) -> timedelta:
        """The limit plus granted extensions, in the stage's measure."""
        assert self.limit is not None
        return timedelta(0, 0, self.limit_us + self.extension_us)

    def used_at(self, now: datetime, calendar: BusinessCalendar) -> timedelta:
        """Time used by `now` in the stage's measure, pauses (finished or running) excluded."""
        assert self.limit is not None
        used = self.elapsed_us(self.started_at, now) - self.paused_us
        if self.paused_since is not None:
            used -= self.elapsed_us(self.paused_since, now)
        return timedelta(0, 0, max(used, 0))

    def threshold(self, share: float, calendar: BusinessCalendar) -> timedelta:
        """`share` of the allowed time, to the microsecond (lights and alerts share it)."""
        return timedelta(0, 0, round((self.limit_us + self.extension_us) * share))

    def passes(self, share: float, calendar: BusinessCalendar) -> datetime:
        """The instant the clock passes `share` of the allowed time: at it the share is
        exactly reached, right after it exceeded. For working time that is inside a working
        period (or at its start), never in a gap. Valid while the clock runs (not paused)."""
        assert self.limit is not None
        span_us = round((self.limit_us + self.extension_us) * share) + self.paused_us
        return self._advance(span_us, latest=True)

    def passes_no_sooner_than(self, share: float) -> datetime:
        """A lower bound of `passes(share)` without the calendar: working time runs no
        faster than the wall clock, so the share is not reached before that much real time
        (pauses included) has gone by since the start."""
        assert self.limit is not None
        return self.started_at + timedelta(
            0, 0, round((self.limit_us + self.extension_us) * share) + self.paused_us)

    # -- calendar.elapsed and .advance in microseconds, the start's position kept -------
    def elapsed_us(self, a: datetime, b: datetime) -> int:
        """From a to b in the measure (calendar.elapsed_us): a timed clock's only."""
        calendar = self.calendar
        if a is not self.started_at or self.measure != "working":
            return calendar.elapsed_us(a, b, self.measure)
        if self.origin is None:  # a timed clock's start is in the calendar (`fix` checked)
            self.origin = calendar.timeline.position(a)
        return calendar.elapsed_us(a, b, "working", self.origin)

    def _advance(self, span_us: int, latest: bool = False) -> datetime:
        if self.origin is None and span_us and self.measure == "working":
            self.origin = self.calendar.timeline.position(self.started_at)
        return self.calendar.advance_us(self.started_at, span_us, self.measure, latest, self.origin)

    def reschedule(self) -> None:
        """The deadline moved: forget the kept one, and check now that it is in the calendar."""
        self.kept_due = None
        span_us = self.limit_us + self.extension_us + self.paused_us
        if span_us and self.measure == "working" and self.ended_at is None:  # (timed: a measure)
            self.calendar.timeline.check_reach(self.started_at, span_us)
