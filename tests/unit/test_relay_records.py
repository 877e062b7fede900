"""The relay's records (infra/relay_records.py): the native writer gives the Python route's
JSON byte for byte, the event dicts are the published ones, and no value stops the relay."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import infra.relay_records as relay_records
from dispatch.domain.incident import Incident
from dispatch.published import published_event, published_from_stored
from infra.compact_json import kept_dumps
from infra.relay_records import published_events, records_of
from infra.store import memory_service
from tests.unit.test_event_contract import whole_story
from tests.city import stored_city_rows
from tests.unit.test_incident import T0

native = pytest.mark.skipif(relay_records.native_published_records is None,
                            reason="grid_dispatch_native is not built")
INCIDENT = "dispatch.domain.incident:Incident."


@pytest.fixture(params=["native", "python"])
def either_route(request, monkeypatch):
    """Each test taking it runs with the native writer, then without (the Python route)."""
    if request.param == "python":
        monkeypatch.setattr(relay_records, "native_published_records", None)
    elif relay_records.native_published_records is None:
        pytest.skip("grid_dispatch_native is not built")


def python_records(rows) -> list[tuple[bytes, bytes]]:
    """What the relay wrote before: `published_from_stored`, then orjson."""
    return [(o.encode(), kept_dumps(published_from_stored(o, v, t, s)))
            for _, o, v, t, s in rows if t.startswith("dispatch.domain.incident:")]


def rows_of(service) -> list[tuple]:
    return [(n.id, str(n.originator_id), n.originator_version, n.topic, n.state)
            for n in service.notifications_after(0, 10_000)]


@pytest.fixture(scope="module")
def city_rows(tmp_path_factory) -> list:
    """A simulated city's whole lifecycles, as the relay reads them."""
    return stored_city_rows(tmp_path_factory.mktemp("relay"), 600, seed=11)


@native
def test_a_city_s_records_are_the_python_route_s_byte_for_byte(city_rows):
    assert all(made is not None for made in relay_records.native_published_records(city_rows))
    records, events, _ = records_of(city_rows)
    assert records == python_records(city_rows) and len(records) > 3_000
    assert events == [published_from_stored(o, v, t, s) for _, o, v, t, s in city_rows]
    assert [list(event) for event in events] == \
        [list(published_from_stored(o, v, t, s)) for _, o, v, t, s in city_rows]


def test_every_kind_of_event_goes_out_as_published(either_route):
    service = memory_service()
    service.save(*whole_story())
    rows = rows_of(service)
    records, events, _ = records_of(rows)
    slow = [published_event(service.domain_event(n)) for n in service.notifications_after(0, 1000)]
    assert events == slow and [list(e) for e in events] == [list(e) for e in slow]
    assert records == [(e["incident_id"].encode(), orjson.dumps(e)) for e in slow]


def test_numbers_beyond_64_bits_go_out_exactly_and_the_relay_goes_on(either_route):
    """orjson refuses to write them: the relay had stopped at such a row for good."""
    service = memory_service()
    big = Incident(source="hotline", report_id="R-big", category="c", reported_at=T0,
                   location={"grid_id": "G1", "meter": -(2 ** 65) - 1}, description="d",
                   priority="normal", reporter=None, attachments=[],
                   extra={"meter_reading": 2 ** 70 + 1, "ratio": 1e22})
    after = Incident(source="hotline", report_id="R-next", category="c", reported_at=T0,
                     location={"grid_id": "G1"}, description="d", priority="normal",
                     reporter=None, attachments=[], extra={})
    service.save(big, after)
    records, _, _ = records_of(rows_of(service))
    assert len(records) == 2
    sent = json.loads(records[0][1])
    assert sent["extra"] == {"meter_reading": 2 ** 70 + 1, "ratio": 1e22}
    assert sent["location"]["meter"] == -(2 ** 65) - 1
    assert sent == published_event(service.domain_event(service.notifications_after(0, 1)[0]))


def test_rows_that_are_not_incident_events_are_left_out():
    rows = [(1, "p", 1, "policies.policy_version:PolicyVersion", b"{}"),
            (2, "i", 1, INCIDENT + "Located", stored(place={}, at=TIME))]
    records, events, _ = records_of(rows)
    assert [key for key, _ in records] == [b"i"] and events[0]["type"] == "Located"


# -- any stored event ------------------------------------------------------------------
TIME = {"_type_": "datetime_iso", "_data_": "2026-11-28T08:00:00.000001+08:00"}
STAMP = {"_type_": "datetime_iso", "_data_": "2026-11-28T06:11:24.471761+00:00"}
KEYS = st.text(max_size=6)
ENVELOPE = ("incident_id", "version", "type", "occurred_at", "recorded_at", "timestamp",
            "originator_topic", "at", "reported_at")
# Top-level keys as the domain's fields are: written without escapes, none of the envelope's.
FIELDS = st.text(st.characters(blacklist_characters='"\\', blacklist_categories=("Cs",), min_codepoint=0x20),
                 max_size=6).filter(lambda k: k not in ENVELOPE)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2 ** 63, 2 ** 63 - 1),
                    st.floats(allow_nan=False, allow_infinity=False),
                    st.text(max_size=8), st.sampled_from(["城管", "a\"b\\c", "\x00\x1f\x7f", "\u2028"]))
BIG = st.integers(-2 ** 80, 2 ** 80)
FREE = st.recursive(st.one_of(SCALARS, BIG), lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=3)), max_leaves=8)


def stored(**fields) -> bytes:
    """An event's state as the store writes it (orjson; the standard library where orjson
    refuses a value, as infra/json_transcoder.py does)."""
    state = {"timestamp": STAMP, "originator_topic": "dispatch.domain.incident:Incident", **fields}
    try:
        return orjson.dumps(state)
    except orjson.JSONEncodeError:
        return json.dumps(state, ensure_ascii=False, separators=(",", ":")).encode()


