"""The thin slice against a real broker and a real worker process."""
import base64
import sqlite3
import uuid
from collections import Counter
from datetime import datetime, timedelta
from math import asin, cos, radians, sin, sqrt
from uuid import UUID

import orjson
import pytest

from dispatch.domain.incident import IncidentStatus, incident_id_for
from infra.relay_records import published_events
from infra.store import sqlite_service
from infra.store_reader import sqlite_rows
from infra.simulated_city import simulated_reports
from infra.topics import ensure_topics_sync
from infra.view_store import OpenIncidentsStore
from policies.duplicates import DuplicateRules

from tests.city import dispatcher
from tests.factories import report_bytes
from tests.support import consume_all, isolated_settings, publish, start_worker, wait_until


@pytest.fixture(scope="module")
def worker(kafka_bootstrap, tmp_path_factory):
    settings = isolated_settings(tmp_path_factory.mktemp("worker"), kafka_bootstrap)
    ensure_topics_sync(kafka_bootstrap, settings.topics)
    process = start_worker(settings)
    try:
        yield process
    finally:
        process.stop()
        print(process.log()[-5000:])


def dispatched_in_store(worker, incident_ids) -> dict:
    service = sqlite_service(worker.settings.store)
    found = {}
    for incident_id in incident_ids:
        if service.recorder.select_events(incident_id, limit=1):
            found[incident_id] = service.get_incident(incident_id)
    return found


def test_1000_incidents_are_dispatched_or_merged_stored_republished_and_counted(worker):
    settings = worker.settings
    reports = list(simulated_reports(1000, run_id="thousand"))
    publish(settings.bootstrap_servers, settings.topics.reported,
            [(r["report_id"].encode(), orjson.dumps(r)) for r in reports])
    ids = {str(incident_id_for(r["source"], r["report_id"])) for r in reports}

    views = OpenIncidentsStore(settings.views)
    wait_until(lambda: ids <= set(views.load().rows), 90, message="1000 incidents in the view")

    stored = dispatched_in_store(worker, [incident_id_for(r["source"], r["report_id"]) for r in reports])
    assert len(stored) == 1000
    policy = dispatcher().policy
    rules = DuplicateRules.load()

    def expected(report):
        placement = dispatcher().place(report["location"], report["category"], report["source"],
                                       report["priority"], datetime.fromisoformat(report["reported_at"]))
        return dispatcher().decide(placement.situation)

    merged = {}
    for report in reports:
        incident = stored[incident_id_for(report["source"], report["report_id"])]
        assert incident.place["grid"] == report["location"]["grid_id"]
        if incident.status is IncidentStatus.MERGED:  # a repeat of an open incident
            original = stored[UUID(incident.merged_into)]
            assert str(incident.id) in original.duplicates
            assert original.category == incident.category and original.merged_into is None
            assert timedelta(0) <= incident.reported_at - original.reported_at \
                <= rules.window_for(incident.category)
            assert original.place["address"] == incident.place["address"] is not None or \
                _metres(original.location, incident.location) <= rules.radius_m or \
                rules.by_grid(incident.category) and original.place["grid"] == incident.place["grid"]
            merged[str(incident.id)] = original
            continue
        assert incident.department == expected(report).department
        assert incident.manual_queue == expected(report).manual_queue
    # The simulated city repeats itself now and then (3 QR plates a grid, 20 categories).
    assert 0 < len(merged) < 100

    def dispatched(messages):
        return [m for m in messages if orjson.loads(m.value)["type"] in
                ("Dispatched", "QueuedForManualDispatch")
                and orjson.loads(m.value)["incident_id"] in ids]

    published = consume_all(settings.bootstrap_servers, settings.topics.events,
                            until=lambda ms: len(dispatched(ms)) >= 1000 - len(merged))
    decisions = [orjson.loads(m.value) for m in dispatched(published)]
    assert len(decisions) == 1000 - len(merged)
    assert {m.key.decode() for m in dispatched(published)} == ids - set(merged)
    assert all(d["policy_version"] == policy.version and d["rule_id"] for d in decisions)

    expected_counts = Counter(expected(r).target for r in reports
                              if str(incident_id_for(r["source"], r["report_id"])) not in merged)
    view = views.load()
    assert Counter(view.holder_of(i) for i in ids - set(merged)) == expected_counts
    assert not any(view.rows[i].is_open for i in merged)


