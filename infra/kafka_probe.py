"""Ask a Kafka cluster what it holds: the readiness check for a broker we started, group
members, the end offsets of a topic."""
from __future__ import annotations

import asyncio
import logging

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError


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

    # aiokafka logs every refused connection while the broker boots; that is expected here.
    logger = logging.getLogger("aiokafka")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        return asyncio.run(probe())
    finally:
        logger.setLevel(level)


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
