"""The saved open-incidents view, which several workers sharing a store all write."""
import sqlite3
import uuid
from datetime import datetime, timedelta

import pytest

from projections.open_incidents import IncidentRow, OpenIncidentsByDepartment
from infra.view_store import OpenIncidentsStore

AT = "2026-11-28T20:00:00.000001+00:00"   # when the reports were recorded: alike where it does not matter


def recorded(n: int) -> str:
    """The n-th µs after AT, as the store writes its times."""
    return (datetime.fromisoformat(AT) + timedelta(microseconds=n)).isoformat()


def test_a_worker_behind_does_not_undo_what_a_worker_ahead_saved(tmp_path):
    store = OpenIncidentsStore(tmp_path / "views.sqlite")
    ahead = OpenIncidentsByDepartment({"i-1": IncidentRow(3, "housing", False, AT),
                                       "i-2": IncidentRow(2, "water", True, AT)})
    behind = OpenIncidentsByDepartment({"i-1": IncidentRow(2, "housing", True, AT),
                                        "i-2": IncidentRow(1, "unassigned", True, AT),
                                        "i-3": IncidentRow(1, "roads", True, AT)})
    store.save_rows({i: ahead.rows[i] for i in ["i-1", "i-2"]})
    store.save_rows({i: behind.rows[i] for i in ["i-1", "i-2", "i-3"]})
    assert store.load().rows == {"i-1": IncidentRow(3, "housing", False, AT),
                                 "i-2": IncidentRow(2, "water", True, AT),
                                 "i-3": IncidentRow(1, "roads", True, AT)}
    later = OpenIncidentsByDepartment({"i-2": IncidentRow(4, "water", False, AT)})
    store.save_rows({"i-2": later.rows["i-2"]})
    assert store.load().rows["i-2"] == IncidentRow(4, "water", False, AT)


def test_a_starting_worker_catches_up_without_taking_back_newer_rows(tmp_path):
    store = OpenIncidentsStore(tmp_path / "views.sqlite")
    store.claim_for("store-1")
    # Saved by a worker that runs on: i-1 is further along than the store was when the
    # starting worker built its view; i-4 was recorded since; i-5 finished long ago.
    saved = OpenIncidentsByDepartment({"i-1": IncidentRow(5, "housing", False, AT),
                                       "i-2": IncidentRow(1, "unassigned", True, AT),
                                       "i-4": IncidentRow(1, "roads", True, AT),
                                       "i-5": IncidentRow(3, "water", True, AT)})
    store.save_rows(saved.rows)
    store.claim_for("store-1")                     # the same store: nothing goes
    store.save_rows({"i-5": IncidentRow(6, "water", False, AT)})   # the replay let it go
    built = OpenIncidentsByDepartment({"i-1": IncidentRow(3, "housing", True, AT),
                                       "i-2": IncidentRow(2, "water", True, AT),
                                       "i-3": IncidentRow(1, "roads", True, AT)})
    store.catch_up(built)
    assert store.load().rows == {"i-1": IncidentRow(5, "housing", False, AT),
                                 "i-2": IncidentRow(2, "water", True, AT),
                                 "i-3": IncidentRow(1, "roads", True, AT),
                                 "i-4": IncidentRow(1, "roads", True, AT),
                                 "i-5": IncidentRow(6, "water", False, AT)}


@pytest.mark.parametrize("written_for", [None, "store-0"])
def test_a_file_written_for_another_store_is_emptied_when_claimed(tmp_path, written_for):
    store = OpenIncidentsStore(tmp_path / "views.sqlite")
    if written_for:
        store.claim_for(written_for)
    store.save_rows({"i-9": IncidentRow(7, "water", True, AT)})
    store.claim_for("store-1")
    assert store.load().rows == {}
    store.save_rows({"i-1": IncidentRow(1, "roads", True, AT)})
    store.claim_for("store-1")
    assert set(store.load().rows) == {"i-1"}
    store.claim_for(None)                          # an empty store: no row can be its
    assert store.load().rows == {}


def test_a_rebuild_replaces_rows_whatever_version_the_file_held(tmp_path):
    store = OpenIncidentsStore(tmp_path / "views.sqlite")
    store.claim_for("store-1")
    store.save_rows({"i-1": IncidentRow(5, "housing", False, AT)})
    rebuilt = OpenIncidentsByDepartment({"i-2": IncidentRow(2, "water", True, AT)})
    store.replace(rebuilt, "store-1")
    assert store.load().rows == rebuilt.rows
    store.claim_for("store-1")
    assert store.load().rows == rebuilt.rows       # and the file is the store's


