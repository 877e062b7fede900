"""The store's lease on a PostgreSQL store: a session advisory lock, for workers on
several hosts (infra/lease.py is the one-host lease of a SQLite store).

The lock belongs to one connection of the holder's. The server lets go of it when that
session ends however it ends: the holder killed with -9 (its socket closes), or its host
gone (TCP keepalives on the server's end of the session, set to end it within about
15 s; infra/postgres_settings.py). A holder whose connection is
lost has lost the lease too, and another worker may have taken it: `still_held` tells,
and the worker stops rather than relay beside the new holder (infra/lease_tasks.py).
"""
from __future__ import annotations

import hashlib
import os
import socket

import psycopg

from infra.postgres_settings import connection_settings, postgres_env

APPLICATION = "grid-dispatch lease "


def lock_key(database: str, schema: str, name: str) -> int:
    """A signed 64-bit advisory lock key for one lease of one store (database and schema)."""
    digest = hashlib.sha256(f"grid-dispatch:{database}:{schema}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PostgresLease:
    def __init__(self, url: str, name: str = "leader"):
        env = postgres_env(url)
        # (the holder named for an operator, and for `holder`)
        self._connect = connection_settings(
            env, f"{APPLICATION}{os.getpid()}@{socket.gethostname()}")
        self.key = lock_key(env["POSTGRES_DBNAME"], env["POSTGRES_SCHEMA"] or "public", name)
        self._connection: psycopg.Connection | None = None

    @property
    def held(self) -> bool:
        return self._connection is not None

    def try_acquire(self) -> bool:
        """Take the lease if no one holds it; True while this process holds it."""
        if self._connection is not None:
            return True
        connection = psycopg.connect(**self._connect)
        try:
            taken = connection.execute("SELECT pg_try_advisory_lock(%s)",
                                       (self.key,)).fetchone()[0]
        except BaseException:
            connection.close()
            raise
        if not taken:
            connection.close()
            return False
        self._connection = connection
        return True

    def still_held(self) -> bool:
        """Whether the session holding the lock is alive; False once it is lost (and the
        lease with it, for good: a lost holder does not take it back by itself)."""
        if self._connection is None:
            return False
        try:
            self._connection.execute("SELECT 1").fetchone()
            return True
        except psycopg.Error:
            self.release()
            return False

    def holder(self) -> tuple[int, str] | None:
        """The process id and host of the worker holding the lease, if one does."""
        with psycopg.connect(**self._connect) as connection:
            row = connection.execute(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
                "WHERE l.locktype = 'advisory' AND l.granted AND "
                "((l.classid::bigint << 32) | l.objid::bigint) = %s", (self.key,)).fetchone()
        if row is None:
            return None
        pid, _, host = row[0].removeprefix(APPLICATION).partition("@")
        return int(pid), host

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()   # the session ends: the server lets go of the lock
            finally:
                self._connection = None
