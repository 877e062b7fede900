from datetime import datetime, timezone

import pytest

from dispatch.domain.errors import IllegalTransition
from dispatch.domain.incident import Incident, IncidentStatus, incident_id_for
from dispatch.domain.routing import RoutingDecision
from infra.store import memory_service

TO_POLICE = RoutingDecision("category:public-safety", "v1", "standard", department="police")
TO_QUEUE = RoutingDecision("fallback", "v1", "standard", manual_queue="city-command-centre")


def new_incident(report_id: str = "R-1") -> Incident:
    return Incident(source="hotline", report_id=report_id, category="public-safety.dispute",
                    reported_at=datetime(2026, 11, 26, 2, tzinfo=timezone.utc),
                    location={"grid_id": "G1"}, description="d", priority="normal",
                    reporter=None, attachments=[], extra={})


def test_incident_ids_are_deterministic_per_source_and_report():
    assert new_incident().id == incident_id_for("hotline", "R-1")
    assert incident_id_for("hotline", "R-1") != incident_id_for("app", "R-1")
    assert incident_id_for("hotline", "R-1") != incident_id_for("hotline", "R-2")


def test_dispatch_records_who_decided_and_why():
    incident = new_incident()
    incident.dispatch(TO_POLICE)
    assert incident.status is IncidentStatus.DISPATCHED
    assert incident.decisions == [{"department": "police", "rule_id": "category:public-safety",
                                   "policy_version": "v1", "sla_class": "standard"}]


def test_no_rule_means_a_named_queue():
    incident = new_incident()
    incident.dispatch(TO_QUEUE)
    assert incident.status is IncidentStatus.AWAITING_MANUAL_DISPATCH
    assert incident.manual_queue == "city-command-centre"


def test_a_dispatched_incident_cannot_be_dispatched_again_and_is_unchanged():
    incident = new_incident()
    incident.dispatch(TO_POLICE)
    version = incident.version
    with pytest.raises(IllegalTransition, match="cannot dispatch while dispatched"):
        incident.dispatch(TO_QUEUE)
    assert incident.version == version and incident.department == "police"


def test_replaying_the_stored_events_rebuilds_an_equal_incident():
    service = memory_service()
    incident = new_incident()
    incident.dispatch(TO_POLICE)
    service.save(incident)
    copy = service.get_incident(incident.id)
    assert copy.__dict__ == incident.__dict__
