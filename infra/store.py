"""Event-store configuration: which eventsourcing persistence module, and where."""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from dispatch.service_layer.incident_service import IncidentService
from dispatch.service_layer.recent_incidents import DEFAULT_CAPACITY
from infra.lease import Lease, StoreLease
from infra.memory_store import PERSISTENCE_TOPIC as MEMORY_TOPIC
from infra.relay_wakeup import WakeupListener, WakeupSender, Wakeups
from infra.settings import Settings
from infra.sqlite_store import PERSISTENCE_TOPIC

FAST_TRANSCODER = "infra.json_transcoder:FastJSONTranscoder"


def sqlite_service(path: Path, synchronous: str = "normal",
                   recent_incidents: int = DEFAULT_CAPACITY, checkpoints: str = "commit",
                   checkpoint_seconds: float = 0.5, cache_mib: int = 0) -> IncidentService:
    """The event store in a SQLite file; `synchronous`, `checkpoints` and `cache_mib`: see
    infra/sqlite_store.py; `recent_incidents`: how many stored incidents to keep
    (recent_incidents.py)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return IncidentService(env={
        "PERSISTENCE_MODULE": PERSISTENCE_TOPIC,
        "SQLITE_DBNAME": str(path),
        "SQLITE_LOCK_TIMEOUT": "30",
        "TRANSCODER_TOPIC": FAST_TRANSCODER,
        "SQLITE_SYNCHRONOUS": synchronous,
        "RECENT_INCIDENTS": str(recent_incidents),
        "SQLITE_CHECKPOINTS": checkpoints,
        "SQLITE_CHECKPOINT_SECONDS": str(checkpoint_seconds),
        "SQLITE_CACHE_MIB": str(cache_mib),
    })


def postgres_service(url: str, recent_incidents: int = DEFAULT_CAPACITY) -> IncidentService:
    """The event store in a PostgreSQL database (infra/postgres_store.py); its tables are
    made on first use."""
    from infra.postgres_settings import postgres_env   # (psycopg only for this store)
    return IncidentService(env={**postgres_env(url), "TRANSCODER_TOPIC": FAST_TRANSCODER,
                                "RECENT_INCIDENTS": str(recent_incidents)})


def open_store(settings: Settings, *, worker: bool = False) -> IncidentService:
    """The store the settings name: PostgreSQL when GRID_DISPATCH_STORE_URL is set, else
    the SQLite file. A worker's store keeps its commit and checkpoint settings; the
    commands that only read or replay use the defaults."""
    if settings.store_url:
        return postgres_service(settings.store_url, settings.recent_incidents)
    if not worker:
        return sqlite_service(settings.store)
    return sqlite_service(settings.store, settings.store_sync, settings.recent_incidents,
                          settings.store_checkpoints, cache_mib=settings.store_cache_mib)


def store_lease(settings: Settings) -> Lease:
    """The lease deciding which of the workers sharing the store relays (infra/lease.py)."""
    if settings.store_url:
        from infra.postgres_lease import PostgresLease
        return PostgresLease(settings.store_url)
    return StoreLease(settings.store)


def relay_wakeups(settings: Settings, service: IncidentService) -> Wakeups:
    """What wakes the relaying worker when others store rows: the store's own notifications
    on PostgreSQL (any host), else a socket named after the store (one host)."""
    if settings.store_url:
        from infra.postgres_wakeups import PostgresWakeups
        return PostgresWakeups(settings.store_url, service.recorder.channel_name)
    return WakeupListener(settings.store_name)


def relay_waker(settings: Settings) -> Callable[[], None]:
    """What a worker that records calls to wake the relaying worker: on PostgreSQL nothing
    (every insert notifies, `relay_wakeups`), else a datagram to the store's socket."""
    if settings.store_url:
        return lambda: None
    return WakeupSender(settings.store_name)


def memory_service() -> IncidentService:
    return IncidentService(env={"PERSISTENCE_MODULE": MEMORY_TOPIC,
                                "TRANSCODER_TOPIC": FAST_TRANSCODER})


def store_identity(service: IncidentService) -> str | None:
    """What tells this store apart from another at the same path (one deleted and made
    again): a digest of its first record, which holds the moment it was written. None
    while the store is empty."""
    first = service.notifications_after(0, 1)
    if not first:
        return None
    return hashlib.sha256(first[0].topic.encode() + b"\0" + first[0].state).hexdigest()[:32]
