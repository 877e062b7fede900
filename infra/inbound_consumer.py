"""The inbound topics (reports, commands), read in batches with a plain aiokafka consumer.

Where each partition starts is the store's business, not the consumer group's: when a
partition is assigned, the consumer moves to the position its step tracked in the store
(the offset after the last message recorded, in the same transaction as its events). A
message recorded before is therefore not handed over again, and none is skipped.
Offsets are committed all the same, in the background shortly after each batch
(infra/offset_commits.py), so that lag shows in the usual tools; they are never read back:
a partition the store has no position for starts from the beginning.

It replaced Faust agents (`take_events`): the steps take whole batches and recognise
redeliveries themselves, so Faust's per-message events, acks and buffers bought nothing,
and cost about a tenth of the worker's CPU (measured: 516 against 580 µs an incident).
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition

from dispatch.service_layer.inbound import InboundMessage
from infra.offset_commits import BackgroundCommits

log = logging.getLogger("grid_dispatch.worker")
# What an inbound fetch waits for when the broker may hold it (fetch_wait_ms): more than
# a batch of reports, so that at a moderate rate the wait, not the bytes, ends it.
FETCH_ENOUGH_BYTES = 1 << 20


class SeekToTracked(ConsumerRebalanceListener):
    """Places every assigned partition at the store's position before it is read."""

    def __init__(self, consumer: AIOKafkaConsumer, tracked: Callable[[str], int | None],
                 revoke_wait: float):
        self.consumer, self.tracked, self.revoke_wait = consumer, tracked, revoke_wait
        self.in_flight: asyncio.Future | None = None   # the batch being handled
        self.unplaced: set[TopicPartition] = set()     # assigned, position not read yet

    async def on_partitions_revoked(self, revoked) -> None:
        # The batch in flight records first: the next owner reads the store's positions
        # only after this worker rejoins, so it starts after that batch instead of doing
        # it again beside it (the store would refuse the double; its dead letters would
        # go out twice). Bounded, so that a stuck batch cannot hold the group forever.
        if self.in_flight is not None and not self.in_flight.done():
            await asyncio.wait([self.in_flight], timeout=self.revoke_wait)
        self.unplaced.difference_update(revoked)

    async def on_partitions_assigned(self, assigned) -> None:
        self.unplaced.update(assigned)
        self.consumer.pause(*assigned)
        await self.place()

    async def place(self) -> None:
        """Move each unplaced partition to the store's position (the beginning when the
        store has none) and let it be read. One whose position cannot be read now stays
        paused and is tried again: never started from the group's committed offset,
        which may be ahead of a store that lost its last commits."""
        for partition in list(self.unplaced):
            try:
                position = self.tracked(f"{partition.topic}:{partition.partition}")
            except Exception:
                log.exception("position of %s:%s not read from the store; it waits",
                              partition.topic, partition.partition)
                continue
            if position is None:
                await self.consumer.seek_to_beginning(partition)
            else:
                self.consumer.seek(partition, position)
            self.unplaced.discard(partition)
            self.consumer.resume(partition)


async def consume_batches(bootstrap: str, topic: str, group: str, batch_size: int,
                          tracked: Callable[[str], int | None],
                          handle: Callable[[list[InboundMessage]], Awaitable[None]],
                          session_timeout: float = 10.0, fetch_wait_ms: int = 0) -> None:
    """Hand every batch read from `topic` to `handle`, until cancelled (the worker stopping).
    `handle` returns once the batch is recorded (or dead-lettered); only then is it
    committed (shortly after, in the background). With `fetch_wait_ms`, the broker holds
    each fetch that long unless a mebibyte is there: bigger batches at a moderate rate
    (the route step's cost a report falls with its batch), for that much latency."""
    waiting = ({"fetch_min_bytes": FETCH_ENOUGH_BYTES, "fetch_max_wait_ms": fetch_wait_ms}
               if fetch_wait_ms else {})
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
        auto_offset_reset="earliest", max_poll_records=batch_size,
        session_timeout_ms=int(session_timeout * 1000),
        heartbeat_interval_ms=int(session_timeout * 1000 / 5), **waiting)
    placing = SeekToTracked(consumer, tracked, revoke_wait=session_timeout)
    consumer.subscribe([topic], listener=placing)
    await consumer.start()
    commits = BackgroundCommits(consumer, topic)
    try:
        while True:
            if placing.unplaced:
                await placing.place()
                if placing.unplaced:
                    await asyncio.sleep(1.0)
            commits.start_waiting()   # offered while the one before was running
            batches = await consumer.getmany(timeout_ms=50, max_records=batch_size)
            messages = [InboundMessage(record.topic, record.partition, record.offset,
                                       record.key, record.value)
                        for records in batches.values() for record in records]
            if not messages:
                continue
            placing.in_flight = asyncio.ensure_future(handle(messages))
            try:
                await placing.in_flight
            finally:
                placing.in_flight = None
            commits.offer({TopicPartition(p.topic, p.partition): records[-1].offset + 1
                           for p, records in batches.items() if records})
    finally:
        await commits.close()
        await consumer.stop()
