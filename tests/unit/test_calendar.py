"""The business calendar: the shipped 2025-2027 file, its conventions and its properties."""
import time as clock
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policies.calendar import (
    BusinessCalendar,
    CalendarRangeError,
    default_calendar,
    load_calendar,
)
from policies.config_file import ConfigError

CAL = default_calendar()
TZ = CAL.time_zone
H = timedelta(hours=1)


def at(y, m, d, h=0, mi=0, s=0) -> datetime:
    return datetime(y, m, d, h, mi, s, tzinfo=TZ)


# -- the example the issue names, and the conventions --------------------------------------
def test_four_working_hours_from_16_30_fall_due_at_noon_the_next_working_day():
    assert CAL.add(at(2026, 11, 26, 16, 30), 4, "working_hours") == at(2026, 11, 27, 12)
    # on a Friday, the next working day is Monday
    assert CAL.add(at(2026, 11, 27, 16, 30), 4, "working_hours") == at(2026, 11, 30, 12)


def test_a_deadline_is_the_end_of_a_period_not_the_start_of_the_next():
    start = at(2026, 11, 26, 16, 30)
    assert CAL.advance(start, 4 * H, "working") == at(2026, 11, 27, 12)
    assert CAL.advance(start, 4 * H, "working", latest=True) == at(2026, 11, 27, 13, 30)


def test_a_working_day_is_seven_working_hours_and_n_days_are_n_times_that():
    assert CAL.day_length == 7 * H
    assert CAL.add(at(2026, 11, 23, 10), 1, "working_days") == at(2026, 11, 24, 10)
    assert CAL.add(at(2026, 11, 27, 10), 1, "working_days") == at(2026, 11, 30, 10)
    assert CAL.add(at(2026, 11, 23, 9), 0.5, "working_days") == at(2026, 11, 23, 14)
    assert CAL.add(at(2026, 11, 23, 10), 5, "working_days") == at(2026, 11, 30, 10)


def test_from_outside_working_time_the_clock_starts_with_the_next_period():
    assert CAL.add(at(2026, 11, 23, 20), 1, "working_days") == at(2026, 11, 24, 17, 30)
    assert CAL.add(at(2026, 11, 28, 10), 1, "working_hours") == at(2026, 11, 30, 10)  # Saturday
    assert CAL.add(at(2026, 11, 23, 12, 45), 30, "working_minutes") == at(2026, 11, 23, 14)
    assert CAL.add(at(2026, 11, 23, 20), 0, "working_hours") == at(2026, 11, 23, 20)


def test_calendar_units_count_nights_weekends_and_holidays():
    assert CAL.add(at(2026, 2, 14, 22), 8, "calendar_hours") == at(2026, 2, 15, 6)
    assert CAL.add(at(2026, 11, 27, 17), 2, "calendar_days") == at(2026, 11, 29, 17)
    assert CAL.elapsed(at(2026, 11, 27, 20), at(2026, 11, 28, 2), "calendar") == 6 * H


def test_working_time_between_skips_lunch_nights_and_is_zero_backwards():
    assert CAL.working_time_between(at(2026, 11, 23, 11), at(2026, 11, 23, 14, 30)) == 2 * H
    assert CAL.working_time_between(at(2026, 11, 23, 17), at(2026, 11, 24, 10)) == 1.5 * H
    assert CAL.working_time_between(at(2026, 11, 24, 10), at(2026, 11, 23, 17)) == timedelta(0)


def test_any_time_zone_in_answers_in_the_calendar_zone():
    utc = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)  # 16:30 in Shanghai
    due = CAL.add(utc, 4, "working_hours")
    assert due == at(2026, 11, 27, 12) and due.tzinfo is TZ
    assert CAL.working_time_between(utc, at(2026, 11, 26, 17, 30)) == H


# -- the shipped holidays and make-up days --------------------------------------------------
@pytest.mark.parametrize("day, kind", [
    (date(2026, 2, 14), "workday"),   # Spring Festival make-up Saturday
    (date(2026, 2, 16), "holiday"),   # a Monday inside the Spring Festival
    (date(2026, 2, 21), "holiday"),   # a Saturday inside it
    (date(2026, 2, 28), "workday"),   # the second make-up Saturday
    (date(2026, 3, 7), "weekend"),
    (date(2026, 1, 4), "workday"),    # New Year make-up Sunday
    (date(2026, 5, 5), "holiday"), (date(2026, 5, 9), "workday"),
    (date(2026, 6, 19), "holiday"), (date(2026, 9, 25), "holiday"),
    (date(2026, 9, 20), "workday"), (date(2026, 10, 7), "holiday"), (date(2026, 10, 10), "workday"),
    (date(2025, 1, 26), "workday"), (date(2025, 10, 8), "holiday"),
    (date(2027, 2, 8), "holiday"), (date(2027, 9, 26), "workday"),
    (date(2026, 11, 26), "workday"),
])
def test_day_kinds_follow_the_state_council_arrangements(day, kind):
    assert CAL.day_kind(day) == kind
    assert CAL.is_working_day(day) == (kind == "workday")


