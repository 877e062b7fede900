"""Duplicate detection in the route step: a repeat of an open incident is merged into it."""
from __future__ import annotations

import pytest

from dispatch.domain.incident import IncidentStatus, incident_id_for
from dispatch.service_layer.inbound import InboundMessage
from dispatch.service_layer.route_reports import RouteReports
from infra.store import memory_service
from policies.duplicates import DuplicateRules
from projections.duplicate_candidates import DuplicateCandidates
from tests.city import dispatcher
from tests.factories import report_bytes

RUBBISH = "city-appearance.rubbish.exposed"
AT_10 = "2026-11-26T10:00:00+08:00"


@pytest.fixture
def route():
    rules = DuplicateRules(window_minutes=120, radius_m=250, never=("public-safety.dispute",))
    return RouteReports(memory_service(), dispatcher(), duplicates=DuplicateCandidates(rules))


class Feed:
    """Messages on one partition with rising offsets, each batch routed at once."""

    def __init__(self, route: RouteReports):
        self.route, self.offset = route, 0

    def batch(self, *values: bytes):
        messages = [InboundMessage("incidents.reported", 0, self.offset + n, None, v)
                    for n, v in enumerate(values)]
        self.offset += len(values)
        return self.route.record(self.route.prepare(messages))


def rubbish(report_id: str, at: str = AT_10, **location) -> bytes:
    return report_bytes(report_id, category=RUBBISH, reported_at=at,
                        location=location or {"qr_code": "QR-0001-001"})


def incident(route: RouteReports, report_id: str):
    return route.service.get_incident(incident_id_for("hotline", report_id))


def test_a_repeat_at_the_same_address_is_merged_into_the_open_original(route):
    feed = Feed(route)
    feed.batch(rubbish("A"))
    outcome = feed.batch(rubbish("B", at="2026-11-26T11:30:00+08:00"))
    original, repeat = incident(route, "A"), incident(route, "B")
    assert outcome.merged == 1 and outcome.recorded == [repeat.id]
    assert repeat.status is IncidentStatus.MERGED and repeat.merged_into == str(original.id)
    assert repeat.department is None  # never dispatched: nobody gets it twice
    assert original.status is IncidentStatus.DISPATCHED
    assert original.duplicates == [str(repeat.id)]


def test_repeats_in_one_batch_point_to_the_first_report(route):
    outcome = Feed(route).batch(rubbish("A"), rubbish("B"), rubbish("C"))
    original = incident(route, "A")
    assert outcome.merged == 2
    assert original.duplicates == [str(incident(route, "B").id), str(incident(route, "C").id)]
    assert incident(route, "C").merged_into == str(original.id)


@pytest.mark.parametrize("second", [
    rubbish("B", at="2026-11-26T12:00:01+08:00"),                         # beyond the window
    rubbish("B", qr_code="QR-0001-002"),                                  # another address
    report_bytes("B", category="city-appearance.advertising.illegal", reported_at=AT_10,
                 location={"qr_code": "QR-0001-001"}),                    # another category
    rubbish("B", grid_id="G0001"),                                        # a grid is not a place
    rubbish("B", at="2026-11-26T09:59:00+08:00"),                         # reported before it
], ids=["late", "address", "category", "grid-only", "earlier"])
def test_what_is_not_a_repeat_is_dispatched(route, second):
    feed = Feed(route)
    feed.batch(rubbish("A"))
    outcome = feed.batch(second)
    assert outcome.merged == 0
    assert incident(route, "B").status is IncidentStatus.DISPATCHED
    assert incident(route, "A").duplicates == []


def test_points_within_the_radius_in_neighbouring_cells_are_the_same_place(route):
    """The route step asks with the keys of the cells near a point (worked out once a
    report), not only the point's own cell."""
    from projections.geo_cells import cell_of
    a = next((31.2 + n / 10_000, 121.45) for n in range(40)   # 100 m south of a cell's edge
             if cell_of((31.2 + n / 10_000, 121.45), 250) != cell_of((31.2009 + n / 10_000,
                                                                      121.45), 250))
    b = (a[0] + 0.0009, a[1])
    feed = Feed(route)
    feed.batch(rubbish("A", lat=a[0], lon=a[1]))
    feed.batch(rubbish("B", lat=b[0], lon=b[1]), rubbish("C", lat=a[0], lon=a[1]))
    assert incident(route, "B").merged_into == str(incident(route, "A").id)
    assert incident(route, "C").merged_into == str(incident(route, "A").id)


def test_points_within_the_radius_are_the_same_place(route):
    feed = Feed(route)
    feed.batch(rubbish("A", lat=31.2000, lon=121.4500))
    feed.batch(rubbish("B", lat=31.2015, lon=121.4500))   # 166 m north
    feed.batch(rubbish("C", lat=31.2000, lon=121.4530))   # 286 m east
    assert incident(route, "B").status is IncidentStatus.MERGED
    assert incident(route, "C").status is IncidentStatus.DISPATCHED


