"""One contract suite for the incident store, run against every backend (eventsourcing style).

Each backend is a subclass that says how to make a service; every test runs on each.
"""
import sqlite3

import pytest
from eventsourcing.persistence import IntegrityError, Tracking

from dispatch.domain.incident import IncidentStatus
from dispatch.published import published_event
from dispatch.service_layer.incident_service import IncidentService
from dispatch.service_layer.inbound import InboundMessage
from dispatch.service_layer.route_reports import RouteReports
from infra.store import memory_service, postgres_service, sqlite_service
from tests.city import dispatcher
from tests.factories import report_bytes
from tests.unit.test_event_contract import whole_story
from tests.unit.test_incident import new_incident


class IncidentStoreContract:
    @pytest.fixture
    def service(self, tmp_path) -> IncidentService:
        raise NotImplementedError

    def test_a_whole_story_is_stored_and_replayed_into_equal_incidents(self, service):
        incidents = whole_story()
        service.save(*incidents)
        service.recent.forget()   # rebuilt from the store, not handed back as kept
        for incident in incidents:
            assert service.get_incident(incident.id).__dict__ == incident.__dict__

    def test_events_and_tracking_are_recorded_together(self, service):
        incident = new_incident("A")
        service.record([incident], Tracking("incidents.reported:0", 5))
        assert service.tracked_position("incidents.reported:0") == 5
        assert service.tracked_position("incidents.reported:1") is None
        assert service.existing([incident.id, new_incident("B").id]) == {incident.id}

    def test_the_positions_of_several_streams_are_asked_together(self, service):
        service.record([new_incident("A")], Tracking("incidents.reported:0", 3))
        service.record([new_incident("B")], Tracking("incidents.reported:0", 7))
        service.record([new_incident("C")], Tracking("incidents.commands:2", 4))
        streams = ["incidents.reported:0", "incidents.commands:2", "incidents.reported:5"]
        assert service.tracked_positions(streams) == {"incidents.reported:0": 7,
                                                      "incidents.commands:2": 4}
        assert service.tracked_positions([]) == {}

    def test_a_store_is_told_apart_by_its_first_record(self, service, tmp_path):
        from infra.store import store_identity
        assert store_identity(service) is None
        service.record([new_incident("A")], Tracking("incidents.reported:0", 1))
        identity = store_identity(service)
        assert identity and len(identity) == 32
        service.record([new_incident("B")], Tracking("incidents.reported:0", 2))
        assert store_identity(service) == identity
        other = memory_service()
        other.record([new_incident("A")], Tracking("incidents.reported:0", 1))
        assert store_identity(other) != identity   # the same incident, recorded at another time

    def test_several_positions_are_recorded_with_the_events_or_none_of_them(self, service):
        if not service.records_several_positions:
            with pytest.raises(TypeError, match="one position a transaction"):
                service.record([new_incident("A")], Tracking("incidents.reported:0", 1),
                               Tracking("incidents.reported:1", 1))
            assert service.existing([new_incident("A").id]) == set()
            return
        a = new_incident("A")
        service.record([a], Tracking("incidents.reported:0", 3), Tracking("incidents.reported:1", 5))
        assert service.tracked_position("incidents.reported:0") == 3
        assert service.tracked_position("incidents.reported:1") == 5
        with pytest.raises(IntegrityError):   # the second position is not above the last
            service.record([new_incident("B")], Tracking("incidents.reported:2", 1),
                           Tracking("incidents.reported:1", 5))
        assert service.tracked_position("incidents.reported:2") is None
        assert service.existing([a.id, new_incident("B").id]) == {a.id}
        with pytest.raises(IntegrityError):   # one position a stream
            service.record([new_incident("C")], Tracking("incidents.reported:3", 9),
                           Tracking("incidents.reported:3", 8))
        assert service.tracked_position("incidents.reported:3") is None

    def test_a_refused_transaction_leaves_neither_events_nor_tracking(self, service):
        service.record([new_incident("A")], Tracking("incidents.reported:0", 1))
        with pytest.raises(IntegrityError):
            service.record([new_incident("B"), new_incident("A")], Tracking("incidents.reported:0", 2))
        assert service.tracked_position("incidents.reported:0") == 1
        assert service.existing([new_incident("B").id]) == set()

    def test_a_position_not_above_the_last_is_refused(self, service):
        service.record([new_incident("A")], Tracking("incidents.reported:0", 7))
        with pytest.raises(IntegrityError):
            service.record([new_incident("B")], Tracking("incidents.reported:0", 7))

    def test_notifications_come_in_order_after_a_position(self, service):
        service.save(*whole_story())
        everything = service.notifications_after(0, 1000)
        ids = [n.id for n in everything]
        assert ids == sorted(ids) and len(ids) == len(set(ids))
        later = service.notifications_after(ids[4], 1000)
        assert [n.id for n in later] == ids[5:]
        versions: dict = {}
        for notification in everything:
            event = published_event(service.domain_event(notification))
            assert event["version"] == versions.get(event["incident_id"], 0) + 1
            versions[event["incident_id"]] = event["version"]

    @pytest.mark.parametrize("gt, lte, desc, limit", [
        (None, None, False, None), (2, None, False, None), (None, 3, False, None),
        (1, 4, False, None), (None, None, True, None), (None, None, False, 2),
        (1, None, True, 2), (None, 5, True, 1), (9, None, False, None)])
    def test_an_incidents_events_are_selected_by_version(self, service, gt, lte, desc, limit):
        incident = next(i for i in whole_story() if len(i.pending_events) >= 5)
        service.save(incident, new_incident("OTHER"))
        versions = [v for v in range(1, incident.version + 1)
                    if (gt is None or v > gt) and (lte is None or v <= lte)]
        versions = (versions[::-1] if desc else versions)[:limit]
        selected = service.recorder.select_events(incident.id, gt=gt, lte=lte, desc=desc,
                                                  limit=limit)
        assert [e.originator_version for e in selected] == versions
        assert {e.originator_id for e in selected} <= {incident.id}

    def test_a_select_sees_what_was_recorded_just_before(self, service):
        incident = new_incident("A")
        service.record([incident], Tracking("incidents.reported:0", 1))
        assert len(service.recorder.select_events(incident.id)) == incident.version
        loaded = service.get_incident(incident.id)
        loaded.urge(by="supervisor", note="hurry", at=loaded.reported_at)
        service.record([loaded], Tracking("incidents.reported:0", 2))
        assert [e.originator_version for e in service.recorder.select_events(incident.id)] == \
            list(range(1, loaded.version + 1))

    def test_several_incidents_are_got_at_once_kept_ones_checked_against_the_store(self, service):
        a, b, c = new_incident("A"), new_incident("B"), new_incident("C")
        service.record([a, b, c], Tracking("incidents.reported:0", 1))
        assert service.max_versions([a.id, b.id, new_incident("NONE").id]) == {
            a.id: a.version, b.id: b.version}
        service.recent.forget()
        stale_c, changed = service.get_incident(c.id), service.get_incident(c.id)
        changed.urge(by="supervisor", note="hurry", at=changed.reported_at)
        service.record([changed], Tracking("incidents.reported:0", 2))   # another writer, say
        service.recent.forget()
        current_b = service.get_incident(b.id)
        service.recent.keep([(b.id, current_b), (c.id, stale_c)])
        got = service.get_incidents([a.id, b.id, c.id, new_incident("NONE").id, a.id])
        assert list(got) == [a.id, b.id, c.id]
        assert got[b.id] is current_b                  # kept, and current: handed back
        assert got[c.id] is not stale_c and got[c.id].version == changed.version > stale_c.version
        assert got[c.id].__dict__ == changed.__dict__ and got[a.id].__dict__ == a.__dict__

    def test_the_route_step_is_idempotent_on_this_store(self, service):
        route = RouteReports(service, dispatcher())
        batch = [InboundMessage("r", 0, n, None, report_bytes(f"R{n}")) for n in range(20)]
        route.record(route.prepare(batch))
        again = route.prepare(batch)
        assert again.redelivered == 20 and route.record(again).recorded == []
        stored = service.existing(new_incident(f"R{n}").id for n in range(20))
        assert len(stored) == 20
        assert {service.get_incident(i).status for i in stored} == {IncidentStatus.DISPATCHED}


