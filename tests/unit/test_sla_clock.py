"""SLA clocks from published events: stages, pauses, extensions, returns, lights, alerts, replay.

Business days used: Mon 23 Nov 2026 .. Fri 27 Nov, then Mon 30 Nov (no holidays near);
working hours 09:00-12:00 and 13:30-17:30 (7 hours a working day).
"""
import copy
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dispatch.domain.incident import Incident
from dispatch.domain.routing import RoutingDecision
from dispatch.published import published_event
from infra.store import memory_service
from policies.calendar import CalendarRangeError, default_calendar
from policies.sla_classes import Limit
from projections.sla_clock import Alert, AlertTimes, IncidentClocks, SlaClocks, StageClock

CAL = default_calendar()
TZ = CAL.time_zone
H, M = timedelta(hours=1), timedelta(minutes=1)


def at(day, h, mi=0, s=0, us=0) -> datetime:
    return datetime(2026, 11, day, h, mi, s, us, tzinfo=TZ) if day <= 30 else \
        datetime(2026, 12, day - 30, h, mi, s, us, tzinfo=TZ)


def report(report_id="R-1", when=None, priority="normal") -> Incident:
    return Incident(source="hotline", report_id=report_id, category="environment.noise",
                    reported_at=when or at(23, 9), location={"grid_id": "G1"}, description="d",
                    priority=priority, reporter=None, attachments=[], extra={})


def to(department=None, queue=None, sla="standard") -> RoutingDecision:
    return RoutingDecision("r1", "v1", sla, department=department, manual_queue=queue)


def published(*incidents: Incident, as_json=True) -> list[dict]:
    service = memory_service()
    service.save(*copy.deepcopy(incidents))  # saving takes the pending events: keep ours
    events = [published_event(service.domain_event(n)) for n in service.notifications_after(0, 10_000)]
    return [orjson.loads(orjson.dumps(e)) for e in events] if as_json else events


def view_of(*incidents: Incident, until: str | None = None) -> SlaClocks:
    """The clocks after all events (or up to and including the last event of type `until`)."""
    events = published(*incidents)
    if until:
        last = max(i for i, e in enumerate(events) if e["type"] == until)
        events = events[:last + 1]
    view = SlaClocks()
    view.apply(events)
    return view


def clock(view: SlaClocks, incident: Incident, stage: str, department=None, n=-1) -> StageClock:
    return [c for c in view.stages(str(incident.id))
            if c.stage == stage and (department is None or c.department == department)][n]


def accepted(when=None, sla="standard", reported=None, priority="normal",
             report_id="R-1") -> Incident:
    when = when or at(23, 10)
    incident = report(report_id, when=reported or when - 30 * M, priority=priority)
    incident.dispatch(to("police", sla=sla), at=when - 30 * M)
    incident.accept("police", at=when)
    return incident


# -- the five stages ---------------------------------------------------------------------------
def test_a_standard_incident_through_its_loop():
    incident = accepted(at(23, 10), reported=at(23, 9))
    incident.resolve("police", "done", at=at(25, 16))
    incident.verify("gw", passed=True, note="", at=at(26, 10))
    view = view_of(incident)
    assert [(c.stage, c.department) for c in view.stages(str(incident.id))] == [
        ("dispatch", None), ("close", None), ("accept", "police"), ("handle", "police"),
        ("verify", "police")]
    expected = {  # stage: (started, due, ended, used)
        "dispatch": (at(23, 9), at(23, 10), at(23, 9, 30), 30 * M),
        "accept": (at(23, 9, 30), at(23, 11, 30), at(23, 10), 30 * M),
        "handle": (at(23, 10), at(26, 10), at(25, 16), 18.5 * H),    # 3 working days = 21 h
        "verify": (at(25, 16), at(26, 16), at(26, 10), 2.5 * H),
        "close": (at(23, 9), at(27, 17, 30), at(26, 10), 22 * H),    # 5 working days = 35 h
    }
    for stage, (started, due, ended, used) in expected.items():
        c = clock(view, incident, stage)
        assert (c.started_at, c.due_at, c.ended_at, c.used) == (started, due, ended, used), stage
        assert c.on_time is True and c.sla_class == "standard" and not c.is_open
    assert clock(view, incident, "close").ended_by == "Closed"


