"""The in-memory event store (unit tests, `memory_service`), able to record several input
positions with one transaction's events, as the SQLite store does (infra/sqlite_recorder.py)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import IntegrityError, ProcessRecorder, StoredEvent
from eventsourcing.popo import POPOFactory, POPOProcessRecorder


class SeveralPositionsPOPORecorder(POPOProcessRecorder):
    records_more_tracking = True

    def _assert_uniqueness(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        super()._assert_uniqueness(stored_events, **kwargs)
        more = kwargs.get("more_tracking", ())
        streams = [t.application_name for t in (kwargs.get("tracking"), *more) if t]
        if len(set(streams)) != len(streams):   # SQLite refuses the second, not above the first
            raise IntegrityError(f"one position a stream in a transaction: {streams}")
        for tracking in more:
            self._assert_tracking_uniqueness(tracking)

    def _update_table(self, stored_events: Sequence[StoredEvent],
                      **kwargs: Any) -> Sequence[int] | None:
        notification_ids = super()._update_table(stored_events, **kwargs)
        for tracking in kwargs.get("more_tracking", ()):
            self._insert_tracking(tracking)
        return notification_ids


class SeveralPositionsPOPOFactory(POPOFactory):
    def process_recorder(self) -> ProcessRecorder:
        return SeveralPositionsPOPORecorder()


PERSISTENCE_TOPIC = f"{__name__}:{SeveralPositionsPOPOFactory.__name__}"
