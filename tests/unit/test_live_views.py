"""The worker's live views: a batch applied, its changed rows saved, kept when a save fails."""
import asyncio

import pytest

from infra.live_views import LiveViews
from infra.view_store import OpenIncidentsStore
from projections.views import Views
from tests.unit.story import histories


class StoreThatFailsOnce(OpenIncidentsStore):
    """The views file locked by another worker, once."""
    def __init__(self, path):
        super().__init__(path)
        self.failures = 1

    def save(self, view, changed):
        if self.failures:
            self.failures -= 1
            raise TimeoutError("database is locked")
        super().save(view, changed)


def test_rows_a_failed_save_left_are_saved_with_the_next_batch(tmp_path):
    events = histories(30)
    store = StoreThatFailsOnce(tmp_path / "views.sqlite")
    live = LiveViews(Views(), store)
    with pytest.raises(TimeoutError):
        asyncio.run(live.apply(events[:100]))
    asyncio.run(live.apply(events[100:]))
    assert store.load().rows == live.views.open_incidents.rows


def test_a_flush_saves_what_a_failed_save_left_without_another_batch(tmp_path):
    events = histories(10)
    store = StoreThatFailsOnce(tmp_path / "views.sqlite")
    live = LiveViews(Views(), store)
    with pytest.raises(TimeoutError):
        asyncio.run(live.apply(events))
    assert store.load().rows == {}
    asyncio.run(live.flush())
    assert store.load().rows == live.views.open_incidents.rows


def test_finished_incidents_leave_only_once_their_rows_are_saved(tmp_path):
    from datetime import timedelta
    events = histories(30)
    ended = {e["incident_id"] for e in events if e["type"] in ("Closed", "Voided")}
    store = StoreThatFailsOnce(tmp_path / "views.sqlite")
    live = LiveViews(Views(keep_finished=timedelta(0)), store)
    with pytest.raises(TimeoutError):
        asyncio.run(live.apply(events))
    assert ended <= set(live.views.facts.facts)       # not saved yet: still held
    asyncio.run(live.flush())
    assert not ended & set(live.views.facts.facts)
    saved = store.load().rows
    assert ended <= set(saved) and not any(saved[i].is_open for i in ended)


def test_incidents_saved_before_leave_while_a_later_save_fails(tmp_path):
    from datetime import timedelta
    events = histories(30)
    ended = {e["incident_id"] for e in events if e["type"] in ("Closed", "Voided")}
    store = StoreThatFailsOnce(tmp_path / "views.sqlite")
    store.failures = 0
    live = LiveViews(Views(keep_finished=timedelta(days=3650)), store)
    asyncio.run(live.apply(events))                  # saved, kept (not long enough ago)
    live.views.finished.keep = timedelta(0)          # now they are due
    store.failures = 1
    still_open = next(e for e in events if e["incident_id"] not in ended)
    late = [dict(still_open, version=99, type="Urged", by="sup", note="n")]
    with pytest.raises(TimeoutError):
        asyncio.run(live.apply(late))                # this save fails ...
    assert not ended & set(live.views.facts.facts)   # ... and those saved before left
