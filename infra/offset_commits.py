"""Consumer offsets committed in the background, for lag monitoring only (never read back).

A batch does not wait a round trip to the broker for its commit. One commit runs at a time,
so they land in order; offsets offered meanwhile are merged (the latest per partition) and
go with the next. Partitions a rebalance took are left out, since one of them would fail
the rest; a failed commit is logged, never fatal.
"""
from __future__ import annotations

import asyncio
import logging

from aiokafka import AIOKafkaConsumer, TopicPartition

log = logging.getLogger("grid_dispatch.worker")


class BackgroundCommits:
    def __init__(self, consumer: AIOKafkaConsumer, topic: str):
        self.consumer, self.topic = consumer, topic
        self._waiting: dict[TopicPartition, int] = {}
        self._running: asyncio.Future | None = None

    def offer(self, offsets: dict[TopicPartition, int]) -> None:
        """Commit these (merged with any waiting) now, or once the running commit is done."""
        self._waiting.update(offsets)
        self.start_waiting()

    def start_waiting(self) -> None:
        if self._waiting and (self._running is None or self._running.done()):
            self._running = asyncio.ensure_future(self._commit(self._waiting))
            self._waiting = {}

    async def close(self, timeout: float = 5.0) -> None:
        """Before the consumer stops: the running commit, then what still waits."""
        if self._running is not None:
            await asyncio.wait([self._running], timeout=timeout)
            self._running.cancel()   # (done by now, or given up: it must not land after the next)
            self._running = None
        self.start_waiting()
        if self._running is not None:
            await asyncio.wait([self._running], timeout=timeout)

    async def _commit(self, offsets: dict[TopicPartition, int]) -> None:
        assigned = self.consumer.assignment()
        offsets = {tp: at for tp, at in offsets.items() if tp in assigned}
        if not offsets:
            return
        try:
            await self.consumer.commit(offsets)
        except Exception as error:  # a rebalance took the partition: the store knows
            log.info("offsets of %s not committed (%s); the store's positions stand",
                     self.topic, error)