@st.composite
def stored_rows(draw) -> tuple:
    kind = draw(st.sampled_from(["Reported", "Located", "Accepted", "Rated", "Urged"]))
    if kind == "Reported":
        fields = {"source": draw(st.text(max_size=4)), "report_id": "R",
                  "reported_at": draw(st.sampled_from([TIME, None])),
                  "location": draw(FREE), "reporter": draw(FREE), "extra": draw(FREE)}
    else:
        fields = {draw(FIELDS): draw(SCALARS) for _ in range(draw(st.integers(0, 4)))}
        at = draw(st.sampled_from(["absent", "null", "tagged"]))
        if at != "absent":
            fields["at"] = None if at == "null" else TIME
    return (1, "0f9c0c2e-8d2b-5c3c-9a51-1f0e6b6a1c2d", draw(st.integers(1, 40)), INCIDENT + kind,
            stored(**fields))


@native
@settings(max_examples=400, deadline=None)
@given(stored_rows())
def test_any_stored_event_goes_out_as_the_python_route_writes_it(row):
    [made] = relay_records.native_published_records([row])
    assert made is not None
    _, originator_id, version, topic, state = row
    slow = published_from_stored(originator_id, version, topic, state)
    assert json.loads(made) == json.loads(relay_records.published_json(slow))
    assert list(json.loads(made)) == list(slow)
    if written_by_orjson(state):                   # the very bytes
        assert made == kept_dumps(slow)


def written_by_orjson(state: bytes) -> bool:
    try:
        return orjson.dumps(json.loads(state)) == state
    except orjson.JSONEncodeError:
        return False


@native
def test_what_the_native_writer_does_not_expect_takes_the_python_route():
    odd = (1, "i", 2, INCIDENT + "Located", stored(place={}, type="x"))  # a key it adds, there
    untagged = (2, "i", 3, INCIDENT + "Urged", stored(at="2026-11-28"))   # a time not tagged
    escaped = (3, "i", 4, INCIDENT + "Urged", stored(**{"a\"b": 1}))      # a key with escapes
    listed = (4, "i", 5, INCIDENT + "Urged", stored(at=["2026-11-28"]))     # a list for a time
    other_id = (5, uuid.UUID(int=7), 6, INCIDENT + "Urged", stored(note="n"))   # not text
    assert relay_records.native_published_records(
        [odd, untagged, escaped, listed, other_id]) == [None] * 5
    records, events, _ = records_of([odd, escaped])
    assert events == [published_from_stored(*row[1:]) for row in (odd, escaped)]
    assert records == [(b"i", kept_dumps(event)) for event in events]
    with pytest.raises(TypeError):   # (the Python route refuses a list for a time too)
        published_from_stored(*listed[1:])


def test_the_store_s_clock_is_what_the_events_say_was_recorded():
    stamp = datetime(2026, 11, 28, 6, tzinfo=timezone.utc) + timedelta(microseconds=7)
    row = (1, "i", 2, INCIDENT + "Urged", stored(note="n").replace(
        STAMP["_data_"].encode(), stamp.isoformat().encode()))
    _, [event], _ = records_of([row])
    assert event["recorded_at"] == event["occurred_at"] == stamp.isoformat()


# -- rows that cannot be read ------------------------------------------------------------
UNREADABLE = [b"\x00not the store's JSON", b'{"place": {}}', b'{"timestamp": "no tag"}', b"[]"]


@pytest.mark.parametrize("state", UNREADABLE)
def test_a_row_that_cannot_be_read_is_handed_back_with_why_and_the_rest_go_out(either_route, state):
    """Such a row had stopped the relay for good; now the relay dead-letters it."""
    before = (1, "i", 1, INCIDENT + "Located", stored(place={}, at=TIME))
    bad = (2, "j", 1, INCIDENT + "Reported", state)
    after = (3, "i", 2, INCIDENT + "Located", stored(place={"grid": "G1"}, at=TIME))
    policy = (4, "p", 1, "policies.policy_version:PolicyVersion", b"\x00")   # not ours: left out
    records, events, refused = records_of([before, bad, after, policy])
    assert [(key, event["version"]) for (key, _), event in zip(records, events, strict=True)] \
        == [(b"i", 1), (b"i", 2)]
    [(row, reason)] = refused
    assert row == bad and reason.split(":")[0] in ("JSONDecodeError", "KeyError", "TypeError",
                                                   "AttributeError")
    # A replay of the store leaves out the same rows, for the same reasons.
    assert published_events([before, bad, after, policy]) == (events, refused)


@pytest.mark.parametrize("change", [(b'"description":"', b'"description":"\\ud800'),
                                    (b'"extra":{', b'"extra":{"x":1e400,')])
def test_a_row_orjson_refuses_is_left_out_by_the_relay_and_by_either_replay(city_rows, change):
    """Valid JSON that orjson refuses, in a field the views do not read: the native writer
    copies it, the relay refuses it (dead-lettered), and so do both replays of the store."""
    from projections.native_replay import NativeFold
    from projections.views import Views
    at = next(n for n, row in enumerate(city_rows) if row[3].endswith(".Reported"))
    rid, incident, version, topic, state = city_rows[at]
    assert change[0] in state
    rows = [*city_rows[:at], (rid, incident, version, topic, state.replace(*change, 1)),
            *city_rows[at + 1:]]
    records, events, refused = records_of(rows)
    assert [row for row, _ in refused] == [rows[at]] and len(records) == len(rows) - 1
    assert published_events(rows) == (events, refused)
    fold = NativeFold(Views())
    with pytest.raises(ValueError):   # it gives way to the replay in Python
        fold.apply_rows(rows)
