"""The direct SQLite reader returns exactly what the recorder returns."""
from infra.store import sqlite_service
from infra.store_reader import recorder_rows, rows_for, sqlite_rows
from tests.unit.test_event_contract import whole_story


def test_the_direct_reader_equals_the_recorder_in_every_batch_size(tmp_path):
    service = sqlite_service(tmp_path / "store.sqlite")
    service.save(*whole_story())
    service.record_policy_version("v", "n", "s", "t", at=whole_story()[0].reported_at)
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