def test_dispatch_and_close_wait_for_the_first_decision_to_know_their_limit():
    incident = report(when=at(23, 9))
    incident.dispatch(to(queue="street"), at=at(23, 9, 5))
    view = view_of(incident, until="Reported")
    assert clock(view, incident, "dispatch").limit is None
    assert view.light(str(incident.id), "dispatch", at(23, 9, 1)) is None
    view = view_of(incident)
    c = clock(view, incident, "dispatch")
    assert (c.limit, c.due_at, c.is_open) == (Limit(amount=1, unit="working_hours"), at(23, 10), True)


def test_a_queue_wait_counts_and_a_reassignment_out_of_the_queue_ends_the_dispatch_clock():
    incident = report(when=at(23, 9))
    incident.dispatch(to(queue="street"), at=at(23, 9, 5))
    incident.reassign(to("housing"), by="sup", reason="manual dispatch", at=at(23, 11))
    view = view_of(incident)
    c = clock(view, incident, "dispatch")
    assert (c.ended_at, c.ended_by, c.used, c.on_time) == (at(23, 11), "Reassigned", 2 * H, False)
    assert clock(view, incident, "accept", "housing").started_at == at(23, 11)


def test_priority_and_class_come_from_the_report_and_the_decision():
    high = report(priority="high")
    high.dispatch(to("police"), at=at(23, 9, 20))
    c = clock(view_of(high), high, "dispatch")
    assert c.limit == Limit(amount=30, unit="working_minutes") and c.on_time is True
    odd = report()
    odd.dispatch(to("police", sla="no-such-class"), at=at(23, 9, 20))
    assert clock(view_of(odd), odd, "accept").sla_class == "standard"  # the fallback


# -- returns: acceptance restarts per department, the close clock keeps counting ------------------
def test_a_return_ends_that_departments_acceptance_and_the_next_dispatch_starts_a_new_one():
    incident = report(when=at(23, 9))
    incident.dispatch(to("police"), at=at(23, 9, 10))
    incident.return_("police", "not ours", at=at(23, 11))
    incident.dispatch(to("housing"), at=at(23, 14))
    incident.accept("housing", at=at(23, 15))
    view = view_of(incident)
    police, housing = clock(view, incident, "accept", "police"), clock(view, incident, "accept", "housing")
    assert (police.ended_by, police.used, police.on_time) == ("Returned", 110 * M, True)
    assert (housing.started_at, housing.due_at, housing.ended_at) == (at(23, 14), at(23, 16), at(23, 15))
    assert len([c for c in view.stages(str(incident.id)) if c.stage == "dispatch"]) == 1
    close = clock(view, incident, "close")
    assert (close.started_at, close.due_at, close.is_open) == (at(23, 9), at(27, 17, 30), True)


def test_a_late_return_is_frozen_late_and_ends_a_running_handle_clock_too():
    incident = accepted(at(23, 10))
    incident.return_("police", "not ours after all", at=at(23, 16))
    view = view_of(incident)
    handle = clock(view, incident, "handle")
    assert (handle.ended_by, handle.used, handle.on_time) == ("Returned", 4.5 * H, True)
    late = report("R-2", when=at(23, 9))
    late.dispatch(to("police"), at=at(23, 9))
    late.return_("police", "not ours", at=at(23, 16))
    c = clock(view_of(late), late, "accept")
    assert (c.used, c.on_time) == (5.5 * H, False)


def test_a_limit_is_fixed_when_its_stage_starts():
    incident = report(when=at(23, 9))
    incident.dispatch(to("police"), at=at(23, 9, 10))
    incident.return_("police", "not ours", at=at(23, 10))
    incident.dispatch(to("fire", sla="urgent"), at=at(23, 10, 30))
    view = view_of(incident)
    fire = clock(view, incident, "accept", "fire")
    assert (fire.sla_class, fire.limit, fire.due_at) == ("urgent", Limit(amount=1, unit="calendar_hours"),
                                                          at(23, 11, 30))
    assert clock(view, incident, "close").sla_class == "standard"
    assert view.incidents[str(incident.id)].sla_class == "urgent"


