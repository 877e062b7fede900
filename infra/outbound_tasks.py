"""The outbound half of a worker: the relay, the live views and the SLA watcher.

The relay and the watcher run only while this worker holds the store's lease
(infra/lease_tasks.py); until then the views follow `incidents.events` (infra/projector.py).
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone

import faust

from dispatch.service_layer.route_reports import RouteReports
from infra.gc_policy import BatchSurvivorCollections
from infra.kafka_io import RenewableProducer
from infra.lease_tasks import LeaseTasks
from infra.live_views import LiveViews
from infra.metrics import WorkerMetrics
from infra.projector import follow_events
from infra.relay import Relay
from infra.settings import Settings
from infra.sla_ticks import SlaTicks
from infra.store import relay_wakeups, store_lease
from infra.view_store import OpenIncidentsStore
from policies.escalation import EscalationPolicy
from projections.views import Views

log = logging.getLogger("grid_dispatch.worker")
OUTBOUND_POLL = 0.005   # seconds between looks at the store for an outbound-only relay


def add_outbound_tasks(app: faust.App, settings: Settings, bootstrap: str,
                        route_reports: RouteReports, view_store: OpenIncidentsStore,
                        views: Views, metrics: WorkerMetrics, events_from: dict[int, int],
                        ready: asyncio.Event) -> LeaseTasks:
    """The relay, the live views and the SLA watcher: the relay and the watcher only while
    this worker holds the store's lease (infra/lease_tasks.py), as the returned tasks tell."""
    topics = settings.topics
    relay_producer = RenewableProducer(bootstrap)
    # Woken by the steps that record, in this process and (once it relays) in the others
    # (infra/relay_wakeup.py). Where the others cannot wake it, an outbound-only relay
    # looks for their rows every few milliseconds (a read of an index's end).
    relay = Relay(route_reports.service, None, topics.events, settings.batch_size,
                  on_published=metrics.published.inc,
                  idle_wait=OUTBOUND_POLL if settings.role == "outbound" else 0.2,
                  deadletter_topic=topics.deadletter, store_name=settings.store_name,
                  on_dead_lettered=metrics.relay_dead_letters.inc)
    # Young and middle generations are collected after batches (at most ten a second) by
    # the inbound steps; an outbound-only worker has none, so its views' batches do it.
    live = LiveViews(views, view_store, BatchSurvivorCollections().after_batch
                     if settings.role == "outbound" else lambda: None,
                     save_interval=settings.views_save_ms / 1000)
    leasing = LeaseTasks(store_lease(settings), relay, relay_producer, live.apply,
                         lambda apply, drain: follow_events(
                             bootstrap, topics.events, settings.projector_group,
                             settings.batch_size, apply, events_from, drain),
                         feed=live.offer, wakeups=relay_wakeups(settings, route_reports.service))

    @app.task
    async def relay_once_held() -> None:
        await ready.wait()
        await leasing.relay_once_held(str(settings.worker_index))

    @app.task
    async def follow() -> None:
        await leasing.follow_until_held()

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
    async def finish_saves_and_stop_producer(app, **kwargs) -> None:
        await live.close()
        await relay_producer.stop()

    return leasing