def _metres(a: dict, b: dict) -> float:
    if "lat" not in a or "lat" not in b:
        return float("inf")
    lat1, lon1, lat2, lon2 = map(radians, (a["lat"], a["lon"], b["lat"], b["lon"]))
    h = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos(lat2) * sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_000 * asin(sqrt(h))


def test_malformed_messages_go_to_the_dead_letter_topic_and_good_ones_pass(worker):
    settings = worker.settings
    bad = [b'{"report_id": "P-bad-1", ', report_bytes("P-bad-2", source="carrier-pigeon"),
           orjson.dumps({"report_id": "P-bad-3", "source": "app"}),
           report_bytes("P-bad-4", location={"lat": "north", "lon": 1.0})]
    good = [report_bytes(f"P-good-{n}") for n in range(10)]
    stream = [good[0], bad[0], good[1], good[2], bad[1], good[3], bad[2], good[4], bad[3], *good[5:]]
    publish(settings.bootstrap_servers, settings.topics.reported, [(None, v) for v in stream])

    letters = consume_all(settings.bootstrap_servers, settings.topics.deadletter,
                          until=lambda ms: len(ms) >= 4)
    envelopes = {orjson.loads(m.value)["original_text"]: orjson.loads(m.value) for m in letters}
    assert set(envelopes) == {b.decode() for b in bad}
    reasons = [envelopes[b.decode()]["reason"] for b in bad]
    assert "Invalid JSON" in reasons[0]
    assert "source" in reasons[1] and "carrier-pigeon" in reasons[1]
    assert "category: Field required" in reasons[2]
    assert "location.lat" in reasons[3] and "'north'" in reasons[3]
    for envelope in envelopes.values():
        assert envelope["source"]["topic"] == settings.topics.reported
        assert envelope["source"]["offset"] >= 0

    ids = [incident_id_for("hotline", f"P-good-{n}") for n in range(10)]
    views = OpenIncidentsStore(settings.views)
    wait_until(lambda: {str(i) for i in ids} <= set(views.load().rows), 60, message="good ones")
    assert all(i.status is IncidentStatus.DISPATCHED for i in dispatched_in_store(worker, ids).values())
    assert worker.alive()


def test_the_same_report_published_twice_gives_one_incident(worker):
    settings = worker.settings
    twice = report_bytes("TWICE-1")
    publish(settings.bootstrap_servers, settings.topics.reported, [(b"TWICE-1", twice)])
    publish(settings.bootstrap_servers, settings.topics.reported, [(b"TWICE-1", twice)])
    # A marker published after both: once it is through, both copies have been handled.
    publish(settings.bootstrap_servers, settings.topics.reported, [(b"TWICE-1", report_bytes("AFTER-1"))])
    incident_id = str(incident_id_for("hotline", "TWICE-1"))
    after_id = str(incident_id_for("hotline", "AFTER-1"))
    views = OpenIncidentsStore(settings.views)
    wait_until(lambda: after_id in views.load().rows, 60, message="the marker report")

    service = sqlite_service(settings.store)
    events = service.recorder.select_events(incident_id_for("hotline", "TWICE-1"))
    # (The SLA watcher may add alerts: the test reports are dated in the past.)
    kinds = [e.topic.rsplit(".", 1)[-1] for e in events]
    assert [k for k in kinds if k != "SlaAlerted"] == ["Reported", "Located", "Dispatched"]
    # The incidents' events are keyed by incident id, so they may be on other partitions
    # than the marker's: read until this incident's decision is in.
    published = consume_all(settings.bootstrap_servers, settings.topics.events,
                            until=lambda ms: any(orjson.loads(m.value)["incident_id"] == incident_id
                                                 and orjson.loads(m.value)["type"] == "Dispatched"
                                                 for m in ms))
    mine = [orjson.loads(m.value) for m in published if orjson.loads(m.value)["incident_id"] == incident_id]
    assert sorted((e["version"], e["type"]) for e in mine)[:3] == [(1, "Reported"), (2, "Located"),
                                                                    (3, "Dispatched")]


