"""Every published event matches its hand-written model, and every domain event has one."""
import dataclasses

import orjson
import pytest

from dispatch.domain.incident import Incident
from dispatch.event_contract import EVENT_MODELS, incident_event
from dispatch.published import published_event
from infra.store import memory_service
from tests.unit.test_incident import T0, decision, dispatched, new_incident

ENVELOPE = {"incident_id", "version", "type", "occurred_at", "recorded_at"}
STORE_FIELDS = {"originator_id", "originator_version", "timestamp", "originator_topic", "at"}
DOMAIN_EVENTS = {name: cls for name, cls in vars(Incident).items()
                 if isinstance(cls, type) and issubclass(cls, Incident.Event)
                 and name not in ("Event", "Created")}


def test_each_domain_event_has_a_model_with_the_same_fields():
    models = {model.__name__: model for model in EVENT_MODELS}
    assert set(models) == set(DOMAIN_EVENTS)
    for name, event_class in DOMAIN_EVENTS.items():
        domain_fields = {f.name for f in dataclasses.fields(event_class)} - STORE_FIELDS
        assert set(models[name].model_fields) - ENVELOPE == domain_fields, name


PLACE = {"how": "grid_id", "grid": "G0001", "community": "C1", "street": "S1", "district": "D1",
         "grid_kind": "comprehensive", "managing_unit": None, "overlays": [], "grid_workers": ["W1"],
         "address": None,
         "reason": None, "notes": []}


def whole_story() -> list[Incident]:
    first = new_incident()
    first.locate(PLACE, at=T0)
    first.dispatch(decision("police"), at=T0)
    first.accept("police", at=T0)
    first.request_extension("police", 8, "parts", at=T0)
    first.decide_extension(True, by="sup", at=T0)
    first.suspend("sup", "court", at=T0)
    first.resume("sup", at=T0)
    first.urge("sup", "hurry", at=T0)
    first.resolve("police", "done", at=T0)
    first.verify("gw", passed=False, note="not done", at=T0)
    first.resolve("police", "done now", at=T0)
    first.verify("gw", passed=True, note="", at=T0)
    first.rate("basically_satisfied", by="reporter", at=T0, resolved=False)
    second = new_incident("R-2")
    second.dispatch(decision("police"), at=T0)
    second.return_("police", "not ours", at=T0)
    second.judge_return(1, justified=False, by="sup", note="it is theirs", at=T0)
    second.dispatch(decision(queue="street"), at=T0)
    second.reassign(decision("housing"), by="sup", reason="manual", at=T0)
    second.reclassify("building.unsafe", by="sup", at=T0)
    second.dispatch(decision("urban"), at=T0)
    second.accept("urban", at=T0)
    second.request_extension("urban", 4, "waiting", at=T0)
    second.decide_extension(False, by="sup", at=T0, reason="not needed")
    second.reject_command("c-9", "accept", "housing", "not responsible", at=T0)
    second.alert_sla("accept@x#0.0", "accept", "at_risk", 0, ["urban"], "e1", at=T0)
    second.void("sup", "prank", at=T0)
    third = new_incident("R-3")
    third.merge_into(first.id, by="route", at=T0)
    first.record_duplicate(third.id, at=T0)
    return [first, second, third]


def test_a_whole_story_publishes_events_that_all_validate():
    service = memory_service()
    service.save(*whole_story())
    published = [orjson.loads(orjson.dumps(published_event(service.domain_event(n))))
                 for n in service.notifications_after(0, 1000)]
    assert {event["type"] for event in published} == set(DOMAIN_EVENTS)
    for event in published:
        model = incident_event.validate_python(event)
        assert model.type == event["type"]


def test_an_event_missing_a_field_does_not_validate():
    service = memory_service()
    service.save(dispatched())
    event = published_event(service.domain_event(service.notifications_after(0, 10)[1]))
    del event["policy_version"]
    with pytest.raises(ValueError, match="policy_version"):
        incident_event.validate_python(event)


def test_the_fast_route_from_a_stored_record_gives_the_same_published_event():
    from dispatch.published import published_from_stored

    service = memory_service()
    service.save(*whole_story())
    for n in service.notifications_after(0, 1000):
        slow = published_event(service.domain_event(n))
        fast = published_from_stored(n.originator_id, n.originator_version, n.topic, n.state)
        assert fast == slow
        assert list(fast) == list(slow)  # same field order, so the JSON is the same too


def test_numbers_a_reporter_sent_beyond_64_bits_are_published_exactly():
    """orjson, which the fast route parses with, reads such integers as floats: a meter
    reading of 2**70 + 1 would go out as 1.1805916207174113e+21."""
    from dispatch.published import published_from_stored

    service = memory_service()
    incident = Incident(source="hotline", report_id="R-big", category="c", reported_at=T0,
                        location={"grid_id": "G1", "meter": -(2 ** 65) - 1}, description="d",
                        priority="normal", reporter=None, attachments=[],
                        extra={"meter_reading": 2 ** 70 + 1, "ratio": 1e22, "small": 12})
    service.save(incident)
    [n] = service.notifications_after(0, 10)
    fast = published_from_stored(n.originator_id, n.originator_version, n.topic, n.state)
    assert fast == published_event(service.domain_event(n))
    assert fast["extra"]["meter_reading"] == 2 ** 70 + 1 and type(fast["extra"]["ratio"]) is float
    assert fast["location"]["meter"] == -(2 ** 65) - 1
