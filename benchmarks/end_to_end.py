"""Incidents per second from publish to visible in the projection, beside raw aiokafka.

Both paths move the same messages through the same broker in the same run:
- raw: aiokafka produces them to a 6-partition topic and one consumer reads them all back,
  twice: published as the engine's are (a batch per partition at a time), then with a
  send a record (aiokafka's usual way, and what the benchmark's publisher did before
  session 22);
- engine: the same messages go to `incidents.reported`; the clock stops when the last
  incident is visible as decided (dispatched, queued, or merged as a repeat) in the
  open-incidents view (through route, store, relay to `incidents.events`, and the projector);
  with one worker process, with `worker --processes 2` (one per core), and with
  `worker --processes 2 --split` (one routes, one relays and keeps the views).
Reports are stamped with the time they are published, as a live platform's are: old
report times would put every incident past its deadlines on arrival, so each would also
fire its SLA alerts at once, which is not what a city's peak looks like.
The figure to read is the ratio; absolute rates depend on the machine.
"""
from __future__ import annotations

import asyncio
import itertools
import os
import tempfile
import time
import uuid
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path

import orjson
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from benchmarks.cpu_accounting import CpuSample, per_incident_table, sample, spent
from benchmarks.worker_settings import tuning, worker_settings
from infra.broker import LocalBroker
from infra.kafka_io import produce
from infra.local_postgres import LocalPostgres
from infra.settings import PROJECT_ROOT
from infra.simulated_city import SHANGHAI, simulated_reports
from infra.topics import delete_run_topics_sync, delete_topics, ensure_topics_sync
from infra.view_store import OpenIncidentsStore
from infra.worker_pool import restarts_in
from infra.worker_process import WorkerProcess, wait_until


async def raw_round_trip(bootstrap: str, records: list[tuple[bytes, bytes]],
                         one_by_one: bool = False) -> tuple[float, CpuSample]:
    topic = f"bench-raw-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(topic, 6, 1)])
    await admin.close()
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                group_id=f"bench-{topic}")
    await consumer.start()
    try:
        before, started = sample(), time.perf_counter()
        producing = asyncio.create_task(produce(bootstrap, topic, records, one_by_one))
        seen = 0
        while seen < len(records):
            batches = await consumer.getmany(timeout_ms=200, max_records=5000)
            seen += sum(len(batch) for batch in batches.values())
        await producing
        return time.perf_counter() - started, spent(before, sample())
    finally:
        await consumer.stop()
        await delete_topics(bootstrap, [topic])


def engine_round_trip(bootstrap: str, home: Path, records: list[tuple[bytes, bytes]],
                      processes: int = 1, split: bool = False,
                      postgres: LocalPostgres | None = None
                      ) -> tuple[float, CpuSample, list[float], list[str]]:
    """(seconds, CPU spent, incidents a second by fifth of the run's incidents, the pool's
    lines telling of a worker that exited and was started again)."""
    tag = uuid.uuid4().hex[:8]
    store_url = postgres.create_database(f"bench_{tag}") if postgres else None
    settings = worker_settings(home / tag, bootstrap, tag, store_url=store_url)
    ensure_topics_sync(bootstrap, settings.topics)
    worker = WorkerProcess.start(settings, bootstrap, processes=processes, split=split)
    try:
        views = OpenIncidentsStore(settings.views)
        # Warm up: every worker has joined the route group, and one incident is through.
        worker.wait_until_routing(bootstrap)
        warmup = [(b"warmup", orjson.dumps(next(simulated_reports(1, run_id=f"warm-{tag}"))))]
        asyncio.run(produce(bootstrap, settings.topics.reported, warmup))
        wait_until(lambda: views.decided_count() == 1, 120, message="worker warm-up")
        group = worker.process.pid   # started in a session of its own: its group's id
        supervisor = group if processes > 1 else None
        before, started = sample(group, supervisor), time.perf_counter()
        asyncio.run(produce(bootstrap, settings.topics.reported, records))
        looks = wait_for_decided(views, len(records) + 1, 600, started)
        seconds, used = time.perf_counter() - started, spent(before, sample(group, supervisor))
        by_fifth = rates_by_fifth([(t, n - 1) for t, n in looks], len(records))
    finally:
        worker.stop()
        delete_run_topics_sync(bootstrap, settings.topics, settings.app_id)
    return seconds, used, by_fifth, restarts_in(worker.log())


def wait_for_decided(views: OpenIncidentsStore, count: int, timeout: float,
                     started: float | None = None, finest: float = 0.05,
                     coarsest: float = 0.25) -> list[tuple[float, int]]:
    """Until `count` incidents are decided in the views file; the looks taken, as (seconds
    from `started`, a `time.perf_counter()`, else from the call; incidents decided).
    Each look counts the whole file (5 ms of CPU at 100,000 rows): looking every 50 ms
    throughout took the engine's CPU from it (the publisher's process went from about 20
    to 27-31 µs an incident over 100,000). So it looks every `finest` seconds near the
    end and up to `coarsest` apart before: a quarter of the time the rest should take at
    the rate seen so far."""
    started = time.perf_counter() if started is None else started
    deadline = time.perf_counter() + timeout
    looks: list[tuple[float, int]] = []
    while True:
        seen = views.decided_count()
        now = time.perf_counter()
        looks.append((now - started, seen))
        if seen >= count:
            return looks
        if now > deadline:
            raise TimeoutError(f"timed out after {timeout}s with {seen} of {count} "
                               "incidents in the view")
        rate = seen / (now - started) if seen > 1 else 0.0
        time.sleep(min(max(finest, (count - seen) / rate / 4 if rate else finest), coarsest))


