"""Commands from departments, grid workers and supervisors, through the command step."""
import itertools

import orjson
import pytest

from dispatch.domain.incident import IncidentStatus, incident_id_for
from dispatch.service_layer.handle_commands import HandleCommands
from dispatch.service_layer.inbound import InboundMessage
from dispatch.service_layer.route_reports import RouteReports
from infra.store import memory_service
from tests.city import dispatcher
from tests.factories import report_bytes

INCIDENT = incident_id_for("hotline", "R-1")
OFFSETS = itertools.count()


@pytest.fixture
def world():
    service = memory_service()
    route = RouteReports(service, dispatcher())
    route.record(route.prepare([InboundMessage("r", 0, 0, None, report_bytes("R-1"))]))
    return service, HandleCommands(service, dispatcher())


def command(kind: str, command_id: str, incident=INCIDENT, **fields) -> bytes:
    return orjson.dumps({"type": kind, "command_id": command_id, "incident_id": str(incident),
                         "issued_by": fields.pop("issued_by", "ST01-office"),
                         "at": "2026-11-26T11:00:00+08:00", **fields})


def run(handler: HandleCommands, *values: bytes, offsets=None):
    offsets = offsets or [next(OFFSETS) for _ in values]
    batch = [InboundMessage("incidents.commands", 0, o, None, v) for o, v in zip(offsets, values)]
    prepared = handler.prepare(batch)
    return prepared, handler.record(prepared)


def test_the_loop_closes_through_commands(world):
    service, handler = world
    holder = service.get_incident(INCIDENT).department
    _, outcome = run(handler,
                     command("accept", "c1", department=holder),
                     command("resolve", "c2", department=holder, result="mediated"),
                     command("verify", "c3", passed=True, issued_by="W0001"),
                     command("rate", "c4", rating="satisfied", resolved=True, issued_by="reporter"))
    incident = service.get_incident(INCIDENT)
    assert outcome.applied == 4 and incident.status is IncidentStatus.CLOSED
    assert incident.rating == "satisfied"


def test_a_command_id_takes_effect_once_however_often_it_comes(world):
    service, handler = world
    holder = service.get_incident(INCIDENT).department
    accept = command("accept", "same-id", department=holder)
    _, first = run(handler, accept, accept)
    _, later = run(handler, accept)
    assert (first.applied, first.duplicates, later.applied, later.duplicates) == (1, 1, 0, 1)
    assert service.get_incident(INCIDENT).version == 4  # Reported, Located, Dispatched, Accepted


def test_a_redelivered_batch_is_skipped(world):
    service, handler = world
    holder = service.get_incident(INCIDENT).department
    run(handler, command("accept", "a1", department=holder), offsets=[100])
    prepared, outcome = run(handler, command("accept", "a1", department=holder), offsets=[100])
    assert prepared.redelivered == 1 and outcome.applied == 0


def test_a_refused_command_is_recorded_on_the_incident_with_its_reason(world):
    service, handler = world
    _, outcome = run(handler, command("resolve", "r1", department="housing", result="done"))
    incident = service.get_incident(INCIDENT)
    assert outcome.rejected == 1 and incident.status is IncidentStatus.DISPATCHED
    stored = service.recorder.select_events(INCIDENT)
    assert stored[-1].topic.endswith("CommandRejected")
    assert b"cannot resolve: it is dispatched" in stored[-1].state


def test_malformed_commands_and_unknown_incidents_are_dead_letters(world):
    _, handler = world
    prepared, outcome = run(handler, b"{nope", command("urge", "u1", incident=incident_id_for("app", "X")),
                            command("accept", "a9"), command("teleport", "t1"))
    reasons = [letter.reason for letter in prepared.dead_letters]
    assert "Invalid JSON" in reasons[0]
    assert "department: Field required" in reasons[1]
    assert "'teleport'" in reasons[2] or "does not match any of the expected tags" in reasons[2]
    assert reasons[3].startswith("unknown incident")
    assert outcome.applied == 0


