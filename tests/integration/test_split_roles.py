"""`worker --processes N --split`: worker 0 relays, keeps the views and watches SLAs; the
others route reports and handle commands. With two, reports and commands go through, and
the outbound one, killed with -9, is started again by the pool and publishes every stored
event. With three, the two routing workers share the reports, and each finds the open
originals the other recorded (it follows `incidents.events` into its duplicate index)."""
import os
import signal
import time

import orjson

from dispatch.domain.incident import incident_id_for
from infra.worker_pool import restarts_in
from infra.worker_process import WorkerProcess
from policies.duplicates import DuplicateRules
from tests.integration.test_worker_pool import (PoolWorld, children_of, open_incidents,
                                                reports_routed)
from tests.support import publish, wait_until

HALF = 200


def role_of(pid: int) -> str:
    with open(f"/proc/{pid}/environ", "rb") as environ:
        pairs = dict(item.split(b"=", 1) for item in environ.read().split(b"\0") if b"=" in item)
    return pairs[b"GRID_DISPATCH_WORKER_ROLE"].decode()


def test_one_worker_routes_the_other_relays_and_projects(kafka_bootstrap, tmp_path):
    world = PoolWorld(kafka_bootstrap, tmp_path, 2 * HALF, "split")
    port, settings, ids, service = world.port, world.settings, world.ids, world.service
    lease, stored, send, reports = world.lease, world.stored, world.send, world.reports

    pool = WorkerProcess.start(settings, kafka_bootstrap, processes=2, split=True)
    try:
        # Only the inbound worker joins the route group.
        pool.wait_until_routing(kafka_bootstrap)
        send(reports[:HALF])
        wait_until(lambda: stored(ids[:HALF]), 90, message="first half recorded")
        wait_until(lambda: reports_routed(port + 1) > 0, 30, message="the inbound one's metrics")
        assert reports_routed(port) == 0   # the outbound one routes nothing
        wait_until(lambda: lease.path.exists() and lease.path.read_text().strip(), 30,
                   message="a lease holder")
        outbound = int(lease.path.read_text())
        assert role_of(outbound) == "outbound"
        assert sorted(role_of(pid) for pid in children_of(pool.process.pid)) == \
            ["inbound", "outbound"]

        # Commands are handled by the inbound one; their events reach the topic.
        urged = ids[:HALF:20]
        publish(kafka_bootstrap, settings.topics.commands, [
            (str(incident).encode(), orjson.dumps({
                "type": "urge", "command_id": f"urge-{incident}", "incident_id": str(incident),
                "issued_by": "sup", "at": "2026-11-26T12:00:00+08:00"}))
            for incident in urged])

        def all_answered() -> bool:   # (an incident merged as a repeat refuses it, visibly)
            return all(any(e.topic.endswith(("Urged", "CommandRejected"))
                           for e in service.recorder.select_events(i)) for i in urged)
        wait_until(all_answered, 60, message="every urge recorded or refused")

        assert restarts_in(pool.log()) == []   # none died of its own, at its start or since

        # The relaying worker killed: the pool starts it again, and it goes on.
        os.kill(outbound, signal.SIGKILL)
        send(reports[HALF:])
        wait_until(lambda: stored(ids), 120, message="second half recorded")
        wait_until(lambda: int(lease.path.read_text() or 0) not in (0, outbound), 60,
                   message="the outbound worker started again, holding the lease")

        world.assert_every_stored_event_published()
        expected = world.open_incidents_in_store()
        wait_until(lambda: open_incidents(port) == expected, 60,
                   message="the outbound worker's views equal to the store's")
        assert open_incidents(port + 1) == {}   # the inbound one keeps no such view
    finally:
        pool.stop()
        print(pool.log()[-3000:])


def mergeable(report: dict, rules: DuplicateRules) -> bool:
    """A report a copy of which, under another report id, repeats it (same place)."""
    location = report["location"]
    return rules.window_for(report["category"]) is not None and bool(
        location.get("qr_code") or location.get("address_id") or "lat" in location
        or rules.by_grid(report["category"]))


def test_three_processes_two_route_and_each_finds_the_others_originals(kafka_bootstrap,
                                                                       tmp_path):
    world = PoolWorld(kafka_bootstrap, tmp_path, 300, "split3", processes=3)
    port, settings, ids, service = world.port, world.settings, world.ids, world.service
    rules = DuplicateRules.load(settings.duplicates_path)
    # Keyed by their own report ids, about half the repeats go to the partitions of the
    # worker that did not record the original: detection across workers, or no merge.
    repeats = [dict(r, report_id=f"{r['report_id']}-again") for r in world.reports
               if mergeable(r, rules)][:40]
    repeat_ids = [incident_id_for(r["source"], r["report_id"]) for r in repeats]
    assert len(repeats) == 40

    pool = WorkerProcess.start(settings, kafka_bootstrap, processes=3, split=True)
    try:
        pool.wait_until_routing(kafka_bootstrap)   # both inbound workers in the route group
        assert sorted(role_of(pid) for pid in children_of(pool.process.pid)) == \
            ["inbound", "inbound", "outbound"]
        world.send(world.reports)
        wait_until(lambda: world.stored(ids), 90, message="the reports recorded")
        wait_until(lambda: reports_routed(port + 1) + reports_routed(port + 2) >= len(ids)
                   - 10, 30, message="the inbound workers' metrics")
        assert reports_routed(port + 1) > 0 and reports_routed(port + 2) > 0
        assert reports_routed(port) == 0
        world.assert_every_stored_event_published()
        time.sleep(3)   # for both inbound workers to read them into their indexes

        world.send(repeats)
        wait_until(lambda: world.stored(repeat_ids), 60, message="the repeats recorded")
        not_merged = [r["report_id"] for r, i in zip(repeats, repeat_ids)
                      if not any(e.topic.endswith("MergedAsDuplicate")
                                 for e in service.recorder.select_events(i))]
        assert not_merged == []

        world.assert_every_stored_event_published()
        expected = world.open_incidents_in_store()
        wait_until(lambda: open_incidents(port) == expected, 60,
                   message="the outbound worker's views equal to the store's")
        assert restarts_in(pool.log()) == []   # none died, at its start or since
    finally:
        pool.stop()
        print(pool.log()[-3000:])