# -- pauses and extensions ----------------------------------------------------------------------
def test_a_suspension_pauses_every_running_clock():
    incident = accepted(at(23, 10), reported=at(23, 9))
    incident.suspend("sup", "court", at=at(23, 14))
    incident.resume("sup", at=at(24, 14))       # 7 working hours later
    incident.resolve("police", "done", at=at(26, 16))
    view = view_of(incident)
    handle = clock(view, incident, "handle")
    # 25.5 working hours passed, 7 of them paused: on time against 21
    assert (handle.paused, handle.used, handle.on_time) == (7 * H, 18.5 * H, True)
    assert handle.due_at == at(27, 10)           # Thu 10:00 moved by 7 working hours
    close = clock(view, incident, "close")
    assert (close.paused, close.due_at) == (7 * H, at(30, 17, 30))


def test_while_suspended_the_used_time_stands_still_and_no_alert_is_scheduled():
    incident = accepted(at(23, 10))
    incident.suspend("sup", "court", at=at(23, 14))
    incident.resume("sup", at=at(25, 9))
    view = view_of(incident, until="Suspended")
    handle = clock(view, incident, "handle")
    assert handle.used_at(at(24, 10), CAL) == handle.used_at(at(26, 17), CAL) == 2.5 * H
    assert view.light(str(incident.id), "handle", at(26, 17)) == "green"
    assert view.alert_times(str(incident.id)) == []
    assert len(view_of(incident).alert_times(str(incident.id))) == 2   # handle and close again


def test_a_granted_extension_adds_its_hours_to_handle_and_close():
    incident = accepted(at(23, 10), reported=at(23, 9))
    incident.request_extension("police", 8, "parts", at=at(23, 10, 30))
    incident.decide_extension(True, by="sup", at=at(23, 11))
    view = view_of(incident)
    handle, close = clock(view, incident, "handle"), clock(view, incident, "close")
    assert (handle.extension, handle.due_at) == (8 * H, at(27, 11))      # Thu 10:00 + 8 wh
    assert (close.extension, close.due_at) == (8 * H, at(31, 10))        # Fri 17:30 + 8 wh
    assert clock(view, incident, "accept").extension == timedelta(0)


def test_an_extension_of_a_calendar_hour_class_is_in_calendar_hours():
    incident = accepted(at(28, 1), sla="urgent", reported=at(28, 0, 20))   # a Saturday night
    incident.request_extension("police", 2, "dark", at=at(28, 2))
    incident.decide_extension(True, by="sup", at=at(28, 2, 10))
    handle = clock(view_of(incident), incident, "handle")
    assert handle.due_at == at(28, 7)           # 01:00 + 4 h + 2 h


def test_a_verdict_is_frozen_when_its_stage_ends():
    incident = accepted(at(23, 10))
    incident.resolve("police", "done", at=at(24, 10))
    incident.verify("gw", passed=False, note="not done", at=at(24, 11))
    before = copy.deepcopy(view_of(incident).stages(str(incident.id)))
    incident.suspend("sup", "court", at=at(24, 14))
    incident.resume("sup", at=at(30, 14))
    incident.request_extension("police", 8, "parts", at=at(30, 15))
    incident.decide_extension(True, by="sup", at=at(30, 15, 30))
    after = view_of(incident).stages(str(incident.id))
    ended = [c for c in before if not c.is_open]
    assert [c.stage for c in ended] == ["dispatch", "accept", "handle", "verify"]
    assert ended == [c for c in after if c.stage != "close"]
    assert clock(view_of(incident), incident, "close").extension == 8 * H


