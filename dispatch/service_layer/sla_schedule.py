"""When each incident next has an SLA alert to plan: a heap of instants, lazily invalidated.

The SLA watcher ticks every second over tens of thousands of open incidents; working out
every clock's alert instants each tick is what made a tick slow. Instead each incident's
earliest pending instant is kept here and moved only when its clocks change or its alerts
are planned, so a tick only pops what has come due.
"""
from __future__ import annotations

import heapq
from datetime import datetime


class AlertSchedule:
    def __init__(self) -> None:
        self._next: dict[str, datetime] = {}
        self._heap: list[tuple[datetime, str]] = []

    def __len__(self) -> int:
        return len(self._next)

    def set(self, incident_id: str, at: datetime | None) -> None:
        """The incident's next instant is `at` (None: nothing left to alert, for now)."""
        if at is None:
            self._next.pop(incident_id, None)
            return
        if self._next.get(incident_id) == at:
            return
        self._next[incident_id] = at
        # Moving an instant leaves the old entry behind rather than searching the heap for
        # it: `pop_due` skips entries that no longer match. Compact when they pile up.
        heapq.heappush(self._heap, (at, incident_id))
        if len(self._heap) > 2 * len(self._next) + 1024:
            self._heap = [(when, key) for key, when in self._next.items()]
            heapq.heapify(self._heap)

    def pop_due(self, now: datetime) -> list[str]:
        """The incidents whose instant is at or before `now`, taken off the schedule."""
        due, heap = [], self._heap
        while heap and heap[0][0] <= now:
            at, incident_id = heapq.heappop(heap)
            if self._next.get(incident_id) == at:
                del self._next[incident_id]
                due.append(incident_id)
        return due
