"""WAL checkpoints of the SQLite store: in the commit that passes 1,000 pages (SQLite's
default), or in a thread of their own (the worker's: its commits run in the event loop)."""
import sqlite3
import time
import uuid
from dataclasses import replace

import pytest
from eventsourcing.persistence import StoredEvent

from infra.settings import Settings
from infra.sqlite_store import ELSEWHERE_SAFETY_PAGES
from infra.store import open_store, sqlite_service
from infra.store_checkpoints import PAGE_BYTES, BackgroundCheckpoints
from infra.worker_pool import child_environment


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
    return wal.stat().st_size // PAGE_BYTES if wal.exists() else 0


def stored_count(path) -> int:
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT count(*) FROM stored_events").fetchone()[0]


def test_by_default_a_commit_checkpoints_once_the_log_passes_1000_pages(tmp_path):
    path = tmp_path / "store.sqlite"
    service = sqlite_service(path)
    write_past_the_checkpoint_threshold(service)
    assert wal_pages(path) < 1100     # started over from its beginning after each checkpoint


def test_in_the_background_commits_leave_the_log_to_the_thread(tmp_path):
    path = tmp_path / "store.sqlite"
    service = sqlite_service(path, checkpoints="background")
    checkpointer = service.factory.checkpointer
    checkpointer.stop()                    # so that nothing but the commits could checkpoint
    written = write_past_the_checkpoint_threshold(service)
    assert wal_pages(path) > 1400        # no commit copied the log
    with sqlite3.connect(path) as connection:
        checkpointer.checkpoint(connection)
    assert checkpointer.log_pages > 1400 and checkpointer.copied_pages == checkpointer.log_pages
    assert stored_count(path) == written
    service.close()


def test_a_routing_only_worker_leaves_the_log_to_its_relaying_partner(tmp_path):
    """Split workers: the routing one has no checkpoint thread, and its commits leave the
    log to the relaying one's thread (until it passes the safety limit); the relaying one
    checkpoints what the routing one wrote."""
    settings = Settings(home=tmp_path)
    relaying_env, routing_env = (child_environment(settings, "127.0.0.1:9092", index,
                                                   split=True, processes=2) for index in (0, 1))
    routing = open_store(Settings.from_env(routing_env), worker=True)
    relaying = open_store(Settings.from_env(relaying_env), worker=True)
    assert routing.factory.checkpointer is None
    # A routing worker started alone (no relaying sibling) keeps its own thread.
    alone = open_store(replace(settings, worker_role="inbound"), worker=True)
    assert alone.factory.checkpointer is not None
    alone.close()
    checkpointer = relaying.factory.checkpointer
    checkpointer.stop()
    written = write_past_the_checkpoint_threshold(routing)
    assert wal_pages(settings.store) > 1400        # no commit of the routing worker copied it
    with sqlite3.connect(settings.store) as connection:
        checkpointer.checkpoint(connection)
    assert checkpointer.copied_pages == checkpointer.log_pages > 1400
    assert stored_count(settings.store) == written
    for service in (routing, relaying):
        service.close()


