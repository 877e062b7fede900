"""Views built live from the stream equal views replayed from the store.

The stream delivers each incident's events in order on its partition (key = incident id),
but partitions interleave in any way, batches have any size, and after a relay crash
events are resent. The replay reads the store in its own order, once.
"""
from hypothesis import given, settings
from hypothesis import strategies as st

from projections.incident_table import IncidentTable
from projections.views import Views
from tests.unit.story import histories

EVENTS = histories()
PARTITIONS = 6


def by_partition() -> list[list[dict]]:
    parts: list[list[dict]] = [[] for _ in range(PARTITIONS)]
    for event in EVENTS:
        parts[hash(event["incident_id"]) % PARTITIONS].append(event)
    return parts


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_live_views_equal_the_replay(data):
    replayed = Views()
    replayed.apply(EVENTS)

    parts = by_partition()
    positions = [0] * PARTITIONS
    stream = []
    while any(positions[p] < len(parts[p]) for p in range(PARTITIONS)):
        p = data.draw(st.sampled_from([p for p in range(PARTITIONS) if positions[p] < len(parts[p])]))
        take = data.draw(st.integers(1, 8))
        chunk = parts[p][positions[p]:positions[p] + take]
        positions[p] += len(chunk)
        if data.draw(st.booleans()) and positions[p] > len(chunk):
            # A relay resend: an earlier stretch of this partition comes again.
            back = data.draw(st.integers(1, positions[p] - len(chunk)))
            chunk = parts[p][positions[p] - len(chunk) - back:positions[p] - len(chunk)] + chunk
        stream.append(chunk)
    # A worker replays into plain dicts, then spreads its tables before it goes live
    # (projections/incident_table.py): at any point of the stream here.
    live, spread_after = Views(), data.draw(st.integers(0, len(stream)))
    for index, batch in enumerate(stream):
        if index == spread_after:
            live.spread_tables()
        live.apply(batch)
    assert live.state() == replayed.state()
    assert isinstance(live.facts.facts, IncidentTable) == (spread_after < len(stream))


def test_an_event_beyond_the_calendar_is_a_visible_problem_and_the_rest_still_counts():
    late = [dict(e) for e in EVENTS[:3]]
    first = late[0]["incident_id"]
    for event in late:  # the same incident, reported in a year the calendar does not cover
        for key in ("occurred_at", "reported_at"):
            if key in event:
                event[key] = event[key].replace("2026-", "2031-")
    others = [e for e in EVENTS if e["incident_id"] != first]
    views = Views()
    views.apply(late + others)
    assert views.sla_problems and views.sla_problems[0][0] == first
    assert "outside the business calendar" in views.sla_problems[0][2]
    replayed = Views()
    replayed.apply(others)
    assert {k: v for k, v in views.sla.incidents.items() if k != first} == replayed.sla.incidents
