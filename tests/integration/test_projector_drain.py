"""A worker's projector: from given offsets, and to the topic's end when taking the lease."""
import asyncio
import uuid

import orjson

from infra.kafka_probe import end_offsets
from infra.projector import follow_events
from infra.topic_names import Topics
from infra.topics import ensure_topics_sync
from tests.support import publish


def events(count: int, tag: str) -> list[tuple[bytes, bytes]]:
    return [(f"{tag}-{n % 50}".encode(),
             orjson.dumps({"incident_id": f"{tag}-{n % 50}", "version": n // 50 + 1, "n": n}))
            for n in range(count)]


def fresh_topic(bootstrap: str, count: int, tag: str) -> str:
    topics = Topics(prefix=f"d{uuid.uuid4().hex[:8]}.")
    ensure_topics_sync(bootstrap, topics)
    publish(bootstrap, topics.events, events(count, tag))
    return topics.events


def drained(bootstrap: str, topic: str, start_at: dict[int, int], batch_size: int,
            pause: float = 0.0) -> list[dict]:
    """What the projector applied, asked to drain from the start."""
    applied: list[dict] = []

    async def apply(batch: list[dict]) -> None:
        applied.extend(batch)
        await asyncio.sleep(pause)

    async def main() -> None:
        drain = asyncio.Event()
        drain.set()
        await asyncio.wait_for(follow_events(bootstrap, topic, f"g-{uuid.uuid4().hex[:6]}",
                                             batch_size, apply, start_at, drain), 60)
    asyncio.run(main())
    return applied


def test_a_drain_applies_everything_published_before_it_was_asked_then_returns(kafka_bootstrap):
    topic = fresh_topic(kafka_bootstrap, 3000, "a")
    # Slower than the topic: the drain must wait for it.
    applied = drained(kafka_bootstrap, topic, dict.fromkeys(range(6), 0), 200, pause=0.01)
    assert sorted(e["n"] for e in applied) == list(range(3000))


def test_without_a_drain_it_follows_until_cancelled(kafka_bootstrap):
    topic = fresh_topic(kafka_bootstrap, 100, "b")
    applied: list[dict] = []

    async def apply(batch: list[dict]) -> None:
        applied.extend(batch)

    async def main() -> bool:
        task = asyncio.create_task(follow_events(kafka_bootstrap, topic, "follow-test",
                                                 50, apply, dict.fromkeys(range(6), 0)))
        for _ in range(300):
            if len(applied) == 100:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)
        finished = task.done()
        task.cancel()
        return finished
    assert asyncio.run(main()) is False
    assert len(applied) == 100


def test_it_starts_at_the_offsets_given_and_moves_them_on(kafka_bootstrap):
    # The worker passes the end offsets taken before its views were built from the store:
    # what came before is in them already.
    topic = fresh_topic(kafka_bootstrap, 600, "c")
    start_at = end_offsets(kafka_bootstrap, topic)
    assert sum(start_at.values()) == 600
    publish(kafka_bootstrap, topic, events(300, "d"))
    applied = drained(kafka_bootstrap, topic, start_at, 100)
    assert sorted(e["n"] for e in applied) == list(range(300))
    assert sum(start_at.values()) == 900   # a restart would go on from here
