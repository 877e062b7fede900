"""The calendar said to run out, or to rest on a projected year, a quarter ahead: in
`policy check`, in the worker's log and on /metrics."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from prometheus_client import CollectorRegistry

from policies.calendar import BusinessCalendar
from policies.calendar_coverage import calendar_coverage, days_left
from policies.calendar_model import CalendarDocument
from policies.config_file import parse_config
from infra.metrics import CalendarCollector, calendar_problems

TEXT = b"""
time_zone = "Asia/Shanghai"
[[year]]
year = 2030
status = "official"
source = "a notice"
holidays = [{ name = "New Year", first = 2030-01-01, last = 2030-01-01 }]
[[year]]
year = 2031
status = "projected"
source = "worked out"
holidays = [{ name = "New Year", first = 2031-01-01, last = 2031-01-01 }]
"""


@pytest.fixture(scope="module")
def calendar() -> BusinessCalendar:
    return BusinessCalendar(parse_config(CalendarDocument, TEXT, "test-calendar.toml"),
                            "test-calendar.toml")


def test_far_from_both_ends_and_from_the_projected_year_nothing_is_said(calendar):
    found = calendar_coverage(calendar, date(2030, 3, 1))
    assert (found.errors, found.warnings) == ([], [])


def test_a_projected_year_is_named_once_it_comes_within_the_horizon(calendar):
    assert calendar_coverage(calendar, date(2030, 10, 2)).warnings == []   # 91 days ahead
    warnings = calendar_coverage(calendar, date(2030, 10, 3)).warnings     # 90 days ahead
    assert len(warnings) == 1 and "2031 is projected" in warnings[0] \
        and "from 2031-01-01, in 90 days" in warnings[0]
    assert "use it now" in calendar_coverage(calendar, date(2031, 2, 1)).warnings[-1]


def test_the_end_is_named_within_the_horizon_and_past_it_is_an_error(calendar):
    assert days_left(calendar, date(2031, 12, 31)) == 0
    ending = calendar_coverage(calendar, date(2031, 12, 1))
    assert ending.errors == [] and any("ends on 2031-12-31, in 30 days" in w and
                                       "[[year]] 2032" in w for w in ending.warnings)
    past = calendar_coverage(calendar, date(2032, 1, 1))
    assert len(past.errors) == 1 and "2032-01-01 is outside the calendar" in past.errors[0]
    assert calendar_coverage(calendar, date(2029, 12, 31)).errors   # before its first day


def test_the_worker_shows_the_days_left_and_the_problems(calendar):
    registry = CollectorRegistry()
    at = datetime(2031, 12, 1, 4, tzinfo=timezone.utc)   # 12:00 in Shanghai
    registry.register(CalendarCollector(calendar, clock=lambda: at))
    assert registry.get_sample_value("grid_dispatch_calendar_days_left") == 30
    assert registry.get_sample_value("grid_dispatch_calendar_problems") == 2
    assert calendar_problems(calendar, clock=lambda: at) == \
        calendar_coverage(calendar, date(2031, 12, 1)).warnings


def test_policy_check_fails_on_a_day_outside_the_calendar():
    from infra.policy_cli import policy_check
    from infra.settings import Settings
    text, status = policy_check(Settings.from_env({}), None, "2040-01-02T10:00:00+08:00")
    assert status == 1 and "2040-01-02 is outside the calendar" in text


def test_a_projected_year_in_the_past_is_not_said_to_be_in_use():
    text = TEXT.replace(b'status = "official"', b'status = "X"').replace(
        b'status = "projected"', b'status = "official"').replace(b'status = "X"',
                                                                b'status = "projected"')
    calendar = BusinessCalendar(parse_config(CalendarDocument, text, "test-calendar.toml"),
                                "test-calendar.toml")
    assert calendar.projected_years == (2030,)
    assert calendar_coverage(calendar, date(2030, 6, 1)).warnings != []   # in use now
    assert calendar_coverage(calendar, date(2031, 3, 1)).warnings == []   # behind us
