"""Evaluation figures from incident facts and stage clocks: formulas, attribution, periods."""
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from policies.scoring import EvaluationConfig, ScoreItem, points, ranking
from projections.evaluation import scorecards
from projections.incident_facts import IncidentFacts
from projections.period import CITY_TZ, Period
from projections.tally import percent

NOV = Period.parse("2026-11")
DAY = datetime(2026, 11, 10, 10, tzinfo=CITY_TZ)


@dataclass
class Stage:
    stage: str
    department: str | None
    due_at: datetime | None
    ended_at: datetime | None
    on_time: bool | None
    ended_by: str | None = None


def closed_case(n: int, closed: bool, on_time: bool, department="urban") -> tuple[IncidentFacts, list]:
    facts = IncidentFacts(f"i{n}", reported_at=DAY - timedelta(days=3), department=department,
                          dispatches=[(department, DAY - timedelta(days=3))],
                          first_department=department, first_dispatched_at=DAY - timedelta(days=3),
                          street="ST01", district="D01", grid="G0001", grid_workers=("W1",))
    due = DAY
    ended = (DAY - timedelta(hours=1) if on_time else DAY + timedelta(hours=5)) if closed else None
    facts.closed_at = ended
    return facts, [Stage("close", department, due, ended, (on_time if closed else None))]


def test_the_golden_figure_972_due_911_closed_737_on_time():
    cases = [closed_case(n, closed=n < 911, on_time=n < 737) for n in range(972)]
    stages = {facts.incident_id: clocks for facts, clocks in cases}
    card = scorecards([f for f, _ in cases], stages.__getitem__, NOV, "department")["urban"]
    assert (card.due, card.closed, card.closed_on_time) == (972, 911, 737)
    assert card.rates()["closure_rate"] == Decimal("93.72")
    assert card.rates()["on_time_closure_rate"] == Decimal("75.82")


def test_voided_and_merged_leave_the_denominators():
    (kept, kept_stages), (voided, v_stages), (merged, m_stages) = (closed_case(n, True, True) for n in range(3))
    voided.voided, merged.merged = True, True
    stages = {"i0": kept_stages, "i1": v_stages, "i2": m_stages}
    card = scorecards([kept, voided, merged], stages.__getitem__, NOV, "department")["urban"]
    assert card.due == 1


def test_suspended_cases_leave_due_only_when_configured():
    facts, clocks = closed_case(0, closed=False, on_time=False)
    facts.suspended = True
    with_them = scorecards([facts], lambda _: clocks, NOV, "district")["D01"]
    without = scorecards([facts], lambda _: clocks, NOV, "district", exclude_suspended_from_due=True)
    assert with_them.due == 1 and with_them.suspended == 1
    assert "D01" not in without or without["D01"].due == 0


def test_returns_and_unjustified_returns_are_credited_to_the_returning_department():
    facts, clocks = closed_case(0, True, True, department="housing")
    facts.dispatches = [("police", DAY), ("housing", DAY)]
    facts.first_department = "police"
    facts.returns = [("police", DAY)]
    facts.unjustified_returns = [("police", DAY)]
    cards = scorecards([facts], lambda _: clocks, NOV, "department")
    assert (cards["police"].returns, cards["police"].unjustified_returns) == (1, 1)
    assert cards["police"].rates()["return_rate"] == Decimal("100.00")
    assert cards["police"].rates()["first_dispatch_accuracy"] == Decimal("0.00")
    assert cards["housing"].due == 1 and cards["housing"].returns == 0


def test_grid_workers_and_places_take_every_figure_of_their_incidents():
    facts, clocks = closed_case(0, True, True)
    assert scorecards([facts], lambda _: clocks, NOV, "grid_worker")["W1"].closed == 1
    assert scorecards([facts], lambda _: clocks, NOV, "grid")["G0001"].closed == 1
    with pytest.raises(ValueError, match="dimension 'planet'"):
        scorecards([facts], lambda _: clocks, NOV, "planet")


def test_a_case_closed_in_the_period_but_due_later_counts_as_due():
    facts, clocks = closed_case(0, True, True)
    clocks[0].due_at = DAY + timedelta(days=40)
    assert scorecards([facts], lambda _: clocks, NOV, "department")["urban"].due == 1
    assert scorecards([facts], lambda _: clocks, Period.parse("2026-10"), "department") == {}


@pytest.mark.parametrize("text, start, end", [
    ("2026-11-26", "2026-11-26", "2026-11-27"), ("2026-W48", "2026-11-23", "2026-11-30"),
    ("2026-12", "2026-12-01", "2027-01-01"), ("2026-11-01..2026-11-15", "2026-11-01", "2026-11-16"),
])
def test_periods(text, start, end):
    period = Period.parse(text)
    assert (period.start.date().isoformat(), period.end.date().isoformat()) == (start, end)
    assert period.start.tzinfo is CITY_TZ


def test_percent_rounds_half_up_and_has_no_value_without_a_whole():
    assert percent(1, 8) == Decimal("12.50") and percent(1, 3) == Decimal("33.33")
    assert percent(2, 3) == Decimal("66.67") and percent(0, 0) is None


def test_the_example_scoring_scheme():
    config = EvaluationConfig.load()
    on_time = next(i for i in config.score if i.figure == "on_time_closure_rate")
    closure = next(i for i in config.score if i.figure == "closure_rate")
    assert points(on_time, {"on_time_closure_rate": Decimal("75.82")}) == 50
    assert points(on_time, {"on_time_closure_rate": Decimal("65.50")}) == pytest.approx(45.5)
    assert points(closure, {"closure_rate": Decimal("93.72")}) == 20
    assert points(closure, {"closure_rate": Decimal("89.99")}) == 0
    assert points(ScoreItem(figure="failed_verifications", kind="per_count", points=-0.2),
                  {"failed_verifications": 3}) == pytest.approx(-0.6)
    ranked = ranking({"a": {"on_time_closure_rate": 80, "closure_rate": 95, "unjustified_returns": 2},
                      "b": {"on_time_closure_rate": 60, "closure_rate": 95},
                      "c": {"on_time_closure_rate": 90, "closure_rate": 95, "unjustified_returns": 2}},
                     config)
    assert [(rank, key, total) for rank, key, total, _ in ranked] == \
        [(1, "a", 68.0), (1, "c", 68.0), (3, "b", 60.0)]
