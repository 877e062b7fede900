"""The relay: every stored event reaches `incidents.events`, in per-incident order.

It tails the store's notification log from a tracked position, publishes with an
idempotent producer keyed by incident id, and moves the position only after the broker
acknowledged the whole batch. After a crash it may publish a batch again; consumers drop
repeats by (incident id, version).

A stored incident event that cannot be made a record (its state is not the store's JSON:
infra/relay_records.py) goes to the dead-letter topic instead, with the reason and the
stored bytes, and the relay goes on past it; without a dead-letter topic it stops there,
and is tried again and again, as it did before.

`feed` (the worker that holds the store's lease) takes each published batch as event dicts,
the same ones consumers decode from the topic: its own views are fed here rather than by
reading back what it has just published.

Its store calls run in the event loop's thread: they are short, and in a thread each row
read waited for the GIL (infra/inbound_steps.py tells what that cost).
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from aiokafka import AIOKafkaProducer
from eventsourcing.persistence import IntegrityError, Tracking

from dispatch.service_layer.incident_service import IncidentService
from infra.dead_letters import stored_event_dead_letter
from infra.partitioned_batches import PartitionedPublisher
from infra.relay_records import Published, records_of
from infra.store_reader import ReadRows, Row, rows_for

log = logging.getLogger(__name__)


class Relay:
    def __init__(self, service: IncidentService, producer: AIOKafkaProducer | None, topic: str,
                 batch_size: int = 1000, save_every: float = 0.5,
                 on_published: Callable[[int], None] = lambda count: None,
                 read_rows: ReadRows | None = None, idle_wait: float = 0.2,
                 deadletter_topic: str | None = None, store_name: str = "",
                 on_dead_lettered: Callable[[int], None] = lambda count: None):
        """`idle_wait`: how long to wait for `wakeup` when the store had nothing new
        before looking again (what the relay waits, at most, for rows written by another
        process whose wake-up does not reach it: infra/relay_wakeup.py); `store_name`:
        the store as dead letters name it."""
        self.service = service
        self.topic = topic
        self.deadletter_topic, self.store_name = deadletter_topic, store_name
        self.on_dead_lettered = on_dead_lettered
        self.use(producer)
        # Rows straight from the store's table where it allows (SQLite), rather than the
        # recorder's notification objects: about half the relay's reading cost.
        self.read_rows = read_rows or rows_for(service)
        self.batch_size = batch_size
        self.position_name = f"relay:{topic}"
        self.wakeup = asyncio.Event()
        self.save_every = save_every
        self.idle_wait = idle_wait
        self.on_published = on_published
        self._position: int | None = None
        self._saved_position: int | None = None
        self._saved_at = 0.0
        self.published = 0
        self.feed: Callable[[list[dict]], Awaitable[None]] | None = None

    def use(self, producer: AIOKafkaProducer) -> None:
        """Publish with this producer from now on (a new one after a failure)."""
        self.producer = producer
        self.publisher = PartitionedPublisher(producer, self.topic)

    async def run(self) -> None:
        while True:
            sent = await self.publish_batch()
            if sent == 0:
                # Caught up: not saved at every catching up (a relay that looks every few
                # milliseconds catches up after every batch: that was a write a batch).
                await self.save_position_if_due()
                self.wakeup.clear()
                try:
                    await asyncio.wait_for(self.wakeup.wait(), self.idle_wait)
                except asyncio.TimeoutError:
                    pass

    async def publish_batch(self) -> int:
        """Publish the next batch; return how many stored records it moved past."""
        if self._position is None:
            self._position = self.service.tracked_position(self.position_name) or 0
            self._saved_position = self._position  # recorded already: saving it again is refused
        (records, events, refused), last_id, seen = self._read(self._position)
        if not seen:
            return 0
        await self.publisher.publish(records)
        if refused:
            await self._dead_letter(refused)
        if self.feed is not None and events:
            try:
                await self.feed(events)
            except Exception:  # the views' trouble must not stop publishing
                log.exception("feeding %d published events to the views failed", len(events))
        self._position = last_id
        await self.save_position_if_due()
        self.published += len(records)
        self.on_published(len(records))
        return seen

    async def save_position_if_due(self) -> None:
        """The position is saved at most every `save_every` seconds: each save is a write
        on the store the route step writes to, and a crash only means resending what was
        published since (consumers drop repeats by incident id and version)."""
        if time.monotonic() - self._saved_at >= self.save_every:
            await self.save_position()

    async def save_position(self) -> None:
        if self._position is not None and self._position != self._saved_position:
            try:
                self.service.process_recorder.insert_tracking(
                    Tracking(self.position_name, self._position))
            except IntegrityError:
                # Another relay (a second worker) got further: it has published up to there.
                recorded = self.service.tracked_position(self.position_name)
                self._position = max(self._position, recorded or 0)
            self._saved_position = self._position
        self._saved_at = time.monotonic()

    async def _dead_letter(self, refused: list[tuple[Row, str]]) -> None:
        """Each row that cannot be published to the dead-letter topic, acknowledged before
        the relay moves past it."""
        if self.deadletter_topic is None:
            row, reason = refused[0]
            raise UnpublishableEvent(f"stored event {row[1]} v{row[2]} (row {row[0]}) cannot "
                                     f"be published: {reason}")
        deliveries = []
        for row, reason in refused:
            log.error("stored event %s v%s (row %s) cannot be published, dead-lettered: %s",
                      row[1], row[2], row[0], reason)
            key, value, headers = stored_event_dead_letter(row, reason, self.store_name)
            deliveries.append(await self.producer.send(self.deadletter_topic, value, key=key,
                                                       headers=headers))
        await asyncio.gather(*deliveries)
        self.on_dead_lettered(len(refused))

    def _read(self, position: int) -> tuple[Published, int, int]:
        rows = self.read_rows(position, self.batch_size)
        return records_of(rows), (rows[-1][0] if rows else position), len(rows)


class UnpublishableEvent(RuntimeError):
    """A stored event that cannot be published, and no dead-letter topic to send it to."""
