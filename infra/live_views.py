"""The worker's live views fed a batch at a time, and the open-incidents rows saved after.

Fed by the projector until the worker holds the store's lease, then by its relay, never
both at once (infra/lease_tasks.py). The rows changed by a batch are saved to the views
file in a thread; a save that fails (the file locked by another worker) leaves them marked
changed, and `flush`, which the worker calls every second, saves them even if no batch
comes. Incidents finished long enough ago leave the views after a save (projections/
finished_incidents.py), never before their last row is saved.

The relay feeds through `offer`: the batch is applied at once (views see every incident's
events in order) and the save runs behind it, so the relay publishes its next batch while
the file is written. Batches offered during a save, or within `save_interval` of the
last one starting, are saved together by the next one: at 2,000 reports/s a save a batch
was about fifty commits a second.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from infra.view_store import OpenIncidentsStore
from projections.open_incidents import IncidentRow
from projections.views import Views

log = logging.getLogger("grid_dispatch.worker")


class LiveViews:
    def __init__(self, views: Views, view_store: OpenIncidentsStore,
                 after_batch: Callable[[], object] = lambda: None,
                 save_interval: float = 0.0):
        """`after_batch`: called after each batch is applied (an outbound-only worker
        collects the batch's survivors there: infra/gc_policy.py). `save_interval`: the
        least time, in seconds, from one background save's start to the next's."""
        self.views, self.view_store = views, view_store
        self.after_batch = after_batch
        self.save_interval = save_interval
        self._saving = asyncio.Lock()
        self._saver: asyncio.Task | None = None
        self._closing = False

    async def apply(self, events: list[dict]) -> None:
        """Apply a batch and save what it changed before returning."""
        self.views.apply(events)
        self.after_batch()
        await self.flush()

    async def offer(self, events: list[dict]) -> None:
        """Apply a batch now; its rows are saved in the background."""
        self.views.apply(events)
        self.after_batch()
        if not self._closing and (self._saver is None or self._saver.done()):
            self._saver = asyncio.create_task(self._save_while_changed())

    async def close(self) -> None:
        """The worker stopping (while batches may still come): no new save in the
        background; the one running ends, then one last save of what is left."""
        self._closing = True
        if self._saver is not None:
            await asyncio.gather(self._saver, return_exceptions=True)
        try:
            await self.flush()
        except Exception:   # caught up from the store at the next start
            log.exception("the last save of the views file failed")

    async def flush(self) -> None:
        """Save the rows changed since the last save that worked; then let go of the
        incidents finished long enough ago (their last rows are saved by then)."""
        views = self.views
        async with self._saving:
            changed = views.take_changed_open()
            try:
                if changed:
                    # Copied here: batches go on being applied to these rows meanwhile, and
                    # a row read half-changed in the thread would be saved as it never was.
                    rows = views.open_incidents.rows
                    saved = {i: IncidentRow(row.version, row.holder, row.is_open, row.recorded_at)
                             for i in changed for row in (rows[i],)}
                    await asyncio.to_thread(self.view_store.save_rows, saved)
            except BaseException:   # cancelled at shutdown too: still to be saved
                views.changed_open |= changed
                raise
            finally:  # those saved before go even while saves fail (memory stays bounded)
                views.release_finished()

    async def _save_while_changed(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self.views.changed_open and not self._closing:
                started = loop.time()
                await self.flush()
                await asyncio.sleep(max(0.0, started + self.save_interval - loop.time()))
        except Exception:  # the rows stay marked: the worker's flush every second retries
            log.exception("saving the views file failed; trying again with the next flush")
