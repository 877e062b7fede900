"""Simulated departments, grid workers, supervisors and reporters, reacting to the events.

They follow `incidents.events` and answer on `incidents.commands` as the real systems
would: departments accept (or return what is not theirs), sometimes suspend or ask for
more time, resolve, now and then late; grid workers verify on site; reporters rate;
supervisors dispatch what waits in a manual queue, decide extensions and resume suspended
tickets. Business time advances by simulated delays from each event's own time, so the
SLA clocks and the evaluation get realistic figures without waiting in real time.
Command ids derive from (incident, version, kind), so a resent event sends the same
command again, which the engine takes once.
"""
from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import orjson
from aiokafka import AIOKafkaConsumer

from infra.kafka_io import new_producer


@dataclass
class Behaviour:
    returns: float = 0.06          # a department says "not ours"
    late: float = 0.15             # resolved after the deadline would allow
    suspends: float = 0.03
    asks_extension: float = 0.05
    fails_verification: float = 0.08
    rates: float = 0.7
    manual_department: str = "comprehensive-governance"


@dataclass
class Seen:
    version: int = 0
    holder: str | None = None
    workers: list[str] = field(default_factory=list)


class SimulatedDepartments:
    def __init__(self, bootstrap: str, events_topic: str, commands_topic: str, group: str,
                 behaviour: Behaviour | None = None, seed: int = 5):
        self.bootstrap, self.events_topic, self.commands_topic = bootstrap, events_topic, commands_topic
        self.group = group
        self.behaviour = behaviour or Behaviour()
        self.rng = random.Random(seed)
        self.seen: dict[str, Seen] = {}
        self.sent = 0
        self.reacted = 0  # events taken in (a caller waits for these to stop coming)

    async def run(self, stop: asyncio.Event) -> None:
        consumer = AIOKafkaConsumer(self.events_topic, bootstrap_servers=self.bootstrap,
                                    group_id=self.group, auto_offset_reset="earliest")
        producer = new_producer(self.bootstrap)
        await consumer.start()
        await producer.start()
        try:
            while not stop.is_set():
                batches = await consumer.getmany(timeout_ms=200, max_records=2000)
                pending = []
                for records in batches.values():
                    self.reacted += len(records)
                    for record in records:
                        for key, command in self.react(orjson.loads(record.value)):
                            pending.append(await producer.send(self.commands_topic,
                                                               orjson.dumps(command), key=key))
                await asyncio.gather(*pending)
                self.sent += len(pending)
        finally:
            await consumer.stop()
            await producer.stop()

    def react(self, event: dict) -> list[tuple[bytes, dict]]:
        """The commands this event calls for (none for a resent event)."""
        seen = self.seen.setdefault(event["incident_id"], Seen())
        if event["version"] <= seen.version:
            return []
        seen.version = event["version"]
        kind, rng, b = event["type"], self.rng, self.behaviour
        at = datetime.fromisoformat(event["occurred_at"])
        out: list[tuple[str, dict]] = []

        def send(command: str, after_hours: float, **fields) -> None:
            out.append((command, {"at": (at + timedelta(hours=after_hours)).isoformat(), **fields}))

        if kind == "Located":
            seen.workers = event["place"].get("grid_workers") or ["W-on-duty"]
        elif kind in ("Dispatched", "Reassigned"):
            seen.holder = event["department"]
            if kind == "Dispatched" and rng.random() < b.returns:
                send("return", rng.uniform(0.2, 2), department=seen.holder, reason="not ours")
            else:
                send("accept", rng.uniform(0.05, 1.5), department=seen.holder)
        elif kind == "QueuedForManualDispatch":
            send("reassign", rng.uniform(0.2, 1), department=b.manual_department,
                 reason="dispatched by hand", issued_by="command-centre")
        elif kind in ("Accepted", "Reopened", "Resumed"):
            roll = rng.random()
            if kind == "Accepted" and roll < b.suspends:
                send("suspend", 2, reason="waiting for the owner", issued_by="supervisor")
            elif kind == "Accepted" and roll < b.suspends + b.asks_extension:
                send("request_extension", 3, department=seen.holder, hours=16, reason="parts")
            else:
                took = rng.uniform(20, 120) if rng.random() < b.late else rng.uniform(1, 20)
                send("resolve", took, department=seen.holder, result="handled on site")
        elif kind == "Suspended":
            send("resume", rng.uniform(4, 30), issued_by="supervisor")
        elif kind == "ExtensionRequested":
            send("decide_extension", 1, granted=rng.random() < 0.8, reason="not justified",
                 issued_by="supervisor")
        elif kind in ("ExtensionGranted", "ExtensionRefused"):
            send("resolve", rng.uniform(2, 30), department=seen.holder, result="handled")
        elif kind == "Resolved":
            passed = rng.random() >= b.fails_verification
            send("verify", rng.uniform(0.5, 8), passed=passed, note="" if passed else "not fixed",
                 issued_by=rng.choice(seen.workers or ["W-on-duty"]))
        elif kind == "Closed" and rng.random() < b.rates:
            send("rate", rng.uniform(2, 48), rating=rng.choice(
                ["satisfied", "satisfied", "basically_satisfied", "unsatisfied"]),
                resolved=rng.random() < 0.9, issued_by="reporter")
        return [(event["incident_id"].encode(), {
            "type": command, "command_id": f"sim:{event['incident_id']}:{event['version']}:{command}",
            "incident_id": event["incident_id"],
            "issued_by": fields.pop("issued_by", seen.holder or "department"), **fields})
            for command, fields in out]
