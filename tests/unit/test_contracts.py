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
