"""A `grid-dispatch worker` in a child process, configured through its environment.

The demo, the tests and the benchmarks run the worker exactly as an operator would.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from infra.settings import PROJECT_ROOT, Settings


@dataclass
class WorkerProcess:
    process: subprocess.Popen
    settings: Settings
    log_path: Path

    @classmethod
    def start(cls, settings: Settings, bootstrap: str, loglevel: str = "info",
              processes: int = 1) -> "WorkerProcess":
        settings.home.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, KAFKA_BOOTSTRAP_SERVERS=bootstrap,
                   GRID_DISPATCH_HOME=str(settings.home),
                   GRID_DISPATCH_STORE=str(settings.store),
                   GRID_DISPATCH_STORE_SYNC=settings.store_sync,
                   GRID_DISPATCH_VIEWS=str(settings.views),
                   GRID_DISPATCH_TOPIC_PREFIX=settings.topics.prefix,
                   GRID_DISPATCH_APP_ID=settings.app_id)
        if settings.policy_path:
            env["GRID_DISPATCH_POLICY"] = str(settings.policy_path)
        if settings.metrics_port:
            env["GRID_DISPATCH_METRICS_PORT"] = str(settings.metrics_port)
        if settings.territory_path:
            env["GRID_DISPATCH_TERRITORY"] = str(settings.territory_path)
        if settings.duplicates_path:
            env["GRID_DISPATCH_DUPLICATES"] = str(settings.duplicates_path)
        log_path = settings.home / "worker.log"
        with open(log_path, "ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "infra.cli", "worker", "--loglevel", loglevel,
                 "--processes", str(processes)],
                env=env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True)
        return cls(process, settings, log_path)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 20.0) -> None:
        if self.alive():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self) -> None:
        """kill -9: no shutdown, no flush, as a crash would leave it."""
        if self.alive():
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


def wait_until(condition: Callable[[], bool], timeout: float, interval: float = 0.25,
               message: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {message}")
