"""The worker's live views fed a batch at a time, and the open-incidents rows saved after.

Fed by the projector until the worker holds the store's lease, then by its relay, never
both at once (infra/lease_tasks.py). The rows changed by a batch are saved to the views
file in a thread; a save that fails (the file locked by another worker) leaves them marked
changed, and `flush`, which the worker calls every second, saves them even if no batch
comes. Incidents finished long enough ago leave the views after a save (projections/
finished_incidents.py), never before their last row is saved.
"""
from __future__ import annotations

import asyncio

from infra.view_store import OpenIncidentsStore
from projections.views import Views


class LiveViews:
    def __init__(self, views: Views, view_store: OpenIncidentsStore):
        self.views, self.view_store = views, view_store
        self._saving = asyncio.Lock()

    async def apply(self, events: list[dict]) -> None:
        self.views.apply(events)
        await self.flush()

    async def flush(self) -> None:
        """Save the rows changed since the last save that worked; then let go of the
        incidents finished long enough ago (their last rows are saved by then)."""
        views = self.views
        async with self._saving:
            changed = views.take_changed_open()
            try:
                if changed:
                    await asyncio.to_thread(self.view_store.save, views.open_incidents, changed)
            except BaseException:   # cancelled at shutdown too: still to be saved
                views.changed_open |= changed
                raise
            finally:  # those saved before go even while saves fail (memory stays bounded)
                views.release_finished()
