"""A failed inbound batch is neither dropped nor allowed to block its partitions for ever.

Failures that pass (the store busy or refusing a write, the broker away) are tried again,
with backoff, for as long as they last: every step is idempotent by its tracked positions
and receipts. Anything else (a bug meeting one odd message) is tried a few times, then the
batch is split in halves until the message that fails alone is found; that one goes to the
dead-letter topic with the error as its reason, and the rest of the batch goes through.
"""
from __future__ import annotations

import asyncio
import dataclasses
import itertools
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from aiokafka.errors import KafkaError
from eventsourcing.persistence import IntegrityError, PersistenceError

from dispatch.service_layer.inbound import DeadLetter, InboundMessage

log = logging.getLogger("grid_dispatch.worker")
Outcome = TypeVar("Outcome")
# The store locked, busy or away (eventsourcing's OperationalError and pool timeouts are
# PersistenceErrors), the broker away. Not IntegrityError: the steps already retry the
# conflicts that pass; one still refused is treated like any other error.
PASSING = (PersistenceError, sqlite3.OperationalError, KafkaError, OSError,
           asyncio.TimeoutError)
TRIES_BEFORE_SPLITTING = 3


async def resiliently(run: Callable[[Sequence[InboundMessage]], Awaitable[Outcome]],
                      messages: Sequence[InboundMessage], nothing: Outcome,
                      dead_letter: Callable[[list[DeadLetter]], Awaitable[None]],
                      on_retry: Callable[[], None] = lambda: None,
                      pause: float = 0.1) -> Outcome:
    """`run(messages)` until it goes through; see the module's docstring."""
    for attempt in itertools.count(1):
        try:
            return await run(messages)
        except Exception as error:
            if isinstance(error, PASSING) and not isinstance(error, IntegrityError) \
                    or attempt < TRIES_BEFORE_SPLITTING:
                log.exception("a batch of %d failed (attempt %d); trying it again",
                              len(messages), attempt)
            elif len(messages) == 1:
                log.exception("message %s:%s cannot be processed: dead-lettered",
                              messages[0].stream, messages[0].offset)
                await dead_letter([DeadLetter(messages[0], f"could not be processed: {error!r}",
                                              [{"type": "processing", "message": repr(error)}])])
                return nothing
            else:
                half = len(messages) // 2
                first = await resiliently(run, messages[:half], nothing, dead_letter,
                                          on_retry, pause)
                return combined(first, await resiliently(run, messages[half:], nothing,
                                                         dead_letter, on_retry, pause))
        on_retry()
        await asyncio.sleep(min(pause * 2 ** attempt, 5.0))
    raise AssertionError("unreachable")


def combined(a: Any, b: Any) -> Any:
    """Two outcomes of the same step as one: counts added, lists joined."""
    return type(a)(**{f.name: getattr(a, f.name) + getattr(b, f.name)
                      for f in dataclasses.fields(a)})
