"""What the servers we run ourselves ask of the operating system: a free local port to listen
on (the Kafka broker and PostgreSQL both), whether a process we started still lives (the
broker's, after a restart of ours), and a child that dies with its parent (a pool's
workers; a broker a test run or a benchmark started).

Apart from either server because both need a port, and neither's module is the other's home.
"""
from __future__ import annotations

import ctypes
import os
import signal
import socket
from pathlib import Path

PR_SET_PDEATHSIG = 1

try:   # looked up here, in the parent: the child runs as little Python as it can
    _prctl = ctypes.CDLL("libc.so.6", use_errno=True).prctl
except OSError:   # not Linux: children outlive a killed parent, as plain processes do
    _prctl = None


def die_with_parent(signal_number: int = signal.SIGTERM) -> None:
    """In the child, before it runs (`preexec_fn`): Linux sends it SIGTERM (or
    `signal_number`) when its parent dies, even by kill -9 (a pool's child: so no orphaned
    worker keeps the store's lease). Strictly, when the parent's thread that started it
    ends: start such children from a thread that lives as long as they should. A change of
    user clears it, so a child that runs as another account must be switched first
    (`subprocess.Popen(user=...)` does so before `preexec_fn`)."""
    if _prctl is not None:
        _prctl(PR_SET_PDEATHSIG, signal_number)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still answers signal 0; reap it if it is ours.
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        return _not_zombie(pid)


def _not_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
