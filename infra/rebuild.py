"""Rebuild the views from the event store alone (no Kafka), with a progress bar."""
from __future__ import annotations

from tqdm import tqdm

from dispatch.published import is_incident_event, published_event
from infra.settings import Settings
from infra.store import sqlite_service
from infra.view_store import OpenIncidentsStore
from projections.open_incidents import OpenIncidentsByDepartment


def replay(service, view: OpenIncidentsByDepartment, batch_size: int = 5000,
           progress=None) -> int:
    position, count = 0, 0
    while True:
        notifications = service.notifications_after(position, batch_size)
        if not notifications:
            return count
        view.apply(published_event(service.domain_event(n)) for n in notifications
                   if is_incident_event(n.topic))
        position = notifications[-1].id
        count += len(notifications)
        if progress:
            progress(len(notifications))


def rebuild_views(settings: Settings) -> int:
    service = sqlite_service(settings.store)
    view = OpenIncidentsByDepartment()
    total = service.recorder.max_notification_id() or 0
    with tqdm(total=total, desc="replaying events", unit="event") as bar:
        count = replay(service, view, progress=bar.update)
    OpenIncidentsStore(settings.views).replace(view)
    return count
