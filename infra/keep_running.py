"""A worker task that must not die of one failure: the relay, the consumers, the projector.

A clean return means the task is done (the projector, once its worker relays); anything
else that escapes them (the broker unreachable for longer than a client retries, the store
locked past its timeout) is logged and the task started again after a pause. Without this
a failed task would end silently while the process lived on: no more relaying, and the
store's lease still held.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("grid_dispatch.worker")


async def keep_running(name: str, run: Callable[[], Awaitable[None]],
                       pause: float = 1.0, max_pause: float = 30.0) -> None:
    wait = pause
    while True:
        try:
            await run()
            log.info("%s finished", name)
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s failed; starting it again in %.0f s", name, wait)
            await asyncio.sleep(wait)
            wait = min(wait * 2, max_pause)
