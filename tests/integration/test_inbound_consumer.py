"""The inbound consumer starts each partition where the store says, not where the group's
committed offsets say, and commits what it handed over."""
import asyncio
import uuid

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from infra.inbound_consumer import consume_batches
from infra.kafka_io import new_producer


async def _run(bootstrap: str, tracked_at: dict[int, int], expected: int,
               committed_ahead: dict[int, int] | None = None, failing_reads: int = 0):
    topic, group = f"test-inbound-{uuid.uuid4().hex[:8]}", f"g-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(topic, 2, 1)])
    await admin.close()
    # Ten messages on each partition, keyed so that they land where we say.
    producer_records = [(f"{p}-{n}".encode(), f"{p}:{n}".encode()) for p in (0, 1) for n in range(10)]
    producer = new_producer(bootstrap)
    await producer.start()
    try:
        for key, value in producer_records:
            await producer.send_and_wait(topic, value, key=key, partition=int(key[:1]))
    finally:
        await producer.stop()
    seen, done = [], asyncio.Event()

    async def handle(messages):
        seen.extend(messages)
        if len(seen) >= expected:
            done.set()

    if committed_ahead:   # the group's offsets say more was done than the store knows
        ahead = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group,
                                 enable_auto_commit=False)
        await ahead.start()
        try:
            partitions = [TopicPartition(topic, p) for p in committed_ahead]
            ahead.assign(partitions)
            await ahead.commit({TopicPartition(topic, p): at for p, at in committed_ahead.items()})
        finally:
            await ahead.stop()
    tracked = {f"{topic}:{p}": at for p, at in tracked_at.items()}
    failures = [failing_reads]

    def read_position(stream):
        if failures[0]:   # the store is locked for a moment
            failures[0] -= 1
            raise TimeoutError("database is locked")
        return tracked.get(stream)
    task = asyncio.create_task(consume_batches(bootstrap, topic, group, 100, read_position, handle))
    await asyncio.wait_for(done.wait(), 60)
    await asyncio.sleep(0.5)   # anything beyond what is expected would arrive now
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    check = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group)
    await check.start()
    try:
        committed = {p: await check.committed(TopicPartition(topic, p)) for p in (0, 1)}
    finally:
        await check.stop()
    return seen, committed


def test_a_tracked_partition_starts_after_the_last_recorded_message(kafka_bootstrap):
    # Partition 0 has its first six messages recorded (position 6); partition 1 none.
    seen, committed = asyncio.run(_run(kafka_bootstrap, {0: 6}, expected=4 + 10))
    assert sorted((m.partition, m.offset) for m in seen) == \
        [(0, n) for n in range(6, 10)] + [(1, n) for n in range(10)]
    assert [m.value for m in seen if m.partition == 0] == [b"0:6", b"0:7", b"0:8", b"0:9"]
    assert committed == {0: 10, 1: 10}


def test_the_committed_offsets_are_never_trusted_over_the_store(kafka_bootstrap):
    # The group committed 10 on partition 1 and 8 on partition 0, but the store knows
    # nothing of partition 1 and has partition 0 up to 3 (it lost its last commits).
    seen, _ = asyncio.run(_run(kafka_bootstrap, {0: 3}, expected=7 + 10,
                               committed_ahead={0: 8, 1: 10}))
    assert sorted((m.partition, m.offset) for m in seen) == \
        [(0, n) for n in range(3, 10)] + [(1, n) for n in range(10)]


def test_a_position_that_cannot_be_read_holds_the_partition_until_it_can(kafka_bootstrap):
    seen, _ = asyncio.run(_run(kafka_bootstrap, {0: 6}, expected=4 + 10,
                               committed_ahead={0: 9}, failing_reads=2))
    assert sorted((m.partition, m.offset) for m in seen) == \
        [(0, n) for n in range(6, 10)] + [(1, n) for n in range(10)]


async def _batches_of_paced_messages(bootstrap: str, fetch_wait_ms: int) -> list[int]:
    """Six messages 100 ms apart, after one the consumer has taken: the sizes of the
    batches they came in."""
    topic, group = f"test-fetch-{uuid.uuid4().hex[:8]}", f"g-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(topic, 1, 1)])
    await admin.close()
    batches: list[int] = []
    taken = asyncio.Event()

    async def handle(messages):
        batches.append(len(messages))
        taken.set()

    task = asyncio.create_task(consume_batches(bootstrap, topic, group, 100, lambda s: None,
                                               handle, fetch_wait_ms=fetch_wait_ms))
    producer = new_producer(bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"first")
        await asyncio.wait_for(taken.wait(), 60)
        batches.clear()
        for n in range(6):
            await producer.send_and_wait(topic, f"paced {n}".encode())
            await asyncio.sleep(0.1)
        while sum(batches) < 6:
            await asyncio.sleep(0.05)
    finally:
        await producer.stop()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    return batches


def test_a_fetch_wait_gathers_paced_messages_into_fewer_batches(kafka_bootstrap):
    at_once = asyncio.run(_batches_of_paced_messages(kafka_bootstrap, 0))
    held = asyncio.run(_batches_of_paced_messages(kafka_bootstrap, 2_000))
    assert len(at_once) >= 4, at_once    # each taken as it came
    assert len(held) <= 2, held          # the broker held the fetch for more
