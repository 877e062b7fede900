"""The PostgreSQL event store, for workers on several hosts sharing one store.

eventsourcing's PostgreSQL process recorder, taking several input positions with one
transaction's events as the SQLite and in-memory stores do (a route batch spans
partitions). Its inserts lock the events table for the length of the transaction, so
notification ids are issued in commit order and the relay never passes over a gap that a
slower transaction fills in later. Tracking is one row a stream that only moves forward:
a position not above the last is refused, as on the other stores.

The store is named by a URL, read into eventsourcing's settings in infra/postgres_settings.py.
"""
from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresFactory, PostgresProcessRecorder
from eventsourcing.utils import retry
from psycopg.sql import SQL, Identifier


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

    def process_recorder(self) -> SeveralPositionsPostgresRecorder:
        """The recorder, its tables made in turns with other processes making them: two
        `CREATE ... IF NOT EXISTS` of one table or type at once refuse one of them (a
        unique violation in the server's catalogue). Measured before: two processes
        opening a new store together, one of them failed in each of 20 rounds."""
        if not self.env_create_table():
            return super().process_recorder()
        with _taking_turns(self.env, self.datastore.schema, "tables"):
            return super().process_recorder()


TURN_WAIT_S = 30


@contextmanager
def _taking_turns(env: Any, schema: str, name: str) -> Iterator[None]:
    """Held while the block runs: a session advisory lock of the store's (database and
    schema) named `name` (the lease is another: infra/postgres_lease.py), waited for at
    most TURN_WAIT_S. Let go of when its session ends, however the block ends."""
    # (imported here: both modules import this one)
    from infra.postgres_lease import lock_key
    from infra.postgres_settings import connection_settings
    key = lock_key(env["POSTGRES_DBNAME"], schema, name)
    with psycopg.connect(**connection_settings(env, f"grid-dispatch {name} lock")) as connection:
        connection.execute(f"SET lock_timeout = '{TURN_WAIT_S}s'")
        try:
            connection.execute("SELECT pg_advisory_lock(%s)", (key,))
        except psycopg.errors.LockNotAvailable as waited:
            raise OperationalError(f"the store's {name} lock was held by another process for "
                                   f"more than {TURN_WAIT_S} s") from waited
        yield


PERSISTENCE_TOPIC = f"{__name__}:{SeveralPositionsPostgresFactory.__name__}"
