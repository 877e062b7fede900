"""The worker: thin tasks on a Faust app that hand batches to `dispatch/` and publish the results.

- inbound: `route` takes `incidents.reported` and `handle` takes `incidents.commands`, in
  batches, and records what they decide (infra/inbound_tasks.py).
- outbound (infra/outbound_tasks.py): the relay task tails the store onto
  `incidents.events`; the SLA watcher, every second, records the at-risk / breached /
  escalation alerts due (infra/sla_ticks.py); the live views are built from the store at
  start, then follow `incidents.events` from where it ended before (infra/projector.py)
  until the worker holds the store's lease; from then on its relay feeds them each batch
  it has published (infra/lease_tasks.py).
Several workers may share one store (`worker --processes N`): Kafka splits the inbound
partitions between them, and the one holding the store's lease (infra/lease.py) runs
the relay and the SLA watcher; another takes over when it dies (infra/lease_tasks.py).

A worker does all of that by default. With `GRID_DISPATCH_WORKER_ROLE` (`worker --role`,
or `worker --processes N --split`) it does half: `inbound`, the route and command steps
(with only the duplicate index of the views), or `outbound`, the relay, the live views, the
views file and the SLA watcher. Split over two processes, each half has a core: the route
step no longer waits behind the relay and the views, nor they behind it.
"""
from __future__ import annotations

import asyncio
import logging

import faust
from prometheus_client import start_http_server

from dispatch.service_layer.handle_commands import HandleCommands
from dispatch.service_layer.route_reports import RouteReports
from infra.faust_app import worker_app
from infra.inbound_steps import InboundSteps
from infra.inbound_tasks import (add_inbound_tasks, follow_into_duplicates,
                                 keep_duplicates_from_own_records)
from infra.kafka_io import RenewableProducer
from infra.kafka_probe import end_offsets
from infra.metrics import calendar_problems, registry_for
from infra.outbound_tasks import add_outbound_tasks
from infra.rebuild import duplicates_from_store, views_from_store
from infra.settings import Settings
from infra.stall_watchdog import StallWatchdog
from infra.store import relay_waker, store_identity
from infra.view_store import OpenIncidentsStore
from policies.duplicates import DuplicateRules

log = logging.getLogger("grid_dispatch.worker")


def create_worker_app(settings: Settings, bootstrap: str, route_reports: RouteReports,
                      handle_commands: HandleCommands, view_store: OpenIncidentsStore) -> faust.App:
    role = settings.role
    app = worker_app(settings, bootstrap)
    topics = settings.topics
    # Views start from the store (the truth), then follow the topic from where it ended
    # before they were built, or this worker's relay (infra/lease_tasks.py); events seen
    # twice are dropped by (incident id, version).
    events_from = end_offsets(bootstrap, topics.events)
    rules = DuplicateRules.load(settings.duplicates_path)
    views = None
    if role == "inbound":
        route_reports.duplicates = duplicates_from_store(route_reports.service, rules)
        route_reports.duplicates.spread_tables()   # grown live: no long pause (incident_table.py)
        if not settings.sole_inbound:   # (else fed by its own records, below)
            follow_into_duplicates(app, settings, bootstrap, route_reports.duplicates,
                                   events_from)
    else:
        view_store.claim_for(store_identity(route_reports.service))
        # A worker that only relays routes nothing: its views keep no duplicate index
        # (feeding one was about a twelfth of its work).
        views = views_from_store(route_reports.service, show_progress=False,
                                 duplicate_rules=rules, keep_finished=settings.keep_finished,
                                 on_release=view_store.save_rows,
                                 index_duplicates=role != "outbound")
        views.spread_tables()   # grown live from here: no long pause (incident_table.py)
        # The route step finds the originals of repeated reports in the views' index, which
        # the event stream keeps current (closings included), from whichever worker.
        route_reports.duplicates = views.duplicates
        view_store.catch_up(views.open_incidents)
        views.take_changed_open()
    registry, metrics = registry_for(views)
    for problem in calendar_problems(views.sla.calendar) if views is not None else ():
        log.warning(problem)   # of the SLA clocks' calendar (on /metrics too)
    if settings.stall_ms:
        watchdog = StallWatchdog(settings.stall_ms / 1000, metrics.loop_stalls.inc)

        @app.task
        async def watch_the_event_loop() -> None:
            await watchdog.heartbeat()
    if role == "inbound" and settings.sole_inbound:
        keep_duplicates_from_own_records(route_reports.service, route_reports.duplicates,
                                         metrics.duplicate_feed_failures.inc)
    if settings.metrics_port:
        start_http_server(settings.metrics_port, addr="127.0.0.1", registry=registry)
    # aiokafka binds a producer to the running loop: it is started once the worker runs,
    # and made anew after a failure (this one for dead letters; the relay has its own).
    ready = asyncio.Event()
    letters_producer = RenewableProducer(bootstrap)
    leasing = None
    if views is not None:
        leasing = add_outbound_tasks(app, settings, bootstrap, route_reports, view_store, views,
                                     metrics, events_from, ready)
    if role != "outbound":
        steps = InboundSteps(letters_producer, topics.deadletter, metrics, ready)
        wake_relaying_worker = relay_waker(settings)

        def wake_relay() -> None:
            # This process's relay if it is the one relaying; else the one that is.
            if leasing is not None and leasing.feeding.is_set():
                leasing.relay.wakeup.set()
            else:
                wake_relaying_worker()
        add_inbound_tasks(app, settings, bootstrap, steps, route_reports, handle_commands,
                          metrics, wake_relay)

    @app.task
    async def start_producers() -> None:
        if role != "outbound":
            await letters_producer.get()
        ready.set()

    @app.on_before_shutdown.connect
    async def stop_producers(app, **kwargs) -> None:
        await letters_producer.stop()

    return app
