"""Reports at a fixed rate through a topic and back: when each was sent, when its result came.

Reports go out in 10 ms slices with the engine's producer settings; a consumer in the same
process reads the results (one clock at both ends) after one warm-up report has come
through. Used by the latency benchmark for raw aiokafka and for the engine alike.

The measuring process must not add pauses of its own to what it measures:
- delivery futures are let go of as they complete. Gathering all of a 60 s run's 120,000 at
  the end took the event loop for about a second, with the last slice of reports still in
  the producer and results waiting in the consumer: every run's slowest result (0.7-1.0 s,
  raw path and engine alike) was that, not the engine;
- what is built before sending (the reports) is frozen out of the cyclic collector, whose
  full collections would otherwise walk it while results come in;
- whether every result is in is counted as they come: asked over every report once all
  was sent, it held the loop 170 ms at a time in a 180 s run, so the last second's results
  waited in the consumer (the slowest second of every long run);
- its own event loop is watched (`StallWatchdog`): a pause of 100 ms or more is counted.
"""
from __future__ import annotations

import asyncio
import gc
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime

import orjson
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from infra.kafka_io import new_producer
from infra.simulated_city import SHANGHAI, simulated_reports
from infra.stall_watchdog import StallWatchdog

OWN_STALL_S = 0.1   # a pause of the measuring process this long would be read as latency


async def paced_send(bootstrap: str, topic: str, reports: list[dict], rate: float,
                     sent: dict[str, float]) -> None:
    producer = new_producer(bootstrap)
    await producer.start()
    try:
        per_slice, started, pending = max(1, round(rate / 100)), time.time(), []
        for first in range(0, len(reports), per_slice):
            await asyncio.sleep(max(0.0, started + first / rate - time.time()))
            for report in reports[first:first + per_slice]:
                report["reported_at"] = datetime.now(SHANGHAI).isoformat(timespec="milliseconds")
                sent[report["report_id"]] = time.time()  # wall clock: the worker's too
                pending.append(await producer.send(topic, orjson.dumps(report),
                                                   key=report["report_id"].encode()))
            if len(pending) >= 4 * per_slice:
                pending = undelivered(pending)
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


async def measure(bootstrap: str, send_topic: str, read_topic: str, reports: list[dict],
                  rate: float, result_of, timeout: float) -> Run:
    """Sent and arrival times by report id, after one warm-up report through."""
    if send_topic == read_topic:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        await admin.create_topics([NewTopic(send_topic, 6, 1)])
        await admin.close()
    gc.collect()
    gc.freeze()
    consumer = AIOKafkaConsumer(read_topic, bootstrap_servers=bootstrap, group_id=None,
                                auto_offset_reset="earliest")
    await consumer.start()
    run = Run({}, {})
    watchdog = StallWatchdog(OWN_STALL_S, on_stall=lambda: run.own_stalls.append(time.time()))
    watching = asyncio.create_task(watchdog.heartbeat())

    async def consume() -> None:
        while True:
            batches = await consumer.getmany(timeout_ms=100)
            now = time.time()
            for record in (r for batch in batches.values() for r in batch):
                report_id = result_of(record)
                if report_id is not None and report_id not in run.arrived:  # repeats dropped
                    run.arrived[report_id] = now
                    run.answered += report_id in run.sent

    async def until(condition, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not condition() and time.monotonic() < deadline:
            await asyncio.sleep(0.01)

    reading = asyncio.create_task(consume())
    try:
        warmup = list(simulated_reports(1, run_id=f"warm-{uuid.uuid4().hex[:8]}"))
        await paced_send(bootstrap, send_topic, warmup, rate, {})
        await until(lambda: warmup[0]["report_id"] in run.arrived, 120)
        await paced_send(bootstrap, send_topic, reports, rate, run.sent)
        await until(lambda: run.answered >= len(run.sent), timeout)
    finally:
        reading.cancel()
        watching.cancel()
        await consumer.stop()
        gc.unfreeze()
    return run


def undelivered(pending: list[asyncio.Future]) -> list[asyncio.Future]:
    """The deliveries still to come; one that failed raises here."""
    for future in pending:
        if future.done():
            future.result()
    return [future for future in pending if not future.done()]


@dataclass
class Run:
    sent: dict[str, float]
    arrived: dict[str, float]
    own_stalls: list[float] = field(default_factory=list)  # when this process's loop stalled
    answered: int = 0    # reports sent whose result has come

    def latencies(self) -> list[float]:
        return [self.arrived[key] - at for key, at in self.sent.items() if key in self.arrived]

    def by_span(self, seconds: float) -> dict[int, list[float]]:
        """Latencies by when they were sent: span 0 is the first `seconds` of sending."""
        start, spans = min(self.sent.values()), {}
        for key, at in self.sent.items():
            if key in self.arrived:
                spans.setdefault(int((at - start) // seconds), []).append(self.arrived[key] - at)
        return spans

    def slowest_seconds(self, count: int = 5) -> str:
        """The seconds of sending with the highest p99, as "p99 ms at second": where a run's
        tail comes from (a pause shows as one or two seconds, a drift as the last ones)."""
        p99s = sorted(((quantile(times, 0.99), second) for second, times
                       in self.by_span(1.0).items()), reverse=True)[:count]
        return ", ".join(f"{1000 * p99:.0f} ms at {second} s" for p99, second in p99s)

    def row(self, path: str, rate: float) -> str:
        done, count = self.latencies(), len(self.sent)
        missing = f" ({count - len(done)} missing)" if len(done) < count else ""
        span = max(self.arrived[key] for key in self.sent if key in self.arrived) \
            - min(self.sent.values())
        return (f"| {path} | {rate:,.0f}/s | {len(done):,}{missing} | "
                + " | ".join(f"{1000 * quantile(done, q):.1f}" for q in (0.5, 0.99, 1.0))
                + f" | {len(done) / span:,.0f}/s |")


def quantile(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))] if values else float("nan")
