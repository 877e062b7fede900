"""A `grid-dispatch worker` in a child process, configured through its environment.

The demo, the tests and the benchmarks run the worker exactly as an operator would. The
worker runs in a session of its own (a terminal's Ctrl-C goes to its starter, which stops
it in order), and is sent SIGTERM if its starter dies without stopping it (killed, or
ended by a signal it does not handle): else a benchmark or test run cut short left its
workers running, as a benchmark's did for 35 minutes beside later measurements.
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
from infra.local_processes import die_with_parent


@dataclass
class WorkerProcess:
    process: subprocess.Popen
    settings: Settings
    log_path: Path
    routing: int = 1   # its processes that route reports (a split pool's outbound one does not)

    @classmethod
    def start(cls, settings: Settings, bootstrap: str, loglevel: str = "info",
              processes: int = 1, split: bool = False) -> "WorkerProcess":
        settings.home.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, **settings.environment(bootstrap))
        log_path = settings.home / "worker.log"
        with open(log_path, "ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "infra.cli", "worker", "--loglevel", loglevel,
                 "--processes", str(processes), *(["--split"] if split else [])],
                env=env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
                # (Linux ties this to the starting thread: every caller starts it from
                # its main thread)
                preexec_fn=die_with_parent)
        return cls(process, settings, log_path, processes - 1 if split else processes)

    def wait_until_routing(self, bootstrap: str, timeout: float = 120) -> None:
        """Until every routing process has joined the route group and it is stable."""
        from infra.kafka_probe import group_members
        wait_until(lambda: group_members(bootstrap, self.settings.route_group) ==
                   ("Stable", self.routing), timeout, interval=0.5,
                   message=f"{self.routing} workers in the route group")

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
