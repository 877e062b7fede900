"""The worker's projector: `incidents.events` into the live views, with a plain consumer.

A plain aiokafka consumer in its own, named consumer group (`<app id>.project-views`)
rather than a Faust agent: the views take whole batches and drop what they applied before
(by incident id and version), so Faust's per-message machinery bought nothing here and
cost about a quarter of the worker's throughput (measured: 705–768 against 495–587
incidents/s end to end, back to back). Offsets are committed as it goes: after a restart
the views are rebuilt from the store first, so anything read twice is dropped.

Only a worker without the store's lease follows the topic: the holder's relay feeds its
views (infra/relay.py). A follower that takes the lease over first drains the topic: it
reads on to the end offsets as they stand once `drain` is set (all the former holder
published, since it has stopped), and returns; its relay then feeds the views, so no
incident's events can arrive out of order.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

log = logging.getLogger("grid_dispatch.worker")


async def follow_events(bootstrap: str, topic: str, group: str, batch_size: int,
                        apply: Callable[[list[dict]], Awaitable[None]],
                        drain: asyncio.Event | None = None) -> None:
    """Apply every batch read from `topic` until cancelled (the worker stopping), or, once
    `drain` is set, until the end offsets of that moment are reached."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group,
                                auto_offset_reset="earliest", max_poll_records=batch_size)
    await consumer.start()
    ends = None
    try:
        while True:
            if drain is not None and drain.is_set():
                if ends is None and (numbers := consumer.partitions_for_topic(topic)):
                    ends = await consumer.end_offsets([TopicPartition(topic, n) for n in numbers])
                if ends and set(ends) <= consumer.assignment() and all(
                        [await consumer.position(tp) >= end for tp, end in ends.items()]):
                    return
            batches = await consumer.getmany(timeout_ms=100, max_records=batch_size)
            events = []
            for records in batches.values():
                for record in records:
                    try:
                        events.append(orjson.loads(record.value))
                    except orjson.JSONDecodeError:
                        # Only the relay writes here: a foreign message is logged, not fatal.
                        log.error("not an event on %s at %s:%s; skipped", topic,
                                  record.partition, record.offset)
            if events:
                try:
                    await apply(events)
                except asyncio.CancelledError:
                    raise
                except Exception:  # the views must keep following the log
                    log.exception("applying %d events to the views failed", len(events))
    finally:
        await consumer.stop()
