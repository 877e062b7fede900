"""Helpers for tests against a real broker and a real worker process."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from infra.settings import PROJECT_ROOT, Settings, Topics


def wait_until(condition: Callable[[], bool], timeout: float, interval: float = 0.25,
               message: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")


@dataclass
class WorkerProcess:
    process: subprocess.Popen
    settings: Settings
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.alive():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def isolated_settings(home: Path, bootstrap: str) -> Settings:
    tag = uuid.uuid4().hex[:8]
    return Settings(home=home, bootstrap_servers=bootstrap, app_id=f"gd-test-{tag}",
                    topics=Topics(prefix=f"t{tag}."))


def start_worker(settings: Settings) -> WorkerProcess:
    env = dict(os.environ, KAFKA_BOOTSTRAP_SERVERS=settings.bootstrap_servers,
               GRID_DISPATCH_HOME=str(settings.home),
               GRID_DISPATCH_TOPIC_PREFIX=settings.topics.prefix,
               GRID_DISPATCH_APP_ID=settings.app_id)
    settings.home.mkdir(parents=True, exist_ok=True)
    log_path = settings.home / "worker.log"
    process = subprocess.Popen([sys.executable, "-m", "infra.cli", "worker", "--loglevel", "info"],
                               env=env, cwd=PROJECT_ROOT, stdout=open(log_path, "ab"),
                               stderr=subprocess.STDOUT, start_new_session=True)
    return WorkerProcess(process, settings, log_path)


def publish(bootstrap: str, topic: str, records: list[tuple[bytes | None, bytes]]) -> None:
    async def run() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
        await producer.start()
        try:
            sent = [await producer.send(topic, value, key=key) for key, value in records]
            await asyncio.gather(*sent)
        finally:
            await producer.stop()
    asyncio.run(run())


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
