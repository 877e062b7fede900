"""`grid-dispatch worker --processes N`: N workers sharing one store, one per core.

A worker is one Python process and one GIL, so one worker keeps one core busy however
many the machine has. The children are ordinary workers (`GRID_DISPATCH_WORKER_INDEX`
0..N-1; `/metrics` on the given port + index): Kafka splits the inbound partitions
between them and the store's lease picks the one that relays and watches SLAs. With
`--split`, child 0 is outbound only (relay, views, SLA watcher) and the others inbound
only (route, commands): the relay and the views no longer take turns with the route step
in one process, nor does every child follow every event into full views. The pool
resolves the broker and every path once and hands them down, so the children share one
broker and one store whatever their working directory. A child that dies is started
again; stopping the pool stops them all.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace

from infra.local_processes import die_with_parent
from infra.settings import PROJECT_ROOT, Settings

RESTART_PAUSE = 2.0   # seconds before a dead child is started again (no busy crash loop)
QUICK_EXIT = 30.0     # a child that dies sooner than this after its start failed to start
GIVE_UP_AFTER = 5     # quick exits in a row (a bad setting, say): the pool stops, exit 1
RESTARTING = "; starting it again in "   # in the line telling of a child that exited


def restarts_in(log: str) -> list[str]:
    """The lines of a pool's log telling of a child that exited and was started again."""
    return [line for line in log.splitlines() if line.startswith("worker ") and RESTARTING in line]


def child_environment(settings: Settings, bootstrap: str, index: int, split: bool = False,
                      processes: int = 1) -> dict[str, str]:
    """`split`: child 0 outbound (relay, views, SLA watcher), the others inbound (route,
    commands), and with two processes the inbound one is the sole one; otherwise each
    does all of it, with the role the pool was given."""
    role = ("outbound" if index == 0 else "inbound") if split else settings.worker_role
    # A routing child leaves the store's checkpoints to its relaying sibling, the less busy
    # (infra/sqlite_store.py, "elsewhere"); a worker started alone keeps its own.
    checkpoints = "elsewhere" if split and role == "inbound" and \
        settings.store_checkpoints == "background" else settings.store_checkpoints
    child = replace(settings, worker_index=index, worker_role=role,
                    store_checkpoints=checkpoints,
                    # (worked out here, not passed on: N children are never alone)
                    sole_inbound=role == "inbound" and split and processes == 2,
                    metrics_port=settings.metrics_port + index if settings.metrics_port else 0)
    env = dict(os.environ, **child.environment(bootstrap))
    if settings.profile_path:   # one pstats file per child
        env["GRID_DISPATCH_PROFILE"] = f"{settings.profile_path}.{index}"
    return env


def run_pool(settings: Settings, processes: int, loglevel: str, bootstrap: str,
             split: bool = False) -> int:
    children: dict[int, subprocess.Popen] = {}
    started_at: dict[int, float] = {}
    quick_exits: dict[int, int] = {}
    stopping = False

    def start(index: int) -> None:
        children[index] = subprocess.Popen(
            [sys.executable, "-m", "infra.cli", "worker", "--loglevel", loglevel],
            env=child_environment(settings, bootstrap, index, split, processes),
            cwd=PROJECT_ROOT,
            preexec_fn=die_with_parent)
        started_at[index] = time.monotonic()

    def stop(signum, frame) -> None:
        nonlocal stopping
        stopping = True
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for index in range(processes):
        start(index)
    roles = " (0 outbound, the others inbound)" if split else ""
    print(f"grid-dispatch worker pool: {processes} processes{roles} "
          f"({', '.join(str(c.pid) for c in children.values())})", flush=True)
    restart_at: dict[int, float] = {}
    failed = False
    while not stopping:
        time.sleep(0.5)
        for index, child in list(children.items()):
            if stopping or child.poll() is None:
                continue
            if index not in restart_at:
                quick = time.monotonic() - started_at[index] < QUICK_EXIT
                quick_exits[index] = quick_exits.get(index, 0) + 1 if quick else 0
                if quick_exits[index] >= GIVE_UP_AFTER:
                    print(f"worker {index} exited with {child.returncode} {GIVE_UP_AFTER} times "
                          f"in a row within {QUICK_EXIT:g} s of starting; stopping the pool",
                          file=sys.stderr, flush=True)
                    stop(signal.SIGTERM, None)
                    failed = True
                    break
                print(f"worker {index} exited with {child.returncode}{RESTARTING}"
                      f"{RESTART_PAUSE:g} s", file=sys.stderr, flush=True)
                restart_at[index] = time.monotonic() + RESTART_PAUSE
            elif time.monotonic() >= restart_at[index]:
                del restart_at[index]
                start(index)
                if stopping:   # told to stop while it was being started
                    children[index].send_signal(signal.SIGTERM)
    for child in children.values():
        try:
            child.wait(30)
        except subprocess.TimeoutExpired:
            child.kill()
    return 1 if failed else 0
