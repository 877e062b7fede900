"""Settings from the environment, with defaults that make a fresh clone work as it is."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MAX_KEEP_HOURS = 24 * 366  # a year: more would hold about every incident ever
WORKER_ROLES = ("all", "inbound", "outbound")
POSTGRES_SCHEMES = ("postgresql", "postgres")   # of GRID_DISPATCH_STORE_URL


@dataclass(frozen=True)
class Topics:
    """The four contract topics; a prefix isolates tenants or test runs on one cluster."""
    prefix: str = ""

    @property
    def reported(self) -> str:
        return f"{self.prefix}incidents.reported"

    @property
    def events(self) -> str:
        return f"{self.prefix}incidents.events"

    @property
    def commands(self) -> str:
        return f"{self.prefix}incidents.commands"

    @property
    def deadletter(self) -> str:
        return f"{self.prefix}incidents.deadletter"


@dataclass(frozen=True)
class Settings:
    home: Path
    bootstrap_servers: str | None = None
    store_path: Path | None = None
    store_url: str | None = None   # a PostgreSQL store (infra/postgres_store.py), not the file
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
    worker_index: int = 0      # which of several workers sharing the store (worker --processes)
    worker_role: str = "all"   # all | inbound | outbound (see `role`)
    sole_inbound: bool = False   # the store's only inbound worker (infra/inbound_tasks.py)
    recent_incidents: int = 20_000   # incidents kept after being stored (recent_incidents.py)
    keep_finished_hours: float = 24.0  # finished incidents stay in live views this long
    views_save_ms: int = 100   # least time between background saves of the views file
    stall_ms: int = 500   # a loop held longer is logged with its stack (0: not watched)
    fetch_wait_ms: int = 0   # how long the broker may hold an inbound fetch for more records

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        home = Path(env.get("GRID_DISPATCH_HOME", PROJECT_ROOT / "var")).resolve()

        def path(name: str) -> Path | None:
            return Path(env[name]).resolve() if env.get(name) else None

        return cls(
            home=home,
            bootstrap_servers=env.get("KAFKA_BOOTSTRAP_SERVERS") or None,
            store_path=path("GRID_DISPATCH_STORE"),
            store_url=_store_url(env),
            views_path=path("GRID_DISPATCH_VIEWS"),
            policy_path=path("GRID_DISPATCH_POLICY"),
            territory_path=path("GRID_DISPATCH_TERRITORY"),
            duplicates_path=path("GRID_DISPATCH_DUPLICATES"),
            app_id=env.get("GRID_DISPATCH_APP_ID", "grid-dispatch"),
            topics=Topics(env.get("GRID_DISPATCH_TOPIC_PREFIX", "")),
            cache_dir=path("GRID_DISPATCH_CACHE") or PROJECT_ROOT / ".cache",
            batch_size=int(env.get("GRID_DISPATCH_BATCH_SIZE", "1000")),
            metrics_port=int(env.get("GRID_DISPATCH_METRICS_PORT", "0")),
            profile_path=path("GRID_DISPATCH_PROFILE"),
            worker_index=int(env.get("GRID_DISPATCH_WORKER_INDEX", "0")),
            worker_role=env.get("GRID_DISPATCH_WORKER_ROLE", "all"),
            sole_inbound=_flag(env, "GRID_DISPATCH_SOLE_INBOUND"),
            store_sync=env.get("GRID_DISPATCH_STORE_SYNC", "normal"),
            store_checkpoints=env.get("GRID_DISPATCH_STORE_CHECKPOINTS", "background"),
            recent_incidents=int(env.get("GRID_DISPATCH_RECENT_INCIDENTS", "20000")),
            keep_finished_hours=_hours(env, "GRID_DISPATCH_KEEP_FINISHED_HOURS", "24"),
            views_save_ms=_milliseconds(env, "GRID_DISPATCH_VIEWS_SAVE_MS", "100"),
            stall_ms=_milliseconds(env, "GRID_DISPATCH_STALL_MS", "500"),
            fetch_wait_ms=_milliseconds(env, "GRID_DISPATCH_FETCH_WAIT_MS", "0"),
        )

    def environment(self, bootstrap: str) -> dict[str, str]:
        """These settings as the environment a worker process reads them from (the inverse
        of `from_env`, paths as resolved here): a child started with it works on the same
        broker, store, topics and groups whatever its working directory."""
        env = {"KAFKA_BOOTSTRAP_SERVERS": bootstrap, "GRID_DISPATCH_HOME": str(self.home),
               "GRID_DISPATCH_STORE": str(self.store), "GRID_DISPATCH_VIEWS": str(self.views),
               "GRID_DISPATCH_STORE_SYNC": self.store_sync,
               "GRID_DISPATCH_STORE_CHECKPOINTS": self.store_checkpoints,
               "GRID_DISPATCH_APP_ID": self.app_id,
               "GRID_DISPATCH_TOPIC_PREFIX": self.topics.prefix,
               "GRID_DISPATCH_BATCH_SIZE": str(self.batch_size),
               "GRID_DISPATCH_WORKER_INDEX": str(self.worker_index),
               "GRID_DISPATCH_WORKER_ROLE": self.worker_role,
               "GRID_DISPATCH_SOLE_INBOUND": "1" if self.sole_inbound else "0",
               "GRID_DISPATCH_RECENT_INCIDENTS": str(self.recent_incidents),
               "GRID_DISPATCH_KEEP_FINISHED_HOURS": repr(self.keep_finished_hours),
               "GRID_DISPATCH_VIEWS_SAVE_MS": str(self.views_save_ms),
               "GRID_DISPATCH_STALL_MS": str(self.stall_ms),
               "GRID_DISPATCH_FETCH_WAIT_MS": str(self.fetch_wait_ms)}
        for name, path in (("GRID_DISPATCH_POLICY", self.policy_path),
                           ("GRID_DISPATCH_TERRITORY", self.territory_path),
                           ("GRID_DISPATCH_DUPLICATES", self.duplicates_path)):
            if path:
                env[name] = str(path)
        if self.metrics_port:
            env["GRID_DISPATCH_METRICS_PORT"] = str(self.metrics_port)
        if self.store_url:
            env["GRID_DISPATCH_STORE_URL"] = self.store_url
        return env

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


def _hours(env, name: str, default: str) -> float:
    text = env.get(name, default)
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{name}={text!r}: expected a number of hours") from None


def _milliseconds(env, name: str, default: str) -> int:
    text = env.get(name, default)
    if not text.isdigit():
        raise ValueError(f"{name}={text!r}: expected a whole number of milliseconds, 0 or more")
    return int(text)


def _store_url(env) -> str | None:
    text = env.get("GRID_DISPATCH_STORE_URL") or None
    if text is not None and urlsplit(text).scheme not in POSTGRES_SCHEMES:
        raise ValueError(f"GRID_DISPATCH_STORE_URL={text.split('@')[-1]!r}: expected a "
                         "postgresql:// URL (leave it unset for the SQLite file)")
    return text


def _flag(env, name: str) -> bool:
    text = env.get(name, "0")
    if text not in ("0", "1"):
        raise ValueError(f"{name}={text!r}: expected 0 or 1")
    return text == "1"
