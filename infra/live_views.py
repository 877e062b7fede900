"""The worker's live views fed a batch at a time, and the open-incidents rows saved after.

Fed by the relay (the lease holder) or the projector (any other worker), never both at
once (infra/lease_tasks.py). The rows changed by a batch are saved to the views file in a
thread; a save that fails leaves them marked changed, so the next batch saves them.
"""
from __future__ import annotations

import asyncio

from infra.view_store import OpenIncidentsStore
from projections.views import Views


class LiveViews:
    def __init__(self, views: Views, view_store: OpenIncidentsStore):
        self.views, self.view_store = views, view_store

    async def apply(self, events: list[dict]) -> None:
        views = self.views
        views.apply(events)
        changed = views.take_changed_open()
        try:
            await asyncio.to_thread(self.view_store.save, views.open_incidents, changed)
        except Exception:
            views.changed_open |= changed
            raise
