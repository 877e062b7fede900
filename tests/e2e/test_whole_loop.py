"""10,000 incidents through the whole closed loop on a real broker, checked against the store.

The simulated city publishes; the worker routes, merges repeats, records, relays and
watches; simulated departments, grid workers, supervisors and reporters answer on
`incidents.commands` until every incident is closed. Then the live views (the worker's
own, and a consumer's built from `incidents.events`, resends and all) must equal a
rebuild from the store, and no event may count twice anywhere.
"""
from __future__ import annotations

import asyncio
import time
import urllib.request
from collections import Counter
from dataclasses import replace

import orjson

from infra.demo import play
from infra.rebuild import views_from_store
from infra.simulated_city import expected_incident_ids, simulated_reports
from infra.store import sqlite_service
from infra.topics import ensure_topics_sync
from infra.view_store import OpenIncidentsStore
from projections.open_incidents import AWAITING_ROUTING, UNASSIGNED
from projections.views import Views
from tests.support import consume_all, free_ports, isolated_settings, start_worker

COUNT = 10_000


def quiet_store(service, seconds: float = 3.0, timeout: float = 120.0) -> int:
    """Wait until nothing new is stored for `seconds` (ratings follow closing)."""
    last, since, deadline = -1, time.monotonic(), time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = service.recorder.max_notification_id() or 0
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= seconds:
            return now
        time.sleep(0.5)
    raise AssertionError("the store kept changing")


def metric(text: str, name: str) -> float:
    return sum(float(line.split()[-1]) for line in text.splitlines()
               if line.startswith(name + " ") or line.startswith(name + "{"))


def test_10000_incidents_through_the_whole_loop_and_the_views_equal_a_rebuild(
        kafka_bootstrap, tmp_path):
    settings = replace(isolated_settings(tmp_path, kafka_bootstrap), policy_path=None,
                       metrics_port=free_ports())  # the demo's policy, as the departments expect
    ensure_topics_sync(kafka_bootstrap, settings.topics)
    worker = start_worker(settings)
    try:
        reports = list(simulated_reports(COUNT, run_id="whole-loop"))
        asyncio.run(play(settings, kafka_bootstrap, reports, worker, timeout=600, whole_loop=True))
        service = sqlite_service(settings.store)
        quiet_store(service)
        scraped = urllib.request.urlopen(
            f"http://127.0.0.1:{settings.metrics_port}/metrics", timeout=10).read().decode()
    finally:
        worker.stop()
        print(worker.log()[-3000:])
    wanted = expected_incident_ids(reports)
    rebuilt = views_from_store(service, show_progress=False)
    assert type(rebuilt.facts.facts).__name__ == "HandedOverTable"   # the native replay's
    stored = [(str(n.originator_id), n.originator_version, n.topic.rsplit(".", 1)[-1])
              for n in service.notifications_after(0, 10_000_000) if "incident:" in n.topic]

    # Every incident is closed, or open with a visible state, or in a named queue.
    rows = rebuilt.open_incidents.rows
    assert wanted <= set(rows)
    for incident_id in wanted:
        row = rows[incident_id]
        assert not row.is_open or row.holder not in (UNASSIGNED, AWAITING_ROUTING), row
    closed = sum(1 for i in wanted if not rows[i].is_open)
    assert closed == COUNT  # the simulated city answers until everything is closed

    # The worker's live views: its saved open-incidents table and its /metrics.
    assert OpenIncidentsStore(settings.views).load().rows == rows
    merged = sum(1 for f in rebuilt.facts.facts.values() if f.merged)
    assert metric(scraped, "grid_dispatch_reports_routed_total") == COUNT
    assert metric(scraped, "grid_dispatch_reports_merged_total") == merged > 0
    assert metric(scraped, "grid_dispatch_open_incidents") == 0

    # A consumer's views from the topic (resends included) equal the rebuild; applying the
    # whole topic a second time changes nothing.
    pairs = {(i, v) for i, v, _ in stored}
    seen: set = set()

    def everything(ms) -> bool:  # parses only what arrived since it last looked
        seen.update((e["incident_id"], e["version"]) for e in map(
            lambda m: orjson.loads(m.value), ms[everything.parsed:]))
        everything.parsed = len(ms)
        return pairs <= seen
    everything.parsed = 0
    messages = consume_all(kafka_bootstrap, settings.topics.events, timeout=120, until=everything)
    events = [orjson.loads(m.value) for m in messages]
    assert pairs == {(e["incident_id"], e["version"]) for e in events}
    live = Views()
    for start in range(0, len(events), 500):
        live.apply(events[start:start + 500])
    assert live.state() == rebuilt.state()
    live.apply(events)
    assert live.state() == rebuilt.state()

    # No event counts twice: each view's tallies match the stored events one to one.
    kinds = Counter(kind for _, _, kind in stored)
    facts = rebuilt.facts.facts.values()
    assert sum(len(f.dispatches) for f in facts) == kinds["Dispatched"] + kinds["Reassigned"]
    assert sum(len(f.returns) for f in facts) == kinds["Returned"]
    assert sum(len(f.verifications) for f in facts) == kinds["Closed"] + kinds["Reopened"]
    assert sum(1 for f in facts if f.rated) == kinds["Rated"]
    last_version = Counter()
    for incident_id, version, _ in stored:
        last_version[incident_id] = max(last_version[incident_id], version)
    assert {i: f.version for i, f in rebuilt.facts.facts.items()} == dict(last_version)
    accepted = sum(1 for row in rebuilt.sla.incidents.values() for c in row.clocks
                   if c.stage == "handle")
    assert accepted == kinds["Accepted"]

