"""What the store's lease decides in a worker: whether it relays, and what feeds its views.

Every worker builds its views from the store, then follows `incidents.events` from the
end offsets taken before that replay (infra/projector.py). The worker holding the lease
relays the store onto the topic and its relay feeds its views each batch it has
published. Taking the lease (at start, or over from a worker that died) it first reads
the topic to its end: all a former holder published, and whatever was published while
its views were built. Then its relay goes on from the store's tracked position and feeds
the views, so they never see an incident's events out of order or miss any.
"""
from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Awaitable, Callable

from infra.kafka_io import RenewableProducer
from infra.keep_running import keep_running
from infra.lease import Lease
from infra.relay import Relay
from infra.relay_wakeup import Wakeups

LEASE_CHECK = 2.0   # seconds between checks that a held lease is held still
WOKEN_IDLE_WAIT = 0.1   # a relay other processes wake looks on its own only this often

log = logging.getLogger("grid_dispatch.worker")
Project = Callable[[list[dict]], Awaitable[None]]


class LeaseTasks:
    def __init__(self, lease: Lease, relay: Relay, producer: RenewableProducer,
                 project: Project, follow_topic: Callable[[Project, asyncio.Event], Awaitable[None]],
                 feed: Project | None = None, wakeups: Wakeups | None = None,
                 on_lost: Callable[[], None] | None = None):
        """`project` applies what the topic brings; `feed` (default: the same) what the
        relay has published; `wakeups`, listened to while this worker relays, let the
        other processes' steps wake its relay (infra/relay_wakeup.py); `on_lost` (default:
        stop this process) runs if a held lease is lost."""
        self.lease, self.relay, self.producer = lease, relay, producer
        self.wakeups = wakeups
        self.project, self.follow_topic = project, follow_topic
        self.feed = feed or project
        self.taking_over, self.drained = asyncio.Event(), asyncio.Event()
        self.feeding = asyncio.Event()   # the relay feeds the views: they are complete here
        self.on_lost = on_lost or _stop_this_process
        self.lease_check = LEASE_CHECK
        self.watching: asyncio.Task | None = None   # that the held lease is held still

    async def relay_once_held(self, name: str) -> None:
        # (in a thread: a store's lease may be a connection to its server)
        while not await asyncio.to_thread(self.lease.try_acquire):
            await asyncio.sleep(1.0)   # another worker relays: take over if it stops
        self.watching = asyncio.create_task(self._stop_if_lost(name))
        self.taking_over.set()
        await self.drained.wait()
        self.relay.feed = self.feed
        if self.wakeups is not None and self.wakeups.listen(self.relay.wakeup.set):
            self.relay.idle_wait = WOKEN_IDLE_WAIT
        self.feeding.set()
        log.info("worker %s holds the store's lease: relay and SLA watcher run here", name)
        await keep_running("relay", self._relay_on_a_working_producer)

    async def _stop_if_lost(self, name: str) -> None:
        """A lease can be lost while held (a PostgreSQL holder's session ended): another
        worker may relay already, so this one stops (a pool or supervisor restarts it)."""
        while await asyncio.to_thread(self.lease.still_held):
            await asyncio.sleep(self.lease_check)
        log.error("worker %s lost the store's lease; stopping so as not to relay beside "
                  "its new holder", name)
        self.on_lost()

    async def follow_until_held(self) -> None:
        await keep_running("projector", lambda: self.follow_topic(self.project, self.taking_over))
        self.drained.set()

    async def _relay_on_a_working_producer(self) -> None:
        self.relay.use(await self.producer.get())
        try:
            await self.relay.run()
        except Exception:
            await self.producer.renew()   # a producer whose sender died fails for ever
            raise


def _stop_this_process() -> None:
    os.kill(os.getpid(), signal.SIGTERM)   # Faust stops cleanly on it
