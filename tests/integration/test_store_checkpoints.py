"""WAL checkpoints of the SQLite store: in the commit that passes 1,000 pages (SQLite's
default), or in a thread of their own (the worker's: its commits run in the event loop)."""
import sqlite3
import uuid

import pytest
from eventsourcing.persistence import StoredEvent

from infra.store import sqlite_service

PAGE = 4096


def write_past_the_checkpoint_threshold(service) -> int:
    """About 1,500 pages of events, 100 to a commit; how many were written."""
    count = 0
    for _ in range(60):
        batch = [StoredEvent(uuid.uuid4(), 1, "tests:Filler", b"x" * 1000) for _ in range(100)]
        service.recorder.insert_events(batch)
        count += len(batch)
    return count


def wal_pages(path) -> int:
    wal = path.with_name(path.name + "-wal")
    return wal.stat().st_size // PAGE if wal.exists() else 0


def test_by_default_a_commit_checkpoints_once_the_log_passes_1000_pages(tmp_path):
    path = tmp_path / "store.sqlite"
    service = sqlite_service(path)
    write_past_the_checkpoint_threshold(service)
    assert wal_pages(path) < 1100     # restarted from its start after each checkpoint


def test_in_the_background_commits_leave_the_log_to_the_thread(tmp_path):
    path = tmp_path / "store.sqlite"
    service = sqlite_service(path, checkpoints="background")
    checkpointer = service.factory.checkpointer
    checkpointer.stop()                    # so that nothing but the commits could checkpoint
    written = write_past_the_checkpoint_threshold(service)
    assert wal_pages(path) > 1400        # no commit copied the log
    with sqlite3.connect(path) as connection:
        checkpointer.checkpoint(connection)
    assert checkpointer.checkpoints == 1 and checkpointer.frames_copied > 1400
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT count(*) FROM stored_events").fetchone()[0] == written
    service.close()


def test_the_thread_checkpoints_on_its_own_and_stops_with_the_store(tmp_path):
    path = tmp_path / "store.sqlite"
    service = sqlite_service(path, checkpoints="background")
    checkpointer = service.factory.checkpointer
    write_past_the_checkpoint_threshold(service)
    for _ in range(100):                 # every half second
        if checkpointer.frames_copied > 1400:
            break
        checkpointer._stopping.wait(0.05)
    assert checkpointer.frames_copied > 1400
    service.close()
    assert not checkpointer._thread.is_alive()


def test_an_unknown_checkpoint_mode_is_refused_by_name(tmp_path):
    with pytest.raises(ValueError, match="SQLITE_CHECKPOINTS='sometimes'"):
        sqlite_service(tmp_path / "store.sqlite", checkpoints="sometimes")
