from hypothesis import given
from hypothesis import strategies as st

from dispatch.published import published_event
from dispatch.service_layer.inbound import InboundMessage
from dispatch.service_layer.route_reports import RouteReports
from infra.store import memory_service
from tests.city import dispatcher
from projections.open_incidents import UNASSIGNED, OpenIncidentsByDepartment
from tests.factories import report_bytes


def stored_events(categories: list[str]) -> list[dict]:
    service = memory_service()
    route = RouteReports(service, dispatcher())
    batch = [InboundMessage("r", 0, n, None, report_bytes(f"R{n}", category=c))
             for n, c in enumerate(categories)]
    route.record(route.prepare(batch))
    return [published_event(service.domain_event(n)) for n in service.notifications_after(0, 10_000)]


def test_counts_open_incidents_per_department_and_queue():
    view = OpenIncidentsByDepartment()
    view.apply(stored_events(["environment.noise", "environment.air", "market.food-safety",
                              "unknown.thing"]))
    assert view.counts() == {"environment": 2, "market-supervision": 1,
                             "queue:command-centre:street:ST01": 1}


def test_a_reported_but_not_yet_dispatched_incident_is_shown_as_such():
    view = OpenIncidentsByDepartment()
    view.apply(stored_events(["environment.noise"])[:1])
    assert view.counts() == {UNASSIGNED: 1}


EVENTS = stored_events(["environment.noise", "market.x", "traffic.y", "building.z", "zzz"])


@given(st.lists(st.integers(0, len(EVENTS) - 1), max_size=40), st.integers(1, 7))
def test_resent_events_in_any_batches_change_nothing(resends, batch_size):
    """The relay may resend after a crash: the view must equal one clean pass."""
    clean = OpenIncidentsByDepartment()
    clean.apply(EVENTS)
    # A resend repeats an event that was already delivered (per-incident order holds).
    stream = list(EVENTS)
    for index in resends:
        stream.append(EVENTS[index])
    noisy = OpenIncidentsByDepartment()
    for start in range(0, len(stream), batch_size):
        noisy.apply(stream[start:start + batch_size])
    assert noisy.counts() == clean.counts()
    assert noisy.rows == clean.rows


def test_the_view_follows_the_whole_loop():
    from infra.store import memory_service
    from tests.unit.test_event_contract import whole_story

    service = memory_service()
    first, second, third = whole_story()
    service.save(first, second, third)
    view = OpenIncidentsByDepartment()
    view.apply(published_event(service.domain_event(n)) for n in service.notifications_after(0, 1000))
    assert view.counts() == {}  # closed, voided, merged: nothing left open
    assert [view.rows[str(i.id)].is_open for i in (first, second, third)] == [False] * 3


def test_a_returned_ticket_waits_for_a_new_decision_and_a_reassigned_one_moves():
    from datetime import datetime, timezone

    from dispatch.domain.routing import RoutingDecision
    from infra.store import memory_service
    from tests.unit.test_incident import new_incident

    at = datetime(2026, 11, 26, tzinfo=timezone.utc)
    service, incident = memory_service(), new_incident()
    incident.dispatch(RoutingDecision("r", "v", "s", department="police"), at=at)
    incident.return_("police", "not ours", at=at)
    service.save(incident)
    view = OpenIncidentsByDepartment()
    view.apply(published_event(service.domain_event(n)) for n in service.notifications_after(0, 100))
    assert view.counts() == {"(awaiting a new decision)": 1}
    position = service.recorder.max_notification_id()
    incident.reassign(RoutingDecision("manual", "v", "s", department="housing"), "sup", "x", at=at)
    service.save(incident)
    view.apply(published_event(service.domain_event(n)) for n in service.notifications_after(position, 100))
    assert view.counts() == {"housing": 1}
