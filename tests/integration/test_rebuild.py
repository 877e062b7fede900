"""Views rebuilt from the store alone (SQLite or PostgreSQL) equal the views built live,
through the command line as an operator runs it."""
import os
import sqlite3
import subprocess
import sys
import uuid

import pytest

from dispatch.published import published_event
from dispatch.service_layer.inbound import InboundMessage
from dispatch.service_layer.route_reports import RouteReports
from infra.relay_records import published_events
from infra.settings import PROJECT_ROOT
from infra.store import postgres_service, sqlite_service
from infra.store_reader import sqlite_rows
from infra.view_store import OpenIncidentsStore
from tests.city import dispatcher
from projections.open_incidents import OpenIncidentsByDepartment
from tests.factories import report_bytes

REPORTED = "dispatch.domain.incident:Incident.Reported"


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_rebuild_from_the_store_equals_the_live_view(tmp_path, store, request):
    env = dict(os.environ, GRID_DISPATCH_HOME=str(tmp_path))
    if store == "postgres":
        env["GRID_DISPATCH_STORE_URL"] = request.getfixturevalue("postgres_url")
        service = postgres_service(env["GRID_DISPATCH_STORE_URL"])
    else:
        service = sqlite_service(tmp_path / "store.sqlite")
    route = RouteReports(service, dispatcher())
    categories = ["environment.noise", "market.food", "traffic.parking", "nothing.known"] * 50
    live = OpenIncidentsByDepartment()
    for start in range(0, len(categories), 37):
        batch = [InboundMessage("r", 0, n, None, report_bytes(f"R{n}", category=categories[n]))
                 for n in range(start, min(start + 37, len(categories)))]
        before = service.recorder.max_notification_id() or 0
        route.record(route.prepare(batch))
        live.apply(published_event(service.domain_event(n))
                   for n in service.notifications_after(before, 10_000))
    views = OpenIncidentsStore(tmp_path / "views.sqlite")
    views.save_rows(live.rows)
    assert views.load().rows == live.rows

    result = subprocess.run([sys.executable, "-m", "infra.cli", "rebuild"], env=env,
                            cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "gave way to Python" not in result.stderr   # replayed natively, on either store
    assert "replayed 600 events: 200 incidents" in result.stdout  # Reported, Located, Dispatched
    assert OpenIncidentsStore(tmp_path / "views.sqlite").load().rows == live.rows

    report = subprocess.run([sys.executable, "-m", "infra.cli", "report", "--format", "csv"],
                            env=env, cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert report.returncode == 0, report.stderr
    assert "environment,Ecology and Environment Bureau,50" in report.stdout.splitlines()
    assert (tmp_path / "store.sqlite").exists() == (store == "sqlite")


def test_a_stored_event_that_cannot_be_read_is_left_out_as_the_relay_leaves_it(tmp_path):
    """The relay dead-letters such a row and goes on (infra/relay.py); a rebuild leaves out
    the same row, so the views it makes equal the ones the relay fed."""
    env = dict(os.environ, GRID_DISPATCH_HOME=str(tmp_path))
    service = sqlite_service(tmp_path / "store.sqlite")
    route = RouteReports(service, dispatcher())
    route.record(route.prepare([InboundMessage("r", 0, n, None, report_bytes(f"R{n}"))
                                for n in range(5)]))
    with sqlite3.connect(tmp_path / "store.sqlite") as store:   # as a hand or a bug might
        store.execute("INSERT INTO stored_events (originator_id, originator_version, topic, "
                      "state) VALUES (?, 1, ?, ?)", (uuid.uuid4().hex, REPORTED, b"\x00oops"))
    route.record(route.prepare([InboundMessage("r", 0, n, None, report_bytes(f"R{n}"))
                                for n in range(5, 9)]))
    rows = sqlite_rows(tmp_path / "store.sqlite")(0, 10_000)
    events, refused = published_events(rows)
    assert len(refused) == 1 and len(events) == 27
    live = OpenIncidentsByDepartment()
    live.apply(events)

    result = subprocess.run([sys.executable, "-m", "infra.cli", "rebuild"], env=env,
                            cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "the native replay gave way to Python's" in result.stderr   # (then Python's)
    assert "cannot be read, left out: JSONDecodeError" in result.stderr
    assert OpenIncidentsStore(tmp_path / "views.sqlite").load().rows == live.rows
    assert len(live.rows) == 9
