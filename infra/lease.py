"""A lease on the event store: which of several workers sharing it runs the relay and the
SLA watcher, so each stored event is published once and each alert recorded once.

It is an exclusive `flock` on a file beside the store. The kernel drops it when its
holder's process ends however it ends (kill -9 included), and another worker takes it
over at its next try. That holds for workers on one host, which is what a SQLite store
allows anyway; a store shared across hosts needs the store's own lock instead.
"""
from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import Protocol


class Lease(Protocol):
    """One holder at a time among the workers sharing a store (infra/postgres_lease.py is
    the other)."""
    @property
    def held(self) -> bool: ...
    def try_acquire(self) -> bool: ...
    def still_held(self) -> bool: ...
    def release(self) -> None: ...


class StoreLease:
    def __init__(self, store: Path, name: str = "leader"):
        self.path = Path(f"{store}.{name}.lease")
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self) -> bool:
        """Take the lease if no one holds it; True while this process holds it."""
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        # Who holds it, for an operator looking at the file (the lock is what counts).
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def still_held(self) -> bool:
        """Whether this process holds the lease still: a file lock is not lost while held."""
        return self.held

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
