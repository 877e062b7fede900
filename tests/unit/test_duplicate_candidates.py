"""The index of open incidents that new reports may repeat, against a plain linear search;
each test with the places kept in Python and natively (projections/native_places.py)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from math import asin, cos, radians, sin, sqrt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policies.duplicates import DuplicateRules
from projections import duplicate_candidates
from projections.duplicate_candidates import DuplicateCandidates
from projections.native_places import NativePlaceIndex, PlaceTable
from projections.place_index import PlaceIndex


@pytest.fixture(autouse=True, scope="module", params=[
    PlaceIndex, pytest.param(NativePlaceIndex, marks=pytest.mark.skipif(
        PlaceTable is None, reason="grid_dispatch_native is not built"))])
def places_kind(request):
    # Module-scoped, so hypothesis's tests take it too (it refuses function-scoped ones).
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(duplicate_candidates, "place_index", request.param)
        yield request.param


def filed(buckets: dict) -> dict:
    """Place key -> the set of incidents filed there (the native index lists them in any
    order)."""
    return {key: set(bucket) for key, bucket in buckets.items()}

T0 = datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)
RULES = DuplicateRules(window_minutes=60, radius_m=250, window_minutes_by_group={"b": 10},
                       never=("c.never",), same_grid=("a.grid",))
CATEGORIES = ["a.x", "a.grid", "b.y", "c.never"]


def metres(p, q):
    lat1, lon1, lat2, lon2 = map(radians, (*p, *q))
    h = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos(lat2) * sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_000 * asin(sqrt(h))


def reference(incidents: dict, new: dict, newest: datetime | None) -> str | None:
    """The rule as written in policies/duplicates.py, by brute force, among the incidents
    the index keeps: those reported within the longest window before the latest recording."""
    window = RULES.window_for(new["category"])
    if window is None:
        return None
    found = []
    for incident_id, old in incidents.items():
        if not old["open"] or old["category"] != new["category"]:
            continue
        if newest is not None and old["at"] < newest - RULES.longest_window:
            continue
        if not new["at"] - window <= old["at"] <= new["at"]:
            continue
        same = ((new["address"] and old["address"] == new["address"])
                or (RULES.by_grid(new["category"]) and new["grid"] and old["grid"] == new["grid"])
                or (new["point"] and old["point"] and metres(new["point"], old["point"]) <= 250))
        if same:
            found.append((old["at"], incident_id))
    return min(found)[1] if found else None


# Points in a ~1 km square near a 1° band edge (31.0), so cells and bands are exercised.
points = st.one_of(st.none(), st.tuples(st.floats(30.995, 31.005), st.floats(121.0, 121.01)))
reports = st.fixed_dictionaries({
    "category": st.sampled_from(CATEGORIES),
    "minute": st.integers(0, 180),
    "point": points,
    "address": st.one_of(st.none(), st.sampled_from(["A1", "A2"])),
    "grid": st.one_of(st.none(), st.sampled_from(["G1", "G2"])),
    "closes": st.booleans(),
})


@settings(max_examples=200, deadline=None)
@given(st.lists(reports, min_size=1, max_size=40))
def test_the_index_finds_what_a_linear_search_finds(sequence):
    index, known, newest = DuplicateCandidates(RULES), {}, None
    for number, r in enumerate(sequence):
        new = {"category": r["category"], "at": T0 + timedelta(minutes=r["minute"]),
               "point": r["point"], "address": r["address"], "grid": r["grid"], "open": True}
        incident_id = f"I{number:03d}"
        found = index.original_of(incident_id, new["category"], new["at"], new["point"],
                                  new["address"], new["grid"])
        assert found == reference(known, new, newest)
        if found is None:  # a repeat is merged: closed at once, never an original
            index.remember(incident_id, 3, new["category"], new["at"], new["point"],
                           new["address"], new["grid"])   # recorded when reported, here
            known[incident_id] = new
            newest = max(newest or new["at"], new["at"])
            if r["closes"]:
                index.apply([{"incident_id": incident_id, "version": 9, "type": "Closed"}])
                new["open"] = False


def events_of(incident_id: str, category: str, at: datetime, point, address, grid) -> list[dict]:
    location = {"lat": point[0], "lon": point[1]} if point else {"grid_id": grid}
    return [
        {"incident_id": incident_id, "version": 1, "type": "Reported", "category": category,
         "reported_at": at.isoformat(), "location": location},
        {"incident_id": incident_id, "version": 2, "type": "Located",
         "place": {"address": address, "grid": grid}},
        {"incident_id": incident_id, "version": 3, "type": "Dispatched", "department": "d"},
    ]


def test_the_stream_and_the_route_step_fill_it_alike_and_resends_change_nothing():
    told, fed = DuplicateCandidates(RULES), DuplicateCandidates(RULES)
    args = ("I1", "a.x", T0, (31.0, 121.0), "A1", "G1")
    told.remember(*args[:1], 3, *args[1:])
    events = events_of(*args)
    told.apply(events)             # the route step's own events coming back round
    fed.apply(events + events)     # a replay, and the relay's resend
    assert told.state() == fed.state()
    assert fed.original_of("I2", "a.x", T0 + timedelta(minutes=5), None, "A1", None) == "I1"
    fed.apply([{"incident_id": "I1", "version": 4, "type": "Reclassified", "category": "b.y"}])
    assert fed.original_of("I2", "a.x", T0 + timedelta(minutes=5), None, "A1", None) is None
    assert fed.original_of("I2", "b.y", T0 + timedelta(minutes=5), None, "A1", None) == "I1"


def test_an_incident_reported_again_is_filed_only_once_located_again():
    # Not in a well-formed stream (a report is its incident's first event); the index must
    # not answer from the place it was filed under before.
    index = DuplicateCandidates(RULES)
    index.apply(events_of("I1", "a.x", T0, None, "A1", None))
    index.apply([{"incident_id": "I1", "version": 4, "type": "Reported", "category": "a.x",
                  "reported_at": (T0 + timedelta(minutes=10)).isoformat(), "location": {}}])
    assert filed(index.places.buckets) == {}
    assert index.original_of("I2", "a.x", T0 + timedelta(minutes=5), None, "A1", None) is None
    index.apply([{"incident_id": "I1", "version": 5, "type": "Located",
                  "place": {"address": "A1", "grid": None}}])
    assert index.original_of("I2", "a.x", T0 + timedelta(minutes=15), None, "A1", None) == "I1"


def test_the_window_is_kept_exactly_and_what_is_older_leaves_its_buckets():
    index = DuplicateCandidates(RULES)
    for minute in range(0, 300, 5):  # a report every 5 minutes, each at its own address
        index.remember(f"I{minute:03d}", 3, "a.x", T0 + timedelta(minutes=minute), None,
                       f"A{minute}", None)
    newest = T0 + timedelta(minutes=295)
    window = {f"I{m:03d}" for m in range(0, 300, 5)
              if T0 + timedelta(minutes=m) >= newest - RULES.longest_window}
    assert set(index.incidents) == set(index.state()) == window
    assert {i for bucket in index.places.buckets.values() for i in bucket} == window
    assert index.original_of("new", "a.x", newest, None, "A290", None) == "I290"
    assert index.original_of("new", "a.x", newest, None, "A100", None) is None  # long ago


def test_a_report_dated_ahead_does_not_push_todays_open_incidents_out():
    index = DuplicateCandidates(RULES)
    index.remember("today", 3, "a.x", T0, None, "A1", None, recorded_at=T0)
    index.remember("ahead", 3, "a.x", T0 + timedelta(days=30), None, "A2", None, recorded_at=T0)
    index.remember("other", 3, "a.x", T0, None, "A3", None, recorded_at=T0)
    assert index.original_of("new", "a.x", T0 + timedelta(minutes=5), None, "A1", None) == "today"


def test_the_route_step_does_not_undo_what_the_stream_brought_first():
    index = DuplicateCandidates(RULES)
    index.apply(events_of("I1", "a.x", T0, None, "A1", None)
                + [{"incident_id": "I1", "version": 4, "type": "Closed"}])
    index.remember("I1", 3, "a.x", T0, None, "A1", None)   # the route step, a little late
    assert index.original_of("I2", "a.x", T0 + timedelta(minutes=5), None, "A1", None) is None


def test_an_addition_files_only_itself_and_a_closing_takes_only_itself_out(monkeypatch):
    # The index used to be rebuilt in sweeps: at 32,768 incidents kept, a 270-320 ms stall
    # in the route step. Now each addition and each closing costs its own share only.
    index, filings = DuplicateCandidates(RULES), []
    original = index.places.file
    monkeypatch.setattr(index.places, "file",
                        lambda i, place, keys=None: (filings.append(i), original(i, place, keys)))
    for n in range(200):  # all within the window
        index.remember(f"I{n:03d}", 3, "a.x", T0 + timedelta(seconds=n), (31.0, 121.0),
                       f"A{n}", None)
    assert filings == [f"I{n:03d}" for n in range(200)]
    index.apply([{"incident_id": f"I{n:03d}", "version": 4, "type": "Closed"}
                 for n in range(0, 200, 2)])
    assert len(index.state()) == 200   # closed ones are still known (a resend changes nothing)
    assert {i for bucket in index.places.buckets.values() for i in bucket} == \
        {f"I{n:03d}" for n in range(1, 200, 2)}
    index.apply([{"incident_id": "I000", "version": 5, "type": "Located",   # closed: stays out
                  "place": {"address": "A0", "grid": None}}])
    assert not any("I000" in bucket for bucket in index.places.buckets.values())
    index.apply([{"incident_id": "I001", "version": 5, "type": "Reclassified",
                  "category": "b.y"}])
    filed_under = [key for key, bucket in index.places.buckets.items() if "I001" in bucket]
    assert filed_under and all("b.y" in key for key in filed_under)   # not under a.x any more


@settings(max_examples=200, deadline=None)
@given(st.lists(reports, min_size=1, max_size=30), st.lists(reports, min_size=1, max_size=20))
def test_a_batch_answers_as_the_shared_index_and_hands_over_what_it_would_file(stored, batch):
    """A route batch's own index (projections/batch_candidates.py) against a shared one told
    of the same incidents: the same answers, skips included, and after the hand-over the
    same incidents kept, filed under the same keys."""
    from projections.batch_candidates import BatchCandidates
    shared, told = DuplicateCandidates(RULES), DuplicateCandidates(RULES)
    for n, report in enumerate(stored):
        for index in (shared, told):
            index.remember(f"S{n}", 3, report["category"], T0 + timedelta(minutes=report["minute"]),
                           report["point"], report["address"], report["grid"], recorded_at=T0)
    own = BatchCandidates(shared)
    for n, report in enumerate(batch):
        place = (report["category"], T0 + timedelta(minutes=report["minute"]), report["point"],
                 report["address"], report["grid"])
        asked = [own.earliest_of(f"B{n}", *place), own.earliest_of(f"B{n}", *place, skip={"B0"})]
        alone = DuplicateCandidates(RULES)   # the batch's incidents so far, in an index alone
        for other_id, candidate in own.incidents.items():
            alone.remember(other_id, 3, candidate.category, candidate.reported_at,
                           candidate.point, candidate.address, candidate.grid, recorded_at=T0)
            alone.kept.incidents[other_id].is_open = candidate.is_open
        assert asked == [alone.earliest_of(f"B{n}", *place),
                         alone.earliest_of(f"B{n}", *place, skip={"B0"})]
        own.remember(f"B{n}", 3, *place)
        told.remember(f"B{n}", 3 + n % 2, *place, recorded_at=T0)
        if report["closes"]:
            own.forget(f"B{n}")
            told.forget(f"B{n}")
    own.hand_over(lambda incident_id: 3 + int(incident_id[1:]) % 2, T0)
    open_ids = {i for i, c in told.state().items() if c.is_open}
    assert {i for i, c in shared.state().items() if c.is_open} == open_ids
    assert {i: c.version for i, c in shared.state().items() if i in open_ids} == \
        {i: c.version for i, c in told.state().items() if i in open_ids}
    assert filed(shared.places.buckets) == filed(told.places.buckets)
