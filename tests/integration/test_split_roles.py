"""`worker --processes 2 --split`: one worker routes reports and handles commands, the other
relays, keeps the views and watches SLAs. Reports and commands go through; the outbound
one, killed with -9, is started again by the pool and publishes every stored event."""
import os
import signal

import orjson

from infra.worker_process import WorkerProcess
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
