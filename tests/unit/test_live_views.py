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

    def save_rows(self, rows):
        if self.failures:
            self.failures -= 1
            raise TimeoutError("database is locked")
        super().save_rows(rows)


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


class SlowStore(OpenIncidentsStore):
    """A save that waits until let go, counting the saves."""
    def __init__(self, path):
        super().__init__(path)
        import threading
        self.go, self.saves = threading.Event(), 0

    def save_rows(self, rows):
        self.go.wait(10)
        self.saves += 1
        super().save_rows(rows)


def test_offered_batches_are_applied_at_once_and_saved_behind_together(tmp_path):
    events = histories(30)
    store = SlowStore(tmp_path / "views.sqlite")
    live = LiveViews(Views(), store)

    async def offer_three_during_one_save():
        await live.offer(events[:50])
        await asyncio.sleep(0.05)   # its save has started, and waits
        for part in (events[50:120], events[120:]):
            await live.offer(part)    # returns while that save still waits
        applied = {i: (r.version, r.holder, r.is_open)
                   for i, r in live.views.open_incidents.rows.items()}
        store.go.set()
        await live.close()
        return applied
    applied = asyncio.run(offer_three_during_one_save())
    assert applied == {i: (r.version, r.holder, r.is_open)   # applied before any save ended
                       for i, r in live.views.open_incidents.rows.items()}
    assert store.load().rows == live.views.open_incidents.rows
    assert store.saves == 2   # the first batch, then the two offered during its save together


def test_a_failed_save_behind_the_relay_is_logged_and_left_to_the_next_flush(tmp_path, caplog):
    events = histories(10)
    store = StoreThatFailsOnce(tmp_path / "views.sqlite")
    live = LiveViews(Views(), store)

    async def offer_then_close():
        await live.offer(events)   # does not raise: the relay goes on publishing
        await asyncio.sleep(0.05)  # the save behind it has run, and failed
        assert live.views.changed_open
        store.failures = 1         # so does the last one, at shutdown
        await live.close()
    asyncio.run(offer_then_close())
    assert "saving the views file failed" in caplog.text
    assert store.load().rows == {}
    asyncio.run(live.flush())
    assert store.load().rows == live.views.open_incidents.rows


def test_once_closing_no_save_starts_behind_and_what_is_left_is_saved_once(tmp_path):
    events = histories(20)
    store = SlowStore(tmp_path / "views.sqlite")
    store.go.set()
    live = LiveViews(Views(), store)

    async def close_while_batches_come():
        await live.offer(events[:60])
        closing = asyncio.create_task(live.close())
        await asyncio.sleep(0)
        await live.offer(events[60:])        # comes during the shutdown
        await closing
        return live._saver
    saver = asyncio.run(close_while_batches_come())
    assert saver is None or saver.done()
    assert store.load().rows == live.views.open_incidents.rows   # the last save took it all
    assert store.saves == 2


def test_every_batch_applied_is_followed_by_the_after_batch_hook(tmp_path):
    events = histories(10)
    seen = []
    live = LiveViews(Views(), OpenIncidentsStore(tmp_path / "views.sqlite"),
                     after_batch=lambda: seen.append(len(live.views.facts.facts)))

    async def feed():
        await live.offer(events[:20])
        await live.apply(events[20:])
        await live.close()
    asyncio.run(feed())
    # Called once a batch, each time after the batch was applied (the views hold it).
    assert len(seen) == 2 and seen[0] > 0 and seen[1] == len(live.views.facts.facts)


@pytest.mark.parametrize("interval, saves_soon", [(0.0, 3), (0.3, 1)])
def test_background_saves_start_no_closer_together_than_the_save_interval(
        tmp_path, interval, saves_soon):
    events = histories(30)
    store = SlowStore(tmp_path / "views.sqlite")
    store.go.set()
    live = LiveViews(Views(), store, save_interval=interval)

    async def offer_three_in_quick_succession():
        for part in (events[:50], events[50:120], events[120:]):
            await live.offer(part)
            await asyncio.sleep(0.05)   # each save (or the first) is done by then
        soon = store.saves
        await asyncio.sleep(interval + 0.1)
        return soon, store.saves
    soon, later = asyncio.run(offer_three_in_quick_succession())
    assert soon == saves_soon
    # Those held back are saved together once the interval is over, nothing left behind.
    assert later == (3 if interval == 0 else 2)
    assert store.load().rows == live.views.open_incidents.rows
