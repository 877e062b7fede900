"""A new incident written as its stored events directly is stored exactly as the aggregate
would be, and handed out as the aggregate a load from the store gives."""
import json
from datetime import datetime, timedelta, timezone
from uuid import UUID

import orjson
import pytest
from eventsourcing.domain import Aggregate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dispatch.domain.incident import Incident, IncidentStatus, incident_id_for
from dispatch.domain.routing import RoutingDecision
from dispatch.service_layer.inbound import InboundMessage
from dispatch.service_layer.incident_service import IncidentService
from dispatch.service_layer.new_incidents import NewIncident
from dispatch.service_layer.reports import ReportReading, by_contract
from dispatch.service_layer.route_reports import RouteReports
from infra.store import memory_service
from policies.duplicates import DuplicateRules
from projections.duplicate_candidates import DuplicateCandidates
from tests.city import dispatcher
from tests.factories import report

STORED_AT = datetime(2026, 11, 28, 1, 2, 3, 456789, tzinfo=timezone.utc)
AT = datetime(2026, 11, 28, 1, 2, 4, tzinfo=timezone.utc)

text = st.text(max_size=12)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=6)


@st.composite
def reports(draw) -> bytes:
    offset = draw(st.sampled_from([timedelta(hours=8), timedelta(0), timedelta(hours=-3,
                                   minutes=-30), timedelta(hours=5, minutes=45)]))
    reported_at = datetime(2026, 11, 2, 8, 30, tzinfo=timezone(offset)) + draw(
        st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=60)))
    if draw(st.booleans()):   # whole seconds: written without a fraction
        reported_at = reported_at.replace(microsecond=0)
    location = draw(st.sampled_from([
        {"grid_id": "G0001"}, {"grid_id": "NOWHERE"}, {"address_id": "A-1"},
        {"lat": 31.2304, "lon": 121.4737}, {"qr_code": "QR-中文"}]))
    extra = draw(st.dictionaries(st.sampled_from(["channel", "x", "中文", "n"]), json_values,
                                 max_size=3))
    body = report(draw(st.text(min_size=1, max_size=8)),
                  source=draw(st.sampled_from(["hotline", "app", "sensor", "grid_worker"])),
                  category=draw(st.sampled_from(["public-safety.dispute.neighbour",
                                                 "city-appearance.litter", "unknown.thing"])),
                  reported_at=reported_at.isoformat(), location=location,
                  description=draw(st.text(max_size=20)),
                  priority=draw(st.sampled_from(["low", "normal", "urgent"])),
                  attachments=draw(st.lists(text, max_size=2)), **extra)
    if draw(st.booleans()):
        body["reporter"] = {"name": draw(text), "phone": None, "badge": draw(json_values)}
    return json.dumps(body, ensure_ascii=False).encode()   # orjson writes no big integers


ORIGINAL = UUID("0b8f7c2e-4a55-4f0e-9d1a-3c2b1a000001")
decisions = st.sampled_from([
    None,   # the policy's own decision
    "merge",   # merged into ORIGINAL as a duplicate
    RoutingDecision("r-1", "sha256:1", "working-day-15", department="d-1",
                    co_handling=("d-2", "d-3")),
    RoutingDecision("r-2", "sha256:1", "natural-day-3", manual_queue="city-desk")])


def services() -> list[IncidentService]:
    """The engine's store (orjson), eventsourcing's own transcoder, and one that compresses."""
    return [memory_service(),
            IncidentService(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}),
            IncidentService(env={"PERSISTENCE_MODULE": "eventsourcing.popo",
                                 "COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor"})]


@pytest.fixture(autouse=True)
def one_store_time(monkeypatch):
    monkeypatch.setattr(Aggregate.Event, "create_timestamp", staticmethod(lambda: STORED_AT))


def located(raw: bytes, decision: RoutingDecision | str | None,
            natively: bool = False) -> NewIncident:
    """`natively`: read as the route step reads (the report time's text from the native
    reader, where it answers), else by the contract alone."""
    report = ReportReading().read(raw) if natively else by_contract(raw)
    route = RouteReports(memory_service(), dispatcher())
    new, situation = route._located(report.incident_id, report, AT,
                                    NewIncident.create_timestamp())
    if decision == "merge":
        new.merge_into(ORIGINAL, by="duplicate-detection")
    else:
        new.dispatch(decision or route.dispatcher.decide(situation))
    return new


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=reports(), decision=decisions, repeats=st.integers(0, 2), stored_between=st.booleans(),
       natively=st.booleans())
