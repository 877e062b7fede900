"""Settings from the environment, with defaults that make a fresh clone work as it is.

Here: what the settings are and what follows from them (a worker's role and consumer groups,
where the store and the views live). The environment variables they are read from and written
to are infra/settings_env.py's; the topics' names, infra/topic_names.py's.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from dispatch.service_layer.recent_incidents import DEFAULT_CAPACITY
from infra.settings_env import settings_environment, settings_fields
from infra.topic_names import Topics

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MAX_KEEP_HOURS = 24 * 366  # a year: more would hold about every incident ever
WORKER_ROLES = ("all", "inbound", "outbound")


@dataclass(frozen=True)
class Settings:
    home: Path
    bootstrap_servers: str | None = None
    store_path: Path | None = None
    store_url: str | None = None   # a PostgreSQL store (infra/postgres_settings.py), not the file
    views_path: Path | None = None
    policy_path: Path | None = None
    territory_path: Path | None = None
    duplicates_path: Path | None = None   # duplicate rules (default: policies/data/duplicates.toml)
    app_id: str = "grid-dispatch"
    topics: Topics = field(default_factory=Topics)
    cache_dir: Path = PROJECT_ROOT / ".cache"
    batch_size: int = 1000
    metrics_port: int = 0      # 0: no /metrics endpoint
    profile_path: Path | None = None   # the worker runs under cProfile, pstats written here
    store_sync: str = "normal"   # the store's commit durability: normal | full (sqlite_store.py)
    store_checkpoints: str = "background"   # who copies the store's log: background | commit
    store_cache_mib: int = 64   # each store connection's page cache, MiB (0: SQLite's own 2)
    worker_index: int = 0      # which of several workers sharing the store (worker --processes)
    worker_role: str = "all"   # all | inbound | outbound (see `role`)
    sole_inbound: bool = False   # the store's only inbound worker (infra/inbound_tasks.py)
    recent_incidents: int = DEFAULT_CAPACITY   # incidents kept once stored (recent_incidents.py)
    keep_finished_hours: float = 24.0  # finished incidents stay in live views this long
    views_save_ms: int = 100   # least time between background saves of the views file
    stall_ms: int = 500   # a loop held longer is logged with its stack (0: not watched)
    fetch_wait_ms: int = 0   # how long the broker may hold an inbound fetch for more records
    stop_ms: int = 15000   # a worker told to stop exits by then, stuck or not (0: waits)
    broker_wait_ms: int = 60000   # how long a starting worker waits for its broker to answer

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        return cls(**settings_fields(env, PROJECT_ROOT))

    def environment(self, bootstrap: str) -> dict[str, str]:
        """These settings as the environment a worker process reads them from (the inverse
        of `from_env`, paths as resolved here): a child started with it works on the same
        broker, store, topics and groups whatever its working directory."""
        return settings_environment(self, bootstrap)

    @property
    def keep_finished(self) -> timedelta:
        """How long a finished incident stays in a worker's live views."""
        if not 0 <= self.keep_finished_hours <= MAX_KEEP_HOURS:   # (NaN fails too)
            raise ValueError(f"GRID_DISPATCH_KEEP_FINISHED_HOURS={self.keep_finished_hours!r}: "
                             f"expected hours from 0 to {MAX_KEEP_HOURS}")
        return timedelta(hours=self.keep_finished_hours)

    @property
    def role(self) -> str:
        """What this worker does: `all`; `inbound`, the route and command steps only; or
        `outbound`, the relay, the live views and the SLA watcher only (infra/worker.py)."""
        if self.worker_role not in WORKER_ROLES:
            raise ValueError(f"GRID_DISPATCH_WORKER_ROLE={self.worker_role!r}: expected one of "
                             f"{', '.join(WORKER_ROLES)}")
        return self.worker_role

    @property
    def route_group(self) -> str:
        """The consumer group of the route step (`incidents.reported`), shared by workers."""
        return f"{self.app_id}.route"

    @property
    def commands_group(self) -> str:
        """The consumer group of the command step (`incidents.commands`)."""
        return f"{self.app_id}.commands"

    @property
    def projector_group(self) -> str:
        """The consumer group feeding this worker's views: one per worker, since each
        worker's views need every event (worker 0 keeps the name from before)."""
        suffix = f".{self.worker_index}" if self.worker_index else ""
        return f"{self.app_id}.project-views{suffix}"

    @property
    def broker_dir(self) -> Path:
        return self.home / "broker"

    @property
    def store(self) -> Path:
        return self.store_path or self.home / "store.sqlite"

    @property
    def store_name(self) -> str:
        """The store as an operator names it: its URL without the password, or its file.
        Workers sharing a store share this name (relay wake-ups are addressed by it)."""
        if self.store_url:
            parts = urlsplit(self.store_url)
            netloc = parts.netloc.rsplit("@", 1)[-1]
            user = f"{parts.username}@" if parts.username else ""
            return parts._replace(netloc=user + netloc).geturl()
        return str(self.store.resolve())

    @property
    def views(self) -> Path:
        return self.views_path or self.home / "views.sqlite"

