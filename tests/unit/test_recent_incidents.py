"""Incidents kept after they were stored, worked on again without a replay of their events."""
from __future__ import annotations

import random
from datetime import timedelta
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError, Tracking

from dispatch.domain.errors import DomainError
from dispatch.domain.incident import Incident
from dispatch.service_layer.recent_incidents import RecentIncidents
from infra.store import sqlite_service
from tests.unit.story import DEPARTMENTS, START, decision


def test_take_hands_the_incident_over_once():
    recent = RecentIncidents(capacity=3)
    a = uuid4()
    recent.keep([(a, "A")])
    assert recent.take(a) == "A"
    assert recent.take(a) is None


def test_the_oldest_kept_go_first_and_keeping_again_makes_young():
    recent = RecentIncidents(capacity=2)
    a, b, c = uuid4(), uuid4(), uuid4()
    recent.keep([(a, "A"), (b, "B")])
    recent.keep([(a, "A2")])       # a is young again
    recent.keep([(c, "C")])        # so b goes
    assert (recent.take(b), recent.take(a), recent.take(c)) == (None, "A2", "C")


def test_capacity_zero_keeps_nothing():
    recent = RecentIncidents(capacity=0)
    recent.keep([(uuid4(), "A")])
    assert len(recent) == 0


class Positions:
    def __init__(self):
        self.next = 0

    def __call__(self) -> Tracking:
        self.next += 1
        return Tracking("test:0", self.next)


@pytest.fixture
def service(tmp_path):
    return sqlite_service(tmp_path / "store.sqlite")


def new_incident(n: int) -> Incident:
    incident = Incident(source="hotline", report_id=f"R{n}", category="city.x", reported_at=START,
                        location={"grid_id": "G0001"}, description="d", priority="normal",
                        reporter=None, attachments=["a.jpg"], extra={"k": [1, 2]})
    incident.locate({"how": "grid_id", "grid": "G0001", "community": "C1", "street": "ST01",
                     "district": "D01", "grid_kind": "comprehensive", "managing_unit": None,
                     "overlays": [], "grid_workers": ["W1"], "address": None, "reason": None,
                     "notes": []}, at=START)
    return incident


def turns(incident: Incident, rng: random.Random, at) -> list:
    """Legal next steps for the incident as it stands: each changes it by one command."""
    department = incident.department or DEPARTMENTS[0]
    later = at + timedelta(hours=rng.uniform(0.1, 5))
    status = incident.status.value
    options = {
        "reported": [lambda: incident.dispatch(decision(rng.choice(DEPARTMENTS)), at=later)],
        "dispatched": [lambda: incident.accept(department, at=later),
                       lambda: incident.return_(department, "not ours", at=later)],
        "returned": [lambda: incident.dispatch(decision(rng.choice(
            [d for d in DEPARTMENTS if d not in incident.excluded_departments] or DEPARTMENTS)),
            at=later)],
        "accepted": [lambda: incident.resolve(department, "done", at=later),
                     lambda: incident.suspend("sup", "waiting", at=later),
                     lambda: incident.request_extension(department, 8, "parts", at=later)],
        "suspended": [lambda: incident.resume("sup", at=later)],
        "resolved": [lambda: incident.verify("W1", passed=rng.random() < 0.8, note="", at=later)],
    }
    return options.get(status, [])


def test_an_incident_taken_back_equals_one_rebuilt_from_the_store(service):
    """Through every turn of the loop: the kept object and a replay agree field by field,
    so later events made on either are the same."""
    rng, track = random.Random(7), Positions()
    incidents = [new_incident(n) for n in range(40)]
    service.record(incidents, track())
    at = START
    for _ in range(12):
        for incident in incidents:
            kept = service.get_incident(incident.id)
            assert vars(kept) == vars(service.repository.get(incident.id))
            options = turns(kept, rng, at)
            if options:
                try:
                    rng.choice(options)()
                except DomainError:
                    pass  # e.g. an extension asked for twice: nothing changed
            service.record([kept], track())
        at += timedelta(hours=6)
    assert len(service.recent) == len(incidents)


def test_the_incident_stored_last_is_handed_back_without_reading_its_events(service):
    incident = new_incident(1)
    service.record([incident], Positions()())
    assert service.get_incident(incident.id) is incident
    assert service.get_incident(incident.id) is not incident  # taken: now from the store


def test_a_change_stored_by_another_writer_is_seen(service, tmp_path):
    incident = new_incident(1)
    service.record([incident], Positions()())
    other = sqlite_service(tmp_path / "store.sqlite")
    theirs = other.get_incident(incident.id)
    theirs.dispatch(decision("housing"), at=START)
    other.save(theirs)
    mine = service.get_incident(incident.id)
    assert (mine.version, mine.department) == (theirs.version, "housing")


def test_a_refused_change_leaves_nothing_behind(service):
    track = Positions()
    incident = new_incident(1)
    service.record([incident], track())
    mine = service.get_incident(incident.id)
    mine.dispatch(decision("housing"), at=START)
    # Meanwhile another writer stored its own version 3: mine is refused.
    theirs = service.repository.get(incident.id)
    theirs.dispatch(decision("environment"), at=START)
    service.save(theirs)
    with pytest.raises(IntegrityError):
        service.record([mine], track())
    again = service.get_incident(incident.id)
    assert (again.version, again.department) == (theirs.version, "environment")


def test_an_incident_saved_outside_a_tracked_batch_is_kept_too(service):
    # The SLA watcher saves without a tracking row.
    incident = new_incident(1)
    service.save(incident)
    assert service.get_incident(incident.id) is incident


def test_a_negative_capacity_is_refused_naming_the_setting():
    with pytest.raises(ValueError, match="GRID_DISPATCH_RECENT_INCIDENTS.*-1"):
        RecentIncidents(capacity=-1)


def test_a_store_whose_path_holds_uri_characters_is_probed_all_the_same(tmp_path):
    service = sqlite_service(tmp_path / "odd ?#%41 name" / "store.sqlite")
    incident = new_incident(1)
    service.record([incident], Positions()())
    assert service.get_incident(incident.id) is incident
    assert not service.recorder.select_events(incident.id, gt=incident.version, limit=1)
    assert service.recorder.select_events(incident.id, gt=incident.version - 1, limit=1)


def test_incidents_finished_for_good_are_not_kept_the_open_ones_they_point_to_are(service):
    """No command changes a merged or voided incident, so keeping one would only push out
    an open one that a later repeat is merged into."""
    original, repeat, voided = new_incident(1), new_incident(2), new_incident(3)
    original.dispatch(decision("housing"), at=START)
    original.record_duplicate(repeat.id, at=START)
    repeat.merge_into(original.id, by="duplicate-detection", at=START)
    voided.void("sup", "a test call", at=START)
    service.record([original, repeat, voided], Positions()())
    assert len(service.recent) == 1
    assert service.get_incident(original.id) is original
    assert vars(service.get_incident(repeat.id)) == vars(repeat)   # from the store
    assert vars(service.get_incident(voided.id)) == vars(voided)
