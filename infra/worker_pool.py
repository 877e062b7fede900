"""`grid-dispatch worker --processes N`: N workers sharing one store, one per core.

A worker is one Python process and one GIL, so one worker keeps one core busy however
many the machine has. The children are ordinary workers (`GRID_DISPATCH_WORKER_INDEX`
0..N-1; `/metrics` on the given port + index): Kafka splits the inbound partitions
between them and the store's lease picks the one that relays and watches SLAs. A child
that dies is started again; stopping the pool stops them all.
"""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time

from infra.settings import PROJECT_ROOT, Settings

log = logging.getLogger("grid_dispatch.worker_pool")
RESTART_PAUSE = 2.0   # seconds before a dead child is started again (no busy crash loop)


def run_pool(settings: Settings, processes: int, loglevel: str) -> int:
    children: dict[int, subprocess.Popen] = {}
    stopping = False

    def start(index: int) -> None:
        env = dict(os.environ, GRID_DISPATCH_WORKER_INDEX=str(index))
        if settings.metrics_port:
            env["GRID_DISPATCH_METRICS_PORT"] = str(settings.metrics_port + index)
        children[index] = subprocess.Popen(
            [sys.executable, "-m", "infra.cli", "worker", "--loglevel", loglevel],
            env=env, cwd=PROJECT_ROOT)

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
    print(f"grid-dispatch worker pool: {processes} processes "
          f"({', '.join(str(c.pid) for c in children.values())})", flush=True)
    while not stopping:
        time.sleep(0.5)
        for index, child in list(children.items()):
            if not stopping and child.poll() is not None:
                print(f"worker {index} exited with {child.returncode}; starting it again",
                      file=sys.stderr, flush=True)
                time.sleep(RESTART_PAUSE)
                start(index)
    for child in children.values():
        try:
            child.wait(30)
        except subprocess.TimeoutExpired:
            child.kill()
    return 0
