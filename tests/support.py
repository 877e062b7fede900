"""Helpers for tests against a real broker and a real worker process."""
from __future__ import annotations

import asyncio
import random
import socket
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from aiokafka import AIOKafkaConsumer

from infra.kafka_io import produce
from infra.settings import Settings
from infra.topic_names import Topics
from tests.city import SMALL_POLICY
from infra.worker_process import WorkerProcess, wait_until  # noqa: F401 (re-exported)


def isolated_settings(home: Path, bootstrap: str) -> Settings:
    tag = uuid.uuid4().hex[:8]
    return Settings(home=home, bootstrap_servers=bootstrap, app_id=f"gd-test-{tag}",
                    topics=Topics(prefix=f"t{tag}."), policy_path=SMALL_POLICY)


def start_worker(settings: Settings) -> WorkerProcess:
    return WorkerProcess.start(settings, settings.bootstrap_servers)


def publish(bootstrap: str, topic: str, records: list[tuple[bytes | None, bytes]]) -> None:
    asyncio.run(produce(bootstrap, topic, records))


def consume_all(bootstrap: str, topic: str, until: Callable[[list], bool],
                timeout: float = 60.0) -> list:
    """Read `topic` from the beginning until `until(messages)` holds or time runs out."""
    async def run() -> list:
        consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap,
                                    auto_offset_reset="earliest", enable_auto_commit=False,
                                    group_id=None)
        await consumer.start()
        messages: list = []
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline and not until(messages):
                batches = await consumer.getmany(timeout_ms=500, max_records=5000)
                for batch in batches.values():
                    messages.extend(batch)
        finally:
            await consumer.stop()
        return messages
    return asyncio.run(run())


def free_ports(count: int = 1) -> int:
    """The first of `count` free ports in a row, for a server a test starts (a pool's
    children serve /metrics on port + index). Below the kernel's range of ephemeral ports:
    a port the kernel handed out free could be taken, before the server binds it, by one
    of the many client connections a test makes (seen once, a worker failing to start)."""
    ephemeral = Path("/proc/sys/net/ipv4/ip_local_port_range")
    low = int(ephemeral.read_text().split()[0]) if ephemeral.exists() else 32768
    while True:
        port = random.randrange(max(1024, low - 12_000), low - count)
        if all(_free(port + step) for step in range(count)):
            return port


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False
