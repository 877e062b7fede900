"""`worker --processes 2 --split`: one worker routes reports and handles commands, the other
relays, keeps the views and watches SLAs. Reports and commands go through; the outbound
one, killed with -9, is started again by the pool and publishes every stored event."""
import os
import signal
from dataclasses import replace

import orjson

from dispatch.domain.incident import incident_id_for
from infra.kafka_probe import group_members
from infra.lease import StoreLease
from infra.rebuild import views_from_store
from infra.simulated_city import simulated_reports
from infra.store import sqlite_service
from infra.topics import ensure_topics_sync
from infra.worker_process import WorkerProcess
from tests.integration.test_worker_pool import (children_of, open_incidents, reports_routed,
                                                two_free_ports)
from tests.support import consume_all, isolated_settings, publish, wait_until

HALF = 200


def role_of(pid: int) -> str:
    with open(f"/proc/{pid}/environ", "rb") as environ:
        pairs = dict(item.split(b"=", 1) for item in environ.read().split(b"\0") if b"=" in item)
    return pairs[b"GRID_DISPATCH_WORKER_ROLE"].decode()


def test_one_worker_routes_the_other_relays_and_projects(kafka_bootstrap, tmp_path):
    port = two_free_ports()
    settings = replace(isolated_settings(tmp_path, kafka_bootstrap), metrics_port=port)
    ensure_topics_sync(kafka_bootstrap, settings.topics)
    reports = list(simulated_reports(2 * HALF, run_id="split"))
    ids = [incident_id_for(r["source"], r["report_id"]) for r in reports]
    service = sqlite_service(settings.store)
    lease = StoreLease(settings.store)

    def stored(incident_ids) -> bool:
        return len(service.existing(incident_ids)) == len(incident_ids)

    def send(chunk) -> None:
        publish(kafka_bootstrap, settings.topics.reported,
                [(r["report_id"].encode(), orjson.dumps(r)) for r in chunk])

    pool = WorkerProcess.start(settings, kafka_bootstrap, processes=2, split=True)
    try:
        # Only the inbound worker joins the route group.
        wait_until(lambda: group_members(kafka_bootstrap, settings.route_group) == ("Stable", 1),
                   120, interval=0.5, message="one worker in the route group")
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

        stored_events = {(str(n.originator_id), n.originator_version)
                         for n in service.notifications_after(0, 1_000_000) if "incident:" in n.topic}

        def everything(messages) -> bool:
            return stored_events <= {(orjson.loads(m.value)["incident_id"],
                                      orjson.loads(m.value)["version"]) for m in messages}
        assert everything(consume_all(kafka_bootstrap, settings.topics.events, until=everything,
                                      timeout=120))
        expected = views_from_store(service, show_progress=False).open_incidents.counts()
        wait_until(lambda: open_incidents(port) == expected, 60,
                   message="the outbound worker's views equal to the store's")
        assert open_incidents(port + 1) == {}   # the inbound one keeps no such view
    finally:
        pool.stop()
        print(pool.log()[-3000:])
