"""The native replay (native/, projections/native_replay.py) gives the Python views' state.

The Python views are the reference: each test replays the same stored rows both ways and
compares every view (`Views.state()`). A row the native replay cannot take is refused by
name, and the rebuild then replays in Python.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.city_history import write_history
from dispatch.published import is_incident_event, published_from_stored
from dispatch.service_layer.dispatcher import Dispatcher
from infra.rebuild import duplicates_from_store, replay
from infra.store import sqlite_service
from infra.territory_source import territory_view
from policies.loader import load_policy
from projections.duplicate_candidates import DuplicateCandidates
from projections.native_replay import NativeFold
from projections.views import Views
from tests.city import stored_city_rows

INCIDENT = "dispatch.domain.incident:Incident."


def published(rows) -> list[dict]:
    return [published_from_stored(o, v, t, s) for _, o, v, t, s in rows if is_incident_event(t)]


def python_views(rows) -> Views:
    views = Views()
    views.apply(published(rows))
    return views


def native_views(batches) -> Views:
    views = Views()
    fold = NativeFold(views)
    for rows in batches:
        fold.apply_rows(rows)
    fold.hand_over(views)
    return views


def places(views: Views) -> dict:
    """Where the duplicate index has filed each open incident (after it is handed over)."""
    views.duplicates.state()
    return {key: set(bucket) for key, bucket in views.duplicates.places.buckets.items()}


def reader(rows):
    def read(after: int, limit: int):
        return [row for row in rows if row[0] > after][:limit]
    return read


@pytest.fixture(scope="module")
def city_rows(tmp_path_factory) -> list:
    """A simulated city's whole lifecycles (returns, suspensions, extensions, rework,
    ratings, voids, manual queues, duplicates), as the rebuild reads them."""
    return stored_city_rows(tmp_path_factory.mktemp("native"), 1500, seed=5)


def test_a_city_replayed_natively_equals_the_python_views(city_rows):
    python = python_views(city_rows)
    native = native_views([city_rows[i:i + 700] for i in range(0, len(city_rows), 700)])
    assert len(python.facts.facts) == 1500 and not python.sla_problems
    assert any(clock.ended_at and clock.paused_us for _, clock in python.sla.all_clocks())
    assert native.state() == python.state()
    assert places(native) == places(python) and places(python)
    assert native.changed_open == python.changed_open and native.changed_sla == python.changed_sla


def test_what_the_views_answer_is_the_same(city_rows):
    python, native = python_views(city_rows), native_views([city_rows])
    some = list(python.facts.facts)[::53]
    now = max(f.reported_at for f in python.facts.facts.values()) + timedelta(hours=30)
    for incident_id in some:   # asked one at a time, before the rest are made
        assert native.stages_of(incident_id) == python.stages_of(incident_id)
        assert native.sla.alert_times(incident_id) == python.sla.alert_times(incident_id)
        assert native.open_incidents.holder_of(incident_id) == python.open_incidents.holder_of(incident_id)
        assert [c.due_at for c in native.stages_of(incident_id)] == \
            [c.due_at for c in python.stages_of(incident_id)]
    assert native.light_counts(now) == python.light_counts(now)
    assert native.open_incidents.counts() == python.open_incidents.counts()
    report = python.facts.facts[some[0]]
    args = ("x", report.category, report.reported_at + timedelta(minutes=5), None, None, report.grid)
    assert native.duplicates.earliest_of(*args) == python.duplicates.earliest_of(*args)


def test_views_without_a_duplicate_index_hold_the_same_others(city_rows):
    """A worker that only relays keeps no duplicate index (nothing asks it): the other views
    are the same, replayed natively or in Python, then fed live."""
    full = python_views(city_rows).state()
    cut = len(city_rows) // 2
    in_python = Views(index_duplicates=False)
    in_python.apply(published(city_rows))
    native = Views(index_duplicates=False)
    assert replay(None, native, batch_size=400, read=reader(city_rows[:cut])) == cut
    assert type(native.facts.facts).__name__ == "HandedOverTable"
    native.spread_tables()
    native.apply(published(city_rows[cut:]))
    for views in (in_python, native):
        assert views.duplicates is None
        assert views.state() == {**full, "duplicates": None}


def test_a_resent_stretch_changes_nothing(city_rows):
    half = len(city_rows) // 2
    native = native_views([city_rows[:half], city_rows[half - 300:half], city_rows[half:]])
    assert native.state() == python_views(city_rows).state()


def test_the_live_views_go_on_from_the_handed_over_objects(city_rows):
    cut = len(city_rows) * 2 // 3
    views = native_views([city_rows[:cut]])
    views.spread_tables()   # as a worker does once replayed
    views.apply(published(city_rows[cut:]))
    assert views.state() == python_views(city_rows).state()


def test_the_rebuild_replays_natively_and_gives_way_to_python_when_refused(city_rows, caplog):
    native = Views()
    assert replay(None, native, batch_size=400, read=reader(city_rows)) == len(city_rows)
    assert type(native.facts.facts).__name__ == "HandedOverTable"
    assert native.state() == python_views(city_rows).state()

    late = "2031-01-06T09:00:00+08:00"   # beyond the calendar's years
    beyond = [(len(city_rows) + 1, "late", 1, INCIDENT + "Reported",
               stored(reported_at=late, category="city.x", priority="normal")),
              (len(city_rows) + 2, "late", 2, INCIDENT + "Dispatched",
               stored(at=late, department="housing", sla_class="standard"))]
    rows, progress = city_rows + beyond, []
    views = Views()
    with caplog.at_level(logging.WARNING, "grid_dispatch.rebuild"):
        replay(None, views, batch_size=400, read=reader(rows), progress=progress.append)
    assert "incident late version 2" in caplog.text and "beyond the business calendar" in caplog.text
    assert type(views.facts.facts) is dict and views.sla_problems   # Python's, problem kept
    assert sum(progress) == len(rows)
    assert views.state() == python_views(rows).state()


def stored(**fields) -> bytes:
    body = {"timestamp": {"_type_": "datetime_iso", "_data_": "2026-11-28T06:11:24.471761+00:00"},
            "originator_topic": "dispatch.domain.incident:Incident"}
    for key, value in fields.items():
        body[key] = ({"_type_": "datetime_iso", "_data_": value}
                     if key in ("at", "reported_at") and isinstance(value, str) else value)
    return json.dumps(body).encode()


def report(incident="i-1", at="2026-11-02T09:00:00+08:00", **fields) -> tuple:
    body = {"category": "city.x", "priority": "normal", "reported_at": at, **fields}
    return (1, incident, 1, INCIDENT + "Reported", stored(**body))


def test_a_routing_worker_s_duplicate_index_is_replayed_natively(tmp_path):
    service = sqlite_service(tmp_path / "store.sqlite")
    write_history(service, Dispatcher(territory_view(), load_policy()), 400, seed=3)
    in_python = DuplicateCandidates()
    replay(service, in_python)
    native = duplicates_from_store(service)
    assert native._handed is not None   # handed over by the native replay, made when asked
    assert native.state() == in_python.state() and len(in_python.state()) == 400
    assert {k: set(v) for k, v in native.places.buckets.items()} == \
        {k: set(v) for k, v in in_python.places.buckets.items()}


def test_escaped_text_and_every_form_of_time_the_store_writes():
    rows = [
        report(at="2026-11-02T09:00:00.125+08:00", category="市政.井盖 \"a\"",
               location={"lat": 30, "lon": 120.5}),
        (2, "i-1", 2, INCIDENT + "Dispatched", stored(department="城管\\局", sla_class="标准",
                                                      at="2026-11-02T10:00:00Z")),
        (3, "i-1", 3, INCIDENT + "ReturnJudged", stored(department=None, justified=None,
                                                        at="2026-11-02T10:30:00")),
        (4, "i-1", 4, INCIDENT + "Rated", stored(rating=None, resolved=None,
                                                 at="2026-11-03T08:00:00.000001-05:30")),
        (5, "i-1", 5, INCIDENT + "QueuedForManualDispatch", stored(manual_queue=None, sla_class=None,
                                                                   at="2026-11-03T09:00:00+08:00")),
        (6, "policy", 1, "dispatch.domain.policy_version:PolicyVersion.Adopted", b"{not json at all"),
    ]
    python, native = python_views(rows), native_views([rows])
    assert native.state() == python.state()
    assert python.facts.facts["i-1"].reported_at.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize("row, named", [
    (report(at="2026-11-02 09:00:00+08:00"), "reported_at"),
    (report(at="2026-11-02T09:00:00.1234+08:00"), "reported_at"),
    (report(at="2026-11-02T09:00:00"), "reported_at\" has no UTC offset"),
    ((1, "i-9", 1, INCIDENT + "Reported", stored(priority="normal",
                                                  reported_at="2026-11-02T09:00:00+08:00")), "category"),
    ((1, "i-9", 1, INCIDENT + "Reported", b'{"category": "x"}'), "timestamp"),
    (report(location={"lat": None, "lon": 1.0}), "location"),
    (report(location=[30.5, 120.25]), "location"),                # Python: no point
    ((1, "i-9", 1, INCIDENT + "Reported", stored(category="x", priority="normal",    # Python:
                                                  reported_at="2026-11-02T09:00:00+08:00",  # TypeError
                                                  at="2026-11-02T09:00:00+08:00")), "field \"at\""),
    (report(category=None), "category\" is null"),                 # the index fails on it
    ((1, "i-9", 2, INCIDENT + "Reported", stored(category="x", priority="normal",
                                                  reported_at="2026-11-02T09:00:00+08:00")),
     "a report at version 2"),
    ((1, "i-9", 1, INCIDENT + "Reported", stored(category="x", priority="normal",
                                                  reported_at="2026-11-02T09:00:00+08:00").replace(
        b"2026-11-28T06:11:24.471761+00:00", b"2026-11-28T06:11:24.471761")), "timestamp"),
])
def test_a_row_it_cannot_take_is_refused_by_name(row, named):
    fold = NativeFold(Views())
    with pytest.raises(ValueError, match=rf"incident {row[1]} version {row[2]} .*{named}"):
        fold.apply_rows([row])


def test_refused_later_in_the_incident():
    located = (2, "i-1", 2, INCIDENT + "Located", stored(
        place={"grid": "G1", "street": "S", "district": "D", "grid_workers": None}))
    with pytest.raises(ValueError, match="version 2 .*grid_workers"):
        NativeFold(Views()).apply_rows([report(), located])


def test_floats_are_read_as_python_reads_them():
    """Seventeen significant digits, as `repr` writes many computed floats."""
    rows = [report(location={"lat": 31.823068700026077, "lon": 103.06681474330145}),
            (2, "i-1", 2, INCIDENT + "Dispatched", stored(department="d", sla_class="urgent",
                                                          at="2026-11-02T09:10:00+08:00")),
            (3, "i-1", 3, INCIDENT + "Accepted", stored(department="d", at="2026-11-02T09:20:00+08:00")),
            (4, "i-1", 4, INCIDENT + "ExtensionGranted", stored(hours=406110.12597207597,
                                                                at="2026-11-02T09:30:00+08:00"))]
    python, native = python_views(rows), native_views([rows])
    assert native.state() == python.state()
    assert native.duplicates.state()["i-1"].point == (31.823068700026077, 103.06681474330145)


def test_rows_after_the_hand_over_are_refused(city_rows):
    views = Views()
    fold = NativeFold(views)
    fold.apply_rows(city_rows[:50])
    fold.hand_over(views)
    assert views.facts.facts   # made from the native state
    with pytest.raises(ValueError, match="handed over"):
        fold.apply_rows(city_rows[50:60])


TEXTS = st.one_of(st.none(), st.text(max_size=4), st.sampled_from(["housing", "城管", "a\"b\\c"]))
CLASSES = st.sampled_from([None, "standard", "urgent", "working-day-1", "working-day-15", "no-such"])
PRIORITIES = st.sampled_from([None, "low", "normal", "high", "urgent", "odd"])
TIMES = st.builds(
    lambda day, seconds, micro, offset: (datetime(2026, 11, 1) + timedelta(
        days=day, seconds=seconds, microseconds=micro)).replace(
        tzinfo=timezone(timedelta(minutes=offset))).isoformat(),
    st.integers(0, 40), st.integers(0, 86_399), st.sampled_from([0, 0, 1, 999_999, 120_000]),
    st.sampled_from([0, 480, 480, 480, -330, 345]))
KINDS = ["Located", "Dispatched", "Reassigned", "QueuedForManualDispatch", "Returned",
         "Reclassified", "ReturnJudged", "ExtensionGranted", "Suspended", "Resumed", "Reopened",
         "Closed", "Rated", "Voided", "MergedAsDuplicate", "Accepted", "Resolved", "Urged"]


@st.composite
def stored_histories(draw) -> list[tuple]:
    rows, versions = [], {}
    for position in range(1, draw(st.integers(1, 40)) + 1):
        incident = draw(st.sampled_from(["a", "b", "c"]))
        version = versions.get(incident, 0) + 1
        if version > 1 and draw(st.booleans()) and draw(st.booleans()):
            version = draw(st.integers(1, version))  # a resend: applied already
        versions[incident] = max(versions.get(incident, 0), version)
        kind = "Reported" if version == 1 else draw(st.sampled_from(KINDS))
        fields = {"at": draw(TIMES)} if draw(st.integers(0, 5)) else {}
        if kind == "Reported":
            fields = {"reported_at": draw(TIMES), "category": draw(st.sampled_from(["city.x", "city.y"])),
                      "priority": draw(PRIORITIES),
                      "location": draw(st.sampled_from([None, {}, {"lat": 30.5, "lon": 120.1},
                                                         {"lat": 30.501, "lon": 120.1, "x": [1]}]))}
        elif kind == "Located":
            fields["place"] = {"grid": draw(TEXTS), "street": draw(TEXTS), "district": draw(TEXTS),
                               "address": draw(TEXTS),
                               **({"grid_workers": draw(st.lists(st.text(max_size=3), max_size=2))}
                                  if draw(st.booleans()) else {})}
        else:
            fields.update(category=draw(st.sampled_from(["city.x", "city.y"])))
        fields.update(department=draw(TEXTS), manual_queue=draw(TEXTS), rating=draw(TEXTS),
                      sla_class=draw(CLASSES), hours=draw(st.sampled_from([8.0, 24, 0.5, 100.25])),
                      justified=draw(st.one_of(st.none(), st.booleans())),
                      resolved=draw(st.one_of(st.none(), st.booleans())))
        stamp = datetime(2026, 11, 28, 6, tzinfo=timezone.utc) + timedelta(minutes=position * draw(st.sampled_from([1, 90])))
        body = stored(**fields).replace(b"2026-11-28T06:11:24.471761+00:00", stamp.isoformat().encode())
        rows.append((position, incident, version, INCIDENT + kind, body))
    return rows


def replayed(rows, batch: int, native: bool, keep: timedelta | None = None):
    views, released = Views(keep_finished=keep), []
    replay(None, views, batch_size=batch, read=reader(rows), on_release=released.append,
           native=native)
    finished = views.finished
    return views, released, (None if finished is None else
                             (list(finished._ended), finished._queued, finished._newest))


def test_views_letting_finished_incidents_go_are_replayed_natively_too(city_rows):
    for keep in (timedelta(0), timedelta(seconds=20), timedelta(hours=24)):
        python, python_released, python_finished = replayed(city_rows, 600, False, keep)
        native, native_released, native_finished = replayed(city_rows, 600, True, keep)
        assert type(native.facts.facts).__name__ == "HandedOverTable"
        assert native.state() == python.state()
        assert native_released == python_released and native_finished == python_finished
        assert native.changed_open == python.changed_open
        assert native.changed_sla == python.changed_sla
    assert python_released == [] and len(python_finished[0]) > 1000   # 24 hours: none went
    assert len(replayed(city_rows, 600, True, timedelta(0))[0].facts.facts) < 200


@settings(max_examples=200, deadline=None)
@given(stored_histories(), st.integers(1, 9), st.sampled_from([0, 60, 240]))
def test_letting_finished_incidents_go_as_the_python_views_do(rows, batch, minutes):
    keep = timedelta(minutes=minutes)
    python, python_released, python_finished = replayed(rows, batch, False, keep)
    native, native_released, native_finished = replayed(rows, batch, True, keep)
    assert type(native.facts.facts).__name__ == "HandedOverTable"
    assert native.state() == python.state() and places(native) == places(python)
    assert native_released == python_released and native_finished == python_finished


@settings(max_examples=300, deadline=None)
@given(stored_histories(), st.integers(1, 9))
def test_any_well_formed_history_folds_as_the_python_views_fold_it(rows, batch):
    python = python_views(rows)
    native = native_views([rows[i:i + batch] for i in range(0, len(rows), batch)])
    assert native.state() == python.state()
    assert places(native) == places(python)