def test_a_return_is_rerouted_and_the_second_goes_to_a_person(world):
    service, handler = world
    first = service.get_incident(INCIDENT).department
    run(handler, command("return", "x1", department=first, reason="not ours"))
    second = service.get_incident(INCIDENT).department
    assert second not in (None, first)
    run(handler, command("return", "x2", department=second, reason="not ours either"))
    incident = service.get_incident(INCIDENT)
    assert incident.status is IncidentStatus.AWAITING_MANUAL_DISPATCH and incident.urge_count == 1
    run(handler, command("reassign", "x3", department="no-such-dept", reason="manual", issued_by="sup"),
        command("reassign", "x4", department="housing", reason="manual", issued_by="sup"))
    incident = service.get_incident(INCIDENT)
    assert incident.department == "housing"
    assert incident.decisions[-1]["rule_id"] == "supervisor:sup"


def test_an_incident_changed_by_another_writer_meanwhile_gets_the_command_once(world):
    """The route step (a duplicate noted) or the SLA watcher (an alert) may save the
    incident between the command step's load and save: the batch is applied again to
    what is stored, once, and both changes are kept."""
    service, handler = world
    holder = service.get_incident(INCIDENT).department
    load_many, raced = service.get_incidents, []

    def load_then_change(incident_ids):
        found = load_many(incident_ids)
        if not raced:
            other = service.repository.get(INCIDENT)   # another writer's copy
            other.urge(by="supervisor", note="hurry", at=other.reported_at)
            service.save(other)
            raced.append(INCIDENT)
        return found

    service.get_incidents = load_then_change
    _, outcome = run(handler, command("accept", "raced", department=holder))
    service.get_incidents = load_many
    incident = service.get_incident(INCIDENT)
    assert raced and outcome.applied == 1 and outcome.duplicates == 0
    assert incident.status is IncidentStatus.ACCEPTED and incident.urge_count == 1
    assert incident.version == 5  # Reported, Located, Dispatched, Urged, Accepted


def two_incidents_on_two_partitions(world):
    service, handler = world
    route = RouteReports(service, dispatcher())
    route.record(route.prepare([InboundMessage("r", 0, 1, None, report_bytes("R-2"))]))
    other = incident_id_for("hotline", "R-2")
    holders = {i: service.get_incident(i).department for i in (INCIDENT, other)}
    batch = [InboundMessage("incidents.commands", 0, 500, None,
                            command("accept", "p0", department=holders[INCIDENT])),
             InboundMessage("incidents.commands", 1, 700, None,
                            command("accept", "p1", incident=other, department=holders[other]))]
    return service, handler, other, batch


def test_a_batch_over_partitions_is_stored_in_one_transaction(world):
    service, handler, other, batch = two_incidents_on_two_partitions(world)
    transactions = []
    record = service.record
    service.record = lambda *args: (transactions.append(len(args) - 1), record(*args))[1]
    outcome = handler.record(handler.prepare(batch))
    assert transactions == [2]   # one transaction, two tracking rows
    assert outcome.applied == 2
    assert service.tracked_position("incidents.commands:0") == 501
    assert service.tracked_position("incidents.commands:1") == 701
    assert {service.get_incident(i).status for i in (INCIDENT, other)} == {IncidentStatus.ACCEPTED}


def test_a_partition_another_worker_took_meanwhile_is_left_and_the_rest_recorded(world):
    from eventsourcing.persistence import Tracking
    service, handler, other, batch = two_incidents_on_two_partitions(world)
    prepared = handler.prepare(batch)
    service.record([], Tracking("incidents.commands:1", 800))   # the other worker, after a rebalance
    outcome = handler.record(prepared)
    assert outcome.applied == 1
    assert service.get_incident(INCIDENT).status is IncidentStatus.ACCEPTED
    assert service.get_incident(other).status is IncidentStatus.DISPATCHED
    assert service.tracked_position("incidents.commands:0") == 501
    assert service.tracked_position("incidents.commands:1") == 800
