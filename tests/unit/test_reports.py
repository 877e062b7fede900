"""The native report reader gives exactly what the contract's validation gives, or leaves
the report to it; plain reports, the simulated city's among them, it reads itself."""
import json
import math
from datetime import datetime

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dispatch.contracts import InvalidMessage
from dispatch.service_layer.reports import ReportReader, ReportReading, by_contract
from infra.simulated_city import simulated_reports
from tests.factories import report

pytestmark = pytest.mark.skipif(ReportReader is None, reason="grid_dispatch_native not built")


def same(a, b) -> bool:
    """Equal, and of the same types all the way down (True is not 1, 1.0 is not 1)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, datetime):
        return repr(a) == repr(b)   # the zone's class and offset too
    return a == b


def native(raw: bytes):
    return ReportReading()._native.read(raw)


def assert_read_alike(raw: bytes) -> bool:
    """True when the native reader answered (and agreed); False when it left it."""
    if native(raw) is None:
        return False
    answer = ReportReading().read(raw)
    expected = by_contract(raw)   # must not raise: the native reader took only valid ones
    assert answer.incident_id == expected.incident_id
    assert same(answer.fields, expected.fields), (answer.fields, expected.fields)
    assert answer.reported_iso == expected.fields["reported_at"].isoformat()
    return True


text = st.text(max_size=8)
numbers = (st.integers(min_value=-2**70, max_value=2**70)
           | st.floats(allow_nan=False, allow_infinity=False))
json_values = st.recursive(
    st.none() | st.booleans() | numbers | text,
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["a", "b", "_type_", "_data_", "中"]), inner, max_size=3),
    max_leaves=6)
times = st.sampled_from([
    "2026-11-02T08:30:00+08:00", "2026-11-02T08:30:00Z", "2026-11-02T08:30:00.5-03:30",
    "2026-11-02T08:30:00.123456+00:00", "2026-11-02T08:30:00.1234567+08:00",
    "2026-11-02 08:30:00+08:00", "2026-11-02T08:30:00", "2024-02-29T23:59:59+23:59",
    "2026-02-29T08:30:00+08:00", "2026-11-02T24:00:00+08:00", "2026-11-02t08:30:00z",
    "2026-11-02T08:30:00+0800", "2026-11-02T08:30+08:00", "0001-01-01T00:00:00+00:00",
    "2026-11-02T08:30:00-00:00", "2026-11-02T08:30:60+08:00"]) | st.text(max_size=30) | st.builds(
    "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}{}{}".format,
    st.integers(0, 9999), st.integers(0, 13), st.integers(0, 32), st.integers(0, 25),
    st.integers(0, 61), st.integers(0, 61),
    st.sampled_from(["", "."]).flatmap(lambda dot: st.just("") if not dot else
                                       st.text("0123456789", min_size=0, max_size=8).map(
                                           lambda digits: "." + digits)),
    st.sampled_from(["Z", "z", ""]) | st.builds("{}{:02d}:{:02d}".format,
                                                 st.sampled_from("+-"), st.integers(0, 25),
                                                 st.integers(0, 61)))
locations = st.fixed_dictionaries({}, optional={
    "qr_code": st.none() | st.text(max_size=3) | st.just("Q" * 257) | numbers,
    "address_id": st.none() | st.text(max_size=3),
    "grid_id": st.none() | st.sampled_from(["G0001", "", "G" * 64, "G" * 65]) | numbers,
    "lat": st.none() | numbers | st.sampled_from([90.0, -90.000001, "31.5", True]),
    "lon": st.none() | numbers | st.sampled_from([180, 180.0000001]),
    "extra_key": json_values})
field_values = {
    "report_id": st.text(max_size=3) | st.just("r" * 128) | st.just("r" * 129) | numbers,
    "source": st.sampled_from(["hotline", "app", "video", "HOTLINE", "fax"]) | st.none(),
    "category": st.sampled_from(["a.b", "a..b", "a.b.", "x_y-z.1", "a.b\n", "中.文",
                                 "c" * 128, "c" * 129]),
    "reported_at": times,
    "location": locations | json_values,
    "description": st.text(max_size=10) | st.just("d" * 10_001) | st.none(),
    "priority": st.sampled_from(["low", "normal", "high", "urgent", "Urgent"]) | st.none(),
    "reporter": st.none() | st.fixed_dictionaries({}, optional={
        "id": st.none() | text | numbers, "name": st.none() | text,
        "phone": st.none() | text, "badge": json_values}) | text,
    "attachments": st.lists(text | numbers, max_size=3) | st.just(["x"] * 51) | st.none(),
}


@st.composite
def documents(draw) -> bytes:
    """Valid reports, each field now and then replaced by something else or left out,
    extra fields, keys given twice, written with and without escapes and spaces."""
    pairs = list(report(draw(text)).items())
    for name, values in field_values.items():
        choice = draw(st.integers(0, 39))
        pairs = [(k, v) for k, v in pairs if k != name] if choice == 0 else pairs
        if choice >= 37:
            pairs = [(k, v) for k, v in pairs if k != name] + [(name, draw(values))]
    pairs += draw(st.lists(st.tuples(st.sampled_from(["channel", "x", "中文"]), json_values),
                           max_size=2, unique_by=lambda pair: pair[0]))
    if draw(st.integers(0, 19)) == 0 and pairs:   # a key twice
        pairs.append(draw(st.sampled_from(pairs)))
    ascii_only, spaced = draw(st.booleans()), draw(st.booleans())
    body = (", " if spaced else ",").join(
        f"{json.dumps(k, ensure_ascii=ascii_only)}:{json.dumps(v, ensure_ascii=ascii_only)}"
        for k, v in pairs)
    return ("{" + body + "}" + draw(st.sampled_from(["", "", "", " \n", "x"]))).encode()


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=documents())
def test_what_the_native_reader_answers_the_contract_gives_alike(raw):
    try:
        assert_read_alike(raw)
    except InvalidMessage as error:
        raise AssertionError(f"read natively, refused by the contract: {error}") from None


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(change=st.sampled_from(list(field_values)).flatmap(
    lambda name: st.tuples(st.just(name), field_values[name])))
def test_each_field_alone_is_read_alike(change):
    name, value = change
    try:
        assert_read_alike(json.dumps({**report("R"), name: value}).encode())
    except InvalidMessage as error:
        raise AssertionError(f"read natively, refused by the contract: {error}") from None


@settings(max_examples=300, deadline=None)
@given(body=st.fixed_dictionaries({
    "report_id": st.text(min_size=1, max_size=20), "description": st.text(max_size=30),
    "reported_at": st.sampled_from(["2026-11-02T08:30:00+08:00", "2026-01-01T00:00:00.25Z"]),
    "location": st.sampled_from([{"grid_id": "G1"}, {"lat": 31.2, "lon": 121.4},
                                 {"qr_code": "Q", "address_id": None}])},
    optional={"priority": st.sampled_from(["low", "urgent"]),
              "reporter": st.fixed_dictionaries({"name": text}),
              "attachments": st.lists(text, max_size=3),
              "channel": st.sampled_from(["app", 1, 2.5, None, [1, {"k": "v"}]])}))
def test_a_plain_report_is_read_natively(body):
    raw = orjson.dumps({**body, "source": "hotline", "category": "a.b"})
    assert assert_read_alike(raw)


def test_the_simulated_citys_reports_are_read_natively():
    assert all(assert_read_alike(orjson.dumps(r)) for r in simulated_reports(500, run_id="n"))


@pytest.mark.parametrize("change", [
    {"location": {"lat": "31.5", "lon": 121.0}},          # a number as text: coerced there
    {"reported_at": "2026-11-02 08:30:00+08:00"},         # another form of time
    {"location": {"grid_id": "G1", "floor": 3}},          # a field of location's own
    {"reporter": {"name": "n", "badge": 7}},               # a field of reporter's own
    {"big": 2**64},                                        # beyond 64 bits
    {"nested": {"_type_": "datetime_iso", "_data_": "x"}},  # shaped like the store's tags
])
def test_what_is_not_plain_is_left_to_the_contract(change):
    raw = json.dumps(report("R", **change)).encode()
    assert native(raw) is None
    if "nested" in change:   # which the contract refuses, naming the path
        with pytest.raises(InvalidMessage, match="nested"):
            ReportReading().read(raw)
    else:                    # which the contract accepts
        assert ReportReading().read(raw).fields["report_id"] == "R"


def test_a_key_given_twice_is_left_to_the_contract():
    raw = orjson.dumps(report("R"))[:-1] + b',"report_id":"other"}'
    assert native(raw) is None
    assert ReportReading().read(raw).fields["report_id"] == "other"   # the contract: the last


def test_a_bad_report_is_refused_by_the_contract_with_its_words():
    with pytest.raises(InvalidMessage, match="source"):
        ReportReading().read(orjson.dumps(report("R", source="fax")))
