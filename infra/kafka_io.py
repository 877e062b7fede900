"""Publishing plain (key, value) records to a topic and waiting for the broker's acks."""
from __future__ import annotations

import asyncio
import logging

from aiokafka import AIOKafkaProducer

from infra.partitioned_batches import PartitionedPublisher

log = logging.getLogger("grid_dispatch.worker")


def new_producer(bootstrap: str) -> AIOKafkaProducer:
    """The producer settings the engine's publishers share: idempotent, all acks, batched."""
    return AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5,
                            enable_idempotence=True, max_batch_size=256 * 1024)


async def produce(bootstrap: str, topic: str, records: list[tuple[bytes | None, bytes]],
                  one_by_one: bool = False) -> None:
    """Publish the records and wait for every ack. Keyed records go out as one batch per
    partition at a time (infra/partitioned_batches.py), placed as Kafka's default
    partitioner places them: sent one by one (`one_by_one`, aiokafka's usual way), its
    murmur2 in Python and a future a record cost the benchmarks' publisher about 20 µs of
    CPU a record, against 7 (benchmarks/JOURNAL.md, session 22)."""
    producer = new_producer(bootstrap)
    await producer.start()
    try:
        if not one_by_one and all(key is not None for key, _ in records):
            await PartitionedPublisher(producer, topic).publish(records)
        else:   # (a record without a key goes to any partition: aiokafka picks)
            pending = [await producer.send(topic, value, key=key) for key, value in records]
            await asyncio.gather(*pending)
    finally:
        await producer.stop()


class RenewableProducer:
    """A producer started when first asked for, and made anew after a failure: once an
    aiokafka producer's sender has died, every send raises the same error for ever."""

    def __init__(self, bootstrap: str):
        self.bootstrap = bootstrap
        self._producer: AIOKafkaProducer | None = None

    async def get(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = new_producer(self.bootstrap)
            await producer.start()
            self._producer = producer
        return self._producer

    async def renew(self) -> None:
        """Drop the current producer (after a failure): the next `get` starts a new one."""
        old, self._producer = self._producer, None
        if old is not None:
            try:
                await old.stop()
            except Exception:  # it failed already; what matters is the next one
                log.warning("stopping a failed producer failed too", exc_info=True)

    stop = renew