# -- urgent: calendar time ----------------------------------------------------------------------
def test_urgent_clocks_run_on_calendar_time_through_the_night_and_weekend():
    incident = report(when=at(27, 20))                                   # Friday evening
    incident.dispatch(to("fire", sla="urgent"), at=at(27, 20, 10))
    incident.accept("fire", at=at(27, 20, 40))
    incident.resolve("fire", "done", at=at(28, 1))                       # Saturday 01:00
    view = view_of(incident, until="Accepted")
    assert clock(view, incident, "dispatch").due_at == at(27, 20, 30)
    assert clock(view, incident, "handle").due_at == at(28, 0, 40)
    assert clock(view, incident, "close").due_at == at(28, 4)
    assert view.light(str(incident.id), "handle", at(28, 0)) == "yellow"   # 200 of 240 minutes
    handle = clock(view_of(incident), incident, "handle")
    assert (handle.used, handle.on_time) == (260 * M, False)
    same_in_working_time = accepted(at(27, 20, 40))
    working = view_of(same_in_working_time)
    assert working.light(str(same_in_working_time.id), "handle", at(28, 0)) == "green"
    assert clock(working, same_in_working_time, "handle").used_at(at(29, 23), CAL) == timedelta(0)


# -- voided and merged ----------------------------------------------------------------------------
def test_void_and_merge_stop_the_clocks_without_a_verdict():
    voided = accepted(at(23, 10))
    voided.void("sup", "prank", at=at(23, 11))
    merged = report("R-2")
    merged.merge_into(voided.id, by="route", at=at(23, 9, 30))
    view = view_of(voided, merged)
    for incident in (voided, merged):
        stopped = [c for c in view.stages(str(incident.id)) if c.stopped]
        assert stopped and all(c.on_time is None and not c.is_open for c in stopped)
        assert view.alert_times(str(incident.id)) == []
    assert clock(view, voided, "accept").on_time is True                 # ended before: kept
    assert view.light(str(voided.id), "handle", at(23, 11, 30)) is None


# -- lights and alert instants ------------------------------------------------------------------
def test_lights_at_79_81_and_101_percent():
    incident = report(when=at(23, 9))
    incident.dispatch(to("police"), at=at(23, 9))        # accept: 2 working hours = 120 minutes
    view, iid = view_of(incident), str(incident.id)
    assert view.light(iid, "accept", at(23, 10, 34, 48)) == "green"    # 94.8 min, 79%
    assert view.light(iid, "accept", at(23, 10, 36)) == "green"        # exactly 80%
    assert view.light(iid, "accept", at(23, 10, 36, 0, 1)) == "yellow"
    assert view.light(iid, "accept", at(23, 10, 37, 12)) == "yellow"   # 97.2 min, 81%
    assert view.light(iid, "accept", at(23, 11)) == "yellow"           # exactly 100%
    assert view.light(iid, "accept", at(23, 11, 1, 12)) == "red"       # 121.2 min, 101%
    assert view.light(iid, "verify", at(23, 11)) is None               # not started


def test_lights_count_working_time_only():
    incident = report(when=at(23, 9))
    incident.dispatch(to("police"), at=at(23, 11))
    view, iid = view_of(incident), str(incident.id)
    assert view.light(iid, "accept", at(23, 13, 29)) == "green"        # lunch: 60 of 120 min
    assert view.light(iid, "accept", at(23, 14, 4, 48)) == "green"     # 94.8 min
    assert view.light(iid, "accept", at(23, 14, 7, 12)) == "yellow"    # 97.2 min


def test_alert_instants_are_exact_and_in_working_time():
    incident = report(when=at(23, 9))
    incident.dispatch(to("police"), at=at(23, 11))
    view, iid = view_of(incident), str(incident.id)
    accept = [t for t in view.alert_times(iid) if t.stage == "accept"]
    assert accept == [AlertTimes("accept", "police", at(23, 14, 6), at(23, 14, 30))]
    assert view.alerts_due(iid, at(23, 14, 5)) == []
    assert [a.level for a in view.alerts_due(iid, at(23, 14, 10)) if a.stage == "accept"] == ["at_risk"]
    assert Alert(iid, "accept", "police", "breached", at(23, 14, 30)) in view.alerts_due(iid, at(23, 15))


