"""The SLA watcher with a controllable clock: alerts when the policy says, each once."""
from datetime import datetime, timedelta

import pytest
from eventsourcing.persistence import IntegrityError

from dispatch.domain.incident import Incident
from dispatch.domain.routing import RoutingDecision
from dispatch.published import is_incident_event, published_event
from dispatch.service_layer.sla_watcher import SlaWatcher
from infra.store import memory_service
from policies.escalation import EscalationPolicy
from projections.period import CITY_TZ
from projections.views import Views
from tests.city import demo_view

MONDAY = datetime(2026, 11, 23, 16, 0, tzinfo=CITY_TZ)   # a working Monday, 16:00


def located_incident(report_id: str, at: datetime, priority: str = "normal") -> Incident:
    """A report located in grid G0001 of street ST01, district D01."""
    incident = Incident(source="hotline", report_id=report_id, category="city.x", reported_at=at,
                        location={"grid_id": "G0001"}, description="d", priority=priority,
                        reporter=None, attachments=[], extra={})
    incident.locate({"how": "grid_id", "grid": "G0001", "community": "C001", "street": "ST01",
                     "district": "D01", "grid_kind": "comprehensive", "managing_unit": None,
                     "overlays": [], "grid_workers": [], "address": None, "reason": None,
                     "notes": []}, at=at)
    return incident


class World:
    def __init__(self, priority="normal", sla_class="standard", count=1):
        self.service = memory_service()
        self.views = Views()
        self.position = 0
        for number in range(count, 0, -1):
            incident = located_incident(f"W-{number}", MONDAY, priority)
            incident.dispatch(RoutingDecision("r", "v", sla_class, department="housing"),
                              at=MONDAY + timedelta(minutes=1))
            self.incident_id = incident.id   # W-1's
            self.service.save(incident)
        self.sync()
        self.watcher = SlaWatcher(self.service, self.views, EscalationPolicy.load(),
                                  set(demo_view().departments))

    def sync(self):
        new = self.service.notifications_after(self.position, 1000)
        if new:
            self.views.apply([published_event(self.service.domain_event(n)) for n in new
                              if is_incident_event(n.topic)])
            self.position = new[-1].id

    def alerts(self):
        return [e for e in (published_event(self.service.domain_event(n))
                            for n in self.service.notifications_after(0, 1000))
                if e["type"] == "SlaAlerted"]

    def run_until(self, end: datetime, step=timedelta(minutes=1)):
        """Tick as a worker would; return (tick time, alert) for each alert recorded."""
        seen, now = [], MONDAY
        while now <= end:
            before = len(self.alerts())
            self.watcher.tick(now)
            self.sync()
            seen += [(now, alert) for alert in self.alerts()[before:]]
            now += step
        return seen


def test_at_risk_then_breached_then_escalation_all_in_working_time():
    world = World()
    fired = world.run_until(MONDAY + timedelta(days=4))
    accept = [(now, a) for now, a in fired if a["stage"] == "accept"]
    levels = [(a["level"], a["step"]) for _, a in accept]
    assert levels[:3] == [("at_risk", 0), ("breached", 1), ("breached", 2)]
    clock = world.views.sla.stages(str(world.incident_id))
    accept_clock = next(c for c in clock if c.stage == "accept")
    at_risk_at = world.views.sla.alert_times(str(world.incident_id))
    times = {t.stage: t for t in at_risk_at}
    for now, alert in accept:
        occurred = datetime.fromisoformat(alert["occurred_at"])
        assert timedelta(0) <= now - occurred < timedelta(minutes=1)   # within the tick
        assert world.views.sla.calendar.is_working_time(occurred) or occurred.time().hour in (12, 17)
    assert datetime.fromisoformat(accept[0][1]["occurred_at"]) == times["accept"].at_risk_at
    assert datetime.fromisoformat(accept[1][1]["occurred_at"]) == times["accept"].breached_at
    assert accept[1][1]["notified"] == ["housing", "ST01-office", "D01-command-centre"]
    assert accept[2][1]["notified"] == ["D01-command-centre", "city-command-centre"]
    assert accept_clock.limit is not None


def test_each_alert_is_recorded_once_even_by_a_fresh_watcher_after_a_restart():
    world = World()
    world.run_until(MONDAY + timedelta(days=2))
    count = len(world.alerts())
    fresh = SlaWatcher(world.service, world.views, EscalationPolicy.load(), set(demo_view().departments))
    fresh.tick(MONDAY + timedelta(days=2))
    world.sync()
    assert count > 0 and len(world.alerts()) == count


