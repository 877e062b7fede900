"""A worker's projector: `incidents.events` into its views, until the worker holds the lease.

A plain aiokafka consumer rather than a Faust agent: the views take whole batches and drop
what they applied before (by incident id and version), so Faust's per-message machinery
bought nothing here and cost about a quarter of the worker's throughput (measured: 705–768
against 495–587 incidents/s end to end, back to back).

It reads every partition from `start_at`: the end offsets taken before the worker built
its views from the store. Everything on the topic before them was stored before it was
published, so the views have it. Committed offsets are not needed: they are committed in
the background, in the named group `<app id>.project-views[.n]`, for monitoring only (a
failed commit is logged, never fatal). `start_at` moves on as batches are applied, so a
projector started again after a failure goes on from there; a partition added to the topic
meanwhile is read from its start (all on it came later).

Once `drain` is set (the worker has taken the lease over), it reads on to the end offsets
of that moment (all the former holder published, since it has stopped) and returns; the
worker's relay then feeds the views (infra/lease_tasks.py).
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from infra.offset_commits import BackgroundCommits

log = logging.getLogger("grid_dispatch.worker")


async def follow_events(bootstrap: str, topic: str, group: str, batch_size: int,
                        apply: Callable[[list[dict]], Awaitable[None]],
                        start_at: dict[int, int], drain: asyncio.Event | None = None) -> None:
    """Apply every batch read from `topic` until cancelled (the worker stopping), or, once
    `drain` is set, until the end offsets of that moment are reached."""
    # An offset gone from the log (a topic made anew) restarts at the beginning: what the
    # views have already is dropped by version, and nothing is skipped.
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group,
                                max_poll_records=batch_size, enable_auto_commit=False,
                                auto_offset_reset="earliest")
    await consumer.start()
    partitions, ends = _assign(consumer, topic, start_at), None
    commits = BackgroundCommits(consumer, topic)
    try:
        while True:
            added = (consumer.partitions_for_topic(topic) or set()) - start_at.keys()
            if added:
                log.warning("%s has new partitions %s: read from their start", topic,
                            sorted(added))
                start_at.update(dict.fromkeys(added, 0))
                partitions, ends = _assign(consumer, topic, start_at), None
            if drain is not None and drain.is_set():
                ends = ends or await consumer.end_offsets(partitions)
                if all([await consumer.position(tp) >= end for tp, end in ends.items()]):
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
            for tp, records in batches.items():
                if records:
                    start_at[tp.partition] = records[-1].offset + 1
            if events:
                commits.offer({TopicPartition(topic, n): at for n, at in start_at.items()})
    finally:
        await commits.close()
        await consumer.stop()


def _assign(consumer: AIOKafkaConsumer, topic: str, start_at: dict[int, int]) -> list[TopicPartition]:
    partitions = [TopicPartition(topic, n) for n in sorted(start_at)]
    consumer.assign(partitions)
    for tp in partitions:
        consumer.seek(tp, start_at[tp.partition])
    return partitions
