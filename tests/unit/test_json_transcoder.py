"""The store's orjson transcoder writes exactly the bytes eventsourcing's own would."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import orjson
from hypothesis import given
from hypothesis import strategies as st

from dispatch.domain.command_receipt import CommandReceipt
from dispatch.domain.policy_version import PolicyVersion
from dispatch.service_layer.incident_service import IncidentService
from infra.compact_json import kept_dumps
from infra.json_transcoder import _iso
from infra.store import memory_service
from tests.unit.test_event_contract import whole_story

AT = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)


def every_kind_of_stored_event():
    aggregates = [*whole_story(),
                  PolicyVersion(version="sha256:1", name="p", source="f.toml", text="[policy]\n中文",
                                at=AT),
                  CommandReceipt(command_id="c-1", incident_id="i", command_type="accept",
                                 issued_by="d", outcome="applied", reason="", at=AT)]
    return [event for aggregate in aggregates for event in aggregate.collect_events()]


def test_the_fast_transcoder_writes_the_same_bytes_and_reads_back_the_same_events():
    fast = memory_service().mapper
    standard = IncidentService(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}).mapper
    assert type(fast.transcoder) is not type(standard.transcoder)
    events = every_kind_of_stored_event()
    assert len({type(e).__name__ for e in events}) > 25
    for event in events:
        stored = fast.to_stored_event(event)
        assert stored.state == standard.to_stored_event(event).state
        assert fast.to_domain_event(stored).__dict__ == event.__dict__


def test_what_orjson_refuses_is_written_by_the_standard_encoder():
    transcoder = memory_service().mapper.transcoder
    value = {"big": 2**70, 1: "integer key", "at": AT}
    assert transcoder.decode(transcoder.encode(value)) == {"big": 2**70, "1": "integer key", "at": AT}


def test_a_time_shared_by_several_fields_and_events_is_written_as_each_would_be():
    fast = memory_service().mapper.transcoder
    standard = IncidentService(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}).mapper.transcoder
    shanghai = timezone(timedelta(hours=8))
    values = [{"a": AT, "b": AT}, {"a": AT}, {"a": AT.astimezone(shanghai)},
              {"a": AT + timedelta(microseconds=1), "b": AT}]
    # times orjson writes otherwise than isoformat, or might: left to isoformat
    values += [{"a": datetime(1900, 1, 1, tzinfo=ZoneInfo("Asia/Shanghai"))},   # +08:05:43
               {"a": AT.replace(tzinfo=timezone(timedelta(seconds=37)))},
               {"a": AT.replace(tzinfo=timezone(timedelta(hours=-3, microseconds=5)))},
               {"a": AT.replace(tzinfo=None)}, {"a": AT.replace(microsecond=0)},
               {"a": datetime(1, 1, 1, tzinfo=timezone.utc)},
               {"a": AT.replace(tzinfo=timezone(timedelta(hours=5, minutes=30)))}]
    assert [fast.encode(v) for v in values] == [standard.encode(v) for v in values]


fixed_offsets = st.builds(lambda s: timezone(timedelta(seconds=s)), st.integers(-86_399, 86_399))


@given(st.datetimes(timezones=st.none() | st.timezones() | fixed_offsets))
def test_a_time_is_written_as_isoformat_writes_it(moment):
    assert _iso(moment) == moment.isoformat()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**63, 2**63 - 1) | st.text()
    | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20)


@given(json_values, st.datetimes(timezones=st.just(timezone.utc)))
def test_kept_bytes_are_orjsons_own(value, moment):
    """The copy out of orjson's buffer (infra/compact_json.py) changes no byte, with a
    `default` and options passed through."""
    document = {"value": value, "at": moment}

    def tag(obj):
        return {"_data_": obj.isoformat()}
    option = orjson.OPT_PASSTHROUGH_DATETIME
    assert kept_dumps(document, tag, option) == orjson.dumps(document, default=tag,
                                                             option=option)
    assert kept_dumps(value) == orjson.dumps(value)