def test_urgent_stages_alert_at_night_and_ordinary_ones_do_not():
    night = [(now, a) for now, a in World(priority="urgent", sla_class="urgent").run_until(
        MONDAY + timedelta(hours=14)) if now.hour >= 18 or now.hour < 8]
    assert night  # urgent clocks run on calendar time
    quiet = [(now, a) for now, a in World().run_until(MONDAY + timedelta(hours=40), step=timedelta(minutes=5))
             if not (9 <= datetime.fromisoformat(a["occurred_at"]).hour < 18)]
    assert quiet == []


def test_alerts_whose_save_is_refused_are_recorded_on_a_later_tick(monkeypatch):
    steady, flaky = World(), World()
    save, refused = flaky.service.save, []

    def refuse_once(*incidents):
        if not refused:
            refused.append(incidents)
            raise IntegrityError("another writer changed the incident meanwhile")
        return save(*incidents)

    monkeypatch.setattr(flaky.service, "save", refuse_once)
    later = MONDAY + timedelta(days=1)          # at risk and breached by now
    steady.watcher.tick(later)
    with pytest.raises(IntegrityError):
        flaky.watcher.tick(later)
    assert refused and flaky.alerts() == []
    flaky.sync()
    assert flaky.watcher.tick(later + timedelta(seconds=1)) == len(steady.alerts()) > 0
    same = lambda world: [(a["key"], a["occurred_at"], a["notified"]) for a in world.alerts()]  # noqa: E731
    assert same(flaky) == same(steady)


def test_instants_beyond_the_calendar_are_problems_in_sight_and_other_incidents_still_alert():
    late = World.__new__(World)
    late.service, late.views, late.position = memory_service(), Views(), 0
    end_of_calendar = datetime(2027, 12, 31, 16, 0, tzinfo=CITY_TZ)
    incident = Incident(source="hotline", report_id="LATE", category="city.x",
                        reported_at=end_of_calendar, location={"grid_id": "G0001"},
                        description="d", priority="normal", reporter=None, attachments=[],
                        extra={})
    incident.dispatch(RoutingDecision("r", "v", "standard", department="housing"),
                      at=end_of_calendar)
    late.service.save(incident)
    ordinary = World()
    for event in ordinary.service.notifications_after(0, 100):   # both in one set of views
        late.service.recorder.insert_events([event])
    late.sync()
    # Built at a worker's start: it must not fail on the late incident.
    late.watcher = SlaWatcher(late.service, late.views, EscalationPolicy.load(),
                              set(demo_view().departments))
    fired = late.run_until(MONDAY + timedelta(days=1), step=timedelta(minutes=10))
    assert {a["incident_id"] for _, a in fired} == {str(ordinary.incident_id)}
    # In sight from the start: the views could not fix its deadline.
    assert any(problem[0] == str(incident.id) and "outside the business calendar" in problem[2]
               for problem in late.views.sla_problems)
    # The watcher asks the calendar for its first instant once that may have come (not
    # before 80% of its hour: sla_due_alerts.py), and names its own trouble then.
    late.watcher.tick(end_of_calendar + timedelta(hours=1))
    assert any(problem[0] == str(incident.id) and problem[2].startswith("SLA watcher:")
               and "outside the business calendar" in problem[2]
               for problem in late.views.sla_problems)


def test_a_tick_planned_in_parts_plans_what_one_plan_does():
    whole, in_parts = World(count=7), World(count=7)
    now = MONDAY + timedelta(days=1)
    planned = whole.watcher.plan(now)
    parts = list(in_parts.watcher.plan_in_parts(now, size=3))
    assert [len(part) for part in parts] == [3, 3, 1]   # every incident has alerts due
    merged = {incident: alerts for part in parts for incident, alerts in part.items()}
    assert {i: [a.key for a in alerts] for i, alerts in merged.items()} == \
        {i: [a.key for a in alerts] for i, alerts in planned.items()}
    assert len(planned) == 7


def test_the_worker_tick_lets_the_event_loop_run_between_parts(monkeypatch):
    import asyncio

    from infra.sla_ticks import SlaTicks
    monkeypatch.setattr(SlaWatcher.plan_in_parts, "__defaults__", (2,))
    world = World(count=7)
    ticks = SlaTicks(world.service, world.views, EscalationPolicy.load(),
                     set(demo_view().departments))
    turns, turns_when_planned = [0], []
    record = SlaWatcher.record
    monkeypatch.setattr(SlaWatcher, "record",   # called once planning is done
                        lambda self, due: (turns_when_planned.append(turns[0]), record(self, due))[1])

    async def tick_beside_another_task():
        async def other():
            while True:
                turns[0] += 1
                await asyncio.sleep(0)
        beside = asyncio.create_task(other())
        await asyncio.sleep(0)
        before = turns[0]
        recorded = await ticks.tick(True, MONDAY + timedelta(days=1))
        beside.cancel()
        return recorded, before
    recorded, before = asyncio.run(tick_beside_another_task())
    assert recorded > 0
    assert turns_when_planned[0] - before >= 3   # once after each of parts 1-3 (of four)
