"""`grid-dispatch feed DEPARTMENT`: one department's tickets from the shared log, as JSON lines.

A reference consumer for department systems: it reads `incidents.events` from the start
(the topic is kept for good), keeps the department's tickets with `DepartmentFeed`, and
writes each event once, in order, to standard output. With `--follow` it keeps reading.
"""
from __future__ import annotations

import asyncio
import sys

import orjson
from aiokafka import AIOKafkaConsumer

from projections.department_feed import DepartmentFeed


async def follow(bootstrap: str, topic: str, department: str, keep_going: bool,
                 idle_seconds: float = 2.0, out=sys.stdout) -> int:
    feed = DepartmentFeed(department)
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None,
                                auto_offset_reset="earliest", enable_auto_commit=False)
    written, idle = 0, 0.0
    try:
        await consumer.start()   # (inside: a consumer that could not start is stopped too)
        while keep_going or idle < idle_seconds:
            batches = await consumer.getmany(timeout_ms=500, max_records=5000)
            records = [record for batch in batches.values() for record in batch]
            idle = 0.0 if records else idle + 0.5
            # Per-incident order holds within a partition; partitions may interleave.
            for event in feed.filter(orjson.loads(record.value) for record in records):
                out.write(orjson.dumps(event).decode() + "\n")
                written += 1
            out.flush()
    finally:
        await consumer.stop()
    return written


def run_feed(bootstrap: str, topic: str, department: str, keep_going: bool) -> int:
    return asyncio.run(follow(bootstrap, topic, department, keep_going))