def rates_by_fifth(looks: list[tuple[float, int]], count: int) -> list[float]:
    """Incidents a second within each fifth of `count`, from the looks' (seconds, decided):
    when each fifth was crossed, found between the two looks around it (linearly), the
    first fifth timed from the start."""
    crossed, previous = [], (0.0, 0)
    marks = iter(count * k / 5 for k in range(1, 6))
    mark = next(marks)
    for seconds, seen in looks:
        while mark is not None and seen >= mark:
            (t0, n0) = previous
            crossed.append(t0 + (seconds - t0) * ((mark - n0) / (seen - n0) if seen > n0 else 1))
            mark = next(marks, None)
        previous = (seconds, seen)
    edges = [0.0, *crossed]
    return [count / 5 / (b - a) if b > a else float("inf") for a, b in itertools.pairwise(edges)]


def live(reports: list[dict]) -> list[tuple[bytes, bytes]]:
    now = datetime.now(SHANGHAI).isoformat(timespec="milliseconds")
    return [(r["report_id"].encode(), orjson.dumps(dict(r, reported_at=now))) for r in reports]


ENGINE_PATHS = {"one": (1, False), "two": (2, False), "split": (2, True)}   # worker processes


def run(count: int, store: str = "sqlite", paths: tuple[str, ...] = tuple(ENGINE_PATHS)) -> None:
    """`store`: `sqlite`, or `postgres` (a server of the benchmark's own, started here; a
    new database for each engine run). `paths`: which of the worker's set-ups to run
    (ENGINE_PATHS: one process, two, two split by role); raw runs always."""
    reports = list(simulated_reports(count, run_id=f"bench-{uuid.uuid4().hex[:6]}"))
    with tempfile.TemporaryDirectory(prefix="grid-dispatch-bench-") as tmp, \
            (LocalPostgres.temporary() if store == "postgres" else nullcontext()) as postgres:
        broker = None
        bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        if not bootstrap:
            broker = LocalBroker(Path(tmp) / "broker", PROJECT_ROOT / ".cache", with_starter=True)
            bootstrap = broker.start()
        try:
            raw, raw_cpu = asyncio.run(raw_round_trip(bootstrap, live(reports)))
            one_by_one, one_by_one_cpu = asyncio.run(raw_round_trip(bootstrap, live(reports),
                                                                    one_by_one=True))
            engine = {(processes, split): engine_round_trip(bootstrap, Path(tmp) / "engine",
                                                            live(reports), processes, split,
                                                            postgres)
                      for processes, split in (ENGINE_PATHS[name] for name in paths)}
        finally:
            if broker:
                broker.stop()
    on = ("a SQLite file" if store == "sqlite" else
          "PostgreSQL on the same machine (fsync off)")
    print(f"\nend to end, {count} incidents, one broker, 2-core machine, store: {on}; "
          f"worker settings: {tuning()}\n")
    print("| path | seconds | incidents/s | share of raw | share of raw, a send a record |")
    print("|---|---:|---:|---:|---:|")
    print(f"| raw aiokafka produce + consume | {raw:.2f} | {count / raw:,.0f} | 100% | "
          f"{one_by_one / raw:.0%} |")
    print(f"| raw aiokafka produce + consume, a send a record | {one_by_one:.2f} | "
          f"{count / one_by_one:,.0f} | {raw / one_by_one:.0%} | 100% |")
    spending = {"raw aiokafka": (raw_cpu, count),
                "raw aiokafka, a send a record": (one_by_one_cpu, count)}
    fifths, restarts = {}, {}
    for (processes, split), (seconds, used, by_fifth, restarted) in engine.items():
        path = (f"engine, {processes} worker process{'es' if processes > 1 else ''}"
                f"{' (--split)' if split else ''}")
        print(f"| {path}: publish -> visible in view | {seconds:.2f} | "
              f"{count / seconds:,.0f} | {raw / seconds:.1%} | {one_by_one / seconds:.1%} |")
        spending[path], fifths[path], restarts[path] = (used, count), by_fifth, restarted
    print(f"\nIncidents/s within each fifth of the {count:,}, from the views file's looks (the "
          "first fifth timed from the start of publishing, so it holds the pipeline filling; "
          "the last holds its draining and the views file's last save):\n")
    print("| path | 1st | 2nd | 3rd | 4th | 5th |\n|---|---:|---:|---:|---:|---:|")
    for path, by_fifth in fifths.items():
        print(f"| {path} | " + " | ".join(f"{rate:,.0f}" for rate in by_fifth) + " |")
    print(per_incident_table(
        "\nCPU an incident, µs, by process (from /proc; at 10,000 incidents/s two cores "
        "give 200 µs an incident to everything):", spending))
    # A worker started again midway costs its run seconds (its pause and its start): named,
    # so that such a run is not read as the engine's rate.
    for path, restarted in restarts.items():
        print(f"\n{path}: a worker exited and was started again: " + "; ".join(restarted)
              if restarted else f"\n{path}: no worker exited during the run")
