"""The native replay (native/, projections/native_replay.py) gives the Python views' state.

The Python views are the reference: each test replays the same stored rows both ways and
compares. A row the native replay cannot take must be refused by name, never folded into
something else.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.city_history import write_history
from dispatch.published import is_incident_event, published_from_stored
from dispatch.service_layer.dispatcher import Dispatcher
from infra.store import sqlite_service
from infra.store_reader import rows_for
from infra.territory_source import territory_view
from policies.loader import load_policy
from projections.incident_facts import IncidentFactsView
from projections.native_replay import NativeFold
from projections.open_incidents import OpenIncidentsByDepartment

INCIDENT = "dispatch.domain.incident:Incident."


def python_views(rows) -> tuple[OpenIncidentsByDepartment, IncidentFactsView]:
    events = [published_from_stored(o, v, t, s) for _, o, v, t, s in rows if is_incident_event(t)]
    open_rows, facts = OpenIncidentsByDepartment(), IncidentFactsView()
    open_rows.apply(events)
    facts.apply(events)
    return open_rows, facts


def native_views(batches) -> NativeFold:
    fold = NativeFold()
    for rows in batches:
        fold.apply_rows(rows)
    return fold


@pytest.fixture(scope="module")
def city_rows(tmp_path_factory) -> list:
    """A simulated city's whole lifecycles (returns, suspensions, extensions, rework,
    ratings, voids, manual queues), as the rebuild reads them."""
    service = sqlite_service(Path(tmp_path_factory.mktemp("native")) / "store.sqlite")
    write_history(service, Dispatcher(territory_view(), load_policy()), 1500, seed=5)
    read, rows = rows_for(service), []
    while batch := read(rows[-1][0] if rows else 0, 997):
        rows += batch
    return rows


def test_a_city_replayed_natively_equals_the_python_views(city_rows):
    open_rows, facts = python_views(city_rows)
    fold = native_views([city_rows[i:i + 700] for i in range(0, len(city_rows), 700)])
    assert len(facts.facts) == 1500
    assert dict(fold.facts().items()) == facts.facts
    assert dict(fold.open_rows().items()) == open_rows.rows


def test_entries_asked_for_one_at_a_time_then_the_rest(city_rows):
    open_rows, facts = python_views(city_rows)
    fold = native_views([city_rows])
    natives = fold.facts()
    some = list(facts.facts)[::97]
    for incident_id in some:
        assert natives.get(incident_id) == facts.facts[incident_id]
        assert natives[incident_id] is natives.get(incident_id)   # made once, then kept
    assert natives.get("no-such-incident") is None and "no-such-incident" not in natives
    assert len(natives) == len(facts.facts)
    assert dict(natives.items()) == facts.facts
    rows = fold.open_rows()
    gone = some[0]
    assert rows.pop(gone) == open_rows.rows[gone] and gone not in rows
    assert len(rows) == len(open_rows.rows) - 1


def test_a_resent_stretch_changes_nothing(city_rows):
    _, facts = python_views(city_rows)
    half = len(city_rows) // 2
    fold = native_views([city_rows[:half], city_rows[half - 300:half], city_rows[half:]])
    assert dict(fold.facts().items()) == facts.facts


def test_the_live_views_take_the_handed_over_objects(city_rows):
    """The views fed live after a native replay go on from the objects it made."""
    cut = len(city_rows) * 2 // 3
    _, whole = python_views(city_rows)
    fold = native_views([city_rows[:cut]])
    view = IncidentFactsView()
    view.facts = fold.facts()
    view.apply([published_from_stored(o, v, t, s) for _, o, v, t, s in city_rows[cut:]
                if is_incident_event(t)])
    assert dict(view.facts.items()) == whole.facts
    with pytest.raises(ValueError, match="handed over"):
        fold.apply_rows(city_rows[:1])


def stored(kind: str, **fields) -> bytes:
    body = {"timestamp": {"_type_": "datetime_iso", "_data_": "2026-11-28T06:11:24.471761+00:00"},
            "originator_topic": "dispatch.domain.incident:Incident"}
    for key, value in fields.items():
        body[key] = ({"_type_": "datetime_iso", "_data_": value}
                     if key in ("at", "reported_at") and isinstance(value, str) else value)
    return json.dumps(body).encode()


def report(incident="i-1", at="2026-11-02T09:00:00+08:00", **fields) -> tuple:
    body = {"category": "city.x", "priority": "normal", "reported_at": at, **fields}
    return (1, incident, 1, INCIDENT + "Reported", stored("Reported", **body))


def test_escaped_text_and_every_form_of_time_the_store_writes():
    rows = [
        report(at="2026-11-02T09:00:00.125+08:00", category="市政.井盖 \"a\""),
        (2, "i-1", 2, INCIDENT + "Dispatched", stored("Dispatched", department="城管\\局", at="2026-11-02T10:00:00Z")),
        (3, "i-1", 3, INCIDENT + "ReturnJudged", stored("ReturnJudged", department=None, justified=None, at="2026-11-02T10:30:00")),
        (4, "i-1", 4, INCIDENT + "Rated", stored("Rated", rating=None, resolved=None, at="2026-11-03T08:00:00.000001-05:30")),
        (5, "i-1", 5, INCIDENT + "QueuedForManualDispatch", stored("QueuedForManualDispatch", manual_queue=None)),
        (6, "policy", 1, "dispatch.domain.policy_version:PolicyVersion.Adopted", b"{not json at all"),
    ]
    open_rows, facts = python_views(rows)
    fold = native_views([rows])
    assert dict(fold.facts().items()) == facts.facts
    assert dict(fold.open_rows().items()) == open_rows.rows
    assert facts.facts["i-1"].reported_at.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize("row, named", [
    (report(at="2026-11-02 09:00:00+08:00"), "reported_at"),
    (report(at="2026-11-02T09:00:00.1234+08:00"), "reported_at"),
    ((1, "i-9", 1, INCIDENT + "Reported", stored("Reported", priority="normal",
                                                  reported_at="2026-11-02T09:00:00+08:00")), "category"),
    ((1, "i-9", 1, INCIDENT + "Reported", b'{"category": "x"}'), "timestamp"),
])
def test_a_row_it_cannot_take_is_refused_by_name(row, named):
    fold = NativeFold()
    with pytest.raises(ValueError, match=rf"incident {row[1]} version 1 .*{named}"):
        fold.apply_rows([row])


TEXTS = st.one_of(st.none(), st.text(max_size=6), st.sampled_from(["housing", "城管", "a\"b\\c"]))
TIMES = st.builds(
    lambda day, seconds, micro, offset: (datetime(2026, 11, 1) + timedelta(days=day, seconds=seconds, microseconds=micro)).replace(
        tzinfo=None if offset is None else timezone(timedelta(minutes=offset))).isoformat(),
    st.integers(0, 60), st.integers(0, 86_399), st.sampled_from([0, 0, 1, 999_999, 120_000]),
    st.sampled_from([None, 0, 480, -330, 345]))
KINDS = ["Located", "Dispatched", "Reassigned", "QueuedForManualDispatch", "Returned",
         "Reclassified", "ReturnJudged", "ExtensionGranted", "Suspended", "Resumed", "Reopened",
         "Closed", "Rated", "Voided", "MergedAsDuplicate", "Accepted", "Urged"]


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
            fields = {"reported_at": draw(TIMES), "category": draw(TEXTS), "priority": draw(TEXTS)}
        elif kind == "Located":
            fields["place"] = {"grid": draw(TEXTS), "street": draw(TEXTS), "district": draw(TEXTS),
                               **({"grid_workers": draw(st.lists(st.text(max_size=3), max_size=2))}
                                  if draw(st.booleans()) else {})}
        fields.update(department=draw(TEXTS), manual_queue=draw(TEXTS), rating=draw(TEXTS),
                      justified=draw(st.one_of(st.none(), st.booleans())),
                      resolved=draw(st.one_of(st.none(), st.booleans())))
        rows.append((position, incident, version, INCIDENT + kind, stored(kind, **fields)))
    return rows


@settings(max_examples=300, deadline=None)
@given(stored_histories(), st.integers(1, 9))
def test_any_well_formed_history_folds_as_the_python_views_fold_it(rows, batch):
    open_rows, facts = python_views(rows)
    fold = native_views([rows[i:i + batch] for i in range(0, len(rows), batch)])
    assert dict(fold.facts().items()) == facts.facts
    assert dict(fold.open_rows().items()) == open_rows.rows
