"""The store's lease on PostgreSQL: one holder at a time, a holder killed with -9 lets go,
and a holder whose session ends knows it has lost the lease."""
import os
import signal
import socket
import subprocess
import sys
import time

import psycopg

from infra.postgres_lease import PostgresLease
from infra.settings import PROJECT_ROOT

HOLD = """
import sys, time
from infra.postgres_lease import PostgresLease
lease = PostgresLease(sys.argv[1])   # (kept: the lock goes with the object's connection)
assert lease.try_acquire()
print("held", flush=True)
time.sleep(60)
"""


def wait_for(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_one_holder_at_a_time_and_release_hands_it_on(postgres_url):
    first, second = PostgresLease(postgres_url), PostgresLease(postgres_url)
    assert first.holder() is None
    assert first.try_acquire() and first.held and first.still_held()
    assert first.holder() == (os.getpid(), socket.gethostname())
    assert not second.try_acquire() and not second.held and not second.still_held()
    assert first.try_acquire()   # asking again while holding it keeps it
    assert second.holder() is not None
    first.release()
    assert second.try_acquire()
    assert not first.try_acquire()
    second.release()


def test_the_servers_end_of_the_lease_session_keeps_alive_every_few_seconds(postgres_url):
    lease = PostgresLease(postgres_url)
    assert lease.try_acquire()
    settings = [lease._connection.execute(f"SHOW {name}").fetchone()[0] for name in (
        "tcp_keepalives_idle", "tcp_keepalives_interval", "tcp_keepalives_count",
        "tcp_user_timeout")]
    assert settings == ["5", "2", "3", "15000"]   # the server's end of the session
    lease.release()


def test_leases_of_other_stores_or_names_are_apart(postgres_url, postgres_server):
    from infra.local_postgres import create_database
    other_store = create_database(postgres_server, "lease_other_store")
    leases = [PostgresLease(postgres_url), PostgresLease(postgres_url, "other"),
              PostgresLease(other_store), PostgresLease(postgres_url + "?schema=elsewhere")]
    assert all(lease.try_acquire() for lease in leases)
    for lease in leases:
        lease.release()


def test_a_holder_killed_with_minus_9_lets_another_take_it(postgres_url):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, postgres_url], cwd=PROJECT_ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        lease = PostgresLease(postgres_url)
        assert not lease.try_acquire()
        assert lease.holder()[0] == holder.pid
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        assert wait_for(lease.try_acquire)
        lease.release()
    finally:
        holder.kill()
        holder.wait()


def test_a_holder_whose_session_ends_has_lost_the_lease(postgres_url):
    holder, other = PostgresLease(postgres_url), PostgresLease(postgres_url)
    assert holder.try_acquire()
    with psycopg.connect(postgres_url, autocommit=True) as admin:   # e.g. the server restarted
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE application_name LIKE 'grid-dispatch lease %%'")
    assert wait_for(other.try_acquire)
    assert not holder.still_held() and not holder.held
    assert not holder.try_acquire()   # the new holder keeps it
    other.release()
