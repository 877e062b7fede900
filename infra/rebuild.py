"""Rebuild every view from the event store alone (no Kafka), with a progress bar."""
from __future__ import annotations

from collections.abc import Callable

from tqdm import tqdm

from dispatch.published import is_incident_event, published_event
from dispatch.service_layer.incident_service import IncidentService
from infra.settings import Settings
from infra.store import sqlite_service
from infra.view_store import OpenIncidentsStore
from projections.views import Views


def replay(service: IncidentService, views: Views, batch_size: int = 5000,
           progress: Callable[[int], None] | None = None) -> int:
    """Feed every stored incident event, in the store's order, into `views`."""
    position, count = 0, 0
    while True:
        notifications = service.notifications_after(position, batch_size)
        if not notifications:
            return count
        views.apply([published_event(service.domain_event(n)) for n in notifications
                     if is_incident_event(n.topic)])
        position = notifications[-1].id
        count += len(notifications)
        if progress:
            progress(len(notifications))


def views_from_store(service: IncidentService, show_progress: bool = True) -> Views:
    views = Views()
    total = service.recorder.max_notification_id() or 0
    with tqdm(total=total, desc="replaying events", unit="event", disable=not show_progress,
              leave=False) as bar:
        replay(service, views, progress=bar.update)
    return views


def rebuild_views(settings: Settings) -> tuple[Views, int]:
    service = sqlite_service(settings.store)
    views = Views()
    total = service.recorder.max_notification_id() or 0
    with tqdm(total=total, desc="replaying events", unit="event") as bar:
        count = replay(service, views, progress=bar.update)
    OpenIncidentsStore(settings.views).replace(views.open_incidents)
    views.take_changed_open()
    return views, count
