"""A real single-node Apache Kafka broker (KRaft, combined broker+controller) run from jars.

State lives in one folder: `state.json` (pid and ports), `server.properties`, the formatted
log dirs and the broker's own log. Ports are chosen once and kept, because the controller's
endpoint is written into the storage when it is formatted.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from infra.kafka_jars import LOG4J2_CONFIG, ensure_kafka_jars
from infra.kafka_probe import metadata_answers

JAVA_OPTS = ["-Xms256m", "-Xmx768m", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
             "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true"]


class BrokerError(RuntimeError):
    pass


@dataclass(frozen=True)
class BrokerStatus:
    running: bool
    bootstrap: str | None
    pid: int | None
    state_dir: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalBroker:
    def __init__(self, state_dir: Path, cache_dir: Path, *, partitions: int = 6):
        self.state_dir = Path(state_dir)
        self.cache_dir = Path(cache_dir)
        self.partitions = partitions
        self._state_file = self.state_dir / "state.json"

    # -- public -------------------------------------------------------------------------
    def start(self, timeout: float = 90.0) -> str:
        """Start the broker unless it already runs; return its bootstrap address."""
        current = self.status()
        if current.running:
            return current.bootstrap  # type: ignore[return-value]
        jars = ensure_kafka_jars(self.cache_dir)
        state = self._load_state() or self._new_state()
        self._write_config(state)
        self._format_once(jars, state)
        log_dir = self.state_dir / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        with open(log_dir / "stdout.log", "ab") as out:
            process = subprocess.Popen(
                self._java(jars, f"-Xlog:gc,safepoint:file={log_dir / 'gc.log'}"
                           ":time,uptime:filecount=2,filesize=20m",
                           "kafka.Kafka", str(self.state_dir / "server.properties")),
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,  # outlives the command that started it; stopped by pid
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
        while time.monotonic() < deadline and _alive(current.pid):
            time.sleep(0.1)
        if _alive(current.pid):
            os.kill(current.pid, signal.SIGKILL)
        return True

    def status(self) -> BrokerStatus:
        state = self._load_state()
        if not state or not state.get("pid") or not _alive(state["pid"]):
            return BrokerStatus(False, state.get("bootstrap") if state else None, None, self.state_dir)
        return BrokerStatus(True, state["bootstrap"], state["pid"], self.state_dir)

    # -- internals ----------------------------------------------------------------------
    def _new_state(self) -> dict:
        port, controller_port = free_port(), free_port()
        return {
            "cluster_id": _kafka_cluster_id(),
            "port": port,
            "controller_port": controller_port,
            "bootstrap": f"127.0.0.1:{port}",
        }

    def _write_config(self, state: dict) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        data_dir = self.state_dir / "data"
        settings = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.bootstrap.servers": f"127.0.0.1:{state['controller_port']}",
            "listeners": f"PLAINTEXT://127.0.0.1:{state['port']},"
                         f"CONTROLLER://127.0.0.1:{state['controller_port']}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{state['port']}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs": str(data_dir),
            "num.partitions": str(self.partitions),
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "1",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            "auto.create.topics.enable": "false",
            "log.retention.hours": "168",
        }
        text = "".join(f"{key}={value}\n" for key, value in settings.items())
        (self.state_dir / "server.properties").write_text(text)

    def _format_once(self, jars: Path, state: dict) -> None:
        if (self.state_dir / "data" / "meta.properties").exists():
            return
        # `--cluster-id=ID` in one word: a base64 id may begin with "-", which the tool's
        # argument parser would take for an option (one run in 64 failed so).
        command = self._java(jars, "kafka.tools.StorageTool", "format",
                             f"--cluster-id={state['cluster_id']}",
                             "-c", str(self.state_dir / "server.properties"), "--standalone")
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode == 0:
            return
        shutil.rmtree(self.state_dir / "data", ignore_errors=True)  # start afresh next time
        raise BrokerError(f"formatting Kafka storage failed (exit {result.returncode}):\n"
                          f"{result.stdout[-3000:]}{result.stderr[-3000:]}")

    def _java(self, jars: Path, *args: str) -> list[str]:
        """`args`: JVM options of this command, then its main class and arguments."""
        log_dir = self.state_dir / "logs"
        return [
            "java", *JAVA_OPTS,
            f"-Dlog4j2.configurationFile={LOG4J2_CONFIG}",
            f"-Dkafka.logs.dir={log_dir}",
            "-cp", str(jars / "*"), *args,
        ]

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


def _alive(pid: int) -> bool:
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


def _kafka_cluster_id() -> str:
    """A Kafka cluster id: a random UUID in url-safe base64 without padding."""
    import base64
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
