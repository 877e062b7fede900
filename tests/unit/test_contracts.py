import orjson
import pytest

from dispatch.contracts import InvalidMessage, decode_report
from tests.factories import report, report_bytes


def test_a_valid_report_decodes_and_keeps_unknown_fields():
    decoded = decode_report(report_bytes(platform_ticket="P-77", priority="urgent"))
    assert decoded.report_id == "R-1"
    assert decoded.priority.value == "urgent"
    assert decoded.model_extra == {"platform_ticket": "P-77"}
    assert decoded.reported_at.utcoffset().total_seconds() == 8 * 3600


def _problem(raw: bytes) -> InvalidMessage:
    with pytest.raises(InvalidMessage) as caught:
        decode_report(raw)
    return caught.value


def test_malformed_json_says_so():
    error = _problem(b'{"report_id": "R-1", ')
    assert "Invalid JSON" in error.reason
    assert error.errors[0]["field"] == "(message)"


def test_bytes_that_are_not_utf8_are_refused_not_crashed_on():
    assert "Invalid JSON" in _problem(b"\xff\xfe\x00garbage").reason


def test_a_missing_required_field_is_named():
    body = report()
    del body["category"]
    error = _problem(orjson.dumps(body))
    assert [e["field"] for e in error.errors] == ["category"]
    assert "category: Field required" in error.reason


def test_a_wrong_type_names_field_and_value():
    error = _problem(report_bytes(location={"lat": "north", "lon": 121.4}))
    assert error.errors[0]["field"] == "location.lat"
    assert error.errors[0]["value"] == "north"
    assert "'north'" in error.reason


@pytest.mark.parametrize("location, words", [
    ({}, "at least one of"),
    ({"lat": 31.2}, "lat and lon must be given together"),
])
def test_a_location_must_say_where(location, words):
    assert words in _problem(report_bytes(location=location)).reason


def test_reported_at_needs_an_offset():
    assert _problem(report_bytes(reported_at="2026-11-26T10:00:00")).errors[0]["field"] == "reported_at"


def test_unknown_source_is_refused_with_its_value():
    error = _problem(report_bytes(source="pigeon"))
    assert error.errors[0] == {**error.errors[0], "field": "source", "value": "pigeon"}


def test_category_must_be_a_dotted_code():
    assert _problem(report_bytes(category="rubbish / street")).errors[0]["field"] == "category"


TAG = {"_type_": "datetime_iso", "_data_": "2026-11-27T10:00:00+08:00"}


def test_the_store_cannot_give_back_an_incident_whose_free_form_fields_look_like_its_tags():
    """Why such reports are refused (below): the event store marks typed values as a dict of
    exactly `_type_` and `_data_`, and on reading turns any such dict back into a value or
    fails: the incident could never be loaded again (its commands, merges and SLA alerts)."""
    from eventsourcing.persistence import MapperDeserialisationError

    from infra.store import memory_service
    from tests.unit.test_incident import T0
    from dispatch.domain.incident import Incident
    service = memory_service()
    incident = Incident(source="hotline", report_id="R-tag", category="c", reported_at=T0,
                        location={"grid_id": "G1"}, description="d", priority="normal",
                        reporter=None, attachments=[],
                        extra={"meter": {"_type_": "meter_reading", "_data_": 7}})
    service.save(incident)
    service.recent.forget()   # read from the store, not the copy kept after the save
    with pytest.raises(MapperDeserialisationError, match="meter_reading"):
        service.get_incident(incident.id)


@pytest.mark.parametrize("fields, path", [
    ({"meter": TAG}, "meter"),
    ({"device": {"readings": [1, {"_type_": "x", "_data_": 2}]}}, "device.readings.1"),
    ({"location": {"grid_id": "G1", "sensor": TAG}}, "location.sensor"),
    ({"reporter": {"id": "u1", "badge": TAG}}, "reporter.badge"),
])
def test_a_free_form_field_shaped_like_the_stores_tags_is_refused_by_path(fields, path):
    error = _problem(report_bytes(**fields))
    assert f"{path}: a dict of exactly the keys _type_ and _data_" in error.reason


def test_free_form_fields_with_those_keys_among_others_are_kept():
    decoded = decode_report(report_bytes(meter={"_type_": "a", "_data_": 1, "unit": "kWh"}))
    assert decoded.model_extra == {"meter": {"_type_": "a", "_data_": 1, "unit": "kWh"}}
