"""The business calendar: working days and working time, and deadline arithmetic on them.

    cal = default_calendar()                  # policies/data/calendar.toml, Asia/Shanghai
    cal.day_kind(date(2026, 2, 14))           # "workday": the Spring Festival's make-up Saturday
    cal.add(t, 4, "working_hours")            # the deadline of a 4-working-hour limit from t
    cal.working_time_between(a, b)            # timedelta of working time in [a, b]

Conventions (tests/unit/test_calendar.py holds each one):
- Working time is the union of the closed periods of each working day (default
  09:00-12:00 and 13:30-17:30, so a working day is 7 working hours).
- `add` for a working unit gives the EARLIEST instant by which the amount of working time
  has passed, so a deadline may be the end of a period, never inside a gap: 4 working hours
  from 16:30 fall due at 12:00 on the next working day, not at 13:30. `advance(...,
  latest=True)` gives the other end, the last instant with no more used (13:30 there).
- N working days = N x the length of a working day in working time (the field's usual
  rule): 1 working day from Monday 10:00 is Tuesday 10:00; fractions are allowed.
- Calendar units (urgent cases) are absolute time: nights, weekends and holidays count.
- Out of range: a date outside the file's years raises CalendarRangeError, never a guess.
  The file must gain each year's State Council arrangement; `projected_years` lists the
  years worked out before their arrangement was published.
- Speed: see policies/calendar_timeline.py; `add` and `working_time_between` take 2-3 us.
  Callers timing many durations keep `timeline` positions (integers) and use the *_us
  forms, which the timedelta ones wrap.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from policies.calendar_model import CalendarDocument
from policies.calendar_timeline import CalendarRangeError, WorkingTimeline, microseconds_of_day
from policies.config_file import parse_config

__all__ = ["DEFAULT_CALENDAR", "BusinessCalendar", "CalendarRangeError", "default_calendar",
           "load_calendar", "measure_of"]
DEFAULT_CALENDAR = Path(__file__).parent / "data" / "calendar.toml"
Unit = Literal["working_minutes", "working_hours", "working_days",
               "calendar_minutes", "calendar_hours", "calendar_days"]
Measure = Literal["working", "calendar"]
DayKind = Literal["workday", "weekend", "holiday"]
_UNIT_US = {"working_minutes": 60_000_000, "working_hours": 3_600_000_000,
            "calendar_minutes": 60_000_000, "calendar_hours": 3_600_000_000,
            "calendar_days": 86_400_000_000}
_ZERO, _ONE_US = timedelta(0), timedelta(microseconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def measure_of(unit: str) -> Measure:
    return "working" if unit.startswith("working_") else "calendar"


class BusinessCalendar:
    def __init__(self, document: CalendarDocument, source: str = "<calendar>"):
        self.source = source
        self.time_zone = ZoneInfo(document.time_zone)
        self.projected_years = tuple(y.year for y in document.years if y.status == "projected")
        self.timeline = WorkingTimeline(document.days(), document.working_hours, self.time_zone,
                                        source)
        self.first_day, self.last_day = self.timeline.first_day, self.timeline.last_day
        self.day_length = timedelta(0, 0, self.timeline.day_us)
        self._scale = {**_UNIT_US, "working_days": self.timeline.day_us}

    def __deepcopy__(self, memo: dict) -> BusinessCalendar:
        return self  # immutable once loaded: the clocks that hold it copy as plain data

    # -- days ----------------------------------------------------------------------------
    def day_kind(self, day: date) -> DayKind:
        """"workday" (make-up weekend days included), "weekend" or "holiday"."""
        return self.timeline.kinds[self.timeline.index(day)]  # type: ignore[return-value]

    def is_working_day(self, day: date) -> bool:
        return self.timeline.kinds[self.timeline.index(day)] == "workday"

    def is_working_time(self, t: datetime) -> bool:
        """Inside a working period of a working day, both ends included."""
        local = t.astimezone(self.time_zone)
        s = microseconds_of_day(local)
        periods = self.timeline.periods
        return self.is_working_day(local.date()) and any(a <= s <= b for a, b in periods)

    # -- durations and deadlines, in integer microseconds of a measure and as timedeltas --------
    def elapsed_us(self, a: datetime, b: datetime, measure: Measure,
                   a_at: int | None = None) -> int:
        """From a to b in microseconds of the measure, from positions (working time since the
        first day, or absolute time since 1970: `a_at` is a's if known); zero when b <= a, and
        then neither is looked up: an instant outside the calendar raises only if it counts."""
        position = self.timeline.position if measure == "working" else _absolute
        try:
            end = position(b)
            return max(end - (position(a) if a_at is None else a_at), 0)
        except CalendarRangeError:
            if b <= a:
                return 0
            raise

    def advance_us(self, start: datetime, span_us: int, measure: Measure, latest: bool = False,
                   start_at: int | None = None) -> datetime:
        """`advance` by microseconds (`start_at`: the start's working position, if known)."""
        if span_us == 0:
            return start
        if measure == "calendar":  # via UTC: the zone's wall clock may jump
            return (start.astimezone(UTC) + timedelta(0, 0, span_us)).astimezone(self.time_zone)
        start_at = self.timeline.position(start) if start_at is None else start_at
        return self.timeline.instant(start_at + span_us, latest)

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time in [a, b]; zero when b <= a."""
        return timedelta(0, 0, self.elapsed_us(a, b, "working"))

    def elapsed(self, a: datetime, b: datetime, measure: Measure) -> timedelta:
        """Time from a to b in a measure: working time, or absolute time; zero when b <= a."""
        return timedelta(0, 0, self.elapsed_us(a, b, measure))

    def span(self, amount: float, unit: str) -> timedelta:
        """An amount of a unit as a duration of its measure (a working day = day_length)."""
        return timedelta(0, 0, self.microseconds(amount, unit))

    def add(self, start: datetime, amount: float, unit: Unit) -> datetime:
        """The deadline `amount` units after `start` (earliest instant; zero gives start)."""
        return self.advance_us(start, self.microseconds(amount, unit), measure_of(unit))

    def advance(self, start: datetime, span: timedelta, measure: Measure,
                latest: bool = False) -> datetime:
        """The earliest instant (with `latest`, the last) at which `span` of the measure has
        passed since `start`; a zero span gives `start`."""
        if span < _ZERO:
            raise ValueError(f"a span cannot be negative, got {span}")
        return self.advance_us(start, span // _ONE_US, measure, latest)

    def microseconds(self, amount: float, unit: str) -> int:
        """`span(amount, unit)` in microseconds."""
        scale = self._scale.get(unit)
        if scale is None:
            raise ValueError(f"unknown unit {unit!r}; one of {sorted(self._scale)}")
        if amount < 0:
            raise ValueError(f"an amount cannot be negative, got {amount}")
        return round(amount * scale)


def _absolute(t: datetime) -> int:
    return (t - _EPOCH) // _ONE_US  # aware datetimes subtract through UTC


def load_calendar(path: Path | str = DEFAULT_CALENDAR) -> BusinessCalendar:
    path = Path(path)
    return BusinessCalendar(parse_config(CalendarDocument, path.read_bytes(), str(path)), str(path))


@lru_cache(maxsize=1)
def default_calendar() -> BusinessCalendar:
    return load_calendar()
