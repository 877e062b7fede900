"""Publishing plain (key, value) records to a topic and waiting for the broker's acks."""
from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaProducer


def new_producer(bootstrap: str) -> AIOKafkaProducer:
    """The producer settings the engine's publishers share: idempotent, all acks, batched."""
    return AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5,
                            enable_idempotence=True, max_batch_size=256 * 1024)


async def produce(bootstrap: str, topic: str, records: list[tuple[bytes | None, bytes]]) -> None:
    producer = new_producer(bootstrap)
    await producer.start()
    try:
        pending = [await producer.send(topic, value, key=key) for key, value in records]
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
