"""A relay on a PostgreSQL store is woken by any writer's transaction, through the store's
own notifications; a listener whose session ends stops quietly, leaving the idle wait."""
import asyncio

import psycopg
from eventsourcing.persistence import Tracking

from infra.postgres_wakeups import PostgresWakeups
from infra.store import postgres_service
from tests.unit.test_incident import new_incident


def test_a_stored_batch_wakes_the_listening_relay_and_a_lost_session_stops_it(postgres_url):
    writer = postgres_service(postgres_url)   # (tables made before anyone listens)

    async def main() -> tuple[int, int, int]:
        woken = asyncio.Event()
        wakes = 0

        def on_wake() -> None:
            nonlocal wakes
            wakes += 1
            woken.set()
        listener = PostgresWakeups(postgres_url, writer.recorder.channel_name)
        assert listener.listen(on_wake) and listener.listen(on_wake)   # (once is enough)
        await asyncio.sleep(0.2)
        quiet = wakes
        await asyncio.to_thread(writer.record, [new_incident("A")],
                                Tracking("incidents.reported:0", 1))
        await asyncio.wait_for(woken.wait(), 5)
        after_one = wakes
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE application_name = 'grid-dispatch relay wake-ups'")
        for _ in range(50):
            if listener._connection is None:
                break
            await asyncio.sleep(0.05)
        stopped = listener._connection is None
        woken.clear()
        await asyncio.to_thread(writer.record, [new_incident("B")],
                                Tracking("incidents.reported:0", 2))
        await asyncio.sleep(0.3)
        listener.close()
        return quiet, after_one, (stopped, woken.is_set())

    quiet, after_one, (stopped, woken_after) = asyncio.run(main())
    assert quiet == 0 and after_one == 1
    assert stopped and not woken_after
    writer.close()
