"""A real single-node Apache Kafka broker (KRaft, combined broker+controller) run from jars.

State lives in one folder: `state.json` (pid and ports), `server.properties`, the formatted
log dirs and the broker's own log. Ports are chosen once and kept, because the controller's
endpoint is written into the storage when it is formatted. This module starts, stops and
watches the broker; what it writes before the first start is infra/broker_setup.py's.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from infra.broker_setup import (BrokerError, format_storage_once, java_command, new_state,
                                write_server_properties)
from infra.kafka_jars import ensure_kafka_jars
from infra.kafka_probe import metadata_answers
from infra.local_processes import die_with_parent, pid_alive


@dataclass(frozen=True)
class BrokerStatus:
    running: bool
    bootstrap: str | None
    pid: int | None
    state_dir: Path


class LocalBroker:
    def __init__(self, state_dir: Path, cache_dir: Path, *, partitions: int = 6,
                 with_starter: bool = False):
        """`with_starter`: the broker is stopped when the process that starts it dies, even
        by kill -9 (a test run's, a benchmark's); else it outlives the command that started
        it (`grid-dispatch broker start`) and is stopped by its pid."""
        self.state_dir = Path(state_dir)
        self.cache_dir = Path(cache_dir)
        self.partitions = partitions
        self.with_starter = with_starter
        self._state_file = self.state_dir / "state.json"

    # -- public -------------------------------------------------------------------------
    def start(self, timeout: float = 90.0) -> str:
        """Start the broker unless it already runs; return its bootstrap address."""
        current = self.status()
        if current.running:
            return current.bootstrap  # type: ignore[return-value]
        jars = ensure_kafka_jars(self.cache_dir)
        state = self._load_state() or new_state()
        write_server_properties(self.state_dir, state, self.partitions)
        format_storage_once(self.state_dir, jars, state)
        log_dir = self.state_dir / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        with open(log_dir / "stdout.log", "ab") as out:
            process = subprocess.Popen(
                java_command(self.state_dir, jars,
                             f"-Xlog:gc,safepoint:file={log_dir / 'gc.log'}"
                             ":time,uptime:filecount=2,filesize=20m",
                             "kafka.Kafka", str(self.state_dir / "server.properties")),
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,  # not in the starter's process group: stopped by pid
                preexec_fn=die_with_parent if self.with_starter else None,
            )
        state["pid"] = process.pid
        self._save_state(state)
        self._wait_ready(process, state["bootstrap"], timeout)
        return state["bootstrap"]

    def stop(self, timeout: float = 30.0) -> bool:
        """Stop the broker if it runs; return whether there was one to stop."""
        current = self.status()
        if not current.running or current.pid is None:
            return False
        os.kill(current.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and pid_alive(current.pid):
            time.sleep(0.1)
        if pid_alive(current.pid):
            os.kill(current.pid, signal.SIGKILL)
        return True

    def status(self) -> BrokerStatus:
        state = self._load_state()
        if not state or not state.get("pid") or not pid_alive(state["pid"]):
            return BrokerStatus(False, state.get("bootstrap") if state else None, None, self.state_dir)
        return BrokerStatus(True, state["bootstrap"], state["pid"], self.state_dir)

    # -- internals ----------------------------------------------------------------------
    def _wait_ready(self, process: subprocess.Popen, bootstrap: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise BrokerError(f"Kafka exited with {process.returncode}:\n{self._log_tail()}")
            if metadata_answers(bootstrap, timeout=2.0):
                return
            time.sleep(0.3)
        process.kill()
        raise BrokerError(f"Kafka did not answer a metadata request within {timeout}s:\n"
                          f"{self._log_tail()}")

    def _log_tail(self, lines: int = 40) -> str:
        text = ""
        for name in ("stdout.log", "server.log"):
            path = self.state_dir / "logs" / name
            if path.exists():
                text += f"--- {path}\n" + "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
        return text

    def _load_state(self) -> dict | None:
        try:
            return json.loads(self._state_file.read_text())
        except (FileNotFoundError, ValueError):
            return None

    def _save_state(self, state: dict) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._state_file.write_text(json.dumps(state, indent=2))
