"""The PostgreSQL store outlives its connections: sessions the server ended (a restart, a
failover, an idle timeout) are replaced on the next call, which goes through."""
import psycopg
from eventsourcing.persistence import Tracking

from infra.store import postgres_service
from tests.unit.test_incident import new_incident


def end_every_other_session(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as admin:
        return len(admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> "
            "pg_backend_pid() AND datname = current_database()").fetchall())


def test_calls_after_the_server_ended_every_session_go_through(postgres_url):
    service = postgres_service(postgres_url)
    service.record([new_incident("A")], Tracking("incidents.reported:0", 1))
    assert service.get_incident(new_incident("A").id).version >= 1
    assert end_every_other_session(postgres_url) >= 1
    service.record([new_incident("B")], Tracking("incidents.reported:0", 2))
    assert end_every_other_session(postgres_url) >= 1
    assert service.existing([new_incident("A").id, new_incident("C").id]) == {new_incident("A").id}
    assert end_every_other_session(postgres_url) >= 1
    service.recent.forget()
    assert service.get_incident(new_incident("B").id).version >= 1
    assert service.tracked_position("incidents.reported:0") == 2
    assert [n.id for n in service.notifications_after(0, 100)] == [1, 2]
    service.close()
