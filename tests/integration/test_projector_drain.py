"""A worker taking the store's lease over first reads `incidents.events` to its end."""
import asyncio
import uuid

import orjson

from infra.projector import follow_events
from infra.topics import ensure_topics_sync
from infra.settings import Topics
from tests.support import publish


def events(count: int, tag: str) -> list[tuple[bytes, bytes]]:
    return [(f"{tag}-{n % 50}".encode(),
             orjson.dumps({"incident_id": f"{tag}-{n % 50}", "version": n // 50 + 1, "n": n}))
            for n in range(count)]


def test_a_drain_applies_everything_published_before_it_was_asked_then_returns(kafka_bootstrap):
    topics = Topics(prefix=f"d{uuid.uuid4().hex[:8]}.")
    ensure_topics_sync(kafka_bootstrap, topics)
    publish(kafka_bootstrap, topics.events, events(3000, "a"))
    applied: list[dict] = []

    async def apply(batch: list[dict]) -> None:
        applied.extend(batch)
        await asyncio.sleep(0.01)   # slower than the topic: the drain must wait for it

    async def main() -> None:
        drain = asyncio.Event()
        drain.set()
        await asyncio.wait_for(follow_events(kafka_bootstrap, topics.events, "drain-test", 200,
                                             apply, drain=drain), 60)
    asyncio.run(main())
    assert sorted(e["n"] for e in applied) == list(range(3000))


def test_without_a_drain_it_follows_until_cancelled(kafka_bootstrap):
    topics = Topics(prefix=f"d{uuid.uuid4().hex[:8]}.")
    ensure_topics_sync(kafka_bootstrap, topics)
    publish(kafka_bootstrap, topics.events, events(100, "b"))
    applied: list[dict] = []

    async def apply(batch: list[dict]) -> None:
        applied.extend(batch)

    async def main() -> bool:
        task = asyncio.create_task(follow_events(kafka_bootstrap, topics.events, "follow-test",
                                                 50, apply))
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
