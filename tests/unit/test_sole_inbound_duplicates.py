"""The sole inbound worker keeps its duplicate index from what it stores: a command that
voids or reclassifies an incident moves the index at once, without incidents.events."""
import itertools
from uuid import UUID

import orjson
import pytest

from dispatch.domain.incident import incident_id_for
from dispatch.domain.incident_status import IncidentStatus
from dispatch.service_layer.handle_commands import HandleCommands
from dispatch.service_layer.inbound import InboundMessage
from dispatch.service_layer.route_reports import RouteReports
from infra.inbound_tasks import keep_duplicates_from_own_records
from infra.store import memory_service
from policies.duplicates import DuplicateRules
from projections.duplicate_candidates import DuplicateCandidates
from tests.city import dispatcher
from tests.factories import report_bytes

RUBBISH = "city-appearance.rubbish.exposed"
OFFSETS = itertools.count()


def steps(own_records: bool) -> tuple[RouteReports, HandleCommands]:
    service = memory_service()
    route = RouteReports(service, dispatcher(), duplicates=DuplicateCandidates(
        DuplicateRules(window_minutes=120, radius_m=250)))
    if own_records:
        keep_duplicates_from_own_records(service, route.duplicates)
    return route, HandleCommands(service, dispatcher())


def report(route: RouteReports, report_id: str) -> str:
    route.record(route.prepare([InboundMessage("incidents.reported", 0, next(OFFSETS), None,
                                               report_bytes(report_id, category=RUBBISH,
                                                            location={"qr_code": "QR-0001-001"}))]))
    return str(incident_id_for("hotline", report_id))


def command(handler: HandleCommands, body: dict) -> None:
    handler.record(handler.prepare([InboundMessage(
        "incidents.commands", 0, next(OFFSETS), None,
        orjson.dumps({"issued_by": "supervisor", "at": "2026-11-26T11:00:00+08:00", **body}))]))


@pytest.mark.parametrize("own_records", [True, False])
def test_a_voided_incident_leaves_the_index_only_when_fed_from_own_records(own_records):
    route, handler = steps(own_records)
    incident = report(route, "A")
    assert route.duplicates.incidents[incident].is_open   # remembered by the route step
    command(handler, {"type": "void", "command_id": "v1", "incident_id": incident,
                      "reason": "reported by mistake"})
    assert route.duplicates.incidents[incident].is_open is not own_records


def test_a_reclassified_incident_is_filed_under_its_new_category():
    route, handler = steps(own_records=True)
    incident = report(route, "A")
    command(handler, {"type": "reclassify", "command_id": "r1", "incident_id": incident,
                      "category": "city-appearance.advertising.illegal"})
    assert route.duplicates.incidents[incident].category == "city-appearance.advertising.illegal"


def test_the_route_steps_own_reports_are_not_applied_twice():
    route, _ = steps(own_records=True)
    report(route, "A")
    report(route, "B")   # (a repeat of A: merged, closed at once, never in the index)
    assert set(route.duplicates.incidents) == {str(incident_id_for("hotline", "A"))}


def test_a_failing_listener_does_not_fail_what_was_stored():
    route, _ = steps(own_records=False)

    def broken(events):
        raise RuntimeError("listener broken")
    route.service.on_recorded = broken
    incident = report(route, "A")   # no exception: the batch is stored and counts as such
    assert route.service.existing([incident_id_for("hotline", "A")])
    assert route.duplicates.incidents[incident].is_open


def test_a_failure_of_the_feed_is_counted_and_the_batch_stays_stored():
    service = memory_service()
    index = DuplicateCandidates(DuplicateRules(window_minutes=120, radius_m=250))
    route = RouteReports(service, dispatcher(), duplicates=index)
    handler = HandleCommands(service, dispatcher())
    failures = []
    keep_duplicates_from_own_records(service, index, lambda: failures.append(1))
    incident = report(route, "A")
    index.apply = lambda events: (_ for _ in ()).throw(RuntimeError("index broken"))
    command(handler, {"type": "void", "command_id": "v1", "incident_id": incident,
                      "reason": "reported by mistake"})
    assert failures == [1]
    assert service.get_incident(UUID(incident)).status is IncidentStatus.VOIDED