def test_the_spring_festival_stops_the_working_clock_and_make_up_days_run_it():
    # Friday 13 Feb 16:30 + 4h: the make-up Saturday is a working day.
    assert CAL.add(at(2026, 2, 13, 16, 30), 4, "working_hours") == at(2026, 2, 14, 12)
    # From the make-up Saturday's evening, the next working day is after the festival.
    assert CAL.add(at(2026, 2, 14, 16, 30), 4, "working_hours") == at(2026, 2, 24, 12)
    assert CAL.working_time_between(at(2026, 2, 13, 17, 30), at(2026, 2, 24, 9)) == 7 * H
    # Tue 24 Feb to Mon 2 Mar: four weekdays and the make-up Saturday 28 Feb.
    assert CAL.working_time_between(at(2026, 2, 24, 9), at(2026, 3, 2, 9)) == 35 * H


def test_national_day_week_and_its_make_up_days():
    assert CAL.add(at(2026, 9, 30, 17), 1, "working_hours") == at(2026, 10, 8, 9, 30)
    # Friday 18 Sep 17:00: Saturday is off, the make-up Sunday 20 Sep is not.
    assert CAL.add(at(2026, 9, 18, 17), 1, "working_hours") == at(2026, 9, 20, 9, 30)


@pytest.mark.parametrize("year", [2025, 2026, 2027])
def test_each_year_gives_exactly_the_13_statutory_days_off(year):
    """Since 2025 there are 13 statutory holidays a year; 调休 moves days, never adds them.
    Each of these years has 104 weekend days, so 365 - 104 - 13 = 248 working days."""
    days = [date(year, 1, 1) + timedelta(days=n) for n in range(365)]
    assert sum(CAL.is_working_day(day) for day in days) == 248


def test_2027_is_marked_projected_and_2026_official():
    assert CAL.projected_years == (2027,)
    assert (CAL.first_day, CAL.last_day) == (date(2025, 1, 1), date(2027, 12, 31))


# -- out of range: a clear error, never a guess -----------------------------------------------
def test_a_date_outside_the_covered_years_raises_a_clear_error():
    with pytest.raises(CalendarRangeError, match=r"2028-01-03 .*State Council.*2028"):
        CAL.day_kind(date(2028, 1, 3))
    with pytest.raises(CalendarRangeError, match="2024"):
        CAL.working_time_between(at(2024, 12, 31, 10), at(2025, 1, 2, 10))
    with pytest.raises(CalendarRangeError, match="2028"):
        CAL.add(at(2027, 12, 31, 16), 2, "working_hours")


def test_naive_datetimes_negative_amounts_and_unknown_units_are_refused():
    with pytest.raises(ValueError, match="aware"):
        CAL.add(datetime(2026, 11, 23, 10), 1, "working_hours")
    with pytest.raises(ValueError, match="negative"):
        CAL.add(at(2026, 11, 23, 10), -1, "working_hours")
    with pytest.raises(ValueError, match="unknown unit"):
        CAL.add(at(2026, 11, 23, 10), 1, "fortnights")


def test_is_working_time_includes_period_ends_and_excludes_gaps():
    assert CAL.is_working_time(at(2026, 11, 23, 12))
    assert not CAL.is_working_time(at(2026, 11, 23, 12, 0, 1))
    assert CAL.is_working_time(at(2026, 11, 23, 13, 30))
    assert not CAL.is_working_time(at(2026, 11, 28, 10))


# -- the file is checked ----------------------------------------------------------------------
BASE = """time_zone = "Asia/Shanghai"
working_hours = [["09:00", "12:00"], ["13:30", "17:30"]]
[[year]]
year = 2026
status = "official"
source = "test"
holidays = [{ name = "X", first = 2026-02-16, last = 2026-02-17, make_up = [2026-02-14] }]
"""


def load(tmp_path, text: str) -> BusinessCalendar:
    path = tmp_path / "calendar.toml"
    path.write_text(text, encoding="utf-8")
    return load_calendar(path)


