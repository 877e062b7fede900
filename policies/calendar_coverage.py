"""Whether the business calendar still covers the days ahead, and how surely.

The calendar file holds whole years, and each year's holidays and make-up days come from
the State Council's notice, published late in the year before (policies/data/calendar.toml).
Past its last day every SLA clock that needs working time stops with CalendarRangeError,
and a "projected" year was worked out before its notice came out: its deadlines may be a
day or a week off. Both are known long before they matter, so `policy check` and the
worker say so ahead (`HORIZON_DAYS`), and `/metrics` shows the days left.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from policies.calendar import BusinessCalendar

HORIZON_DAYS = 90   # a notice comes out in November or December: a quarter ahead covers it


@dataclass
class CalendarCoverage:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return self.errors + self.warnings


def days_left(calendar: BusinessCalendar, today: date) -> int:
    """Days from `today` to the calendar's last day (0 on the last day, negative past it)."""
    return (calendar.last_day - today).days


def calendar_coverage(calendar: BusinessCalendar, today: date,
                      horizon_days: int = HORIZON_DAYS) -> CalendarCoverage:
    found, source = CalendarCoverage(), calendar.source
    left = days_left(calendar, today)
    if today < calendar.first_day or left < 0:
        found.errors.append(
            f"{source}: {today} is outside the calendar ({calendar.first_day} to "
            f"{calendar.last_day}): SLA clocks on working time cannot run; add the "
            f"[[year]] {today.year} from the State Council's notice")
        return found
    if left < horizon_days:
        found.warnings.append(
            f"{source}: the calendar ends on {calendar.last_day}, in {left} days; add the "
            f"[[year]] {calendar.last_day.year + 1} from the State Council's notice "
            "(usually published in November), or SLA clocks stop after that day")
    ahead = today + timedelta(days=horizon_days)
    for year in calendar.projected_years:
        if today.year <= year <= ahead.year:   # (a past one no longer decides a deadline)
            starts = max(date(year, 1, 1), today)
            when = "now" if starts == today else f"from {starts}, in {(starts - today).days} days"
            found.warnings.append(
                f"{source}: {year} is projected (worked out before its notice was "
                f"published), and deadlines use it {when}; replace it with the State "
                "Council's notice")
    return found