@pytest.mark.parametrize("claimed", [False, True])
def test_a_file_with_rows_keyed_by_incident_alone_is_made_anew_when_opened(tmp_path, claimed):
    """The schema before rows were ordered by `recorded_at` (and, unclaimed, before `meta`):
    its rows go at once, and the next claim finds the file no store's."""
    path = tmp_path / "views.sqlite"
    with sqlite3.connect(path) as old:
        old.execute("CREATE TABLE open_incidents (incident_id TEXT PRIMARY KEY, "
                    "version INTEGER NOT NULL, holder TEXT NOT NULL, is_open INTEGER NOT NULL)")
        old.execute("INSERT INTO open_incidents VALUES ('i-1', 3, 'roads', 1)")
        if claimed:
            old.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            old.execute("INSERT INTO meta VALUES ('store', 'store-1')")
    store = OpenIncidentsStore(path)
    assert store.load().rows == {}
    store.save_rows({"i-2": IncidentRow(2, "water", True, AT)})
    store.claim_for("store-1")
    assert store.load().rows == {}      # not the store's: whatever was saved before goes
    store.save_rows({"i-2": IncidentRow(2, "water", True, AT)})
    assert OpenIncidentsStore(path).load().rows == {"i-2": IncidentRow(2, "water", True, AT)}


def test_a_save_of_newly_recorded_incidents_writes_few_pages_however_big_the_file(tmp_path):
    """Rows sit in the order their incidents were recorded: a save of new incidents writes
    the file's last pages, not a page a row wherever random ids would put them."""
    store = OpenIncidentsStore(tmp_path / "views.sqlite")
    ids = [str(uuid.uuid4()) for _ in range(20_500)]
    for start in range(0, 20_000, 1_000):
        store.save_rows({i: IncidentRow(3, "water", True, recorded(start + n))
                         for n, i in enumerate(ids[start:start + 1_000])})
    with store._connect() as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    store.save_rows({i: IncidentRow(3, "water", True, recorded(20_000 + n))
                     for n, i in enumerate(ids[20_000:])})
    with store._connect() as connection:
        _, pages_written, _ = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    assert 0 < pages_written < 40       # keyed by id: about 250 (measured)
    assert len(store.load().rows) == 20_500


def test_a_save_is_one_statement_however_many_rows(tmp_path):
    """A save runs in a thread beside the busy event loop, and Python's sqlite3 lets go of
    the GIL for each statement it steps: a statement a row made a save wait for the GIL as
    many times (infra/view_store.py)."""
    store = OpenIncidentsStore(tmp_path / "views.sqlite")
    rows = {f"i-{n}": IncidentRow(n, f"部门 \"{n % 7}\"", n % 3 == 0, AT) for n in range(1, 501)}
    statements: list[str] = []
    with store._connect() as connection:
        connection.set_trace_callback(statements.append)
    store.save_rows(rows)
    assert [s for s in statements if s.lstrip().upper().startswith("INSERT")] == [statements[1]]
    assert len(statements) == 3            # BEGIN, the one INSERT, COMMIT
    assert store.load().rows == rows


def test_closing_lets_go_of_the_file_and_a_later_call_opens_it_again(tmp_path):
    store = OpenIncidentsStore(tmp_path / "views.sqlite")
    store.save_rows({"i-1": IncidentRow(1, "roads", True, AT)})
    store.close()
    assert store._connection is None
    assert store.load().rows == {"i-1": IncidentRow(1, "roads", True, AT)}


def test_a_failed_save_saves_nothing_and_the_next_one_works(tmp_path):
    store = OpenIncidentsStore(tmp_path / "views.sqlite")
    store.save_rows({"i-1": IncidentRow(1, "roads", True, AT)})
    with pytest.raises(sqlite3.IntegrityError):   # a row with no holder: NOT NULL
        store.save_rows({"i-2": IncidentRow(1, "water", True, AT), "i-3": IncidentRow(1, None, True, AT)})
    assert store._connection is None              # not kept after an error
    store.save_rows({"i-2": IncidentRow(2, "water", False, AT)})
    assert store.load().rows == {"i-1": IncidentRow(1, "roads", True, AT),
                                 "i-2": IncidentRow(2, "water", False, AT)}
