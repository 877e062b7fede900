"""Running an inbound batch through a step (route or commands) in the worker.

Prepare, publish the dead letters and wait for the broker's ack (so none is lost in a
crash), then record; a batch that fails is retried or split until the message that fails
alone is dead-lettered (infra/batch_retry.py). Dead letters of a retried batch go out once.

Both run in the event loop's own thread, not in `asyncio.to_thread`. A step is Python work
between short SQLite calls, and Python's sqlite3 lets go of the GIL in every one of them
(each row stepped): in a thread, the step then waited, after each call, for the loop's
thread to hand the GIL back, up to the 5 ms switch interval whenever the loop had work.
Measured with the latency benchmark at 2,000 reports/s (one worker, warm broker, three
alternated runs each): p50 17 / 20 / 34 ms in the loop's thread against 55 / 94 / 85 ms in
a thread, p99 84 / 74 / 160 against 135 / 277 / 182 ms. The loop waits for the step
instead, which is what the GIL made it do anyway.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from dispatch.service_layer.handle_commands import CommandOutcome, HandleCommands
from dispatch.service_layer.inbound import InboundMessage
from dispatch.service_layer.route_reports import RouteOutcome, RouteReports
from infra.batch_retry import resiliently
from infra.dead_letters import dead_letter_record
from infra.kafka_io import RenewableProducer
from infra.metrics import WorkerMetrics

log = logging.getLogger("grid_dispatch.worker")
# What a step did with a message it could only dead-letter.
NOTHING = {RouteReports: RouteOutcome([], 0, 0), HandleCommands: CommandOutcome(0, 0, 0)}


class InboundSteps:
    def __init__(self, producer: RenewableProducer, deadletter_topic: str,
                 metrics: WorkerMetrics, ready: asyncio.Event):
        self.producer, self.topic = producer, deadletter_topic
        self.metrics, self.ready = metrics, ready

    async def publish_dead_letters(self, letters) -> None:
        deliveries = []
        try:
            producer = await self.producer.get()
            for letter in letters:
                key, value, headers = dead_letter_record(letter)
                log.warning("dead letter %s:%s: %s", letter.message.stream,
                            letter.message.offset, letter.reason)
                deliveries.append(await producer.send(self.topic, value, key=key,
                                                      headers=headers))
            await asyncio.gather(*deliveries)
        except Exception:
            await self.producer.renew()   # the batch is retried, on a new producer
            raise
        self.metrics.dead_letters.inc(len(deliveries))

    async def through(self, step: Any, messages: list[InboundMessage]) -> Any:
        lettered: set[tuple[str, int]] = set()

        async def once(part):
            prepared = step.prepare(part)
            await self.ready.wait()
            letters = [letter for letter in prepared.dead_letters
                       if (letter.message.stream, letter.message.offset) not in lettered]
            if letters:
                await self.publish_dead_letters(letters)
                lettered.update((m.message.stream, m.message.offset) for m in letters)
            return step.record(prepared)

        return await resiliently(once, messages, NOTHING[type(step)], self.publish_dead_letters,
                                 self.metrics.retried_batches.labels(type(step).__name__).inc)
