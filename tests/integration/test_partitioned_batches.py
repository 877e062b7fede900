"""Batched publishing on a real broker: every record arrives once, on its key's partition,
in the order sent per key."""
import asyncio
import uuid

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from infra.kafka_io import new_producer
from infra.partitioned_batches import PartitionedPublisher, partition_for


async def _publish_and_read(bootstrap, records, partitions=6):
    topic = f"test-batches-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(topic, partitions, 1)])
    await admin.close()
    producer = new_producer(bootstrap)
    await producer.start()
    try:
        publisher = PartitionedPublisher(producer, topic)
        half = len(records) // 2
        await publisher.publish(records[:half])
        await publisher.publish(records[half:])
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    seen = []
    try:
        while len(seen) < len(records):
            for batch in (await consumer.getmany(timeout_ms=1000)).values():
                seen.extend(batch)
    finally:
        await consumer.stop()
    return seen


def test_records_arrive_once_on_their_keys_partition_in_order(kafka_bootstrap):
    keys = [str(uuid.uuid4()).encode() for _ in range(300)]
    # 3,000 records of about 1 KiB: several batches per partition (256 KiB each).
    records = [(keys[n % 300], f"{n:06d}".encode() + b"x" * 1000) for n in range(3000)]
    seen = asyncio.run(_publish_and_read(kafka_bootstrap, records))
    assert sorted((r.key, r.value) for r in seen) == sorted(records)
    for record in seen:
        assert record.partition == partition_for(record.key, 6)
    by_key: dict[bytes, list[bytes]] = {}
    for record in sorted(seen, key=lambda r: (r.partition, r.offset)):
        by_key.setdefault(record.key, []).append(record.value)
    for key, values in by_key.items():
        assert values == [value for k, value in records if k == key]


def test_a_record_larger_than_a_batch_goes_out_in_a_batch_of_its_own(kafka_bootstrap):
    records = [(b"small", b"a"), (b"big", b"x" * 300_000), (b"small", b"b")]
    seen = asyncio.run(_publish_and_read(kafka_bootstrap, records))
    assert sorted((r.key, r.value) for r in seen) == sorted(records)
