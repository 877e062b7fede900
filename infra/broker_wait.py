"""A worker that starts before its broker waits for it, then says plainly if none came.

Services on one host start together, and a broker takes seconds to answer: a worker that
fell over at once with aiokafka's traceback made its operator read a stack to learn that
the broker at KAFKA_BOOTSTRAP_SERVERS was not up yet. It now asks every second, says every
10 s that it is still waiting, and after `GRID_DISPATCH_BROKER_WAIT_MS` exits with one line
naming the address, where it came from, and the last error.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from aiokafka.client import AIOKafkaClient
from aiokafka.errors import KafkaError

log = logging.getLogger("grid_dispatch.worker")

ASK_EVERY = 1.0     # seconds between two attempts
SAY_EVERY = 10.0    # seconds between two "still waiting" lines


class NoBroker(SystemExit):
    """Exits the command with its message (SystemExit prints a text argument, code 1)."""


def broker_answers(bootstrap: str, timeout: float = 5.0) -> str | None:
    """None if a broker at `bootstrap` answers a metadata request, else why not."""
    async def ask() -> None:
        client = AIOKafkaClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout * 1000))
        try:
            await asyncio.wait_for(client.bootstrap(), timeout)
        finally:
            await client.close()

    logger = logging.getLogger("aiokafka")   # (each refusal is expected here: not logged)
    level = logger.level
    logger.setLevel(logging.CRITICAL)   # (setLevel: the children's cached levels follow)
    try:
        asyncio.run(ask())
        return None
    except (KafkaError, OSError, TimeoutError) as error:   # not there (yet)
        name, text = type(error).__name__, str(error)
        return text if text.startswith(name) else f"{name}: {text}" if text else name
    finally:
        logger.setLevel(level)


def wait_for_broker(bootstrap: str, seconds: float, source: str = "KAFKA_BOOTSTRAP_SERVERS",
                    ask: Callable[[str], str | None] = broker_answers,
                    clock: Callable[[], float] = time.monotonic,
                    sleep: Callable[[float], None] = time.sleep) -> None:
    """Return once a broker answers at `bootstrap`; raise NoBroker after `seconds`."""
    started, said = clock(), None
    while True:
        try:
            why = ask(bootstrap)
        except ValueError as error:   # (no broker will ever answer there)
            raise NoBroker(f"grid-dispatch worker: {source}={bootstrap!r} is not a list of "
                           f"host:port: {error}") from None
        if why is None:
            if clock() - started >= ASK_EVERY:
                log.warning("the broker at %s answers, after %.0f s", bootstrap, clock() - started)
            return
        waited = clock() - started
        if waited >= seconds:
            raise NoBroker(f"grid-dispatch worker: no broker answered at {bootstrap} ({source}) "
                           f"within {seconds:g} s; last: {why}")
        if said is None or clock() - said >= SAY_EVERY:
            log.warning("waiting for the broker at %s (%s): %s; %.0f s so far, at most %g",
                        bootstrap, source, why, waited, seconds)
            said = clock()
        sleep(ASK_EVERY)