def test_a_threshold_reached_at_noon_is_passed_when_work_resumes_after_lunch():
    incident = report(when=at(23, 9))
    incident.dispatch(to("police"), at=at(23, 10, 24))   # 80% of 120 min reached at 12:00
    view, iid = view_of(incident), str(incident.id)
    accept = next(t for t in view.alert_times(iid) if t.stage == "accept")
    assert accept.at_risk_at == at(23, 13, 30) and CAL.is_working_time(accept.at_risk_at)
    assert view.light(iid, "accept", at(23, 13, 30)) == "green"
    assert view.light(iid, "accept", at(23, 13, 30, 1)) == "yellow"


def test_finishing_in_the_lunch_break_after_a_noon_deadline_is_on_time():
    incident = report(when=at(23, 9))
    incident.dispatch(to("police"), at=at(23, 10))       # due 12:00
    incident.accept("police", at=at(23, 13))
    c = clock(view_of(incident), incident, "accept")
    assert c.due_at == at(23, 12) and c.ended_at > c.due_at
    assert (c.used, c.on_time) == (2 * H, True)          # no working time passed after 12:00


starts = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 6, 30),
                      timezones=st.just(TZ))


@given(starts, st.integers(1, 60 * 7 * 20), st.sampled_from(["working_minutes", "calendar_minutes"]))
def test_alert_instants_agree_with_the_lights(start, minutes, unit):
    c = StageClock("handle", "police", start)
    c.fix_limit("standard", Limit(amount=minutes, unit=unit), CAL)
    view = SlaClocks(incidents={"i": IncidentClocks(clocks=[c])})
    (times,) = view.alert_times("i")
    if unit == "working_minutes":
        assert CAL.is_working_time(times.at_risk_at) and CAL.is_working_time(times.breached_at)
    assert view.light("i", "handle", times.at_risk_at) == "green"
    assert view.light("i", "handle", times.at_risk_at + timedelta(seconds=1)) == "yellow"
    assert view.light("i", "handle", times.breached_at) == "yellow"
    assert view.light("i", "handle", times.breached_at + timedelta(seconds=1)) == "red"
    assert times.breached_at >= c.due_at



@given(starts, st.integers(1, 60 * 7 * 20), st.sampled_from(["working_minutes", "calendar_minutes"]),
       st.integers(0, 3 * 24 * 3600), st.sampled_from([0.0, 0.5, 0.8, 1.0, 1.25]))
def test_the_bound_of_an_instant_is_never_after_it(start, minutes, unit, paused_s, share):
    """The SLA watcher schedules a clock at this bound and asks the calendar only when it
    comes: a bound after the instant would make an alert late."""
    c = StageClock("handle", "police", start)
    c.paused_us = paused_s * 1_000_000
    c.fix_limit("standard", Limit(amount=minutes, unit=unit), CAL)
    exact = c.passes(share, CAL)
    bound = c.passes_no_sooner_than(share)
    assert bound <= exact
    if unit == "calendar_minutes":   # calendar time is the wall clock's: the bound is exact
        assert bound == exact

# -- replay -------------------------------------------------------------------------------------
def stories() -> list[Incident]:
    from tests.unit.test_event_contract import whole_story
    suspended = accepted(at(23, 10), report_id="R-8")
    suspended.suspend("sup", "court", at=at(23, 14))
    suspended.resume("sup", at=at(24, 14))
    returned = report("R-9", when=at(23, 9))
    returned.dispatch(to("police"), at=at(23, 9, 10))
    returned.return_("police", "not ours", at=at(23, 11))
    returned.dispatch(to("housing", sla="urgent"), at=at(23, 14))
    return [*whole_story(), suspended, returned]


EVENTS = published(*stories())


@given(st.lists(st.integers(0, len(EVENTS) - 1), max_size=40), st.integers(1, 9))
def test_any_batch_split_and_resends_give_the_same_state(resends, batch_size):
    clean = SlaClocks()
    clean.apply(EVENTS)
    stream = list(EVENTS) + [EVENTS[i] for i in resends]
    noisy = SlaClocks()
    for start in range(0, len(stream), batch_size):
        noisy.apply(stream[start:start + batch_size])
    assert noisy.incidents == clean.incidents