def test_with_the_relaying_partner_gone_the_routing_worker_copies_the_log_past_a_limit(tmp_path):
    path = tmp_path / "store.sqlite"
    service = sqlite_service(path, checkpoints="elsewhere")
    connection = service.factory.datastore.pool.get_connection()
    try:
        limit = connection._sqlite_conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    finally:
        service.factory.datastore.pool.put_connection(connection)
    assert limit == ELSEWHERE_SAFETY_PAGES == 4 * BackgroundCheckpoints.RESTART_PAGES
    while wal_pages(path) < ELSEWHERE_SAFETY_PAGES // 2:   # (a log written from its start)
        write_past_the_checkpoint_threshold(service)
    for _ in range(ELSEWHERE_SAFETY_PAGES // 1000):   # 1,500 pages each: past the limit
        write_past_the_checkpoint_threshold(service)
    # A commit copied the log once it passed the limit, and later ones wrote it from its
    # start again: what it holds now is less than was written since the store began.
    with sqlite3.connect(path) as plain:
        _, log_pages, _ = plain.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    assert log_pages < ELSEWHERE_SAFETY_PAGES
    service.close()


def test_the_thread_checkpoints_on_its_own_and_stops_with_the_store(tmp_path):
    path = tmp_path / "store.sqlite"
    service = sqlite_service(path, checkpoints="background", checkpoint_seconds=0.01)
    checkpointer = service.factory.checkpointer
    write_past_the_checkpoint_threshold(service)
    deadline = time.monotonic() + 5
    while not (checkpointer.log_pages > 1400 and checkpointer.copied_pages == checkpointer.log_pages):
        assert time.monotonic() < deadline, "the thread did not copy the whole log"
        time.sleep(0.01)
    service.close()
    assert not checkpointer._thread.is_alive()


def keep_writing(path, seconds: float) -> int:
    """Commits one after another, with the little time between them a busy worker leaves
    (its Python work): the log's largest size, in pages."""
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute(f"PRAGMA journal_size_limit={200 * PAGE_BYTES}")
    writer.execute("CREATE TABLE IF NOT EXISTS t (k BLOB PRIMARY KEY, v BLOB)")
    largest, until = 0, time.monotonic() + seconds
    while time.monotonic() < until:
        writer.execute("BEGIN")
        writer.executemany("INSERT INTO t VALUES (?, ?)",
                           [(uuid.uuid4().bytes, b"x" * 500) for _ in range(50)])
        writer.execute("COMMIT")
        largest = max(largest, wal_pages(path))
        time.sleep(0.002)
    writer.close()
    return largest


def log_under_steady_commits(path, restart_pages: int) -> tuple[int, int]:
    """3 s of commits beside a checkpointing thread: the log's largest size (pages), and
    how many RESTART checkpoints ran."""
    sqlite3.connect(path).execute("PRAGMA journal_mode=WAL").close()
    checkpointer = BackgroundCheckpoints(path, interval=0.01, restart_pages=restart_pages).start()
    try:
        largest = keep_writing(path, seconds=3)
    finally:
        checkpointer.stop()
    return largest, checkpointer.restarts


def test_the_log_stays_bounded_only_with_restarts_while_commits_keep_coming(tmp_path):
    """PASSIVE checkpoints alone let the log grow: commits land while one copies, so the
    log is never all copied and never starts over (622 MB in 45 s in a worker). Both runs
    side by side, so that a busy machine, which slows the checkpointing thread (the log
    then grows between its turns), slows both: compared, not held to a fixed size."""
    without, restarts_without = log_under_steady_commits(tmp_path / "passive.sqlite", 10**9)
    bounded, restarts = log_under_steady_commits(tmp_path / "restarts.sqlite", 200)
    assert restarts_without == 0 and restarts > 0
    assert without >= 800, f"PASSIVE checkpoints alone kept the log at {without} pages"
    assert bounded * 2 < without, (f"with restarts at 200 pages the log reached {bounded} "
                                   f"pages, without them {without}")


def test_an_unknown_checkpoint_mode_is_refused_by_name(tmp_path):
    with pytest.raises(ValueError, match="SQLITE_CHECKPOINTS='sometimes'"):
        sqlite_service(tmp_path / "store.sqlite", checkpoints="sometimes")


def test_a_checkpoint_held_up_by_a_reader_is_logged_with_how_long_it_took(tmp_path, caplog):
    """A RESTART checkpoint waits for readers and meanwhile holds writers back: a slow one
    is logged, so that a worker's stall can be set beside it."""
    import logging
    path = tmp_path / "store.sqlite"
    service = sqlite_service(path, checkpoints="background")
    checkpointer = service.factory.checkpointer
    checkpointer.stop()
    write_past_the_checkpoint_threshold(service)
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM stored_events").fetchone()   # holds its snapshot
    service.recorder.insert_events([StoredEvent(uuid.uuid4(), 1, "tests:Filler", b"y")])
    with caplog.at_level(logging.WARNING, logger="infra.store_checkpoints"), \
            sqlite3.connect(path, timeout=0.2) as connection:
        assert checkpointer._run_one(connection, "RESTART") is False     # the reader stayed
    [slow] = [r.getMessage() for r in caplog.records]
    assert slow.startswith("RESTART checkpoint of store.sqlite took ") and slow.endswith("busy)")
    reader.execute("COMMIT")
    with caplog.at_level(logging.WARNING, logger="infra.store_checkpoints"), \
            sqlite3.connect(path, timeout=0.2) as connection:
        caplog.clear()
        assert checkpointer._run_one(connection, "PASSIVE") is True
    assert not caplog.records    # a quick one is not
    service.close()


def writer_wait_beside_a_restart(path, checkpointer, connection) -> tuple[float, bool]:
    """A reader stays on the log for 0.6 s; meanwhile a RESTART checkpoint is tried on
    `connection` and, 50 ms later, a writer commits: how long the writer waited, and
    whether the RESTART ran."""
    import threading
    reader = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM stored_events").fetchone()   # holds its snapshot
    threading.Timer(0.6, lambda: reader.execute("COMMIT")).start()
    checkpointer.restart_pages, restarts = 1, checkpointer.restarts
    trying = threading.Thread(target=checkpointer.checkpoint, args=(connection,))
    trying.start()
    time.sleep(0.05)
    with sqlite3.connect(path, timeout=5, isolation_level=None) as writer:
        writer.execute("PRAGMA synchronous=OFF")   # its own commit: no fsync to wait for
        started = time.monotonic()
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO stored_events VALUES (?, 1, 'tests:Filler', x'00')",
                       (uuid.uuid4().bytes,))
        writer.execute("COMMIT")
        waited = time.monotonic() - started
    trying.join()
    time.sleep(0.7)   # the reader gone
    reader.close()
    return waited, checkpointer.restarts > restarts


def test_a_restart_that_finds_a_reader_gives_way_rather_than_hold_writers_back(tmp_path):
    """SQLite makes a RESTART wait for readers holding the writers' lock. The thread's own
    connection (no busy timeout) gives way at once; one that waits, as it used to (1 s),
    holds the writer until the reader has gone."""
    path = tmp_path / "store.sqlite"
    service = sqlite_service(path, checkpoints="background")
    checkpointer = service.factory.checkpointer
    checkpointer.stop()
    write_past_the_checkpoint_threshold(service)
    service.recorder.insert_events([StoredEvent(uuid.uuid4(), 1, "tests:Filler", b"y")])

    waited, restarted = writer_wait_beside_a_restart(path, checkpointer, checkpointer.connect())
    assert not restarted and waited < 0.25, f"the writer waited {waited * 1000:.0f} ms"
    # Tried again with nothing in the way, it runs.
    checkpointer.checkpoint(checkpointer.connect())
    assert checkpointer.restarts == 1

    service.recorder.insert_events([StoredEvent(uuid.uuid4(), 1, "tests:Filler", b"z")])
    waiting = sqlite3.connect(path, timeout=1, check_same_thread=False)
    waited, restarted = writer_wait_beside_a_restart(path, checkpointer, waiting)
    assert waited > 0.45, f"a waiting RESTART held the writer only {waited * 1000:.0f} ms"
    service.close()
