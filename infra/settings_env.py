"""Settings as environment variables, both ways: the GRID_DISPATCH_* variables read into
settings' fields (each value checked, a wrong one named by its variable), and the settings
written back as the environment a worker process reads them from.

Apart from infra/settings.py, which says what the settings are and what follows from them:
here the variables' names and their parsing sit together, so that reading and writing stay
each other's inverse (tests/unit/test_settings.py holds them to it).
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from infra.topic_names import Topics

if TYPE_CHECKING:
    from infra.settings import Settings

POSTGRES_SCHEMES = ("postgresql", "postgres")   # of GRID_DISPATCH_STORE_URL


def settings_fields(env, project_root: Path) -> dict:
    """The fields of `Settings` from `env`; unset variables take the defaults, and the home
    and the cache default to folders of `project_root`."""
    home = Path(env.get("GRID_DISPATCH_HOME", project_root / "var")).resolve()

    def path(name: str) -> Path | None:
        return Path(env[name]).resolve() if env.get(name) else None

    return dict(
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
        cache_dir=path("GRID_DISPATCH_CACHE") or project_root / ".cache",
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


def settings_environment(settings: Settings, bootstrap: str) -> dict[str, str]:
    """`settings` as the environment a worker process reads them from (the inverse of
    `settings_fields`, paths as resolved there)."""
    env = {"KAFKA_BOOTSTRAP_SERVERS": bootstrap, "GRID_DISPATCH_HOME": str(settings.home),
           "GRID_DISPATCH_STORE": str(settings.store), "GRID_DISPATCH_VIEWS": str(settings.views),
           "GRID_DISPATCH_STORE_SYNC": settings.store_sync,
           "GRID_DISPATCH_STORE_CHECKPOINTS": settings.store_checkpoints,
           "GRID_DISPATCH_APP_ID": settings.app_id,
           "GRID_DISPATCH_TOPIC_PREFIX": settings.topics.prefix,
           "GRID_DISPATCH_BATCH_SIZE": str(settings.batch_size),
           "GRID_DISPATCH_WORKER_INDEX": str(settings.worker_index),
           "GRID_DISPATCH_WORKER_ROLE": settings.worker_role,
           "GRID_DISPATCH_SOLE_INBOUND": "1" if settings.sole_inbound else "0",
           "GRID_DISPATCH_RECENT_INCIDENTS": str(settings.recent_incidents),
           "GRID_DISPATCH_KEEP_FINISHED_HOURS": repr(settings.keep_finished_hours),
           "GRID_DISPATCH_VIEWS_SAVE_MS": str(settings.views_save_ms),
           "GRID_DISPATCH_STALL_MS": str(settings.stall_ms),
           "GRID_DISPATCH_FETCH_WAIT_MS": str(settings.fetch_wait_ms)}
    for name, path in (("GRID_DISPATCH_POLICY", settings.policy_path),
                       ("GRID_DISPATCH_TERRITORY", settings.territory_path),
                       ("GRID_DISPATCH_DUPLICATES", settings.duplicates_path)):
        if path:
            env[name] = str(path)
    if settings.metrics_port:
        env["GRID_DISPATCH_METRICS_PORT"] = str(settings.metrics_port)
    if settings.store_url:
        env["GRID_DISPATCH_STORE_URL"] = settings.store_url
    return env


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
