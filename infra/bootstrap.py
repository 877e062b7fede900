"""The composition root: settings in, wired parts out. Nothing else builds them."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from dispatch.service_layer.dispatcher import Dispatcher
from dispatch.service_layer.handle_commands import HandleCommands
from dispatch.service_layer.incident_service import IncidentService
from dispatch.service_layer.route_reports import RouteReports
from dispatch.territory.view import TerritoryView
from infra.broker import LocalBroker
from infra.gc_policy import spare_the_garbage_collector
from infra.settings import Settings
from infra.store import open_store
from infra.topics import ensure_topics_sync
from infra.view_store import OpenIncidentsStore
from infra.territory_source import territory_view
from policies.loader import DEMO_POLICY, load_policy
from policies.calendar import default_calendar
from policies.routing_policy import RoutingPolicy, calendar_day_kind


log = logging.getLogger("grid_dispatch.worker")


def local_broker(settings: Settings) -> LocalBroker:
    return LocalBroker(settings.broker_dir, settings.cache_dir)


def resolve_bootstrap(settings: Settings, *, start: bool = True) -> str:
    """The cluster to use: KAFKA_BOOTSTRAP_SERVERS if set, else our own local broker."""
    if settings.bootstrap_servers:
        return settings.bootstrap_servers
    broker = local_broker(settings)
    if start:
        return broker.start()
    status = broker.status()
    if not status.running:
        raise SystemExit("no broker: run `grid-dispatch broker start` or set KAFKA_BOOTSTRAP_SERVERS")
    return status.bootstrap  # type: ignore[return-value]


@dataclass
class Engine:
    settings: Settings
    service: IncidentService
    territory: TerritoryView
    policy: RoutingPolicy
    route_reports: RouteReports
    handle_commands: HandleCommands
    views: OpenIncidentsStore


def build_dispatcher(settings: Settings) -> Dispatcher:
    day_kind = calendar_day_kind(default_calendar())
    return Dispatcher(territory_view(settings.territory_path),
                      load_policy(settings.policy_path or DEMO_POLICY, day_kind=day_kind))


def build_engine(settings: Settings) -> Engine:
    service = open_store(settings, worker=True)
    dispatcher = build_dispatcher(settings)
    policy_file = settings.policy_path or DEMO_POLICY
    # Keep the text behind the version that decisions will name (once per version).
    service.record_policy_version(dispatcher.policy.version, dispatcher.policy.document.policy.name,
                                  str(policy_file), policy_file.read_text(encoding="utf-8"),
                                  at=datetime.now(timezone.utc))
    return Engine(settings, service, dispatcher.territory, dispatcher.policy,
                  RouteReports(service, dispatcher), HandleCommands(service, dispatcher),
                  OpenIncidentsStore(settings.views))


def run_worker(settings: Settings, loglevel: str = "warning") -> None:
    from infra.broker_wait import wait_for_broker
    from infra.log_repeats import hold_repeats
    from infra.stop_deadline import DeadlineWorker
    from infra.worker import create_worker_app

    bootstrap = resolve_bootstrap(settings)
    if settings.bootstrap_servers:   # (our own broker: `resolve_bootstrap` waited for it)
        wait_for_broker(bootstrap, settings.broker_wait_ms / 1000)
    ensure_topics_sync(bootstrap, settings.topics)
    engine = build_engine(settings)
    app = create_worker_app(settings, bootstrap, engine.route_reports, engine.handle_commands,
                            engine.views)
    hold_repeats()   # (the Kafka client's retries while the broker is away: log_repeats.py)
    survivors = spare_the_garbage_collector()

    @app.timer(interval=60.0)
    async def thaw_frozen_garbage() -> None:
        started = time.perf_counter()
        found = survivors.thaw_if_due()
        if found is not None:  # a pause worth seeing in the log, at the default level too
            log.warning("daily full garbage collection: %d objects that died frozen "
                        "reclaimed, %.0f ms", found, (time.perf_counter() - started) * 1000)
    print(f"grid-dispatch worker: broker {bootstrap}, store {settings.store_name}, "
          f"policy {engine.policy.version}", flush=True)
    DeadlineWorker(app, loglevel=loglevel, quiet=True,
                   stop_within=settings.stop_ms / 1000).execute_from_commandline()
