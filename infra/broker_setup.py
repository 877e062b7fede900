"""The local broker's setup on disk: its first state (ports and cluster id), its
`server.properties`, its storage formatted once, and the java command line that runs
Kafka's programs.

Apart from infra/broker.py, which starts, stops and watches the broker: this is what a
KRaft node needs before it can start, written once into its state folder.
"""
from __future__ import annotations

import base64
import shutil
import subprocess
import uuid
from pathlib import Path

from infra.kafka_jars import LOG4J2_CONFIG
from infra.local_processes import free_port

JAVA_OPTS = ["-Xms256m", "-Xmx768m", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
             "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true"]


class BrokerError(RuntimeError):
    pass


def new_state() -> dict:
    port, controller_port = free_port(), free_port()
    return {
        "cluster_id": _kafka_cluster_id(),
        "port": port,
        "controller_port": controller_port,
        "bootstrap": f"127.0.0.1:{port}",
    }


def write_server_properties(state_dir: Path, state: dict, partitions: int) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    data_dir = state_dir / "data"
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
        "num.partitions": str(partitions),
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
        "auto.create.topics.enable": "false",
        "log.retention.hours": "168",
        # The controller's no-op records (every 500 ms by default), which tell a cluster's
        # observers the metadata log is alive, kept an idle node busy: 22% of a core,
        # against 8% without (benchmarks/JOURNAL.md, session 23). One node has no observers.
        "metadata.max.idle.interval.ms": "0",
    }
    text = "".join(f"{key}={value}\n" for key, value in settings.items())
    (state_dir / "server.properties").write_text(text)


def format_storage_once(state_dir: Path, jars: Path, state: dict) -> None:
    if (state_dir / "data" / "meta.properties").exists():
        return
    # `--cluster-id=ID` in one word: a base64 id may begin with "-", which the tool's
    # argument parser would take for an option (one run in 64 failed so).
    command = java_command(state_dir, jars, "kafka.tools.StorageTool", "format",
                           f"--cluster-id={state['cluster_id']}",
                           "-c", str(state_dir / "server.properties"), "--standalone")
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode == 0:
        return
    shutil.rmtree(state_dir / "data", ignore_errors=True)  # start afresh next time
    raise BrokerError(f"formatting Kafka storage failed (exit {result.returncode}):\n"
                      f"{result.stdout[-3000:]}{result.stderr[-3000:]}")


def java_command(state_dir: Path, jars: Path, *args: str) -> list[str]:
    """`args`: JVM options of this command, then its main class and arguments."""
    log_dir = state_dir / "logs"
    return [
        "java", *JAVA_OPTS,
        f"-Dlog4j2.configurationFile={LOG4J2_CONFIG}",
        f"-Dkafka.logs.dir={log_dir}",
        "-cp", str(jars / "*"), *args,
    ]


def _kafka_cluster_id() -> str:
    """A Kafka cluster id: a random UUID in url-safe base64 without padding."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