class TestInMemoryStore(IncidentStoreContract):
    @pytest.fixture
    def service(self, tmp_path):
        return memory_service()


class TestSQLiteStore(IncidentStoreContract):
    @pytest.fixture
    def service(self, tmp_path):
        return sqlite_service(tmp_path / "store.sqlite")


class TestSQLiteStoreCheckpointingInTheBackground(IncidentStoreContract):
    """The worker's configuration: WAL checkpoints in a thread, not in commits."""
    @pytest.fixture
    def service(self, tmp_path):
        service = sqlite_service(tmp_path / "store.sqlite", checkpoints="background",
                                 checkpoint_seconds=0.01)   # (so that they meet the tests)
        yield service
        service.close()


class TestPostgresStore(IncidentStoreContract):
    """The store workers on several hosts share (infra/postgres_store.py), on a real server."""
    @pytest.fixture
    def service(self, postgres_url):
        service = postgres_service(postgres_url)
        yield service
        service.close()


def stock_sqlite_service(path) -> IncidentService:
    return IncidentService(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                                "SQLITE_DBNAME": str(path), "SQLITE_LOCK_TIMEOUT": "30"})


class TestStockSQLiteStore(IncidentStoreContract):
    """eventsourcing's own SQLite recorder, which the store's batch-inserting one replaces."""
    @pytest.fixture
    def service(self, tmp_path):
        return stock_sqlite_service(tmp_path / "stock.sqlite")


