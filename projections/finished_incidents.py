"""Which finished incidents live views may let go of, by the store's clock.

A worker's views serve what is happening: open incidents, their SLA lights and alerts, the
dashboard. An incident that ended (closed, voided, merged as a duplicate) stays in them for
`keep`, then goes, so a worker's memory holds the open incidents and the latest finished
ones instead of every incident ever (about 5 KiB each). Evaluation over any period does not
need them here: `grid-dispatch report` and `rebuild` replay the store.

Time is the store's clock (each event's `recorded_at`), never a report's own time: a device
dated ahead must not push others out. It moves with the events applied, so a replay of the
store lets the same incidents go as the live stream did.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from projections.open_incidents import CLOSING_EVENTS


class FinishedIncidents:
    def __init__(self, keep: timedelta):
        if keep < timedelta(0):
            raise ValueError(f"finished incidents are kept for a duration >= 0, not {keep}")
        self.keep = keep
        self._ended: deque[tuple[datetime, str]] = deque()   # in the order they ended
        self._queued: set[str] = set()   # (a resent ending is not queued twice)
        self._newest: datetime | None = None

    def note(self, events: Sequence[dict[str, Any]]) -> None:
        """Take note of a batch just applied: its endings, and how late the store's clock is."""
        for event in events:
            if event["type"] in CLOSING_EVENTS and event["incident_id"] not in self._queued:
                self._queued.add(event["incident_id"])
                self._ended.append((self._saw(event), event["incident_id"]))
        if events:
            self._saw(events[-1])

    def due(self) -> list[str]:
        """The incidents that ended more than `keep` before the latest event, once each."""
        if self._newest is None:
            return []
        horizon, ended, due = self._newest - self.keep, self._ended, []
        while ended and ended[0][0] <= horizon:
            incident_id = ended.popleft()[1]
            self._queued.discard(incident_id)
            due.append(incident_id)
        return due

    def take_over(self, ended: list[tuple[datetime, str]], newest: datetime | None) -> None:
        """Hold these endings (in the order they ended) and this clock: a native replay's
        (projections/native_replay.py)."""
        self._ended = deque(ended)
        self._queued = {incident_id for _, incident_id in ended}
        self._newest = newest

    def __len__(self) -> int:
        return len(self._ended)

    def _saw(self, event: dict[str, Any]) -> datetime:
        at = event["recorded_at"]
        at = at if isinstance(at, datetime) else datetime.fromisoformat(at)
        if self._newest is None or at > self._newest:
            self._newest = at
        return at
