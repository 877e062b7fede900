"""The PostgreSQL store's settings: its URL read into eventsourcing's POSTGRES_* settings,
and the arguments of a connection of a worker's own (its lease, its wake-ups, its relay's
reader) to the same server.

The store is named by a URL, `postgresql://user:password@host:port/database`, with
optional `?schema=name` (the default `public`) and `&pool_size=n`.

Apart from the recorder (postgres_store.py): the lease and the wake-ups ask what a URL
says and how to connect as much as the store does.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from infra.postgres_store import PERSISTENCE_TOPIC
from infra.settings_env import POSTGRES_SCHEMES

URL_OPTIONS = ("schema", "pool_size")


def postgres_env(url: str) -> dict[str, str]:
    """eventsourcing's POSTGRES_* settings for a store URL; a wrong URL is named."""
    parts = urlsplit(url)
    if parts.scheme not in POSTGRES_SCHEMES:
        raise ValueError(f"store URL {shown_url(url)!r}: expected postgresql://")
    database = unquote(parts.path.lstrip("/"))
    if not database or not parts.hostname:
        raise ValueError(f"store URL {shown_url(url)!r}: expected a host and a database, as in "
                         "postgresql://user@host:5432/database")
    options = {name: values[-1] for name, values in parse_qs(parts.query).items()}
    unknown = sorted(set(options) - set(URL_OPTIONS))
    if unknown:
        raise ValueError(f"store URL {shown_url(url)!r}: unknown option {unknown[0]!r}; "
                         f"expected {', '.join(URL_OPTIONS)}")
    pool_size = options.get("pool_size", "4")
    if not pool_size.isdigit() or int(pool_size) < 1:
        raise ValueError(f"store URL {shown_url(url)!r}: pool_size={pool_size!r}, expected a "
                         "whole number of connections, 1 or more")
    try:
        port = parts.port or 5432
    except ValueError:
        raise ValueError(f"store URL {shown_url(url)!r}: the port is not a number") from None
    return {
        "PERSISTENCE_MODULE": PERSISTENCE_TOPIC,
        "POSTGRES_DBNAME": database,
        "POSTGRES_HOST": parts.hostname,
        "POSTGRES_PORT": str(port),
        "POSTGRES_USER": unquote(parts.username or os.environ.get("PGUSER", "postgres")),
        "POSTGRES_PASSWORD": unquote(parts.password or os.environ.get("PGPASSWORD", "")),
        "POSTGRES_SCHEMA": options.get("schema", ""),
        "POSTGRES_POOL_SIZE": pool_size,
        "POSTGRES_MAX_OVERFLOW": pool_size,
        "POSTGRES_CONNECT_TIMEOUT": "10",
        # No round trip to check each pooled connection before use (about 24 µs of the
        # route step's CPU a report): one found dead fails its call, the pool drops it, and
        # eventsourcing's recorder tries again on another (up to ten times).
        "POSTGRES_PRE_PING": "no",
    }


# A connection of a worker's own (its lease, its wake-ups, its relay's reader) asks for TCP
# keepalives on both ends: the worker's, to notice a server or network gone, and the
# server's session (the `options`), to end the session of a worker whose host is gone,
# and so free its lease, within about 15 s rather than the system's two hours.
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2,
              "keepalives_count": 3, "tcp_user_timeout": 15_000,
              "options": "-c tcp_keepalives_idle=5 -c tcp_keepalives_interval=2 "
                         "-c tcp_keepalives_count=3 -c tcp_user_timeout=15000"}


def connection_settings(env: Mapping[str, str], application_name: str) -> dict[str, Any]:
    """psycopg.connect's arguments for one autocommit connection of a worker's own to the
    store that `env` (`postgres_env`, or a service's settings) names."""
    return dict(dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"],
                port=env["POSTGRES_PORT"], user=env["POSTGRES_USER"],
                password=env["POSTGRES_PASSWORD"], autocommit=True, connect_timeout=10,
                application_name=application_name[:63], **KEEPALIVES)


def shown_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()

