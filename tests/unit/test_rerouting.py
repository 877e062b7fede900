"""Returns, the return limit, and a policy change while incidents are open."""
from datetime import datetime, timedelta, timezone

from dispatch.domain.incident import Incident, IncidentStatus
from dispatch.service_layer.dispatcher import Dispatcher
from dispatch.service_layer.rerouting import reroute
from policies.loader import DEMO_POLICY, parse_policy
from tests.city import demo_view

AT = datetime(2026, 11, 26, 10, tzinfo=timezone(timedelta(hours=8)))


def dispatcher(text: bytes | None = None) -> Dispatcher:
    return Dispatcher(demo_view(), parse_policy(text or DEMO_POLICY.read_bytes(), "demo"))


def reported(report_id="R-1", category="public-safety.dispute.neighbour", grid="G0001") -> Incident:
    return Incident(source="hotline", report_id=report_id, category=category, reported_at=AT,
                    location={"grid_id": grid}, description="d", priority="normal",
                    reporter=None, attachments=[], extra={})


def first_dispatch(incident: Incident, engine: Dispatcher) -> None:
    placement = engine.place(incident.location, incident.category, incident.source,
                             incident.priority, incident.reported_at)
    incident.dispatch(engine.decide(placement.situation), at=AT)


def test_a_return_leads_to_another_department_then_the_limit_to_a_person():
    engine = dispatcher()
    incident = reported()
    first_dispatch(incident, engine)
    first = incident.department
    incident.return_(first, "not ours", at=AT)
    second = reroute(incident, engine, at=AT)
    assert second.department not in (None, first)
    incident.return_(second.department, "not ours either", at=AT)
    third = reroute(incident, engine, at=AT)
    assert third.rule_id == "return-limit"
    assert incident.status is IncidentStatus.AWAITING_MANUAL_DISPATCH
    assert incident.manual_queue == "command-centre:street:ST01"
    assert incident.urge_count == 1


def test_open_incidents_keep_their_decision_when_the_policy_changes():
    old = dispatcher()
    new_text = DEMO_POLICY.read_bytes().replace(b'department = "ST01-office"',
                                                b'department = "comprehensive-governance"')
    new = dispatcher(new_text)
    assert new.policy.version != old.policy.version
    open_one, later_one = reported("R-1"), reported("R-2")
    first_dispatch(open_one, old)
    first_dispatch(later_one, new)
    assert (open_one.department, open_one.decisions[-1]["policy_version"]) == \
        ("ST01-office", old.policy.version)
    assert (later_one.department, later_one.decisions[-1]["policy_version"]) == \
        ("comprehensive-governance", new.policy.version)
    # Only an explicit re-route by a supervisor moves the open one under the new policy.
    placement = new.place(open_one.location, open_one.category, "hotline", "normal", AT)
    open_one.reassign(new.decide(placement.situation), by="sup-1", reason="new policy", at=AT)
    assert open_one.decisions[-1]["policy_version"] == new.policy.version
    assert [d["department"] for d in open_one.decisions] == ["ST01-office", "comprehensive-governance"]
