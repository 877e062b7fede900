"""The contract topics, created idempotently with explicit partition counts."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

TOPIC_ALREADY_EXISTS = 36

from infra.topic_names import Topics

DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    config: dict[str, str]


def topic_specs(topics: Topics) -> list[TopicSpec]:
    return [
        # Reports are kept a week: long enough to replay after an outage.
        TopicSpec(topics.reported, 6, {"retention.ms": str(7 * DAY_MS)}),
        # The shared incident log ("collect once, share everywhere") is kept for good.
        TopicSpec(topics.events, 6, {"retention.ms": "-1"}),
        TopicSpec(topics.commands, 6, {"retention.ms": str(7 * DAY_MS)}),
        TopicSpec(topics.deadletter, 3, {"retention.ms": str(30 * DAY_MS)}),
    ]


class TopicMismatch(RuntimeError):
    pass


async def ensure_topics(bootstrap: str, topics: Topics) -> list[str]:
    """Create the missing topics; return the names created. Existing ones are checked."""
    specs = topic_specs(topics)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        response = await admin.create_topics(
            [NewTopic(spec.name, spec.partitions, 1, topic_configs=spec.config) for spec in specs])
        created = []
        for name, code, message in response.topic_errors:
            if code == 0:
                created.append(name)
            elif code != TOPIC_ALREADY_EXISTS:
                raise TopicMismatch(f"creating topic {name} failed: error {code}: {message}")
        await _check_partitions(admin, specs)
        return created
    finally:
        await admin.close()


async def _check_partitions(admin: AIOKafkaAdminClient, specs: list[TopicSpec]) -> None:
    # A topic just created may take a moment to show all its partitions in metadata.
    for attempt in range(50):
        described = await admin.describe_topics([spec.name for spec in specs])
        # Count only partitions that have a leader: producing before that is refused.
        found = {info["topic"]: sum(1 for p in info.get("partitions", []) if p["leader"] >= 0)
                 for info in described}
        short = [spec for spec in specs if found.get(spec.name, 0) < spec.partitions]
        if not short:
            return
        await asyncio.sleep(0.1)
    spec = short[0]
    raise TopicMismatch(f"topic {spec.name} has {found.get(spec.name, 0)} partitions, "
                        f"the engine needs at least {spec.partitions}")


def ensure_topics_sync(bootstrap: str, topics: Topics) -> list[str]:
    return asyncio.run(ensure_topics(bootstrap, topics))


async def delete_topics(bootstrap: str, names: list[str]) -> None:
    """Delete these topics (those gone already are no matter): for benchmarks and tests
    that made them for one run. A broker's idle cost grows with the partitions it holds
    (benchmarks/JOURNAL.md, session 23)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.delete_topics(names)
    finally:
        await admin.close()


def delete_run_topics_sync(bootstrap: str, topics: Topics, app_id: str) -> None:
    """Delete the topics of one run (a benchmark's, named after its tag): the contract's,
    and the one Faust makes for the app's partition assignor."""
    asyncio.run(delete_topics(bootstrap, [*(spec.name for spec in topic_specs(topics)),
                                          f"{app_id}-__assignor-__leader"]))
