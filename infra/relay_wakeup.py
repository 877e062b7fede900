"""Waking the relay of another process the moment rows are stored.

The relay sleeps once it has caught up with the store, until its own process's steps wake
it (`Relay.wakeup`) or its idle wait passes. Rows stored by another process could not wake
it: an outbound-only worker looked at the store every 5 ms for them, and in a symmetric
pool the relaying worker left the other's rows waiting up to 0.2 s when its own steps were
idle. So the worker relaying (the store's lease holder) also listens on a Unix datagram
socket named after the store, and every other worker that records sends it a byte after
each batch (the relaying one wakes its own relay directly): it wakes at once, and its idle
wait is only the fallback for a lost datagram.

The socket lives in Linux's abstract namespace: no file to clean up, gone with the
process that bound it (a new lease holder binds it again). Elsewhere, or when it cannot be
bound, the relay simply keeps its idle wait. Sending never blocks and never fails the
batch: with no listener (no relay yet) or a full queue (it is awake anyway) the byte is
dropped.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

log = logging.getLogger("grid_dispatch.worker")
SUPPORTED = sys.platform.startswith("linux")


def wakeup_address(store: Path | str) -> bytes:
    """The abstract socket name for a store: its resolved path (or its name as given, for
    a store named by URL), digested."""
    name = str(store.resolve()) if isinstance(store, Path) else store
    digest = hashlib.sha256(name.encode()).hexdigest()[:24]
    return b"\0grid-dispatch-relay-" + digest.encode()


class Wakeups(Protocol):
    """What wakes a relay when other processes store rows (PostgresWakeups is the other)."""
    def listen(self, on_wake: Callable[[], None]) -> bool: ...
    def close(self) -> None: ...


class WakeupSender:
    def __init__(self, store: Path | str):
        self.address = wakeup_address(store)
        self._socket: socket.socket | None = None
        if SUPPORTED:
            self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            self._socket.setblocking(False)

    def __call__(self) -> None:
        if self._socket is not None:
            try:
                self._socket.sendto(b"!", self.address)
            except OSError:   # no relay listening yet, or its queue full: nothing to do
                pass


class WakeupListener:
    """Bound by the relaying worker; `on_wake` runs in its event loop for each burst."""

    def __init__(self, store: Path | str):
        self.address = wakeup_address(store)
        self._socket: socket.socket | None = None

    def listen(self, on_wake: Callable[[], None]) -> bool:
        """Start listening in the running loop; False when it cannot (then the relay
        relies on its idle wait)."""
        if not SUPPORTED or self._socket is not None:
            return self._socket is not None
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        listener.setblocking(False)
        try:
            listener.bind(self.address)
        except OSError as error:   # another process of this store bound it: it relays
            log.warning("relay wake-ups for this store are bound elsewhere (%s); the relay "
                        "looks at the store on its own", error)
            listener.close()
            return False
        asyncio.get_running_loop().add_reader(listener.fileno(), self._drain, listener, on_wake)
        self._socket = listener
        return True

    @staticmethod
    def _drain(listener: socket.socket, on_wake: Callable[[], None]) -> None:
        try:
            while listener.recv(64):
                pass
        except BlockingIOError:
            pass
        on_wake()

    def close(self) -> None:
        if self._socket is not None:
            asyncio.get_running_loop().remove_reader(self._socket.fileno())
            self._socket.close()
            self._socket = None
