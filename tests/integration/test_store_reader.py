"""The direct readers (SQLite, PostgreSQL) return exactly what the recorder returns."""
import psycopg
import pytest

from infra.store import postgres_service, sqlite_service
from infra.store_reader import PostgresRows, recorder_rows, rows_for, sqlite_rows
from tests.unit.test_event_contract import whole_story


def stored_story(service):
    service.save(*whole_story())
    service.record_policy_version("v", "n", "s", "t", at=whole_story()[0].reported_at)
    return service


def test_the_postgres_reader_equals_the_recorder_and_reconnects(postgres_url):
    service = stored_story(postgres_service(postgres_url))
    direct = rows_for(service)
    assert isinstance(direct, PostgresRows)
    assert direct(0, 1000) == recorder_rows(service)(0, 1000) and len(direct(0, 1000)) >= 30
    with psycopg.connect(postgres_url, autocommit=True) as admin:   # its session ends
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE pid <> pg_backend_pid() AND datname = current_database() "
                      "AND query LIKE '%%notification_id >%%'")
    with pytest.raises(psycopg.OperationalError):
        direct(0, 5)
    assert direct(3, 5) == recorder_rows(service)(3, 5)   # a new connection
    service.close()


def test_the_direct_reader_equals_the_recorder_in_every_batch_size(tmp_path):
    service = stored_story(sqlite_service(tmp_path / "store.sqlite"))
    direct, through_recorder = sqlite_rows(tmp_path / "store.sqlite"), recorder_rows(service)
    for size in (1, 3, 7, 1000):
        position, fast, slow = 0, [], []
        while rows := direct(position, size):
            fast += rows
            position = rows[-1][0]
        position = 0
        while rows := through_recorder(position, size):
            slow += rows
            position = rows[-1][0]
        assert fast == slow and len(fast) >= 30
    assert rows_for(service).__qualname__.startswith("sqlite_rows")
