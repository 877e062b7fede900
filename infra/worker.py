"""The worker: thin tasks on a Faust app that hand batches to `dispatch/` and publish the results.

- `route` takes `incidents.reported` and `handle` takes `incidents.commands`, in batches
  (infra/inbound_consumer.py: plain consumers in the groups `<app id>.route` and
  `<app id>.commands`, each partition started at the position the store tracked):
  prepare (skip recorded positions, decode), publish dead letters and wait for the
  broker's ack, then record events and tracking in one store transaction
  (infra/inbound_steps.py). Only then are the offsets committed.
- the relay task tails the store onto `incidents.events`.
- the SLA watcher, every second, records the at-risk / breached / escalation alerts due
  (infra/sla_ticks.py).
- the live views: built from the store at start, then following `incidents.events` from
  where it ended before (infra/projector.py) until the worker holds the store's lease;
  from then on its relay feeds them each batch it has published (infra/lease_tasks.py).
Several workers may share one store (`worker --processes N`): Kafka splits the inbound
partitions between them, and the one holding the store's lease (infra/lease.py) runs
the relay and the SLA watcher; another takes over when it dies (infra/lease_tasks.py).
"""
from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timezone

import faust
from prometheus_client import start_http_server

from dispatch.service_layer.handle_commands import HandleCommands
from dispatch.service_layer.inbound import InboundMessage
from dispatch.service_layer.route_reports import RouteReports
from infra.inbound_consumer import consume_batches
from infra.inbound_steps import InboundSteps
from infra.kafka_io import RenewableProducer
from infra.faust_app import worker_app
from infra.gc_policy import BatchSurvivorCollections
from infra.kafka_probe import end_offsets
from infra.keep_running import keep_running
from infra.lease import StoreLease
from infra.lease_tasks import LeaseTasks
from infra.live_views import LiveViews
from infra.metrics import registry_for
from infra.projector import follow_events
from infra.rebuild import views_from_store
from infra.relay import Relay
from infra.settings import Settings
from infra.sla_ticks import SlaTicks
from infra.store import store_identity
from infra.view_store import OpenIncidentsStore
from policies.duplicates import DuplicateRules
from policies.escalation import EscalationPolicy

log = logging.getLogger("grid_dispatch.worker")


def create_worker_app(settings: Settings, bootstrap: str, route_reports: RouteReports,
                      handle_commands: HandleCommands, view_store: OpenIncidentsStore) -> faust.App:
    app = worker_app(settings, bootstrap)
    topics = settings.topics
    # Views start from the store (the truth), then follow the topic from where it ended
    # before they were built, or this worker's relay (infra/lease_tasks.py); events seen
    # twice are dropped by (incident id, version).
    events_from = end_offsets(bootstrap, topics.events)
    view_store.claim_for(store_identity(route_reports.service))
    views = views_from_store(route_reports.service, show_progress=False,
                             duplicate_rules=DuplicateRules.load(settings.duplicates_path),
                             keep_finished=settings.keep_finished, on_release=view_store.save_rows)
    # The route step finds the originals of repeated reports in the views' index, which
    # the event stream keeps current (closings included) for every worker alike.
    route_reports.duplicates = views.duplicates
    view_store.catch_up(views.open_incidents)
    views.take_changed_open()
    registry, metrics = registry_for(views)
    if settings.metrics_port:
        start_http_server(settings.metrics_port, addr="127.0.0.1", registry=registry)
    # aiokafka binds a producer to the running loop: they are started once the worker
    # runs, and made anew after a failure (one for dead letters, one for the relay).
    ready = asyncio.Event()
    letters_producer, relay_producer = RenewableProducer(bootstrap), RenewableProducer(bootstrap)
    relay = Relay(route_reports.service, None, topics.events, settings.batch_size,
                  on_published=metrics.published.inc)

    live = LiveViews(views, view_store)
    leasing = LeaseTasks(StoreLease(settings.store), relay, relay_producer, live.apply,
                         lambda apply, drain: follow_events(
                             bootstrap, topics.events, settings.projector_group,
                             settings.batch_size, apply, events_from, drain),
                         feed=live.offer)

    @app.task
    async def start_producers_and_relay() -> None:
        await letters_producer.get()
        ready.set()
        await leasing.relay_once_held(str(settings.worker_index))

    @app.task
    async def follow() -> None:
        await leasing.follow_until_held()

    steps = InboundSteps(letters_producer, topics.deadletter, metrics, ready)
    gc_after_batches = BatchSurvivorCollections()

    async def route(messages: list[InboundMessage]) -> None:
        started = time.perf_counter()
        outcome = await steps.through(route_reports, messages)
        metrics.reports.inc(len(outcome.recorded))
        metrics.duplicates.inc(outcome.duplicates)
        metrics.merged.inc(outcome.merged)
        metrics.batch_seconds.observe(time.perf_counter() - started)
        if outcome.recorded:
            relay.wakeup.set()
        gc_after_batches.after_batch()

    async def handle(messages: list[InboundMessage]) -> None:
        outcome = await steps.through(handle_commands, messages)
        metrics.commands.labels("applied").inc(outcome.applied)
        metrics.commands.labels("rejected").inc(outcome.rejected)
        metrics.commands.labels("duplicate").inc(outcome.duplicates)
        if outcome.applied or outcome.rejected:
            relay.wakeup.set()
        gc_after_batches.after_batch()

    tracked = route_reports.service.tracked_position

    @app.task
    async def consume_reports() -> None:
        await keep_running("route consumer", lambda: consume_batches(
            bootstrap, topics.reported, settings.route_group, settings.batch_size, tracked, route))

    @app.task
    async def consume_commands() -> None:
        await keep_running("command consumer", lambda: consume_batches(
            bootstrap, topics.commands, settings.commands_group, settings.batch_size, tracked,
            handle))

    sla_ticks = SlaTicks(route_reports.service, views, EscalationPolicy.load(),
                         set(route_reports.dispatcher.territory.departments))

    @app.timer(interval=1.0)
    async def watch_sla() -> None:
        await ready.wait()
        try:
            if await sla_ticks.tick(leasing.feeding.is_set(), datetime.now(timezone.utc)):
                relay.wakeup.set()
        except Exception:  # an alert that cannot be recorded must not stop dispatching
            log.exception("SLA watcher tick failed; trying again in a second")
        try:
            await live.flush()   # rows a failed save left, when no batch came since
        except Exception:
            log.exception("saving the views file failed; trying again in a second")

    @app.on_before_shutdown.connect
    async def finish_saves_and_stop_producers(app, **kwargs) -> None:
        await live.close()
        await letters_producer.stop()
        await relay_producer.stop()

    return app
