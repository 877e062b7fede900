"""What the store's lease decides in a worker: whether it relays, and what feeds its views.

The holder relays the store onto `incidents.events`, and its relay feeds its views each
batch it has published. A worker without the lease follows the topic instead, and waits
for the lease; taking it over, it first reads the topic to its end (all the former holder
published, since that one has stopped), then its relay goes on from the store's tracked
position and feeds the views. The views never see an incident's events out of order.

The lease is tried once before the views are built (`StoreLease.try_acquire` at start):
held then, no other relay publishes while they are built from the store, and they lack
nothing the relay will not feed them.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from infra.kafka_io import RenewableProducer
from infra.keep_running import keep_running
from infra.lease import StoreLease
from infra.relay import Relay

log = logging.getLogger("grid_dispatch.worker")
Project = Callable[[list[dict]], Awaitable[None]]


class LeaseTasks:
    def __init__(self, lease: StoreLease, relay: Relay, producer: RenewableProducer,
                 project: Project, follow_topic: Callable[[Project, asyncio.Event], Awaitable[None]]):
        self.lease, self.relay, self.producer = lease, relay, producer
        self.project, self.follow_topic = project, follow_topic
        self.held_from_start = lease.held
        self.taking_over, self.drained = asyncio.Event(), asyncio.Event()
        self.feeding = asyncio.Event()   # the relay feeds the views: they are complete here

    async def relay_once_held(self, name: str) -> None:
        while not self.lease.try_acquire():   # another worker relays: take over if it stops
            await asyncio.sleep(1.0)
        if not self.held_from_start:  # the views have followed the topic: read it to its end
            self.taking_over.set()
            await self.drained.wait()
        self.relay.feed = self.project
        self.feeding.set()
        log.info("worker %s holds the store's lease: relay and SLA watcher run here", name)
        await keep_running("relay", self._relay_on_a_working_producer)

    async def follow_until_held(self) -> None:
        if self.held_from_start:
            return
        await keep_running("projector", lambda: self.follow_topic(self.project, self.taking_over))
        self.drained.set()

    async def _relay_on_a_working_producer(self) -> None:
        self.relay.use(await self.producer.get())
        try:
            await self.relay.run()
        except Exception:
            await self.producer.renew()   # a producer whose sender died fails for ever
            raise