def test_commands_drive_the_loop_once_and_refusals_are_visible(worker):
    settings = worker.settings
    publish(settings.bootstrap_servers, settings.topics.reported, [(b"CMD-1", report_bytes("CMD-1"))])
    incident_id = incident_id_for("hotline", "CMD-1")
    views = OpenIncidentsStore(settings.views)
    wait_until(lambda: str(incident_id) in views.load().rows, 60, message="the report")
    service = sqlite_service(settings.store)  # kept: an application closes its store when dropped
    holder = service.get_incident(incident_id).department

    def command(kind, command_id, **fields):
        body = {"type": kind, "command_id": command_id, "incident_id": str(incident_id),
                "issued_by": fields.pop("issued_by", holder), "at": "2026-11-26T11:00:00+08:00",
                **fields}
        return str(incident_id).encode(), orjson.dumps(body)

    accept = command("accept", "k1", department=holder)
    publish(settings.bootstrap_servers, settings.topics.commands, [
        accept, accept, command("resolve", "k2", department="not-the-holder", result="x"),
        (str(incident_id).encode(), b'{"type": "accept"'),
        command("resolve", "k3", department=holder, result="mediated"),
        command("verify", "k4", passed=True, issued_by="W0001"),
        command("rate", "k5", rating="satisfied", issued_by="reporter")])

    def closed():
        return service.get_incident(incident_id).status is IncidentStatus.CLOSED
    wait_until(closed, 60, message="the incident closed by commands")
    stored = service.recorder.select_events(incident_id)
    kinds = [e.topic.rsplit(".", 1)[-1] for e in stored if not e.topic.endswith("SlaAlerted")]
    assert kinds == ["Reported", "Located", "Dispatched", "Accepted", "CommandRejected",
                     "Resolved", "Closed", "Rated"]
    published = consume_all(settings.bootstrap_servers, settings.topics.events,
                            until=lambda ms: any(orjson.loads(m.value)["type"] == "Rated"
                                                 and orjson.loads(m.value)["incident_id"] == str(incident_id)
                                                 for m in ms))
    rejected = [orjson.loads(m.value) for m in published if orjson.loads(m.value)["type"] == "CommandRejected"]
    assert rejected and "not-the-holder is not responsible" in rejected[0]["reason"]
    letters = consume_all(settings.bootstrap_servers, settings.topics.deadletter,
                          until=lambda ms: any(orjson.loads(m.value)["source"]["topic"] == settings.topics.commands
                                               for m in ms))
    assert any("invalid IncidentCommand" in orjson.loads(m.value)["reason"] for m in letters)


