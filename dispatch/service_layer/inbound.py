"""Inbound messages from a partitioned log, and the positions already recorded for them.

Each (topic, partition) is a stream whose position is tracked in the store with the
events it produced (offset + 1, so offset 0 is a valid, positive position). A message at
or below that position was handled before: a redelivery, skipped.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from eventsourcing.persistence import IntegrityError, Tracking

from dispatch.service_layer.incident_service import IncidentService

T = TypeVar("T")
ATTEMPTS = 5  # a partition refused this often is a real problem: raise


@dataclass(frozen=True, slots=True)
class InboundMessage:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes

    @property
    def stream(self) -> str:
        return f"{self.topic}:{self.partition}"


@dataclass(frozen=True, slots=True)
class DeadLetter:
    message: InboundMessage
    reason: str
    errors: list[dict[str, Any]]


def fresh_by_stream(service: IncidentService, messages: Sequence[InboundMessage]
                    ) -> tuple[list[tuple[str, list[InboundMessage]]], int]:
    """The messages not handled yet, grouped by stream in arrival order; and how many
    were redelivered."""
    by_stream: dict[str, list[InboundMessage]] = {}
    for message in messages:
        by_stream.setdefault(message.stream, []).append(message)
    fresh_streams, redelivered = [], 0
    tracked = service.tracked_positions(by_stream)
    for stream, batch in by_stream.items():
        done = tracked.get(stream, 0)
        fresh = [m for m in batch if m.offset + 1 > done]
        redelivered += len(batch) - len(fresh)
        if fresh:
            fresh_streams.append((stream, fresh))
    return fresh_streams, redelivered


def record_partition(service: IncidentService, tracking: Tracking,
                     run: Callable[[int], T]) -> T | None:
    """`run(attempt)` builds a partition's work from what is stored now and records it with
    `tracking`. Refused (IntegrityError): None when another worker recorded this position
    meanwhile (after a rebalance); else another writer changed an aggregate since it was
    loaded, or a record exists already, and the work is built again (attempt 1, 2, ...)."""
    for attempt in range(ATTEMPTS):
        try:
            return run(attempt)
        except IntegrityError:
            if (service.tracked_position(tracking.application_name) or 0) >= tracking.notification_id:
                return None
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")