@pytest.mark.parametrize("change, message", [
    (("2026-02-14]", "2026-02-18]"), "not a weekend day"),
    (("year = 2026", "year = 2026\nextra = 1"), "Extra inputs"),
    (("Asia/Shanghai", "Asia/Nowhere"), "unknown time zone"),
    (('"13:30"', '"11:30"'), "overlaps"),
    (("last = 2026-02-17", "last = 2026-02-15"), "before first"),
    (("make_up = [2026-02-14]", "make_up = [2026-02-16]"), "already given"),
])
def test_a_bad_calendar_file_is_refused_naming_file_line_field_and_value(tmp_path, change, message):
    with pytest.raises(ConfigError, match=message) as error:
        load(tmp_path, BASE.replace(*change))
    assert f"{tmp_path / 'calendar.toml'}:" in str(error.value)


def test_the_error_names_the_line_and_the_value(tmp_path):
    with pytest.raises(ConfigError) as error:
        load(tmp_path, BASE.replace('status = "official"', 'status = "guessed"'))
    assert ":5: year[0].status:" in str(error.value) and "'guessed'" in str(error.value)


def test_years_must_follow_each_other(tmp_path):
    gap = BASE + '[[year]]\nyear = 2028\nstatus = "official"\nsource = "t"\nholidays = []\n'
    with pytest.raises(ConfigError, match="without gaps"):
        load(tmp_path, gap)


def test_a_minimal_file_gives_a_working_calendar(tmp_path):
    cal = load(tmp_path, BASE)
    assert cal.day_kind(date(2026, 2, 14)) == "workday" and cal.day_kind(date(2026, 2, 16)) == "holiday"
    assert cal.day_kind(date(2026, 2, 15)) == "weekend" and cal.projected_years == ()


# -- properties ------------------------------------------------------------------------------
instants = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 6, 30),
                        timezones=st.just(TZ))
hours = st.floats(min_value=0, max_value=300, allow_nan=False)
UNITS = st.sampled_from(["working_minutes", "working_hours", "working_days"])


@given(instants, st.floats(min_value=0.0001, max_value=300), UNITS)
def test_a_working_deadline_never_falls_outside_working_time(start, amount, unit):
    amount = amount * 60 if unit == "working_minutes" else amount / 7 if unit == "working_days" else amount
    assert CAL.is_working_time(CAL.add(start, amount, unit))
    assert CAL.is_working_time(CAL.advance(start, CAL.span(amount, unit), "working", latest=True))


@given(instants, hours, hours)
def test_adding_more_never_gives_an_earlier_deadline(start, a, b):
    a, b = sorted((a, b))
    assert CAL.add(start, a, "working_hours") <= CAL.add(start, b, "working_hours")


@given(instants, instants, hours)
def test_starting_later_never_gives_an_earlier_deadline(t1, t2, amount):
    t1, t2 = sorted((t1, t2))
    assert CAL.add(t1, amount, "working_hours") <= CAL.add(t2, amount, "working_hours")


@given(instants, hours)
def test_add_and_working_time_between_are_inverse(start, amount):
    due = CAL.add(start, amount, "working_hours")
    assert CAL.working_time_between(start, due) == CAL.span(amount, "working_hours")


@given(instants, st.integers(0, 60 * 24 * 40))
def test_working_time_between_then_add_lands_on_the_earliest_equal_instant(a, minutes):
    b = a + timedelta(minutes=minutes)
    worked = CAL.working_time_between(a, b)
    back = CAL.advance(a, worked, "working")
    assert back <= b and CAL.working_time_between(back, b) == timedelta(0)


@given(instants, hours, st.floats(0, 1), st.integers(0, 60 * 24 * 20))
def test_a_pause_of_d_working_hours_moves_the_deadline_by_exactly_d(start, limit, where, minutes):
    span = CAL.span(limit, "working_hours")
    due = CAL.advance(start, span, "working")
    pause_from = start + (due - start) * where
    paused = CAL.working_time_between(pause_from, pause_from + timedelta(minutes=minutes))
    moved = CAL.advance(start, span + paused, "working")
    assert moved >= due and CAL.working_time_between(due, moved) == paused


@settings(max_examples=30)
@given(st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)))
def test_a_working_day_has_a_working_day_of_working_time(day):
    start = datetime(day.year, day.month, day.day, tzinfo=TZ)
    worked = CAL.working_time_between(start, start + timedelta(days=1))
    assert worked == (CAL.day_length if CAL.is_working_day(day) else timedelta(0))


def test_a_million_calls_take_seconds_not_minutes():
    start, end = at(2026, 3, 3, 10, 17), at(2026, 9, 3, 15, 17)
    n = 50_000
    began = clock.perf_counter()
    for _ in range(n):
        CAL.add(start, 3.5, "working_hours")
        CAL.working_time_between(start, end)
    per_pair = (clock.perf_counter() - began) / n
    assert per_pair < 20e-6, f"{per_pair * 1e6:.1f} us for add + working_time_between"
