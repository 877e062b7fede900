"""Working-time coordinates: an instant <-> microseconds of working time since the first day.

The business calendar's arithmetic reduces to this pair of maps. The working time before
each covered day is precomputed, so a conversion is a lookup, a bisect and a loop over
the day's (two) periods: no per-minute or per-day loops, 0.5-1 us each way. Times read
from events carry a fixed UTC offset (+08:00), not the zone: when the zone keeps one offset
over the covered years (Asia/Shanghai has since 1991), such a time already shows the local
wall clock and skips the zone conversion, which would take half the cost. `day_end` is the
cheaper range check for a time whose exact position is not needed yet.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo


class CalendarRangeError(ValueError):
    """An instant outside the years the calendar file covers."""


def microseconds_of_day(t: time | datetime) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


class WorkingTimeline:
    def __init__(self, days: list[tuple[date, str]], periods: tuple[tuple[time, time], ...],
                 time_zone: ZoneInfo, source: str):
        self.time_zone, self.source = time_zone, source
        self.periods = tuple((microseconds_of_day(a), microseconds_of_day(b)) for a, b in periods)
        self.day_us = sum(b - a for a, b in self.periods)
        self.first_day, self.last_day = days[0][0], days[-1][0]
        self.kinds = [kind for _, kind in days]
        self._first = self.first_day.toordinal()
        self._days = len(days)
        self._midnight = [datetime(d.year, d.month, d.day, tzinfo=time_zone) for d, _ in days]
        self._local = _fixed_offset(self._midnight)  # the zone as a fixed offset, if it is one
        self._last: tuple[datetime | None, int] = (None, 0)  # the last position asked (below)
        self._last_day: tuple[datetime | None, int] = (None, 0)
        # Working microseconds from first_day to the start / to the end of each day.
        self._cum_start: list[int] = []
        self._cum_end: list[int] = []
        total = 0
        for kind in self.kinds:
            self._cum_start.append(total)
            total += self.day_us if kind == "workday" else 0
            self._cum_end.append(total)
        self.total = total  # the last position `instant` can answer

    def index(self, day: date) -> int:
        index = day.toordinal() - self._first
        if not 0 <= index < self._days:
            raise self.out_of_range(day)
        return index

    def position(self, t: datetime) -> int:
        """Working microseconds from first_day 00:00 to t. The last answer is kept: the SLA
        clocks an event moves ask in turn about that event's instant (the same object)."""
        last = self._last
        if last[0] is t:
            return last[1]
        if t.tzinfo is None:
            raise ValueError(f"aware datetimes only, got {t!r}")
        local = t if t.tzinfo == self._local else t.astimezone(self.time_zone)
        day = local.toordinal() - self._first
        s = ((local.hour * 60 + local.minute) * 60 + local.second) * 1_000_000 + local.microsecond
        if not 0 <= day < self._days:
            if day != self._days or s:
                raise self.out_of_range(local.date())
            position = self.total  # the midnight ending the last day: still known
        else:
            position = self._cum_start[day]
            for a, b in self.periods if self.kinds[day] == "workday" else ():
                if s <= a:
                    break
                position += (b if s > b else s) - a  # noqa: FURB136 -- hot path, min() is slower
        self._last = (t, position)
        return position

    def day_end(self, t: datetime) -> int:
        """The position at the end of t's day: a bound on `position(t)` that raises as it
        would, without the time of day (range checks). It keeps its last answer too."""
        last = self._last_day
        if last[0] is t:
            return last[1]
        if t.tzinfo is not None:
            local = t if t.tzinfo == self._local else t.astimezone(self.time_zone)
            day = local.toordinal() - self._first
            if 0 <= day < self._days:
                self._last_day = (t, self._cum_end[day])
                return self._cum_end[day]
        return self.position(t)  # the error, or the midnight ending the last day

    def instant(self, position: int, latest: bool = False) -> datetime:
        """The earliest instant at this position: the end of a period rather than the start
        of the next. With `latest`, the last one: across a gap, the start of the next period."""
        if latest:  # the last day starting at or before the position
            day = bisect_right(self._cum_start, position) - 1
            beyond = position >= self._cum_end[day]
        else:       # the first day whose end reaches it
            day = bisect_left(self._cum_end, position)
            beyond = day >= self._days
        if beyond:
            raise self.beyond()
        rest = position - self._cum_start[day]
        for a, b in self.periods:
            if rest < b - a or (rest == b - a and not latest):
                return self._midnight[day] + timedelta(0, 0, a + rest)
            rest -= b - a
        raise AssertionError("unreachable: the day's working time covers the position")

    def check_reach(self, start: datetime, span_us: int) -> None:
        """Raise as `instant(position(start) + span_us)` would, looking up the start's exact
        position only when the end of its day is not far enough from the calendar's end."""
        total = self.total
        if self.day_end(start) + span_us > total and self.position(start) + span_us > total:
            raise self.beyond()

    def beyond(self) -> CalendarRangeError:
        """What `instant` raises for a position beyond `total` (after the last covered day)."""
        return self.out_of_range(self.last_day + timedelta(days=1))

    def out_of_range(self, day: date) -> CalendarRangeError:
        return CalendarRangeError(
            f"{day} is outside the business calendar {self.source}, which covers "
            f"{self.first_day}..{self.last_day}: add the State Council's holiday arrangement "
            f"for {day.year} to the file (it is published each year; dates are never guessed)")


def _fixed_offset(midnights: list[datetime]) -> timezone | None:
    """The zone's one UTC offset at every covered midnight, one day either side included,
    as a fixed-offset zone; None if it changes (daylight saving: never for Asia/Shanghai)."""
    around = (midnights[0] - timedelta(days=1), *midnights, midnights[-1] + timedelta(days=2))
    offsets = {t.utcoffset() for t in around}
    return timezone(offsets.pop()) if len(offsets) == 1 else None
