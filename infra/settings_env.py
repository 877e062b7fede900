"""Settings as environment variables, both ways: the GRID_DISPATCH_* variables read into
settings' fields (each value checked, a wrong one named by its variable), and the settings
written back as the environment a worker process reads them from.

Apart from infra/settings.py, which says what the settings are and what follows from them:
here the variables' names and their parsing sit together, so that reading and writing stay
each other's inverse (tests/unit/test_settings.py holds them to it).
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from infra.topic_names import Topics

if TYPE_CHECKING:
    from infra.settings import Settings

POSTGRES_SCHEMES = ("postgresql", "postgres")   # of GRID_DISPATCH_STORE_URL


def settings_fields(env, project_root: Path) -> dict:
    """The fields of `Settings` that `env` sets, each value checked; the dataclass's defaults
    give the others, but for the home and the cache, folders of `project_root` by default."""
    cache = env.get("GRID_DISPATCH_CACHE")
    fields = dict(home=Path(env.get("GRID_DISPATCH_HOME", project_root / "var")).resolve(),
                  cache_dir=Path(cache).resolve() if cache else project_root / ".cache",
                  bootstrap_servers=env.get("KAFKA_BOOTSTRAP_SERVERS") or None,
                  store_url=_store_url(env))
    for name, (variable, parse) in _VARIABLES.items():
        text = env.get(variable)
        if text is not None:
            fields[name] = parse(text, variable)
    return fields


def settings_environment(settings: Settings, bootstrap: str) -> dict[str, str]:
    """`settings` as the environment a worker process reads them from (the inverse of
    `settings_fields`, paths as resolved there)."""
    env = {"KAFKA_BOOTSTRAP_SERVERS": bootstrap, "GRID_DISPATCH_HOME": str(settings.home),
           "GRID_DISPATCH_STORE": str(settings.store), "GRID_DISPATCH_VIEWS": str(settings.views),
           "GRID_DISPATCH_STORE_SYNC": settings.store_sync,
           "GRID_DISPATCH_STORE_CHECKPOINTS": settings.store_checkpoints,
           "GRID_DISPATCH_STORE_CACHE_MIB": str(settings.store_cache_mib),
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
           "GRID_DISPATCH_FETCH_WAIT_MS": str(settings.fetch_wait_ms),
           "GRID_DISPATCH_STOP_MS": str(settings.stop_ms),
           "GRID_DISPATCH_BROKER_WAIT_MS": str(settings.broker_wait_ms)}
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


def _path(text: str, variable: str) -> Path | None:
    return Path(text).resolve() if text else None


def _text(text: str, variable: str) -> str:
    return text


def _whole(text: str, variable: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{variable}={text!r}: expected a whole number") from None


def _hours(text: str, variable: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{variable}={text!r}: expected a number of hours") from None


def _milliseconds(text: str, variable: str) -> int:
    if not text.isdigit():
        raise ValueError(f"{variable}={text!r}: expected a whole number of milliseconds, "
                         "0 or more")
    return int(text)


def _flag(text: str, variable: str) -> bool:
    if text not in ("0", "1"):
        raise ValueError(f"{variable}={text!r}: expected 0 or 1")
    return text == "1"


def _store_url(env) -> str | None:
    text = env.get("GRID_DISPATCH_STORE_URL") or None
    if text is not None and urlsplit(text).scheme not in POSTGRES_SCHEMES:
        raise ValueError(f"GRID_DISPATCH_STORE_URL={text.split('@')[-1]!r}: expected a "
                         "postgresql:// URL (leave it unset for the SQLite file)")
    return text


# Settings' field -> the variable that sets it, and how its text is read. An unset variable
# leaves the field's default (infra/settings.py), so each default is written once.
_VARIABLES: dict[str, tuple[str, Callable[[str, str], Any]]] = {
    "store_path": ("GRID_DISPATCH_STORE", _path),
    "views_path": ("GRID_DISPATCH_VIEWS", _path),
    "policy_path": ("GRID_DISPATCH_POLICY", _path),
    "territory_path": ("GRID_DISPATCH_TERRITORY", _path),
    "duplicates_path": ("GRID_DISPATCH_DUPLICATES", _path),
    "profile_path": ("GRID_DISPATCH_PROFILE", _path),
    "app_id": ("GRID_DISPATCH_APP_ID", _text),
    "topics": ("GRID_DISPATCH_TOPIC_PREFIX", lambda text, variable: Topics(text)),
    "batch_size": ("GRID_DISPATCH_BATCH_SIZE", _whole),
    "metrics_port": ("GRID_DISPATCH_METRICS_PORT", _whole),
    "worker_index": ("GRID_DISPATCH_WORKER_INDEX", _whole),
    "worker_role": ("GRID_DISPATCH_WORKER_ROLE", _text),
    "sole_inbound": ("GRID_DISPATCH_SOLE_INBOUND", _flag),
    "store_sync": ("GRID_DISPATCH_STORE_SYNC", _text),
    "store_checkpoints": ("GRID_DISPATCH_STORE_CHECKPOINTS", _text),
    "store_cache_mib": ("GRID_DISPATCH_STORE_CACHE_MIB", _whole),
    "recent_incidents": ("GRID_DISPATCH_RECENT_INCIDENTS", _whole),
    "keep_finished_hours": ("GRID_DISPATCH_KEEP_FINISHED_HOURS", _hours),
    "views_save_ms": ("GRID_DISPATCH_VIEWS_SAVE_MS", _milliseconds),
    "stall_ms": ("GRID_DISPATCH_STALL_MS", _milliseconds),
    "fetch_wait_ms": ("GRID_DISPATCH_FETCH_WAIT_MS", _milliseconds),
    "stop_ms": ("GRID_DISPATCH_STOP_MS", _milliseconds),
    "broker_wait_ms": ("GRID_DISPATCH_BROKER_WAIT_MS", _milliseconds),
}
