"""The worker: thin tasks on a Faust app that hand batches to `dispatch/` and publish the results.

- `route` takes `incidents.reported` and `handle` takes `incidents.commands`, in batches
  (infra/inbound_consumer.py: plain consumers in the groups `<app id>.route` and
  `<app id>.commands`, each partition started at the position the store tracked):
  prepare (skip recorded positions, decode), publish dead letters and wait for the
  broker's ack, then record events and tracking in one store transaction. Only then are
  the offsets committed.
- the relay task tails the store onto `incidents.events`.
- the SLA watcher, every second, records the at-risk / breached / escalation alerts due.
- `follow` consumes `incidents.events` into the live views (infra/projector.py: a plain
  consumer in the named group `<app id>.project-views`, `.project-views.<n>` for worker n:
  every worker's views need every event).
Several workers may share one store (`worker --processes N`): Kafka splits the inbound
partitions between them, and the one holding the store's lease (infra/lease.py) runs
the relay and the SLA watcher; another takes over when it dies.
"""
from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timezone

import faust
from prometheus_client import start_http_server

from dispatch.service_layer.handle_commands import CommandOutcome, HandleCommands
from dispatch.service_layer.sla_watcher import SlaWatcher
from dispatch.service_layer.inbound import InboundMessage
from dispatch.service_layer.route_reports import RouteOutcome, RouteReports
from infra.batch_retry import resiliently
from infra.dead_letters import dead_letter_record
from infra.kafka_io import new_producer
from infra.inbound_consumer import consume_batches
from infra.lease import StoreLease
from infra.metrics import registry_for
from infra.projector import follow_events
from infra.rebuild import views_from_store
from infra.relay import Relay
from infra.settings import Settings
from infra.view_store import OpenIncidentsStore
from policies.duplicates import DuplicateRules
from policies.escalation import EscalationPolicy

log = logging.getLogger("grid_dispatch.worker")
# What a step did with a message it could only dead-letter.
NOTHING = {RouteReports: RouteOutcome([], 0, 0), HandleCommands: CommandOutcome(0, 0, 0)}


