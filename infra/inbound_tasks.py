"""The inbound half of a worker: the route and command steps, each on its consumer.

`route` takes `incidents.reported` and `handle` takes `incidents.commands`, in batches
(infra/inbound_consumer.py: plain consumers in the groups `<app id>.route` and
`<app id>.commands`, each partition started at the position the store tracked): prepare
(skip recorded positions, decode), publish dead letters and wait for the broker's ack,
then record events and tracking in one store transaction (infra/inbound_steps.py). Only
then are the offsets committed. `wake_relay` tells a relay in the same process that the
store has new rows; a relay in another process finds them by looking (infra/relay.py).

A worker that only routes (`GRID_DISPATCH_WORKER_ROLE=inbound`) keeps, of all the views,
the duplicate index its route step asks: replayed from the store at start, then following
`incidents.events` (closings, reclassifications, other workers' new incidents) from the
end offsets taken before that replay.
"""
from __future__ import annotations

import time
from collections.abc import Callable

import faust

from dispatch.service_layer.handle_commands import HandleCommands
from dispatch.service_layer.inbound import InboundMessage
from dispatch.service_layer.route_reports import RouteReports
from infra.gc_policy import BatchSurvivorCollections
from infra.inbound_consumer import consume_batches
from infra.inbound_steps import InboundSteps
from infra.keep_running import keep_running
from infra.metrics import WorkerMetrics
from infra.projector import follow_events
from infra.settings import Settings
from projections.duplicate_candidates import DuplicateCandidates


def add_inbound_tasks(app: faust.App, settings: Settings, bootstrap: str, steps: InboundSteps,
                      route_reports: RouteReports, handle_commands: HandleCommands,
                      metrics: WorkerMetrics, wake_relay: Callable[[], None]) -> None:
    topics = settings.topics
    gc_after_batches = BatchSurvivorCollections()

    async def route(messages: list[InboundMessage]) -> None:
        started = time.perf_counter()
        outcome = await steps.through(route_reports, messages)
        metrics.reports.inc(len(outcome.recorded))
        metrics.duplicates.inc(outcome.duplicates)
        metrics.merged.inc(outcome.merged)
        metrics.batch_seconds.observe(time.perf_counter() - started)
        if outcome.recorded:
            wake_relay()
        gc_after_batches.after_batch()

    async def handle(messages: list[InboundMessage]) -> None:
        outcome = await steps.through(handle_commands, messages)
        metrics.commands.labels("applied").inc(outcome.applied)
        metrics.commands.labels("rejected").inc(outcome.rejected)
        metrics.commands.labels("duplicate").inc(outcome.duplicates)
        if outcome.applied or outcome.rejected:
            wake_relay()
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


def follow_into_duplicates(app: faust.App, settings: Settings, bootstrap: str,
                           duplicates: DuplicateCandidates, start_at: dict[int, int]) -> None:
    """An inbound-only worker's duplicate index kept current from `incidents.events`."""
    async def apply(events: list[dict]) -> None:
        duplicates.apply(events)

    @app.task
    async def follow_for_duplicates() -> None:
        await keep_running("duplicate index", lambda: follow_events(
            bootstrap, settings.topics.events, settings.projector_group, settings.batch_size,
            apply, start_at))