def test_the_batch_recorder_writes_the_rows_the_stock_recorder_writes(tmp_path):
    events = [event for incident in whole_story() for event in incident.collect_events()]
    stores = [sqlite_service(tmp_path / "batch.sqlite"), stock_sqlite_service(tmp_path / "stock.sqlite")]
    for store in stores:
        store.events.put(events, tracking=Tracking("incidents.reported:0", 3))
    rows = [sqlite3.connect(tmp_path / name).execute(
        "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
        "ORDER BY rowid").fetchall() for name in ("batch.sqlite", "stock.sqlite")]
    assert rows[0] == rows[1] and len(rows[0]) == len(events)
    assert [store.tracked_position("incidents.reported:0") for store in stores] == [3, 3]


def test_the_batch_recorder_selects_what_the_stock_recorder_selects(tmp_path):
    events = [event for incident in whole_story() for event in incident.collect_events()]
    stores = [sqlite_service(tmp_path / "batch.sqlite"), stock_sqlite_service(tmp_path / "stock.sqlite")]
    for store in stores:
        store.events.put(events)
    for incident_id in {event.originator_id for event in events}:
        for options in ({}, {"gt": 1}, {"lte": 2}, {"desc": True, "limit": 2}, {"gt": 99}):
            for originator_id in (incident_id, incident_id.hex):   # the stored form too
                batch, stock = (store.recorder.select_events(originator_id, **options)
                                for store in stores)
                assert batch == stock


def test_positions_are_asked_a_few_hundred_streams_a_query(tmp_path):
    service = sqlite_service(tmp_path / "store.sqlite")
    streams = [f"topic:{n}" for n in range(1_203)]
    service.record([new_incident("A")], *(Tracking(s, n + 1) for n, s in enumerate(streams)))
    assert service.tracked_positions(streams + ["topic:none"]) == {
        s: n + 1 for n, s in enumerate(streams)}


def test_the_commit_durability_is_set_on_every_connection(tmp_path):
    for mode, code in (("normal", 1), ("full", 2)):
        service = sqlite_service(tmp_path / f"{mode}.sqlite", mode)
        service.record([new_incident("A")], Tracking("incidents.reported:0", 1))
        for commit in (False, True):   # the pool keeps readers and writers apart
            with service.recorder.datastore.transaction(commit=commit) as cursor:
                cursor.execute("PRAGMA synchronous")
                assert cursor.fetchone()[0] == code


def test_the_page_cache_is_set_on_every_connection(tmp_path):
    for mib, kib in ((0, 2000), (8, 8192)):   # 0: SQLite's own (-2000: 2,000 KiB)
        service = sqlite_service(tmp_path / f"cache{mib}.sqlite", cache_mib=mib)
        service.record([new_incident("A")], Tracking("incidents.reported:0", 1))
        for commit in (False, True):
            with service.recorder.datastore.transaction(commit=commit) as cursor:
                cursor.execute("PRAGMA cache_size")
                assert cursor.fetchone()[0] == -kib
    with pytest.raises(ValueError, match="SQLITE_CACHE_MIB='-1'"):
        sqlite_service(tmp_path / "bad.sqlite", cache_mib=-1)


def test_an_unknown_durability_is_refused_by_name(tmp_path):
    with pytest.raises(ValueError, match="SQLITE_SYNCHRONOUS='SOMETIMES'"):
        sqlite_service(tmp_path / "store.sqlite", "sometimes")


def test_closing_the_store_closes_every_threads_read_connection(tmp_path):
    import sqlite3 as sqlite
    import threading
    service = sqlite_service(tmp_path / "store.sqlite")
    incident = new_incident("A")
    service.record([incident], Tracking("incidents.reported:0", 1))
    readers = []

    def select_in_a_thread():
        service.recorder.select_events(incident.id)
        readers.append(service.recorder._readers.connection)
    thread = threading.Thread(target=select_in_a_thread)
    thread.start()
    thread.join()
    service.recorder.select_events(incident.id)
    readers.append(service.recorder._readers.connection)
    service.close()
    for connection in readers:
        with pytest.raises(sqlite.ProgrammingError, match="closed"):
            connection.execute("SELECT 1")
