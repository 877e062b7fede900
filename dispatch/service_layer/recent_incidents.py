"""The incidents this process stored last, kept to be worked on again without a replay.

A repeat report loads its original, a command its incident: rebuilding either from the
store (select, decode, apply every event) cost about a tenth of the route step. Each
incident kept here is the object whose events were just stored, so it equals a rebuild:
an aggregate, or a new incident the route step wrote as its stored events
(new_incidents.py), which the service makes an aggregate from them when it is taken.

Single owner: `take` removes the incident, and only a stored change puts it back
(`keep`), so an attempt that changed an incident and then failed leaves nothing behind.
Whoever takes one still asks the store whether a newer version exists (another writer,
another worker) before trusting it; a write on a stale copy would be refused anyway by
the store's unique (incident, version) key.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Generic, TypeVar
from uuid import UUID

A = TypeVar("A")
# How many, by default. At a peak of 2,000 reports a second (half of them repeats late in a
# long run), 20,000 held the last 10 s: most repeats' originals were then rebuilt from the
# store, and the route step over 240,000 reports cost 198-204 µs a report, against 172-175
# with 100,000 (in its last eighth 228 and 237 against 185 and 181), for about 190 MB more
# (2.2-2.4 KiB each).
# A city reporting some tens of thousands a day (assumed, not measured here) would find
# days of incidents kept, so its commands would rarely rebuild one.
DEFAULT_CAPACITY = 100_000


class RecentIncidents(Generic[A]):
    def __init__(self, capacity: int = DEFAULT_CAPACITY):
        if capacity < 0:
            raise ValueError(f"how many recent incidents to keep (GRID_DISPATCH_RECENT_INCIDENTS) "
                             f"must be 0 or more, not {capacity}")
        self.capacity = capacity
        # Ordered, oldest first; a plain dict would do, but taking its first key after many
        # deletions at the front walks every deleted slot (a few per cent of the route step).
        self._kept: OrderedDict[UUID, A] = OrderedDict()
        # A worker's steps share the event loop's thread; the lock is for callers on others
        # (uncontended, it costs a tenth of a microsecond).
        self._lock = threading.Lock()

    def take(self, incident_id: UUID) -> A | None:
        with self._lock:
            return self._kept.pop(incident_id, None)

    def keep(self, incidents: Iterable[tuple[UUID, A]]) -> None:
        """Incidents as stored just now; the oldest kept go beyond `capacity`."""
        if not self.capacity:
            return
        with self._lock:
            kept = self._kept
            for incident_id, incident in incidents:
                kept[incident_id] = incident
                kept.move_to_end(incident_id)  # to the young end
            while len(kept) > self.capacity:
                kept.popitem(last=False)

    def forget(self) -> None:
        with self._lock:
            self._kept.clear()

    def __len__(self) -> int:
        return len(self._kept)