def test_events_straight_from_the_store_give_the_same_state_as_json_ones():
    from_store = SlaClocks()
    from_store.apply(published(*stories(), as_json=False))
    from_json = SlaClocks()
    from_json.apply(EVENTS)
    assert from_store.incidents == from_json.incidents
    assert sum(1 for _ in from_json.all_clocks()) == sum(len(r.clocks) for r in from_json.incidents.values())


# -- lazy answers: asked at any moment, they are the answers of the events so far ---------------
def answers(view: SlaClocks, now: datetime) -> dict:
    return {iid: [(c.stage, c.department, c.due_at, c.used, c.on_time, c.paused, c.extension,
                   view.light(iid, c.stage, now)) for c in view.stages(iid)]
            for iid in view.incidents}


def test_answers_asked_between_events_equal_a_fresh_view_of_the_same_events():
    """Kept deadlines and verdicts are forgotten or frozen at the right moments: asking
    after every event gives what a view that was never asked before gives."""
    story = published(*stories()[-2:], accepted(at(23, 10), report_id="R-10"))
    extended = accepted(at(24, 10), report_id="R-11")
    extended.suspend("sup", "court", at=at(24, 11))
    extended.resume("sup", at=at(25, 11))
    extended.request_extension("police", 8, "parts", at=at(25, 12))
    extended.decide_extension(True, by="sup", at=at(25, 13))
    extended.resolve("police", "done", at=at(27, 16))
    story += published(extended)
    asked, now = SlaClocks(), at(26, 15)
    for n, event in enumerate(story):
        asked.apply([event])
        fresh = SlaClocks()
        fresh.apply(story[:n + 1])
        assert answers(asked, now) == answers(fresh, now)
        assert asked.incidents == fresh.incidents  # what was kept is not compared


def test_times_with_any_utc_offset_give_the_same_clocks():
    def in_utc(event: dict) -> dict:
        moved = dict(event)
        for key in ("occurred_at", "reported_at"):
            if isinstance(moved.get(key), str):
                moved[key] = datetime.fromisoformat(moved[key]).astimezone(UTC).isoformat()
        return moved
    local, utc = SlaClocks(), SlaClocks()
    local.apply(EVENTS)
    utc.apply([in_utc(e) for e in EVENTS])
    assert local.incidents == utc.incidents
    assert answers(local, at(26, 15)) == answers(utc, at(26, 15))


# -- the calendar's years: an event that needs a time beyond them raises when applied -----------
def test_a_deadline_beyond_the_calendar_raises_when_applied_and_the_views_go_on():
    from projections.views import Views
    late = report("R-12", when=datetime(2027, 12, 31, 10, tzinfo=TZ))
    late.dispatch(to("police"), at=datetime(2027, 12, 31, 10, 5, tzinfo=TZ))  # close: 5 days
    events = published(late)
    with pytest.raises(CalendarRangeError, match="2028"):
        SlaClocks().apply(events)
    views = Views()
    views.apply(events)  # the views catch it and go on
    close = clock(views.sla, late, "close")
    assert (close.limit, close.due_at, close.is_open) == (Limit(amount=5, unit="working_days"),
                                                          None, True)
    assert views.light_counts(datetime(2027, 12, 31, 11, tzinfo=TZ))[("close", "green")] == 1


def test_a_clock_starting_before_the_calendar_raises_when_timed_and_stays_untimed():
    early = report("R-13", when=datetime(2024, 12, 31, 16, tzinfo=TZ))
    early.dispatch(to("police"), at=datetime(2025, 1, 2, 10, tzinfo=TZ))
    view = SlaClocks()
    with pytest.raises(CalendarRangeError, match="2024-12-31"):
        view.apply(published(early))
    dispatch = clock(view, early, "dispatch")
    assert (dispatch.limit, dispatch.due_at, dispatch.on_time) == (None, None, None)
    assert view.light(str(early.id), "dispatch", datetime(2025, 1, 2, 9, tzinfo=TZ)) is None