def test_the_stored_events_are_the_aggregates_byte_for_byte(raw, decision, repeats,
                                                            stored_between, natively):
    for service in services():
        new = located(raw, decision, natively)
        incident = new.as_reported()
        if new.is_merged:
            incident.merge_into(ORIGINAL, by="duplicate-detection", at=AT)
        else:
            incident.dispatch(new.decision, at=AT)
        written = new.unsaved_events(service.state_writer)
        if stored_between:   # the first events stored, the duplicates recorded later
            new.saved()
        for n in range(repeats if not new.is_merged else 0):
            duplicate = UUID(int=n + 1)
            new.record_duplicate(duplicate, at=AT)
            incident.record_duplicate(duplicate, at=AT)
        written = (written if stored_between else []) + new.unsaved_events(service.state_writer)
        expected = [service.mapper.to_stored_event(e) for e in incident.collect_events()]
        assert written == expected
        assert new.version == incident.version and new.status == incident.status
        assert new.duplicates == incident.duplicates
        # and read back, the aggregate a load gives
        rebuilt = service.rebuilt(new)
        assert vars(rebuilt) == {**vars(incident), "_pending_events": []}


def test_none_of_the_three_events_has_a_class_version():
    for event in (Incident.Reported, Incident.Located, Incident.Dispatched,
                  Incident.QueuedForManualDispatch, Incident.MergedAsDuplicate):
        assert getattr(event, "class_version", 1) == 1


def messages(*bodies: dict) -> list[InboundMessage]:
    return [InboundMessage("incidents.reported", 0, n, None, orjson.dumps(body))
            for n, body in enumerate(bodies)]


def test_a_routed_incident_is_stored_as_its_events_and_handed_out_as_the_aggregate():
    route = RouteReports(memory_service(), dispatcher())
    outcome = route.record(route.prepare(messages(report("A"), report("B"))))
    service = route.service
    assert all(type(service.recent.take(i)) is NewIncident for i in outcome.recorded[:1])
    for incident_id in outcome.recorded:   # the first from the store, the second kept
        incident = service.get_incident(incident_id)
        assert type(incident) is Incident and incident.status is IncidentStatus.DISPATCHED
        assert vars(incident) == vars(service.repository.get(incident_id))
    assert service.recorder.max_notification_id() == 6


def repeats_merged() -> RouteReports:
    rules = DuplicateRules(window_minutes=120, radius_m=250)
    return RouteReports(memory_service(), dispatcher(), duplicates=DuplicateCandidates(rules))


def rubbish(report_id: str) -> dict:
    return report(report_id, category="city-appearance.rubbish.exposed",
                  location={"qr_code": "QR-0001-001"})


def test_a_report_repeating_one_dispatched_in_the_same_batch_is_recorded_on_it():
    route = repeats_merged()
    outcome = route.record(route.prepare(messages(rubbish("A"), rubbish("B"))))
    original_id, repeat_id = (incident_id_for("hotline", r) for r in ("A", "B"))
    assert outcome.merged == 1 and outcome.recorded == [original_id, repeat_id]
    stored = [(UUID(str(e.originator_id)), e.originator_version, e.topic.split(".")[-1])
              for e in route.service.recorder.select_notifications(1, 10)]
    assert stored == [(original_id, 1, "Reported"), (original_id, 2, "Located"),
                      (original_id, 3, "Dispatched"), (original_id, 4, "DuplicateRecorded"),
                      (repeat_id, 1, "Reported"), (repeat_id, 2, "Located"),
                      (repeat_id, 3, "MergedAsDuplicate")]
    assert repeat_id not in route.service.recent._kept   # merged: finished, not kept
    assert route.service.get_incident(repeat_id).merged_into == str(original_id)
    kept = route.service.recent._kept[original_id]
    assert type(kept) is NewIncident and kept.version == 4
    original = route.service.get_incident(original_id)   # made an aggregate: taken from the kept
    assert original.version == 4 and original.duplicates == [str(repeat_id)]
    assert route.duplicates.incidents[str(original_id)].version == 4
    # a later repeat is merged into it (loaded from the store this time)
    later = route.record(route.prepare([InboundMessage("incidents.reported", 0, 2, None,
                                                       orjson.dumps(rubbish("C")))]))
    assert later.merged == 1
    assert route.service.get_incident(original_id).version == 5


def test_a_new_incident_kept_takes_a_later_repeat_as_it_is_kept():
    route = repeats_merged()
    route.record(route.prepare(messages(rubbish("A"))))
    original_id = incident_id_for("hotline", "A")
    assert type(route.service.recent._kept[original_id]) is NewIncident
    later = route.record(route.prepare([InboundMessage("incidents.reported", 0, 1, None,
                                                       orjson.dumps(rubbish("B")))]))
    assert later.merged == 1
    kept = route.service.recent._kept[original_id]
    assert type(kept) is NewIncident and kept.version == 4
    assert [e.originator_version for e in route.service.recorder.select_events(original_id)] \
        == [1, 2, 3, 4]
    assert vars(route.service.get_incident(original_id)) == \
        vars(route.service.repository.get(original_id))
