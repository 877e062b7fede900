"""Ask a Kafka cluster what it holds: the readiness check for a broker we started, group
members, the end offsets of a topic."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.client import AIOKafkaClient
from aiokafka.errors import KafkaError


@contextmanager
def kafka_client_quiet() -> Iterator[None]:
    """aiokafka logs every refused connection; where a refusal is the expected answer (a
    broker booting, one not there yet) that is noise. (`setLevel`: the children's cached
    levels follow.)"""
    logger = logging.getLogger("aiokafka")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def broker_answers(bootstrap: str, timeout: float = 5.0) -> str | None:
    """None if a broker at `bootstrap` answers a metadata request, else why not (an address
    that is not host:port raises ValueError: no broker will ever answer there)."""
    async def ask() -> None:
        client = AIOKafkaClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout * 1000))
        try:
            await asyncio.wait_for(client.bootstrap(), timeout)
        finally:
            await client.close()

    try:
        with kafka_client_quiet():
            asyncio.run(ask())
        return None
    except (KafkaError, OSError, TimeoutError) as error:   # not there (yet)
        name, text = type(error).__name__, str(error)
        return text if text.startswith(name) else f"{name}: {text}" if text else name


def metadata_answers(bootstrap: str, timeout: float = 2.0) -> bool:
    async def probe() -> bool:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout * 1000))
        try:
            await asyncio.wait_for(admin.start(), timeout)
            cluster = await asyncio.wait_for(admin.describe_cluster(), timeout)
            return bool(cluster.get("brokers"))
        except Exception:  # any failure means "not ready yet"
            return False
        finally:
            await admin.close()

    with kafka_client_quiet():   # (while the broker boots)
        return asyncio.run(probe())


def group_members(bootstrap: str, group: str) -> tuple[str, int]:
    """A consumer group's state ("Stable", "PreparingRebalance", "Empty", ...) and how
    many members it has: how a caller knows several workers have all joined. ("Unknown", 0)
    while the cluster cannot say yet (no group coordinator on a fresh broker)."""
    async def describe() -> tuple[str, int]:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            response = (await admin.describe_consumer_groups([group]))[0]
        except KafkaError:
            return "Unknown", 0
        finally:
            await admin.close()
        _, _, state, _, _, members = response.groups[0][:6]
        return state, len(members)
    return asyncio.run(describe())


def end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    """Partition -> the offset the next message on `topic` will get, as of now."""
    async def ask() -> dict[int, int]:
        # Subscribed without a group: started, it knows the topic's partitions.
        consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None,
                                    enable_auto_commit=False)
        await consumer.start()
        try:
            numbers = consumer.partitions_for_topic(topic)
            if not numbers:
                raise LookupError(f"topic {topic} is not on the cluster at {bootstrap}")
            partitions = [TopicPartition(topic, n) for n in sorted(numbers)]
            return {tp.partition: end for tp, end in (await consumer.end_offsets(partitions)).items()}
        finally:
            await consumer.stop()
    return asyncio.run(ask())