def test_a_stored_event_that_cannot_be_published_is_dead_lettered_and_the_relay_goes_on(worker):
    """A row whose state is not the store's JSON (a hand's or a bug's) had held back every
    event after it, for good: now it goes to the dead-letter topic, and the next test sees
    the views replayed from the store leave it out, as the relay did."""
    settings = worker.settings
    first = str(incident_id_for("hotline", "P-before-the-unreadable"))
    publish(settings.bootstrap_servers, settings.topics.reported,
            [(None, report_bytes("P-before-the-unreadable"))])
    views = OpenIncidentsStore(settings.views)
    wait_until(lambda: first in views.load().rows, 60, message="the report before")
    unreadable, bad_id = b"\x00not the store's JSON", uuid.uuid4()
    with sqlite3.connect(settings.store, timeout=30) as store:
        store.execute("INSERT INTO stored_events (originator_id, originator_version, topic, "
                      "state) VALUES (?, 1, 'dispatch.domain.incident:Incident.Reported', ?)",
                      (bad_id.hex, unreadable))
    publish(settings.bootstrap_servers, settings.topics.reported,
            [(None, report_bytes("P-after-the-unreadable"))])

    def lettered(messages):
        return any(orjson.loads(m.value)["source"].get("incident_id") == str(bad_id)
                   for m in messages)
    letters = consume_all(settings.bootstrap_servers, settings.topics.deadletter, until=lettered)
    [envelope] = [orjson.loads(m.value) for m in letters
                  if orjson.loads(m.value)["source"].get("incident_id") == str(bad_id)]
    assert envelope["reason"].startswith("stored event could not be published: JSONDecodeError")
    assert base64.b64decode(envelope["original_base64"]) == unreadable
    assert envelope["source"]["version"] == 1 and envelope["source"]["notification_id"] > 0
    after = str(incident_id_for("hotline", "P-after-the-unreadable"))
    events = consume_all(settings.bootstrap_servers, settings.topics.events, until=lambda ms: any(
        orjson.loads(m.value)["incident_id"] == after for m in ms))
    assert any(orjson.loads(m.value)["incident_id"] == after for m in events)
    assert not any(orjson.loads(m.value)["incident_id"] == str(bad_id) for m in events)
    assert worker.alive()


def test_views_built_from_the_topic_equal_views_replayed_from_the_store(worker):
    from infra.rebuild import views_from_store
    from projections.views import Views

    settings = worker.settings
    service = sqlite_service(settings.store)
    events, refused = published_events(sqlite_rows(settings.store)(0, 1_000_000))
    stored = {(event["incident_id"], event["version"]) for event in events}
    assert len(refused) <= 1   # the row the test above stored unreadable, dead-lettered

    def everything(messages):
        return stored <= {(orjson.loads(m.value)["incident_id"], orjson.loads(m.value)["version"])
                          for m in messages}
    messages = consume_all(settings.bootstrap_servers, settings.topics.events, until=everything)
    assert everything(messages)
    live = Views()
    for start in range(0, len(messages), 97):  # as a consumer gets them: in batches, any mix
        live.apply([orjson.loads(m.value) for m in messages[start:start + 97]])
    replayed = views_from_store(service, show_progress=False)
    assert live.state() == replayed.state()
    assert len(live.facts.facts) >= 1000


def test_a_department_follows_only_its_own_tickets_from_the_shared_log(worker):
    import asyncio
    import io

    from infra.feed_cli import follow

    settings = worker.settings
    publish(settings.bootstrap_servers, settings.topics.reported,
            [(b"FEED-1", report_bytes("FEED-1", category="environment.water")),
             (b"FEED-2", report_bytes("FEED-2", category="market.food-safety"))])
    views = OpenIncidentsStore(settings.views)
    wait_until(lambda: str(incident_id_for("hotline", "FEED-2")) in views.load().rows, 60,
               message="the two reports")
    out = io.StringIO()
    written = asyncio.run(follow(settings.bootstrap_servers, settings.topics.events,
                                 "environment", keep_going=False, out=out))
    events = [orjson.loads(line) for line in out.getvalue().splitlines()]
    assert written == len(events) > 0
    by_incident: dict = {}
    for event in events:
        by_incident.setdefault(event["incident_id"], []).append(event)
    assert str(incident_id_for("hotline", "FEED-1")) in by_incident
    assert str(incident_id_for("hotline", "FEED-2")) not in by_incident
    for history in by_incident.values():
        assert history[0]["type"] == "Reported"
        assert any(e["type"] in ("Dispatched", "Reassigned") and "environment" in
                   (e["department"], *e.get("co_handling", ())) for e in history)


def test_the_worker_keeps_its_files_under_its_home_not_in_its_working_directory(worker):
    # Faust's default data directory is `<app id>-data` in the working directory (the
    # project root for WorkerProcess): every test or benchmark run left one behind.
    from infra.settings import PROJECT_ROOT
    settings = worker.settings
    assert not (PROJECT_ROOT / f"{settings.app_id}-data").exists()
    assert (settings.home / f"faust-{settings.app_id}").is_dir()
