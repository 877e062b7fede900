"""kill -9 the worker at random moments while reports and commands flow; nothing is lost,
nothing counts twice, and the shared log holds every stored event."""
import random
import time
from collections import Counter
from dataclasses import replace

import orjson
import pytest

from dispatch.domain.incident import incident_id_for
from infra.simulated_city import simulated_reports
from infra.store import open_store
from infra.topics import ensure_topics_sync
from tests.support import consume_all, isolated_settings, publish, start_worker, wait_until

CYCLES, CHUNK = 5, 400


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_kill_minus_nine_five_times_loses_and_doubles_nothing(kafka_bootstrap, tmp_path, store,
                                                              request):
    rng = random.Random(9)
    settings = isolated_settings(tmp_path, kafka_bootstrap)
    if store == "postgres":
        settings = replace(settings, store_url=request.getfixturevalue("postgres_url"))
    ensure_topics_sync(kafka_bootstrap, settings.topics)
    reports = list(simulated_reports(CHUNK * CYCLES, run_id="crash"))
    ids = [incident_id_for(r["source"], r["report_id"]) for r in reports]
    service = open_store(settings)
    urges: Counter = Counter()   # incident -> distinct urge commands sent

    def stored(incident_ids) -> bool:
        return len(service.existing(incident_ids)) == len(incident_ids)

    def took_effect(incident) -> int:
        """Urges applied; or refused, only to a report merged into another (closed at once)."""
        kinds = [e.topic.rsplit(".", 1)[-1] for e in service.recorder.select_events(incident)]
        if "MergedAsDuplicate" in kinds:
            return kinds.count("CommandRejected") - 2 * kinds.count("Urged")  # none applied
        return kinds.count("Urged") - 2 * kinds.count("CommandRejected")     # none refused

    for cycle in range(CYCLES):
        worker = start_worker(settings)
        try:
            if cycle:  # the previous chunk is recorded: now command its incidents, some twice
                previous = ids[(cycle - 1) * CHUNK:cycle * CHUNK]
                wait_until(lambda: stored(previous), 90, message=f"chunk {cycle - 1} recorded")
                commands = []
                for n, incident in enumerate(previous[::4]):
                    body = orjson.dumps({"type": "urge", "command_id": f"urge-{cycle}-{n}",
                                         "incident_id": str(incident), "issued_by": "sup",
                                         "at": "2026-11-26T12:00:00+08:00", "note": "hurry"})
                    commands += [(str(incident).encode(), body)] * (2 if n % 3 == 0 else 1)
                    urges[incident] += 1
                publish(kafka_bootstrap, settings.topics.commands, commands)
            chunk = reports[cycle * CHUNK:(cycle + 1) * CHUNK]
            publish(kafka_bootstrap, settings.topics.reported,
                    [(r["report_id"].encode(), orjson.dumps(r)) for r in chunk])
            time.sleep(rng.uniform(0.5, 3.0))
        finally:
            worker.kill()

    worker = start_worker(settings)
    try:
        wait_until(lambda: stored(ids), 120, message="every report recorded")
        wait_until(lambda: sum(took_effect(i) for i in urges) >= sum(urges.values()),
                   120, message="every command applied")
        time.sleep(2)  # anything still in flight would show up as a double now
        for incident in ids:
            events = service.recorder.select_events(incident)
            kinds = [e.topic.rsplit(".", 1)[-1] for e in events]
            assert kinds.count("Reported") == 1 and kinds.count("Dispatched") + \
                kinds.count("QueuedForManualDispatch") + kinds.count("MergedAsDuplicate") == 1
            assert took_effect(incident) == urges.get(incident, 0)
        stored_events = {(str(n.originator_id), n.originator_version)
                         for n in service.notifications_after(0, 1_000_000) if "incident:" in n.topic}

        def everything(messages) -> bool:
            return stored_events <= {(orjson.loads(m.value)["incident_id"], orjson.loads(m.value)["version"])
                                     for m in messages}
        published = consume_all(kafka_bootstrap, settings.topics.events, until=everything, timeout=120)
        assert everything(published)
    finally:
        worker.stop()
        print(worker.log()[-3000:])
