"""The routing policy sees the business calendar: public holidays and make-up workdays."""
from datetime import datetime

from dispatch.service_layer.dispatcher import Dispatcher
from policies.calendar import default_calendar
from policies.loader import DEMO_POLICY, load_policy
from policies.routing_policy import calendar_day_kind
from projections.period import CITY_TZ
from tests.city import demo_view

VENDOR = "city-appearance.street-vendor"


def department(when: datetime, grid: str = "G0120") -> str:
    engine = Dispatcher(demo_view(), load_policy(DEMO_POLICY,
                                                 day_kind=calendar_day_kind(default_calendar())))
    placement = engine.place({"grid_id": grid}, VENDOR, "hotline", "normal", when)
    assert placement.situation.street == "ST04"
    return engine.decide(placement.situation).department


def test_a_public_holiday_on_a_weekday_takes_the_holiday_rule():
    national_day = datetime(2026, 10, 1, 10, tzinfo=CITY_TZ)        # a Thursday
    ordinary_thursday = datetime(2026, 10, 15, 10, tzinfo=CITY_TZ)
    assert department(national_day) == "D01-urban-management"
    assert department(ordinary_thursday) == "ST04-office"


def test_a_make_up_saturday_is_a_workday():
    make_up = next(d for d in (datetime(2026, 2, 14), datetime(2026, 2, 28), datetime(2026, 9, 20),
                               datetime(2026, 10, 10))
                   if default_calendar().day_kind(d.date()) == "workday" and d.weekday() >= 5)
    assert department(make_up.replace(hour=10, tzinfo=CITY_TZ)) == "ST04-office"
