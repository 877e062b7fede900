import pytest

from dispatch.domain.incident import IncidentStatus, incident_id_for
from dispatch.service_layer.inbound import InboundMessage
from dispatch.service_layer.route_reports import RouteReports
from infra.store import memory_service
from tests.city import dispatcher
from tests.factories import report_bytes


@pytest.fixture
def route():
    return RouteReports(memory_service(), dispatcher())


def messages(*values: bytes, partition: int = 0, first_offset: int = 0) -> list[InboundMessage]:
    return [InboundMessage("incidents.reported", partition, first_offset + n, None, value)
            for n, value in enumerate(values)]


def run(route: RouteReports, batch: list[InboundMessage]):
    prepared = route.prepare(batch)
    return prepared, route.record(prepared)


def test_good_reports_are_dispatched_and_bad_ones_become_dead_letters(route):
    batch = messages(report_bytes("A"), b"not json", report_bytes("B", source=7), report_bytes("C"))
    prepared, outcome = run(route, batch)
    assert [letter.message.offset for letter in prepared.dead_letters] == [1, 2]
    assert "source" in prepared.dead_letters[1].reason
    assert len(outcome.recorded) == 2
    for report_id in ("A", "C"):
        incident = route.service.get_incident(incident_id_for("hotline", report_id))
        assert incident.status is IncidentStatus.DISPATCHED
        assert incident.department == "comprehensive-governance"


def test_a_redelivered_batch_is_recognised_and_skipped(route):
    batch = messages(report_bytes("A"), b"bad", report_bytes("B"))
    run(route, batch)
    prepared, outcome = run(route, batch)
    assert prepared.redelivered == 3
    assert prepared.dead_letters == [] and outcome.recorded == []
    assert route.service.recorder.max_notification_id() == 6  # Reported, Located, Dispatched x2


def test_a_partly_redelivered_batch_processes_only_the_new_part(route):
    run(route, messages(report_bytes("A"), report_bytes("B")))
    prepared, outcome = run(route, messages(report_bytes("B"), report_bytes("C"), first_offset=1))
    assert prepared.redelivered == 1
    assert outcome.recorded == [incident_id_for("hotline", "C")]


def test_the_same_report_published_twice_gives_one_incident(route):
    _, first = run(route, messages(report_bytes("A"), report_bytes("A")))
    _, later = run(route, messages(report_bytes("A"), first_offset=2))
    assert len(first.recorded) == 1 and first.duplicates == 1
    assert later.recorded == [] and later.duplicates == 1
    assert route.service.recorder.max_notification_id() == 3


def test_positions_are_tracked_per_partition(route):
    run(route, messages(report_bytes("A"), partition=0, first_offset=5))
    prepared, outcome = run(route, messages(report_bytes("B"), partition=1, first_offset=0))
    assert prepared.redelivered == 0 and len(outcome.recorded) == 1
    assert route.service.tracked_position("incidents.reported:0") == 6
    assert route.service.tracked_position("incidents.reported:1") == 1


def test_a_batch_of_only_bad_messages_still_moves_the_position(route):
    run(route, messages(b"x", b"y"))
    assert route.service.tracked_position("incidents.reported:0") == 2


def test_an_uncovered_category_lands_in_the_manual_queue(route):
    run(route, messages(report_bytes("A", category="misc.unclassified")))
    incident = route.service.get_incident(incident_id_for("hotline", "A"))
    assert incident.status is IncidentStatus.AWAITING_MANUAL_DISPATCH
    assert incident.manual_queue == "command-centre:street:ST01"  # G0001's street


def test_every_incident_records_where_it_is_or_why_nowhere(route):
    run(route, messages(report_bytes("A", location={"grid_id": "G0042"}),
                        report_bytes("B", location={"grid_id": "G9999"})))
    found = route.service.get_incident(incident_id_for("hotline", "A"))
    lost = route.service.get_incident(incident_id_for("hotline", "B"))
    assert found.place["grid"] == "G0042" and found.place["street"] and found.place["district"]
    assert lost.place["grid"] is None and "G9999" in lost.place["reason"]
    assert lost.status is IncidentStatus.AWAITING_MANUAL_DISPATCH
    assert lost.manual_queue == "city-command-centre"  # no street or district to ask


def test_a_batch_recorded_meanwhile_by_another_worker_is_skipped_not_doubled(route):
    other = RouteReports(route.service, route.dispatcher)
    batch = messages(report_bytes("A"), report_bytes("B"))
    mine, theirs = route.prepare(batch), other.prepare(batch)
    assert len(other.record(theirs).recorded) == 2
    assert route.record(mine).recorded == []
    assert route.service.recorder.max_notification_id() == 6


def counting_records(route: RouteReports) -> list[int]:
    """How many positions each store transaction of the route step recorded."""
    calls: list[int] = []
    record = route.service.record

    def counted(aggregates, *tracking):
        calls.append(len(tracking))
        return record(aggregates, *tracking)
    route.service.record = counted
    return calls


def test_a_batch_over_several_partitions_is_one_transaction(route):
    calls = counting_records(route)
    batch = (messages(report_bytes("A"), b"bad", partition=0)
             + messages(report_bytes("B"), partition=1, first_offset=7)
             + messages(b"bad", partition=2, first_offset=3))
    _, outcome = run(route, batch)
    assert calls == [3]
    assert sorted(outcome.recorded) == sorted(incident_id_for("hotline", r) for r in "AB")
    assert [route.service.tracked_position(f"incidents.reported:{p}") for p in range(3)] == \
        [2, 8, 4]   # dead letters' positions too


def test_a_partition_another_worker_took_meanwhile_is_left_and_the_rest_recorded(route):
    from eventsourcing.persistence import Tracking
    calls = counting_records(route)
    batch = (messages(report_bytes("A"), partition=0)
             + messages(report_bytes("B"), partition=1)
             + messages(report_bytes("C"), partition=2))
    prepared = route.prepare(batch)
    # After a rebalance, the partition's new owner recorded it between prepare and record.
    route.service.record([], Tracking("incidents.reported:1", 1))
    outcome = route.record(prepared)
    assert calls == [1, 3, 1, 1, 1]   # theirs; the whole batch, refused; one by one
    assert sorted(outcome.recorded) == sorted(incident_id_for("hotline", r) for r in "AC")
    assert route.service.existing([incident_id_for("hotline", "B")]) == set()
    assert [route.service.tracked_position(f"incidents.reported:{p}") for p in range(3)] == \
        [1, 1, 1]


def test_a_repeat_in_another_partition_of_the_same_batch_counts_once(route):
    calls = counting_records(route)
    batch = messages(report_bytes("A"), partition=0) + messages(report_bytes("A"), partition=1)
    _, outcome = run(route, batch)
    assert calls == [2] and len(outcome.recorded) == 1 and outcome.duplicates == 1
