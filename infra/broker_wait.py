"""A worker that starts before its broker waits for it, then says plainly if none came.

Services on one host start together, and a broker takes seconds to answer: a worker that
fell over at once with aiokafka's traceback made its operator read a stack to learn that
the broker at KAFKA_BOOTSTRAP_SERVERS was not up yet. It now asks every second, says every
10 s that it is still waiting, and after `GRID_DISPATCH_BROKER_WAIT_MS` exits with one line
naming the address, where it came from, and the last error.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable

from infra.kafka_probe import broker_answers

log = logging.getLogger("grid_dispatch.worker")

ASK_EVERY = 1.0     # seconds between two attempts
SAY_EVERY = 10.0    # seconds between two "still waiting" lines


class NoBroker(SystemExit):
    """Exits the command with its message (SystemExit prints a text argument, code 1)."""


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