def test_categories_never_merged_are_always_dispatched(route):
    feed = Feed(route)
    quarrel = {"category": "public-safety.dispute.neighbour", "location": {"qr_code": "QR-0001-001"}}
    feed.batch(report_bytes("A", **quarrel), report_bytes("B", **quarrel))
    assert incident(route, "B").status is IncidentStatus.DISPATCHED


def test_a_closed_original_takes_no_more_repeats(route):
    feed = Feed(route)
    feed.batch(rubbish("A"))
    original = incident(route, "A")
    original.void(by="supervisor", reason="test", at=original.reported_at)
    route.service.save(original)  # the stream has not told the index yet
    feed.batch(rubbish("B"))
    assert incident(route, "B").status is IncidentStatus.DISPATCHED
    feed.batch(rubbish("C"))
    assert incident(route, "C").merged_into == str(incident(route, "B").id)


def test_an_original_changed_meanwhile_is_reloaded_and_the_batch_stored_once(route):
    feed = Feed(route)
    feed.batch(rubbish("A"))
    load_many = route.service.get_incidents
    raced = []

    def change(incident_id) -> None:
        other = route.service.repository.get(incident_id)   # another writer's copy
        other.urge(by="supervisor", note="hurry", at=other.reported_at)
        route.service.save(other)
        raced.append(incident_id)

    def load_then_change(incident_ids, **options):
        """Another writer changes the original right after the route step loaded it, so
        the batch's transaction is refused once and must start again."""
        found = load_many(incident_ids, **options)
        if not raced:
            change(next(iter(found)))
        return found

    route.service.get_incidents = load_then_change
    outcome = feed.batch(rubbish("B"))
    route.service.get_incidents = load_many
    assert raced and outcome.merged == 1 and outcome.duplicates == 0
    assert incident(route, "A").duplicates == [str(incident(route, "B").id)]
    assert incident(route, "A").urge_count == 1  # the other writer's change is kept


def test_the_same_report_again_is_still_a_no_op_not_a_merge(route):
    feed = Feed(route)
    feed.batch(rubbish("A"))
    outcome = feed.batch(rubbish("A"))
    assert (outcome.recorded, outcome.duplicates, outcome.merged) == ([], 1, 0)


def test_without_an_index_nothing_is_merged():
    plain = RouteReports(memory_service(), dispatcher())
    Feed(plain).batch(rubbish("A"), rubbish("B"))
    assert incident(plain, "B").status is IncidentStatus.DISPATCHED


def test_a_merged_report_sent_again_is_a_repeat_not_a_stuck_batch(route):
    feed = Feed(route)
    feed.batch(rubbish("A"), rubbish("B"))
    outcome = feed.batch(rubbish("B"), rubbish("C"))   # B again, at a new offset
    assert (outcome.duplicates, outcome.merged) == (1, 1)
    assert incident(route, "A").duplicates == [str(incident(route, "B").id),
                                               str(incident(route, "C").id)]


def test_an_original_reclassified_in_the_store_before_the_index_heard_is_not_used(route):
    feed = Feed(route)
    feed.batch(rubbish("A"))
    original = incident(route, "A")
    original.reclassify("city-appearance.advertising.illegal", by="supervisor",
                        at=original.reported_at)
    route.service.save(original)   # the stream has not told the index yet
    feed.batch(rubbish("B"))
    assert incident(route, "B").status is IncidentStatus.DISPATCHED


def test_when_the_earliest_candidate_is_closed_the_next_open_one_takes_the_repeat(route):
    feed = Feed(route)
    feed.batch(rubbish("A", at="2026-11-26T09:30:00+08:00"))
    feed.batch(rubbish("B", at="2026-11-26T09:45:00+08:00", lat=31.2000, lon=121.4500))
    first = incident(route, "A")
    first.void(by="supervisor", reason="test", at=first.reported_at)
    route.service.save(first)      # closed in the store, still open in the index
    # C is at A's address and at B's point: A is earlier, but closed; B takes it.
    feed.batch(rubbish("C", qr_code="QR-0001-001", lat=31.2001, lon=121.4500))
    assert incident(route, "C").merged_into == str(incident(route, "B").id)


def test_a_refused_batch_over_partitions_merges_its_repeat_once_when_done_again(route):
    from eventsourcing.persistence import Tracking
    Feed(route).batch(rubbish("A"))
    batch = [InboundMessage("incidents.reported", 1, 0, None, rubbish("A2")),
             InboundMessage("incidents.reported", 2, 0, None, rubbish("other", qr_code="QR-0002-001"))]
    prepared = route.prepare(batch)
    route.service.record([], Tracking("incidents.reported:2", 1))  # taken meanwhile
    outcome = route.record(prepared)
    assert outcome.merged == 1
    original = incident(route, "A")
    assert original.duplicates == [str(incident_id_for("hotline", "A2"))]   # once, not twice
    assert incident(route, "A2").status is IncidentStatus.MERGED
    assert route.service.existing([incident_id_for("hotline", "other")]) == set()
