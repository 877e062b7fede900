"""A broker that is not up yet, or crashes and comes back: the workers wait it out and go
on, nothing lost and nothing doubled, and their log says so in a few lines rather than
hundreds a second.

The brokers are these tests' own (the session's must stay up for the others)."""
import os
import signal
import time
from pathlib import Path

import orjson

from dispatch.domain.incident import incident_id_for
from infra.broker import LocalBroker
from infra.kafka_probe import broker_answers
from infra.settings import PROJECT_ROOT
from infra.simulated_city import simulated_reports
from infra.store import open_store
from infra.topics import ensure_topics_sync
from infra.worker_process import WorkerProcess
from tests.support import consume_all, isolated_settings, publish, wait_until

PER_SIDE = 500


def test_a_split_pool_rides_out_a_broker_crash(tmp_path: Path):
    broker = LocalBroker(tmp_path / "broker", PROJECT_ROOT / ".cache", with_starter=True)
    bootstrap = broker.start()
    settings = isolated_settings(tmp_path / "pool", bootstrap)
    ensure_topics_sync(bootstrap, settings.topics)
    reports = list(simulated_reports(2 * PER_SIDE, run_id="broker-crash"))
    ids = [incident_id_for(r["source"], r["report_id"]) for r in reports]
    service = open_store(settings)

    def send(chunk) -> None:
        publish(bootstrap, settings.topics.reported,
                [(r["report_id"].encode(), orjson.dumps(r)) for r in chunk])

    pool = WorkerProcess.start(settings, bootstrap, processes=2, split=True)
    try:
        pool.wait_until_routing(bootstrap)
        send(reports[:PER_SIDE])
        wait_until(lambda: len(service.existing(ids[:PER_SIDE])) == PER_SIDE, 60,
                   message="the reports before the crash stored")
        os.kill(broker.status().pid, signal.SIGKILL)
        down_at = time.monotonic()
        time.sleep(35)   # (the clients' retries go on meanwhile: past one window of held repeats)
        assert pool.alive()
        assert broker.start() == bootstrap
        down = time.monotonic() - down_at
        send(reports[PER_SIDE:])
        wait_until(lambda: len(service.existing(ids)) == len(ids), 120,
                   message="the reports after the broker came back stored")

        for incident in ids:   # each report once: one incident, routed once
            kinds = [e.topic.rsplit(".", 1)[-1] for e in service.recorder.select_events(incident)]
            assert kinds.count("Reported") == 1 and kinds.count("Dispatched") + \
                kinds.count("QueuedForManualDispatch") + kinds.count("MergedAsDuplicate") == 1
        stored = {(str(n.originator_id), n.originator_version)
                  for n in service.notifications_after(0, 1_000_000) if "incident:" in n.topic}

        def everything(messages) -> bool:
            return stored <= {(orjson.loads(m.value)["incident_id"],
                               orjson.loads(m.value)["version"]) for m in messages}
        assert everything(consume_all(bootstrap, settings.topics.events, until=everything,
                                      timeout=120))
        complaints = [line for line in pool.log().splitlines()
                      if "[ERROR]" in line or "[WARNING]" in line]
        # Without holding repeats: some 230 lines a second a process (infra/log_repeats.py).
        assert 0 < len(complaints) < 4 * down, "\n".join(complaints[-40:])
        assert "more like it in the last" in pool.log()   # a window's count went out
        assert "--- Logging error ---" not in pool.log()
    finally:
        pool.stop()
        broker.stop()


def test_a_worker_started_before_its_broker_waits_for_it_then_routes(tmp_path: Path):
    broker = LocalBroker(tmp_path / "broker", PROJECT_ROOT / ".cache", with_starter=True)
    bootstrap = broker.start()   # (once, for its address and topics: then down)
    settings = isolated_settings(tmp_path / "worker", bootstrap)
    ensure_topics_sync(bootstrap, settings.topics)
    assert broker_answers(bootstrap) is None
    broker.stop()
    assert broker_answers(bootstrap) is not None
    worker = WorkerProcess.start(settings, bootstrap)
    try:
        wait_until(lambda: "waiting for the broker at " + bootstrap in worker.log(), 30,
                   message="the worker saying it waits")
        time.sleep(3)
        assert worker.alive()
        assert broker.start() == bootstrap
        worker.wait_until_routing(bootstrap)
        report = next(simulated_reports(1, run_id="late-broker"))
        publish(bootstrap, settings.topics.reported,
                [(report["report_id"].encode(), orjson.dumps(report))])
        service = open_store(settings)
        incident = incident_id_for(report["source"], report["report_id"])
        wait_until(lambda: service.existing([incident]) == {incident}, 60,
                   message="the report routed")
        assert "the broker at " + bootstrap + " answers, after" in worker.log()
    finally:
        worker.stop()
        broker.stop()
