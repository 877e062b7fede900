"""Waking the relay the moment rows are stored in a PostgreSQL store, by any worker on any
host: every transaction that inserts events also sends a NOTIFY on the events table's
channel (eventsourcing's recorder does), and the relaying worker LISTENs on a connection
of its own, read in its event loop. Same interface as infra/relay_wakeup.py's listener,
which only reaches workers on one host.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import psycopg
from psycopg.sql import SQL, Identifier

from infra.postgres_settings import connection_settings, postgres_env

log = logging.getLogger("grid_dispatch.worker")


class PostgresWakeups:
    def __init__(self, url: str, channel: str):
        """`channel`: the one the store's recorder notifies (its `channel_name`, after its
        events table)."""
        self.channel = channel
        self._connect = connection_settings(postgres_env(url), "grid-dispatch relay wake-ups")
        self._connection: psycopg.Connection | None = None
        self._fd = -1

    def listen(self, on_wake: Callable[[], None]) -> bool:
        """Start listening in the running loop; False when it cannot (then the relay
        relies on its idle wait)."""
        if self._connection is not None:
            return True
        try:
            connection = psycopg.connect(**self._connect)
            connection.execute(SQL("LISTEN {}").format(Identifier(self.channel)))
        except psycopg.Error as error:
            log.warning("relay wake-ups from the store cannot be listened to (%s); the relay "
                        "looks at the store on its own", error)
            return False
        self._connection, self._fd = connection, connection.fileno()
        asyncio.get_running_loop().add_reader(self._fd, self._drain, on_wake)
        return True

    def _drain(self, on_wake: Callable[[], None]) -> None:
        pgconn = self._connection.pgconn
        try:
            pgconn.consume_input()
        except psycopg.Error as error:   # its session ended: the idle wait takes over
            log.warning("relay wake-ups from the store stopped (%s); the relay looks at the "
                        "store on its own", error)
            self.close()
            return
        woken = False
        while pgconn.notifies() is not None:
            woken = True
        if woken:
            on_wake()

    def close(self) -> None:
        if self._connection is not None:
            try:
                asyncio.get_running_loop().remove_reader(self._fd)
            except RuntimeError:   # no running loop: nothing reads it
                pass
            self._connection.close()
            self._connection = None
