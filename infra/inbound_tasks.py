"""The inbound half of a worker: the route and command steps, each on its consumer.

`route` takes `incidents.reported` and `handle` takes `incidents.commands`, in batches
(infra/inbound_consumer.py: plain consumers in the groups `<app id>.route` and
`<app id>.commands`, each partition started at the position the store tracked): prepare
(skip recorded positions, decode), publish dead letters and wait for the broker's ack,
then record events and tracking in one store transaction (infra/inbound_steps.py). Only
then are the offsets committed. `wake_relay` tells the relay that the store has new rows:
the one in the same process, and the relaying worker's in another (infra/relay_wakeup.py).

A worker that only routes (`GRID_DISPATCH_WORKER_ROLE=inbound`) keeps, of all the views,
the duplicate index its route step asks: replayed from the store at start, then kept
current. Beside other inbound workers it follows `incidents.events` (their new incidents,
closings, reclassifications) from the end offsets taken before that replay. As the only
one (`GRID_DISPATCH_SOLE_INBOUND`, which `worker --processes 2 --split` sets) every change
that moves the index is one it stores itself (reports, merges, and the commands that close,
void, reclassify or reroute), so it takes them from its own store calls instead: following
the topic cost about a tenth of its time, for events it mostly had already.
"""
from __future__ import annotations

import time
from collections.abc import Callable

import faust

from dispatch.published import published_event
from dispatch.service_layer.handle_commands import HandleCommands
from dispatch.service_layer.inbound import InboundMessage
from dispatch.service_layer.incident_service import IncidentService
from dispatch.service_layer.route_reports import RouteReports
from infra.gc_policy import BatchSurvivorCollections
from infra.inbound_consumer import consume_batches
from infra.inbound_steps import InboundSteps
from infra.keep_running import keep_running
from infra.metrics import WorkerMetrics
from infra.projector import follow_events
from infra.settings import Settings
from projections.duplicate_candidates import DuplicateCandidates
from projections.duplicate_feed import MOVES_THE_INDEX

AFTER_REPORTING = MOVES_THE_INDEX - {"Reported"}


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
            bootstrap, topics.reported, settings.route_group, settings.batch_size, tracked, route,
            fetch_wait_ms=settings.fetch_wait_ms))

    @app.task
    async def consume_commands() -> None:
        await keep_running("command consumer", lambda: consume_batches(
            bootstrap, topics.commands, settings.commands_group, settings.batch_size, tracked,
            handle, fetch_wait_ms=settings.fetch_wait_ms))


def keep_duplicates_from_own_records(service: IncidentService, duplicates: DuplicateCandidates,
                                     on_failure: Callable[[], None] = lambda: None) -> None:
    """The sole inbound worker's index fed by what it stores. Reports go in through the
    route step's `remember`; here the changes after them (closing, reclassifying,
    locating again), as the published events the topic would have brought. A failure is
    counted (`on_failure`), then left to the service, which logs it: the batch is stored."""
    known = duplicates.incidents   # (an incident it does not hold: nothing to move)

    def note(events: list) -> None:
        try:
            moving = [published_event(event) for event in events
                      if type(event).__name__ in AFTER_REPORTING
                      and str(event.originator_id) in known]
            if moving:
                duplicates.apply(moving)
        except Exception:
            on_failure()
            raise
    service.on_recorded = note


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
