"""The PostgreSQL event store, for workers on several hosts sharing one store.

eventsourcing's PostgreSQL process recorder, taking several input positions with one
transaction's events as the SQLite and in-memory stores do (a route batch spans
partitions). Its inserts lock the events table for the length of the transaction, so
notification ids are issued in commit order and the relay never passes over a gap that a
slower transaction fills in later. Tracking is one row a stream that only moves forward:
a position not above the last is refused, as on the other stores.

The store is named by a URL, `postgresql://user:password@host:port/database`, with
optional `?schema=name` (the default `public`) and `&pool_size=n`.
"""
from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresFactory, PostgresProcessRecorder
from eventsourcing.utils import retry
from psycopg.sql import SQL, Identifier

from infra.settings import POSTGRES_SCHEMES

URL_OPTIONS = ("schema", "pool_size")


class SeveralPositionsPostgresRecorder(PostgresProcessRecorder):
    records_more_tracking = True

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # One array a column, sent in binary, not eventsourcing's array of a composite
        # type: psycopg dumps each composite as escaped text (regular expressions over
        # every field): the route step alone took 293-341 µs of CPU a report with it,
        # 230-275 with this (on the SQLite store, 173).
        self.insert_columns_statement = SQL(
            "INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%b::{id_type}[], %b::bigint[], %b::text[], %b::bytea[])"
        ).format(schema=Identifier(self.datastore.schema),
                 table=Identifier(self.events_table_name),
                 id_type=SQL(self.datastore.originator_id_type))
        self.max_versions_statement = self._max_by_statement(
            self.events_table_name, "originator_id", "originator_version")
        self.max_tracking_ids_statement = self._max_by_statement(
            self.tracking_table_name, "application_name", "notification_id")

    def _max_by_statement(self, table: str, key: str, column: str) -> SQL:
        return SQL("SELECT {key}, MAX({column}) AS max FROM {schema}.{table} "
                   "WHERE {key} = ANY(%s) GROUP BY {key}").format(
            key=Identifier(key), column=Identifier(column),
            schema=Identifier(self.datastore.schema), table=Identifier(table))

    def max_versions(self, originator_ids: Collection[UUID]) -> dict[UUID, int]:
        """Each incident's last stored version (those with none left out): one round trip
        for a batch's incidents, where a check each would be one apiece."""
        return self._max_by(self.max_versions_statement, "originator_id", originator_ids)

    def max_tracking_ids(self, application_names: Collection[str]) -> dict[str, int]:
        """Each input stream's tracked position (those with none left out): one round trip
        for a batch's partitions."""
        return self._max_by(self.max_tracking_ids_statement, "application_name",
                            application_names)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)   # as its reads
    def _max_by(self, statement: SQL, key: str, keys: Collection[Any]) -> dict[Any, int]:
        if not keys:
            return {}
        with self.datastore.get_connection() as connection:
            rows = connection.execute(statement, (list(keys),), prepare=True).fetchall()
        return {row[key]: row["max"] for row in rows}

    def _insert_events(self, curs: Any, stored_events: Sequence[StoredEvent],
                       **kwargs: Any) -> None:
        super()._insert_events(curs, stored_events, **kwargs)
        for more in kwargs.get("more_tracking", ()):
            self._insert_tracking(curs, more)

    def _insert_stored_events(self, curs: Any, stored_events: Sequence[StoredEvent],
                              **kwargs: Any) -> None:
        self._lock_table(curs)     # notification ids issued in commit order (above)
        self._notify_channel(curs)
        curs.execute(self.insert_columns_statement, (
            [e.originator_id for e in stored_events],
            [e.originator_version for e in stored_events],
            [e.topic for e in stored_events],
            [e.state for e in stored_events]), prepare=True)

    def _fetch_ids_after_insert_events(self, curs: Any, stored_events: Sequence[StoredEvent],
                                       **kwargs: Any) -> None:
        return None   # no notification ids: the recordings are not followed in process


class SeveralPositionsPostgresFactory(PostgresFactory):
    process_recorder_class = SeveralPositionsPostgresRecorder


PERSISTENCE_TOPIC = f"{__name__}:{SeveralPositionsPostgresFactory.__name__}"


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

