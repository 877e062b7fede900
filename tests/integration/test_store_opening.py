"""Processes opening a new store, or a new views file, at the same moment, as the children
of `worker --processes N` do on a new store: every one of them opens it, and the tables are
made once (infra/sqlite_opening.py, infra/postgres_store.py).

Real processes on a real SQLite file and a real PostgreSQL server. Before the fix, with two
processes, one failed in 22 rounds of 40 on SQLite (the views file: 11 of 60) and in every
round on PostgreSQL; these tests' rounds of four failed in every run without it (the views
file's in four runs of four).
"""
from __future__ import annotations

import multiprocessing
import sqlite3
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest

OPENERS, ROUNDS = 4, 6
VIEWS_ROUNDS = 30   # its race is narrower: without the fix, one round in ten to twenty failed


def _open_when_all_are_ready(open_it: Callable[[], object], ready, answers) -> None:
    try:
        ready.wait(timeout=60)
        open_it()
        answers.put("opened")
    except BaseException:  # noqa: BLE001 (whatever it is, it is the answer the test reads)
        answers.put(traceback.format_exc())


def _all_open_at_once(open_it: Callable[[], object]) -> list[str]:
    """What each of OPENERS processes answered, started together (forked, so nothing is
    left to import after the barrier)."""
    context = multiprocessing.get_context("fork")
    ready, answers = context.Barrier(OPENERS), context.Queue()
    openers = [context.Process(target=_open_when_all_are_ready, args=(open_it, ready, answers))
               for _ in range(OPENERS)]
    for opener in openers:
        opener.start()
    try:
        found = [answers.get(timeout=120) for _ in openers]
        for opener in openers:
            opener.join(timeout=60)
        assert [opener.exitcode for opener in openers] == [0] * OPENERS
        return found
    finally:
        for opener in openers:
            if opener.is_alive():
                opener.kill()


def _sqlite_store(path: Path) -> Callable[[], object]:
    from infra.store import sqlite_service
    return lambda: sqlite_service(path, checkpoints="background")


def _views_file(path: Path) -> Callable[[], object]:
    from infra.view_store import OpenIncidentsStore
    return lambda: OpenIncidentsStore(path)


def _opened_together(tmp_path: Path, rounds: int, name: str,
                     opener: Callable[[Path], Callable[[], object]]
                     ) -> Iterator[sqlite3.Connection]:
    """For each round, a new file `name` opened by every opener at once; then a connection
    to it, the file found in WAL mode."""
    for round_ in range(rounds):
        path = tmp_path / str(round_) / name
        assert _all_open_at_once(opener(path)) == ["opened"] * OPENERS
        with closing(sqlite3.connect(path)) as connection:
            assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            yield connection


def test_processes_opening_a_new_sqlite_store_together_all_open_it(tmp_path):
    for store in _opened_together(tmp_path, ROUNDS, "store.sqlite", _sqlite_store):
        assert store.execute("SELECT application_name, notification_id FROM tracking"
                             ).fetchall() == [("__migration__", 1)]


def test_processes_opening_a_new_views_file_together_all_open_it(tmp_path):
    for views in _opened_together(tmp_path, VIEWS_ROUNDS, "views.sqlite", _views_file):
        assert "recorded_at" in {row[1] for row in
                                 views.execute("PRAGMA table_info(open_incidents)")}


def _postgres_store(url: str) -> Callable[[], object]:
    from infra.store import postgres_service
    return lambda: postgres_service(url)


@pytest.mark.usefixtures("postgres_server")
def test_processes_opening_a_new_postgres_store_together_all_open_it(postgres_server):
    from infra.local_postgres import create_database
    from infra.store import postgres_service
    for _ in range(ROUNDS):
        url = create_database(postgres_server, "opening_" + uuid.uuid4().hex[:12])
        assert _all_open_at_once(_postgres_store(url)) == ["opened"] * OPENERS
        service = postgres_service(url)
        try:
            assert service.recorder.max_tracking_id("__migration__") == 1
        finally:
            service.close()


def test_a_store_whose_tables_lock_is_held_too_long_says_so(postgres_server, monkeypatch):
    import psycopg
    from eventsourcing.persistence import OperationalError

    from infra import postgres_store
    from infra.local_postgres import create_database
    from infra.postgres_lease import lock_key
    from infra.postgres_settings import postgres_env
    from infra.store import postgres_service
    url = create_database(postgres_server, "opening_" + uuid.uuid4().hex[:12])
    env = postgres_env(url)
    monkeypatch.setattr(postgres_store, "TURN_WAIT_S", 1)
    with psycopg.connect(url, autocommit=True) as holder:   # another opener, stuck
        holder.execute("SELECT pg_advisory_lock(%s)",
                       (lock_key(env["POSTGRES_DBNAME"], "public", "tables"),))
        with pytest.raises(OperationalError, match="tables lock was held by another process"):
            postgres_service(url)
    service = postgres_service(url)   # let go of with its session: the next one opens
    service.close()
