"""The business-calendar file (policies/data/calendar.toml) as city staff write it, validated.

Checks what a typo would break silently: working periods in order and not overlapping,
covered years one after another, a make-up working day (调休上班) on a weekend day, no day
both a holiday and a make-up day, every date inside the covered years.
"""
from __future__ import annotations

from datetime import date, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Holiday(_Strict):
    """One festival's days off (first..last, inclusive) and its make-up working days."""
    name: str = Field(min_length=1)
    first: date
    last: date
    make_up: tuple[date, ...] = ()

    @model_validator(mode="after")
    def _in_order(self) -> Holiday:
        if self.last < self.first:
            raise ValueError(f"{self.name}: last ({self.last}) is before first ({self.first})")
        return self

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


class Year(_Strict):
    year: int = Field(ge=1991, le=2100)
    status: Literal["official", "projected"]
    source: str = Field(min_length=1)
    holidays: tuple[Holiday, ...]


class CalendarDocument(_Strict):
    time_zone: str = "Asia/Shanghai"
    weekend: tuple[Literal[WEEKDAYS], ...] = ("saturday", "sunday")  # type: ignore[valid-type]
    working_hours: tuple[tuple[time, time], ...] = ((time(9), time(12)), (time(13, 30), time(17, 30)))
    years: tuple[Year, ...] = Field(alias="year", min_length=1)

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("working_hours", mode="before")
    @classmethod
    def _clock_times(cls, value):
        # TOML has no bare local times in arrays people like to write; accept "09:00".
        return [[time.fromisoformat(t) if isinstance(t, str) else t for t in pair] for pair in value]

    @field_validator("working_hours")
    @classmethod
    def _periods_in_order(cls, periods):
        if not periods:
            raise ValueError("at least one working period is needed")
        previous_end = time.min
        for start, end in periods:
            if not start < end:
                raise ValueError(f"period {start:%H:%M}-{end:%H:%M} ends before it starts")
            if start < previous_end:
                raise ValueError(f"period {start:%H:%M}-{end:%H:%M} overlaps the one before")
            previous_end = end
        return periods

    def days(self) -> list[tuple[date, str]]:
        """Each covered day, 1 January of the first year to 31 December of the last, with its
        kind: a listed holiday, a make-up working day, else by the day of the week."""
        weekend = {WEEKDAYS.index(name) for name in self.weekend}
        listed = {day: "holiday" for year in self.years for h in year.holidays for day in h.days()}
        listed.update({day: "workday" for year in self.years for h in year.holidays for day in h.make_up})
        first = date(self.years[0].year, 1, 1)
        count = (date(self.years[-1].year, 12, 31) - first).days + 1
        return [(day, listed.get(day) or ("weekend" if day.weekday() in weekend else "workday"))
                for day in (first + timedelta(days=n) for n in range(count))]

    @model_validator(mode="after")
    def _consistent_years(self) -> CalendarDocument:
        numbers = [year.year for year in self.years]
        if numbers != list(range(numbers[0], numbers[0] + len(numbers))):
            raise ValueError(f"years must follow each other without gaps, got {numbers}")
        first, last = date(numbers[0], 1, 1), date(numbers[-1], 12, 31)
        weekend = {WEEKDAYS.index(name) for name in self.weekend}
        seen: dict[date, str] = {}
        for year in self.years:
            for holiday in year.holidays:
                for day, what in [(d, "holiday") for d in holiday.days()] + \
                                 [(d, "make-up day") for d in holiday.make_up]:
                    where = f"{year.year} {holiday.name}: {what} {day}"
                    if not first <= day <= last:
                        raise ValueError(f"{where} is outside the covered years {first}..{last}")
                    if day in seen:
                        raise ValueError(f"{where} is already given ({seen[day]})")
                    if what == "make-up day" and day.weekday() not in weekend:
                        raise ValueError(f"{where} is not a weekend day, so it needs no make-up")
                    seen[day] = where
        return self
