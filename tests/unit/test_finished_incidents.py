"""Live views let finished incidents go after a while; what they keep is unchanged."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from projections.finished_incidents import FinishedIncidents
from projections.open_incidents import CLOSING_EVENTS as ENDING_EVENTS
from projections.views import Views
from tests.unit.story import histories


def timed_stream() -> list[dict]:
    """The histories as a store fills over weeks: each event recorded when it happened
    (never before its incident's previous one), all in the order they were recorded."""
    events, last = [], {}
    for event in histories():
        at = datetime.fromisoformat(event["occurred_at"])
        previous = last.get(event["incident_id"])
        if previous is not None and previous > at:
            at = previous
        last[event["incident_id"]] = at
        events.append(dict(event, recorded_at=at.isoformat()))
    return sorted(events, key=lambda event: datetime.fromisoformat(event["recorded_at"]))


STREAM = timed_stream()
NEWEST = datetime.fromisoformat(STREAM[-1]["recorded_at"])
ENDED = {e["incident_id"]: datetime.fromisoformat(e["recorded_at"])
         for e in STREAM if e["type"] in ENDING_EVENTS}


def fed(views: Views, events: list[dict], batch: int) -> Views:
    """As a worker feeds its views: a batch, its rows saved, then the release."""
    for start in range(0, len(events), batch):
        views.apply(events[start:start + batch])
        views.take_changed_open()
        views.release_finished()
    return views


def held(views: Views) -> set[str]:
    ids = set(views.facts.facts)
    assert ids == set(views.sla.incidents) == set(views.open_incidents.rows)
    return ids


def test_the_stream_spans_weeks_and_most_incidents_end():
    assert NEWEST - datetime.fromisoformat(STREAM[0]["recorded_at"]) > timedelta(days=10)
    assert 0 < len(ENDED) < len({e["incident_id"] for e in STREAM})


@settings(max_examples=40, deadline=None)
@given(keep_hours=st.integers(0, 400), batch=st.integers(1, 60))
def test_what_the_views_keep_is_what_views_keeping_everything_hold(keep_hours, batch):
    keep = timedelta(hours=keep_hours)
    everything = fed(Views(), STREAM, batch)
    views = fed(Views(keep_finished=keep), STREAM, batch)
    every_id = {e["incident_id"] for e in STREAM}
    assert held(views) == {i for i in every_id if i not in ENDED or ENDED[i] > NEWEST - keep}
    for incident_id in held(views):
        assert views.facts.facts[incident_id] == everything.facts.facts[incident_id]
        assert views.sla.incidents[incident_id] == everything.sla.incidents[incident_id]
        assert views.open_incidents.rows[incident_id] == everything.open_incidents.rows[incident_id]
    # What supervisors see is the same: holders of open incidents, lights of open stages.
    assert views.open_incidents.counts() == everything.open_incidents.counts()
    assert views.light_counts(NEWEST) == everything.light_counts(NEWEST)


def test_a_late_event_of_an_incident_let_go_does_not_bring_it_back():
    views = fed(Views(keep_finished=timedelta(0)), STREAM, 50)
    gone = next(iter(ENDED))
    assert gone not in held(views)
    version = max(e["version"] for e in STREAM if e["incident_id"] == gone)
    views.apply([{"incident_id": gone, "version": version + 1, "type": "Rated",
                  "rating": "satisfied", "resolved": True, "by": "reporter",
                  "occurred_at": NEWEST.isoformat(), "recorded_at": NEWEST.isoformat()}])
    assert gone not in held(views)


def test_a_row_still_to_be_saved_is_let_go_only_after_its_save():
    views = Views(keep_finished=timedelta(0))
    views.apply(STREAM)
    assert views.release_finished() == {}        # every ending row is still to be saved
    assert set(ENDED) <= held(views)
    views.take_changed_open()                     # saved
    released = views.release_finished()
    assert set(released) == set(ENDED) and not any(row.is_open for row in released.values())
    assert not set(ENDED) & held(views)


def test_views_that_keep_everything_let_nothing_go():
    views = fed(Views(), STREAM, 50)
    assert views.release_finished() == {}
    assert len(held(views)) == len({e["incident_id"] for e in STREAM})


def test_a_negative_time_to_keep_is_refused():
    with pytest.raises(ValueError, match="duration >= 0"):
        FinishedIncidents(timedelta(hours=-1))


def test_a_replay_of_the_store_lets_finished_incidents_go_as_it_passes_them():
    from infra.rebuild import views_from_store
    from infra.store import memory_service
    from tests.unit.test_event_contract import whole_story
    from tests.unit.test_incident import new_incident
    service = memory_service()
    still_open = new_incident("still open")
    service.save(*whole_story(), still_open)
    everything = views_from_store(service, show_progress=False)
    released: dict = {}
    views = views_from_store(service, show_progress=False, keep_finished=timedelta(0),
                             on_release=released.update)
    assert len(everything.facts.facts) == 4
    assert released == {i: row for i, row in everything.open_incidents.rows.items()
                        if i != str(still_open.id)}   # their rows as they ended, to be saved
    assert held(views) == {str(still_open.id)}
    assert views.facts.facts[str(still_open.id)] == everything.facts.facts[str(still_open.id)]
    kept_a_day = views_from_store(service, show_progress=False, keep_finished=timedelta(days=1))
    assert kept_a_day.state() == everything.state()   # all ended moments ago


def test_a_resent_ending_is_queued_once():
    finished = FinishedIncidents(timedelta(hours=1))
    closing = next(e for e in STREAM if e["type"] == "Closed")
    finished.note([closing])
    finished.note([closing, closing])
    assert len(finished) == 1