def create_worker_app(settings: Settings, bootstrap: str, route_reports: RouteReports,
                      handle_commands: HandleCommands, view_store: OpenIncidentsStore) -> faust.App:
    app = faust.App(
        settings.app_id,
        broker=f"kafka://{bootstrap}",
        store="memory://",
        web_enabled=False,
        topic_replication_factor=1,
        topic_partitions=6,
        producer_linger=0.005,
        # The app still joins its own group (`<app id>`, no topics) before its tasks run; a
        # worker killed with -9 holds a place in it until its session times out, which
        # would hold a restarted worker back for Faust's default of 60 s.
        broker_session_timeout=10.0,
    )
    topics = settings.topics
    # Views start from the store (the truth), then follow the stream; events both saw
    # are dropped by (incident id, version).
    views = views_from_store(route_reports.service, show_progress=False,
                             duplicate_rules=DuplicateRules.load(settings.duplicates_path))
    # The route step finds the originals of repeated reports in the views' index, which
    # the event stream keeps current (closings included) for every worker alike.
    route_reports.duplicates = views.duplicates
    view_store.replace(views.open_incidents)
    views.take_changed_open()
    registry, metrics = registry_for(views)
    if settings.metrics_port:
        start_http_server(settings.metrics_port, addr="127.0.0.1", registry=registry)
    # aiokafka binds a producer to the running loop, so it is made once the worker runs.
    ready = asyncio.Event()
    leading = asyncio.Event()   # this worker holds the store's lease
    lease = StoreLease(settings.store)
    parts: dict[str, object] = {}

    @app.task
    async def start_producer_and_relay() -> None:
        producer = new_producer(bootstrap)
        await producer.start()
        relay = Relay(route_reports.service, producer, topics.events, settings.batch_size,
                      on_published=metrics.published.inc)
        parts.update(producer=producer, relay=relay)
        ready.set()
        while not lease.try_acquire():   # another worker relays; take over if it stops
            await asyncio.sleep(1.0)
        log.info("worker %s holds the store's lease: relay and SLA watcher run here",
                 settings.worker_index)
        leading.set()
        await relay.run()

    async def publish_dead_letters(letters) -> None:
        deliveries = []
        for letter in letters:
            key, value, headers = dead_letter_record(letter)
            log.warning("dead letter %s:%s: %s", letter.message.stream, letter.message.offset,
                        letter.reason)
            deliveries.append(await parts["producer"].send(topics.deadletter, value, key=key,
                                                           headers=headers))
        await asyncio.gather(*deliveries)
        metrics.dead_letters.inc(len(deliveries))

    async def through(step, messages: list[InboundMessage]):
        """Prepare, publish the dead letters (acknowledged before anything is recorded,
        so none is lost in a crash), then record: the shape of every inbound step."""
        lettered: set[tuple[str, int]] = set()  # a retried batch sends its dead letters once

        async def once(part):
            prepared = await asyncio.to_thread(step.prepare, part)
            await ready.wait()
            letters = [letter for letter in prepared.dead_letters
                       if (letter.message.stream, letter.message.offset) not in lettered]
            if letters:
                await publish_dead_letters(letters)
                lettered.update((m.message.stream, m.message.offset) for m in letters)
            return await asyncio.to_thread(step.record, prepared)

        return await resiliently(once, messages, NOTHING[type(step)], publish_dead_letters,
                                 metrics.retried_batches.labels(type(step).__name__).inc)

    async def route(messages: list[InboundMessage]) -> None:
        started = time.perf_counter()
        outcome = await through(route_reports, messages)
        metrics.reports.inc(len(outcome.recorded))
        metrics.duplicates.inc(outcome.duplicates)
        metrics.merged.inc(outcome.merged)
        metrics.batch_seconds.observe(time.perf_counter() - started)
        if outcome.recorded:
            parts["relay"].wakeup.set()

    async def handle(messages: list[InboundMessage]) -> None:
        outcome = await through(handle_commands, messages)
        metrics.commands.labels("applied").inc(outcome.applied)
        metrics.commands.labels("rejected").inc(outcome.rejected)
        metrics.commands.labels("duplicate").inc(outcome.duplicates)
        if outcome.applied or outcome.rejected:
            parts["relay"].wakeup.set()

    tracked = route_reports.service.tracked_position

    @app.task
    async def consume_reports() -> None:
        await consume_batches(bootstrap, topics.reported, settings.route_group,
                              settings.batch_size, tracked, route)

    @app.task
    async def consume_commands() -> None:
        await consume_batches(bootstrap, topics.commands, settings.commands_group,
                              settings.batch_size, tracked, handle)

    escalation = EscalationPolicy.load()

    @app.timer(interval=1.0)
    async def watch_sla() -> None:
        await ready.wait()
        if not leading.is_set():
            views.take_changed_sla()   # the leader watches; a new one schedules from the views
            return
        if "watcher" not in parts:
            parts["watcher"] = SlaWatcher(route_reports.service, views, escalation,
                                          set(route_reports.dispatcher.territory.departments))
        watcher = parts["watcher"]
        try:
            due = watcher.plan(datetime.now(timezone.utc))   # in the loop: it reads the views
            if due and await asyncio.to_thread(watcher.record, due):
                parts["relay"].wakeup.set()
        except Exception:  # an alert that cannot be recorded must not stop dispatching
            log.exception("SLA watcher tick failed; trying again in a second")

    async def project(events: list[dict]) -> None:
        views.apply(events)
        await asyncio.to_thread(view_store.save, views.open_incidents, views.take_changed_open())

    @app.task
    async def follow() -> None:
        await follow_events(bootstrap, topics.events, settings.projector_group,
                            settings.batch_size, project)

    @app.on_before_shutdown.connect
    async def stop_producer(app, **kwargs) -> None:
        if "producer" in parts:
            await parts["producer"].stop()

    return app
