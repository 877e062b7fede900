"""The SLA watcher's schedule: the same alerts as a scan of every open clock at every tick,
and no calendar work on a tick for incidents that neither changed nor came due."""
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

import dispatch.service_layer.sla_due_alerts as sla_due_alerts
from dispatch.domain.errors import DomainError
from dispatch.domain.incident import Incident
from dispatch.domain.routing import RoutingDecision
from dispatch.published import is_incident_event, published_event
from dispatch.service_layer.sla_due_alerts import DueAlert
from dispatch.service_layer.sla_watcher import SlaWatcher
from infra.store import memory_service
from policies.escalation import EscalationPolicy, fire_times
from projections.period import CITY_TZ
from projections.sla_stage_clock import StageClock
from projections.views import Views
from tests.city import demo_view
from tests.unit.test_sla_watcher import located_incident

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=CITY_TZ)
DEPARTMENTS = ["housing", "public-security", "environment", "urban-management"]
CLASSES = ["standard", "urgent", "working-day-1"]
POLICY = EscalationPolicy.load()


def reference_due(watcher: SlaWatcher, recorded: set, now: datetime) -> Iterator[DueAlert]:
    """The watcher's former tick: every open clock of every open incident, every time."""
    views, policy = watcher.views, watcher.policy
    sla = views.sla
    thresholds = sla.classes.thresholds
    for incident_id, row in views.open_incidents.rows.items():
        if not row.is_open or incident_id not in sla.incidents:
            continue
        for clock in sla.incidents[incident_id].open():
            if clock.limit is None or clock.paused_since is not None:
                continue
            levels = {"at_risk": clock.passes(thresholds.at_risk, sla.calendar),
                      "breached": clock.passes(thresholds.breached, sla.calendar)}
            for index, step in enumerate(policy.step):
                for repeat, fires_at in enumerate(fire_times(
                        step, levels[step.level], clock.limit.measure, sla.calendar)):
                    if fires_at > now:
                        break
                    key = f"{clock.stage}@{clock.started_at.isoformat()}#{index}.{repeat}"
                    if (incident_id, key) not in recorded:
                        yield DueAlert(incident_id, key, clock.stage, step.level, index,
                                       watcher.due_alerts.who(step, incident_id, clock.department),
                                       fires_at)


def reference_plan(watcher: SlaWatcher, recorded: set, now: datetime) -> dict[str, list[DueAlert]]:
    planned: dict[str, list[DueAlert]] = {}
    for alert in reference_due(watcher, recorded, now):
        planned.setdefault(alert.incident_id, []).append(alert)
    return planned


class Store:
    """What `record` asks of the store: every alert is taken; a save can be made to fail."""

    def __init__(self):
        self.refuse = False

    def get_incident(self, incident_id):
        return SimpleNamespace(alert_sla=lambda *args, **kwargs: None)

    def get_incidents(self, incident_ids):
        return {incident_id: self.get_incident(incident_id) for incident_id in incident_ids}

    def save(self, *incidents):
        if self.refuse:
            raise RuntimeError("another writer changed one of these incidents")


def new_incident(n: int, at: datetime, priority: str = "normal") -> Incident:
    return located_incident(f"S-{n}", at, priority)


def story(rng: random.Random, n: int) -> Incident:
    """A random legal path: dispatches, returns, reassignments, acceptance, pauses,
    extensions, resolution and rework, closing or voiding, at random gaps."""
    at = MONDAY + timedelta(minutes=rng.randrange(0, 3 * 24 * 60))
    incident = new_incident(n, at, rng.choice(["normal", "normal", "urgent", "high"]))
    holder = rng.choice(DEPARTMENTS)

    def later() -> datetime:
        nonlocal at
        at += timedelta(minutes=rng.choice([1, 20, 45, 90, 300, 900, 2500]))
        return at

    def redispatch(how: str) -> None:
        nonlocal holder
        other = rng.choice([d for d in DEPARTMENTS if d != holder])
        decision = RoutingDecision("r", "v", rng.choice(CLASSES), department=other)
        if how == "return":
            incident.return_(holder, "not ours", at=later())
            incident.dispatch(decision, at=later())
        else:
            incident.reassign(decision, by="sup", reason="better placed", at=later())
        holder = other

    def extend() -> None:
        incident.request_extension(holder, rng.choice([1, 4, 16]), "parts", at=later())
        incident.decide_extension(rng.random() < 0.8, by="sup", at=later(), reason="no")

    def attempt(chance: float, action) -> None:
        if rng.random() < chance:
            try:
                action()
            except DomainError:
                pass  # not allowed in this state: the path goes on without it

    incident.dispatch(RoutingDecision("r", "v", rng.choice(CLASSES), department=holder), at=later())
    attempt(0.2, lambda: redispatch("return"))
    attempt(0.15, lambda: redispatch("reassign"))
    attempt(0.85, lambda: incident.accept(holder, at=later()))
    for _ in range(rng.randrange(0, 3)):
        attempt(0.3, lambda: incident.suspend("sup", "court", at=later()))
        attempt(0.7, lambda: incident.resume("sup", at=later()))
    attempt(0.3, extend)
    attempt(0.7, lambda: incident.resolve(holder, "done", at=later()))
    attempt(0.2, lambda: incident.verify("W1", passed=False, note="redo", at=later()))
    attempt(0.5, lambda: incident.resolve(holder, "done again", at=later()))
    attempt(0.8, lambda: incident.verify("W1", passed=True, note="", at=later()))
    attempt(0.08, lambda: incident.void("sup", "prank", at=later()))
    return incident


def published(*incidents: Incident) -> list[dict]:
    service = memory_service()
    service.save(*incidents)
    return [published_event(service.domain_event(n)) for n in service.notifications_after(0, 100_000)
            if is_incident_event(n.topic)]


def event_time(event: dict) -> datetime:
    return datetime.fromisoformat(event["reported_at"] if event["type"] == "Reported"
                                  else event["occurred_at"])


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), count=st.integers(1, 14),
       minutes=st.sampled_from([7, 29, 61, 180]), start_tick=st.integers(0, 40))
def test_the_schedule_plans_exactly_what_a_full_scan_would_at_every_tick(seed, count, minutes,
                                                                        start_tick):
    rng = random.Random(seed)
    events = sorted(published(*(story(rng, n) for n in range(count))), key=event_time)
    views, store = Views(), Store()
    departments = set(demo_view().departments)
    watcher, recorded = None, set()
    now, end, fed = MONDAY, MONDAY + timedelta(days=16), 0
    for tick in range(10_000):
        if now > end:
            break
        arrived = fed
        while arrived < len(events) and event_time(events[arrived]) <= now:
            arrived += 1
        if arrived > fed:  # in batches of any size, as the stream delivers them
            views.apply(events[fed:arrived])
            fed = arrived
        if tick == start_tick:  # a watcher started (or restarted) on views already fed
            watcher = SlaWatcher(store, views, POLICY, departments)
        if watcher is not None:
            planned = watcher.plan(now)
            expected = reference_plan(watcher, recorded, now)
            assert planned == expected, now
            store.refuse = rng.random() < 0.15
            try:
                watcher.record(planned)
            except RuntimeError:
                pass  # nothing recorded: the reference plans them again too
            else:
                recorded.update((i, a.key) for i, alerts in expected.items() for a in alerts)
        now += timedelta(minutes=minutes)


def idle_views(count: int) -> tuple[Views, list[Incident]]:
    """`count` incidents dispatched on Monday at 09:00, none accepted."""
    incidents = [new_incident(n, MONDAY) for n in range(count)]
    for incident in incidents:
        incident.dispatch(RoutingDecision("r", "v", "standard", department="housing"),
                          at=MONDAY + timedelta(minutes=1))
    views = Views()
    views.apply(published(*incidents))
    return views, incidents


def calendar_calls(monkeypatch) -> list[int]:
    calls = [0]
    passes, times = StageClock.passes, sla_due_alerts.fire_times

    def counted_passes(self, *args):
        calls[0] += 1
        return passes(self, *args)

    def counted_times(*args):
        calls[0] += 1
        return times(*args)

    monkeypatch.setattr(StageClock, "passes", counted_passes)
    monkeypatch.setattr(sla_due_alerts, "fire_times", counted_times)
    return calls


def test_a_tick_with_nothing_due_and_nothing_changed_does_no_calendar_work(monkeypatch):
    calls = calendar_calls(monkeypatch)
    work = {}
    for count in (3, 60):
        views, _ = idle_views(count)
        watcher = SlaWatcher(Store(), views, POLICY, set(demo_view().departments))
        calls[0] = 0
        for minute in range(2, 30):   # accept is at risk at 10:37: nothing due before
            assert watcher.plan(MONDAY + timedelta(minutes=minute)) == {}
        work[count] = calls[0]
    assert work == {3: 0, 60: 0}


def test_a_tick_works_out_only_the_incidents_that_changed_or_came_due(monkeypatch):
    views, incidents = idle_views(40)
    watcher = SlaWatcher(Store(), views, POLICY, set(demo_view().departments))
    calls = calendar_calls(monkeypatch)
    accepted = incidents[0]
    accepted.accept("housing", at=MONDAY + timedelta(minutes=5))
    views.apply(published(accepted))
    assert watcher.plan(MONDAY + timedelta(minutes=6)) == {}
    # Its open clocks now: handle and close. Nothing is due for hours: the schedule needs
    # only a bound of when each reaches its earliest level, which takes no calendar.
    assert calls[0] == 0
    due = watcher.plan(MONDAY + timedelta(hours=2))   # the others' accept is at risk by now
    assert len(due) == 39 and accepted.id not in due
    # Each of the 39: accept's bound has come, so its earliest instant, then both levels
    # and every step; close's bound (days off) has not. Nothing for the accepted one.
    assert calls[0] == 39 * (1 + 2 + len(POLICY.step))


def test_alerts_being_recorded_are_not_planned_again_and_come_back_if_the_save_fails():
    views, incidents = idle_views(3)
    store = Store()
    watcher = SlaWatcher(store, views, POLICY, set(demo_view().departments))
    due = watcher.plan(MONDAY + timedelta(hours=2))
    assert len(due) == 3
    for incident in incidents:   # their clocks are looked at again: the alerts are still taken
        incident.urge("sup", "hurry", at=MONDAY + timedelta(hours=2))
    views.apply(published(*incidents))
    assert watcher.plan(MONDAY + timedelta(hours=2, seconds=1)) == {}   # record is under way
    store.refuse = True
    try:
        watcher.record(due)
        raise AssertionError("the refusal reaches the caller, to be logged")
    except RuntimeError:
        pass
    assert watcher.plan(MONDAY + timedelta(hours=2, seconds=2)) == due
